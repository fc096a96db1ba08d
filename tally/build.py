"""The pipeline's stages as plain functions over plain data; the Prefect flow and notebooks both call these."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Callable, Iterator

from typing import TYPE_CHECKING

from tally.ingest import discover as disc
from tally.extract.cache import ExtractCache, cache_key
from tally.resolve.mentions import build_mentions, mention_id, passage_id
from tally.model import Conflict, DocContext, Fact, Mention
from tally.facts.reconcile import Bundle, quote_spans, reconcile
from tally.ingest import segment as seg
from tally.ingest.segment import Passage, segment
from tally.ingest.text import Utf8Text

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

# numpy, pandas, pyarrow and the Pandera models are imported inside the functions that build frames:
# they cost seconds at start-up, and a run whose inputs have not changed never needs them.


@dataclass(frozen=True)
class QuarantineRow:
    """A document refused at some stage, and why."""

    path: str
    sha256: str | None
    stage: str
    error_class: str
    message: str


@dataclass
class Segmented:
    """A decoded document and its passages."""

    doc: disc.Document
    passages: list[Passage]
    key: str | None = None  # extraction cache key, when a cache is in use


@dataclass
class Extracted:
    """A document's passages and resolved mentions."""

    doc: disc.Document
    passages: list[Passage] | pa.Table  # a large document's are Arrow tables (large_document)
    mentions: list[Mention] | pa.Table


@dataclass
class Discovered:
    """Documents found in raw/, plus the ones that could not even be read."""

    documents: list[disc.RawDocument]
    quarantine: list[QuarantineRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. a manifest entry for a file that is not there


def quarantine_row(exc: Exception, path: str, sha256: str | None, stage: str) -> QuarantineRow:
    """A quarantine row for an exception raised while processing one document."""
    message = exc.message if isinstance(exc, disc.DocumentError) else str(exc) or type(exc).__name__
    return QuarantineRow(path, sha256, getattr(exc, "stage", stage), type(exc).__name__, message)


def discover_documents(raw: Path) -> Discovered:
    """List documents in raw/, read their bytes and join the manifest."""
    if not raw.is_dir():
        raise FileNotFoundError(f"raw folder not found: {raw}")
    manifest = disc.read_manifest(raw)
    out = Discovered([])
    seen: dict[str, str] = {}
    paths, refused = disc.scan(raw)
    for rel, error_class, message in refused:  # broken links, FIFOs, devices: never opened
        out.quarantine.append(QuarantineRow(rel, None, "discover", error_class, message))
    out.warnings += disc.manifest_warnings(manifest, [disc.display_path(raw, p) for p in paths]
                                           + [rel for rel, _, _ in refused])
    for path in paths:
        try:
            doc = disc.read_raw(raw, path, manifest)
        except disc.DocumentError as exc:
            out.quarantine.append(quarantine_row(exc, exc.path, None, "discover"))
            continue
        if doc.doc_id in seen:
            msg = f"same bytes as {seen[doc.doc_id]}; processed once"
            out.quarantine.append(QuarantineRow(doc.path, doc.doc_id, "discover", "DuplicateDocument", msg))
            continue
        seen[doc.doc_id] = doc.path
        out.documents.append(doc)
    return out


def segment_documents(docs: list[disc.RawDocument], convert_cache: Path | None = None
                      ) -> tuple[list[Segmented], list[QuarantineRow]]:
    """Decode (or convert: PDF, HTML) and segment a batch of documents; refuse the ones that are not text."""
    ok, bad = [], []
    for raw_doc in docs:
        try:
            doc = disc.decode(raw_doc, large=RESOLVE_CHARS, convert_cache=convert_cache)
            # a large document is segmented run by run while it is extracted (large_document)
            ok.append(Segmented(doc, [] if is_large(doc) else segment(doc.text)))
        except Exception as exc:  # one bad document must not stop the batch
            bad.append(quarantine_row(exc, raw_doc.path, raw_doc.doc_id, "segment"))
    return ok, bad


def prepare_documents(docs: list[disc.RawDocument], store: ExtractCache | None
                      ) -> tuple[list[Segmented], list[Extracted], list[QuarantineRow]]:
    """Decode a batch; take unchanged documents from the cache and segment the others."""
    if store is None:
        todo, bad = segment_documents(docs)
        return todo, [], bad
    converted = store.folder.parent / "convert"  # conversions of PDF and HTML, cached by content
    todo, hits, bad = [], [], []
    fresh = []
    for raw_doc in docs:
        key = cache_key(raw_doc.doc_id, raw_doc.source)
        hit = store.get(key)
        if hit is None:
            fresh.append((raw_doc, key))
            continue
        try:
            doc = disc.decode(raw_doc, large=RESOLVE_CHARS, convert_cache=converted)
        except Exception as exc:  # cannot happen for bytes that decoded before, but never crash the batch
            bad.append(quarantine_row(exc, raw_doc.path, raw_doc.doc_id, "decode"))
            continue
        passages, mentions = hit
        # Pickled passages do not carry the text; point them at this one (a large document's are columns).
        hits.append(Extracted(doc, seg.attach(passages, doc.text) if isinstance(passages, list) else passages,
                              mentions))
    segmented, refused = segment_documents([r for r, _ in fresh], converted)
    keys = {r.doc_id: k for r, k in fresh}
    for s in segmented:
        s.key = keys[s.doc.doc_id]
    return segmented, hits, bad + refused


def input_fingerprint(found: Discovered) -> str:
    """Hash of everything a build depends on: every file seen (documents and refused ones), the
    extractor and catalog versions, and the code that turns mentions into published tables."""
    import hashlib

    from tally.extract.cache import code_fingerprint

    h = hashlib.sha256()
    for key in sorted(cache_keys(found.documents)):
        h.update(key.encode())
    for q in sorted(found.quarantine, key=lambda q: q.path):
        h.update(f"{q.path}\x1f{q.sha256}\x1f{q.message}".encode())
    h.update(code_fingerprint(("tally/build.py", "tally/facts", "tally/publish/frames.py", "tally/publish/validate.py", "tally/publish/warehouse.py")).encode())
    return h.hexdigest()


def cache_keys(docs: list[disc.RawDocument]) -> list[str]:
    """The cache keys of a set of documents under the current extractor and catalog."""
    return [cache_key(d.doc_id, d.source) for d in docs]


def extract_and_cache(batch: list[Segmented], store: ExtractCache | None) -> tuple[list[Extracted], list[QuarantineRow]]:
    """Extract a batch and remember each document's result under its cache key."""
    ok, bad = extract_mentions(batch)
    if store is not None:
        keys = {s.doc.doc_id: s.key for s in batch}
        for e in ok:
            if keys.get(e.doc.doc_id):
                store.put(keys[e.doc.doc_id], (e.passages, e.mentions))
    return ok, bad


@dataclass
class Processed:
    """One batch's documents taken from the cache or extracted now, and the ones refused."""

    extracted: list[Extracted]
    cached: int
    quarantine: list[QuarantineRow]


def process_documents(docs: list[disc.RawDocument], store: ExtractCache | None) -> Processed:
    """Decode a batch, take unchanged documents from the cache, segment and extract the others.

    One call per batch, so a process or Dask worker receives the raw bytes once and sends back only results.
    """
    todo, hits, refused = prepare_documents(docs, store)
    ok, failed = extract_and_cache(todo, store)
    return Processed(hits + ok, len(hits), refused + failed)


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
    return [m for run in seg.runs(passages, size) for m in _run_mentions(doc, run)]


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

    def typ(name: str) -> pa.DataType:
        return pa.int64() if name in _MENTION_INTS else pa.float64() if name in _MENTION_FLOATS else pa.large_string()

    return pa.schema([(f.name, typ(f.name)) for f in dataclasses.fields(Mention)])


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


def extract_mentions(batch: list[Segmented]) -> tuple[list[Extracted], list[QuarantineRow]]:
    """Extract and resolve mentions for a batch of segmented documents."""
    ok, bad = [], []
    for s in batch:
        try:
            ok.append(large_document(s.doc) if is_large(s.doc)
                      else Extracted(s.doc, s.passages, document_mentions(s.doc, s.passages)))
        except Exception as exc:  # quarantine the document, keep the batch
            bad.append(quarantine_row(exc, s.doc.path, s.doc.doc_id, "extract"))
    return ok, bad


def reconcile_facts(extracted: list[Extracted]) -> tuple[list[Fact], list[Conflict]]:
    """Collapse all documents' mentions into facts and conflicts."""
    # A large document's classified rows go to reconcile as bundles of rows stating the same claim (columns).
    from itertools import chain

    texts = {e.doc.doc_id: quote_spans(e.doc.text, _spans(e.mentions)) if isinstance(e.doc.text, Utf8Text)
             else e.doc.text for e in extracted}
    mentions = chain.from_iterable(e.mentions if isinstance(e.mentions, list) else bundles(e.mentions)
                                   for e in extracted)
    out = reconcile(mentions, texts)
    if any(not isinstance(e.mentions, list) for e in extracted):
        import pyarrow as pa

        pa.default_memory_pool().release_unused()  # the bundles' working columns (see assemble)
    return out


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


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def document_rows(extracted: list[Extracted], previous: pd.DataFrame | None, now: str | None = None) -> list[dict]:
    """Rows of the documents table; ingested_at is carried over for bytes already published."""
    first_seen = {}
    if previous is not None and len(previous):
        first_seen = dict(zip(previous["doc_id"], previous["ingested_at"]))
    stamp = now or _now()
    rows = []
    for e in extracted:
        d = e.doc
        rows.append({
            "doc_id": d.doc_id, "path": d.path, "title": d.source.title, "publisher": d.source.publisher,
            "published": d.source.published, "language": d.source.language, "license": d.source.license,
            "encoding": d.encoding, "n_bytes": d.n_bytes, "n_chars": len(d.text), "sha256": d.doc_id,
            "ingested_at": first_seen.get(d.doc_id, stamp),
        })
    return rows


def passage_rows(extracted: list[Extracted]) -> list[dict]:
    """Rows of the passages table."""
    rows = []
    for e in extracted:
        did = e.doc.doc_id
        for p in e.passages:
            rows.append({
                "doc_id": did, "passage_id": passage_id(did, p.index), "kind": p.kind, "section": p.section,
                "label": p.label, "parent_id": None if p.parent is None else passage_id(did, p.parent),
                "start": p.start, "end": p.end, "text": p.text,
            })
    return rows


# An Arrow chunk of a passages column is cut after this many rows (the text column: or characters, whichever
# comes first): it bounds the Python strings alive at once while a large document's passages go into Arrow.
TEXT_CHUNK_ROWS, TEXT_CHUNK_CHARS = 4096, 1 << 22
# The passages' string columns are allocated by the C library rather than Arrow's default (mimalloc) pool:
# built chunk by chunk in that pool, a very large document's columns left ~40% more than their size resident.
def _pool() -> "pa.MemoryPool":
    import pyarrow as pa

    return pa.system_memory_pool()


def text_column(texts: dict[str, str], doc_ids: pd.Series, starts: pd.Series, ends: pd.Series) -> pd.Series:
    """document[start:end] for each row, as a "str" Series built straight into Arrow chunk by chunk: a Python
    string per passage of a very large document, all alive at once, would cost more than its text."""
    import pandas as pd
    import pyarrow as pa

    chunks: list[pa.Array] = []
    batch: list[str] = []
    size = 0
    lo_all, hi_all = starts.to_numpy(), ends.to_numpy()
    for i in range(0, len(doc_ids), TEXT_CHUNK_ROWS):
        ids = doc_ids.iloc[i:i + TEXT_CHUNK_ROWS].tolist()
        for d, a, b in zip(ids, lo_all[i:i + TEXT_CHUNK_ROWS].tolist(), hi_all[i:i + TEXT_CHUNK_ROWS].tolist()):
            batch.append(texts[d][a:b])
            size += b - a
            if size >= TEXT_CHUNK_CHARS:
                chunks.append(pa.array(batch, type=pa.large_string(), memory_pool=_pool()))
                batch, size = [], 0
        chunks.append(pa.array(batch, type=pa.large_string(), memory_pool=_pool()))
        batch, size = [], 0
    return pd.Series(pd.array(pa.chunked_array(chunks, type=pa.large_string()), dtype="str"), index=doc_ids.index)


def _passage_order(doc_ids: list[str], starts: list[int], ends: list[int]) -> np.ndarray | None:
    """Row order of ORDER["passages"] (doc_id, start, end, passage_id) from cheap integer keys, or None when
    two passages of a document share (start, end) and only passage_id could break the tie."""
    import numpy as np

    rank = {d: r for r, d in enumerate(sorted(set(doc_ids)))}
    d = np.fromiter((rank[x] for x in doc_ids), dtype=np.int64, count=len(doc_ids))
    s, e = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    order = np.lexsort((e, s, d))
    d, s, e = d[order], s[order], e[order]
    if ((d[1:] == d[:-1]) & (s[1:] == s[:-1]) & (e[1:] == e[:-1])).any():
        return None
    return order


def _str_column(values: Iterator[list[str | None]]) -> pd.Series:
    """A "str" Series from lists of values, one Arrow chunk per list (see _pool)."""
    import pandas as pd
    import pyarrow as pa

    chunks = [pa.array(v, type=pa.large_string(), memory_pool=_pool()) for v in values]
    return pd.Series(pd.array(pa.chunked_array(chunks, type=pa.large_string()), dtype="str"))


def passages_frame(extracted: list[Extracted]) -> pd.DataFrame:
    """The passages table, built column by column: equal to frame("passages", passage_rows(extracted)), but
    without a dict per row (twice over), which for a very large document cost more than its text. Rows are
    put in order first (sorting the frame would copy every column), then each string column is made in
    chunks straight into Arrow, so that only a chunk's Python strings are alive at a time."""
    import pandas as pd

    from schemas.tables import ORDER
    from tally.publish.frames import frame

    large = [e for e in extracted if not isinstance(e.passages, list)]
    if large:
        small = [e for e in extracted if isinstance(e.passages, list)]
        frames = [_arrow_frame(e.passages) for e in large]
        for e, df in zip(large, frames):
            df["text"] = text_column({e.doc.doc_id: e.doc.text}, df["doc_id"], df["start"], df["end"])
        return with_layout(_with_large(passages_frame(small) if small else None, frames), extracted)
    rows = [(e.doc.doc_id, p) for e in extracted for p in e.passages]
    if not rows:
        return with_layout(frame("passages", []), extracted)
    order = _passage_order([d for d, _ in rows], [p.start for _, p in rows], [p.end for _, p in rows])
    if order is not None:
        rows = [rows[i] for i in order.tolist()]

    def column(value: Callable[[str, Passage], str | None]) -> pd.Series:
        return _str_column([value(d, p) for d, p in rows[i:i + TEXT_CHUNK_ROWS]]
                           for i in range(0, len(rows), TEXT_CHUNK_ROWS))

    df = pd.DataFrame({
        "doc_id": column(lambda d, p: d),
        "passage_id": column(lambda d, p: passage_id(d, p.index)),
        "kind": column(lambda d, p: p.kind),
        "section": column(lambda d, p: p.section),
        "label": column(lambda d, p: p.label),
        "parent_id": column(lambda d, p: None if p.parent is None else passage_id(d, p.parent)),
        "start": pd.Series([p.start for _, p in rows], dtype="int64"),
        "end": pd.Series([p.end for _, p in rows], dtype="int64"),
    })
    del rows
    if order is None:  # a tie that only passage_id breaks (never seen): the general sort
        df = df.sort_values(ORDER["passages"], kind="mergesort").reset_index(drop=True)
    df["text"] = text_column({e.doc.doc_id: e.doc.text for e in extracted}, df["doc_id"], df["start"], df["end"])
    return with_layout(df, extracted)


def _mentions_frame(extracted: list[Extracted]) -> pd.DataFrame:
    """The mentions table: objects through tables.frame, large documents' Arrow tables as they are."""
    from tally.publish.frames import frame

    small = frame("mentions", [m for e in extracted if isinstance(e.mentions, list) for m in e.mentions])
    large = [_arrow_frame(e.mentions) for e in extracted if not isinstance(e.mentions, list)]
    return with_layout(_with_large(small if len(small) else None, large) if large else small, extracted)


def _arrow_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as a frame with the dtypes tables.frame gives ("str" columns stay in Arrow)."""
    import pandas as pd
    import pyarrow as pa

    cols = {}
    for name in table.column_names:
        col = table[name]
        if pa.types.is_large_string(col.type):
            cols[name] = pd.Series(pd.array(col, dtype="str"))
        elif pa.types.is_floating(col.type):
            cols[name] = pd.Series(col.to_numpy(), dtype="float64")  # nulls become NaN
        else:
            cols[name] = pd.Series(col.to_numpy(), dtype="int64")
    return pd.DataFrame(cols)


def _with_large(small: pd.DataFrame | None, large: list[pd.DataFrame]) -> pd.DataFrame:
    """Rows of small documents and of large ones (frames each in table order), in table order: every
    table order starts with doc_id, and each document's rows are already in order."""
    import pandas as pd

    frames = ([small] if small is not None else []) + large
    if len(frames) == 1:
        return frames[0]
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values("doc_id", kind="mergesort").reset_index(drop=True)


def assemble(extracted: list[Extracted], facts: list[Fact], conflicts: list[Conflict],
             quarantine: list[QuarantineRow], previous_documents: pd.DataFrame | None = None,
             now: str | None = None) -> dict[str, pd.DataFrame]:
    """Every published table as a frame, in publishing order."""
    import pyarrow as pa

    from tally.publish.frames import frame

    tables = {
        "documents": frame("documents", document_rows(extracted, previous_documents, now)),
        "passages": passages_frame(extracted),
        "mentions": _mentions_frame(extracted),
        "facts": frame("facts", facts),
        "conflicts": frame("conflicts", conflicts),
        "quarantine": frame("quarantine", quarantine),
        "document_texts": document_texts_frame(extracted),
    }
    # Arrow's allocator keeps freed blocks from building the columns for reuse; for a very large document
    # that is a few hundred MB of resident memory nothing will use before publishing. Give it back.
    pa.default_memory_pool().release_unused()
    return tables


def with_layout(df: pd.DataFrame, extracted: list[Extracted]) -> pd.DataFrame:
    """Fill a passages or mentions frame's page (PDF) and heading_path (HTML) from each start offset."""
    import numpy as np
    import pandas as pd

    page = pd.Series(pd.NA, index=df.index, dtype="Int64")
    path = pd.Series(None, index=df.index, dtype="str")
    laid_out = {e.doc.doc_id: e.doc.layout for e in extracted if e.doc.layout is not None}
    if laid_out and len(df):
        doc_ids, starts = df["doc_id"].to_numpy(dtype=object), df["start"].to_numpy()
        for doc_id, layout in laid_out.items():
            rows = np.flatnonzero(doc_ids == doc_id)
            if not len(rows):
                continue
            if layout.pages:
                page.iloc[rows] = np.searchsorted(np.asarray(layout.pages), starts[rows], side="right")
            if layout.headings:
                at, paths = layout.heading_paths()
                k = np.searchsorted(np.asarray(at), starts[rows], side="right") - 1
                path.iloc[rows] = [paths[i] if i >= 0 else None for i in k.tolist()]
    df["page"], df["heading_path"] = page, path
    return df


def document_texts_frame(extracted: list[Extracted]) -> pd.DataFrame:
    """The document_texts table: the extracted text of each converted (PDF, HTML) document."""
    import pandas as pd

    rows = sorted(((e.doc.doc_id, e.doc.layout) for e in extracted if e.doc.layout is not None), key=lambda r: r[0])
    return pd.DataFrame({
        "doc_id": pd.Series([d for d, _ in rows], dtype="str"),
        "format": pd.Series([c.format for _, c in rows], dtype="str"),
        "n_pages": pd.Series([len(c.pages) if c.format == "pdf" else None for _, c in rows], dtype="Int64"),
        "text": pd.Series([c.text for _, c in rows], dtype="str"),
    })


@dataclass
class Summary:
    """What a run did, for the CLI and the run artifact."""

    documents: int = 0
    passages: int = 0
    mentions: int = 0
    facts: int = 0
    conflicts: int = 0
    extracted: int = 0
    cached: int = 0
    quarantined: list[QuarantineRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # Discovered.warnings: the CLI prints them
    build_id: str | None = None
    changed: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    warehouse: str | None = None

    def line(self) -> str:
        """One-line summary."""
        return (f"{self.documents} documents ({self.extracted} extracted, {self.cached} cached), "
                f"{self.passages} passages, {self.mentions} mentions, {self.facts} facts, "
                f"{self.conflicts} conflicts, {len(self.quarantined)} quarantined")


class Timer:
    """Accumulate wall time per stage into a dict."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into = into

    def __call__(self, stage: str) -> "_Span":
        return _Span(self.into, stage)


class _Span:
    def __init__(self, into: dict[str, float], stage: str) -> None:
        self.into, self.stage = into, stage

    def __enter__(self) -> None:
        self.t0 = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.into[self.stage] = self.into.get(self.stage, 0.0) + time.perf_counter() - self.t0


_DOC_TABLES = ("documents", "passages", "mentions")


def failing_documents(tables: dict[str, pd.DataFrame], failures: pd.DataFrame) -> dict[str, list[str]] | None:
    """doc_id -> failed checks, for failures that belong to documents; None when any failure is systemic."""
    bad: dict[str, set[str]] = {}
    for r in failures.itertuples(index=False):
        if r.table not in _DOC_TABLES + ("facts",):
            return None
        try:
            row = tables[r.table].loc[int(r.index)]
        except (ValueError, KeyError, TypeError):
            return None  # a table-wide failure (wrong columns, dtype): systemic
        col = r.column if isinstance(r.column, str) else "row"
        # A fact is blamed on every document that states it.
        for doc_id in (row["doc_ids"] if r.table == "facts" else [row["doc_id"]]):
            bad.setdefault(doc_id, set()).add(f"{r.table}.{col}: {r.check}")
    return {d: sorted(c) for d, c in bad.items()}


def gate_quarantine(extracted: list[Extracted], bad: dict[str, list[str]]) -> tuple[list[Extracted], list[QuarantineRow]]:
    """Drop documents whose rows failed validation and say which checks failed."""
    keep = [e for e in extracted if e.doc.doc_id not in bad]
    rows = [QuarantineRow(e.doc.path, e.doc.doc_id, "validate", "ValidationFailed",
                          "rows failed checks: " + "; ".join(bad[e.doc.doc_id][:10]))
            for e in extracted if e.doc.doc_id in bad]
    return keep, rows
