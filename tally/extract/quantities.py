"""Find every quantity in a text and normalize it (value in base units, unit code, comparator, change).

The engine is rule based and linear in the input: one scan finds number tokens (digits, number words,
fractions, vague multiples), then short anchored regexes read the unit and scale to the right and the
currency sign, comparator and change cue to the left. Every look-around works on a bounded window, so
no pattern can backtrack over more than a few dozen characters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from tally.extract.units import (CURRENCIES as UNIT_CURRENCIES, CUR_BEFORE, DURATIONS, H as _H, SP as _SP, UNIT_CODES,
                                 currency_before, read_rate, unit_after)

EXTRACTOR_VERSION = "2.0.0"
MAX_DIGITS = 30  # longer digit strings are refused: no measured quantity is written with more digits


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


# --------------------------------------------------------------------------- vocabulary

_ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}
_SCALES = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "k": 1e3, "mn": 1e6, "mln": 1e6, "mm": 1e6, "m": 1e6, "bn": 1e9, "bln": 1e9, "b": 1e9,
    "tn": 1e12, "trn": 1e12, "t": 1e12, "lakh": 1e5, "crore": 1e7,
}
_FRACTIONS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4,
    "fourths": 4, "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "seventh": 7, "sevenths": 7,
    "eighth": 8, "eighths": 8, "ninth": 9, "ninths": 9, "tenth": 10, "tenths": 10,
}
_VAGUE = {"dozens": 12, "tens": 10, "hundreds": 1e2, "thousands": 1e3, "millions": 1e6,
          "billions": 1e9, "trillions": 1e12}

_ONES_RX = "|".join(sorted(_ONES, key=len, reverse=True))
_TENS_RX = "|".join(_TENS)
_ONE_9 = "one|two|three|four|five|six|seven|eight|nine"
_FRAC_RX = "|".join(sorted(_FRACTIONS, key=len, reverse=True))
_WORD_NUM = rf"(?:(?:{_TENS_RX})(?:-(?:{_ONE_9}))?|{_ONES_RX})(?:\s(?:and\s)?hundred(?:\s(?:and\s)?(?:(?:{_TENS_RX})(?:-(?:{_ONE_9}))?|{_ONES_RX}))?)?"

# The one scan: each alternative is a number token; the order matters (fractions before words).
# Two scans (digits, then words): one alternation over both is several times slower in `re`.
_DIGIT_TOKEN = re.compile(
    r"(?<![\w.])(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+(?![0-9]|[ \u00a0][0-9])|[0-9]+)"
    r"(?:\.[0-9]+)?(?![0-9])")
_WORD_TOKEN = re.compile(
    r"(?<![A-Za-z])(?=[ZOTFSENHADMBQzotfsenhadmbq])(?:"
    r"(?P<m>(?:doubl|tripl|quadrupl)(?:ed|es|ing)|twice|thrice)\b|"
    rf"(?P<f>(?:(?:{_ONE_9}|a)[- ](?:{_FRAC_RX})|half)\b)"
    r"|(?P<v>(?:tens|hundreds|dozens)\s+of\s+(?:thousands|millions|billions)\b"
    r"|(?:dozens|hundreds|thousands|millions|billions|trillions)\b(?=\s+of\b))"
    rf"|(?P<r>(?:{_ONE_9}|ten)\s+(?:in|out\s+of)\s+(?:{_TENS_RX}|{_ONES_RX}|a\s+hundred)\b)"
    rf"|(?P<x>(?:{_TENS_RX}|{_ONES_RX})fold\b)"
    r"|(?P<a>a(?=\s(?:hundred|thousand|million|billion|trillion)\b))"
    rf"|(?P<w>{_WORD_NUM}\b(?:\s+dozen\b)?|(?:a\s+)?dozen\b))",
    re.IGNORECASE,
)


_SLASH_FRACTION = re.compile(
    r"(?<![\w./])(?:(?P<whole>[0-9]{1,3})(?:-|[ \u00a0]))?(?P<n>[0-9]{1,2})/(?P<d>2|3|4|8|16|32)(?![\w/.]|,[0-9])")
_MULTIPLES = {"doubl": 2.0, "tripl": 3.0, "quadr": 4.0, "twice": 2.0, "thric": 3.0}


def _token_matches(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, token) for every number token, digits and words merged in text order."""
    out = [(m.start(), m.end(), "d", m.group()) for m in _DIGIT_TOKEN.finditer(text)]
    if "/" in text:
        fracs = [(m.start(), m.end(), "q", m.group()) for m in _SLASH_FRACTION.finditer(text)
                 if int(m["n"]) < int(m["d"])]
        if fracs:
            spans = [(a, b) for a, b, _k, _g in fracs]
            out = [t for t in out if not any(a <= t[0] < b for a, b in spans)] + fracs
    out += [(m.start(), m.end(), m.lastgroup or "w", m.group()) for m in _WORD_TOKEN.finditer(text)]
    out.sort()
    return out



_SCALE_ATTACHED = re.compile(r"(?:bn|mn|mln|bln|tn|trn|MM|k|K|m|M|b|B)(?![A-Za-z])")
_SCALE_WORD = re.compile(
    rf"(?:{_SP}|{_H}?-{_H}?)(?P<s>(?i:hundred|thousand|million|billion|trillion|mn|mln|bn|bln|tn|trn|lakh|crore))(?![A-Za-z])"
)

_CMP_PHRASES = [
    (r"(?:slightly|just|well|far|significantly|substantially|considerably|comfortably)\s+(?:over|above|more\s+than|in\s+excess\s+of)", ">"),
    (r"(?:slightly|just|well|far)\s+(?:under|below|less\s+than|short\s+of)", "<"),
    (r"more\s+than|greater\s+than|higher\s+than|over|above|exceeding|exceeded|exceeds|exceed|surpassing|surpassed|surpasses"
     r"|in\s+excess\s+of|upwards?\s+of|north\s+of|topping|topped", ">"),
    (r"at\s+least|no\s+less\s+than|not\s+less\s+than|a\s+minimum\s+of|no\s+fewer\s+than|not\s+fewer\s+than", ">="),
    (r"up\s+to|at\s+most|no\s+more\s+than|not\s+more\s+than|a\s+maximum\s+of|as\s+many\s+as|as\s+much\s+as|as\s+high\s+as", "<="),
    (r"fewer\s+than|less\s+than|lower\s+than|below|under|beneath|short\s+of", "<"),
    (r"an\s+estimated|estimated|approximately|approx\.|about|around|roughly|nearly|almost|near|some|close\s+to|circa|ca\."
     r"|on\s+the\s+order\s+of|in\s+the\s+region\s+of|an\s+approximate", "~"),
]
_CMP_OF = {}
for _rx, _c in _CMP_PHRASES:
    for _alt in _rx.split("|"):
        _CMP_OF[re.sub(r"\\s\+", " ", _alt)] = _c
_CMP_BEFORE = re.compile(
    r"(?<![\w.])(?P<c>" + "|".join(rx for rx, _ in _CMP_PHRASES) + r")\s{1,3}$", re.IGNORECASE
)
_NEGATED = re.compile(r"(?:\bnot|n't|\bnever|\bno)\s+(?:\w+\s+)?$", re.IGNORECASE)
_PEAK_VERB = r"was|were|is|are|been|be|went|go|goes|going|gone|pick|picks|picked|picking|tick|ticks|ticked|ticking|edging|creeping|moving|heading|headed|climbed|rose|risen|rising|jumped|shot|moved|spiked|soared|surged|increased|edged|crept|ran|run|running|traded"
_PEAK_BEFORE = re.compile(rf"\b(?:{_PEAK_VERB})\s+(?:\w+ly\s+)?$", re.IGNORECASE)
_PEAK_IN_CLAUSE = re.compile(rf"\b(?:went|rose|climbed|spiked|soared|surged|jumped|shot)\b", re.IGNORECASE)

_UP = (r"increas(?:e|ed|es|ing)|r(?:ose|ise|isen|ises|ising)|gr(?:ew|own|ow|ows|owing|owth)|gain(?:ed|s|ing)?|up"
       r"|climb(?:ed|s|ing)?|jump(?:ed|s|ing)?|surg(?:e|ed|es|ing)|soar(?:ed|s|ing)?|skyrocket(?:ed|s|ing)?"
       r"|expand(?:ed|s|ing)?|expansion|rais(?:e|ed|es|ing)|boost(?:ed|s|ing)?|add(?:ed|s|ing)?|additional"
       r"|advanc(?:e|ed|es|ing)|rebound(?:ed|s|ing)?|spik(?:e|ed|es|ing)|hik(?:e|ed|es|ing)|widen(?:ed|s|ing)?"
       r"|accelerat(?:e|ed|es|ing)|doubl(?:e|ed|es|ing)|tripl(?:e|ed|es|ing)|swell(?:ed|s)?|swollen")
_DOWN = (r"decreas(?:e|ed|es|ing)|detract(?:ed|s|ing)?|declin(?:e|ed|es|ing)|f(?:ell|all|allen|alls|alling)|drop(?:ped|s|ping)?"
         r"|plummet(?:ed|s|ing)?|plung(?:e|ed|es|ing)|slump(?:ed|s|ing)?|sl(?:id|ide|ides|iding)"
         r"|s(?:ank|ink|inks|unk|inking)|tumbl(?:e|ed|es|ing)|reduc(?:e|ed|es|ing|tion|tions)|down|cut(?:s|ting)?"
         r"|contract(?:ed|s|ing|ion)|shr(?:ank|ink|inks|unk|inking)|lower(?:ed|ing)|slash(?:ed|es|ing)?"
         r"|dip(?:ped|s)?|eas(?:ed|ing)|retreat(?:ed|s|ing)?|narrow(?:ed|s|ing)?|dwindl(?:e|ed|es|ing)"
         r"|collaps(?:e|ed|es|ing)|shed|halv(?:e|ed|es|ing)")
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
_MONTHS = (r"jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|aug(?:ust|\.)?"
           r"|sep(?:t(?:ember|\.)?|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?")
_TIME_REF = (rf"(?:same|previous|prior|preceding|last|a\s+year|a\s+month|a\s+week|the\s+year|year-ago|month-ago"
             rf"|(?:{_MONTHS})\b|[12][0-9]{{3}}\b)")
_THAN_TIME = re.compile(
    rf"[ \t\u00a0]+(?P<w>more|less|higher|lower|greater|fewer|above|below)(?:\s+\w+)?\s+than\s+(?:the\s+|in\s+|for\s+)?"
    rf"{_TIME_REF}"
    rf"|[ \t\u00a0]+(?P<w2>above|below)\s+(?:the\s+|in\s+)?{_TIME_REF}",
    re.IGNORECASE,
)
_TO_FROM_BEFORE = re.compile(r"\b(?:to|from|at)\s+$", re.IGNORECASE)
_COMPARED_BEFORE = re.compile(r"\b(?:compared\s+(?:to|with)|as\s+against|versus|vs\.?|against)\s+$", re.IGNORECASE)
_BY_BEFORE = re.compile(r"\bby\s+$", re.IGNORECASE)
_YEAR_IN_GAP = re.compile(r"\b(?:in|during|for)\s+(?:[12][0-9]{3}|the\s+(?:first|second|third|fourth)\s+quarter)\b")
_INHERIT_BLOCK = re.compile(
    r"[.;:!?](?:\s|$)|\n\s*\n|\b(?:while|whereas|but|which|who|that|although|though|compared|versus|vs|than|from|to|at"
    r"|reaching|bringing|with|has|have|had|was|were|is|are|be|been|will|would|of)\b|\b\w+(?:ed|ing)\b|[$%\d]",
    re.IGNORECASE,
)

_LABEL_BEFORE = re.compile(
    r"(?:\b(?:No|Nos|Number|Section|Sections|Sec|Secs|Article|Articles|Art|Chapter|Chapters|Ch|Table|Tables|Figure"
    r"|table|tables|chart|charts|Chart|Charts|figure|figures|fig|graph|Graph|exhibit|map|Map|box|annex|appendix"
    r"|Figures|Fig|Exhibit|Exhibits|Appendix|Annex|Box|Page|Pages|page|pages|pp?|Vol|Volume|Part|Parts|Title|Division"
    r"|Rule|Resolution|Res|Item|Phase|Stage|Tier|Level|Round|Step|Option|Paragraph|para|Clause|clause|Amendment"
    r"|Order|Directive|Regulation|Report|Rept|Doc|Stat|Law|Bill|Code|Form|Schedule|Line|Flight|Route|Highway"
    r"|Interstate|Gate|Room|Suite|Building|Apt|Lot|Zone|District|Ward|Region|Grade|Class|Category|Type|Model"
    r"|Series|Version|v|Footnote|Note|Notes|footnote|note|Rev|Protocol|Decree|Act|Acts|Rank|rank|number|No|S|H\.R"
    r"|H\.Res|S\.Res|H\.J\.Res|S\.J\.Res|L|U\.S\.C|C\.F\.R|CFR|USC|Pub|EO|Executive\s+Order)\.?|[#§¶])\s{0,2}$"
)
_LIST_GAP = re.compile(r"^(?:,\s*|\s*(?:,\s*)?(?:and|or|&|through|to|-|–)\s*)$")
_DATE_BEFORE = re.compile(
    rf"\b(?:{_MONTHS}|mon(?:day)?|tue(?:sday)?|wed(?:nesday)?|thu(?:rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)\.?,?\s{{1,2}}$",
    re.IGNORECASE,
)
_DATE_AFTER = re.compile(rf"^(?:st|nd|rd|th)?\s(?:of\s)?(?:{_MONTHS})\b|^:[0-5][0-9]|^\s?(?:a\.m\.|p\.m\.|am\b|pm\b|GMT|UTC|EST|ET\b)", re.IGNORECASE)
_NAME_BEFORE = re.compile(r"(?<![\w.])(?P<w>[A-Za-z]*[A-Z][\w-]*)[ \u00a0]$")
_FUNCTION_WORDS = frozenset(
    "in on at by since about some over nearly all only just the these those and but of for with to from around "
    "almost approximately more fewer less under below above exactly roughly another each every its their his her "
    "our total another additional while when as than some another if".split()
)
_BASE_YEAR_BEFORE = re.compile(r"\b[12][0-9]{3}[ \t\u00a0]?=[ \t\u00a0]?$")
_AGE_BEFORE = re.compile(r"\b(?:aged|ages|age)\s+(?:from\s+|between\s+|of\s+)?$", re.IGNORECASE)
_BAND_GAP = re.compile(r"^\s*(?:to|and|through|-|–)\s*$")
_GRADE_AFTER = re.compile(r"^[ \t\u00a0]?(?:octane|RON|grade)\b", re.IGNORECASE)
_PERIOD_NOUN_BEFORE = re.compile(
    r"\b(?:chang(?:e|es)|growth|increases?|rises?|falls?|declines?|inflation|rates?|movements?)\s+$", re.IGNORECASE)
_STREET_AFTER = re.compile(
    r"\s(?:[A-Z][\w.]*\s){0,2}(?:Street|St\.|Avenue|Ave\.?|Road|Rd\.|Boulevard|Blvd\.?|Lane|Drive|Place|Square|Plaza|Floor)\b"
)
_ORDINAL_AFTER = re.compile(r"^(?:st|nd|rd|th)\b", re.IGNORECASE)
_REFER_BEFORE = re.compile(r"\b(?:the|these|those|this|that|both|our|their|whose|which|last|past|next|first|other|following|previous)\s+$", re.IGNORECASE)
_TIMEFRAME_BEFORE = re.compile(
    r"\b(?:the|last|past|next|first|following|previous|recent|coming|these|those|for|in|within|during|after|before"
    r"|since|every|each|per|a|an|its|their|of\s+the|over\s+the|some|several|two|three|four|five)\s+$",
    re.IGNORECASE,
)
_TIMEFRAME_AFTER = re.compile(
    r"^\s+(?:ago|earlier|later|prior|before|after|in\s+a\s+row|of|old|from\s+now|on|into|since|to\s+come|running|straight|period)\b",
    re.IGNORECASE,
)
_TIME_UNIT_AFTER = re.compile(
    r"^\s+(?:consecutive|straight|successive|more|additional|long|full|calendar|fiscal|previous|past|last|next)\s+"
    r"(?:days?|weeks?|months?|quarters?|years?|decades?)\b",
    re.IGNORECASE,
)
_TIMES_AFTER = re.compile(
    r"^\s+(?:higher|lower|more|less|larger|greater|bigger|smaller|faster|slower|as|the|that|its|their|what|over|above"
    r"|below|cheaper|costlier|greater|larger|richer|longer|stronger|increase|normal|average)\b",
    re.IGNORECASE,
)
_FREQ_AFTER = re.compile(r"\s+(?:a|an|per|each|every|in)\b", re.IGNORECASE)
_WORD_NEXT = re.compile(r"^[ \t\u00a0]+[A-Za-z][a-z-]*")
_FUNCTION_NEXT = re.compile(
    r"[ \t\u00a0]+(?:since|in|and|or|for|when|by|as|at|until|after|before|during|from|to|on|while|but|because|percent)\b",
    re.IGNORECASE,
)
_HYPHEN_WORD_AFTER = re.compile(r"^[-‑][A-Za-z]")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]{1,2000}|[\w.+-]{1,64}@[\w-]{1,64}(?:\.[\w-]{1,64}){1,8}"
                  r"|(?<![\w(])(?:\+1[ .-]?)?(?:\([0-9]{3}\)[ \u00a0]?|[0-9]{3}[.-])[0-9]{3}[.-][0-9]{4}(?![\w-])")
_PHONE_HINT = re.compile(r"[0-9]{3}[.-][0-9]{4}\b")
_SENT_START = re.compile(r"[.;:!?](?:\s|$)|\n")
_RANGE_CUE = re.compile(r"\b(?:rang(?:e|ed|es|ing)|var(?:y|ied|ies|ying)|spann(?:ed|ing)|spans?|anywhere|estimates?)\b", re.IGNORECASE)
_ZIP_BEFORE = re.compile(r"\b[A-Z]{2}\s$")
_TABLE_HEADER = re.compile(
    r"^[ \t\u00a0]*\(?(?:in\s+)?(?:(?:US|U\.S\.)\s?)?(?P<a>(?i:thousand|million|billion)s?)\s*(?:of\s+)?(?P<c>\$|(?i:dollars|US\s+dollars|USD))\)?[ \t\u00a0]*$"
    r"|^[ \t\u00a0]*\(?(?:in\s+)?(?P<c2>\$|USD|US\$)\s*(?P<a2>(?i:thousand|million|billion)s?)\)?[ \t\u00a0]*$",
    re.MULTILINE,
)
_CELL_LINE = re.compile(r"^[ \t\u00a0]*(?P<neg>[-−(])?[ \t]?(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)\)?[ \t\u00a0]*$")

_WINDOW = 40  # longest comparator phrase plus slack


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


# --------------------------------------------------------------------------- number parsing


def _word_value(s: str) -> float | None:
    """Value of an English number word phrase ("twenty-one", "three hundred", "a dozen")."""
    total = 0.0
    cur = 0.0
    for w in re.split(r"[\s-]+", s.lower()):
        if w in ("and", "a", ""):
            continue
        if w in _ONES:
            cur += _ONES[w]
        elif w in _TENS:
            cur += _TENS[w]
        elif w == "hundred":
            cur = (cur or 1) * 100
        elif w == "dozen":
            cur = (cur or 1) * 12
        else:
            return None
    return total + cur


def _fraction_value(s: str) -> float:
    """Percent for a fraction phrase ("two-thirds" -> 66.67, "half" -> 50)."""
    parts = re.split(r"[\s-]+", s.lower())
    if len(parts) == 1:
        return 50.0
    num = 1 if parts[0] == "a" else _ONES.get(parts[0], 1)
    return 100.0 * num / _FRACTIONS[parts[-1]]


def _vague_value(s: str) -> float:
    """Order of magnitude for "tens of thousands", "hundreds of millions", "thousands"."""
    parts = s.lower().split()
    if len(parts) == 3:
        return _VAGUE[parts[0]] * _VAGUE[parts[2]]
    return _VAGUE[parts[0]]


# --------------------------------------------------------------------------- reading around a token


def _read_right(text: str, c: _Cand) -> None:
    """Read scale, unit and rate to the right of the number; set end, mult, unit."""
    pos = c.num_end
    if c.kind == "d":
        m = _SCALE_ATTACHED.match(text, pos)
        if m:
            c.notes.add("attached")
            c.mult = _SCALES[m.group().lower()]
            c.scaled = True
            pos = m.end()
    if not c.scaled and c.kind in ("d", "w", "a"):
        m = _SCALE_WORD.match(text, pos)
        if m:
            c.mult = _SCALES[m["s"].lower()]
            c.scaled = True
            pos = m.end()
    if c.kind == "a" and not c.scaled:
        c.drop = True
        return
    hit = unit_after(text, pos)
    if hit is not None:
        form, end = hit
        if form.unit == "":
            c.drop = True
            return
        if not ((form.unit in DURATIONS or form.unit == "times") and c.unit):
            c.unit = form.unit
            c.mult *= form.factor
            pos = end
    c.end = pos


def _read_rate(text: str, c: _Cand) -> None:
    """Read a per-unit price or rate ("$60 per barrel", "€0.276 per KWh", "516 beds per 100 000 inhabitants")."""
    r = read_rate(text, c.end, c.unit)
    if r is not None:
        c.unit, c.end = r


_OR_BOUND = re.compile(r"[ \t\u00a0]+or[ \t\u00a0]+(?P<w>more|less|fewer|greater|higher|lower|over|above|under|below)\b",
                       re.IGNORECASE)
_MORE_AFTER = re.compile(r"[ \t\u00a0]+(?P<w>more|fewer|less)\b(?![ \t\u00a0]+than\b)", re.IGNORECASE)


def _read_or_bound(text: str, c: _Cand) -> None:
    """ "10% or less", "about 30% or more": a one-sided bound written after the number (the hedge yields)."""
    m = _OR_BOUND.match(text, c.end)
    if m and c.unit is not None:
        c.end = m.end()
        c.cmp = ">=" if m["w"].lower() in ("more", "greater", "higher", "over", "above") else "<="
        if c.cmp_start is None:
            c.cmp_start = None


def _shared_scale(text: str, cands: list[_Cand]) -> None:
    """ "£10 and 16 billion": a currency written on the first number and a scale on the second apply to both."""
    live = [c for c in cands if not c.drop]
    for a, b in zip(live, live[1:]):
        if (a.currency and not a.scaled and b.scaled and b.unit is None and not b.currency
                and re.fullmatch(r"\s+(?:and|or)\s+", text[a.end:b.start])):
            a.mult, a.scaled = b.mult, True
            b.unit = a.unit


def _read_left(text: str, c: _Cand) -> None:
    """Read the currency sign or code and the comparator to the left; set start, cmp."""
    c.start = c.num_start
    lo = max(0, c.num_start - 8)
    m = CUR_BEFORE.search(text, lo, c.num_start) if c.kind == "d" else None
    if m:
        cur = currency_before(m)
        if cur is None:
            c.drop = True  # XY$: a dollar of unknown currency
            return
        if c.unit is None or c.unit == cur or (c.unit == "USD" and cur != "USD"):
            c.unit = cur
            c.currency = True
            c.start = m.start()
            c.neg = bool(m["neg"])
    _read_sign(text, c)
    lo = max(0, c.start - _WINDOW)
    win = text[lo:c.start]
    m = _CMP_BEFORE.search(win)
    if m:
        phrase = re.sub(r"\s+", " ", m["c"].lower())
        cmp = _CMP_OF.get(phrase)
        if cmp is None:
            last = phrase.split(" ")[-1] if not phrase.endswith(" of") else phrase
            cmp = _CMP_OF.get(phrase.split(" ", 1)[-1], _CMP_OF.get(last, "="))
        before = win[: m.start()]
        if cmp in (">", "<") and phrase.startswith(("exceed", "surpass", "top")) and _NEGATED.search(before):
            return
        if phrase in ("up to", "as high as", "as much as") and (
                _PEAK_BEFORE.search(before) or _peak_and(text, lo + m.start())):
            return
        c.cmp = cmp
        c.cmp_start = lo + m.start()
        c.start = c.cmp_start


_SIGN_WORD = re.compile(r"\b(?P<w>minus|negative|plus)[ \u00a0]$", re.IGNORECASE)


def _read_sign(text: str, c: _Cand) -> None:
    """A printed "+"/"-" right before the number or its currency sign joins the span ("-0.3%", "+$0.99")."""
    s = c.start
    if c.kind != "d" or s == 0:
        return
    m = _SIGN_WORD.search(text, max(0, s - 10), s)
    if m:
        c.sign = "-" if m["w"].lower() in ("minus", "negative") else "+"
        c.start = m.start()
        return
    ch = text[s - 1]
    if c.neg:
        c.sign = "-"
        return
    if ch not in "-−+" or (s >= 2 and (text[s - 2].isalnum() or text[s - 2] in "-–/.,%$€£")):
        return
    c.sign = "+" if ch == "+" else "-"
    c.start = s - 1


def _peak_and(text: str, pos: int) -> bool:
    """"went above $200 ... and up to $237": an observed peak coordinated with a motion verb."""
    if not re.search(r"\band\s+$", text[max(0, pos - 8):pos]):
        return False
    return bool(_PEAK_IN_CLAUSE.search(_clause_before(text, pos, 200)))


def _tokens(text: str) -> list[_Cand]:
    """Scan the text once for number tokens and read what surrounds each."""
    masked = ([(m.start(), m.end()) for m in _URL.finditer(text)]
              if ("://" in text or "www." in text or "@" in text or _PHONE_HINT.search(text)) else [])
    out: list[_Cand] = []
    mi = 0
    for s, e, kind, g in _token_matches(text):
        while mi < len(masked) and masked[mi][1] <= s:
            mi += 1
        if mi < len(masked) and masked[mi][0] <= s < masked[mi][1]:
            continue
        if kind == "d":
            try:
                digits = re.sub(r"[^0-9.]", "", g)
                if len(digits) > MAX_DIGITS:
                    continue  # an identifier or a digit dump, not a quantity (refused whatever its length)
                val = float(digits)
            except ValueError:
                continue
            c = _Cand(s, e, val, kind, integer="." not in g)
            if len(g) > 1 and g[0] == "0" and g[1] != ".":
                c.drop = True  # leading zero: an identifier or a wrapped token ("FY2\n024")
        elif kind == "q":
            m = _SLASH_FRACTION.fullmatch(g)
            c = _Cand(s, e, int(m["whole"] or 0) + int(m["n"]) / int(m["d"]), "d", integer=False)
        elif kind == "m":
            after = text[e:e + 12]
            if g.lower() in ("twice", "thrice") and not re.match(r"\s+(?:as|the|that|than|more|higher|larger|over)\b", after):
                continue  # "twice a year": a frequency
            c = _Cand(s, e, _MULTIPLES[g.lower()[:5]], kind, start=s, end=e, unit="times")
            if not g.lower().startswith(("twice", "thric")):
                c.notes.add("mult-up")
            out.append(c)
            continue
        elif kind == "w":
            val = _word_value(g)
            if val is None:
                continue
            c = _Cand(s, e, val, kind)
        elif kind == "f":
            c = _Cand(s, e, _fraction_value(g), kind, integer=False)
        elif kind == "v":
            c = _Cand(s, e, _vague_value(g), kind, cmp="~")
        elif kind == "r":
            # "one in five", "three out of four": a share of a whole
            parts = re.split(r"\s+(?:in|out\s+of)\s+", g.lower())
            num, den = _word_value(parts[0]), _word_value(parts[-1])
            if not num or not den or num > den:
                continue
            c = _Cand(s, e, 100.0 * num / den, kind, start=s, end=e, unit="percent", integer=False)
            _read_left(text, c)
            out.append(c)
            continue
        elif kind == "x":
            val = _word_value(g[:-4])
            if val is None:
                continue
            c = _Cand(s, e, val, kind, start=s, end=e, unit="times")
            _read_left(text, c)
            out.append(c)
            continue
        else:
            c = _Cand(s, e, 1.0, kind)
        _read_right(text, c)
        if not c.drop:
            _read_left(text, c)
            _read_rate(text, c)
            _read_or_bound(text, c)
        out.append(c)
    return out


# --------------------------------------------------------------------------- deciding what counts


def _is_year(c: _Cand, text: str) -> bool:
    """A bare four-digit year (1800-2100) without unit, currency or scale."""
    g = text[c.num_start:c.num_end]
    return (c.kind == "d" and len(g) == 4 and g.isdigit() and 1800 <= c.base <= 2100
            and not c.currency and not c.scaled and (c.unit is None or c.unit in DURATIONS))


def _screen(text: str, cands: list[_Cand]) -> None:
    """Drop tokens that are dates, identifiers, labels, ordinals, enumerators or footnotes."""
    prev: _Cand | None = None
    for c in cands:
        if c.drop:
            prev = c
            continue
        s, e = c.num_start, c.num_end
        before = text[max(0, s - 40):s]
        after = text[c.end:c.end + 40]
        after_num = text[e:e + 12]
        if c.kind == "d":
            if _is_year(c, text):
                c.drop = True
            elif _ORDINAL_AFTER.match(after_num) or (re.match(r"[A-Za-z]", after_num) and "attached" not in c.notes
                                                     and c.unit is None):
                c.drop = True  # 21st, 3Q24, 5G
            elif s > 0 and text[s - 1] in "-‑" and s > 1 and text[s - 2].isalpha():
                c.drop = True  # F-35, COVID-19, T-NSIAD-98
            elif s > 0 and text[s - 1] in "-–/" and prev is not None and prev.num_end == s - 1 and prev.drop:
                c.drop = True  # T-NSIAD-98-50, 2014–18, 2015/16
            elif re.match(r"[-–/][0-9]", after_num) and c.unit is None and not c.currency and (
                    _is_year(c, text) or re.match(r"/", after_num)):
                c.drop = True
            elif s > 0 and text[s - 1] in "'’" :
                c.drop = True  # '22
            elif re.match(r"\.[0-9]", after_num) or re.match(r":[0-9]", after_num) or (s > 0 and text[s - 1] == ":"):
                c.drop = True  # 1.2.3, 10:30, 3:1
            elif "=" in before[-3:] and _BASE_YEAR_BEFORE.search(before) and c.unit is None and not c.currency:
                c.drop = True  # 2005=100: an index base, not a measurement
            elif "age" in before and _AGE_BEFORE.search(before) and not c.currency and c.unit in (None, "years"):
                c.drop = True  # aged 16 to 64: a population band
                c.notes.add("band")
            elif (prev is not None and "band" in prev.notes and c.unit in (None, "years") and not c.currency
                  and _BAND_GAP.match(text[prev.num_end:s])):
                c.drop = True  # the other end of a date or age band ("April 10 to 16", "aged 25 to 54")
            elif _GRADE_AFTER.match(after_num) and c.unit is None:
                c.drop = True  # 91 octane
            elif _DATE_BEFORE.search(before) and c.integer and c.base <= 31 and not c.currency and c.unit is None:
                c.drop = True  # January 19
                c.notes.add("band")
            elif _DATE_AFTER.match(after_num) and not c.currency and c.unit is None:
                c.drop = True  # 19 January, 10:30, 3 p.m.
            elif _LABEL_BEFORE.search(before) and not c.currency and c.unit is None:
                c.drop = True
                c.label = True
            elif (prev is not None and prev.label and not c.currency and c.unit is None
                  and _LIST_GAP.match(text[prev.num_end:s])):
                c.drop = True  # Exhibits 3, 6, and 7
                c.label = True
            elif (len(text[s:e]) == 5 and _ZIP_BEFORE.search(before)) and c.unit is None:
                c.drop = True  # DC 20548
            elif c.unit is None and not c.currency and (
                    c.base < 100 and re.search(r"[(\[]\s?$", before) and re.match(r"\s?[)\]]", after_num)):
                c.drop = True  # (1), [1]
            elif c.unit is None and re.search(r"(?:^|\n)[ \t]*$", before) and re.match(r"[.)][ \t]", after_num):
                c.drop = True  # "1. " list enumerator at the start of a line
            elif re.match(r"s\b", after_num) and c.unit is None:
                c.drop = True  # 1990s
            elif c.unit is None and _STREET_AFTER.match(after):
                c.drop = True  # 441 G Street
        prev = c


def _bare_count_ok(text: str, c: _Cand, nxt: _Cand | None) -> bool:
    """Whether a number with no unit counts something ("11,000 sanctions", "two main objectives")."""
    s = c.cmp_start if c.cmp_start is not None else c.start
    before = text[max(0, s - 40):s]
    after = text[c.end:c.end + 40]
    if c.kind == "d":
        if not c.integer and not c.scaled:
            return False
        if _HYPHEN_WORD_AFTER.match(after):
            return False  # 10-year, 12-month
        if not c.scaled and re.match(r"[ \t\u00a0]+[0-9]", after):
            return False  # "Act of 1 2009": a footnote marker before a number
        if _TIME_UNIT_AFTER.match(after):
            return False
        if _REFER_BEFORE.search(before) and c.base < 13 and c.cmp_start is None:
            return False
        m = _NAME_BEFORE.search(before)
        if m and c.cmp_start is None and m["w"].lower() not in _FUNCTION_WORDS:
            return False  # Nord Stream 2, iPhone 15, Apollo 11: a number inside a name
        return True
    if c.kind in ("w", "a"):
        if c.base == 1 and not c.scaled:
            return False  # "one of", "the following one"
        if c.cmp_start is None and _REFER_BEFORE.search(before):
            return False  # the two nations, these three sectors
        if _HYPHEN_WORD_AFTER.match(after) or re.match(r"\s+of\b", after):
            return False
        if _TIME_UNIT_AFTER.match(after):
            return False
        if not c.scaled and not _WORD_NEXT.match(after):
            return False
        if not c.scaled and re.match(r"\s+(?:or|and|to|times|in|at|by|per|percent)\b", after):
            return False
        return True
    if c.kind == "v":
        return True
    return False


_POINTS_AFTER = re.compile(r",?[ \t\u00a0]+(?:up|down|rising|falling|gaining|losing|a\s+(?:rise|gain|fall|drop)\s+of)"
                           r"[ \t\u00a0]+(?:by[ \t\u00a0]+)?[0-9][0-9,.]*[ \t\u00a0]+(?:index[ \t\u00a0]+)?points?\b",
                           re.IGNORECASE)
_BASE_AFTER = re.compile(r"[^.;\n]{0,40}?\b[12][0-9]{3}[ \t\u00a0]?=[ \t\u00a0]?100\b")


def _index_level(text: str, c: _Cand) -> bool:
    """An index level: "5,210.4, up 31.2 points", "stands at 122.3 ... based on 2005=100"."""
    if c.currency or c.scaled:
        return False
    return bool(_POINTS_AFTER.match(text, c.end) or _BASE_AFTER.match(text, c.end))


def _classify(text: str, cands: list[_Cand]) -> None:
    """Give units to bare numbers (count) and drop what measures nothing."""
    live = [c for c in cands if not c.drop]
    for i, c in enumerate(live):
        if c.in_range:
            continue
        nxt = live[i + 1] if i + 1 < len(live) else None
        s = c.cmp_start if c.cmp_start is not None else c.start
        before = text[max(0, s - 40):s]
        after = text[c.end:c.end + 40]
        if c.kind == "f":
            # fractions are shares of a whole: hyphenated forms always, "a third" / "half" only with "of" or a hedge
            g = text[c.num_start:c.num_end].lower()
            if re.search(r"\b(?:first|second|third|last|the|in)\s+$", text[max(0, c.num_start - 12):c.num_start], re.I):
                c.drop = True
            elif "-" in g or c.cmp_start is not None or re.match(r"\s+of\b", after) or re.search(r"\bby\s+$", before):
                if re.match(r"\s+of\s+(?:[12][0-9]{3}|the\s+(?:year|century|decade|month))", after, re.I):
                    c.drop = True
                else:
                    c.unit = "percent"
            else:
                c.drop = True
            continue
        if c.unit in DURATIONS:
            if _is_year(c, text) or c.kind == "v":
                c.drop = True
            elif text[c.end - 3:c.end].lower() == "old":
                pass  # a 17-year-old: an age
            elif (_TIMEFRAME_BEFORE.search(before) or _TIMEFRAME_AFTER.match(after)
                  or (c.cmp_start is not None and _PERIOD_NOUN_BEFORE.search(before))):
                c.drop = True
            elif any(p.end >= s - 4 and p.end <= s and not p.drop and p is not c for p in live[max(0, i - 1):i]):
                c.drop = True  # "5% over 12 months": a period attached to another figure
            continue
        if c.unit == "times":
            g = text[c.num_end:c.end].lower()
            if c.kind in ("x", "m") or "fold" in g or g.endswith("x"):
                continue
            if not (_TIMES_AFTER.match(after) or (_VERB_BEFORE.search(before) and not _FREQ_AFTER.match(after))):
                c.drop = True
            continue
        if c.unit is None:
            if c.kind == "w" and c.base == 0:
                if c.cmp_start is not None and (not _WORD_NEXT.match(after) or _FUNCTION_NEXT.match(after)):
                    c.unit = "percent"  # rates "above zero", "near zero"
                else:
                    c.drop = True
                continue
            if _is_year(c, text):
                c.drop = True
                continue
            if c.kind == "d" and _index_level(text, c):
                c.unit = "index_points"
                continue
            if _bare_count_ok(text, c, nxt):
                c.unit = "count"
            else:
                c.drop = True


# --------------------------------------------------------------------------- ranges


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
        sa = a.cmp_start if a.cmp_start is not None else a.start
        left = text[max(0, sa - 12):sa]
        kind = None
        if re.fullmatch(r"\s*(?:and|-|–)\s*", gap) and re.search(r"\bbetween\s+$", left, re.I):
            kind = "between"
        elif re.fullmatch(r"(?:\s+[a-z]+){0,2}\s+to\s+|\s*[-–]\s*", gap) and re.search(r"\bfrom\s+$", left, re.I):
            clause = _SENT_START.split(text[max(0, sa - 100):sa])[-1]
            if _RANGE_CUE.search(clause):
                kind = "from"
        elif re.fullmatch(r"[-–]|\s–\s", gap) and b.cmp_start is None:
            kind = "dash"
        elif (re.fullmatch(r"\s+to\s+", gap) and b.cmp_start is None and not re.search(r"\bfrom\s+$", left, re.I)
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


# --------------------------------------------------------------------------- change direction


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


def _clause_before(text: str, pos: int, limit: int = 160) -> str:
    """The text of the current clause before `pos` (back to the last sentence end, bounded)."""
    chunk = text[max(0, pos - limit):pos]
    parts = re.split(r"[.;:!?](?=\s)|\n\s*\n|\n(?=[ \t]*[•\-–*])", chunk)
    return parts[-1]


def _own_change(text: str, c: _Cand) -> tuple[str | None, bool]:
    """The change direction cued in the quantity's own clause; second item True when settled."""
    s = c.cmp_start if c.cmp_start is not None else c.start
    before = text[max(0, s - 60):s]
    m = _NOUN_AFTER.match(text, c.end, min(len(text), c.end + 60))
    if m:
        return _noun_direction(m["w"]), True
    m = _MORE_AFTER.match(text, c.end, min(len(text), c.end + 20))
    if m and (c.unit in (None, "count") or c.unit in UNIT_CURRENCIES):
        return ("down" if m["w"].lower() in ("fewer", "less") else "up"), True
    if _COMPARED_BEFORE.search(before):
        return "inherit", True
    if _TO_FROM_BEFORE.search(before):
        return None, True
    m = _VERB_BEFORE.search(before)
    if m:
        if c.cmp in (">", "<") and text[c.cmp_start:c.cmp_start + 5].lower().startswith(("above", "below", "under", "benea")):
            return None, True  # "raised above zero": a level reached
        return _direction(m["w"]), True
    if _BY_BEFORE.search(before):
        clause = _clause_before(text, s - 3)
        words = _CHANGE_WORD.findall(clause)
        if words:
            return _direction(words[-1]), True
        return None, True
    if re.search(r"\bof\s+$", before):
        m = _NOUN_BEFORE_OF.search(_clause_before(text, s, 110))
        if m:
            return _noun_direction(m["w"]), True
    m = _THAN_TIME.match(text, c.end, min(len(text), c.end + 80))
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


_GOAL_WORD = re.compile(r"\b(?:target\w*|objective|goal|defin(?:e|ed|es|ition)|mandate)\b", re.IGNORECASE)


def _rate_of_change(text: str, c: _Cand) -> bool:
    """Whether a percentage is an inflation or growth rate (a rate of change by the shared convention)."""
    s = c.cmp_start if c.cmp_start is not None else c.start
    clause = _clause_before(text, s, 200)
    last = None
    for m in _RATE_TOPIC.finditer(clause):
        last = m
    if last is None or not last["g"] or _GOAL_WORD.search(clause):
        return False
    return not (re.match(r"\s*of\b", text[c.end:c.end + 12]) or _GOAL_WORD.search(text, c.end, c.end + 25))


def _changes(text: str, quants: list[_Cand]) -> None:
    """Set `change` from the governing verb or noun; coordinated figures inherit ("$15.7 billion (7.0 percent)")."""
    prev: _Cand | None = None
    for i, c in enumerate(quants):
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


# --------------------------------------------------------------------------- table context


def _table_cells(text: str, cands: list[_Cand]) -> None:
    """Scale bare numeric lines under a "Million $" / "(millions of dollars)" header line."""
    for hm in _TABLE_HEADER.finditer(text):
        amount = (hm["a"] or hm["a2"] or "").lower().rstrip("s")
        mult = _SCALES.get(amount, 1.0)
        pos = hm.end()
        header_parts: list[str] = []
        rows: list[list[tuple[int, bool]]] = []
        row: list[tuple[int, bool]] = []
        started = False
        for lm in re.finditer(r"[^\n]*", text[pos:pos + 200_000]):
            line = lm.group()
            if not line.strip():
                continue
            cm = _CELL_LINE.match(line)
            if cm and not (not started and re.fullmatch(r"\s*[12][0-9]{3}\s*", line)):
                started = True
                row.append((pos + lm.start() + cm.start("num"), bool(cm["neg"])))
                continue
            if started and len(line.split()) > 12:
                break  # prose again: the table is over
            if row:
                rows.append(row)
                row = []
            if not started:
                header_parts.append(line.lower())
        if row:
            rows.append(row)
        header = " ".join(header_parts)
        n_change = header.count("change")
        pct_last = "percent" in header
        by_start = {c.num_start: c for c in cands}
        for r in rows:
            k = len(r)
            for i, (ns, neg) in enumerate(r):
                c = by_start.get(ns)
                if c is None or c.currency:
                    continue
                c.drop = False
                c.label = False
                c.in_range = False
                c.start, c.end = ns, c.num_end
                c.cmp, c.cmp_start = "=", None
                is_change = k > n_change and i >= k - n_change
                if pct_last and i == k - 1 and k > 1:
                    c.unit, c.mult = "percent", 1.0
                else:
                    c.unit, c.mult = "USD", mult
                c.notes.add("table-down" if neg and is_change else "table-up" if is_change else "table")


_NUM_CELL = re.compile(r"[ \t\u00a0]*(?P<sign>[-−+])?(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)[ \t\u00a0]*")
_CELL_ROLE = re.compile(
    r"(?P<chg>%\s*change|per\s?cent(?:age)?\s+change|change|growth)|(?P<idx>\bindex\w*)"
    r"|(?P<pct>%|\bper\s?cent\b|\bshare\b)",
    re.IGNORECASE,
)


def _row_cells(line: str) -> list[tuple[int, str | None]] | None:
    """(offset in line, sign) of the trailing run of figure cells of a table row, or None when not a row."""
    if not line.rstrip(" |\t\u00a0")[-1:].isdigit():
        return None
    if "|" in line:
        parts, pos = [], 0
        for piece in line.split("|"):
            parts.append((pos, piece))
            pos += len(piece) + 1
        while parts and not parts[-1][1].strip():
            parts.pop()
    else:
        parts = [(m.start(), m.group()) for m in re.finditer(r"\S+", line)]
    cells: list[tuple[int, str | None]] = []
    for off, piece in reversed(parts):
        m = _NUM_CELL.fullmatch(piece)
        if not m:
            break
        cells.append((off + m.start("sign") if m["sign"] else off + m.start("num"), m["sign"]))
    label = parts[: len(parts) - len(cells)]
    if len(cells) < 2 or ("|" not in line and len(label) > 6):
        return None
    return cells[::-1]


def _figure_tables(text: str, cands: list[_Cand]) -> None:
    """Cells of pipe and whitespace-aligned tables take their unit and change from the header's column roles."""
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    by_start = {(c.start if c.sign else c.num_start): c for c in cands}
    by_num = {c.num_start: c for c in cands}
    i, n = 0, len(lines)
    while i < n:
        cells = _row_cells(lines[i][1])
        if cells is None:
            i += 1
            continue
        k, first, rows = len(cells), i, []
        while i < n:
            cells = _row_cells(lines[i][1])
            if cells is not None and len(cells) == k:
                rows.append((lines[i][0], cells))
            elif not ("|" in lines[i][1] and not re.search(r"[0-9]", lines[i][1])):
                break
            i += 1
        roles = _header_roles(lines, first)
        if len(roles) != k or len(rows) < 2:
            continue
        for base, row in rows:
            for (off, sign), role in zip(row, roles):
                pos = base + off
                c = by_start.get(pos) or by_num.get(pos + (1 if sign else 0))
                if c is None or "table" in c.notes:
                    continue
                _set_cell(c, pos, sign, role)


def _header_roles(lines: list[tuple[int, str]], first: int) -> list[str]:
    """Column roles (chg / idx / pct) named in the header lines above a table's first row."""
    header: list[str] = []
    j = first - 1
    while j >= 0 and len(header) < 3:
        line = lines[j][1]
        if not line.strip():
            if header:
                break
        elif not ("|" in line and not re.search(r"[0-9]", line) and not _CELL_ROLE.search(line)):
            header.append(line)
        j -= 1
    return [m.lastgroup or "" for h in reversed(header) for m in _CELL_ROLE.finditer(h)]


def _set_cell(c: _Cand, pos: int, sign: str | None, role: str) -> None:
    """Make a candidate one table cell of the given column role."""
    c.drop = c.label = c.in_range = False
    c.start, c.end = pos, c.num_end
    c.cmp, c.cmp_start, c.mult, c.scaled = "=", None, 1.0, False
    c.sign = sign
    c.unit = "index_points" if role == "idx" else "percent"
    if role == "chg" and c.base != 0:
        c.notes.add("table-down" if sign in ("-", "−") else "table-up")
    else:
        c.notes.add("table")


# --------------------------------------------------------------------------- entry point


def _extract(text: str) -> list[Quantity]:
    """The extraction pipeline, without the never-raise guard."""
    cands = _tokens(text)
    _screen(text, cands)
    _shared_scale(text, cands)
    _ranges(text, cands)
    _classify(text, cands)
    if "$" in text or "ollar" in text:
        _table_cells(text, cands)
    if "\n" in text:
        _figure_tables(text, cands)
    quants = [c for c in cands if not c.drop and c.unit in UNIT_CODES and c.end > c.start]
    quants.sort(key=lambda c: (c.start, -c.end))
    kept: list[_Cand] = []
    for c in quants:
        if kept and c.start < kept[-1].end:
            continue
        kept.append(c)
    _changes(text, kept)
    out = []
    for c in kept:
        if "table-up" in c.notes:
            c.change = "up"
        elif "table-down" in c.notes:
            c.change = "down"
        elif c.notes & {"table"}:
            c.change = None
        value = abs(c.base * c.mult)
        out.append(Quantity(c.start, c.end, text[c.start:c.end], value, c.unit, c.cmp, c.change,
                            None if c.low is None else abs(c.low), None if c.high is None else abs(c.high)))
    return out


def extract(text: str) -> list[Quantity]:
    """Return the quantities in `text`, sorted by start and non-overlapping; never raises."""
    if not isinstance(text, str) or not text:
        return []
    try:
        return _extract(text)
    except Exception:  # noqa: BLE001 - a pipeline stage must not die on one odd passage
        return []
