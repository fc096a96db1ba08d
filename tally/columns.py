"""A document's passages and mentions as Arrow tables: how every document, whatever its size, leaves
extraction (and sits in the cache, crosses from a worker, and enters reconcile and the frames).

Columns rather than objects because a very large document's passages and mentions as objects took ~400 MB
for a 200 MB text, and because a batch's tables cross from a worker process far faster than its objects.
"""
from __future__ import annotations

import dataclasses
from functools import cache
from typing import TYPE_CHECKING, Iterable, Iterator

from tally.model import Mention
from tally.resolve.mentions import passage_id

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from tally.ingest.segment import Passage


# String columns are allocated by the C library rather than Arrow's default pool (mimalloc): built chunk by
# chunk in that pool, a very large document's columns left ~40% more than their size resident.
def pool() -> "pa.MemoryPool":
    """The memory pool every column here is built in."""
    import pyarrow as pa

    return pa.system_memory_pool()


# The text column is not kept: it is cut from the document when the table is assembled (it would
# otherwise be alive, uncompressed, from extraction on).
PASSAGE_COLUMNS = ("doc_id", "passage_id", "kind", "section", "label", "parent_id", "start", "end")
# measured_start/end are offsets but nullable: float, as in the published mentions table
_MENTION_INTS, _MENTION_FLOATS = ("start", "end"), ("value", "low", "high", "measured_start", "measured_end")


@cache
def passage_schema() -> "pa.Schema":
    """Arrow schema of a document's passages table (built on first use: it needs pyarrow)."""
    import pyarrow as pa

    return pa.schema([(c, pa.int64() if c in ("start", "end") else pa.large_string()) for c in PASSAGE_COLUMNS])


@cache
def mention_schema() -> "pa.Schema":
    """Arrow schema of a document's mentions table: the Mention fields."""
    import pyarrow as pa

    def typ(f: dataclasses.Field) -> pa.DataType:
        kind = str(f.type).split("|")[0].strip()  # annotations are strings here ("int | None", "float", "str")
        if f.name in _MENTION_INTS or (kind == "int" and f.name not in _MENTION_FLOATS):
            return pa.int64()
        return pa.float64() if f.name in _MENTION_FLOATS or kind == "float" else pa.large_string()

    return pa.schema([(f.name, typ(f)) for f in dataclasses.fields(Mention)])


def passage_batch(doc_id: str, passages: Iterable[Passage]) -> "pa.RecordBatch":
    """Passages as rows of the passages table, in its order (start, end, passage_id)."""
    rows = sorted(((p.start, p.end, passage_id(doc_id, p.index), p) for p in passages), key=lambda r: r[:3])
    cols = {
        "doc_id": [doc_id] * len(rows),
        "passage_id": [pid for _, _, pid, _ in rows],
        "kind": [p.kind for *_, p in rows],
        "section": [p.section for *_, p in rows],
        "label": [p.label for *_, p in rows],
        "parent_id": [None if p.parent is None else passage_id(doc_id, p.parent) for *_, p in rows],
        "start": [a for a, *_ in rows],
        "end": [b for _, b, *_ in rows],
    }
    return _batch(cols, passage_schema())


def mention_batch(mentions: list[Mention]) -> "pa.RecordBatch":
    """Mentions as rows of the mentions table, in its order (start, end; ties keep their order)."""
    schema = mention_schema()
    rows = sorted(mentions, key=lambda m: (m.start, m.end))
    return _batch({f.name: [getattr(m, f.name) for m in rows] for f in schema}, schema)


def passage_table(doc_id: str, passages: Iterable[Passage]) -> "pa.Table":
    """A document's passages table."""
    import pyarrow as pa

    return pa.Table.from_batches([passage_batch(doc_id, passages)], schema=passage_schema())


def mention_table(mentions: list[Mention]) -> "pa.Table":
    """Mentions (of one document or several) as a mentions table, ordered by document and offset."""
    import pyarrow as pa

    by_doc: dict[str, list[Mention]] = {}
    for m in mentions:
        by_doc.setdefault(m.doc_id, []).append(m)
    return pa.Table.from_batches([mention_batch(by_doc[d]) for d in sorted(by_doc)], schema=mention_schema())


def _batch(cols: dict[str, list], schema: "pa.Schema") -> "pa.RecordBatch":
    """A record batch allocated by the C library (see pool)."""
    import pyarrow as pa

    return pa.RecordBatch.from_arrays([pa.array(cols[f.name], type=f.type, memory_pool=pool()) for f in schema],
                                      schema=schema)


# What reconcile does not read; left empty in the objects made for it.
_NOT_RECONCILED = frozenset({"passage_id", "text", "low", "high", "note", "measured", "indicator_reason"})


def mention_objects(table: "pa.Table", for_reconcile: bool = False) -> list[Mention]:
    """Mention objects back from a mentions table (see iter_mention_objects)."""
    return list(iter_mention_objects(table, for_reconcile))


def iter_mention_objects(table: "pa.Table", for_reconcile: bool = False) -> Iterator[Mention]:
    """Mention objects from a mentions table, made a slice of rows at a time (only a slice's Python lists are
    alive at once). for_reconcile: only the classified ones, without the fields reconcile does not read."""
    names = table.column_names
    if for_reconcile and table["indicator"].null_count:
        table = table.take(classified_rows(table))
    for part in _slices(table):
        n = part.num_rows
        cols = [[None] * n if for_reconcile and name in _NOT_RECONCILED else _pylist(part[name]) for name in names]
        yield from (Mention(*row) for row in zip(*cols))


def _slices(table: "pa.Table") -> Iterator["pa.Table"]:
    for lo in range(0, table.num_rows, SLICE_ROWS):
        yield table.slice(lo, SLICE_ROWS)


def classified_spans(mentions: "pa.Table") -> Iterator[tuple[int, int]]:
    """(start, end) of a mentions table's classified mentions, in table order."""
    keep = classified_rows(mentions)
    starts, ends = mentions["start"].to_numpy()[keep], mentions["end"].to_numpy()[keep]
    for lo in range(0, len(keep), SLICE_ROWS):
        yield from zip(starts[lo:lo + SLICE_ROWS].tolist(), ends[lo:lo + SLICE_ROWS].tolist())


SLICE_ROWS = 1 << 16


def _pylist(col: "pa.ChunkedArray") -> list:
    """A column as Python values; a string column's repeated values share one str object each (units,
    codes and periods repeat across a large document's mentions: one object per row cost ~100 MB)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(col) < 4096 or not pa.types.is_large_string(col.type) or col.null_count == len(col):
        return col.to_pylist()
    encoded = pc.dictionary_encode(col.combine_chunks(memory_pool=pool()), memory_pool=pool())
    if len(encoded.dictionary) > len(col) // 2:
        return col.to_pylist()  # mostly distinct (ids, texts): nothing to share
    values = encoded.dictionary.to_pylist()
    return [None if i is None else values[i] for i in encoded.indices.to_pylist()]


def classified_rows(table: "pa.Table") -> "np.ndarray":
    """Row numbers of a mentions table's rows that have an indicator (the only ones reconcile reads)."""
    import numpy as np
    import pyarrow.compute as pc

    indicator = table["indicator"]
    if not indicator.null_count:
        return np.arange(table.num_rows)
    return np.flatnonzero(pc.is_valid(indicator).to_numpy(zero_copy_only=False))
