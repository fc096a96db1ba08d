"""Turn each document's passages into mention rows: extract quantities, then resolve who, what and when."""
from __future__ import annotations

from tally import quantities
from tally.entities import DocProfile, Scope, clause_spans, enclosing, resolve_parties, sentence_spans
from tally.indicators import catalog, classify
from tally.model import DocContext, Mention
from tally.periods import PeriodContext, Slot, assign_periods, find_times
from tally.segment import Passage


def passage_id(doc_id: str, index: int) -> str:
    """Stable passage id: document hash prefix plus the passage's position."""
    return f"{doc_id[:16]}-p{index:05d}"


def mention_id(doc_id: str, start: int) -> str:
    """Stable mention id: document hash prefix plus the mention's start offset."""
    return f"{doc_id[:16]}-m{start:07d}"


def build_mentions(doc: DocContext, passages: list[Passage]) -> list[Mention]:
    """Extract and resolve every quantity in the extractable passages of one document."""
    out: list[Mention] = []
    for p in passages:
        if not p.extractable:
            continue
        for q in quantities.extract(p.text):
            start, end = p.start + q.start, p.start + q.end
            out.append(Mention(
                doc_id=doc.doc_id, mention_id=mention_id(doc.doc_id, start),
                passage_id=passage_id(doc.doc_id, p.index), start=start, end=end, text=q.text,
                value=q.value, low=q.low, high=q.high, unit=q.unit, comparator=q.comparator, change=q.change,
            ))
    out.sort(key=lambda m: m.start)
    return resolve_mentions(doc, passages, out)


def _passage_of(passages: list[Passage], start: int, end: int) -> Passage | None:
    """The innermost extractable passage that holds [start, end)."""
    best = None
    for p in passages:
        if p.extractable and p.start <= start and end <= p.end:
            if best is None or (p.end - p.start) < (best.end - best.start):
                best = p
    return best


def resolve_mentions(doc: DocContext, passages: list[Passage], mentions: list[Mention]) -> list[Mention]:
    """Fill indicator, measure, subject, counterpart and period of each mention (in place; returned sorted).

    Works on any mention spans (the extractor's or gold offsets), so the resolvers can be tested alone.
    """
    text = doc.text
    profile = DocProfile.of(text)
    pctx = PeriodContext.of(text, doc.published)
    mentions = sorted(mentions, key=lambda m: m.start)
    slots: list[Slot] = []
    for m in mentions:
        p = _passage_of(passages, m.start, m.end)
        pspan = (p.start, p.end) if p else (m.start, m.end)
        sent = enclosing(sentence_spans(text, *pspan), m.start)
        clause = enclosing(clause_spans(text, *sent), m.start)
        label = p.label if p else None
        section = p.section if p else None
        if label and section and label == section:
            label = None
        if p is not None and not m.passage_id:
            m.passage_id = passage_id(doc.doc_id, p.index)
        cl = classify(text, m.start, m.end, clause, sent, m.unit, m.change, label, section)
        entry = cl.entry
        relation = (entry.relation if entry else None)
        side = entry.side if entry else None
        subject, counterpart, how = resolve_parties(
            Scope(text, (m.start, m.end), clause, sent, pspan, label, section), profile, relation, cl.measure, side,
            entry.counterpart_preps if entry else None)
        code = cl.code
        if entry is not None and entry.mirror:
            # importer's phrasing of a flow: report it from the exporter's side
            subject, counterpart, code = counterpart, subject, entry.mirror
        m.indicator, m.measure, m.subject, m.counterpart = code, cl.measure, subject, counterpart
        sec_times = find_times(section, pctx) if section else []
        slots.append(Slot(m.start, m.end, sent, clause, sec_times, cl.measure == "change", subject, m.unit))
    assign_periods(text, slots, pctx)
    for m, s in zip(mentions, slots):
        m.period_start, m.period_end = s.period_start, s.period_end
        if s.note and m.period_start is None and m.period_end is None:
            m.note = s.note
    return mentions
