"""Turn each document's passages into mention rows: extract quantities, then resolve who, what and when."""
from __future__ import annotations

from bisect import bisect_right

from tally.extract import quantities
from tally.resolve.entities import DocProfile, Scope, clause_spans, enclosing, sentence_spans
from tally.resolve.indicators import classify, infer_measure, relation_of_phrase
from tally.resolve.measured import Where, measured_phrase
from tally.resolve.parties import PartyContext, resolve_parties, subdivision_of
from tally.resolve.publisher import local_currency, publisher_country_of
from tally.model import DocContext, Mention
from tally.resolve.periods import PeriodContext, Slot, assign_periods, find_times
from tally.ingest.segment import Passage


def passage_id(doc_id: str, index: int) -> str:
    """Stable passage id: document hash prefix plus the passage's position."""
    return f"{doc_id[:16]}-p{index:05d}"


def mention_id(doc_id: str, start: int) -> str:
    """Stable mention id: document hash prefix plus the mention's start offset."""
    return f"{doc_id[:16]}-m{start:07d}"


class PassageIndex:
    """Find the extractable passage holding an offset in O(log n) (extractable passages never overlap)."""

    def __init__(self, passages: list[Passage]) -> None:
        self.leaves = sorted((p for p in passages if p.extractable), key=lambda p: p.start)
        self.starts = [p.start for p in self.leaves]

    def at(self, start: int, end: int | None = None) -> Passage | None:
        """The passage containing [start, end) (or just `start`), else None."""
        i = bisect_right(self.starts, start) - 1
        if i < 0:
            return None
        p = self.leaves[i]
        return p if p.start <= start < p.end and (end is None or end <= p.end) else None


class _Spans:
    """Sentence and clause spans, split once per passage and per sentence (not once per mention, which made
    a long passage of figures quadratic) and looked up by bisection."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sentences: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self.clauses: dict[tuple[int, int], list[tuple[int, int]]] = {}

    @staticmethod
    def _at(spans: list[tuple[int, int]], pos: int) -> tuple[int, int]:
        i = bisect_right(spans, (pos, float("inf"))) - 1
        return spans[i] if i >= 0 and spans[i][0] <= pos < spans[i][1] else enclosing(spans, pos)

    def at(self, pspan: tuple[int, int], pos: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """(sentence, clause) holding pos inside the passage span."""
        if pspan not in self.sentences:
            self.sentences[pspan] = sentence_spans(self.text, *pspan)
        sent = self._at(self.sentences[pspan], pos)
        if sent not in self.clauses:
            self.clauses[sent] = clause_spans(self.text, *sent)
        return sent, self._at(self.clauses[sent], pos)


def build_mentions(doc: DocContext, passages: list[Passage]) -> list[Mention]:
    """Extract every quantity in the document and resolve it against the passage that holds it.

    Extraction reads the whole text, not passage by passage, so that context which spans passages
    (a "Million $" header above a table's figures, a range broken across lines) still applies.
    """
    index = PassageIndex(passages)
    out: list[Mention] = []
    for q in quantities.extract(doc.text):
        p = index.at(q.start, q.end) or index.at(q.start)
        if p is None:
            continue  # between passages: only markup (table rules, bullet signs) lives there
        out.append(Mention(
            doc_id=doc.doc_id, mention_id=mention_id(doc.doc_id, q.start),
            passage_id=passage_id(doc.doc_id, p.index), start=q.start, end=q.end, text=q.text,
            value=q.value, low=q.low, high=q.high, unit=q.unit, comparator=q.comparator, change=q.change,
        ))
    return resolve_mentions(doc, passages, out, index)


def resolve_mentions(doc: DocContext, passages: list[Passage], mentions: list[Mention],
                     index: PassageIndex | None = None) -> list[Mention]:
    """Fill indicator, measure, subject, counterpart and period of each mention (in place; returned sorted).

    Works on any mention spans (the extractor's or gold offsets), so the resolvers can be tested alone.
    """
    text = doc.text
    profile = DocProfile.of(text)
    mentions = sorted(mentions, key=lambda m: m.start)
    index = index or PassageIndex(passages)
    slots: list[Slot] = []
    country = publisher_country_of(doc.country, doc.publisher)
    pctx = PeriodContext.of(text, doc.published, country)
    prev: Mention | None = None
    spans = _Spans(text)
    section_times: dict[str, list] = {}
    for m in mentions:
        p = index.at(m.start, m.end)
        pspan = (p.start, p.end) if p else (m.start, m.end)
        sent, clause = spans.at(pspan, m.start)
        label = p.label if p else None
        section = p.section if p else None
        if label and section and label == section:
            label = None
        if p is not None and not m.passage_id:
            m.passage_id = passage_id(doc.doc_id, p.index)
        m.unit = local_currency(m.text, m.unit, country)
        prev = prev if prev is not None and clause[0] <= prev.start else None
        where = Where(text, m.start, m.end, clause, m.unit, infer_measure(text, m.start, m.end, m.unit, m.change),
                      prev.end if prev else -1,
                      (prev.measured_start, prev.measured_end) if prev and prev.measured else None)
        found = measured_phrase(where)
        if found:
            m.measured_start, m.measured_end = found[0], found[1]
            m.measured = text[found[0]:found[1]]
        cl = classify(text, m.start, m.end, clause, sent, m.unit, m.change, label, section,
                      (m.measured_start, m.measured_end) if m.measured else None)
        entry = cl.entry
        relation, side = (entry.relation, entry.side) if entry else relation_of_phrase(m.measured)
        ctx = PartyContext(Scope(text, (m.start, m.end), clause, sent, pspan, label, section), profile,
                           relation, cl.measure, side, entry.counterpart_preps if entry else None, country)
        subject, counterpart, m.subject_rule = resolve_parties(ctx)
        m.subdivision = subdivision_of(ctx.subject)
        code = cl.code
        if entry is not None and entry.mirror:
            # importer's phrasing of a flow: report it from the exporter's side
            subject, counterpart, code = counterpart, subject, entry.mirror
        m.indicator, m.measure, m.subject, m.counterpart = code, cl.measure, subject, counterpart
        m.indicator_reason = cl.reason
        prev = m
        if section and section not in section_times:
            section_times[section] = find_times(section, pctx)
        sec_times = section_times.get(section, []) if section else []
        slots.append(Slot(m.start, m.end, sent, clause, sec_times, cl.measure == "change", subject, m.unit,
                          passage=pspan, section=section))
    assign_periods(text, slots, pctx)
    for m, s in zip(mentions, slots):
        m.period_start, m.period_end, m.period_rule = s.period_start, s.period_end, s.rule
        if s.note and m.period_start is None and m.period_end is None:
            m.note = s.note
    return mentions
