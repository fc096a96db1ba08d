"""Reading around a number token: scale, unit and rate to the right; currency, sign and comparator to the left."""
from __future__ import annotations

import re

from tally.extract.units import CURRENCY_SIGNS, CUR_BEFORE, DURATIONS, currency_before, read_rate, unit_after
from tally.extract.candidates import _Cand, _clause_before
from tally.extract.numbers import (
    MAX_DIGITS, _MULTIPLES, _SCALES, _SCALE_ATTACHED, _SCALE_WORD, _SLASH_FRACTION, _fraction_value,
    _token_matches, _vague_value, _word_value
)


_CMP_PHRASES = [
    (r"(?:slightly|just|well|far|significantly|substantially|considerably|comfortably)\s+(?:over|above|more\s+than|in\s+excess\s+of)", ">"),
    (r"(?:slightly|just|well|far)\s+(?:under|below|less\s+than|short\s+of)", "<"),
    (r"more\s+than|greater\s+than|higher\s+than|over|above|exceeding|exceeded|exceeds|exceed|surpassing|surpassed|surpasses"
     r"|in\s+excess\s+of|upwards?\s+of|north\s+of|topping|topped", ">"),
    (r"at\s+least|no\s+less\s+than|not\s+less\s+than|a\s+minimum\s+of|no\s+fewer\s+than|not\s+fewer\s+than", ">="),
    (r"up\s+to|at\s+most|no\s+more\s+than|not\s+more\s+than|a\s+maximum\s+of|as\s+many\s+as|as\s+much\s+as|as\s+high\s+as", "<="),
    (r"fewer\s+than|less\s+than|lower\s+than|below|under|beneath|short\s+of", "<"),
    (r"an\s+estimated|estimated|in\s+the\s+vicinity\s+of|approximately|approx\.|about|around|roughly|nearly|almost|near|some|close\s+to|circa|ca\."
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


# Verbs after which "up to N" is where a quantity moves ("drift up to 4.3%"), not a ceiling: the copulas and
# the motion verbs in all their forms.
_MOTION_STEMS = ("drift", "inch", "edge", "creep", "move", "climb", "rise", "head", "jump", "trend", "tick", "pick",
                 "go", "run", "shoot", "spike", "soar", "surge", "increase", "trade", "step", "ratchet", "nudge")


def _forms(stem: str) -> list[str]:
    """A regular verb's forms (drift, drifts, drifted, drifting; rise, rises, rised, rising: the odd
    ones cost nothing, and the irregular past forms are listed apart)."""
    if stem.endswith("e"):
        return [stem, stem + "s", stem + "d", stem[:-1] + "ing"]
    tail = stem[-1] if stem in _DOUBLES else ""
    return [stem, stem + ("es" if stem.endswith(("ch", "sh")) else "s"), stem + tail + "ed", stem + tail + "ing"]


_DOUBLES = ("step", "run")
_IRREGULAR = "was|were|is|are|been|be|went|goes|going|gone|rose|risen|ran|shot|crept|headed"
_PEAK_VERB = "|".join(sorted({*_IRREGULAR.split("|"), *(f for s in _MOTION_STEMS for f in _forms(s))},
                             key=lambda v: (-len(v), v)))


_PEAK_BEFORE = re.compile(rf"\b(?:{_PEAK_VERB})\s+(?:\w+ly\s+)?$", re.IGNORECASE)


_PEAK_IN_CLAUSE = re.compile(rf"\b(?:went|rose|climbed|spiked|soared|surged|jumped|shot)\b", re.IGNORECASE)


_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]{1,2000}|[\w.+-]{1,64}@[\w-]{1,64}(?:\.[\w-]{1,64}){1,8}"
                  r"|(?<![\w(])(?:\+1[ .-]?)?(?:\([0-9]{3}\)[ \u00a0]?|[0-9]{3}[.-])[0-9]{3}[.-][0-9]{4}(?![\w-])")


_PHONE_HINT = re.compile(r"[0-9]{3}[.-][0-9]{4}\b")


_WINDOW = 40  # longest comparator phrase plus slack


_NOT_DIGIT = re.compile(r"[^0-9.]")
_BLANKS = (" ", "\t", "\u00a0")
_CUR_LAST = frozenset(CURRENCY_SIGNS) | frozenset("-− \u00a0\n.$")  # "." of "Rs.", "$" of "US$"


def _may_end_currency(text: str, pos: int) -> bool:
    """Whether a currency can end at `pos` (CUR_BEFORE ends in a sign, a code letter, a minus or a blank)."""
    ch = text[pos - 1] if pos > 0 else ""
    return ch in _CUR_LAST or ch.isalpha()


def _read_right(text: str, c: _Cand) -> None:
    """Read scale, unit and rate to the right of the number; set end, mult, unit."""
    pos = c.num_end
    nx = text[pos:pos + 1]  # a scale starts with a letter, a blank, a line break or "-"
    if c.kind == "d" and nx.isalpha():
        m = _SCALE_ATTACHED.match(text, pos)
        if m:
            c.notes.add("attached")
            c.mult = _SCALES[m.group().lower()]
            c.scaled = True
            pos = m.end()
    if not c.scaled and c.kind in ("d", "w", "a") and (nx.isalpha() or (nx != "" and nx in " \t\u00a0\n-")):
        m = _SCALE_WORD.match(text, pos)
        if m:
            c.mult = _SCALES[m["s"].lower()]
            c.scaled = True
            pos = m.end()
            m2 = _SCALE_WORD.match(text, pos)
            if m2 and _SCALES[m2["s"].lower()] > c.mult:
                c.mult *= _SCALES[m2["s"].lower()]  # "1.2 lakh crore", "two hundred million"
                pos = m2.end()
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


def _read_or_bound(text: str, c: _Cand) -> None:
    """ "10% or less", "about 30% or more": a one-sided bound written after the number (the hedge yields)."""
    m = _OR_BOUND.match(text, c.end) if text[c.end:c.end + 1] in _BLANKS else None
    if m and c.unit is not None:
        c.end = m.end()
        c.cmp = ">=" if m["w"].lower() in ("more", "greater", "higher", "over", "above") else "<="
        if c.cmp_start is None:
            c.cmp_start = None


def _read_left(text: str, c: _Cand) -> None:
    """Read the currency sign or code and the comparator to the left; set start, cmp."""
    c.start = c.num_start
    lo = max(0, c.num_start - 8)
    m = CUR_BEFORE.search(text, lo, c.num_start) if c.kind == "d" and _may_end_currency(text, c.num_start) else None
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
    m = _CMP_BEFORE.search(win) if win[-1:].isspace() else None
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
    m = _SIGN_WORD.search(text, max(0, s - 10), s) if text[s - 1] in " \u00a0\n" else None
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
                digits = g if g.isascii() and g.isdigit() else _NOT_DIGIT.sub("", g)
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
            num, den = (float(p) if p.isdigit() else _word_value(p) for p in (parts[0], parts[-1]))
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
