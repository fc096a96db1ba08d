"""How one time expression dates one figure, by the expression's kind."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from tally.resolve.periods.calendar import PeriodContext, parse_iso, shift_month, ym
from tally.resolve.periods.expr import TimeExpr


@dataclass(frozen=True, slots=True)
class Dated:
    """A decided period (either bound may be open) with a note on why a bound was left open."""

    period_start: str | None
    period_end: str | None
    note: str | None = None
    detail: str | None = None  # the time rule behind it, when one time expression decided
    window: bool = False  # a window back from the period in force, which stays in force

    @property
    def closed(self) -> bool:
        return self.period_start is not None and self.period_end is not None


# The period in force when an anaphoric time is read: the figure it refers back to, if any.
InForce = Callable[[], "Dated | None"]


def _months(s: str) -> int | None:
    p = parse_iso(s)
    return p[0] * 12 + p[1] if p and p[1] is not None else None


def one_step(t: TimeExpr) -> bool:
    """Whether a range is one step (one year, one quarter or month, or 12 months): a change over it is then
    dated by its last unit only ('from 2017 to 2018', 'Jun Qtr 2014 to Jun Qtr 2015')."""
    a, tail = t.period_start, t.tail
    if not a or not tail:
        return False
    pa, pb = parse_iso(a), parse_iso(tail[0])
    if pa is None or pb is None:
        return False
    if pa[1] is None and pb[1] is None:
        return pb[0] - pa[0] == 1
    ma, mb, me = _months(a), _months(tail[0]), _months(tail[1])
    if ma is None or mb is None or me is None:
        return False
    return mb - ma in (me - mb + 1, 12)


def _point(t: TimeExpr, is_change: bool, in_force: InForce, ctx: PeriodContext) -> Dated | None:
    return Dated(t.period_start, t.period_end)


def _range(t: TimeExpr, is_change: bool, in_force: InForce, ctx: PeriodContext) -> Dated | None:
    tail = t.tail or (t.period_end, t.period_end)
    if (is_change and one_step(t)) or (t.kind == "fromto" and not is_change):
        return Dated(*tail)
    return Dated(t.period_start, t.period_end)


def _window(t: TimeExpr, is_change: bool, in_force: InForce, ctx: PeriodContext) -> Dated | None:
    """'the year to March 2025': a level covers the window, a change is dated by its last unit."""
    if is_change and t.tail:
        return Dated(*t.tail)
    return Dated(t.period_start, t.period_end)


def _note_only(t: TimeExpr, is_change: bool, in_force: InForce, ctx: PeriodContext) -> Dated | None:
    return Dated(None, None, t.note)


def _same_period(t: TimeExpr, is_change: bool, in_force: InForce, ctx: PeriodContext) -> Dated | None:
    p = in_force()
    if p is None:
        return None
    if not t.note:
        return Dated(p.period_start, p.period_end)
    y = int(t.note)
    ps, pe = parse_iso(p.period_start), parse_iso(p.period_end)
    if ps and pe and ps[1] and pe[1]:
        return Dated(ym(y, ps[1]), ym(y + (pe[0] - ps[0]), pe[1]))
    return Dated(str(y), str(y))


def _anaphor(t: TimeExpr, is_change: bool, in_force: InForce, ctx: PeriodContext) -> Dated | None:
    p = in_force()
    return Dated(p.period_start, p.period_end) if p else None


def _trailing(t: TimeExpr, is_change: bool, in_force: InForce, ctx: PeriodContext) -> Dated | None:
    """A 12-month window ending at the period in force: that period when it is a year or shorter, else its end."""
    p = in_force()
    if p and t.note == "window" and not is_change and p.period_start == p.period_end and _months(p.period_end):
        # a level over the window ("over the past year, the rate ranged from 3.9 to 4.1 percent")
        e = parse_iso(p.period_end)
        return Dated(ym(*shift_month(e[0], e[1], -11)), p.period_end, window=True)
    if p:
        a, b = _months(p.period_start) if p.period_start else None, _months(p.period_end)
        if a is not None and b is not None and b - a < 12:
            return Dated(p.period_start, p.period_end)
        if p.period_start == p.period_end:
            return Dated(p.period_start, p.period_end)
        return Dated(p.period_end, p.period_end)
    if ctx.published and ctx.published[1]:
        d = ym(*shift_month(ctx.published[0], ctx.published[1], -1))
        return Dated(d, d)
    return Dated(None, None, f"trailing window '{t.text}' with no reference date")


def _year_earlier(t: TimeExpr, is_change: bool, in_force: InForce, ctx: PeriodContext) -> Dated | None:
    p = in_force()
    if not p or not p.closed:
        return None
    back = []
    for b in (p.period_start, p.period_end):
        q = parse_iso(b)
        back.append(ym(q[0] - 1, q[1]) if q and len(b) <= 7 else None)
    return Dated(*back) if all(back) else None


def _ytd(t: TimeExpr, is_change: bool, in_force: InForce, ctx: PeriodContext) -> Dated | None:
    r = in_force()
    end = parse_iso(r.period_end) if r else None
    if end is None and ctx.ref():
        end = ctx.ref()
    if not end or not end[1]:
        return Dated(None, None, "year-to-date with no reference month")
    first = 1
    if t.note == "fiscal":
        if ctx.fiscal is None:
            return Dated(None, None, "financial year-to-date with no known fiscal calendar")
        first = ctx.fiscal.start
    y0 = end[0] if end[1] >= first else end[0] - 1
    return Dated(ym(y0, first), ym(end[0], end[1]))


def _year_end(t: TimeExpr, is_change: bool, in_force: InForce, ctx: PeriodContext) -> Dated | None:
    p = in_force()
    if p and p.period_end:
        y = str(parse_iso(p.period_end)[0])
        return Dated(y, y)
    return None


def _consecutive(t: TimeExpr, is_change: bool, in_force: InForce, ctx: PeriodContext) -> Dated | None:
    p = in_force()
    pe = parse_iso(p.period_end) if p else None
    if pe and pe[1]:
        return Dated(ym(*shift_month(pe[0], pe[1], -(int(t.note) - 1))), p.period_end)
    return None


_BY_KIND = {"point": _point, "since": _point, "by": _point, "before": _point, "range": _range, "fromto": _range,
            "window": _window, "relative": _note_only, "event": _note_only, "habitual": _note_only,
            "same_period": _same_period, "anaphor": _anaphor, "trailing": _trailing, "year_earlier": _year_earlier,
            "ytd": _ytd, "year_end": _year_end, "consecutive": _consecutive}


def apply_time(t: TimeExpr, is_change: bool, in_force: InForce, ctx: PeriodContext) -> Dated | None:
    """The period a figure takes from one time expression (None when the expression cannot date it)."""
    d = _BY_KIND[t.kind](t, is_change, in_force, ctx)
    if d is None:
        return Dated(None, None, t.note, t.rule) if t.note else None
    if d.note is None and d.period_start is None and d.period_end is None and t.note:
        d = Dated(None, None, t.note)
    return Dated(d.period_start, d.period_end, d.note, t.rule, d.window)
