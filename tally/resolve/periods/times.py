"""Find the time expressions of a stretch of text: run every time rule, keep the longest non-overlapping ones."""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import replace
from functools import lru_cache

from tally.resolve.periods.calendar import PeriodContext
from tally.resolve.periods.dates import DATE_RULES
from tally.resolve.periods.expr import Gate, TimeExpr, TimeRule, gate_of, shifted
from tally.resolve.periods.relative import RELATIVE_RULES

TIME_RULES: tuple[TimeRule, ...] = DATE_RULES + RELATIVE_RULES

_BASE_BEFORE = re.compile(r"\b(?:than|compared (?:to|with)|relative to|versus|vs\.?)\s+(?:(?:for|\w+ed(?: for)?)\s+)?"
                          r"(?:the\s+)?$")


def find_times(text: str, ctx: PeriodContext, start: int = 0, end: int | None = None,
               rules: tuple[TimeRule, ...] = TIME_RULES) -> list[TimeExpr]:
    """Time expressions in text[start:end], non-overlapping, longest first, comparison bases marked."""
    end = len(text) if end is None else end
    seg = text[start:end]
    low = seg.lower()
    cands = [shifted(t, start, rule.__name__) for rule, gate in _gated(rules) if gate is None or gate.open(seg, low)
             for t in rule(seg, ctx)]
    return [_marked_base(text, c) for c in _longest_first(cands)]


@lru_cache(maxsize=16)
def _gated(rules: tuple[TimeRule, ...]) -> tuple[tuple[TimeRule, Gate | None], ...]:
    """Each rule with its gate (None: the rule always runs)."""
    return tuple((rule, gate_of(rule)) for rule in rules)


def _longest_first(cands: list[TimeExpr]) -> list[TimeExpr]:
    """The candidates that no longer (or earlier, among equals) overlapping candidate covers, in text order."""
    starts: list[int] = []
    kept: list[TimeExpr] = []
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), c.start)):
        i = bisect_right(starts, c.start)
        if (i > 0 and kept[i - 1].end > c.start) or (i < len(kept) and kept[i].start < c.end):
            continue
        starts.insert(i, c.start)
        kept.insert(i, c)
    return kept


def _marked_base(text: str, t: TimeExpr) -> TimeExpr:
    """A time after 'than' or 'compared with', and 'on <month year>' ('an increase of 4% on September 2016',
    never a date: a day would be given), is a comparison base."""
    pre = text[max(0, t.start - 25):t.start]
    if _BASE_BEFORE.search(pre) or _ON_MONTH.match(t.text):
        return replace(t, base=True)
    if t.kind == "same_period" and re.match(r"from\b", t.text):
        return replace(t, base=True)
    return t


_ON_MONTH = re.compile(r"on\s+(?:[A-Z][a-z]+\.?\s+)?\d{4}$")
