"""Countries, blocs and organisations near a quantity, and whom the quantity is about.

Names come from pycountry (name, common and official names and their uninverted forms) plus
`schemas/groups.yaml` (group codes, demonyms, capitals and institutions used as metonyms, blocked
region phrases). The party picker is grammar-light: it reads the role of each name from the words
around it (possessive, object of a preposition, bare sentence subject) and walks outwards from the
clause to the sentence, the table-row label, the passage, the section heading and the document.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache, cache
from typing import Iterable

import pycountry

from schemas import vocab

COUNTRY, GROUP, AGGREGATE, DEMONYM, CAPITAL, INSTITUTION, PAIR, BLOCKED, SUBDIVISION = (
    "country", "group", "aggregate", "demonym", "capital", "institution", "pair", "blocked", "subdivision")
_NATIONAL = (COUNTRY, DEMONYM, CAPITAL, INSTITUTION, SUBDIVISION)

# Prepositions whose object is a *relation* party (destination, partner, origin, host), not the subject.
PREPOSITIONS = frozenset("to into toward towards with from of on for in by at against between among over within across "
                         "along via through under".split())
# Words that may sit between a preposition and the name ("aid to the European Union", "to discounted Russian supplies").
_SKIPPABLE = frozenset("the a an its their his her discounted directly mainly primarily largely all other".split())
# Verbs right after a name mark it as a clause subject rather than a noun modifier ("Russia has", "NATO increased").
_VERBISH = re.compile(r"^(?:has|have|had|is|was|were|are|will|would|could|may|might|can|should|must|remains?|"
                      r"\w+ed|\w+s)\b")


@dataclass(frozen=True, slots=True)
class Entity:
    """A name found in the text; `code` is None for blocked region phrases and pair anaphors."""

    start: int
    end: int
    text: str
    code: str | None
    kind: str
    prep: str | None = None  # the preposition governing it, if any
    possessive: bool = False
    subdivision: str | None = None  # ISO 3166-2 code when the name is a part of the country `code`

    @property
    def codable(self) -> bool:
        return self.code is not None and self.kind not in (BLOCKED, PAIR)


def _fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


@cache
def subdivisions() -> dict[str, tuple[str, str]]:
    """Name -> (country alpha-3, ISO 3166-2 code) for the first-level subdivisions of the countries listed
    in groups.yaml (`subdivision_countries`); names shared by two subdivisions or by a country are left out."""
    wanted = set(vocab.aliases().get("subdivision_countries") or ())
    countries = {n for c in pycountry.countries for n in (c.name, getattr(c, "common_name", None)) if n}
    seen: dict[str, list[tuple[str, str]]] = {}
    for cc in sorted(wanted):
        country = pycountry.countries.get(alpha_2=cc)
        for sd in pycountry.subdivisions.get(country_code=cc) or ():
            if sd.parent_code is None and len(sd.name) >= 4 and sd.name not in countries:
                seen.setdefault(sd.name, []).append((country.alpha_3, sd.code))
    return {n: v[0] for n, v in seen.items() if len(v) == 1}


def pair_phrases() -> list[str]:
    """Phrases that refer to a pair of parties: the listed words and every determiner (+ modifier) + noun."""
    al = vocab.aliases()
    pp = al.get("pair_phrases") or {}
    out = list(al.get("pairs") or [])
    for d in pp.get("determiners") or []:
        for mod in [""] + list(pp.get("modifiers") or []):
            out += [" ".join(w for w in (d, mod, n) if w) for n in pp.get("nouns") or []]
    return out


@cache
def _lexicon() -> tuple[re.Pattern[str], dict[str, tuple[str | None, str]]]:
    """Surface form -> (code, kind), and one regex that finds the longest form at each position."""
    forms: dict[str, tuple[str | None, str]] = {}

    def add(form: str | None, code: str | None, kind: str, override: bool = True) -> None:
        if not form or len(form) < 2:
            return
        for f in {form, _fold(form)}:
            if override or f not in forms:
                forms[f] = (code, kind)

    # pycountry: exact names first; then derived short forms ("Iran, Islamic Republic of" -> "Iran",
    # "Islamic Republic of Iran") only when no other country claims them ("Korea" is ambiguous).
    derived: dict[str, set[str]] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            n = getattr(c, attr, None)
            if not n:
                continue
            add(n, c.alpha_3, COUNTRY)
            base = re.sub(r"\s*\(.*?\)", "", n).strip()
            if base != n:
                derived.setdefault(base, set()).add(c.alpha_3)
            if ", " in base:
                head, tail = base.split(", ", 1)
                derived.setdefault(head, set()).add(c.alpha_3)
                derived.setdefault(f"{tail} {head}".replace("the ", "", 1) if tail.endswith(" the") else f"{tail} {head}",
                                   set()).add(c.alpha_3)
    for f, codes in derived.items():
        if len(codes) == 1 and f not in forms:
            add(f, next(iter(codes)), COUNTRY)
    for n, (code, _) in subdivisions().items():
        add(n, code, SUBDIVISION, override=False)
    for g in vocab.groups().values():
        kind = AGGREGATE if g.get("kind") == "aggregate" else GROUP
        for n in g.get("names", []):
            add(n, g["code"], kind)
    al = vocab.aliases()
    for code, names in (al.get("names") or {}).items():
        for n in names:
            add(n, code, COUNTRY)
    for section, kind in (("demonyms", DEMONYM), ("capitals", CAPITAL), ("institutions", INSTITUTION)):
        for code, names in (al.get(section) or {}).items():
            for n in names:
                add(n, code, kind)
    for n in al.get("blocked") or []:
        add(n, None, BLOCKED)
    for n in pair_phrases():
        add(n, None, PAIR)
    pat = re.compile(r"(?<![\w.-])(?:" + _trie_pattern(forms) + r")(?![\w])")
    return pat, forms


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex alternation factored by common prefixes; it finds the longest form at each position.

    A flat alternation of ~600 names makes `re` try every name at every character (10x slower); no
    maintained library builds such a pattern for `re`, and it is a few lines.
    """
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alts = [re.escape(ch) + emit(node[ch]) for ch in sorted(k for k in node if k)]
        if not alts:
            return ""
        if "" not in node:
            return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        # greedy "?" tries the longer forms first, then backs off to the form ending here
        return "(?:" + "|".join(alts) + ")?"

    return emit(trie)


_POSSESSIVE = re.compile(r"[’']s?\b|[’'](?=\s)")
_WORDS = re.compile(r"[A-Za-z]+|[^\sA-Za-z]")


def _role(text: str, start: int, end: int) -> tuple[str | None, bool]:
    """(governing preposition, possessive?) for a name at text[start:end]."""
    possessive = bool(_POSSESSIVE.match(text[end:end + 2]))
    words = _WORDS.findall(text[max(0, start - 40):start])
    prep = None
    for w in reversed(words[-3:]):
        lw = w.lower()
        if lw in PREPOSITIONS:
            prep = lw
            break
        if lw not in _SKIPPABLE:
            break
    return prep, possessive


def find_entities(text: str, start: int = 0, end: int | None = None) -> list[Entity]:
    """Every name in text[start:end] with document offsets, longest form first, blocked phrases included."""
    return list(_find_entities(text, start, end))


@lru_cache(maxsize=64)  # mentions of one sentence ask for the same span; small, so old texts are let go
def _find_entities(text: str, start: int, end: int | None) -> tuple[Entity, ...]:
    pat, forms = _lexicon()
    subs = subdivisions()
    end = len(text) if end is None else end
    out = []
    for m in pat.finditer(text, start, end):
        if _CURRENCY_AFTER.match(text, m.end()):
            continue  # "US$5.2bn", "in U.S. dollars": a currency, not a party
        code, kind = forms[m.group()]
        prep, poss = _role(text, m.start(), m.end())
        sub = subs.get(_fold(m.group()), subs.get(m.group(), (None, None)))[1] if kind == SUBDIVISION else None
        out.append(Entity(m.start(), m.end(), m.group(), code, kind, prep, poss, sub))
    return tuple(out)


# A name directly followed by "$" or by "dollar(s)" names the currency (US$, A$ is handled by the extractor).
_CURRENCY_AFTER = re.compile(r"\$|\s+dollars?\b|-dollar\b", re.I)


# ---------------------------------------------------------------------------------------------
# Sentences and clauses
# ---------------------------------------------------------------------------------------------

_ABBREV = frozenset("mr mrs ms dr st no nos vs etc inc corp co ltd jan feb mar apr jun jul aug sep sept oct nov dec "
                    "rept gov approx fig figs vol pp al e.g i.e est".split())
_BOUNDARY = re.compile(r"[.!?][\"'’”)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9•–—-])")
_CLAUSE_BREAK = re.compile(r"\s*[;:](?!\d)\s*|,\s+(?=(?:while|whereas|but|although|though|yet)\b)|\s+—\s+(?=[A-Z])|\s(?=while\s)")


_INITIALS = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")


def _last_token(text: str, lo: int, hi: int) -> str:
    """The run of non-space characters that ends text[lo:hi] (what `\\S*$` finds in that slice), read backwards
    from hi: the slice from the sentence start grows with every abbreviation skipped."""
    if hi > lo and text[hi - 1] == "\n":  # `$` also matches before a final newline
        hi -= 1
    i = hi
    while i > lo and not text[i - 1].isspace():
        i -= 1
    return text[i:hi]


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end] (abbreviations such as U.S. and Sep. do not end a sentence)."""
    end = len(text) if end is None else end
    spans, s = [], start
    for m in _BOUNDARY.finditer(text, start, end):
        tok = _last_token(text, s, m.start()).lstrip("(\"'“‘")
        if _INITIALS.fullmatch(tok) or tok.lower().rstrip(".") in _ABBREV:
            continue
        spans.append((s, m.end()))
        s = m.end()
        while s < end and text[s].isspace():
            s += 1
    if s < end:
        spans.append((s, end))
    return spans


def clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clauses of one sentence: split at ; and : and before while/whereas/but/although."""
    spans, s = [], start
    for m in _CLAUSE_BREAK.finditer(text, start, end):
        if m.start() > s:
            spans.append((s, m.start()))
        s = m.end()
    if s < end:
        spans.append((s, end))
    return spans or [(start, end)]


def enclosing(spans: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for s, e in spans:
        if s <= pos < e:
            return s, e
    return min(spans, key=lambda se: abs(se[0] - pos)) if spans else (pos, pos)


# ---------------------------------------------------------------------------------------------
# Document profile
# ---------------------------------------------------------------------------------------------

@dataclass
class DocProfile:
    """What the whole document says about parties: how often each country is named."""

    counts: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, text: str) -> "DocProfile":
        pat, forms = _lexicon()  # counting needs no roles: skip find_entities' per-name context reading
        c = Counter(code for code, kind in (forms[m.group()] for m in pat.finditer(text))
                    if code is not None and kind in _NATIONAL)
        return cls(c)

    def top(self, n: int = 1, exclude: set[str] | None = None) -> list[str]:
        ex = exclude or set()
        # Ties go to the code named first would need offsets; alphabetical keeps it deterministic.
        return [c for c, _ in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0])) if c not in ex][:n]


# ---------------------------------------------------------------------------------------------
# Whom a figure is about
# ---------------------------------------------------------------------------------------------

@dataclass
class Scope:
    """The text around one mention, innermost first."""

    text: str
    mention: tuple[int, int]
    clause: tuple[int, int]
    sentence: tuple[int, int]
    passage: tuple[int, int]
    label: str | None = None
    section: str | None = None
