"""What a figure measures: match the words around a mention against the indicator catalog.

Each catalog entry lists cue alternatives (sets of terms that must all occur near the number). A cue's
score grows as its terms sit closer to the number; terms in the clause count more than terms elsewhere in
the sentence, and those more than the table-row label or section heading. Only indicators whose unit list
holds the mention's unit and whose measure fits the mention (a change amount needs a change indicator)
compete; the best score wins. No match leaves the indicator empty.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, cache
from typing import Any

from schemas import vocab
from tally.resolve.entities import find_entities
from tally.resolve.measured import lead_word

MEASURES = vocab.MEASURES


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    measure: str
    units: tuple[str, ...]
    relation: str
    side: str | None
    mirror: str | None
    cues: tuple[tuple[re.Pattern[str], ...], ...]
    nots: tuple[re.Pattern[str], ...]
    counterpart_preps: tuple[str, ...] | None
    raw: dict[str, Any]
    cue_terms: tuple[frozenset[re.Pattern[str]], ...] = ()  # each cue's terms as a set, to test presence at once


# Term pattern -> the lower-case word prefixes (up to 3 characters) any match of it starts with, for
# terms anchored at a word start; a window none of whose words begins so cannot hold the term.
_LEADS: dict[re.Pattern[str], frozenset[str]] = {}
_LEAD_LEN = 3
# Term pattern -> the longer literal beginnings (up to 10 characters) any match of it starts with: word
# characters only for anchored terms (a word that begins with one), any ASCII for the others (a window whose
# lower-cased text contains none of them cannot hold the term). Looking them up is far cheaper than the regex.
_OPENINGS: dict[re.Pattern[str], tuple[str, ...]] = {}
_OPENING_LEN = 10


def _term(t: str) -> re.Pattern[str]:
    # A term matches at a word start (or anywhere if it starts with a non-word pattern such as '^' or '\$').
    anchored = not (t.startswith(("^", "\\$", "\\b", "(?")) and not t.startswith("(?:"))
    pat = re.compile((r"(?<![\w-])" if anchored else "") + "(?:" + t + ")", re.I)
    leads = _leads(t) if anchored else None
    if leads:
        _LEADS[pat] = leads
        _OPENINGS[pat] = tuple(sorted(_leads(t, _OPENING_LEN) or leads))
    elif openings := _leads(t, _OPENING_LEN, word=False):
        _OPENINGS[pat] = tuple(sorted(openings))
    return pat


def _leads(t: str, n: int = _LEAD_LEN, word: bool = True) -> frozenset[str] | None:
    """Lower-case prefixes (ASCII word characters, or with word=False any ASCII, up to n) that every match of
    regex t starts with, or None when that cannot be told (then the term is always searched)."""
    try:
        from re import _parser  # the stdlib's own regex parser; if its shape changes we only lose speed

        out = _expand(list(_parser.parse(t, re.I)), "", n, word)
    except Exception:
        return None
    return None if not out or "" in out or len(out) > 64 else frozenset(out)


def _expand(seq: list, acc: str, n: int, word: bool = True) -> set[str]:
    """Prefixes of the matches of a parsed regex sequence, each starting with acc (see _leads)."""
    if len(acc) >= n or not seq:
        return {acc}
    (op, av), rest = seq[0], list(seq[1:])
    name = str(op)
    if name == "LITERAL" or name == "IN":
        if name == "IN" and any(str(o) != "LITERAL" for o, _ in av):
            return {acc}
        chars = {chr(av).lower()} if name == "LITERAL" else {chr(v).lower() for _, v in av}
        if not all(c.isascii() and (c.isalnum() or c == "_" or not word) for c in chars):
            return {acc}
        return set().union(*(_expand(rest, acc + c, n, word) for c in chars))
    if name == "BRANCH":
        return set().union(*(_expand(list(alt) + rest, acc, n, word) for alt in av[1]))
    if name == "SUBPATTERN":
        return _expand(list(av[-1]) + rest, acc, n, word)
    if name in ("MAX_REPEAT", "MIN_REPEAT"):
        once = _expand(list(av[2]), acc, n, word)  # the prefix ends with the first repetition
        return once | _expand(rest, acc, n, word) if av[0] == 0 else once
    if name in ("AT", "ASSERT", "ASSERT_NOT"):  # zero-width
        return _expand(rest, acc, n, word)
    return {acc}


@cache
def catalog() -> dict[str, Entry]:
    """Indicator code -> compiled entry, in catalog order (the catalog is checked first: CatalogError)."""
    from tally.resolve.catalog import require_valid

    require_valid()
    out: dict[str, Entry] = {}
    for code, e in vocab.indicators().items():
        cues = tuple(tuple(_term(t) for t in (c if isinstance(c, list) else [c])) for c in e.get("cues", []))
        out[code] = Entry(code, e["measure"], tuple(e.get("units") or ()), e.get("relation", "none"), e.get("side"),
                          e.get("mirror"), cues, tuple(_term(t) for t in e.get("not", []) or []),
                          tuple(e["counterpart_preps"]) if e.get("counterpart_preps") else None, e,
                          tuple(frozenset(c) for c in cues))
    return out


_CHANGE_AFTER = re.compile(r"^\s*(?:increase|decrease|decline|rise|drop|reduction|fall|growth|gain|jump|surge|"
                           r"contraction|cut|hike|growth rate)\b", re.I)
_CHANGE_BEFORE = re.compile(r"\b(?:(?:increased?|decreased?|declined?|rose|risen|rising|grew|grown|growing|fell|fallen|"
                            r"dropped|climbed|jumped|surged|soared|plunged|plummeted|reduced|reducing|cut|raised|"
                            r"expanding|increasing|expanded|rise|grow)\s+(?:by\s+)?(?:an?\s+)?(?:estimated\s+)?"
                            r"|(?:increase|decrease|decline|rise|drop|growth|gain|reduction|cut|hike)\s+of\s+)$", re.I)
_SHARE_AFTER = re.compile(r"^\s*(?:of|for)\b", re.I)
_SHARE_BEFORE = re.compile(r"\b(?:share|accounted for|accounting for|accounts for|account for|represent\w*|"
                           r"comprising|making up|makes? up)\b[^.;]{0,25}$", re.I)


def infer_measure(text: str, start: int, end: int, unit: str, change: str | None) -> str:
    """level, share or change from the mention and its immediate words (before the catalog is consulted)."""
    if change in ("up", "down"):
        return "change"
    before = text[max(0, start - 60):start]
    after = text[end:end + 30]
    if unit in ("percent", "percentage_points", "basis_points"):
        if _CHANGE_AFTER.match(after) or _CHANGE_BEFORE.search(before):
            return "change"
        if unit == "percent" and (_SHARE_AFTER.match(after) or _SHARE_BEFORE.search(before)):
            return "share"
        return "share" if unit == "percent" else "level"
    return "level"


def _fits(entry: Entry, measure: str, unit: str) -> bool:
    if entry.units and unit not in entry.units:
        return False
    # one entry may cover a concept's level and change forms ("inflation was 2.9%", "inflation rose to 2.9%")
    return any(_fits_form(measure, form, unit) for form in entry.raw.get("forms") or (entry.measure,))


def _fits_form(measure: str, form: str, unit: str) -> bool:
    """Whether a mention of this measure may be a figure of this form."""
    if measure == "change" or form == "change":
        return measure == form
    if measure == "level" and form == "share":
        return unit == "percent"
    return True


@cache
def _candidates(measure: str, unit: str) -> tuple[Entry, ...]:
    """The catalog entries a mention of this measure and unit may belong to, in catalog order."""
    return tuple(e for e in catalog().values() if _fits(e, measure, unit))


@cache
def _term_index() -> tuple[tuple[re.Pattern[str], ...], dict[str, tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]]]:
    """The catalog's terms (cues and nots) that are always searched, and for each word lead (see _LEADS)
    the terms that may begin with it, with their literal openings."""
    terms = {p: None for e in catalog().values() for p in (*(t for c in e.cues for t in c), *e.nots)}
    by_lead: dict[str, list] = {}
    for pat in terms:
        for lead in sorted(_LEADS.get(pat, ())):
            by_lead.setdefault(lead, []).append((pat, _OPENINGS[pat]))
    return tuple(p for p in terms if p not in _LEADS), {k: tuple(v) for k, v in by_lead.items()}


_NO_HITS: dict[re.Pattern[str], tuple[tuple[int, int], ...]] = {}
# The first characters of each word (as many as an opening has): the part a term's openings are compared with.
_WORD = re.compile(r"(?<![\w-])\w{1,%d}" % _OPENING_LEN)


@lru_cache(maxsize=4096)
def _present(text: str) -> dict[re.Pattern[str], tuple[tuple[int, int], ...]]:
    """Every catalog term that matches in a window, with where (cached: the mentions of a sentence share
    their windows).

    A term with word leads starts at a word start (it is anchored so), with one of its literal openings:
    it is tried only at the words of the window that begin so, not searched for through the whole window.
    """
    always, by_lead = _term_index()
    if not _folds_safely(text):
        terms = (*always, *{p: None for v in by_lead.values() for p, _ in v})
        return {p: h for p in terms if (h := tuple(m.span() for m in p.finditer(text)))} or _NO_HITS
    low = text.lower()  # as long as text: _folds_safely excludes the one character whose lower case is two
    at: dict[re.Pattern[str], list[int]] = {}
    for m in _WORD.finditer(low):
        for pat in _terms_opening(m.group()):
            at.setdefault(pat, []).append(m.start())
    out = {}
    for pat in always:
        openings = _OPENINGS.get(pat)
        if openings is not None and not any(o in low for o in openings):
            continue
        spans = tuple(m.span() for m in pat.finditer(text))
        if spans:
            out[pat] = spans
    for pat, starts in at.items():
        spans, end = [], 0
        for i in sorted(set(starts)):
            if i >= end:
                m = pat.match(text, i)
                if m:
                    spans.append(m.span())
                    end = m.end()
        if spans:
            out[pat] = tuple(spans)
    return out or _NO_HITS


@lru_cache(maxsize=65536)
def _terms_opening(word: str) -> tuple[re.Pattern[str], ...]:
    """The terms one of whose literal openings a (lower-case) word begins with."""
    by_lead = _term_index()[1]
    found = {pat: None for lead in sorted({word[:1], word[:2], word[:3]}) for pat, openings in by_lead.get(lead, ())
             if word.startswith(openings)}
    return tuple(found)


# Characters that re.IGNORECASE matches to an ASCII letter although str.lower() does not make them one
# (the dotted and dotless i, the long s, the Kelvin sign); U+0130 is also the only character whose lower
# case is two characters long.
_ODD_FOLDS = re.compile("[\\u0130\\u0131\\u017f\\u212a]")


def _folds_safely(text: str) -> bool:
    """Whether text.lower() is as long as text and holds every case-insensitive match of an ASCII literal
    where the match is (so literal openings and word leads may be looked up in it)."""
    return text.isascii() or _ODD_FOLDS.search(text) is None


def _closeness(pat: re.Pattern[str], windows: list[tuple[dict, int, int, float]]) -> float:
    """How close a term sits to the number at its best place (0 if absent).
    windows: (the window's terms, as _present gives them; number start, number end, weight), offsets
    relative to the window text; a term that overlaps the number itself does not count."""
    best = 0.0
    for present, a0, a1, weight in windows:
        for s, e in present.get(pat, ()):
            if s < a1 and e > a0:
                continue
            d = s - a1 if s >= a1 else a0 - e
            best = max(best, weight / (1.0 + d / 40.0))
    return best


class _Terms:
    """Closeness of each cue term to one mention, each term looked up at most once per window set."""

    def __init__(self, near: list[tuple[str, int, int, float]], far: list[tuple[str, int, int, float]]) -> None:
        self.near, self.far = near, far
        self._near: dict[re.Pattern[str], float] = {}
        self._far: dict[re.Pattern[str], float] = {}

    def score(self, cue: tuple[re.Pattern[str], ...], far: bool = False) -> float:
        """Per-term closeness averaged, with a small bonus per extra term (specificity); 0 if a term is
        missing. With far=True a term may also sit in the table-row label or section heading."""
        total = 0.0
        for pat in cue:
            best = self._near.get(pat)
            if best is None:
                best = self._near[pat] = _closeness(pat, self.near)
            if far:
                f = self._far.get(pat)
                if f is None:
                    f = self._far[pat] = _closeness(pat, self.far)
                best = max(best, f)
            if best == 0.0:
                return 0.0
            total += best
        return total / len(cue) * (1.0 + 0.1 * (len(cue) - 1))


@dataclass(frozen=True, slots=True)
class Classified:
    code: str | None
    measure: str
    entry: Entry | None
    score: float = 0.0
    reason: str | None = None  # which cue of the entry decided, and where it was found (or why none)


_FLOW_PHRASE = re.compile(r"\b(?:(?P<imp>imports?|imported|purchases)|exports?|exported|shipments?|sales abroad)\b", re.I)
_AID_PHRASE = re.compile(r"\b(?:aid|assistance|grants?|loans?|support)\b", re.I)


def relation_of_phrase(phrase: str | None) -> tuple[str | None, str | None]:
    """(relation, side) a measured phrase implies when no catalog entry fits: "agricultural exports to China"
    is a flow, "humanitarian assistance" a donor-recipient pair. Imports are left alone: without an entry's
    mirror the exporter is too often unnamed ("U.S. imports of shellfish")."""
    if not phrase:
        return None, None
    m = _FLOW_PHRASE.search(phrase)
    if m:
        return (None, None) if m.group("imp") else ("flow", None)
    return ("partner", None) if _AID_PHRASE.search(phrase) else (None, None)


def classify(text: str, start: int, end: int, clause: tuple[int, int], sentence: tuple[int, int], unit: str,
             change: str | None, label: str | None = None, section: str | None = None,
             measured: tuple[int, int] | None = None) -> Classified:
    """The best catalog indicator for the mention text[start:end] (document offsets), or None."""
    measure = infer_measure(text, start, end, unit, change)
    in_clause = _present(text[clause[0]:clause[1]])
    in_sentence = _present(text[sentence[0]:sentence[1]])
    # Cue terms that overlap the number itself are skipped (_closeness).
    windows = [(in_clause, start - clause[0], end - clause[0], 3.0),
               (in_sentence, start - sentence[0], end - sentence[0], 1.5)]
    ctx_windows = [(_present(s), len(s), len(s), 0.6) for s in (label, section) if s]
    # a cue scores only if each of its terms is found somewhere (near, or also in the label or heading)
    near = in_clause.keys() | in_sentence.keys()
    anywhere = near.union(*(w[0] for w in ctx_windows)) if ctx_windows else near
    terms = _Terms(windows, ctx_windows)
    zone: _Zone | None = None
    best: Classified | None = None
    near_only: str | None = None  # the best entry whose cues are only near the number
    near_score = 0.0
    for entry in _candidates(measure, unit):
        if entry.nots and any(p in in_clause for p in entry.nots):
            continue
        score, reason = 0.0, None
        for cue, need in zip(entry.cues, entry.cue_terms):
            if not need <= anywhere:
                continue
            sc = terms.score(cue) if need <= near else 0.0
            if sc == 0.0 and ctx_windows:
                sc = 0.5 * terms.score(cue, far=True)
            if sc == 0.0:
                continue
            zone = zone or _Zone(text, measured, (start, end), label, section)
            why = zone.reason(cue)
            if why is not None and entry.raw.get("total") and zone.component(cue):
                why = None  # "coal exports": a part of the catch-all total, not the total
            if why is None:
                if sc > near_score:
                    near_only, near_score = entry.code, sc
                continue
            if sc > score:  # more terms found near the number = a more specific match
                score, reason = sc, why
        if entry.raw.get("generic"):
            score *= 0.75  # catch-all indicators (exports, aid) yield to specific ones that also fit
        if score > 0 and (best is None or score > best.score + 1e-9):
            best = Classified(entry.code, measure, entry, score, f"{entry.code}: {reason}")
    if best is None:
        why = (f"{near_only}: cue only near the number, not in the measured phrase" if near_only
               else "no catalog cue near the number")
        return Classified(None, measure, None, 0.0, why)
    forms = best.entry.raw.get("forms") or ()
    m = measure if measure == "change" else best.entry.measure
    return Classified(best.code, m, best.entry, best.score, best.reason)


# Words before a cue that keep a `total: true` indicator's total ("total exports", "U.S. goods exports").
_TOTAL_WORDS = frozenset("the a an its their total overall gross net real nominal annual quarterly monthly merchandise "
                         "goods services and of in to from for by with between new additional further".split())


class _Zone:
    """Where a cue term may decide: the measured phrase with the words joining it to the number ("45% of its
    exports"), the verb right before the number ("exported 5 million tonnes"), or a table's row label or heading."""

    def __init__(self, text: str, measured: tuple[int, int] | None, number: tuple[int, int], label: str | None,
                 section: str | None) -> None:
        self.text, self.measured, self.label, self.section = text, measured, label, section
        lead = lead_word(text, number[0])
        self.span = None
        if measured is not None:
            self.span = (min(measured[0], number[1], lead), max(measured[1], number[0]))
        elif lead < number[0]:
            self.span = (lead, number[0])

    def component(self, cue: tuple[re.Pattern[str], ...]) -> bool:
        """Whether the measured phrase names a part of the concept: a word before the cue term that is
        neither a party, a determiner nor a word that keeps the total ("coal exports", "dwelling investment")."""
        if self.measured is None:
            return False
        phrase = self.text[self.measured[0]:self.measured[1]]
        for p in cue:
            hit = p.search(phrase)
            if hit:
                before = phrase[:hit.start()]
                for e in reversed(find_entities(before)):
                    before = before[:e.start] + before[e.end:]
                words = [w for w in re.findall(r"[A-Za-z][\w-]*", before.replace("’s", "").replace("'s", ""))
                         if w.lower() not in _TOTAL_WORDS]
                return bool(words)
        return False

    def reason(self, cue: tuple[re.Pattern[str], ...]) -> str | None:
        """The rule and the term that let this cue decide, or None when its terms are only nearby."""
        if self.span is not None:
            phrase = self.text[self.measured[0]:self.measured[1]] if self.measured else ""
            for p in cue:
                hit = p.search(self.text, *self.span)
                if hit:
                    return f"measured_cue '{hit.group()}'" + (f" (measured: {phrase})" if phrase else "")
        for where, s in (("row label", self.label), ("heading", self.section)):
            for p in cue:
                hit = p.search(s) if s else None
                if hit:
                    return f"heading_cue '{hit.group()}' in {where}"
        return None
