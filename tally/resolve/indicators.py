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


# Term pattern -> the lower-case word prefixes (up to 3 characters) any match of it starts with, for
# terms anchored at a word start; a window none of whose words begins so cannot hold the term.
_LEADS: dict[re.Pattern[str], frozenset[str]] = {}
_LEAD_LEN = 3


def _term(t: str) -> re.Pattern[str]:
    # A term matches at a word start (or anywhere if it starts with a non-word pattern such as '^' or '\$').
    anchored = not (t.startswith(("^", "\\$", "\\b", "(?")) and not t.startswith("(?:"))
    pat = re.compile((r"(?<![\w-])" if anchored else "") + "(?:" + t + ")", re.I)
    leads = _leads(t) if anchored else None
    if leads:
        _LEADS[pat] = leads
    return pat


def _leads(t: str) -> frozenset[str] | None:
    """Lower-case prefixes (ASCII word characters, up to 3) that every match of regex t starts with, or
    None when that cannot be told (then the term is always searched)."""
    try:
        from re import _parser  # the stdlib's own regex parser; if its shape changes we only lose speed

        out = _expand(list(_parser.parse(t, re.I)), "")
    except Exception:
        return None
    return None if not out or "" in out or len(out) > 64 else frozenset(out)


def _expand(seq: list, acc: str) -> set[str]:
    """Prefixes of the matches of a parsed regex sequence, each starting with acc (see _leads)."""
    if len(acc) >= _LEAD_LEN or not seq:
        return {acc}
    (op, av), rest = seq[0], list(seq[1:])
    name = str(op)
    if name == "LITERAL" or name == "IN":
        if name == "IN" and any(str(o) != "LITERAL" for o, _ in av):
            return {acc}
        chars = {chr(av).lower()} if name == "LITERAL" else {chr(v).lower() for _, v in av}
        if not all(c.isascii() and (c.isalnum() or c == "_") for c in chars):
            return {acc}
        return set().union(*(_expand(rest, acc + c) for c in chars))
    if name == "BRANCH":
        return set().union(*(_expand(list(alt) + rest, acc) for alt in av[1]))
    if name == "SUBPATTERN":
        return _expand(list(av[-1]) + rest, acc)
    if name in ("MAX_REPEAT", "MIN_REPEAT"):
        once = _expand(list(av[2]), acc)  # the prefix ends with the first repetition
        return once | _expand(rest, acc) if av[0] == 0 else once
    if name in ("AT", "ASSERT", "ASSERT_NOT"):  # zero-width
        return _expand(rest, acc)
    return {acc}


_WORD_START = re.compile(r"(?<![\w-])\w{1,%d}" % _LEAD_LEN)


@lru_cache(maxsize=1024)
def _word_leads(text: str) -> frozenset[str]:
    """Every prefix (1 to 3 characters) of the words of an ASCII text, lower-cased."""
    return frozenset(w[:i] for w in _WORD_START.findall(text.lower()) for i in range(1, len(w) + 1))


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
                          tuple(e["counterpart_preps"]) if e.get("counterpart_preps") else None, e)
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


@lru_cache(maxsize=8192)
def _hits(pat: re.Pattern[str], text: str) -> tuple[tuple[int, int], ...]:
    """Where a cue term matches in a window (cached: mentions in one sentence share their windows)."""
    leads = _LEADS.get(pat)
    if leads is not None and text.isascii() and leads.isdisjoint(_word_leads(text)):
        return ()
    return tuple(m.span() for m in pat.finditer(text))


def _closeness(pat: re.Pattern[str], windows: list[tuple[str, int, int, float]]) -> float:
    """How close a term sits to the number at its best place (0 if absent).
    windows: (text, number start, number end, weight), offsets relative to the window text; a term that
    overlaps the number itself does not count."""
    best = 0.0
    for text, a0, a1, weight in windows:
        for s, e in _hits(pat, text):
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
    ctext = text[clause[0]:clause[1]]
    # Cue terms that overlap the number itself are skipped (_closeness).
    windows = [(ctext, start - clause[0], end - clause[0], 3.0)]
    stext = text[sentence[0]:sentence[1]]
    windows.append((stext, start - sentence[0], end - sentence[0], 1.5))
    ctx_windows = [(s, len(s), len(s), 0.6) for s in (label, section) if s]
    terms = _Terms(windows, ctx_windows)
    zone = _Zone(text, measured, (start, end), label, section)
    best: Classified | None = None
    near_only: str | None = None  # the best entry whose cues are only near the number
    near_score = 0.0
    for entry in _candidates(measure, unit):
        if any(_hits(p, ctext) for p in entry.nots):
            continue
        score, reason = 0.0, None
        for cue in entry.cues:
            sc = terms.score(cue)
            if sc == 0.0 and ctx_windows:
                sc = 0.5 * terms.score(cue, far=True)
            if sc == 0.0:
                continue
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
