"""Turn each document's passages into mention rows: extract quantities, then resolve who, what and when."""
from __future__ import annotations

from tally import quantities
from tally.model import DocContext, Mention
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
    return out
