"""Whom a figure is about: ordered lists of small named rules, each `(context) -> pick | None`.

The subject rules and the counterpart rules are tried in order; the first that answers decides, and its
name is recorded (`mentions.subject_rule`). A pick is an Entity, a tuple of Entities (several named
parties sharing one figure: their codes sorted and joined with ";") or a bare code (document defaults).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Union

from tally.resolve.entities import (AGGREGATE, DEMONYM, PAIR, DocProfile, Entity, Scope, find_entities)

Pick = Union[Entity, tuple[Entity, ...], str]

_RELATION_PREPS = {
    "flow": ("to", "into", "toward", "towards", "for"),
    "flow_import": ("of", "from", "on", "to"),
    "partner": ("to", "into", "toward", "towards", "for", "with", "on", "from", "against", "of"),
    "symmetric": ("with", "between", "and", "to", "from"),
}
_OWNER_WORDS = re.compile(r"\s*(?:of|for)\s+(?:the\s+)?(?:(?P<pron>its|their|the nation[’']s|the country[’']s)\b|"
                          r"(?=\S))")
_FLOW_NOUN = re.compile(r"\b(?:exports?|imports?|shipments?|purchases|supplies|sales|deliveries|flows)\b", re.I)
# Names joined only by commas and "and" form one list ("Germany and Austria", "Spain, Lithuania, Portugal and Malta").
_LIST_GAP = re.compile(r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s*)(?:the\s+)?$")
# Prepositions that may govern a list of owners ("In Ireland, Italy and Cyprus", "followed by the UK, ...").
_LIST_PREPS = (None, "in", "by", "at", "within", "across")
# A figure stated relative to another party's benchmark: "32% above the EU average", "53% below".
_COMPARED = re.compile(r"\s*(?:above|below|higher than|lower than|more than|less than|under|over)\b", re.I)
_AVERAGE = re.compile(r"\baverage\b", re.I)


@dataclass
class PartyContext:
    """Everything the party rules read for one mention, and what earlier rules decided."""

    scope: Scope
    profile: DocProfile
    relation: str | None
    measure: str | None
    side: str | None = None
    preps: tuple[str, ...] | None = None
    country: str | None = None  # the publisher's country, when known
    subject: Pick | None = None
    counterpart: Pick | None = None
    rules: list[str] = field(default_factory=list)

    @cached_property
    def all_sent(self) -> list[Entity]:
        return find_entities(self.scope.text, *self.scope.sentence)

    @cached_property
    def sent(self) -> list[Entity]:
        return codable(self.all_sent)

    @cached_property
    def clause(self) -> list[Entity]:
        return within(self.sent, self.scope.clause)

    @property
    def multi(self) -> bool:
        return self.relation in ("flow", "partner", "symmetric")

    @property
    def relation_preps(self) -> tuple[str, ...]:
        return self.preps or _RELATION_PREPS["flow_import" if self.side == "import" else (self.relation or "partner")]

    def not_subject(self, e: Entity) -> bool:
        return e is not self.subject and code_of(e) != code_of(self.subject)

    def not_counterpart(self, e: Entity) -> bool:
        return code_of(e) != code_of(self.counterpart)


def code_of(p: Pick | None) -> str | None:
    """The code a pick stands for: one code, several sorted and joined with ";", or None."""
    if p is None or isinstance(p, str):
        return p
    if isinstance(p, Entity):
        return p.code
    return ";".join(sorted({e.code for e in p if e.code}))


def codable(ents: list[Entity], aggregates: bool = False) -> list[Entity]:
    return [e for e in ents if e.codable and (aggregates or e.kind != AGGREGATE)]


def within(ents: list[Entity], span: tuple[int, int]) -> list[Entity]:
    return [e for e in ents if span[0] <= e.start and e.end <= span[1]]


def subject_like(e: Entity) -> bool:
    """A name that can own the figure: not the object of a preposition (a possessive may be, unless governed by
    to/into/for/with/on)."""
    return e.prep is None or (e.possessive and e.prep not in ("to", "into", "toward", "towards", "for", "with", "on"))


def nearest(ents: list[Entity], pos: int, prefer_before: bool = True) -> Entity | None:
    if not ents:
        return None
    before = [e for e in ents if e.end <= pos]
    if prefer_before and before:
        return max(before, key=lambda e: e.end)
    return min(ents, key=lambda e: abs(e.start - pos))


def first_subject_like(ents: list[Entity]) -> Entity | None:
    """The first name that is not the object of a preposition: usually the grammatical subject."""
    return next((e for e in ents if subject_like(e)), None)


def clause_subject(ctx: PartyContext, pos: int) -> Entity | None:
    """Subject of the clause holding pos (first non-prepositional name before pos), else of the sentence."""
    sent = ctx.sent
    return (first_subject_like([e for e in sent if ctx.scope.clause[0] <= e.start < pos])
            or first_subject_like([e for e in sent if e.start < pos]) or first_subject_like(sent))


def coordinated(e: Entity, ents: list[Entity], text: str) -> tuple[Entity, ...]:
    """The list of names `e` belongs to ("Spain, Lithuania, Portugal and Malta"), in text order."""
    ents = sorted(ents, key=lambda x: x.start)
    i = ents.index(e)
    lo = hi = i
    while lo > 0 and _LIST_GAP.fullmatch(text[ents[lo - 1].end:ents[lo].start]):
        lo -= 1
    while hi + 1 < len(ents) and _LIST_GAP.fullmatch(text[ents[hi].end:ents[hi + 1].start]):
        hi += 1
    return tuple(ents[lo:hi + 1])


# ---------------------------------------------------------------------------------------------
# Subject rules tried before the counterpart is known
# ---------------------------------------------------------------------------------------------

def share_owner(ctx: PartyContext) -> Pick | None:
    """A share names its denominator's owner right after the number: "45% of Europe's crude oil", "40% of its
    oil imports" (its = the clause subject)."""
    if ctx.measure != "share":
        return None
    t, (ms, me) = ctx.scope.text, ctx.scope.mention
    m = _OWNER_WORDS.match(t, me)
    if not m:
        return None
    if m.group("pron"):
        return clause_subject(ctx, ms)
    after = [e for e in ctx.sent if m.end() <= e.start <= m.end() + 2 and e.possessive]
    return after[0] if after else None


# How far (characters) a rule looks for a pronoun or a flow noun around the number: far enough for any
# sentence, and it keeps the cost per figure constant in number-dense text.
LOOK = 400
_PRONOUN = re.compile(r"\b(?:its|their)\b")


def pronoun_owner(ctx: PartyContext) -> Pick | None:
    """"its industrial energy costs rise by 35%": a possessive pronoun before the number, with no name in
    between, points back to the clause's subject."""
    t, (ms, _) = ctx.scope.text, ctx.scope.mention
    lo = max(ctx.scope.clause[0], ms - LOOK)  # bounded: a clause of thousands of numbers stays linear
    pm = None
    for pm in _PRONOUN.finditer(t, lo, ms):
        pass
    if pm is None:
        return None
    ppos = pm.start()
    if [e for e in ctx.clause if ppos < e.start < ms]:
        return None
    return clause_subject(ctx, ppos)


def _flow_parse(ctx: PartyContext) -> tuple[Entity | None, Entity | None]:
    """Owner and partner of the flow noun nearest the number: "Chinese imports of Russian crude",
    "Beijing's semiconductor exports to Russia", "U.S. LNG exports to Europe"."""
    t, (ms, me), cspan = ctx.scope.text, ctx.scope.mention, ctx.scope.clause
    nouns = list(_FLOW_NOUN.finditer(t, max(cspan[0], ms - LOOK), min(cspan[1], me + LOOK)))
    if not nouns:
        return None, None
    n = min(nouns, key=lambda m: min(abs(m.start() - me), abs(ms - m.end())))
    owner = None
    for e in reversed([e for e in ctx.clause if e.end <= n.start()]):
        gap = t[e.end:n.start()]
        words = re.findall(r"[A-Za-z(][\w)-]*", gap.replace("’s", "").replace("'s", ""))
        if len(words) > 3 or re.search(r"[,;]", gap):
            break
        # "Russian gas imports": an adjective on the commodity names the origin of an import, not the importer
        if not (ctx.side == "import" and words and not e.possessive):
            owner = e
        break
    want = ("of", "from") if ctx.side == "import" else ("to", "into", "toward", "towards", "for")
    partner = next((e for e in ctx.clause if e.start >= n.end() and e.start - n.end() <= 45 and e.prep in want
                    and e is not owner), None)
    return owner, partner


def flow_owner(ctx: PartyContext) -> Pick | None:
    """The owner of a flow noun ("Saudi crude exports", "Beijing's exports") is the exporter (or importer)."""
    return _flow_parse(ctx)[0] if ctx.relation == "flow" else None


# ---------------------------------------------------------------------------------------------
# Counterpart rules
# ---------------------------------------------------------------------------------------------

def flow_partner(ctx: PartyContext) -> Pick | None:
    """The destination (or origin) named right after the flow noun: "exports to China", "imports from Qatar"."""
    if ctx.relation != "flow" or ctx.rules[:1] not in ([], ["flow_owner"]):
        return None
    owner, partner = _flow_parse(ctx)
    return partner if partner is not None and partner is not owner and ctx.not_subject(partner) else None


def origin_adjective(ctx: PartyContext) -> Pick | None:
    """The origin of an import named as the commodity's adjective: "Russian gas", "Iraqi crude"."""
    if ctx.side != "import":
        return None
    ms = ctx.scope.mention[0]
    cs = clause_subject(ctx, ms)
    dem = [e for e in ctx.clause if e.kind == DEMONYM and ctx.not_subject(e) and e is not cs]
    return nearest(dem, ms)


def preposition_partner(ctx: PartyContext) -> Pick | None:
    """The object of a relation preposition ("aid ... to Kyiv", "trade with France"): after the number first."""
    if not ctx.multi:
        return None
    ms, me = ctx.scope.mention
    for pool in (ctx.clause, ctx.sent):
        cands = [e for e in pool if e.prep in ctx.relation_preps and ctx.not_subject(e)]
        after = [e for e in cands if e.start >= me]
        if after:
            return min(after, key=lambda e: e.start - me)
        if cands:
            return nearest(cands, ms)
    return None


def relative_benchmark(ctx: PartyContext) -> Pick | None:
    """A figure above or below another party's average takes that party as counterpart: "32% above the EU
    average"; "53% below." after an earlier "EU average" in the passage."""
    t, (ms, me) = ctx.scope.text, ctx.scope.mention
    if not _COMPARED.match(t, me):
        return None
    end = ctx.scope.clause[1]
    named = [e for e in codable(find_entities(t, me, end)) if _AVERAGE.match(t, e.end + 1)]
    if not named and not _AVERAGE.search(t, me, end) and t[me:end].strip(" .").count(" ") > 1:
        return None  # neither "the X average" nor the bare "53% below." of a list of comparisons
    if not named:
        earlier = [e for e in codable(find_entities(t, ctx.scope.passage[0], ms))
                   if re.match(r"\s+average\b", t[e.end:e.end + 9])]
        named = earlier[-1:]
    pick = named[0] if named else None
    return pick if pick is not None and ctx.not_subject(pick) else None


def other_party(ctx: PartyContext) -> Pick | None:
    """Any other party in the clause (else the sentence), nearest the number: the relation's other side."""
    if not ctx.multi or ctx.relation == "symmetric":
        return None
    subj = code_of(ctx.subject)
    others = [e for e in (ctx.clause or ctx.sent) if e.code != subj] or [e for e in ctx.sent if e.code != subj]
    return nearest(others, ctx.scope.mention[0], prefer_before=False) if others else None


# ---------------------------------------------------------------------------------------------
# Subject rules tried after the counterpart
# ---------------------------------------------------------------------------------------------

def relation_actor(ctx: PartyContext) -> Pick | None:
    """For a relation, the clause's subject (the name not governed by a preposition): "the U.S. has provided
    ... to", falling back to a name that is not a relation preposition's object."""
    if not ctx.multi:
        return None
    ms = ctx.scope.mention[0]
    cl = [e for e in ctx.clause if subject_like(e) and ctx.not_counterpart(e)]
    st = first_subject_like([e for e in ctx.sent if ctx.not_counterpart(e)])
    pick = st if st and (not cl or st.start < ctx.scope.clause[0] or st in cl) else nearest(cl, ms)
    if pick is None and ctx.side != "import":
        pick = nearest([e for e in ctx.sent if ctx.not_counterpart(e) and e.prep not in ctx.relation_preps], ms)
    return pick


def nearest_owner(ctx: PartyContext) -> Pick | None:
    """A single-party figure belongs to the name nearest before it in the clause ("electricity costs in
    Germany"), a world benchmark included ("the Brent spot price to $73/b"); a list of names sharing the figure
    ("Germany and Austria were around 20% above") gives all of them."""
    if ctx.multi:
        return None
    ms = ctx.scope.mention[0]
    # an aggregate governed by a preposition ("to the rest of the world") is a partner, not the owner
    near = [e for e in within(codable(ctx.all_sent, aggregates=True), ctx.scope.clause)
            if e.end <= ms and ctx.not_counterpart(e) and not (e.kind == AGGREGATE and _partner_aggregate(ctx, e))]
    pick = (nearest(near, ms) or nearest([e for e in ctx.clause if ctx.not_counterpart(e)], ms)
            or first_subject_like(ctx.sent) or nearest(ctx.sent, ms))
    if pick is None or pick.kind == AGGREGATE:
        return pick
    group = coordinated(pick, [e for e in ctx.sent if e.kind != AGGREGATE], ctx.scope.text)
    if len(group) > 1 and group[0].prep in _LIST_PREPS and all(e.end <= ms for e in group):
        return group
    return pick


def _partner_aggregate(ctx: PartyContext, e: Entity) -> bool:
    """"to the rest of the world", "with the world": the aggregate is the other side of a relation."""
    before = ctx.scope.text[max(0, e.start - 12):e.start].lower()
    return e.prep in ("to", "from", "with", "into", "toward", "towards", "against", "between", "among") or \
        before.endswith("rest of the ")


def world_aggregate(ctx: PartyContext) -> Pick | None:
    """"global", "world", "Brent" when no country or bloc is in the sentence."""
    agg = [e for e in ctx.all_sent if e.kind == AGGREGATE and not _partner_aggregate(ctx, e)]
    return nearest(agg, ctx.scope.mention[0]) if agg else None


def _topic(ctx: PartyContext, ents: list[Entity]) -> Pick | None:
    cands = [e for e in codable(ents) if ctx.not_counterpart(e)]
    return first_subject_like(cands) or (cands[0] if cands else None)


def row_label(ctx: PartyContext) -> Pick | None:
    """The table-row label names the party of the row's figures."""
    return _topic(ctx, find_entities(ctx.scope.label)) if ctx.scope.label else None


def passage_topic(ctx: PartyContext) -> Pick | None:
    """A party named earlier in the same passage."""
    return _topic(ctx, find_entities(ctx.scope.text, ctx.scope.passage[0], ctx.scope.sentence[0]))


def section_heading(ctx: PartyContext) -> Pick | None:
    """A party named in the section heading."""
    return _topic(ctx, find_entities(ctx.scope.section)) if ctx.scope.section else None


def document_default(ctx: PartyContext) -> Pick | None:
    """The country the document is about: named most often, and clearly (more than all other countries
    together, and at least twice unless it is the only one). A document that names several countries as
    often has no default: its figure's subject stays NULL rather than a guess."""
    cp = code_of(ctx.counterpart)
    top = ctx.profile.top(1, exclude={cp} if cp else None)
    if not top:
        return None
    counts = ctx.profile.counts
    n = counts[top[0]]
    others = sum(v for c, v in counts.items() if c != top[0] and c != cp)
    return top[0] if n > others and (n >= 2 or others == 0) else None


def publisher_country(ctx: PartyContext) -> Pick | None:
    """A document that names no country is about its publisher's country (a statistics office's bulletin)."""
    return ctx.country if ctx.country and ctx.country != code_of(ctx.counterpart) else None


Rule = Callable[[PartyContext], Union[Pick, None]]
SUBJECT_FIRST: tuple[Rule, ...] = (share_owner, pronoun_owner, flow_owner)
COUNTERPART_RULES: tuple[Rule, ...] = (flow_partner, origin_adjective, preposition_partner, relative_benchmark)
SUBJECT_AFTER: tuple[Rule, ...] = (relation_actor, nearest_owner, world_aggregate, row_label, passage_topic,
                                   section_heading)
SUBJECT_LAST: tuple[Rule, ...] = (document_default, publisher_country)


def apply_first(rules: tuple[Rule, ...], ctx: PartyContext) -> tuple[Pick | None, str | None]:
    """The first rule's answer and its name, or (None, None)."""
    for rule in rules:
        pick = rule(ctx)
        if pick is not None and code_of(pick):
            return pick, rule.__name__
    return None, None


def symmetric_pair(ctx: PartyContext) -> tuple[str | None, str | None, str | None]:
    """A bilateral figure's two parties, sorted: the ones found, else others in the sentence, else the
    document's two main countries (also for pair anaphors, "the two nations")."""
    codes = [c for c in dict.fromkeys((code_of(ctx.subject), code_of(ctx.counterpart))) if c]
    rule = None
    if len(codes) < 2:
        codes += [c for c in dict.fromkeys(e.code for e in ctx.sent if e.code not in codes)][: 2 - len(codes)]
    if len(codes) < 2:
        codes += [c for c in ctx.profile.top(2) if c not in codes][: 2 - len(codes)]
        rule = "pair_from_document"
    codes = sorted(codes[:2])
    return (codes + [None, None])[0], (codes + [None, None])[1], rule


def resolve_parties(ctx: PartyContext) -> tuple[str | None, str | None, str]:
    """(subject, counterpart, rule names) for the mention in ctx.scope; see the rule lists above."""
    ctx.subject, rule = apply_first(SUBJECT_FIRST, ctx)
    if rule:
        ctx.rules.append(rule)
    ctx.counterpart, crule = apply_first(COUNTERPART_RULES, ctx)
    if ctx.subject is None:
        ctx.subject, rule = apply_first(SUBJECT_AFTER, ctx)
    if ctx.relation == "symmetric":
        subj, cp, prule = symmetric_pair(ctx)
        return subj, cp, " / ".join(r for r in (rule, crule, prule) if r) or "symmetric_pair"
    if ctx.counterpart is None:
        ctx.counterpart, crule = apply_first((other_party,), ctx)
    if ctx.subject is None:
        ctx.subject, rule = apply_first(SUBJECT_LAST, ctx)
    subj, cp = code_of(ctx.subject), code_of(ctx.counterpart)
    if cp == subj or (not ctx.multi and crule != "relative_benchmark"):
        cp, crule = None, None
    return subj, cp, " / ".join(r for r in (rule, crule) if r)


def subdivision_of(pick: Pick | None) -> str | None:
    """The ISO 3166-2 code when the subject was named as a part of its country."""
    return pick.subdivision if isinstance(pick, Entity) else None
