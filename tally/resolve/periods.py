"""When a figure holds: time expressions, and which figure each one governs.

Periods are `YYYY` or `YYYY-MM` strings, either bound open (None). Conventions (gold README):
"in T" -> T/T, "since T" -> T/-, "by/through T" -> -/T, "before/prior to T" -> -/(T-1),
"between A and B" -> A/B, U.S. fiscal years Oct-Sep, marketing years Jul-Jun, a one-step change
("from 2017 to 2018", a 12-month change) takes only its end, relative times resolve against the
document's publication date when known and are otherwise left open with a note.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10, "eleven": 11, "twelve": 12}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12}

MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
         r"Jan\.|Feb\.|Mar\.|Apr\.|Jun\.|Jul\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)")
YEAR = r"(?:1[89]\d\d|20\d\d)(?!\d)"
WEEKDAY = r"(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+)"
DATE = (rf"(?:{WEEKDAY}?(?:(?:early|mid|late)[- ])?(?P<M>{MONTH})(?:\s+(?P<D>\d{{1,2}})(?!\d)(?:st|nd|rd|th)?)?"
        rf"(?:,?\s+(?P<Y>{YEAR}))?)")


def _date_pat(tag: str) -> str:
    """DATE with its group names suffixed, so one regex can hold two dates."""
    return re.sub(r"\(\?P<([MDY])>", rf"(?P<\g<1>{tag}>", DATE)


def _ym(year: int, month: int | None = None) -> str:
    return f"{year:04d}" if month is None else f"{year:04d}-{month:02d}"


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    k = year * 12 + (month - 1) + delta
    return k // 12, k % 12 + 1


def _month_no(s: str) -> int:
    return _MONTHS[s.lower().rstrip(".")]


def _parse_iso(s: str | None) -> tuple[int, int | None] | None:
    if not s:
        return None
    m = re.match(r"(\d{4})(?:-(\d{2}))?", s)
    return (int(m.group(1)), int(m.group(2)) if m.group(2) else None) if m else None


@dataclass(frozen=True, slots=True)
class TimeExpr:
    """A time expression; `kind` says how it binds: point/range/fromto/since/by/before/event/relative/
    anaphor/trailing/same_period/consecutive/year_end/habitual."""

    start: int
    end: int
    text: str
    kind: str
    period_start: str | None = None
    period_end: str | None = None
    note: str | None = None
    months: tuple[int, int] | None = None  # for "same period in YYYY" and "first N months"
    base: bool = False  # a comparison base ("than June exports"): never the figure's own period


# Every date starts with a capital (weekday, month) or early/mid/late: the lookahead lets `re` skip
# other positions quickly (3x faster over a whole document).
_DOC_DATE = re.compile(rf"(?=[A-Zeml]){DATE}")
_SINCE = re.compile(rf"\bsince\s+(?P<M>{MONTH})\s+(?P<Y>{YEAR})")
_WAR = re.compile(r"\b(?:war|wartime|invasion|conflict|hostilities|military)\b", re.I)
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines() splits on
_LINE_BREAK = re.compile(f"[{_LINE_BREAKS}]")


@dataclass
class PeriodContext:
    """Document-level knowledge: publication date, latest explicit date, and the start of 'the war'."""

    published: tuple[int, int | None] | None = None
    latest: tuple[int, int] | None = None
    war_anchor: tuple[int, int] | None = None

    @classmethod
    def of(cls, text: str, published: str | None = None) -> "PeriodContext":
        latest = None
        for m in _DOC_DATE.finditer(text):
            if m.group("Y") and m.group("M"):
                d = (int(m.group("Y")), _month_no(m.group("M")))
                latest = max(latest, d) if latest else d
        anchor = None
        # "prior to the war" is resolved from the document's own dating of the war: a line that talks about
        # war/conflict/invasion and says "since <Month> <Year>" (the onset). No outside calendar of events.
        for m in _SINCE.finditer(text):
            if _LINE_BREAK.search(m.group()):
                continue
            lo = max((text.rfind(c, 0, m.start()) for c in _LINE_BREAKS), default=-1) + 1
            nxt = _LINE_BREAK.search(text, m.end())
            if _WAR.search(text, lo, nxt.start() if nxt else len(text)):
                d = (int(m.group("Y")), _month_no(m.group("M")))
                anchor = min(anchor, d) if anchor else d
        return cls(_parse_iso(published), latest, anchor)

    def ref(self) -> tuple[int, int] | None:
        """The 'now' of the document: its publication month, else its latest explicit date."""
        if self.published:
            return self.published[0], self.published[1] or 12
        return self.latest

    def year_for_month(self, month: int) -> int | None:
        r = self.ref()
        if r is None:
            return None
        return r[0] if month <= r[1] else r[0] - 1


def _year(s: str) -> int:
    return int(re.sub(r"\s", "", s))


def _month_of(ctx: PeriodContext, mname: str, year: str | None) -> tuple[int | None, int]:
    mo = _month_no(mname)
    y = _year(year) if year else ctx.year_for_month(mo)
    return y, mo


_RELATIVE_WORDS = re.compile(r"\b(?:now|currently|today|once|formerly|previously|at present|nowadays)\b")
_CHANGE_WORDS = re.compile(r"\b(?:increase[ds]?|rose|rise[ns]?|risen|grew|grow(?:th|ing|n)?|gain(?:ed|s)?|"
                           r"decrease[ds]?|decline[ds]?|fell|fall(?:en|ing)?|drop(?:ped|s)?|down|up|reduc\w+|"
                           r"plummet\w*|surge[ds]?|collaps\w+|higher|lower)\b", re.I)


# find_times' patterns, compiled once (they run on every sentence that holds a figure).
_FY_WORDS = r"(?:FY\s?|fiscal\s+years?\s+)"
_FY_NUM = r"((?:1[89]|20)\s?\d\s?\d|\d\d)(?!\d)"
_D1, _D2 = _date_pat("1"), _date_pat("2")
_FY_RANGE = re.compile(rf"\b{_FY_WORDS}{_FY_NUM}\s*(?:through|to|-|–)\s*(?:{_FY_WORDS})?{_FY_NUM}")
_FISCAL_YEAR = re.compile(rf"\b(?:{_FY_WORDS}){_FY_NUM}")
_APPROPRIATIONS_ACT = re.compile(rf"\bAppropriations\s+Act,\s+({YEAR})")
_MARKETING_YEAR = re.compile(rf"\b(?:Marketing\s+Year\s*(?:\(MY\)\s*)?|MY\s*)({YEAR})\s*/\s*(\d{{2,4}})")
_QUARTER = re.compile(r"\b(?:(?:through|by|until)\s+)?(?:([1-4])Q(\d{2})|Q([1-4])\s+(" + YEAR + r"))\b")
_DATE_RANGE = re.compile(rf"\b(?P<w>between|from)?\s*(?:{_D1}|(?P<y1>{YEAR}))\s*(?:and|to|through|-|–)\s*"
                         rf"(?:{_D2}|(?P<y2>{YEAR}))")
_SHORT_YEAR_RANGE = re.compile(rf"\b({YEAR})\s*[–-]\s*(\d{{2}})(?!\d)")
_FIRST_MONTHS = re.compile(rf"\b(?:for |in |during )?the first (\w+) months of ({YEAR})")
_SAME_PERIOD_YEAR = re.compile(rf"\b(?:during |in |for |from |over )?the same period (?:in |of |last )?({YEAR})?")
_SINCE_BY = re.compile(rf"\b(?P<w>[Ss]ince|[Bb]y|[Tt]hrough|[Uu]ntil|[Bb]efore|[Pp]rior to|[Aa]fter)\s+"
                       rf"(?:the end of\s+)?(?:{DATE}|(?P<y>{YEAR}))")
_BEFORE_WAR = re.compile(r"\b(?:[Bb]efore|[Pp]rior to)\s+the\s+(?:[A-Z]\w+\s+)?(?:war|invasion|conflict)\b")
_MONTH_DATE = re.compile(rf"\b(?:(?:[Ii]n|[Dd]uring|[Ff]or|[Oo]n|[Aa]s of|[Tt]hrough|[Oo]f|[Aa]t)\s+)?{DATE}")
_BARE_YEAR = re.compile(rf"(?<!Act of )(?<!Act )\b(?:[Ii]n|[Dd]uring|[Ff]or|[Aa]s of|[Tt]hroughout|[Aa]t the end of)\s+({YEAR})"
                        rf"|\b({YEAR})\s+alone\b|\b(?:in\s+)?(?:calendar\s+year|CY)\s*({YEAR})")
_PAST_FY = re.compile(r"\b(?:in |over |during )?the (?:past|last|previous|prior) fiscal year\b")
_RELATIVE_UNIT = re.compile(r"\b(?P<w>last|this|next|the current|the previous) (?P<u>year|month)\b")
_RECENT = re.compile(r"\b(?:over|during|in|for) the (?:past|last|previous) (?:century|decade|\d+ years|"
                     r"(?:few|several|two|three|five|ten|fifty|\w+) (?:years|decades))\b|\bin recent years\b")
_TRAILING = re.compile(r"\b(?:(?:over|in|during) the (?:last|past) (?:12|twelve) months|(?:over|in|during) the "
                       r"(?:last|past) year|over the year|in (?:12|twelve) months)\b")
_ANAPHOR = re.compile(r"\b(?:over that (?:span|period|time)|(?:for|over|in|during) the same (?:delivery |time )?period"
                      r"(?! (?:in|of|last) \d)|in the (?:act|bill|law|budget)|during that (?:period|time))\b")
_YTD = re.compile(r"\b(?:[Yy]ear-to-date|[Yy]ear to date)\b")
_YEAR_END = re.compile(r"\b(?:[Ee]nd[- ]of[- ](?:the[- ])?year|[Yy]ear[- ]end|full[- ]year)\b")
_CONSECUTIVE = re.compile(r"\bthe (\w+) consecutive months?\b")
_HABITUAL = re.compile(r"\b(?:normally|typically|usually|generally|traditionally)\b")
_WHEN = re.compile(r"(?<=,)\s*when\b")


def find_times(text: str, ctx: PeriodContext, start: int = 0, end: int | None = None) -> list[TimeExpr]:
    """Time expressions in text[start:end], non-overlapping, longest first."""
    end = len(text) if end is None else end
    seg = text[start:end]
    cands: list[TimeExpr] = []

    def add(m: re.Match, kind: str, ps: str | None = None, pe: str | None = None, note: str | None = None,
            months: tuple[int, int] | None = None) -> None:
        cands.append(TimeExpr(start + m.start(), start + m.end(), m.group(), kind, ps, pe, note, months))


    def fyear(s: str) -> int:
        s = re.sub(r"\s", "", s)
        return int(s) if len(s) == 4 else 2000 + int(s)

    # fiscal year ranges and single fiscal years (U.S. federal: October-September)
    for m in _FY_RANGE.finditer(seg):
        a, b = fyear(m.group(1)), fyear(m.group(2))
        add(m, "range", _ym(a - 1, 10), _ym(b, 9), note="U.S. fiscal years (Oct-Sep)")
    for m in _FISCAL_YEAR.finditer(seg):
        a = fyear(m.group(1))
        add(m, "point", _ym(a - 1, 10), _ym(a, 9), note="U.S. fiscal year (Oct-Sep)")
    # U.S. appropriations acts are named for their fiscal year ("Appropriations Act, 2024")
    for m in _APPROPRIATIONS_ACT.finditer(seg):
        a = int(m.group(1))
        add(m, "point", _ym(a - 1, 10), _ym(a, 9), note="appropriations act year = fiscal year")
    # marketing years (grain: July-June)
    for m in _MARKETING_YEAR.finditer(seg):
        a = int(m.group(1))
        add(m, "point", _ym(a, 7), _ym(a + 1, 6), note="marketing year (Jul-Jun)")
    # quarters: 3Q24, Q3 2024
    for m in _QUARTER.finditer(seg):
        q = int(m.group(1) or m.group(3))
        y = 2000 + int(m.group(2)) if m.group(2) else int(m.group(4))
        if re.match(r"(?:through|by|until)\s", m.group()):
            add(m, "by", None, _ym(y, q * 3))
        else:
            add(m, "point", _ym(y, q * 3 - 2), _ym(y, q * 3))
    # between A and B / from A to B / A to B with dates or years
    for m in _DATE_RANGE.finditer(seg):
        w = (m.group("w") or "").lower()
        if not w and not (m.group("M1") and m.group("M2")) and not (m.group("y1") and m.group("y2")):
            continue
        if m.group("M1") or m.group("M2"):
            if not (m.group("M1") and m.group("M2")):
                continue
            y1, mo1 = _month_of(ctx, m.group("M1"), m.group("Y1"))
            y2, mo2 = _month_of(ctx, m.group("M2"), m.group("Y2") or m.group("Y1"))
            if not m.group("Y1") and y2 is not None:
                y1 = y2 if mo1 <= mo2 else y2 - 1  # "January-September": the start year follows the end's
            if y1 is None or y2 is None:
                continue
            a, b = _ym(y1, mo1), _ym(y2, mo2)
        else:
            a, b = m.group("y1"), m.group("y2")
        add(m, "range" if w == "between" else "fromto", a, b)
    # year ranges written 2014–18
    for m in _SHORT_YEAR_RANGE.finditer(seg):
        a = int(m.group(1))
        b = a // 100 * 100 + int(m.group(2))
        if b > a:
            add(m, "fromto", str(a), str(b))
    # the first N months of YEAR
    for m in _FIRST_MONTHS.finditer(seg):
        n = _NUMBERS.get(m.group(1).lower()) or (int(m.group(1)) if m.group(1).isdigit() else None)
        if n and n <= 12:  # "the first 13 months of 2008" is no window inside 2008
            y = int(m.group(2))
            add(m, "point", _ym(y, 1), _ym(y, n), months=(1, n))
    # the same period in/of YEAR
    for m in _SAME_PERIOD_YEAR.finditer(seg):
        y = m.group(1)
        add(m, "same_period", note=y)
    # since / by / through / before / prior to a date or year
    for m in _SINCE_BY.finditer(seg):
        w = m.group("w").lower()
        if m.group("M"):
            y, mo = _month_of(ctx, m.group("M"), m.group("Y"))
            if y is None:
                continue
        else:
            y, mo = int(m.group("y")), None
        if w == "since" or w == "after":
            add(m, "since", _ym(y, mo), None)
        elif w in ("by", "through", "until"):
            add(m, "by", None, _ym(y, mo))
        else:  # before / prior to
            if mo is None:
                add(m, "before", None, _ym(y - 1))
            else:
                yy, mm = _shift_month(y, mo, -1)
                add(m, "before", None, _ym(yy, mm))
    # before / prior to the war: resolved from the document's own dating of the war, else left open
    for m in _BEFORE_WAR.finditer(seg):
        if ctx.war_anchor:
            add(m, "before", None, _ym(ctx.war_anchor[0] - 1),
                note=f"'{m.group()}' resolved from the document's 'since {ctx.war_anchor[0]}-{ctx.war_anchor[1]:02d}'")
        else:
            add(m, "relative", note=f"event-relative time '{m.group()}' not dated in the document")
    # a month or date with or without a year, and a bare year after a preposition
    for m in _MONTH_DATE.finditer(seg):
        y, mo = _month_of(ctx, m.group("M"), m.group("Y"))
        if y is None:
            add(m, "relative", note=f"month '{m.group('M')}' without a year and document undated")
        else:
            add(m, "point", _ym(y, mo), _ym(y, mo))
    for m in _BARE_YEAR.finditer(seg):
        y = int(m.group(1) or m.group(2) or m.group(3))
        add(m, "point", str(y), str(y))
    # sentence-initial bare year: "2018 saw ..." is rare; skipped on purpose (bare years are mostly labels).
    # relative times
    pub = ctx.published
    for m in _PAST_FY.finditer(seg):
        if pub:
            py, pm = pub[0], pub[1] or 12
            fy_end = py if pm >= 10 else py - 1  # last completed fiscal year
            add(m, "point", _ym(fy_end - 1, 10), _ym(fy_end, 9), note="past fiscal year from the publication date")
        else:
            add(m, "relative", note=f"relative time '{m.group().strip()}', document undated")
    for m in _RELATIVE_UNIT.finditer(seg):
        pre = seg[max(0, m.start() - 12):m.start()]
        if re.search(r"\b(?:over|in|during) the\s*$", pre) and m.group("w") == "last":
            continue  # "over the last year" is a trailing window (below)
        if pub:
            py, pm = pub[0], pub[1] or 12
            d = {"last": -1, "this": 0, "the current": 0, "next": 1, "the previous": -1}[m.group("w")]
            if m.group("u") == "year":
                add(m, "point", str(py + d), str(py + d), note="relative to the publication date")
            elif pub[1]:
                yy, mm = _shift_month(py, pm, d)
                add(m, "point", _ym(yy, mm), _ym(yy, mm), note="relative to the publication date")
        else:
            add(m, "relative", note=f"relative time '{m.group()}', document undated")
    for m in _RECENT.finditer(seg):
        add(m, "relative", note=f"relative time '{m.group()}' not resolved")
    # trailing windows and anaphors: inherit the period in force
    for m in _TRAILING.finditer(seg):
        add(m, "trailing")  # a 12-month window ending at the period in force
    for m in _ANAPHOR.finditer(seg):
        add(m, "anaphor")  # refers back to the period in force
    for m in _YTD.finditer(seg):
        add(m, "ytd")
    for m in _YEAR_END.finditer(seg):
        add(m, "year_end")
    for m in _CONSECUTIVE.finditer(seg):
        n = _ORDINALS.get(m.group(1).lower()) or _NUMBERS.get(m.group(1).lower())
        if n:
            add(m, "consecutive", note=str(n))
    for m in _HABITUAL.finditer(seg):
        add(m, "habitual", note="habitual statement: no period")
    for m in _WHEN.finditer(seg):
        add(m, "event", note="event-relative time ('when ...') not dated")

    # base markers: "than June exports", "compared to 2015"
    out: list[TimeExpr] = []
    for c in sorted(cands, key=lambda c: (c.start, -(c.end - c.start))):
        if out and c.start < out[-1].end:
            continue
        pre = text[max(0, c.start - 25):c.start]
        if re.search(r"\b(?:than|compared (?:to|with)|relative to|versus|vs\.?)\s+(?:the\s+)?$", pre) or (
                c.kind == "same_period" and re.match(r"from\b", c.text)):
            c = TimeExpr(c.start, c.end, c.text, c.kind, c.period_start, c.period_end, c.note, c.months, True)
        out.append(c)
    return out


# ---------------------------------------------------------------------------------------------
# Binding times to figures
# ---------------------------------------------------------------------------------------------

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
    how: str | None = None


_POST_NEAR = 60
_MAX_DIST = 160


def _closed(s: Slot) -> bool:
    return s.period_start is not None and s.period_end is not None


def _span_len_one_step(a: str, b: str) -> bool:
    """Whether a->b is one step (one year, or 12 months): then a change over it is dated by its end only."""
    pa, pb = _parse_iso(a), _parse_iso(b)
    if not pa or not pb:
        return False
    if pa[1] is None and pb[1] is None:
        return pb[0] - pa[0] == 1
    if pa[1] is not None and pb[1] is not None:
        return (pb[0] * 12 + pb[1]) - (pa[0] * 12 + pa[1]) in (1, 12)  # month-on-month or 12-month change
    return False


def assign_periods(text: str, slots: list[Slot], ctx: PeriodContext) -> None:
    """Fill period_start/period_end/note for every slot (slots in document order)."""
    times_by_sentence: dict[tuple[int, int], list[TimeExpr]] = {}
    for s in slots:
        if s.sentence not in times_by_sentence:
            times_by_sentence[s.sentence] = find_times(text, ctx, *s.sentence)
    by_sentence: dict[tuple[int, int], list[Slot]] = {}
    for s in slots:
        by_sentence.setdefault(s.sentence, []).append(s)

    last_bound: list[Slot] = []  # the previous dated figure (topic continuity)

    def in_parens(pos: int, lo: int) -> bool:
        seg = text[lo:pos]
        return seg.count("(") > seg.count(")")

    for sent, group in by_sentence.items():
        times = [t for t in times_by_sentence[sent] if not t.base]
        used: set[int] = set()
        own: dict[int, TimeExpr] = {}
        # 1. post-binding: the first time after the figure, with no other (non-parenthesised) figure between
        for i, s in enumerate(group):
            after = [t for t in times if t.start >= s.end and t.start - s.end <= _MAX_DIST
                     and s.clause[0] <= t.start < s.clause[1]]
            if not after:
                continue
            t = min(after, key=lambda t: t.start)
            between = [o for o in group if o is not s and s.end <= o.start < t.start and not in_parens(o.start, s.end)]
            if between or t.kind in ("habitual", "event"):
                continue
            if t.kind in ("since", "by", "before") and "," in text[s.end:t.start]:
                continue  # "rose to 6.1%, the highest since 1982": the time belongs to the appositive
            if t.start - s.end <= _POST_NEAR or t.kind in ("range", "fromto", "point"):
                own[i] = t
                used.add(id(t))
        # 2. pre-binding: the nearest time before the figure in its clause, not taken, no figure between
        for i, s in enumerate(group):
            if i in own:
                continue
            before = [t for t in times if t.end <= s.start and s.start - t.end <= _MAX_DIST
                      and s.clause[0] <= t.start and id(t) not in used]
            if not before:
                continue
            t = max(before, key=lambda t: t.end)
            between = [o for o in group if o is not s and t.end <= o.start < s.start and not in_parens(o.start, t.end)]
            if between:
                continue
            own[i] = t
        # sentence-initial scope: "Since 2014, ...", "In 2020, ...", "By 2050, ..."
        scope = None
        if times:
            t0 = min(times, key=lambda t: t.start)
            lead = text[sent[0]:t0.start]
            if not re.search(r"[A-Za-z0-9]", re.sub(r"^\W*(?:In fact|However|Also|And)\W*", "", lead)) \
                    and not any(s.start < t0.start for s in group):
                scope = t0
        clause_scopes = [t for t in times if t.kind == "fromto" and not any(t.start <= s.start < t.end for s in group)]

        for i, s in enumerate(group):
            t = own.get(i)
            if t is not None:
                pre = text[max(sent[0], s.start - 12):s.start]
                if t.kind == "since" and re.search(r"\bfrom\s*$", pre):
                    # "since 2016 ... decreasing from 1,200 to fewer than 400": the 'from' level is the start
                    s.period_start = s.period_end = t.period_start
                    s.how = "since-range start"
                    continue
                _apply(s, t, group, ctx, last_bound)
                s.how = s.how or "own time"
        # 3. change between two dated levels of the same sentence: "from $38.1 billion in 2013 to $8.5 billion
        #    in 2023, an 80% decline"
        for i, s in enumerate(group):
            if i in own or not s.is_change:
                continue
            levels = [o for o in group if o is not s and not o.is_change and _closed(o) and o.unit != "percent"]
            points = sorted({p for o in levels for p in (o.period_start, o.period_end)})
            if len(levels) >= 2 and len(points) >= 2:
                a, b = points[0], points[-1]
                s.period_start, s.period_end = (b, b) if _span_len_one_step(a, b) else (a, b)
                s.how = "change between dated levels"
        for i, s in enumerate(group):
            if s.how:
                continue
            # clause-level "from 2017 to 2018"
            cs = [t for t in clause_scopes if s.clause[0] <= t.start < s.clause[1]]
            if cs:
                _apply(s, cs[0], group, ctx, last_bound)
                s.how = "clause period"
                continue
            if scope is not None and scope.kind == "since":
                pre = text[max(sent[0], s.start - 12):s.start]
                if re.search(r"\bto\s*$", pre) and any(
                        re.search(r"\bfrom\s*$", text[max(sent[0], o.start - 8):o.start]) for o in group if o.end <= s.start):
                    s.note = "end point of a change over a 'since' period: year not stated"
                    s.how = "since-range end"
                    continue
            # 4. within the clause, a figure inherits the closed period of the figure before it
            prev = [o for o in group if o.end <= s.start and s.clause[0] <= o.start and _closed(o)]
            if prev:
                p = max(prev, key=lambda o: o.start)
                s.period_start, s.period_end = p.period_start, p.period_end
                s.how = "inherited in clause"
                continue
            # 4b. "increased $3.4 billion to $124.1 billion in July": a change takes the period of the level it led to
            nxt = [o for o in group if o.start >= s.end and o.start < s.clause[1] and _closed(o)
                   and re.search(r"\bto\s*$", text[max(s.end, o.start - 8):o.start])
                   and not [x for x in group if s.end <= x.start < o.start]]
            if s.is_change and nxt:
                s.period_start, s.period_end = nxt[0].period_start, nxt[0].period_end
                s.how = "period of the level reached"
                continue
            # 5. sentence scope
            if scope is not None:
                pre = text[max(sent[0], s.start - 12):s.start]
                if scope.kind == "since" and re.search(r"\bfrom\s*$", pre):
                    s.period_start = s.period_end = scope.period_start
                    s.how = "since-range start"
                    continue
                _apply(s, scope, group, ctx, last_bound)
                s.how = "sentence scope"
                continue
        # 6. topic continuity: the previous dated figure, same party, no relative time word in the sentence
        rel_times = [t for t in times_by_sentence[sent] if t.kind in ("relative", "habitual", "event")]

        def blocked(s: Slot) -> bool:
            """A relative word ("now", "once") or an undated time before the figure in its clause, or in its
            comma-delimited chunk, means the figure is not in the period in force."""
            lo = s.clause[0]
            chunk_end = text.find(",", s.end, s.clause[1])
            chunk_end = s.clause[1] if chunk_end < 0 else chunk_end
            if _RELATIVE_WORDS.search(text, lo, chunk_end):
                return True
            return any(lo <= t.start < chunk_end for t in rel_times)

        for s in group:
            comparison = bool(re.search(r"\b(?:compared (?:to|with)|versus|than)\s+(?:the\s+|just\s+)?$",
                                        text[max(sent[0], s.start - 20):s.start]))
            if s.how:
                if not comparison:
                    last_bound[:] = [s]
                continue
            p = last_bound[0] if last_bound else None
            if p is not None and not blocked(s) and _closed(p) and p.subject == s.subject:
                s.period_start, s.period_end = p.period_start, p.period_end
                s.how = "carried from previous figure"
            elif s.section_times:
                # a heading's fiscal or marketing year covers its section ("FY2024 Defense Appropriations");
                # a plain date in a heading is usually the publication date, so it is not used
                t = s.section_times[0]
                if t.kind == "point" and t.note and ("fiscal" in t.note or "marketing" in t.note):
                    s.period_start, s.period_end = t.period_start, t.period_end
                    s.how = "section heading"
            if not comparison:
                last_bound[:] = [s]


def _apply(s: Slot, t: TimeExpr, group: list[Slot], ctx: PeriodContext, last: list[Slot]) -> None:
    k = t.kind
    if k in ("point", "since", "by", "before"):
        s.period_start, s.period_end = t.period_start, t.period_end
    elif k in ("range", "fromto"):
        a, b = t.period_start, t.period_end
        if s.is_change and _span_len_one_step(a, b):
            s.period_start = s.period_end = b
        elif k == "fromto" and not s.is_change:
            s.period_start = s.period_end = b
        else:
            s.period_start, s.period_end = a, b
    elif k in ("relative", "event", "habitual"):
        s.note = t.note
    elif k == "same_period":
        p = _context(group, s, last)
        if p and t.note:
            ps, pe = _parse_iso(p.period_start), _parse_iso(p.period_end)
            y = int(t.note)
            if ps and pe and ps[1] and pe[1]:
                s.period_start, s.period_end = _ym(y, ps[1]), _ym(y + (pe[0] - ps[0]), pe[1])
            else:
                s.period_start = s.period_end = str(y)
        elif p:
            s.period_start, s.period_end = p.period_start, p.period_end
    elif k == "anaphor":
        p = _context(group, s, last)
        if p:
            s.period_start, s.period_end = p.period_start, p.period_end
    elif k == "trailing":
        p = _context(group, s, last)
        if p:
            s.period_start, s.period_end = p.period_end, p.period_end
        elif ctx.published and ctx.published[1]:
            y, m = _shift_month(ctx.published[0], ctx.published[1], -1)
            s.period_start = s.period_end = _ym(y, m)
        else:
            s.note = f"trailing window '{t.text}' with no reference date"
    elif k == "ytd":
        r = _context(group, s, last)
        end = _parse_iso(r.period_end) if r else None
        if end is None and ctx.ref():
            end = ctx.ref()
        if end and end[1]:
            s.period_start, s.period_end = _ym(end[0], 1), _ym(end[0], end[1])
        else:
            s.note = "year-to-date with no reference month"
    elif k == "year_end":
        p = _context(group, s, last)
        if p and p.period_end:
            y = _parse_iso(p.period_end)[0]
            s.period_start = s.period_end = str(y)
    elif k == "consecutive":
        p = _context(group, s, last)
        pe = _parse_iso(p.period_end) if p else None
        if pe and pe[1]:
            y, m = _shift_month(pe[0], pe[1], -(int(t.note) - 1))
            s.period_start, s.period_end = _ym(y, m), p.period_end
    if t.note and s.period_start is None and s.period_end is None and not s.note:
        s.note = t.note


def _context(group: list[Slot], s: Slot, last: list[Slot]) -> Slot | None:
    """The dated figure an anaphoric time refers back to: earlier in the sentence, else the previous one."""
    prev = [o for o in group if o.end <= s.start and _closed(o)]
    if prev:
        return max(prev, key=lambda o: o.start)
    if last and _closed(last[0]):
        return last[0]
    return None
