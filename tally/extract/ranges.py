"""Ranges ("between ... and", "from ... to", "6.8 to 7.0 percent", "2–3") and a currency or scale shared by two numbers."""
from __future__ import annotations

import re

from tally.extract.candidates import _Cand, _SENT_START, _WORD_NEXT
from tally.extract.changes import _own_change
from tally.extract.units import CURRENCIES


_RANGE_CUE = re.compile(r"\b(?:rang(?:e|ed|es|ing)|var(?:y|ied|ies|ying)|spann(?:ed|ing)|spans?|anywhere|estimates?)\b", re.IGNORECASE)


_CARRY_GAP = re.compile(r"(?:[^.;:!?\n0-9$€£¥]|\b[12][0-9]{3}\b){0,40}?\b(?:to|from|and|or|with|versus|against)\s+")
_TO_LEVEL_GAP = re.compile(r"[^.;:!?\n$€£¥]{0,30}?\bto\s+")
_TO_GAP = re.compile(r"\s+to\s+")
_AND_OR_GAP = re.compile(r"\s+(?:and|or)\s+")
_BETWEEN_GAP = re.compile(r"\s*(?:and|-|–)\s*")
_FROM_GAP = re.compile(r"(?:\s+[a-z]+){0,2}\s+to\s+|\s*[-–]\s*")
_DASH_GAP = re.compile(r"[-–]|\s–\s")
_BETWEEN_LEFT = re.compile(r"\bbetween\s+$", re.I)
_FROM_LEFT = re.compile(r"\bfrom\s+$", re.I)


def _shared_scale(text: str, cands: list[_Cand]) -> None:
    """ "£10 and 16 billion": a currency written on the first number and a scale on the second apply to both."""
    live = [c for c in cands if not c.drop]
    for a, b in zip(live, live[1:]):
        if (a.unit and b.unit and b.currency and a.unit.startswith(b.unit + "_per_")
                and _CARRY_GAP.fullmatch(text, a.end, b.start)):
            b.unit = a.unit  # "from $43.29 per barrel in 2016 to $50.80 in 2017"
        elif (a.unit in CURRENCIES and b.unit and b.unit.startswith(a.unit + "_per_")
              and _TO_GAP.fullmatch(text, a.end, b.start)):
            a.unit = b.unit  # "rose 2 cents to $6.10 a bushel": the change is in the same unit
        if (a.unit == "index_points" and b.unit is None and not b.currency and not b.scaled
                and _TO_LEVEL_GAP.fullmatch(text, a.end, b.start)):
            b.unit = "index_points"  # "rose 2.3 points to 105.6": the level reached is an index too
        if (a.currency and not a.scaled and b.scaled and b.unit is None and not b.currency
                and _AND_OR_GAP.fullmatch(text, a.end, b.start)):
            a.mult, a.scaled = b.mult, True
            b.unit = a.unit


def _incomplete(a: _Cand, b: _Cand) -> bool:
    """Whether `a` borrows its unit or scale from `b` ("6.8 to 7.0 percent", "$5 to $10 billion")."""
    if b.unit is None and not b.scaled:
        return False
    if a.unit == "USD" and b.unit is not None and b.unit.startswith("USD_per_"):
        return True
    return (a.unit is None and (b.unit is not None or b.scaled)) or (not a.scaled and b.scaled)


def _change_then_level(text: str, a: _Cand) -> bool:
    """After a stated change ("rose 47%", "+$0.99"), "to" introduces the new level, not a range's end."""
    if a.sign:
        return True
    if a.unit is None and not a.scaled:
        return False
    d, settled = _own_change(text, a)
    return settled and d in ("up", "down")


def _ranges(text: str, cands: list[_Cand]) -> None:
    """Pair adjacent numbers joined by "between ... and", "from ... to" (with a range cue), "-" or "to"."""
    live = [c for c in cands if not c.drop]
    for a, b in zip(live, live[1:]):
        if a.in_range or b.num_start < a.end:
            continue
        gap = text[a.end:b.start]
        if "to" not in gap and "and" not in gap and "-" not in gap and "–" not in gap:
            continue  # every joiner below holds one of these: skip the regexes ("1,2,3")
        sa = a.cmp_start if a.cmp_start is not None else a.start
        left = text[max(0, sa - 12):sa]
        kind = None
        if _BETWEEN_GAP.fullmatch(gap) and _BETWEEN_LEFT.search(left):
            kind = "between"
        elif _FROM_GAP.fullmatch(gap) and _FROM_LEFT.search(left):
            clause = _SENT_START.split(text[max(0, sa - 100):sa])[-1]
            if _RANGE_CUE.search(clause):
                kind = "from"
        elif _DASH_GAP.fullmatch(gap) and b.cmp_start is None:
            kind = "dash"
        elif (_TO_GAP.fullmatch(gap) and b.cmp_start is None and not _FROM_LEFT.search(left)
              and not _change_then_level(text, a)):
            if _incomplete(a, b):
                kind = "to"
            elif (a.unit == b.unit and a.mult == b.mult and a.unit is not None and a.base < b.base
                  and _own_change(text, a) == (None, False)):
                kind = "to"
        if kind is None:
            continue
        if b.unit is None and a.unit is None and not (a.kind == b.kind == "d" and a.integer and b.integer):
            continue
        if a.unit is not None and b.unit is not None and a.unit != b.unit and not (
                a.unit == "USD" and b.unit.startswith("USD")):
            continue  # "fell by 18% to 830 thousand tonnes": a change and a level, nothing shared
        if _incomplete(a, b):
            if a.unit is None or (a.unit in ("USD",) and b.unit and b.unit.startswith("USD")):
                a.unit = b.unit
            if not a.scaled and b.scaled:
                a.mult = b.mult
                a.scaled = True
            elif a.mult == 1.0:
                a.mult = b.mult
        if a.unit is None and b.unit is None:
            if kind == "dash" and a.base > b.base and text[a.end:b.start] in "-–" and a.integer and b.integer:
                a.drop = b.drop = True  # a score or vote tally ("52-48"), not a range
                continue
            if kind == "dash" and not _WORD_NEXT.match(text[b.end:b.end + 30]):
                continue
        elif a.unit != b.unit:
            continue
        va, vb = a.base * a.mult, b.base * b.mult
        if kind == "dash" and va > vb:
            if a.unit is None and b.unit is None and gap in "-–":
                a.drop = b.drop = True  # a score or vote tally ("52-48"), not a range
            continue
        for c in (a, b):
            c.in_range = True
            c.low, c.high = va, vb
        a.cmp, b.cmp = ">=", "<="
        if a.unit is None:
            a.unit = b.unit = "count"
