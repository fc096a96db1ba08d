"""Change direction: the governing verb or noun, printed signs, coordination, and inflation/growth rates."""
from __future__ import annotations

import re

from tally.extract.units import CURRENCIES as UNIT_CURRENCIES
from tally.extract.candidates import _Cand, _MONTHS, _SENT_START, _clause_before, _last_word_at


_UP = (r"increas(?:e|ed|es|ing)|r(?:ose|ise|isen|ises|ising)|gr(?:ew|own|ow|ows|owing|owth)|gain(?:ed|s|ing)?|up"
       r"|climb(?:ed|s|ing)?|jump(?:ed|s|ing)?|surg(?:e|ed|es|ing)|soar(?:ed|s|ing)?|skyrocket(?:ed|s|ing)?"
       r"|expand(?:ed|s|ing)?|expansion|rais(?:e|ed|es|ing)|boost(?:ed|s|ing)?|add(?:ed|s|ing)?|additional"
       r"|advanc(?:e|ed|es|ing)|rebound(?:ed|s|ing)?|spik(?:e|ed|es|ing)|hik(?:e|ed|es|ing)|widen(?:ed|s|ing)?"
       r"|accelerat(?:e|ed|es|ing)|doubl(?:e|ed|es|ing)|tripl(?:e|ed|es|ing)|swell(?:ed|s)?|swollen"
       r"|appreciat(?:e|ed|es|ing)|strengthen(?:ed|s|ing)?|revalu(?:e|ed|es|ing)")


_DOWN = (r"decreas(?:e|ed|es|ing)|lower|detract(?:ed|s|ing)?|declin(?:e|ed|es|ing)|f(?:ell|all|allen|alls|alling)|drop(?:ped|s|ping)?"
         r"|plummet(?:ed|s|ing)?|plung(?:e|ed|es|ing)|slump(?:ed|s|ing)?|sl(?:id|ide|ides|iding)"
         r"|s(?:ank|ink|inks|unk|inking)|tumbl(?:e|ed|es|ing)|reduc(?:e|ed|es|ing|tion|tions)|down|cut(?:s|ting)?"
         r"|contract(?:ed|s|ing|ion)|shr(?:ank|ink|inks|unk|inking)|lower(?:ed|ing)|slash(?:ed|es|ing)?"
         r"|dip(?:ped|s)?|eas(?:ed|ing)|retreat(?:ed|s|ing)?|narrow(?:ed|s|ing)?|dwindl(?:e|ed|es|ing)"
         r"|collaps(?:e|ed|es|ing)|shed|halv(?:e|ed|es|ing)"
         r"|depreciat(?:e|ed|es|ing)|devalu(?:e|ed|es|ing)|weaken(?:ed|s|ing)?|soften(?:ed|s|ing)?|slip(?:ped|s|ping)?")


_UP_RE = re.compile(rf"^(?:{_UP})$", re.IGNORECASE)


_DOWN_RE = re.compile(rf"^(?:{_DOWN})$", re.IGNORECASE)


_CHANGE_WORD = re.compile(rf"\b(?:{_UP}|{_DOWN})\b", re.IGNORECASE)


_VERB_BEFORE = re.compile(
    rf"\b(?P<w>{_UP}|{_DOWN})(?:\s+(?:\w+ly|each|about|only|just|another|a\s+further|an\s+additional))?(?:\s+by)?\s+$",
    re.IGNORECASE,
)


_CHANGE_NOUNS = (r"increase|increases|rise|rises|falls|gain|gains|growth|jump|surge|hike|expansion|additional|decline|decrease"
                 r"|drop|fall|reduction|cut|contraction|slump|plunge|slide|declines|decreases|drops|cuts")


_NOUN_AFTER = re.compile(
    rf"(?:[ \t\u00a0]*-|[ \t\u00a0]+)(?:(?!(?:of|in|to|than|and|or|from|the|for|on|at|by|with|as|is|was)\b)[a-z][\w-]*\s+){{0,2}}(?P<w>{_CHANGE_NOUNS})\b",
    re.IGNORECASE,
)


_NOUN_BEFORE_OF = re.compile(
    rf"\b(?P<w>{_CHANGE_NOUNS}|increased|decreased)\b(?:\s+(?:in|of|for|to)\b[^.;:\d$%]{{0,60}}?)?(?:[^.;:,\d$%]{{0,50}}?)\s+of\s+$",
    re.IGNORECASE,
)


_TIME_REF = (rf"(?:same|previous|prior|preceding|last|a\s+year|a\s+month|a\s+week|the\s+year|year-ago|month-ago"
             rf"|(?:{_MONTHS})\b|[12][0-9]{{3}}\b)")


_THAN_TIME = re.compile(
    rf"\)?(?:[ \t\u00a0]*\([^()\n]{{1,24}}\))?[ \t\u00a0]+(?P<w>more|less|higher|lower|greater|fewer|above|below)(?:\s+\w+)?\s+than"
    rf"(?:\s+(?!(?:while|whereas|but|and)\b)[\w’']+){{0,5}}?\s+(?:(?:the|in|for|at|on)\s+){{0,2}}{_TIME_REF}"
    rf"|[ \t\u00a0]+(?P<w2>above|below)\s+(?:the\s+|in\s+)?{_TIME_REF}",
    re.IGNORECASE,
)


_TO_FROM_BEFORE = re.compile(r"\b(?:to|from|at)\s+$", re.IGNORECASE)


_COMPARED_BEFORE = re.compile(r"\b(?:compared\s+(?:to|with)|as\s+against|versus|vs\.?|against)\s+$", re.IGNORECASE)


_BY_BEFORE = re.compile(r"\bby\s+$", re.IGNORECASE)
_OF_BEFORE = re.compile(r"\bof\s+$")


_YEAR_IN_GAP = re.compile(r"\b(?:in|during|for)\s+(?:[12][0-9]{3}|the\s+(?:first|second|third|fourth)\s+quarter)\b")


_INHERIT_BLOCK = re.compile(
    r"[.;:!?](?:\s|$)|\n\s*\n|\b(?:while|whereas|but|which|who|that|although|though|compared|versus|vs|than|from|to|at"
    r"|reaching|bringing|with|has|have|had|was|were|is|are|be|been|will|would|of)\b|\b\w+(?:ed|ing)\b|[$%\d]",
    re.IGNORECASE,
)


_MORE_AFTER = re.compile(r"[ \t\u00a0]+(?P<w>more|fewer|less)\b(?![ \t\u00a0]+than\b)", re.IGNORECASE)


def _direction(word: str) -> str | None:
    """'up' / 'down' for a change word."""
    w = word.lower()
    if _UP_RE.match(w):
        return "up"
    if _DOWN_RE.match(w):
        return "down"
    return None


def _noun_direction(word: str) -> str:
    """'up' / 'down' for a change noun ("increase", "decline", "additional")."""
    w = word.lower()
    if w.startswith(("decl", "decr", "drop", "fall", "red", "cut", "contr", "slump", "plung", "slid")):
        return "down"
    return "up"


def _own_change(text: str, c: _Cand) -> tuple[str | None, bool]:
    """The change direction cued in the quantity's own clause; second item True when settled."""
    s = c.cmp_start if c.cmp_start is not None else c.start
    before = text[max(0, s - 60):s]
    nx = text[c.end:c.end + 1]  # the after-number cues start with a blank, "-", "(" or ")"
    lead = nx != "" and nx in " \t\u00a0-()"
    blank_after = lead and nx in " \t\u00a0"
    m = _NOUN_AFTER.match(text, c.end, min(len(text), c.end + 60)) if lead and nx not in "()" else None
    if m:
        return _noun_direction(m["w"]), True
    if blank_after and _NEW_AFTER.match(text, c.end, min(len(text), c.end + 30)):
        return "up", True  # "$119 million in new assistance"
    m = _MORE_AFTER.match(text, c.end, min(len(text), c.end + 20)) if blank_after else None
    if m and (c.unit in (None, "count") or c.unit in UNIT_CURRENCIES):
        return ("down" if m["w"].lower() in ("fewer", "less") else "up"), True
    blank = before[-1:].isspace()  # every cue pattern before the number ends in a blank: skip them cheaply
    w0 = _last_word_at(before) if blank else 0
    if blank and _COMPARED_BEFORE.search(before):
        return "inherit", True
    if blank and _TO_FROM_BEFORE.search(before, w0):
        return None, True
    m = _VERB_BEFORE.search(before) if blank else None
    if m:
        if c.cmp in (">", "<") and text[c.cmp_start:c.cmp_start + 5].lower().startswith(("above", "below", "under", "benea")):
            return None, True  # "raised above zero": a level reached
        return _direction(m["w"]), True
    if blank and _BY_BEFORE.search(before, w0):
        clause = _clause_before(text, s - 3)
        words = _CHANGE_WORD.findall(clause)
        if words:
            return _direction(words[-1]), True
        return None, True
    if blank and _OF_BEFORE.search(before, w0):
        m = _NOUN_BEFORE_OF.search(_clause_before(text, s, 110))
        if m:
            return _noun_direction(m["w"]), True
    m = _THAN_TIME.match(text, c.end, min(len(text), c.end + 80)) if lead and nx != "-" else None
    if m:
        w = (m["w"] or m["w2"]).lower()
        return ("up" if w in ("more", "higher", "greater", "above") else "down"), True
    return None, False


_RATE_TOPIC = re.compile(
    r"\b(?P<g>inflation|deflation|growth|growing|grow|grew|grown)\b"
    r"|\b(?P<o>unemployment|employment|participation|interest|cash|policy|bank|share|proportion|yield|deficit|debt|saving"
    r"|savings|target|targets|of\s+GDP|vacancy|tax|margin)\b",
    re.IGNORECASE,
)


_GOAL_WORD = re.compile(r"\b(?:target\w*|objective|goal|defin(?:e|ed|es|ition)|mandate|towards?|longer\s+run)\b",
                        re.IGNORECASE)
_NEW_AFTER = re.compile(r"[ \t\u00a0]+(?:in|of)[ \t\u00a0]+(?:new|additional|extra|fresh|further)\b", re.IGNORECASE)
_LEVEL_SIGNED = frozenset({"degrees_celsius", "degrees_fahrenheit"})
_BALANCE = re.compile(r"\b(?:surplus|surpluses|deficit|deficits|balance)\b", re.IGNORECASE)


_PRONOUN = re.compile(r"\b(?:it|which)\b", re.IGNORECASE)


def _rate_of_change(text: str, c: _Cand) -> bool:
    """Whether a percentage is an inflation or growth rate (a rate of change by the shared convention)."""
    s = c.cmp_start if c.cmp_start is not None else c.start
    clause = _clause_before(text, s, 200)
    last = None
    for m in _RATE_TOPIC.finditer(clause):
        last = m
    if last is None and _PRONOUN.search(clause):
        # "Inflation picked up in October. It is expected to average 2.6%": the topic of the sentence before
        before = _clause_before(text, max(0, s - len(clause) - 1), 250)
        for m in _RATE_TOPIC.finditer(before):
            last = m
    if last is None or not last["g"] or _GOAL_WORD.search(clause):
        return False
    return not (re.match(r"\s*of\b", text[c.end:c.end + 12]) or _GOAL_WORD.search(text, c.end, c.end + 25))


def _changes(text: str, quants: list[_Cand]) -> None:
    """Set `change` from the governing verb or noun; coordinated figures inherit ("$15.7 billion (7.0 percent)")."""
    prev: _Cand | None = None
    for i, c in enumerate(quants):
        if c.sign and c.currency and _BALANCE.search(_clause_before(text, c.start, 160)):
            c.change = None  # "+€19.1 bn" surplus, "€-9.4 bn" deficit: a signed balance is a level
            prev = c
            continue
        if c.sign and c.unit in _LEVEL_SIGNED:
            c.change = None  # "-5 °C": a temperature below zero is a level
            prev = c
            continue
        if (c.sign and c.base != 0) or "mult-up" in c.notes:
            c.change = "down" if c.sign == "-" else "up"
            prev = c
            continue
        d, settled = _own_change(text, c)
        if d == "inherit":
            # "rose 3.1 percent, compared with 2.8 percent": the benchmark is the same kind of change
            d = None
            for p in reversed(quants[max(0, i - 4):i]):
                if p.unit == c.unit and not _SENT_START.search(text, p.end, c.start):
                    d = p.change
                    break
        if not settled and prev is not None and prev.change is not None:
            s = c.cmp_start if c.cmp_start is not None else c.start
            gap = _YEAR_IN_GAP.sub(" ", text[prev.end:s])
            if len(gap) <= 60 and not _INHERIT_BLOCK.search(gap):
                d = prev.change
        if d is None and c.unit == "percent" and _rate_of_change(text, c):
            d = "up"
        c.change = d
        prev = c
    for a, b in zip(quants, quants[1:]):
        if a.in_range and b.in_range and a.low == b.low and a.high == b.high:
            a.change = b.change = a.change or b.change
