"""The candidate record every stage reads and writes, the public Quantity, and clause helpers."""
from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Quantity:
    """One quantity expression; `text == source[start:end]`.

    For a range ("between $80/b and $90/b") the extractor returns two quantities, the lower bound
    with comparator `>=` and the upper bound with `<=`, each carrying the range in `low`/`high`.
    """

    start: int
    end: int
    text: str
    value: float | None
    unit: str
    comparator: str = "="
    change: str | None = None
    low: float | None = None
    high: float | None = None


_MONTHS = (r"jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|aug(?:ust|\.)?"
           r"|sep(?:t(?:ember|\.)?|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?")


_WORD_NEXT = re.compile(r"^[ \t\u00a0]+[A-Za-z][a-z-]*")


_SENT_START = re.compile(r"[.;:!?](?:\s|$)|\n")


@dataclass(slots=True)
class _Cand:
    """A number token and everything read around it, before ranges and change are resolved."""

    num_start: int
    num_end: int
    base: float
    kind: str  # d(igits) / w(ord) / f(raction) / v(ague) / a (the article in "a million")
    start: int = 0
    end: int = 0
    mult: float = 1.0
    scaled: bool = False
    unit: str | None = None
    currency: bool = False
    cmp: str = "="
    cmp_start: int | None = None
    change: str | None = None
    low: float | None = None
    high: float | None = None
    in_range: bool = False
    drop: bool = False
    label: bool = False
    neg: bool = False
    sign: str | None = None  # "+" / "-" printed before the number (inside the span)
    integer: bool = True
    notes: set[str] = field(default_factory=set)


def _last_word_at(s: str) -> int:
    """Where the last blank-free run of `s` (trailing blanks aside) starts, or earlier.

    A one-word cue anchored at the end of a window ("\\bby\\s+$") can only start there, so searching
    from it (the look-behinds still see what precedes) finds the same match without trying every
    position of the window.
    """
    t = s.rstrip()
    return max(t.rfind(" "), t.rfind("\t"), t.rfind("\n"), t.rfind("\u00a0")) + 1


def _clause_before(text: str, pos: int, limit: int = 160) -> str:
    """The text of the current clause before `pos` (back to the last sentence end, bounded)."""
    chunk = text[max(0, pos - limit):pos]
    parts = re.split(r"[.;:!?](?=\s)|\n\s*\n|\n(?=[ \t]*[•\-–*])", chunk)
    return parts[-1]
