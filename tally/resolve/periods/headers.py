"""Periods from table layout: a column header's time ('| Mar Qtr 2015 to Jun Qtr 2015 |') or a row label's
month ('2011 Jun 119.4 -0.1 4.2', then 'Jul 119.4 ...')."""
from __future__ import annotations

import re
from bisect import bisect_right

from tally.resolve.periods.calendar import MONTH, YEAR, PeriodContext, month_no, ym
from tally.resolve.periods.expr import TimeExpr
from tally.resolve.periods.times import find_times

_ROW_LABEL = re.compile(rf"[ \t]*(?:(?P<Y>{YEAR})[ \t]+)?(?P<M>{MONTH})[ \t]+(?=[-+−]?\d)")
_BULLET = re.compile(r"[ \t]*(?:[-•*–·▪]|\d{1,2}[.)])[ \t]+")
_NUMBERS_ONLY = re.compile(r"[-+−\d.,%\s]*")
_MAX_ROWS = 200  # how far up a table block is followed to find its header or the year of a row label


class LineIndex:
    """Line starts of a text, found by bisection; what each line holds is worked out once and cached."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self._header: dict[int, list[tuple[int, list[TimeExpr]]] | None] = {}
        self._label: dict[int, tuple[str, str] | None] = {}
        self._lead: dict[int, list[TimeExpr] | None] = {}

    def line(self, pos: int) -> tuple[int, int]:
        """(start, end) of the line holding pos, end excluding the line break."""
        i = bisect_right(self.starts, pos) - 1
        end = self.starts[i + 1] - 1 if i + 1 < len(self.starts) else len(self.text)
        return self.starts[i], end

    def _is_row(self, lo: int, hi: int) -> bool:
        return self.text.count("|", lo, min(hi, lo + 2000)) >= 2

    def header(self, pos: int, ctx: PeriodContext) -> list[tuple[int, list[TimeExpr]]] | None:
        """The cells (column number, times) of the first row of the pipe table holding pos, or None."""
        lo, hi = self.line(pos)
        if lo in self._header:
            return self._header[lo]
        if not self._is_row(lo, hi):
            self._header[lo] = None
            return None
        i, first, seen = bisect_right(self.starts, pos) - 1, lo, 0
        while i > 0 and seen < _MAX_ROWS:
            plo, phi = self.starts[i - 1], self.starts[i] - 1
            if not self._is_row(plo, phi):
                break
            if plo in self._header:
                self._header[lo] = self._header[plo]
                return self._header[lo]
            first, i, seen = plo, i - 1, seen + 1
        flo, fhi = self.line(first)
        cells, col, s = [], 0, flo
        for k in range(flo, fhi + 1):
            if k == fhi or self.text[k] == "|":
                times = [t for t in find_times(self.text, ctx, s, k) if t.period_start or t.period_end]
                cells.append((col, times))
                col, s = col + 1, k + 1
        self._header[lo] = cells if any(t for _, t in cells) and first != lo else None
        return self._header[lo]

    def row_label(self, pos: int) -> tuple[str, str] | None:
        """The month a table row is labelled with ('2011 Jun', or 'Jul' under it), or None."""
        lo, _ = self.line(pos)
        if lo in self._label:
            return self._label[lo]
        m = _ROW_LABEL.match(self.text, lo)
        out = None
        _, hi = self.line(pos)
        if m and m.end() <= pos and _NUMBERS_ONLY.fullmatch(self.text, m.end(), hi):
            year = m.group("Y")
            i, seen = bisect_right(self.starts, pos) - 1, 0
            while not year and i > 0 and seen < _MAX_ROWS:
                i, seen = i - 1, seen + 1
                up = _ROW_LABEL.match(self.text, self.starts[i])
                if not up:
                    break
                year = up.group("Y")
            if year:
                d = ym(int(year), month_no(m.group("M")))
                out = (d, d)
        self._label[lo] = out
        return out


    def lead_in(self, pos: int, ctx: PeriodContext) -> list[TimeExpr] | None:
        """The times of the line introducing the bulleted list that holds pos ('Changes in 2020 from 2019:')."""
        lo, _ = self.line(pos)
        if lo in self._lead:
            return self._lead[lo]
        out = None
        if _BULLET.match(self.text, lo):
            i, seen = bisect_right(self.starts, pos) - 1, 0
            while i > 0 and seen < _MAX_ROWS:
                i, seen = i - 1, seen + 1
                plo, phi = self.starts[i], self.starts[i + 1] - 1
                if plo in self._lead:
                    out = self._lead[plo]
                    break
                if _BULLET.match(self.text, plo) or plo == phi:
                    continue
                if self.text[plo:phi].rstrip().endswith(":"):
                    out = [t for t in find_times(self.text, ctx, plo, phi) if t.period_start and t.period_end]
                break
        self._lead[lo] = out or None
        return self._lead[lo]


def table_time(lines: LineIndex, pos: int, ctx: PeriodContext) -> TimeExpr | None:
    """The time of the header cell above the table cell at pos."""
    cells = lines.header(pos, ctx)
    if not cells:
        return None
    lo, _ = lines.line(pos)
    col = lines.text.count("|", lo, pos)
    for c, times in cells:
        if c == col and times:
            return times[-1] if len(times) == 1 else max(times, key=lambda t: t.end - t.start)
    return None
