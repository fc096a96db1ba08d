"""Calendar arithmetic and what a document knows about its own time (publication date, fiscal calendar).

Periods are `YYYY`, `YYYY-MM` or `YYYY-MM-DD` strings, either bound open (None).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from tally.resolve.periods.fiscal import FiscalCalendar, calendar_for

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12}

MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
         r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)(?![a-z])")
YEAR = r"(?:1[89]\d\d|20\d\d)(?!\d)"
# What every YEAR and every MONTH match starts with: the time rules' gates (expr.needs) test for these.
YEARISH = r"(?:1[89]|20)\d\d"
MONTHISH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
WEEKDAY = r"(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+)"
DATE = (rf"(?:{WEEKDAY}?(?:(?:early|mid|late)[- ])?(?P<M>{MONTH})(?:\s+(?P<D>\d{{1,2}})(?!\d)(?:st|nd|rd|th)?)?"
        rf"(?:,?\s+(?P<Y>{YEAR}))?)")

_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines() splits on
LINE_BREAK = re.compile(f"[{_LINE_BREAKS}]")


def date_pat(tag: str) -> str:
    """DATE with its group names suffixed, so one regex can hold two dates."""
    return re.sub(r"\(\?P<([MDY])>", rf"(?P<\g<1>{tag}>", DATE)


def ym(year: int, month: int | None = None) -> str:
    """`YYYY` or `YYYY-MM`."""
    return f"{year:04d}" if month is None else f"{year:04d}-{month:02d}"


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    """(year, month) moved by delta months."""
    k = year * 12 + (month - 1) + delta
    return k // 12, k % 12 + 1


def month_no(s: str) -> int:
    """Month number of a month name or abbreviation."""
    return MONTHS[s.lower().rstrip(".")]


def parse_iso(s: str | None) -> tuple[int, int | None] | None:
    """(year, month or None) of a period bound."""
    if not s:
        return None
    m = re.match(r"(\d{4})(?:-(\d{2}))?", s)
    return (int(m.group(1)), int(m.group(2)) if m.group(2) else None) if m else None


def bound_key(s: str, end: bool) -> tuple[int, int, int]:
    """A sortable (year, month, day) for a bound; a year or month as an end bound means its last day."""
    m = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", s)
    y = int(m.group(1))
    mo = int(m.group(2)) if m.group(2) else (12 if end else 1)
    d = int(m.group(3)) if m.group(3) else (31 if end else 1)
    return y, mo, d


def inverted(start: str | None, end: str | None) -> bool:
    """Whether a period ends before it starts."""
    return bool(start and end) and bound_key(end, True) < bound_key(start, False)


def quarter_span(year: int, last_month: int) -> tuple[str, str]:
    """The three months of the quarter ending in last_month."""
    y0, m0 = shift_month(year, last_month, -2)
    return ym(y0, m0), ym(year, last_month)


_DOC_DATE = re.compile(rf"(?=[A-Zeml]){DATE}")
_SINCE = re.compile(rf"\bsince\s+(?P<M>{MONTH})\s+(?P<Y>{YEAR})")
_WAR = re.compile(r"\b(?:war|wartime|invasion|conflict|hostilities|military)\b", re.I)
_US_GOV = re.compile(r"\bU\.S\.(?!\w)|\b(?:United States|Congress(?:ional)?|[Ff]ederal|Appropriations)\b")


@dataclass
class PeriodContext:
    """Document-level knowledge: publication date, latest explicit date, the start of 'the war', and the
    fiscal calendar of the publisher's country (None when unknown)."""

    published: tuple[int, int | None] | None = None
    latest: tuple[int, int] | None = None
    war_anchor: tuple[int, int] | None = None
    fiscal: FiscalCalendar | None = None

    @classmethod
    def of(cls, text: str, published: str | None = None, country: str | None = None) -> "PeriodContext":
        latest = None
        for m in _DOC_DATE.finditer(text):
            if m.group("Y") and m.group("M"):
                d = (int(m.group("Y")), month_no(m.group("M")))
                latest = max(latest, d) if latest else d
        return cls(parse_iso(published), latest, _war_anchor(text), _fiscal_of(text, country))

    def ref(self) -> tuple[int, int] | None:
        """The 'now' of the document: its publication month, else its latest explicit date."""
        if self.published:
            return self.published[0], self.published[1] or 12
        return self.latest

    def year_for_month(self, month: int) -> int | None:
        """The year of a month named without one: the latest such month not after the document's 'now'."""
        r = self.ref()
        if r is None:
            return None
        return r[0] if month <= r[1] else r[0] - 1


def _fiscal_of(text: str, country: str | None) -> FiscalCalendar | None:
    """The publisher's fiscal calendar; with no country, the U.S. one only for U.S. government text."""
    if country:
        return calendar_for(country)
    # Only a 2 KB opening is read: enough to tell U.S. government prose, and linear on any input.
    return calendar_for("USA") if _US_GOV.search(text, 0, 2000) else None


def _war_anchor(text: str) -> tuple[int, int] | None:
    """The onset of 'the war' as the document itself dates it: a line about war saying 'since <Month> <Year>'."""
    anchor = None
    for m in _SINCE.finditer(text):
        if LINE_BREAK.search(m.group()):
            continue
        lo = max((text.rfind(c, 0, m.start()) for c in _LINE_BREAKS), default=-1) + 1
        nxt = LINE_BREAK.search(text, m.end())
        if _WAR.search(text, lo, nxt.start() if nxt else len(text)):
            d = (int(m.group("Y")), month_no(m.group("M")))
            anchor = min(anchor, d) if anchor else d
    return anchor
