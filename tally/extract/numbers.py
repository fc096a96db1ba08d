"""Numerals, number words, fractions, vague multiples and scale words: the token scan and its values."""
from __future__ import annotations

import re

from tally.extract.units import H as _H, SP as _SP


MAX_DIGITS = 30  # longer digit strings are refused: no measured quantity is written with more digits


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


_TENS_ONES = rf"(?:{_TENS_RX})(?:[- ](?:{_ONE_9})\b)?"
_WORD_NUM = (rf"(?:{_TENS_ONES}|{_ONES_RX})(?:\s(?:and\s)?hundred(?:\s(?:and\s)?(?:{_TENS_ONES}|{_ONES_RX}))?)?"
             rf"(?:\s+point(?:\s+(?:zero|{_ONE_9}))+\b)?")


# The one scan: each alternative is a number token; the order matters (fractions before words).
# Two scans (digits, then words): one alternation over both is several times slower in `re`.
_DIGIT_TOKEN = re.compile(
    r"(?<![\w.])(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+(?![0-9]|[ \u00a0][0-9])|[0-9]+)"
    r"(?:\.[0-9]+)?(?![0-9])")


_WORD_TOKEN = re.compile(
    r"(?<![A-Za-z])(?=[ZOTFSENHADMBQzotfsenhadmbq])"
    r"(?!(?:the|and|that|this|to|of|on|for|from|as|at|are|an|by|be|been|has|have|had|also|said|such|some|since)\b)(?:"
    r"(?P<m>(?:doubl|tripl|quadrupl)(?:ed|es|ing)|(?<=\bwill\s)(?:double|triple|quadruple)"
    r"|(?<=\bto\s)(?:double|triple|quadruple)|twice|thrice)\b|"
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


_SHARE_GAP = re.compile(r"[ \u00a0](?:in|out[ \u00a0]of)[ \u00a0]")


def _digit_shares(text: str, digits: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """ "1 in 4", "3 out of 5": two adjacent digit tokens joined by "in" / "out of" (a share of a whole)."""
    out = []
    for (s1, e1, _k1, g1), (s2, e2, _k2, g2) in zip(digits, digits[1:]):
        if (g1.isdigit() and g2.isdigit() and len(g1) <= 2 and len(g2) <= 3 and 0 < int(g1) < int(g2)
                and _SHARE_GAP.fullmatch(text, e1, s2) and not text[e2:e2 + 1] in ",." + "0123456789"):
            out.append((s1, e2, "r", text[s1:e2]))
    return out


def _token_matches(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, token) for every number token, digits and words merged in text order."""
    out = [(m.start(), m.end(), "d", m.group()) for m in _DIGIT_TOKEN.finditer(text)]
    if " in " in text or " out of " in text:
        shares = _digit_shares(text, out)
        if shares:  # "1 in 4 adults": a share of a whole, one token
            spans = [(a, b) for a, b, _k, _g in shares]
            out = [t for t in out if not any(a <= t[0] < b for a, b in spans)] + shares
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


def _word_value(s: str) -> float | None:
    """Value of an English number word phrase ("twenty-one", "three hundred", "a dozen")."""
    total = 0.0
    cur = 0.0
    words = re.split(r"[\s-]+", s.lower())
    if "point" in words:  # "twenty one point five" -> 21.5
        i = words.index("point")
        whole = _word_value(" ".join(words[:i]))
        digits = "".join(str(_ONES.get(w, "")) for w in words[i + 1:])
        return None if whole is None or not digits else whole + float("0." + digits)
    for w in words:
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
