"""Time rules for explicit calendar times: fiscal years, quarters, halves, months, ranges, windows, dates.

Each rule is `(segment, context) -> time expressions` and is named for what it recognizes.
"""
from __future__ import annotations

import re
from typing import Iterator

from tally.resolve.periods.calendar import (DATE, MONTH, MONTHISH, NUMBERS, ORDINALS, YEAR, YEARISH, PeriodContext,
                                            date_pat, month_no, quarter_span, shift_month, ym)
from tally.resolve.periods.expr import TimeExpr, hit, needs

_YEAR_OR_MONTH = YEARISH + "|" + MONTHISH  # the gate of rules whose every match holds a year or a month
_FY_WORDS = r"(?:FY\s?|[Ff]iscal\s+years?\s+|[Ff]inancial\s+years?\s+)"
_FY_NUM = r"((?:1[89]|20)\s?\d\s?\d|\d\d)(?!\d)"
_SPLIT = rf"({YEAR})\s*[-–/]\s*(\d{{2}}|{YEAR})(?![\d%])"


def _fyear(s: str) -> int:
    s = re.sub(r"\s", "", s)
    return int(s) if len(s) == 4 else 2000 + int(s)


def _year(s: str) -> int:
    return int(re.sub(r"\s", "", s))


def _month_of(ctx: PeriodContext, mname: str, year: str | None) -> tuple[int | None, int]:
    mo = month_no(mname)
    return (_year(year) if year else ctx.year_for_month(mo)), mo


def _second(a: int, b: str) -> int:
    """The second year of a split label: 2024-25 -> 2025, 2024/2025 -> 2025."""
    return int(b) if len(b) == 4 else a // 100 * 100 + int(b)


_FY_SPLIT = re.compile(rf"\b(?:(?:in|for|during|over)\s+)?(?:the\s+)?{_FY_WORDS}?{_SPLIT}")


@needs(pattern=YEARISH + r"\s*[-–/]")
def split_fiscal_year(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'FY2023-24', 'financial year 2024-25', and a bare '2024-25' or '2024/25' where the country names
    fiscal years so; with no known calendar a labelled one is left open with a note."""
    for m in _FY_SPLIT.finditer(seg):
        a, b = int(m.group(1)), _second(int(m.group(1)), m.group(2))
        labelled = bool(re.search(_FY_WORDS, m.group()))
        if b != a + 1 or (ctx.fiscal and not ctx.fiscal.split_label and not labelled):
            continue  # U.S. or Japanese usage: "2017-18" is two calendar years (year_span)
        if ctx.fiscal is None and not labelled:
            yield hit(m, "relative", note=f"'{m.group().strip()}': calendar or financial years, publisher's "
                                         "country unknown")
            continue
        if ctx.fiscal is None:
            yield hit(m, "relative", note=f"fiscal year '{m.group()}' of an unknown country's calendar")
            continue
        ps, pe = ctx.fiscal.year(a)
        yield hit(m, "point", ps, pe, note=f"{ctx.fiscal.country} fiscal year")


_FY_RANGE = re.compile(rf"\b{_FY_WORDS}{_FY_NUM}\s*(?:through|to|-|–)\s*(?:{_FY_WORDS})?{_FY_NUM}")
_FISCAL_YEAR = re.compile(rf"\b{_FY_WORDS}{_FY_NUM}(?!\s*[-–/]\s*\d)")


@needs("fy", "fiscal", "financial")
def fiscal_year(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'FY2024', 'fiscal year 1997', 'fiscal years 2010 through 2014' in the publisher's fiscal calendar."""
    cal = ctx.fiscal
    for rx, ranged in ((_FY_RANGE, True), (_FISCAL_YEAR, False)):
        for m in rx.finditer(seg):
            a = _fyear(m.group(1))
            b = _fyear(m.group(2)) if ranged else a
            first, last = (cal.labelled(a), cal.labelled(b)) if cal else (None, None)
            if first is None or last is None:
                yield hit(m, "relative", note=f"fiscal year '{m.group()}' with no known fiscal calendar")
            else:
                yield hit(m, "range" if ranged else "point", first[0], last[1], note=f"{cal.country} fiscal year")


_YEAR_ENDING = re.compile(rf"\b(?:(?:financial|fiscal|tax)\s+)?year[- ]end(?:ing|ed)\s+(?:(?:\d{{1,2}}\s+)?"
                          rf"(?P<M>{MONTH})|(?P<M2>{MONTH})\s+\d{{1,2}},?)\s+(?P<Y>{YEAR})")


@needs("year end", "year-end")
def year_ending(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'financial year ending March 2018', 'year ended 30 June 2024': the 12 months to that month."""
    for m in _YEAR_ENDING.finditer(seg):
        y, mo = int(m.group("Y")), month_no(m.group("M") or m.group("M2"))
        y0, m0 = shift_month(y, mo, -11)
        yield hit(m, "window", ym(y0, m0), ym(y, mo), tail=(ym(y, mo), ym(y, mo)))


_APPROPRIATIONS_ACT = re.compile(rf"\bAppropriations\s+Act,\s+({YEAR})")
_MARKETING_YEAR = re.compile(rf"\b(?:Marketing\s+Year\s*(?:\(MY\)\s*)?|MY\s*)({YEAR})\s*/\s*(\d{{2,4}})")


@needs("appropriations")
def appropriations_act(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """U.S. appropriations acts are named for their fiscal year ('Appropriations Act, 2024')."""
    for m in _APPROPRIATIONS_ACT.finditer(seg):
        a = int(m.group(1))
        yield hit(m, "point", ym(a - 1, 10), ym(a, 9), note="appropriations act year = fiscal year")


@needs(pattern=r"Marketing|MY")
def marketing_year(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """Grain marketing years, July-June ('MY 2016/17')."""
    for m in _MARKETING_YEAR.finditer(seg):
        a = int(m.group(1))
        yield hit(m, "point", ym(a, 7), ym(a + 1, 6), note="marketing year (Jul-Jun)")


_REL_YEAR = r"(?:this|the current|last|the previous|next) year"
_QYEAR = rf"(?:,?\s+|\s+of\s+)(?P<Y>{YEAR}|{_REL_YEAR})"
_QUARTER_CODE = re.compile(rf"\b(?P<by>(?:through|by|until)\s+)?(?:(?P<q1>[1-4])Q(?P<yy>\d{{2}})|"
                           rf"Q(?P<q2>[1-4])(?:\s+of)?\s+(?P<yq>{YEAR}))\b")
_QUARTER_ORD = re.compile(rf"\b(?:the\s+)?(?P<o>first|second|third|fourth|final|last)\s+quarter(?!s)(?:{_QYEAR})?")
_QUARTER_MONTH = re.compile(rf"\b(?:the\s+)?(?P<M>{MONTH})(?:\s+(?P<Y1>{YEAR}))?\s+(?:quarter|[Qq]tr)\b(?!s)"
                            rf"(?:\s+(?P<Y2>{YEAR}))?")
_QUARTER_PAIR = re.compile(rf"\b(?:the\s+)?(?P<M1>{MONTH})\s+(?P<Y1>{YEAR})\s+and\s+(?P<M2>{MONTH})\s+"
                           rf"(?P<Y2>{YEAR})\s+quarters\b")


def _rel_year(ctx: PeriodContext, word: str) -> int | None:
    if ctx.published is None:
        return None
    return ctx.published[0] + {"this": 0, "the current": 0, "last": -1, "the previous": -1, "next": 1}[
        word.rsplit(" ", 1)[0]]


def _quarter(m: re.Match, ctx: PeriodContext, last_month: int, year: str | None) -> TimeExpr:
    if year and not year[0].isdigit():
        y = _rel_year(ctx, year)
    else:
        y = int(year) if year else ctx.year_for_month(last_month)
    if y is None:
        return hit(m, "relative", note=f"quarter '{m.group().strip()}' without a year and document undated")
    return hit(m, "point", *quarter_span(y, last_month))


_BOUND_BEFORE = re.compile(r"\b(?P<w>since|after|by|through|until|(?:by |at )?the end of)\s+$", re.I)


def _bounded(seg: str, t: TimeExpr) -> TimeExpr:
    """A quarter or half after 'since', 'by' or 'the end of' is a bound, not a span."""
    b = _BOUND_BEFORE.search(seg, max(0, t.start - 20), t.start)
    if not b or t.kind != "point":
        return t
    w = b.group("w").lower()
    text = seg[b.start():t.end]
    if w in ("since", "after"):
        return TimeExpr(b.start(), t.end, text, "since", t.period_start, None)
    if w in ("by", "through", "until"):
        return TimeExpr(b.start(), t.end, text, "by", None, t.period_end)
    return TimeExpr(b.start(), t.end, text, "point", t.period_end, t.period_end)  # the end of: its last month


@needs("quarter", "qtr", pattern=r"[1-4]Q|Q[1-4]")
def quarter(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """Quarters, and 'since'/'by'/'the end of' a quarter (see _quarters)."""
    for t in _quarters(seg, ctx):
        yield _bounded(seg, t)


def _quarters(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'3Q24', 'Q3 2024', 'the third quarter of 2024', 'the June quarter 2015', 'Jun Qtr 2015', 'the December
    quarter' (the latest one by the document's date) and 'the March 2015 and December 2014 quarters'."""
    for m in _QUARTER_CODE.finditer(seg):
        q = int(m.group("q1") or m.group("q2"))
        y = 2000 + int(m.group("yy")) if m.group("yy") else int(m.group("yq"))
        if m.group("by"):
            yield hit(m, "by", None, ym(y, q * 3))
        else:
            yield hit(m, "point", *quarter_span(y, q * 3))
    for m in _QUARTER_ORD.finditer(seg):
        q = {"first": 1, "second": 2, "third": 3, "fourth": 4, "final": 4, "last": 4}[m.group("o").lower()]
        if m.group("o").lower() == "last" and not m.group("Y"):
            continue  # "the last quarter": the latest one, an anaphor (relative rules)
        yield _quarter(m, ctx, q * 3, m.group("Y"))
    named = []
    for m in _QUARTER_MONTH.finditer(seg):
        mo = month_no(m.group("M"))
        if mo % 3 == 0:
            named.append(_quarter(m, ctx, mo, m.group("Y1") or m.group("Y2")))
            yield named[-1]
    for a, b in zip(named, named[1:]):  # "Mar Qtr 2015 to Jun Qtr 2015": a change to the later quarter
        if a.period_start and b.period_end and re.fullmatch(r"\s*(?:to|-|–)\s*", seg[a.end:b.start]):
            yield TimeExpr(a.start, b.end, seg[a.start:b.end], "fromto", a.period_start, b.period_end,
                           tail=(b.period_start, b.period_end))
    for m in _QUARTER_PAIR.finditer(seg):
        for k in ("1", "2"):
            mo = month_no(m.group("M" + k))
            if mo % 3 == 0:
                s, e = m.span("M" + k)[0], m.span("Y" + k)[1] if k == "1" else m.end()
                yield TimeExpr(s, e, seg[s:e], "point", *quarter_span(int(m.group("Y" + k)), mo))


_HALF = re.compile(rf"\b(?:the\s+)?(?P<h>first|second)\s+(?:half|semester)(?:\s+of(?:\s+the\s+year)?)?"
                   rf"(?:\s+(?P<Y>{YEAR}|{_REL_YEAR}))?|\b(?P<c>[12])?H(?P<c2>[12])?\s?(?P<yc>{YEAR}|\d{{2}})\b")


@needs("half", "semester", pattern=r"H[\d\s]")
def half_year(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'the second half of 2023', 'the first semester of 2023', 'H1 2024', '2H24' (and 'since'/'by' one)."""
    for t in _halves(seg, ctx):
        yield _bounded(seg, t)


def _halves(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    for m in _HALF.finditer(seg):
        if m.group("h"):
            h, yr = (1 if m.group("h").lower() == "first" else 2), m.group("Y")
            if not yr:
                continue  # "the first half" alone: which year is a matter of context, left to anaphors
            y = _rel_year(ctx, yr) if not yr[0].isdigit() else int(yr)
        else:
            if bool(m.group("c")) == bool(m.group("c2")):
                continue
            h = int(m.group("c") or m.group("c2"))
            y = _fyear(m.group("yc"))
        if y is not None:
            yield hit(m, "point", ym(y, 1 if h == 1 else 7), ym(y, 6 if h == 1 else 12))


_D1, _D2 = date_pat("1"), date_pat("2")
_DATE_RANGE = re.compile(rf"\b(?P<w>between|from)?\s*(?:{_D1}|(?P<y1>{YEAR}))\s*(?:and|to|through|-|–)\s*"
                         rf"(?:{_D2}|(?P<y2>{YEAR}))")


@needs(pattern=_YEAR_OR_MONTH)
def date_range(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'between 2021 and 2023', 'from 2017 to 2018', 'April to June 2018', 'January-September'."""
    for m in _DATE_RANGE.finditer(seg):
        w = (m.group("w") or "").lower()
        months = m.group("M1"), m.group("M2")
        if not w and not all(months) and not (m.group("y1") and m.group("y2")):
            continue
        if any(months):
            if not all(months):
                continue
            y1, mo1 = _month_of(ctx, m.group("M1"), m.group("Y1"))
            y2, mo2 = _month_of(ctx, m.group("M2"), m.group("Y2") or m.group("Y1"))
            if not m.group("Y1") and y2 is not None:
                y1 = y2 if mo1 <= mo2 else y2 - 1  # "January-September": the start year follows the end's
            if y1 is None or y2 is None:
                continue
            a, b = ym(y1, mo1), ym(y2, mo2)
        else:
            a, b = m.group("y1"), m.group("y2")
        if b < a:
            continue  # "the March 2015 and December 2014 quarters" is no range
        # "between A and B" and a bare month span ("April to June 2018") cover their months; "from A to B"
        # is a change over time, dated by B for a level
        kind = "range" if w == "between" or (not w and all(months)) else "fromto"
        yield hit(m, kind, a, b, tail=(b, b))


_SHORT_YEAR_RANGE = re.compile(rf"\b({YEAR})\s*[–-]\s*(\d{{2}})(?![\d%])")
_PERIOD_SPAN = re.compile(rf"\b(?:during|over|in|for)\s+the\s+(?:period|years)\s+(?:from\s+)?({YEAR})\s*"
                          rf"(?:[–-]|to|through|and)\s*({YEAR})")
_DECADE = re.compile(r"\b(?:during|in|over|throughout)\s+the\s+((?:1[89]|20)\d)0s\b")


@needs("period", "years", pattern=YEARISH + r"\s*[–-]|0s\b")
def year_span(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'2014-18' (a span of years), 'during the period 2005-2023', 'during the 1960s'."""
    for m in _SHORT_YEAR_RANGE.finditer(seg):
        a = int(m.group(1))
        b = a // 100 * 100 + int(m.group(2))
        if b > a:
            yield hit(m, "fromto", str(a), str(b), tail=(str(b), str(b)))
    for m in _PERIOD_SPAN.finditer(seg):
        yield hit(m, "range", m.group(1), m.group(2), tail=(m.group(2), m.group(2)))
    for m in _DECADE.finditer(seg):
        d = int(m.group(1)) * 10
        yield hit(m, "range", str(d), str(d + 9), tail=(str(d + 9), str(d + 9)))


_MONTHS_TO = re.compile(rf"\b(?:in\s+|over\s+|during\s+|for\s+)?the\s+(?P<n>\w+|\d+)\s+months\s+(?:to|ending|ended)\s+"
                        rf"(?:(?:the\s+)?end\s+of\s+)?(?P<M>{MONTH})(?:\s+(?P<Y>{YEAR}))?")
_YEAR_TO = re.compile(rf"\b(?:in\s+|over\s+|during\s+|for\s+)?the\s+year\s+to\s+(?:the\s+)?(?:end\s+of\s+)?"
                      rf"(?P<M>{MONTH})(?:\s+(?P<Y>{YEAR}))?(?P<q>\s+(?:quarter|[Qq]tr)\b)?(?:\s+(?P<Y2>{YEAR}))?")


@needs("months", "year")
def months_to(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'the three months to September 2018' (a rolling window), 'the year to March 2025', 'the year to the
    June 2015 quarter' (12 months; a change over them is dated by the last month or quarter)."""
    for m in _MONTHS_TO.finditer(seg):
        n = NUMBERS.get(m.group("n").lower()) or (int(m.group("n")) if m.group("n").isdigit() else None)
        y, mo = _month_of(ctx, m.group("M"), m.group("Y"))
        if n and 1 <= n <= 24 and y is not None:
            y0, m0 = shift_month(y, mo, -(n - 1))
            end = ym(y, mo)
            yield hit(m, "window", ym(y0, m0), end, tail=(end, end) if n == 12 else (ym(y0, m0), end))
    for m in _YEAR_TO.finditer(seg):
        y, mo = _month_of(ctx, m.group("M"), m.group("Y") or m.group("Y2"))
        if y is None:
            continue
        y0, m0 = shift_month(y, mo, -11)
        tail = quarter_span(y, mo) if m.group("q") else (ym(y, mo), ym(y, mo))
        yield hit(m, "window", ym(y0, m0), ym(y, mo), tail=tail)


_FIRST_MONTHS = re.compile(rf"\b(?:for |in |during )?the first (\w+) months of (?P<fy>{_FY_WORDS})?({YEAR})")


@needs("months")
def first_months(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'the first nine months of 2008', 'the first 10 months of fiscal year 2008' (from the fiscal year's
    first month); no window of 13 months lies inside a year."""
    for m in _FIRST_MONTHS.finditer(seg):
        n = NUMBERS.get(m.group(1).lower()) or (int(m.group(1)) if m.group(1).isdigit() else None)
        if not n or n > 12:
            continue
        y = int(m.group(3))
        if not m.group("fy"):
            yield hit(m, "point", ym(y, 1), ym(y, n), months=(1, n))
            continue
        fy = ctx.fiscal.labelled(y) if ctx.fiscal else None
        if fy is None:
            yield hit(m, "relative", note=f"'{m.group().strip()}' with no known fiscal calendar")
            continue
        y0, m0 = int(fy[0][:4]), int(fy[0][5:7])
        yield hit(m, "point", fy[0], ym(*shift_month(y0, m0, n - 1)))


_SINCE_BY = re.compile(rf"\b(?P<w>[Ss]ince|[Bb]y|[Tt]hrough|[Uu]ntil|[Bb]efore|[Pp]rior to|[Aa]fter)\s+"
                       rf"(?:the end of\s+)?(?:{DATE}|(?P<y>{YEAR}))")


@needs(pattern=_YEAR_OR_MONTH)
def since_by(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'since 2014' -> 2014/-, 'by 2023' -> -/2023, 'before 2022' -> -/2021."""
    for m in _SINCE_BY.finditer(seg):
        w = m.group("w").lower()
        if m.group("M"):
            y, mo = _month_of(ctx, m.group("M"), m.group("Y"))
            if y is None:
                continue
        else:
            y, mo = int(m.group("y")), None
        if w in ("since", "after"):
            yield hit(m, "since", ym(y, mo), None)
        elif w in ("by", "through", "until"):
            yield hit(m, "by", None, ym(y, mo))
        elif mo is None:
            yield hit(m, "before", None, ym(y - 1))
        else:
            yield hit(m, "before", None, ym(*shift_month(y, mo, -1)))


_BEFORE_WAR = re.compile(r"\b(?:[Bb]efore|[Pp]rior to)\s+the\s+(?:[A-Z]\w+\s+)?(?:war|invasion|conflict)\b")


@needs("war", "invasion", "conflict")
def before_war(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """'prior to the war': resolved from the document's own dating of the war, else left open."""
    for m in _BEFORE_WAR.finditer(seg):
        if ctx.war_anchor:
            yield hit(m, "before", None, ym(ctx.war_anchor[0] - 1),
                      note=f"'{m.group()}' resolved from the document's 'since {ctx.war_anchor[0]}-{ctx.war_anchor[1]:02d}'")
        else:
            yield hit(m, "relative", note=f"event-relative time '{m.group()}' not dated in the document")


_DAY_DATE = re.compile(rf"\b(?:[Oo]n|[Aa]s (?:at|of))\s+(?P<D>\d{{1,2}})\s+(?P<M>{MONTH})\s+(?P<Y>{YEAR})")
_MONTH_DATE = re.compile(rf"\b(?:(?:[Ii]n|[Dd]uring|[Ff]or|[Oo]n|[Aa]s of|[Tt]hrough|[Oo]f|[Aa]t)\s+)?{DATE}")


@needs(pattern=MONTHISH)
def month_date(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """A month or date with or without a year ('in July 2016', 'on September 6'); a stock dated to the day
    ('on 1 January 2024') keeps its day."""
    for m in _DAY_DATE.finditer(seg):
        d = f"{int(m.group('Y')):04d}-{month_no(m.group('M')):02d}-{int(m.group('D')):02d}"
        yield hit(m, "point", d, d)
    for m in _MONTH_DATE.finditer(seg):
        y, mo = _month_of(ctx, m.group("M"), m.group("Y"))
        if y is None:
            yield hit(m, "relative", note=f"month '{m.group('M')}' without a year and document undated")
        else:
            yield hit(m, "point", ym(y, mo), ym(y, mo))


_BARE_YEAR = re.compile(rf"(?<!Act of )(?<!Act )\b(?:[Ii]n|[Dd]uring|[Ff]or|[Aa]s of|[Tt]hroughout|[Aa]t the end of)\s+"
                        rf"({YEAR})|\b({YEAR})\s+alone\b|\b(?:in\s+)?(?:calendar\s+year|CY)\s*({YEAR})")


_ATTRIBUTIVE_YEAR = re.compile(rf"\b[Tt]he\s+({YEAR})\s+(?=[A-Za-z])(?!to\b|and\b|or\b|through\b)")


@needs(pattern=YEARISH)
def bare_year(seg: str, ctx: PeriodContext) -> Iterator[TimeExpr]:
    """A year after a preposition ('in 2023') or before a noun ('the 2023 UK wheat harvest'); a
    sentence-initial bare year is a label and skipped."""
    for m in _BARE_YEAR.finditer(seg):
        y = m.group(1) or m.group(2) or m.group(3)
        yield hit(m, "point", y, y)
    for m in _ATTRIBUTIVE_YEAR.finditer(seg):
        yield hit(m, "point", m.group(1), m.group(1))


DATE_RULES = (split_fiscal_year, fiscal_year, year_ending, appropriations_act, marketing_year, quarter, half_year,
              months_to, date_range, year_span, first_months, since_by, before_war, month_date, bare_year)
