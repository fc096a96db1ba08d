"""What a figure measures: the phrase naming it, as an exact span of the document.

"The unemployment rate edged down 0.1 percentage points to 5.2%" -> "unemployment rate";
"Exports to China rose 47%" -> "Exports to China"; "a defense budget of 6.7% of GDP" -> "defense budget";
"45% of Europe's crude oil" -> "Europe's crude oil"; "fewer than 400 diplomats" -> "diplomats".
The phrase is the open vocabulary an analyst can query, and the first input of indicator classification.
Rules are tried in order; each returns a (start, end) span or None.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

_WORD = re.compile(r"\[\d{1,2}\]|\([A-Z][A-Za-z.]{0,5}\)|[A-Za-z][A-Za-z’'-]*(?:\.[A-Z]\.?)*|\d[\d,.]*|[^\sA-Za-z\d]")
# Verbs of level and change and auxiliaries: they end the phrase (walking left) and are never part of it.
_VERBS = frozenset("""
is was were are be been being has have had will would could may might can should must do does did
rose risen rise rises fell fallen fall falls grew grown grow grows stood stand stands reach reaches hit hits
remained remain remains came come comes increase increases decrease decreases decline declines
drop drops climb rises shrank slowed expand expands contract contracts average averages estimate forecast
forecasts seen set put puts shows showed drift drifts ease edge tick peak settle return stay amounts represent represents account accounts make makes made led cut include includes
""".split())
# Verbs whose object is the measured amount: a figure right after them is named by what follows it
# ("approving over $113 billion in military aid"), unlike verbs of level and change ("exports rose 47%").
_LEVEL_VERBS = frozenset("""increased decreased declined dropped climbed jumped surged soared plunged plummeted edged
ticked slowed eased expanded contracted narrowed widened accelerated decelerated collapsed reduced totalled
totaled averaged amounted reached rising falling growing increasing decreasing declining reaching totalling
averaging amounting standing remaining dropping climbing jumping surging soaring collapsing expected projected
forecasted estimated seen""".split())
# Prepositions and determiners may sit inside the phrase ("number of deployed forces", "exports to China").
_PREPS = frozenset("of to in from with between for on into toward towards among".split())
_DETERMINERS = frozenset("the a an its their his her this these those our".split())
# Comparators and adverbs between the phrase and the number.
_ADVERBS = frozenset("""up down by at around about approximately nearly almost roughly some over under above below more
less than fewer just only still also further again steady unchanged record high low slightly sharply since worth
additional another extra new most
estimated expected projected an""".split())
# Nouns ending in -ing that econ prose uses as the measured thing (not participles).
_ING_NOUNS = frozenset("spending borrowing lending funding financing processing housing manufacturing mining "
                       "building shipping banking trading earnings savings holdings pricing refining ceiling".split())
# Words that end the phrase going left: conjunctions, relatives, clause openers.
_STOP = frozenset("and or but while whereas although though as when after before since if because "
                  "who whom whose which that where than then prior ago earlier later".split())
_PRONOUNS = frozenset("it they there this he she we you i one".split())
_MAX_WORDS = 12
_BOUNDARY = re.compile(r"[,;:()\[\]—–]")
_YEAR = re.compile(r"(?:19|20)\d\d[,.]?")


def _verbish(w: str) -> bool:
    lw = w.lower()
    return lw in _VERBS or (lw.endswith("ing") and len(lw) > 5 and lw not in _ING_NOUNS)


def _glue(w: str) -> bool:
    lw = w.lower()
    return lw in _PREPS or lw in _DETERMINERS or lw in _ADVERBS or _verbish(w) or (lw.endswith("ed") and len(lw) > 4)


@dataclass(frozen=True, slots=True)
class Where:
    """A figure in its clause: document text, the mention's span and the clause's span."""

    text: str
    start: int
    end: int
    clause: tuple[int, int]
    unit: str
    measure: str | None
    prev_end: int = -1  # end of the previous figure in the clause (the phrase never reaches past it)
    prev_measured: tuple[int, int] | None = None  # that figure's measured span


def _words(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text, lo, hi)]


def _trim(ws: list[tuple[int, int, str]]) -> tuple[int, int] | None:
    """The span of a word run without leading or trailing prepositions and determiners; None if empty."""
    edge = _PREPS | _DETERMINERS
    while ws and ws[0][2].lower() in edge:
        ws = ws[1:]
    while ws and (ws[-1][2].lower() in edge or _time_word(ws[-1][2])):
        ws = ws[:-1]
    if not ws or not any(w[2][0].isalpha() for w in ws):
        return None
    return ws[0][0], ws[-1][1]


_MONTHS = frozenset("january february march april may june july august september october november december".split())


def _time_word(w: str) -> bool:
    return bool(_YEAR.fullmatch(w)) or w.lower() in _MONTHS or bool(_FOOTNOTE.fullmatch(w))


def _phrase_word(w: str) -> bool:
    """A word that may be part of a measured phrase."""
    lw = w.lower()
    return w[0].isalpha() and lw not in _STOP and lw not in _ADVERBS and lw not in _PRONOUNS and not _verbish(w)


_FOOTNOTE = re.compile(r"\[\d{1,2}\]|\([A-Z][A-Za-z.]{0,5}\)")  # "[1]", "(UK)": no boundary


def _left_limit(w: Where) -> int:
    """Where the phrase before the number may start: the clause start or the last boundary mark before it
    (a footnote marker such as "[1]" is no boundary)."""
    lo = max(w.clause[0], w.prev_end)
    for m in _BOUNDARY.finditer(w.text, lo, w.start):
        if m.group() in "[]()" and any(f.start() <= m.start() < f.end()
                                           for f in _FOOTNOTE.finditer(w.text, max(0, m.start() - 8), m.end() + 8)):
            continue
        lo = m.end()
    return lo


def noun_before(w: Where) -> tuple[int, int] | None:
    """The noun phrase before the verb or preposition that leads to the number: "unemployment rate edged down".
    Walking left from the number: skip glue words (verbs, prepositions, comparators), then take phrase words."""
    ws = _words(w.text, _left_limit(w), w.start)
    i = len(ws)
    while i > 0 and _glue(ws[i - 1][2]):
        i -= 1
    j = i
    while j > 0 and i - j < _MAX_WORDS:
        t = ws[j - 1][2]
        joined = t.lower() in ("and", "or") and j > 1 and j < i and _phrase_word(ws[j - 2][2])  # "India and China"
        noun_ing = t.lower().endswith("ing") and j > 1 and ws[j - 2][2].lower() in _DETERMINERS  # "a ceiling price"
        inner = _time_word(t)  # "exports of goods in March 2024 were", "products[1] rose", "Kingdom (UK) declined"
        inner |= t.lower() in ("that", "this") and j > 1 and ws[j - 2][2].lower() in _PREPS  # "to that country"
        if not (joined or noun_ing or inner or _phrase_word(t)):
            break
        j -= 1
        if t.lower() in _DETERMINERS and not (j > 0 and ws[j - 1][2].lower() in _PREPS):
            break  # "In Canada the unemployment rate": a determiner opens the phrase unless a preposition governs it
    return _trim(ws[j:i]) if j < i else None


_CHANGE_NOUN = r"(?:increase|decrease|decline|rise|drop|reduction|growth|fall|jump|surge|gain|cut)"
_OPENER = re.compile(r"\s*(?:(?:a|per|each)\s+(?:year|month|quarter)\s+|annually\s+)?(?:(?:" + _CHANGE_NOUN
                     + r"|\w+ed|spent|paid|lent|sent|given)\s+)?(?:of|in|on|for|into)\s", re.I)


_TIME_AFTER = re.compile(r"\s*(?:in|during|for)\s+(?:(?:the\s+)?(?:fiscal|financial|calendar)\s+year|FY)\s*(?:19|20)\d\d\b"
                         r"|\s*(?:in|during)\s+(?:(?:January|February|March|April|May|June|July|August|September|"
                         r"October|November|December)\s+)?(?:19|20)\d\d\b", re.I)


def amount_in(w: Where) -> tuple[int, int] | None:
    """"$348 million in humanitarian assistance", "72.5 MMT of wheat": an amount of something (a percentage
    followed by "of" is a share: see share_base)."""
    if w.unit in ("percent", "percentage_points", "basis_points", "count"):
        return None
    return noun_after(w) if re.match(r"\s+(?:in|of)\s", _TIME_AFTER.sub("", w.text[w.end:w.end + 60], count=1)) else None


def noun_after(w: Where) -> tuple[int, int] | None:
    """The phrase right after the number: the counted noun ("400 diplomats"), an of/in phrase ("45% of Europe's
    crude oil", "$113 billion in military aid", "$120 billion spent on military operations") or the object of
    a change noun ("a 150% increase in U.S. LNG exports")."""
    hi = w.clause[1]
    m = re.compile(r"[,;:()\[\]—–]|(?<!\d)(?!(?:19|20)\d\d\b)\d").search(w.text, w.end, hi)
    stop = m.start() if m else hi
    pos = w.end
    t = _TIME_AFTER.match(w.text, pos, stop)
    if t:  # "$132 million in fiscal year 2012 in humanitarian assistance"
        pos = t.end()
    op = _OPENER.match(w.text, pos, stop)
    if op is None and (w.unit != "count" or pos != w.end):
        return None  # only a count names its noun right after the number ("400 diplomats")
    ws = _words(w.text, op.end() if op else pos, stop)
    while ws and ws[0][2].lower() in _ADVERBS:  # "in additional humanitarian assistance"
        ws = ws[1:]
    if op is None and ws and ws[0][2].lower() in _PREPS:
        return None  # "40,000 in 2023 to counter ...": no counted noun
    out = []
    for k, (s, e, t) in enumerate(ws[:_MAX_WORDS]):
        joined = t.lower() in ("and", "or") and k + 1 < len(ws) and _phrase_word(ws[k + 1][2])  # "military and humanitarian aid"
        inner = k > 0 and t.lower() in _PREPS | _DETERMINERS | {"under", "against", "across"}
        if not (joined or inner or _phrase_word(t)) or t.lower() in ("since", "during"):
            break
        out.append((s, e, t))
    return _trim(out)


def change_object(w: Where) -> tuple[int, int] | None:
    """"a 150% increase in U.S. LNG exports": the thing whose change the number is."""
    return noun_after(w) if re.match(r"\s*" + _CHANGE_NOUN + r"\s+(?:in|of)\s", w.text[w.end:w.end + 20], re.I) else None


_ACTION_VERBS = frozenset("spent paid lent sent gave authorizes authorises provides allocates approves pledges spends "
                          "funds includes include sends grants commits earmarks give provide send pledge "
                          "allocate approve spend".split())


def of_which(w: Where) -> tuple[int, int] | None:
    """"$18 billion in assistance, about two-thirds of which ...": a share of the figure before it."""
    if w.prev_measured is None or not re.match(r"\s+of\s+(?:which|whom|this|that)\b", w.text[w.end:w.end + 14]):
        return None
    return w.prev_measured


def object_after_verb(w: Where) -> tuple[int, int] | None:
    """"Congress approving over $113 billion in military aid", "spent $5 billion on roads": after an action
    verb the amount is named by the phrase that follows it."""
    ws = _words(w.text, _left_limit(w), w.start)
    i = len(ws)
    while i > 0 and ws[i - 1][2].lower() in _ADVERBS | _DETERMINERS:
        i -= 1
    if i == 0:
        return None
    v = ws[i - 1][2].lower()
    action = v.endswith(("ed", "ing")) or v in _ACTION_VERBS
    if not action or v in _LEVEL_VERBS or v in _ING_NOUNS or v in _VERBS:
        return None
    return noun_after(w)


def relative_head(w: Where) -> tuple[int, int] | None:
    """"Bilateral trade volume, which stood at $38.1 billion": the noun the relative clause hangs on."""
    ws = _words(w.text, max(w.clause[0], w.prev_end), w.start)
    for k in range(len(ws) - 1, 0, -1):
        if ws[k][2].lower() in ("which", "that", "who") and ws[k - 1][2] == ",":
            if all(_glue(t) for _, _, t in ws[k + 1:]):
                head = Where(w.text, ws[k - 1][0], ws[k - 1][0], w.clause, w.unit, w.measure, w.prev_end)
                return noun_before(head)
            return None
        if ws[k][2] == ":" and all(_glue(t) for _, _, t in ws[k + 1:]):
            # "U.S. exports of wheat: Increased by $6.9 billion": the label before the colon
            return noun_before(Where(w.text, ws[k][0], ws[k][0], w.clause, w.unit, w.measure, w.prev_end))
    return None


_MODIFIED = re.compile(r"(?:\s*[–-]\s*\d[\d.,]*\s*(?:per cent|percent|%))?\s+((?:[A-Za-z][\w-]*\s+){0,3}"
                       r"[A-Za-z][\w-]*)")


def number_as_modifier(w: Where) -> tuple[int, int] | None:
    """"the 2–3 per cent target range", "a 25% tariff": a figure between a determiner and a noun measures
    that noun."""
    ws = _words(w.text, max(w.clause[0], w.start - 30), w.start)
    i = len(ws)
    while i > 0 and ws[i - 1][2].lower() in _ADVERBS - _DETERMINERS - {"a", "an", "the"}:
        i -= 1
    if not (i > 0 and ws[i - 1][2].lower() in _DETERMINERS) or w.unit not in ("percent", "percentage_points"):
        return None
    m = _MODIFIED.match(w.text, w.end, w.clause[1])
    if not m or re.match(_CHANGE_NOUN + r"\b", m.group(1), re.I):
        return None  # "a near 80% reduction": the change of the figure before (chained_figure)
    out = []
    for s, e, t in _words(w.text, m.start(1), m.end(1)):
        if not _phrase_word(t) or t.lower() in _PREPS:
            break
        out.append((s, e, t))
    return _trim(out)


def share_base(w: Where) -> tuple[int, int] | None:
    """For a share, the whole it is a part of: "45% of Europe's crude oil"."""
    return noun_after(w) if w.measure == "share" and re.match(r"\s+(?:of|for)\s", w.text[w.end:w.end + 5]) else None


def counted_noun(w: Where) -> tuple[int, int] | None:
    """For a count, the noun counted: "fewer than 400 diplomats"."""
    return noun_after(w) if w.unit == "count" else None


def chained_figure(w: Where) -> tuple[int, int] | None:
    """A figure joined to the previous one by glue only ("down 0.1 percentage points to 5.2%", "from $38.1
    billion to $8.5 billion") measures the same thing."""
    if w.prev_measured is None or w.prev_end < 0:
        return None
    gap = [t for _, _, t in _words(w.text, w.prev_end, w.start)]
    if all(_glue(g) or _time_word(g) or g in "()+-–;," or g.lower() in ("and", "quarter", "year", "month", "half")
           for g in gap):
        return w.prev_measured
    return None


def earlier_value(w: Where) -> tuple[int, int] | None:
    """"70% of trade in 2023, a dramatic shift from just 23% in 2019": the earlier value of the figure before."""
    if w.prev_measured is None or w.prev_end < 0:
        return None
    if re.search(r"\b(?:shift|change|move|rise|increase|decline|drop|fall|up|down)\s+from\s+(?:just\s+|only\s+)?$",
                 w.text[w.prev_end:w.start]):
        return w.prev_measured
    return None


def duration_object(w: Where) -> tuple[int, int] | None:
    """A duration is named by what it is the time for: "over 300 days for a visa appointment"."""
    return noun_after(w) if w.unit in ("days", "months", "years") else None


def lead_word(text: str, start: int) -> int:
    """Start of the word right before a number, past comparators and determiners ("exported over 5 million")."""
    ws = _words(text, max(0, start - 60), start)
    i = len(ws)
    while i > 0 and ws[i - 1][2].lower() in _ADVERBS | _DETERMINERS:
        i -= 1
    return ws[i - 1][0] if i > 0 and ws[i - 1][2][0].isalpha() else start


def across_comma(w: Where) -> tuple[int, int] | None:
    """"trimmed mean inflation, the Bank's preferred measure, was 2.9 per cent": with only a verb between
    the last comma and the number, the phrase is the one before that comma (last resort)."""
    ws = _words(w.text, max(w.clause[0], w.prev_end), w.start)
    for k in range(len(ws) - 1, -1, -1):
        if ws[k][2] in ",;:()":
            if ws[k][2] == "," and k + 1 < len(ws) and all(_glue(t) for _, _, t in ws[k + 1:]):
                return noun_before(Where(w.text, ws[k][0], ws[k][0], w.clause, w.unit, w.measure, w.prev_end))
            return None
    return None


RULES: tuple[Callable[[Where], tuple[int, int] | None], ...] = (of_which, share_base, number_as_modifier, earlier_value, counted_noun, duration_object, change_object, amount_in, object_after_verb, relative_head, noun_before,
    chained_figure, noun_after, across_comma)


_QUALIFIER = re.compile(r"(?:excluding|excl\.|except|other than|apart from|ex-)\s[^,;:]{1,60},\s*(?:the\s+)?$", re.I)


def with_qualifier(text: str, span: tuple[int, int], clause_start: int) -> tuple[int, int]:
    """"excluding cigarettes and tobacco, the CPI fell 0.1 percent": the exclusion is part of what is measured."""
    head = text[clause_start:span[0]]
    m = _QUALIFIER.search(head)
    return (clause_start + m.start(), span[1]) if m else span


def measured_phrase(w: Where) -> tuple[int, int, str] | None:
    """(start, end, rule name) of the phrase naming what the figure measures, or None."""
    for rule in RULES:
        span = rule(w)
        if span is not None:
            s, e = with_qualifier(w.text, span, w.clause[0])
            return s, e, rule.__name__
    return None
