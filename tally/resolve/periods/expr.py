"""A time expression found in text, and the shape every rule that finds them has."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from tally.resolve.periods.calendar import PeriodContext


@dataclass(frozen=True, slots=True)
class TimeExpr:
    """A time expression; `kind` says how it binds: point/range/fromto/window/since/by/before/event/relative/
    anaphor/trailing/same_period/consecutive/year_end/ytd/year_earlier/habitual."""

    start: int
    end: int
    text: str
    kind: str
    period_start: str | None = None
    period_end: str | None = None
    note: str | None = None
    months: tuple[int, int] | None = None  # for "same period in YYYY" and "first N months"
    base: bool = False  # a comparison base ("than June exports"): never the figure's own period
    rule: str = ""  # the time rule that found it
    tail: tuple[str, str] | None = None  # a range's last unit (year, quarter, month): what a change over it dates


# A time rule: (the segment's text, the document's context) -> the time expressions it recognizes, with
# offsets relative to the segment.
TimeRule = Callable[[str, PeriodContext], Iterable[TimeExpr]]

@dataclass(frozen=True, slots=True)
class Gate:
    """What every match of a time rule contains: one of `words` (in the lower-cased text) or a match of
    `pattern` (in the text as written)."""

    words: tuple[str, ...]
    pattern: re.Pattern[str] | None

    def open(self, text: str, low: str) -> bool:
        """Whether the rule can match anything in text (low: text.lower())."""
        for w in self.words:
            if w in low:
                return True
        return self.pattern is not None and self.pattern.search(text) is not None


def needs(*words: str, pattern: str | None = None) -> Callable[[TimeRule], TimeRule]:
    """Declare a rule's gate (see Gate): find_times runs the rule only on text the gate lets through, a substring
    test instead of the rule's regexes on the many sentences that cannot hold its times."""
    def mark(rule: TimeRule) -> TimeRule:
        rule.gate = Gate(tuple(w.lower() for w in words), re.compile(pattern) if pattern else None)  # type: ignore[attr-defined]
        return rule
    return mark


def gate_of(rule: TimeRule) -> Gate | None:
    """The rule's gate, or None when it declares none (then it always runs)."""
    return getattr(rule, "gate", None)


def hit(m: re.Match, kind: str, ps: str | None = None, pe: str | None = None, note: str | None = None,
        months: tuple[int, int] | None = None, tail: tuple[str, str] | None = None, group: int | str = 0) -> TimeExpr:
    """A TimeExpr over a match (or one group of it), leading white space left out."""
    s, e = m.span(group)
    text = m.string[s:e]
    lead = len(text) - len(text.lstrip())
    return TimeExpr(s + lead, e, text[lead:], kind, ps, pe, note, months, tail=tail)


def shifted(t: TimeExpr, offset: int, rule: str) -> TimeExpr:
    """t with document offsets and the name of the rule that found it."""
    return replace(t, start=t.start + offset, end=t.end + offset, rule=rule)
