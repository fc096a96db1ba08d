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

COUNTRY, GROUP, AGGREGATE, DEMONYM, CAPITAL, INSTITUTION, PAIR, BLOCKED = (
    "country", "group", "aggregate", "demonym", "capital", "institution", "pair", "blocked")
_NATIONAL = (COUNTRY, DEMONYM, CAPITAL, INSTITUTION)

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

    @property
    def codable(self) -> bool:
        return self.code is not None and self.kind not in (BLOCKED, PAIR)


def _fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


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
    for n in al.get("pairs") or []:
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
    end = len(text) if end is None else end
    out = []
    for m in pat.finditer(text, start, end):
        code, kind = forms[m.group()]
        prep, poss = _role(text, m.start(), m.end())
        out.append(Entity(m.start(), m.end(), m.group(), code, kind, prep, poss))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Sentences and clauses
# ---------------------------------------------------------------------------------------------

_ABBREV = frozenset("mr mrs ms dr st no nos vs etc inc corp co ltd jan feb mar apr jun jul aug sep sept oct nov dec "
                    "rept gov approx fig figs vol pp al e.g i.e est".split())
_BOUNDARY = re.compile(r"[.!?][\"'’”)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9•–—-])")
_CLAUSE_BREAK = re.compile(r"\s*[;:](?!\d)\s*|,\s+(?=(?:while|whereas|but|although|though|yet)\b)|\s+—\s+(?=[A-Z])|\s(?=while\s)")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end] (abbreviations such as U.S. and Sep. do not end a sentence)."""
    end = len(text) if end is None else end
    spans, s = [], start
    for m in _BOUNDARY.finditer(text, start, end):
        tok = re.search(r"\S*$", text[s:m.start()]).group().lstrip("(\"'“‘")
        if re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", tok) or tok.lower().rstrip(".") in _ABBREV:
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


_RELATION_PREPS = {
    "flow": ("to", "into", "toward", "towards", "for"),
    "flow_import": ("of", "from", "on", "to"),
    "partner": ("to", "into", "toward", "towards", "for", "with", "on", "from", "against", "of"),
    "symmetric": ("with", "between", "and", "to", "from"),
}
_OWNER_WORDS = re.compile(r"\s*(?:of|for)\s+(?:the\s+)?(?:(?P<pron>its|their|the nation[’']s|the country[’']s)\b|"
                          r"(?=\S))")


def _codable(ents: list[Entity], aggregates: bool = False) -> list[Entity]:
    return [e for e in ents if e.codable and (aggregates or e.kind != AGGREGATE)]


def _in(ents: list[Entity], span: tuple[int, int]) -> list[Entity]:
    return [e for e in ents if span[0] <= e.start and e.end <= span[1]]


def _subject_like(e: Entity) -> bool:
    """A name that can be the owner of the figure: not the object of a preposition (possessives inside a
    prepositional phrase still name an owner only when they are not governed by to/into/for)."""
    return e.prep is None or (e.possessive and e.prep not in ("to", "into", "toward", "towards", "for", "with", "on"))


def _nearest(ents: list[Entity], pos: int, prefer_before: bool = True) -> Entity | None:
    if not ents:
        return None
    before = [e for e in ents if e.end <= pos]
    if prefer_before and before:
        return max(before, key=lambda e: e.end)
    return min(ents, key=lambda e: abs(e.start - pos))


def _sentence_subject(ents: list[Entity]) -> Entity | None:
    """The first name that is not the object of a preposition: usually the grammatical subject."""
    for e in ents:
        if _subject_like(e):
            return e
    return None


_FLOW_NOUN = re.compile(r"\b(?:exports?|imports?|shipments?|purchases|supplies|sales|deliveries|flows)\b", re.I)


def _flow_parse(t: str, clause: list[Entity], cspan: tuple[int, int], ms: int, me: int,
                side: str | None) -> tuple[Entity | None, Entity | None]:
    """Owner and partner of the flow noun nearest the number: "Chinese imports of Russian crude",
    "Beijing's semiconductor exports to Russia", "U.S. LNG exports to Europe"."""
    nouns = [m for m in _FLOW_NOUN.finditer(t, cspan[0], cspan[1])]
    if not nouns:
        return None, None
    n = min(nouns, key=lambda m: min(abs(m.start() - me), abs(ms - m.end())))
    owner = None
    for e in reversed([e for e in clause if e.end <= n.start()]):
        gap = t[e.end:n.start()]
        words = re.findall(r"[A-Za-z(][\w)-]*", gap.replace("’s", "").replace("'s", ""))
        if len(words) > 3 or re.search(r"[,;]", gap):
            break
        # "Russian gas imports": an adjective on the commodity names the origin of an import, not the importer
        if side == "import" and words and not e.possessive:
            break
        owner = e
        break
    partner = None
    want = ("of", "from") if side == "import" else ("to", "into", "toward", "towards", "for")
    for e in clause:
        if e.start >= n.end() and e.start - n.end() <= 45 and e.prep in want and e is not owner:
            partner = e
            break
    return owner, partner


def _clause_subject(sent: list[Entity], scope: Scope, pos: int) -> Entity | None:
    """Subject of the clause holding pos (first non-prepositional name before pos), else of the sentence."""
    return (_sentence_subject([e for e in sent if scope.clause[0] <= e.start < pos])
            or _sentence_subject([e for e in sent if e.start < pos]) or _sentence_subject(sent))


def _names_in(s: str | None) -> list[Entity]:
    return find_entities(s) if s else []


def resolve_parties(scope: Scope, profile: DocProfile, relation: str | None, measure: str | None,
                    side: str | None = None, preps: tuple[str, ...] | None = None) -> tuple[str | None, str | None, str]:
    """(subject, counterpart, how) for the mention in `scope`.

    relation: None (unknown indicator), "none" (single party), "flow" (exporter -> importer),
    "partner" (actor -> other party: donor/recipient, host, target), "symmetric" (bilateral; sorted codes).
    side: "import" when the indicator is the importer's view of a flow (its mirror swaps the parties later).
    """
    t = scope.text
    ms, me = scope.mention
    all_sent = find_entities(t, *scope.sentence)
    sent = _codable(all_sent)
    clause = _in(sent, scope.clause)
    pairs = [e for e in all_sent if e.kind == PAIR]
    how = []

    subject: Entity | str | None = None
    counterpart: Entity | str | None = None

    # 1. Shares name their denominator's owner right after the number: "45% of Europe's crude oil",
    #    "40% of its oil imports" (its = the sentence subject), "6.7% of Russia's GDP".
    if measure == "share":
        m = _OWNER_WORDS.match(t, me)
        if m:
            if m.group("pron"):
                subject = _clause_subject(sent, scope, ms)
                if subject:
                    how.append("share owner (pronoun -> sentence subject)")
            else:
                after = [e for e in sent if m.end() <= e.start <= m.end() + 2 and e.possessive]
                if after:
                    subject = after[0]
                    how.append("share owner (possessive)")

    # 1b. "its industrial energy costs rise by 35%", "reducing its oil revenue by 20%": a possessive pronoun
    #     before the number, with no name in between, points back to the clause's subject.
    if subject is None:
        pm = None
        for pm in re.finditer(r"\b(?:its|their)\b", t[scope.clause[0]:ms]):
            pass
        if pm is not None:
            ppos = scope.clause[0] + pm.start()
            if not [e for e in clause if ppos < e.start < ms]:
                subject = _clause_subject(sent, scope, ppos)
                if subject:
                    how.append("pronoun -> clause subject")

    multi = relation in ("flow", "partner", "symmetric")
    if multi:
        preps = preps or _RELATION_PREPS["flow_import" if side == "import" else relation]
        not_subj = lambda e: e is not subject and not (isinstance(subject, Entity) and e.code == subject.code)
        if relation == "flow" and subject is None:
            owner, partner = _flow_parse(t, clause, scope.clause, ms, me, side)
            if owner is not None:
                subject = owner
                how.append("flow owner")
            if partner is not None and partner is not owner:
                counterpart = partner
                how.append("flow partner")
        if side == "import" and counterpart is None:
            # the origin of an import is usually named as the commodity's adjective: "Russian gas", "Russian supplies"
            dem = [e for e in clause if e.kind == DEMONYM and not_subj(e) and e is not _clause_subject(sent, scope, ms)]
            if dem:
                counterpart = _nearest(dem, ms)
                how.append("counterpart: origin adjective")
        for pool in (clause, sent):
            if counterpart is not None:
                break
            cands = [e for e in pool if e.prep in preps and not_subj(e)]
            # Destinations and partners usually follow the flow noun ("aid ... to Kyiv"): prefer names after the
            # number, then the nearest before it.
            after = [e for e in cands if e.start >= me]
            if after or cands:
                counterpart = min(after, key=lambda e: e.start - me) if after else _nearest(cands, ms)
                how.append("counterpart by preposition")

    def ok(e: Entity) -> bool:
        return not (isinstance(counterpart, Entity) and e.code == counterpart.code)

    if subject is None:
        # 2. Inside the clause: for single-party figures the nearest name wins ("electricity costs in Germany");
        #    for relations the nearest name that is not a prepositional object ("the U.S. has provided ... to").
        if multi:
            cl = [e for e in clause if _subject_like(e) and ok(e)]
            st = _sentence_subject([e for e in sent if ok(e)])
            subject = st if st and (not cl or st.start < scope.clause[0] or st in cl) else _nearest(cl, ms)
            if subject is None and side != "import":
                # "crude oil exports to China" with the owner only as a modifier elsewhere in the sentence
                subject = _nearest([e for e in sent if ok(e) and e.prep not in preps], ms)
        else:
            # a world benchmark or aggregate right before the number ("the Brent spot price to $73/b",
            # "global oil inventories are falling by") outranks parties named after it
            near = [e for e in _in(_codable(all_sent, aggregates=True), scope.clause) if e.end <= ms and ok(e)]
            subject = (_nearest(near, ms) or _nearest([e for e in clause if ok(e)], ms)
                       or _sentence_subject(sent) or _nearest(sent, ms))
        if subject is not None:
            how.append("subject in sentence")
    if subject is None:
        agg = [e for e in find_entities(t, *scope.sentence) if e.kind == AGGREGATE]
        if agg:
            subject = _nearest(agg, ms)
            how.append("world aggregate")
    # 3. Table-row label, earlier text of the passage, section heading: the topic of the passage.
    if subject is None:
        for src, ents in (("label", _codable(_names_in(scope.label))),
                          ("passage", _codable(find_entities(t, scope.passage[0], scope.sentence[0]))),
                          ("section", _codable(_names_in(scope.section)))):
            cands = [e for e in ents if ok(e)]
            pick = _sentence_subject(cands) or (cands[0] if cands else None)
            if pick:
                subject = pick
                how.append(f"subject from {src}")
                break

    subj_code = subject.code if isinstance(subject, Entity) else subject
    cp_code = counterpart.code if isinstance(counterpart, Entity) else counterpart

    if relation == "symmetric":
        codes = []
        for c in (subj_code, cp_code):
            if c and c not in codes:
                codes.append(c)
        if len(codes) < 2:
            others = [e.code for e in sent if e.code not in codes]
            codes += [c for c in dict.fromkeys(others)][: 2 - len(codes)]
        if len(codes) < 2 and (pairs or not codes):
            codes += [c for c in profile.top(2) if c not in codes][: 2 - len(codes)]
            how.append("pair from document")
        if len(codes) < 2:
            codes += [c for c in profile.top(2) if c not in codes][: 2 - len(codes)]
        codes = sorted(codes[:2])
        subj_code, cp_code = (codes + [None, None])[:2]
        return subj_code, cp_code, "; ".join(how)

    if multi and cp_code is None:
        others = [e for e in (clause or sent) if e.code != subj_code] or [e for e in sent if e.code != subj_code]
        if others:
            cp_code = _nearest(others, ms, prefer_before=False).code
            how.append("counterpart: other party in sentence")
    if subj_code is None:
        top = profile.top(1, exclude={cp_code} if cp_code else None)
        subj_code = top[0] if top else None
        if subj_code:
            how.append("document default")
    if not multi:
        cp_code = None
    if cp_code == subj_code:
        cp_code = None
    return subj_code, cp_code, "; ".join(how)
