"""The pipeline's stages as plain functions over plain data; the Prefect flow and notebooks both call these."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from typing import TYPE_CHECKING

from tally import discover as disc
from tally.cache import ExtractCache, cache_key
from tally.mentions import build_mentions, mention_id, passage_id
from tally.model import Conflict, DocContext, Fact, Mention
from tally.reconcile import reconcile
from tally import segment as seg
from tally.segment import Passage, segment

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
    passages: list[Passage]
    mentions: list[Mention]


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


def segment_documents(docs: list[disc.RawDocument]) -> tuple[list[Segmented], list[QuarantineRow]]:
    """Decode and segment a batch of documents; refuse the ones that are not text."""
    ok, bad = [], []
    for raw_doc in docs:
        try:
            doc = disc.decode(raw_doc)
            ok.append(Segmented(doc, segment(doc.text)))
        except Exception as exc:  # one bad document must not stop the batch
            bad.append(quarantine_row(exc, raw_doc.path, raw_doc.doc_id, "segment"))
    return ok, bad


def prepare_documents(docs: list[disc.RawDocument], store: ExtractCache | None
                      ) -> tuple[list[Segmented], list[Extracted], list[QuarantineRow]]:
    """Decode a batch; take unchanged documents from the cache and segment the others."""
    if store is None:
        todo, bad = segment_documents(docs)
        return todo, [], bad
    todo, hits, bad = [], [], []
    fresh = []
    for raw_doc in docs:
        key = cache_key(raw_doc.doc_id, raw_doc.source)
        hit = store.get(key)
        if hit is None:
            fresh.append((raw_doc, key))
            continue
        try:
            doc = disc.decode(raw_doc)
        except Exception as exc:  # cannot happen for bytes that decoded before, but never crash the batch
            bad.append(quarantine_row(exc, raw_doc.path, raw_doc.doc_id, "decode"))
            continue
        passages, mentions = hit
        # The pickled passages brought their own copy of the text; point them at this one instead.
        hits.append(Extracted(doc, seg.attach(passages, doc.text), mentions))
    segmented, refused = segment_documents([r for r, _ in fresh])
    keys = {r.doc_id: k for r, k in fresh}
    for s in segmented:
        s.key = keys[s.doc.doc_id]
    return segmented, hits, bad + refused


def input_fingerprint(found: Discovered) -> str:
    """Hash of everything a build depends on: every file seen (documents and refused ones), the
    extractor and catalog versions, and the code that turns mentions into published tables."""
    import hashlib

    from tally.cache import code_fingerprint

    h = hashlib.sha256()
    for key in sorted(cache_keys(found.documents)):
        h.update(key.encode())
    for q in sorted(found.quarantine, key=lambda q: q.path):
        h.update(f"{q.path}\x1f{q.sha256}\x1f{q.message}".encode())
    h.update(code_fingerprint(("reconcile", "pipeline", "tables", "validate", "warehouse")).encode())
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
    out: list[Mention] = []
    for run in seg.runs(passages, size):
        lo, hi = run[0].start, max(p.end for p in run)
        chunk = doc.text[lo:hi]
        local = [dc_replace(p, start=p.start - lo, end=p.end - lo, doc=chunk) for p in run]
        ctx = DocContext(doc.doc_id, chunk, doc.source.title, doc.source.published)
        for m in build_mentions(ctx, local):
            m.start += lo
            m.end += lo
            m.mention_id = mention_id(doc.doc_id, m.start)
            out.append(m)
    return out


def extract_mentions(batch: list[Segmented]) -> tuple[list[Extracted], list[QuarantineRow]]:
    """Extract and resolve mentions for a batch of segmented documents."""
    ok, bad = [], []
    for s in batch:
        try:
            ok.append(Extracted(s.doc, s.passages, document_mentions(s.doc, s.passages)))
        except Exception as exc:  # quarantine the document, keep the batch
            bad.append(quarantine_row(exc, s.doc.path, s.doc.doc_id, "extract"))
    return ok, bad


def reconcile_facts(extracted: list[Extracted]) -> tuple[list[Fact], list[Conflict]]:
    """Collapse all documents' mentions into facts and conflicts."""
    mentions = [m for e in extracted for m in e.mentions]
    texts = {e.doc.doc_id: e.doc.text for e in extracted}
    return reconcile(mentions, texts)


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
    """A "str" Series from lists of values, one Arrow chunk per list (see _POOL)."""
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
    from tally.tables import frame

    rows = [(e.doc.doc_id, p) for e in extracted for p in e.passages]
    if not rows:
        return frame("passages", [])
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
    return df


def assemble(extracted: list[Extracted], facts: list[Fact], conflicts: list[Conflict],
             quarantine: list[QuarantineRow], previous_documents: pd.DataFrame | None = None,
             now: str | None = None) -> dict[str, pd.DataFrame]:
    """Every published table as a frame, in publishing order."""
    import pyarrow as pa

    from tally.tables import frame

    tables = {
        "documents": frame("documents", document_rows(extracted, previous_documents, now)),
        "passages": passages_frame(extracted),
        "mentions": frame("mentions", [m for e in extracted for m in e.mentions]),
        "facts": frame("facts", facts),
        "conflicts": frame("conflicts", conflicts),
        "quarantine": frame("quarantine", quarantine),
    }
    # Arrow's allocator keeps freed blocks from building the columns for reuse; for a very large document
    # that is a few hundred MB of resident memory nothing will use before publishing. Give it back.
    pa.default_memory_pool().release_unused()
    return tables


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
