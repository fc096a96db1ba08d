"""Resolution context and very large documents: segmented, extracted and resolved a run at a time
straight into Arrow columns, and their mentions handed to reconcile as bundles of rows."""
from __future__ import annotations

from dataclasses import replace as dc_replace
from functools import cache
from typing import TYPE_CHECKING, Iterator

from tally.budget import check
from tally.documents import Extracted
from tally.facts.reconcile import Bundle
from tally.ingest import discover as disc
from tally.ingest import segment as seg
from tally.ingest.segment import Passage
from tally.model import DocContext, Mention
from tally.resolve.mentions import build_mentions, mention_id, passage_id

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa


# The passages' string columns are allocated by the C library rather than Arrow's default (mimalloc) pool:
# built chunk by chunk in that pool, a very large document's columns left ~40% more than their size resident.
def _pool() -> "pa.MemoryPool":
    import pyarrow as pa

    return pa.system_memory_pool()


def context(doc: disc.Document) -> DocContext:
    """What the resolvers may know about a document."""
    return DocContext(doc.doc_id, doc.text, doc.source.title, doc.source.published)

# Documents longer than this (characters) are resolved in runs of passages of about this size: the
# resolvers look at every passage for each mention, so a 200 MB document in one piece would never end.
# Shorter documents (nearly all) are resolved whole, exactly as before.
RESOLVE_CHARS = 1_000_000


def document_mentions(doc: disc.Document, passages: list[Passage], size: int = RESOLVE_CHARS) -> list[Mention]:
    """A document's resolved mentions; a very large document is resolved run by run (see segment.runs).

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
    ctx = DocContext(doc.doc_id, chunk, doc.source.title, doc.source.published)
    out = build_mentions(ctx, local)
    for m in out:
        m.start += lo
        m.end += lo
        m.mention_id = mention_id(doc.doc_id, m.start)
    return out


def is_large(doc: disc.Document) -> bool:
    """Whether a document is extracted run by run into columns (large_document) rather than as objects."""
    return len(doc.text) > RESOLVE_CHARS


def large_document(doc: disc.Document) -> Extracted:
    """A very large document's passages and mentions as Arrow tables, in table order.

    Segmentation, extraction and resolution go one run (about RESOLVE_CHARS characters) at a time, and each
    run's Passage and Mention objects become Arrow columns at once: as objects, a 200 MB document's
    passages and mentions alone took ~400 MB (and Python keeps freed small-object memory), besides the
    tables built from them. The rows are those of the object path, run for run. A UTF-8 document's text is
    a Utf8Text here (see disc.decode), read block by block.
    """
    import pyarrow as pa

    passages, mentions = [], []
    for run in seg.iter_runs(seg.iter_segment(doc.text), RESOLVE_CHARS):
        check()
        mentions.append(_mention_batch(_run_mentions(doc, run)))
        passages.append(_passage_batch(doc, run))
    return Extracted(doc, pa.Table.from_batches(passages, schema=_passage_schema()),
                     pa.Table.from_batches(mentions, schema=_mention_schema()))


# The text column is not kept here: it is cut from the document when the table is assembled (it would
# otherwise be alive, uncompressed, from extraction on).
_PASSAGE_COLUMNS = ("doc_id", "passage_id", "kind", "section", "label", "parent_id", "start", "end")
_MENTION_INTS, _MENTION_FLOATS = ("start", "end"), ("value", "low", "high")


@cache
def _passage_schema() -> "pa.Schema":
    """Arrow schema of a large document's passages table (built on first use: it needs pyarrow)."""
    import pyarrow as pa

    return pa.schema([(c, pa.int64() if c in ("start", "end") else pa.large_string()) for c in _PASSAGE_COLUMNS])


@cache
def _mention_schema() -> "pa.Schema":
    """Arrow schema of a large document's mentions table: the Mention fields."""
    import dataclasses

    import pyarrow as pa

    def typ(f: dataclasses.Field) -> pa.DataType:
        kind = str(f.type).split("|")[0].strip()  # annotations are strings here ("int | None", "float", "str")
        if f.name in _MENTION_INTS or kind == "int":
            return pa.int64()
        return pa.float64() if f.name in _MENTION_FLOATS or kind == "float" else pa.large_string()

    return pa.schema([(f.name, typ(f)) for f in dataclasses.fields(Mention)])


def _passage_batch(doc: disc.Document, run: list[Passage]) -> "pa.RecordBatch":
    """A run's passages as rows of the passages table, in its order (start, end, passage_id)."""
    did = doc.doc_id
    rows = sorted(((p.start, p.end, passage_id(did, p.index), p) for p in run), key=lambda r: r[:3])
    cols = {
        "doc_id": [did] * len(rows),
        "passage_id": [pid for _, _, pid, _ in rows],
        "kind": [p.kind for *_, p in rows],
        "section": [p.section for *_, p in rows],
        "label": [p.label for *_, p in rows],
        "parent_id": [None if p.parent is None else passage_id(did, p.parent) for *_, p in rows],
        "start": [a for a, *_ in rows],
        "end": [b for _, b, *_ in rows],
    }
    return _batch(cols, _passage_schema())


def _mention_batch(mentions: list[Mention]) -> "pa.RecordBatch":
    """Mentions as rows of the mentions table (they come sorted by offset and never overlap)."""
    schema = _mention_schema()
    return _batch({f.name: [getattr(m, f.name) for m in mentions] for f in schema}, schema)


def _batch(cols: dict[str, list], schema: "pa.Schema") -> "pa.RecordBatch":
    """A record batch allocated by the C library (see _pool): Arrow's default pool keeps what a run frees."""
    import pyarrow as pa

    return pa.RecordBatch.from_arrays([pa.array(cols[f.name], type=f.type, memory_pool=_pool()) for f in schema],
                                      schema=schema)


# What reconcile does not read; left empty in the objects made for it from a large document's table.
_NOT_RECONCILED = frozenset({"passage_id", "text", "low", "high", "note"})


def mention_objects(table: "pa.Table", for_reconcile: bool = False) -> list[Mention]:
    """Mention objects back from a large document's mentions table (see iter_mention_objects)."""
    return list(iter_mention_objects(table, for_reconcile))


def iter_mention_objects(table: "pa.Table", for_reconcile: bool = False) -> Iterator[Mention]:
    """Mention objects from a large document's mentions table, made a slice of rows at a time (only a slice's
    Python lists are alive at once). for_reconcile: only the classified ones, without the fields reconcile
    does not read."""
    names = table.column_names
    if for_reconcile and table["indicator"].null_count:
        table = table.take(_classified_rows(table))
    for part in _slices(table):
        n = part.num_rows
        cols = [[None] * n if for_reconcile and name in _NOT_RECONCILED else _pylist(part[name]) for name in names]
        yield from (Mention(*row) for row in zip(*cols))


def _slices(table: "pa.Table") -> Iterator["pa.Table"]:
    for lo in range(0, table.num_rows, _SLICE_ROWS):
        yield table.slice(lo, _SLICE_ROWS)


def _spans(mentions: "pa.Table") -> Iterator[tuple[int, int]]:
    """(start, end) of a large document's classified mentions, in document order."""
    keep = _classified_rows(mentions)
    starts, ends = mentions["start"].to_numpy()[keep], mentions["end"].to_numpy()[keep]
    for lo in range(0, len(keep), _SLICE_ROWS):
        yield from zip(starts[lo:lo + _SLICE_ROWS].tolist(), ends[lo:lo + _SLICE_ROWS].tolist())


_SLICE_ROWS = 1 << 16


def _pylist(col: "pa.ChunkedArray") -> list:
    """A column as Python values; a string column's repeated values share one str object each (units,
    codes and periods repeat across a large document's mentions: one object per row cost ~100 MB)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_large_string(col.type) or col.null_count == len(col):
        return col.to_pylist()
    encoded = pc.dictionary_encode(col.combine_chunks(memory_pool=_pool()), memory_pool=_pool())
    if len(encoded.dictionary) > len(col) // 2:
        return col.to_pylist()  # mostly distinct (ids, texts): nothing to share
    values = encoded.dictionary.to_pylist()
    return [None if i is None else values[i] for i in encoded.indices.to_pylist()]


# The fields reconcile reads to tell claims apart (see reconcile._base): rows equal on all of them are a Bundle.
_CLAIM_FIELDS = ("indicator", "subject", "counterpart", "measure", "unit", "comparator", "value", "change",
                 "period_start", "period_end")


def bundles(table: "pa.Table") -> list[Bundle]:
    """A large document's classified mentions as Bundles: rows equal on every field reconcile reads, with
    their offsets and ids as columns (few thousand bundles rather than an object per mention). Only the key
    columns are copied (a filtered copy of the whole table cost ~100 MB for a 200 MB document)."""
    import numpy as np
    import pyarrow as pa

    keep = _classified_rows(table)
    if not len(keep):
        return []
    keys = table.select(list(_CLAIM_FIELDS))
    if len(keep) < table.num_rows:
        keys = keys.take(pa.array(keep))
    keys = keys.append_column("row", pa.array(keep))
    groups = keys.group_by(list(_CLAIM_FIELDS), use_threads=False).aggregate([("row", "list")])
    del keys
    lists = groups["row_list"].combine_chunks()
    flat, offsets = lists.values.to_numpy(), lists.offsets.to_numpy()  # no Python int per row
    members = [np.sort(flat[a:b]) for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    firsts = list(iter_mention_objects(table.take(pa.array([m[0] for m in members])), for_reconcile=True))
    starts, ends = table["start"].to_numpy(), table["end"].to_numpy()
    # one take for all bundles: a take per bundle from the chunked column cost ~1 ms each on 200 MB
    names = table["mention_id"].take(pa.array(np.concatenate(members))).to_pylist()
    out, at = [], 0
    for first, m in zip(firsts, members):
        out.append(Bundle(first, starts[m], ends[m], names[at:at + len(m)]))
        at += len(m)
    return out


def _classified_rows(table: "pa.Table") -> "np.ndarray":
    """Row numbers of a mentions table's rows that have an indicator (the only ones reconcile reads)."""
    import numpy as np
    import pyarrow.compute as pc

    indicator = table["indicator"]
    if not indicator.null_count:
        return np.arange(table.num_rows)
    return np.flatnonzero(pc.is_valid(indicator).to_numpy(zero_copy_only=False))
