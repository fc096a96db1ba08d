"""Table cells: bare numbers under a "Million $" header, and pipe or whitespace-aligned tables whose header names column roles."""
from __future__ import annotations

import re

from tally.extract.candidates import _Cand
from tally.extract.numbers import _SCALES


_TABLE_HEADER = re.compile(
    r"^[ \t\u00a0]*\(?(?:in\s+)?(?:(?:US|U\.S\.)\s?)?(?P<a>(?i:thousand|million|billion)s?)\s*(?:of\s+)?(?P<c>\$|(?i:dollars|US\s+dollars|USD))\)?[ \t\u00a0]*$"
    r"|^[ \t\u00a0]*\(?(?:in\s+)?(?P<c2>\$|USD|US\$)\s*(?P<a2>(?i:thousand|million|billion)s?)\)?[ \t\u00a0]*$",
    re.MULTILINE,
)


# A column label naming a change: "Change", "Absolute change", "Percent change", "% chg", "Growth" (one match each;
# "exchange" is not one).
_CHANGE_LABEL = re.compile(r"(?:%\s*|\bper\s?cent(?:age)?\s+)?\b(?:change|growth|chg)\b", re.IGNORECASE)
_CELL_LINE = re.compile(r"^[ \t\u00a0]*(?P<neg>[-−(])?[ \t]?(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)\)?[ \t\u00a0]*$")


def _table_cells(text: str, cands: list[_Cand]) -> None:
    """Scale bare numeric lines under a "Million $" / "(millions of dollars)" header line."""
    for hm in _TABLE_HEADER.finditer(text):
        amount = (hm["a"] or hm["a2"] or "").lower().rstrip("s")
        mult = _SCALES.get(amount, 1.0)
        pos = hm.end()
        header_parts: list[str] = []
        rows: list[list[tuple[int, bool]]] = []
        row: list[tuple[int, bool]] = []
        started = False
        for lm in re.finditer(r"[^\n]*", text[pos:pos + 200_000]):
            line = lm.group()
            if not line.strip():
                continue
            cm = _CELL_LINE.match(line)
            if cm and not (not started and re.fullmatch(r"\s*[12][0-9]{3}\s*", line)):
                started = True
                row.append((pos + lm.start() + cm.start("num"), bool(cm["neg"])))
                continue
            if started and len(line.split()) > 12:
                break  # prose again: the table is over
            if row:
                rows.append(row)
                row = []
            if not started:
                header_parts.append(line.lower())
        if row:
            rows.append(row)
        header = " ".join(header_parts)
        # the trailing columns whose labels say change (labels wrap over lines: counted, not split)
        n_change = len(_CHANGE_LABEL.findall(header))
        pct_last = "percent" in header
        by_start = {c.num_start: c for c in cands}
        for r in rows:
            k = len(r)
            for i, (ns, neg) in enumerate(r):
                c = by_start.get(ns)
                if c is None or c.currency:
                    continue
                c.drop = False
                c.label = False
                c.in_range = False
                c.start, c.end = ns, c.num_end
                c.cmp, c.cmp_start = "=", None
                is_change = k > n_change and i >= k - n_change
                if pct_last and i == k - 1 and k > 1:
                    c.unit, c.mult = "percent", 1.0
                else:
                    c.unit, c.mult = "USD", mult
                c.notes.add("table-down" if neg and is_change else "table-up" if is_change else "table")


_NUM_CELL = re.compile(r"[ \t\u00a0]*(?P<sign>[-−+])?(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)[ \t\u00a0]*")


_CELL_ROLE = re.compile(
    r"(?P<chg>%\s*change|per\s?cent(?:age)?\s+change|change|growth)|(?P<idx>\bindex\w*)"
    r"|(?P<pct>%|\bper\s?cent\b|\bshare\b)",
    re.IGNORECASE,
)


def _row_cells(line: str) -> list[tuple[int, str | None]] | None:
    """(offset in line, sign) of the trailing run of figure cells of a table row, or None when not a row."""
    if not line.rstrip(" |\t\u00a0")[-1:].isdigit():
        return None
    if "|" in line:
        parts, pos = [], 0
        for piece in line.split("|"):
            parts.append((pos, piece))
            pos += len(piece) + 1
        while parts and not parts[-1][1].strip():
            parts.pop()
    else:
        parts = [(m.start(), m.group()) for m in re.finditer(r"\S+", line)]
    cells: list[tuple[int, str | None]] = []
    for off, piece in reversed(parts):
        m = _NUM_CELL.fullmatch(piece)
        if not m:
            break
        cells.append((off + m.start("sign") if m["sign"] else off + m.start("num"), m["sign"]))
    label = parts[: len(parts) - len(cells)]
    if len(cells) < 2 or ("|" not in line and len(label) > 6):
        return None
    return cells[::-1]


def _figure_tables(text: str, cands: list[_Cand]) -> None:
    """Cells of pipe and whitespace-aligned tables take their unit and change from the header's column roles."""
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    by_start = {(c.start if c.sign else c.num_start): c for c in cands}
    by_num = {c.num_start: c for c in cands}
    i, n = 0, len(lines)
    while i < n:
        cells = _row_cells(lines[i][1])
        if cells is None:
            i += 1
            continue
        k, first, rows = len(cells), i, []
        while i < n:
            cells = _row_cells(lines[i][1])
            if cells is not None and len(cells) == k:
                rows.append((lines[i][0], cells))
            elif not ("|" in lines[i][1] and not re.search(r"[0-9]", lines[i][1])):
                break
            i += 1
        roles = _header_roles(lines, first)
        if len(roles) != k or len(rows) < 2:
            continue
        for base, row in rows:
            for (off, sign), role in zip(row, roles):
                pos = base + off
                c = by_start.get(pos) or by_num.get(pos + (1 if sign else 0))
                if c is None or "table" in c.notes:
                    continue
                _set_cell(c, pos, sign, role)


def _header_roles(lines: list[tuple[int, str]], first: int) -> list[str]:
    """Column roles (chg / idx / pct) named in the header lines above a table's first row."""
    header: list[str] = []
    j = first - 1
    while j >= 0 and len(header) < 3:
        line = lines[j][1]
        if not line.strip():
            if header:
                break
        elif not ("|" in line and not re.search(r"[0-9]", line) and not _CELL_ROLE.search(line)):
            header.append(line)
        j -= 1
    return [m.lastgroup or "" for h in reversed(header) for m in _CELL_ROLE.finditer(h)]


def _set_cell(c: _Cand, pos: int, sign: str | None, role: str) -> None:
    """Make a candidate one table cell of the given column role."""
    c.drop = c.label = c.in_range = False
    c.start, c.end = pos, c.num_end
    c.cmp, c.cmp_start, c.mult, c.scaled = "=", None, 1.0, False
    c.sign = sign
    c.unit = "index_points" if role == "idx" else "percent"
    if role == "chg" and c.base != 0:
        c.notes.add("table-down" if sign in ("-", "−") else "table-up")
    else:
        c.notes.add("table")
