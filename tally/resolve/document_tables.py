"""A document's mentions, resolved whole (nearly every document) or run by run (very large ones), and its
passages and mentions as Arrow tables: one path for every size."""
from __future__ import annotations

from dataclasses import replace as dc_replace

from tally.budget import check
from tally.columns import mention_batch, mention_schema, mention_table, passage_batch, passage_schema, passage_table
from tally.documents import Extracted
from tally.ingest import discover as disc
from tally.ingest import segment as seg
from tally.ingest.segment import Passage
from tally.model import DocContext, Mention
from tally.resolve.mentions import build_mentions, mention_id


def context(doc: disc.Document) -> DocContext:
    """What the resolvers may know about a document."""
    return DocContext(doc.doc_id, doc.text, doc.source.title, doc.source.published, doc.source.publisher,
                      doc.source.country)


# Documents longer than this (characters) are resolved in runs of passages of about this size: the
# resolvers look at every passage for each mention, so a 200 MB document in one piece would never end.
# Shorter documents (nearly all) are resolved whole.
RESOLVE_CHARS = 1_000_000


def is_large(doc: disc.Document) -> bool:
    """Whether a document is segmented and resolved run by run rather than whole."""
    return len(doc.text) > RESOLVE_CHARS


def document_mentions(doc: disc.Document, passages: list[Passage], size: int = RESOLVE_CHARS) -> list[Mention]:
    """A document's resolved mentions as objects; a very large document is resolved run by run (see segment.runs).

    Each run is resolved against its own slice of the text (what the resolvers learn about "the
    document", such as its main country, then comes from that run), then offsets and ids are shifted back
    to index the whole document.
    """
    if len(doc.text) <= size:
        return build_mentions(context(doc), passages)
    out = []
    for run in seg.runs(passages, size):
        check()
        out += _run_mentions(doc, run)
    return out


def _run_mentions(doc: disc.Document, run: list[Passage]) -> list[Mention]:
    """The mentions of one run of a large document, with offsets and ids in document terms."""
    lo, hi = run[0].start, max(p.end for p in run)
    chunk = doc.text[lo:hi]
    local = [dc_replace(p, start=p.start - lo, end=p.end - lo, doc=chunk) for p in run]
    ctx = DocContext(doc.doc_id, chunk, doc.source.title, doc.source.published, doc.source.publisher,
                     doc.source.country)
    out = build_mentions(ctx, local)
    for m in out:
        m.start += lo
        m.end += lo
        if m.measured_start is not None:
            m.measured_start += lo
            m.measured_end += lo
        m.mention_id = mention_id(doc.doc_id, m.start)
    return out


def extract_document(doc: disc.Document, passages: list[Passage] | None = None) -> Extracted:
    """A document's passages and resolved mentions as Arrow tables, in table order.

    A document of up to RESOLVE_CHARS characters is resolved whole from its passages (segmented here when
    none are given). A larger one, whatever `passages` holds, is
    segmented, extracted and resolved one run at a time, and each run's objects become Arrow columns at
    once (as objects, a 200 MB document's passages and mentions alone took ~400 MB); its text may be a
    Utf8Text (see disc.decode), read block by block.
    """
    import pyarrow as pa

    if not is_large(doc):
        passages = seg.segment(doc.text) if passages is None else passages
        return Extracted(doc, passage_table(doc.doc_id, passages), mention_table(build_mentions(context(doc), passages)))
    parts, mentions = [], []
    for run in seg.iter_runs(seg.iter_segment(doc.text), RESOLVE_CHARS):
        check()
        mentions.append(mention_batch(_run_mentions(doc, run)))
        parts.append(passage_batch(doc.doc_id, run))
    return Extracted(doc, pa.Table.from_batches(parts, schema=passage_schema()),
                     pa.Table.from_batches(mentions, schema=mention_schema()))
