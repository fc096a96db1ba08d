"""Which time expression dates which figure: an ordered list of small scoping rules, in one linear sweep.

Every rule is `(slot, view) -> Dated | None` and is named for what it recognizes; the first rule that
returns a value decides the figure's period, and its name is recorded (`mentions.period_rule`). A sentence's
figures and times are kept in sorted lists and looked up by bisection, and every scan is bounded by
`MAX_DIST` characters, so the work grows linearly with the text (issue 18).
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Callable

from tally.resolve.periods.apply import Dated, apply_time
from tally.resolve.periods.calendar import PeriodContext, inverted
from tally.resolve.periods.expr import TimeExpr
from tally.resolve.periods.headers import LineIndex, table_time
from tally.resolve.periods.times import find_times

POST_NEAR = 60
MAX_DIST = 160


@dataclass
class Slot:
    """One mention to date, with the text around it and what is already known about it."""

    start: int
    end: int
    sentence: tuple[int, int]
    clause: tuple[int, int]
    section_times: list[TimeExpr] = field(default_factory=list)
    is_change: bool = False
    subject: str | None = None
    unit: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    note: str | None = None
    rule: str | None = None  # the scoping rule that decided (None: undecided)
    passage: tuple[int, int] | None = None
    section: str | None = None
    why: str | None = None  # "habitual" when a standard or habitual wording left the period open

    @property
    def closed(self) -> bool:
        return self.period_start is not None and self.period_end is not None

    def dated(self) -> Dated:
        return Dated(self.period_start, self.period_end, window=self.why == "window")


@dataclass
class Sweep:
    """What the sweep carries from one sentence to the next: the figure whose period is in force."""

    last: Slot | None = None


_RELATIVE_WORDS = re.compile(r"\b(?:now|currently|today|once|formerly|previously|at present|nowadays)\b")
_COMPARISON = re.compile(r"\b(?:compared (?:to|with)|versus|than|(?:following|after)(?: (?:a|an|\w+ing(?: by)?|"
                         r"falls? of|rises? of))?)\s+(?:the\s+|just\s+)?$")
_PAREN = re.compile(r"[()]")
_LEAD = re.compile(r"^\W*(?:In fact|However|Also|And)\W*")


class SentenceView:
    """One sentence's figures and times, with the lookups the rules need (all O(log n) or bounded)."""

    def __init__(self, text: str, sent: tuple[int, int], slots: list[Slot], ctx: PeriodContext, sweep: Sweep,
                 lines: LineIndex) -> None:
        self.text, self.sent, self.slots, self.ctx, self.sweep, self.lines = text, sent, slots, ctx, sweep, lines
        self.steps = 0  # inner-loop steps taken (figures looked at), for the linear-work test
        self.all_times = find_times(text, ctx, *sent)
        self.times = [t for t in self.all_times if not t.base]
        self.t_starts = [t.start for t in self.times]
        self.t_ends = [t.end for t in self.times]
        self.s_starts = [s.start for s in slots]
        self.parens = [m.start() for m in _PAREN.finditer(text, *sent)]  # where the sentence's parentheses are
        self.paren_depth = list(accumulate(1 if text[p] == "(" else -1 for p in self.parens))
        self.commas = [m.start() for m in re.finditer(",", text[sent[0]:sent[1]])]
        self.blockers = sorted([m.start() for m in _RELATIVE_WORDS.finditer(text, *sent)] +
                               [t.start for t in self.all_times if t.kind in ("relative", "habitual", "event")])
        self.own = _bind_own(self)
        self.scope = _sentence_scope(self)
        self.clause_scopes = [t for t in self.times if t.kind == "fromto" and not self._slot_in(t.start, t.end)]
        self.levels = _dated_levels(self)
        self.index = {id(s): i for i, s in enumerate(slots)}
        self.last_closed: Slot | None = None  # the latest figure of the sentence dated so far (slots go in order)

    def _slot_in(self, lo: int, hi: int) -> bool:
        i = bisect_left(self.s_starts, lo)
        return i < len(self.s_starts) and self.s_starts[i] < hi

    def in_parens(self, pos: int, lo: int) -> bool:
        """Whether pos sits inside a parenthesis opened after lo."""
        if not self.parens:
            return False
        return self._depth(pos) - self._depth(lo) > 0

    def _depth(self, pos: int) -> int:
        """Parentheses opened and not closed in the sentence before pos."""
        i = bisect_left(self.parens, pos)
        return self.paren_depth[i - 1] if i else 0

    def figure_between(self, lo: int, hi: int, s: Slot) -> bool:
        """Whether another figure (not in parentheses) starts in [lo, hi)."""
        i = bisect_left(self.s_starts, lo)
        while i < len(self.slots) and self.s_starts[i] < hi:
            self.steps += 1
            o = self.slots[i]
            if o is not s and not self.in_parens(o.start, lo):
                return True
            i += 1
        return False

    def pre(self, s: Slot, n: int = 12) -> str:
        """The n characters before a figure, inside its sentence."""
        return self.text[max(self.sent[0], s.start - n):s.start]

    def blocked(self, s: Slot) -> bool:
        """A relative word ('now', 'once') or an undated time in the figure's clause, up to the next comma."""
        k = bisect_left(self.commas, s.end - self.sent[0])
        chunk_end = min(self.sent[0] + self.commas[k], s.clause[1]) if k < len(self.commas) else s.clause[1]
        i = bisect_left(self.blockers, s.clause[0])
        return i < len(self.blockers) and self.blockers[i] < chunk_end

    def in_force(self, s: Slot) -> Callable[[], Dated | None]:
        """The period an anaphoric time refers back to: the last dated figure before s in its sentence, else the
        figure in force from earlier sentences."""
        def get() -> Dated | None:
            o = self.last_closed
            if o is not None and o.end <= s.start:
                return o.dated()
            last = self.sweep.last
            return last.dated() if last is not None and last.closed else None
        return get


def _bind_own(v: SentenceView) -> dict[int, TimeExpr]:
    """Each figure's own time: the first time after it in its clause with no other figure between (post),
    else the nearest untaken time before it in its clause (pre)."""
    own: dict[int, TimeExpr] = {}
    used: set[int] = set()
    later: dict[int, int] = {}
    for i, s in enumerate(v.slots):
        j = bisect_left(v.t_starts, s.end)
        if j == len(v.times):
            continue
        t = v.times[j]
        if t.start - s.end > MAX_DIST or t.start >= s.clause[1] or t.kind in ("habitual", "event"):
            continue
        if v.figure_between(s.end, t.start, s):
            continue
        gap = v.text[s.end:t.start]
        if t.kind in ("since", "by", "before") and "," in gap:
            continue  # "rose to 6.1%, the highest since 1982": the time belongs to the appositive
        if v.in_parens(s.start, v.sent[0]) and ")" in gap and "," in gap[gap.index(")"):]:
            continue  # "(up 14 percent), influenced by ... in January 2015": a parenthesis holds its own time
        if t.start - s.end <= POST_NEAR or t.kind in ("range", "fromto", "point", "window"):
            if "," in gap and t.kind not in ("range", "fromto", "window"):
                later[i] = j  # "..., close to what was projected last March": only if no time precedes
                continue
            own[i] = t
            used.add(j)
    for i, s in enumerate(v.slots):
        if i in own:
            continue
        j = bisect_right(v.t_ends, s.start) - 1
        while j >= 0 and j in used and s.start - v.t_ends[j] <= MAX_DIST:
            j -= 1
        if j < 0 or j in used:
            continue
        t = v.times[j]
        if s.start - t.end > MAX_DIST or t.start < s.clause[0] or v.figure_between(t.end, s.start, s):
            continue
        own[i] = t
    for i, j in later.items():
        own.setdefault(i, v.times[j])
    return own


def _sentence_scope(v: SentenceView) -> TimeExpr | None:
    """A sentence-initial time ('Since 2014, ...', 'In 2020, ...') before every figure of the sentence."""
    if not v.times:
        return None
    t0 = v.times[0]
    lead = v.text[v.sent[0]:t0.start]
    if re.search(r"[A-Za-z0-9]", _LEAD.sub("", lead)) or (v.slots and v.slots[0].start < t0.start):
        return None
    return t0


def _dated_levels(v: SentenceView) -> tuple[str, str] | None:
    """The earliest and latest bound of the sentence's levels dated by their own time (two or more)."""
    points, n = [], 0
    for i, t in v.own.items():
        s = v.slots[i]
        if s.is_change or s.unit == "percent" or t.kind in ("since", "by", "before"):
            continue
        d = apply_time(t, False, lambda: None, v.ctx)
        if d and d.closed:
            n += 1
            points += [d.period_start, d.period_end]
    return (min(points), max(points)) if n >= 2 and len(set(points)) >= 2 else None
