"""Unit lexicon lookup: the surface forms of schemas/units.yaml compiled into anchored regexes.

Nothing here is a hand list of units: the forms, currencies and rate denominators are data in
`schemas/units.yaml` (tested against pint and pycountry in tests/test_units.py); this module only
compiles them once and answers "which unit is written at this position".
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.vocab import unit_lexicon, units

UNIT_CODES: frozenset[str] = frozenset(units())
H = r"[ \t\u00a0]"
SP = rf"{H}{{0,3}}(?:\n{H}{{0,8}})?"  # bounded gap between number and scale/unit: blanks and one line wrap
DURATIONS = frozenset({"seconds", "minutes", "hours", "days", "weeks", "months", "years", "decades"})

_LEX = unit_lexicon()


def _rx(form: str) -> str:
    """A lexicon regex with its {sp}/{h} placeholders filled in (str.replace: regexes hold braces)."""
    return form.replace("{sp}", SP).replace("{h}", H)


@dataclass(frozen=True, slots=True)
class Form:
    """One compiled surface form: regex, unit code ("" = outside the vocabulary) and factor."""

    rx: re.Pattern[str]
    unit: str
    factor: float


UNIT_FORMS: list[Form] = [Form(re.compile(_rx(f["form"])), f["unit"], float(f.get("factor", 1.0)))
                          for f in _LEX["forms"]]
CURRENCY_WORDS: list[Form] = [Form(re.compile(SP + "(?:" + _rx(f["form"]) + r")\b"), f["unit"],
                                   float(f.get("factor", 1.0))) for f in _LEX["currencies"]["words"]]
# Tried in this order: coded units, currency words, then the forms outside the vocabulary.
RIGHT_FORMS: list[Form] = [f for f in UNIT_FORMS if f.unit] + CURRENCY_WORDS + [f for f in UNIT_FORMS if not f.unit]
# All of them as one alternation (one C-level match per number instead of ~90 Python calls); the
# leftmost alternative that matches wins, so the order above is kept.
_ONE_RX = re.compile("|".join(f"(?P<f{i}>{f.rx.pattern})" for i, f in enumerate(RIGHT_FORMS)))


# Words that follow numbers all the time and start no unit: checked first, so most numbers skip the
# ~100-way alternation (a unit form starts with a letter or one of % ‰ ° º -).
_NEXT = re.compile(r"[ \t\u00a0]{0,3}(?:\n[ \t\u00a0]{0,8})?(?:(?P<w>[A-Za-z]+)|(?P<p>[%‰°º-]))")
_NO_UNIT = frozenset("in of the and to from for on at by with or is was were are as than since compared between "
                     "while but that which this these its their his her it be been has have had will would could "
                     "not no also after before during until into over under about more less each per year years "
                     "month months".split()) - {"per", "year", "years", "month", "months"}


def unit_after(text: str, pos: int) -> tuple[Form, int] | None:
    """The first surface form written at `pos` (after a number and its scale): (form, end) or None."""
    ch = text[pos:pos + 1]
    if not (ch.isalpha() or (ch != "" and ch in " \t\u00a0\n%‰°º-")):
        return None  # what _NEXT requires, without a regex call
    n = _NEXT.match(text, pos)
    if n is None or (n["w"] and n["w"].lower() in _NO_UNIT):
        return None
    m = _ONE_RX.match(text, pos)
    if m is None:
        return None
    return RIGHT_FORMS[int(m.lastgroup[1:])], m.end()
CURRENCY_SIGNS: dict[str, str] = dict(_LEX["currencies"]["signs"])
DOLLAR_PREFIXES: dict[str, str] = {k.upper(): v for k, v in _LEX["currencies"]["dollar_prefixes"].items()}
CURRENCIES: frozenset[str] = frozenset(u for u, e in units().items() if e["dimension"] == "currency")
_PREFIX_WORDS = {k.lower(): v for k, v in _LEX["currencies"]["prefix_words"].items()}
_LISTED = list(_LEX["currencies"]["codes"])
assert all(f.unit in UNIT_CODES for f in UNIT_FORMS + CURRENCY_WORDS if f.unit), "unit code missing from units.yaml"

_SIGN_CLASS = "".join(re.escape(s) for s in CURRENCY_SIGNS)
_CODE_ALT = "|".join(sorted([re.escape(k) for k in _PREFIX_WORDS if k.isascii()] + _LISTED, key=len, reverse=True))
CUR_BEFORE = re.compile(
    rf"(?:(?:(?<![A-Za-z])(?P<pre>[A-Za-z]{{1,3}}))?(?P<sym>[{_SIGN_CLASS}])|(?<![A-Za-z])(?P<code>(?i:{_CODE_ALT})))"
    r"(?P<neg>[-−])?[ \u00a0]?$"
)


def currency_before(m: re.Match[str]) -> str | None:
    """The ISO code of a currency written before a number (a CUR_BEFORE match); None when unknown."""
    if m["sym"]:
        pre = (m["pre"] or "").upper()
        if not pre:
            return CURRENCY_SIGNS[m["sym"]]
        return DOLLAR_PREFIXES.get(pre) if m["sym"] == "$" else None
    code = m["code"]
    return _PREFIX_WORDS.get(code.lower()) or (code.upper() if code.upper() in CURRENCIES else None)


# --------------------------------------------------------------------------- rates

_RATES = _LEX["rates"]
_PER = rf"(?:{H}{{0,2}}/{H}?|{H}+(?i:per|an?){H}+)"
_PRICE_DEN = [(re.compile(rf"{_PER}(?:{_rx(d['form'])})(?![\w/])"), d["den"]) for d in _RATES["price_denominators"]]
_PRICE_NUM = frozenset(_RATES["price_numerators"])
_RATE_FIRST = (" ", "\t", "\u00a0", "/")
_BASE_NUM = r"(?P<base>[0-9]{1,3}(?:[ ,\u00a0][0-9]{3})*|one|a)"
_COUNT_RATES = [
    (re.compile(rf"(?P<noun>(?:{H}+{n})?)"
                rf"{_PER}(?:{_BASE_NUM}{H}+)?(?:{_rx(r['form'])})(?![\w/])"), r["unit"], int(r["base"]))
    for r in _RATES["count_rates"]
    for n in [_rx(r["nouns"]) if r.get("nouns") else r"(?:[a-z][a-z-]+{h}+)?[a-z][a-z-]+".replace("{h}", H)]
]
_AMOUNT_RATES = [(r["num"], re.compile(rf"{_PER}(?:{_rx(r['form'])})(?![\w/])"), r["unit"]) for r in _RATES["amount_rates"]]


def _base_value(s: str | None) -> int:
    """The stated base of a rate ("100 000" -> 100000, "a"/None -> 1)."""
    if not s or s.lower() in ("a", "one"):
        return 1
    return int(re.sub(r"[ ,\u00a0]", "", s))


def read_rate(text: str, pos: int, unit: str | None) -> tuple[str, int] | None:
    """A per-unit rate written at `pos` after a number of `unit`: (rate code, end) or None."""
    if text[pos:pos + 1] not in _RATE_FIRST:
        return None  # every rate pattern starts with a blank or "/"
    if unit in _PRICE_NUM:
        for rx, den in _PRICE_DEN:
            m = rx.match(text, pos)
            if m and f"{unit}_per_{den}" in UNIT_CODES:
                return f"{unit}_per_{den}", m.end()
        return None
    for num, rx, code in _AMOUNT_RATES:
        if unit == num:
            m = rx.match(text, pos)
            if m:
                return code, m.end()
    if unit in (None, "count"):
        for rx, code, base in _COUNT_RATES:
            m = rx.match(text, pos)
            if m and _base_value(m["base"]) == base and (code != "count" or m["noun"]):
                return code, m.end()
    return None
