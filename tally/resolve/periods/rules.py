"""The scoping rules, in the order they are tried, and the sweep that applies them to every figure.

Each rule is `(slot, view) -> Dated | None`: None means "not mine, ask the next rule"; a Dated value
(possibly with both bounds open and a note) decides the figure's period, and the rule's name is recorded.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from itertools import groupby
from typing import Callable

from tally.resolve.periods.apply import Dated, apply_time, one_step
from tally.resolve.periods.calendar import PeriodContext, inverted, parse_iso
from tally.resolve.periods.expr import TimeExpr
from tally.resolve.periods.scoping import _COMPARISON, POST_NEAR, SentenceView, Slot, Sweep
from tally.resolve.periods.headers import LineIndex, table_time

SlotRule = Callable[[Slot, SentenceView], "Dated | None"]


def _own(s: Slot, v: SentenceView) -> TimeExpr | None:
    return v.own.get(v.index[id(s)])


def table_row_label(s: Slot, v: SentenceView) -> Dated | None:
    """A figure in a table row labelled with a month ('2011 Jun 119.4 -0.1 4.2')."""
    d = v.lines.row_label(s.start)
    return Dated(*d, detail="row label") if d else None


def table_header_scope(s: Slot, v: SentenceView) -> Dated | None:
    """A figure in a pipe-table cell whose column header holds a time ('| Mar Qtr 2015 to Jun Qtr 2015 |')."""
    t = table_time(v.lines, s.start, v.ctx)
    return apply_time(t, s.is_change, v.in_force(s), v.ctx) if t else None


def since_range_start(s: Slot, v: SentenceView) -> Dated | None:
    """'since 2016 ... decreasing from 1,200 to ...': the 'from' level is at the start of the 'since' period."""
    t = _own(s, v)
    if t is None and v.scope is not None and v.scope.kind == "since":
        t = v.scope
    if t is not None and t.kind == "since" and re.search(r"\bfrom\s*$", v.pre(s)):
        return Dated(t.period_start, t.period_start, detail=t.rule)
    return None


def own_time(s: Slot, v: SentenceView) -> Dated | None:
    """The figure's own time (bound by _bind_own); an anaphor with nothing to refer to leaves it open."""
    t = _own(s, v)
    if t is None:
        return None
    return apply_time(t, s.is_change, v.in_force(s), v.ctx) or Dated(None, None, None, t.rule)


def respective_times(s: Slot, v: SentenceView) -> Dated | None:
    """'falls of 0.3 percent and 0.2 percent in the March 2015 and December 2014 quarters': two figures and
    two times joined by 'and' pair in order."""
    i = v.index[id(s)]
    for a in (i - 1, i):
        if a < 0 or a + 1 >= len(v.slots):
            continue
        x, y = v.slots[a], v.slots[a + 1]
        if not re.fullmatch(r"\s*(?:and|or|,)\s*", v.text[x.end:y.start]):
            continue
        j = bisect_left(v.t_starts, y.end)
        if j + 1 >= len(v.times) or v.times[j].start - y.end > 30 or v.figure_between(y.end, v.times[j].start, y):
            continue
        t1, t2 = v.times[j], v.times[j + 1]
        if re.fullmatch(r"\s*(?:and|,|, and)\s*", v.text[t1.end:t2.start]) and t1.kind == t2.kind == "point":
            t = t1 if s is x else t2
            return apply_time(t, s.is_change, v.in_force(s), v.ctx)
    return None


def shared_time(s: Slot, v: SentenceView) -> Dated | None:
    """'increased in 13 and decreased in 13 of the countries in the second half of 2023': a figure with no
    time of its own shares the time the next figure of its clause takes after it."""
    i = v.index[id(s)]
    if i + 1 >= len(v.slots) or re.search(r"\bfrom\s*$", v.pre(s)):
        return None
    o, t = v.slots[i + 1], v.own.get(i + 1)
    if t is None or t.start < o.end or o.start >= s.clause[1] or o.start - s.end > POST_NEAR:
        return None
    if re.search(r"[,;(]|\bfrom\s*$", v.text[s.end:o.start]):
        return None  # "in July, down $5.2 billion from $44.7 billion in June": not one statement
    if bisect_left(v.t_starts, s.end) != bisect_left(v.t_starts, o.start):
        return None  # a time (a comparison base) between the two figures
    return apply_time(t, s.is_change, v.in_force(s), v.ctx)


def change_between_levels(s: Slot, v: SentenceView) -> Dated | None:
    """'from $38.1 billion in 2013 to $8.5 billion in 2023, an 80% decline': the change spans the levels."""
    if not s.is_change or v.levels is None:
        return None
    a, b = v.levels
    t = TimeExpr(0, 0, "", "fromto", a, b, tail=(b, b))
    return Dated(b, b) if one_step(t) else Dated(a, b)


def clause_period(s: Slot, v: SentenceView) -> Dated | None:
    """A 'from 2017 to 2018' in the figure's clause that no figure sits inside."""
    for t in v.clause_scopes:
        if s.clause[0] <= t.start < s.clause[1]:
            return apply_time(t, s.is_change, v.in_force(s), v.ctx)
    return None


def since_range_end(s: Slot, v: SentenceView) -> Dated | None:
    """'Since 2016, ... from 1,200 to fewer than 400': the 'to' level's year is not stated."""
    if v.scope is None or v.scope.kind != "since" or not re.search(r"\bto\s*$", v.pre(s)):
        return None
    i = v.index[id(s)]
    if any(re.search(r"\bfrom\s*$", v.pre(o, 8)) for o in v.slots[max(0, i - 8):i]):
        return Dated(None, None, "end point of a change over a 'since' period: year not stated")
    return None


def base_level(s: Slot, v: SentenceView) -> Dated | None:
    """'lower than for a year earlier (4.3%)': a figure in parentheses right after a comparison base is the
    base's level, dated by the base."""
    for t in v.all_times:
        if t.base and t.end <= s.start and re.fullmatch(r"\s*\(\s*", v.text[t.end:s.start]):
            return apply_time(t, False, v.in_force(s), v.ctx)
    return None


def inherited_in_clause(s: Slot, v: SentenceView) -> Dated | None:
    """A figure takes the period of the dated figure before it in its clause."""
    o = v.last_closed
    return o.dated() if o is not None and o.start >= s.clause[0] and o.end <= s.start else None


def level_reached(s: Slot, v: SentenceView) -> Dated | None:
    """'increased $3.4 billion to $124.1 billion in July': a change takes the period of the level it led to."""
    i = v.index[id(s)]
    if not s.is_change or i + 1 >= len(v.slots):
        return None
    o = v.slots[i + 1]
    t = v.own.get(i + 1)
    gap = v.text[s.end:o.start]
    if o.start >= s.clause[1] or t is None or len(gap) > 25 or not re.search(r"\bto\s*$", gap):
        return None  # "... borrowing annually which boosts growth to 2 per cent in 2026" is not one change
    d = apply_time(t, o.is_change, v.in_force(o), v.ctx)
    return Dated(d.period_start, d.period_end, detail=t.rule) if d and d.closed else None


def sentence_scope(s: Slot, v: SentenceView) -> Dated | None:
    """A sentence-initial time ('In 2020, ...', 'By 2050, ...') dates the sentence's figures."""
    return apply_time(v.scope, s.is_change, v.in_force(s), v.ctx) if v.scope is not None else None


def _heading_time(s: Slot, ctx: PeriodContext) -> TimeExpr | None:
    """A heading's explicit period; a heading dated with the publication month is the release date, not a scope."""
    for t in s.section_times:
        if t.base or t.kind not in ("point", "range", "fromto", "window") or not (t.period_start and t.period_end):
            continue
        pub = ctx.published
        if pub and pub[1] and t.period_start == t.period_end and parse_iso(t.period_end) == (pub[0], pub[1]):
            continue
        return t
    return None


def lead_in_scope(s: Slot, v: SentenceView) -> Dated | None:
    """A bulleted figure under a lead-in line that gives a period ('Changes in 2020 from 2019:')."""
    times = v.lines.lead_in(s.start, v.ctx)
    if not times or v.blocked(s):
        return None
    t = next((t for t in times if not t.base), None)
    return apply_time(t, s.is_change, v.in_force(s), v.ctx) if t else None


def carried(s: Slot, v: SentenceView) -> Dated | None:
    """Topic continuity: the period of the previous figure of the same party, or of an earlier sentence of the
    same paragraph,
    unless a relative word or an undated time intervenes, or a new heading gives its own period."""
    p = v.sweep.last
    if p is None or not p.closed or v.blocked(s):
        return None
    if p.section != s.section and _heading_time(s, v.ctx) is not None:
        return None
    # another party's figure: a period of the paragraph (from an earlier sentence or a heading) covers it; a
    # clause's own time does not reach a clause about another party ("... in 2023, while India ...")
    paragraph_wide = p.sentence != s.sentence or (p.rule or "").split(":")[0] in ("carried", "heading_scope")
    if p.subject == s.subject or (s.passage is not None and p.passage == s.passage and paragraph_wide):
        return p.dated()
    return None


def heading_scope(s: Slot, v: SentenceView) -> Dated | None:
    """The period of the heading the figure sits under ('Main points for July to September 2018')."""
    if v.blocked(s):
        return None
    t = _heading_time(s, v.ctx)
    return apply_time(t, s.is_change, v.in_force(s), v.ctx) if t else None


SLOT_RULES: tuple[SlotRule, ...] = (
    table_row_label, table_header_scope, respective_times, since_range_start, own_time, shared_time,
    change_between_levels, clause_period,
    since_range_end, base_level, inherited_in_clause, level_reached, sentence_scope, lead_in_scope, carried,
    heading_scope)


_LAYOUT_RULES = (table_row_label, table_header_scope, lead_in_scope, heading_scope)


def assign_periods(text: str, slots: list[Slot], ctx: PeriodContext, rules: tuple[SlotRule, ...] = SLOT_RULES) -> int:
    """Fill period_start/period_end/note/rule of every slot (slots in document order) in one sweep; returns
    the work done (rule calls plus figures looked at by the rules), linear in the number of slots."""
    lines, sweep, calls = LineIndex(text), Sweep(), 0
    for sent, group in groupby(slots, key=lambda s: s.sentence):
        group = list(group)
        v = SentenceView(text, sent, group, ctx, sweep, lines)
        # A sentence with no time and no period in force can only be dated by layout (a table, a heading)
        # until one of its figures is: the other rules are skipped (same result, less work).
        quiet = not v.all_times and not (sweep.last is not None and sweep.last.closed)
        few = tuple(r for r in rules if r in _LAYOUT_RULES)
        for s in group:
            for rule in (few if quiet and v.last_closed is None else rules):
                calls += 1
                d = rule(s, v)
                if d is not None:
                    _decide(s, d, rule.__name__)
                    break
            if s.closed:
                v.last_closed = s
            if _in_force_after(s, v):
                sweep.last = s
        calls += v.steps
    return calls


def _in_force_after(s: Slot, v: SentenceView) -> bool:
    """Whether a figure's period stays in force for the next ones: not a comparison base ('than ...',
    'following a ...', a base's level in parentheses), nor a standard or habitual figure."""
    if _COMPARISON.search(v.pre(s, 30)) or (s.rule or "").startswith("base_level"):
        return False
    return s.why not in ("habitual", "window")  # a window back from the period in force leaves it in force


def _decide(s: Slot, d: Dated, rule: str) -> None:
    """Record a decision; a period that ends before it starts is refused (left open, with the reason)."""
    name = f"{rule}:{d.detail}" if d.detail else rule
    if inverted(d.period_start, d.period_end):
        s.period_start = s.period_end = None
        s.note = f"period {d.period_start}..{d.period_end} from {name} ends before it starts: left open"
        s.rule = "refused:inverted"
        return
    s.period_start, s.period_end, s.note = d.period_start, d.period_end, d.note
    s.why = "window" if d.window else (d.detail if d.detail == "habitual" else None)
    s.rule = name if (d.period_start or d.period_end) else None
