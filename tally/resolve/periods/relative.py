"""Time rules for relative and anaphoric times: 'last year', 'this quarter', 'over 12 months', 'year-to-date'.

A relative time resolves against the document's publication date; an anaphoric one ("over that period",
"through the year") takes the period in force when a figure is dated (see scoping).
"""
from __future__ import annotations

import re
from typing import Iterator

from tally.resolve.periods.calendar import MONTH, NUMBERS, ORDINALS, YEAR, PeriodContext, shift_month, ym
from tally.resolve.periods.dates import date_range
from tally.resolve.periods.expr import TimeExpr, hit, needs

_PAST_FY = re.compile(r"\b(?:in |over |during )?the (?:past|last|previous|prior) (?:fiscal|financial) year\b")


@needs("fiscal year", "financial year")
def past_fiscal_year(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'the past fiscal year': the last fiscal year completed by the publication date."""
    for m in _PAST_FY.finditer(seg):
        if ctx.published and ctx.fiscal:
            py, pm = ctx.published[0], ctx.published[1] or 12
            first = py if pm >= ctx.fiscal.start else py - 1  # the fiscal year under way began then
            ps, pe = ctx.fiscal.year(first - 1)
            yield hit(m, "point", ps, pe, note="past fiscal year from the publication date")
        else:
            why = "document undated" if not ctx.published else "no known fiscal calendar"
            yield hit(m, "relative", note=f"relative time '{m.group().strip()}', {why}")


_RELATIVE_UNIT = re.compile(r"\b(?P<w>last|this|next|the current|the previous) (?P<u>year|month)\b")


@needs("year", "month")
def relative_unit(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'last year', 'this year', 'next month' from the publication date ('over the last year' is a window)."""
    pub = ctx.published
    for m in _RELATIVE_UNIT.finditer(seg):
        pre = seg[max(0, m.start() - 12):m.start()]
        if re.search(r"\b(?:over|in|during) the\s*$", pre) and m.group("w") == "last":
            continue
        if re.match(r"\s+(?:to|ending|ended)\b", seg[m.end():m.end() + 8]):
            continue  # "the year to March": a window (dates.months_to)
        if not pub:
            yield hit(m, "relative", note=f"relative time '{m.group()}', document undated")
            continue
        d = {"last": -1, "this": 0, "the current": 0, "next": 1, "the previous": -1}[m.group("w")]
        if m.group("u") == "year":
            yield hit(m, "point", str(pub[0] + d), str(pub[0] + d), note="relative to the publication date")
        elif pub[1]:
            yy, mm = shift_month(pub[0], pub[1], d)
            yield hit(m, "point", ym(yy, mm), ym(yy, mm), note="relative to the publication date")


# "the Bureau reported today", "Statistics New Zealand said today": the date of the report, not of a figure
_TODAY = re.compile(r"(?<!said )(?<!reported )(?<!announced )(?<!stated )(?<!released )\btoday\b(?!['’]s)")


@needs("today")
def today(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'today': the publication month when the date is known to the month."""
    for m in _TODAY.finditer(seg):
        if ctx.published and ctx.published[1]:
            d = ym(ctx.published[0], ctx.published[1])
            yield hit(m, "point", d, d, note="'today' is the publication date")
        else:
            yield hit(m, "relative", note="'today' in an undated document")


_RECENT = re.compile(r"\b(?:over|during|in|for) the (?:past|last|previous) (?:century|decade|\d+ years|"
                     r"(?:few|several|two|three|five|ten|fifty|\w+) (?:years|decades))\b|\bin recent (?:years|decades)\b", re.I)


@needs("year", "decade", "century")
def recent(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'over the past decade', 'in recent years': not resolved (no stated start)."""
    for m in _RECENT.finditer(seg):
        yield hit(m, "relative", note=f"relative time '{m.group()}' not resolved")


_TRAILING = re.compile(r"\b(?:(?:over|in|during) the (?:last|past) (?:12|twelve) months|(?:over|in|during) the "
                       r"(?:last|past) year|over the (?:year|12 months)|over (?:12|twelve) months|in (?:12|twelve) "
                       r"months|through the year|in the year(?! to\b)|(?:year[- ]over[- ]year|year[- ]on[- ]year)|"
                       r"(?:from|on|compared with) (?:a|the) year (?:earlier|before|ago))\b", re.I)


@needs("month", "year")
def trailing_window(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'over 12 months', 'through the year', 'year over year': a 12-month window ending at the period in force
    (a window, not a date)."""
    for m in _TRAILING.finditer(seg):
        window = bool(re.match(r"(?:over|in|during) the (?:last|past) (?:12|twelve) months|(?:over|in|during) the "
                               r"(?:last|past) year|over (?:the )?(?:12|twelve) months", m.group(), re.I))
        yield hit(m, "trailing", note="window" if window else None)


_ANAPHOR = re.compile(r"\b(?:over that (?:span|period|time)|(?:for|over|in|during) the same (?:delivery |time )?period"
                      r"(?! (?:in|of|last) \d)|in the (?:act|bill|law|budget)|during that (?:period|time)|"
                      r"(?:for|in|during|over) (?:the|this|that) (?:latest |current |same )?quarter|"
                      r"(?:this|the latest|that) quarter)\b(?!s| of| to)")


@needs("that", "same", "quarter", "in the")
def anaphor(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'over that period', 'this quarter', 'for the latest quarter': the period in force."""
    for m in _ANAPHOR.finditer(seg):
        yield hit(m, "anaphor")


_YEAR_EARLIER = re.compile(r"\b(?:for )?(?:a|the) year (?:earlier|before|ago)\b|\bthe previous year\b")


@needs("year")
def year_earlier(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'a year earlier': the period in force, 12 months back (usually a comparison base)."""
    for m in _YEAR_EARLIER.finditer(seg):
        yield hit(m, "year_earlier")


_SAME_PERIOD_YEAR = re.compile(rf"\b(?:during |in |for |from |over )?the same (?:period|quarter|month|semester|half) "
                               rf"(?:(?:in |of )(?:the previous year|last year)|(?:in |of |last )?({YEAR})?)")


@needs("the same")
def same_period(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'the same period in 2007': the months in force, in another year."""
    for m in _SAME_PERIOD_YEAR.finditer(seg):
        yield hit(m, "same_period", note=m.group(1))


_YTD = re.compile(r"\b(?:(?:current\s+)?(?:financial|fiscal)\s+)?[Yy]ear[- ]to[- ]date\b(?:\s*\((?P<r>[^()]{5,60})\))?"
                  r"|\bso far this year\b")


@needs("to date", "to-date", "so far this year")
def year_to_date(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'year-to-date' (from January, or the fiscal year's start, to the month in force); a range given in
    parentheses ('financial year-to-date (April 2017 to September 2017)') is taken as written."""
    for m in _YTD.finditer(seg):
        if m.group("r"):
            inner = [t for t in date_range(m.group("r"), ctx) if t.period_start and t.period_end]
            if inner:
                yield hit(m, "range", inner[0].period_start, inner[0].period_end)
                continue
        fiscal = bool(re.search(r"financial|fiscal", m.group(), re.I))
        yield hit(m, "ytd", note="fiscal" if fiscal else None)


_YEAR_END = re.compile(r"\b(?:[Ee]nd[- ]of[- ](?:the[- ])?year|[Yy]ear[- ]end|full[- ]year)\b")
_CONSECUTIVE = re.compile(r"\bthe (\w+) consecutive months?\b")
_HABITUAL = re.compile(r"\b(?:normally|typically|usually|generally|traditionally|annually)\b")
_WHEN = re.compile(r"(?<=,)\s*when\b")
_TARGET = re.compile(r"\btarget(?: range)?\b(?! (?:to|by)\b)|\b(?:the )?standard\b")


@needs("year")
def year_end(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'end-of-year', 'full-year': the year of the period in force."""
    for m in _YEAR_END.finditer(seg):
        yield hit(m, "year_end")


@needs("consecutive")
def consecutive_months(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'the eighth consecutive month': the N months ending at the month in force."""
    for m in _CONSECUTIVE.finditer(seg):
        n = ORDINALS.get(m.group(1).lower()) or NUMBERS.get(m.group(1).lower())
        if n:
            yield hit(m, "consecutive", note=str(n))


@needs("normally", "typically", "usually", "generally", "traditionally", "annually", "target", "standard")
def habitual(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'typically', 'annually', 'target', 'the standard': a statement with no period."""
    for m in _HABITUAL.finditer(seg):
        yield hit(m, "habitual", note="habitual statement: no period")
    for m in _TARGET.finditer(seg):
        yield hit(m, "habitual", note="a target or standard: no period")


@needs("when")
def event_time(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """', when ...': an event-relative time the document does not date."""
    for m in _WHEN.finditer(seg):
        yield hit(m, "event", note="event-relative time ('when ...') not dated")


RELATIVE_RULES = (past_fiscal_year, relative_unit, today, recent, trailing_window, anaphor, year_earlier, same_period,
                  year_to_date, year_end, consecutive_months, habitual, event_time)

__all__ = ["RELATIVE_RULES", "MONTH"]
