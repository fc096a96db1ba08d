"""The stages composed: `build_tables(raw, options)` turns a raw folder into validated tables. The Prefect flow,
the tests, the bench scripts and notebooks all call it (the flow hands it a way to run batches in parallel)."""
from __future__ import annotations

import gc
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from tally.documents import Discovered, Extracted, QuarantineRow, Segmented
from tally.extract.cache import ExtractCache, cache_key
from tally.columns import classified_spans
from tally.facts.reconcile import quote_spans, reconcile
from tally.ingest import discover as disc
from tally.ingest.segment import segment
from tally.ingest.text import Utf8Text
from tally.budget import budget
from tally.resolve import document_tables
from tally.model import Conflict, Fact

if TYPE_CHECKING:
    import pandas as pd

    from tally.publish.validate import ValidationReport

# numpy, pandas, pyarrow and the Pandera models are imported inside the functions that build frames:
# they cost seconds at start-up, and a run whose inputs have not changed never needs them.

# The frames the stages' rows become (tally.publish.frames), named here too so a notebook needs only this
# module; loaded on first use, as importing pandas and the Pandera models takes about a second.
_FRAMES = ("assemble", "passages_frame")


def __getattr__(name: str):
    """tally.build.assemble and .passages_frame, from tally.publish.frames on first use."""
    if name in _FRAMES:
        from tally.publish import frames

        return getattr(frames, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
            doc = disc.decode(raw_doc, large=document_tables.RESOLVE_CHARS, convert_cache=convert_cache)
            # a large document is segmented run by run while it is extracted (document_tables.extract_document)
            ok.append(Segmented(doc, [] if document_tables.is_large(doc) else segment(doc.text)))
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
            doc = disc.decode(raw_doc, large=document_tables.RESOLVE_CHARS, convert_cache=converted)
        except Exception as exc:  # cannot happen for bytes that decoded before, but never crash the batch
            bad.append(quarantine_row(exc, raw_doc.path, raw_doc.doc_id, "decode"))
            continue
        passages, mentions = hit
        hits.append(Extracted(doc, passages, mentions))
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
    h.update(code_fingerprint(("tally/build.py", "tally/columns.py", "tally/facts", "tally/publish/frames.py",
                               "tally/publish/validate.py", "tally/publish/warehouse.py")).encode())
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
    cpu: float = 0.0  # CPU seconds the batch took where it ran (a worker's, with a pool)


def process_documents(docs: list[disc.RawDocument], store: ExtractCache | None) -> Processed:
    """Decode a batch, take unchanged documents from the cache, segment and extract the others.

    One call per batch, so a process or Dask worker receives the raw bytes once and sends back only results.
    """
    todo, hits, refused = prepare_documents(docs, store)
    ok, failed = extract_and_cache(todo, store)
    return Processed([with_quotes(e) for e in hits + ok], len(hits), refused + failed)


def with_quotes(e: Extracted) -> Extracted:
    """The document with its classified mentions' quote spans, worked out in the batch's worker (in parallel)
    rather than one document after another in reconcile."""
    e.quotes = quote_spans(e.doc.text, classified_spans(e.mentions))
    return e


def extract_mentions(batch: list[Segmented]) -> tuple[list[Extracted], list[QuarantineRow]]:
    """Extract and resolve mentions for a batch of segmented documents."""
    ok, bad = [], []
    for s in batch:
        try:
            with budget():
                ok.append(document_tables.extract_document(s.doc, s.passages))
        except Exception as exc:  # quarantine the document, keep the batch
            bad.append(quarantine_row(exc, s.doc.path, s.doc.doc_id, "extract"))
    return ok, bad


def reconcile_facts(extracted: list[Extracted]) -> tuple[list[Fact], list[Conflict]]:
    """Collapse all documents' mentions into facts and conflicts."""
    import pyarrow as pa

    from tally.columns import mention_schema

    texts = {e.doc.doc_id: e.quotes.bound(e.doc.text) if e.quotes is not None
             else quote_spans(e.doc.text, classified_spans(e.mentions)) if isinstance(e.doc.text, Utf8Text)
             else e.doc.text for e in extracted}
    out = reconcile(pa.concat_tables([e.mentions for e in extracted]) if extracted else mention_schema().empty_table(),
                    texts)
    pa.default_memory_pool().release_unused()  # the bundles' working columns (see assemble)
    return out


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
    extract_cpu: float = 0.0  # CPU seconds the extraction took in all workers (against timings["extract"], wall)
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


def source_date() -> str | None:
    """SOURCE_DATE_EPOCH (reproducible-builds.org) as an ISO UTC timestamp, or None when unset or invalid."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw.isdigit():
        return None
    return datetime.fromtimestamp(int(raw), timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class BuildOptions:
    """How to build: the extraction cache, the batch size, what was published before, the clock."""

    cache_dir: Path | None = None
    batch_size: int = 25
    previous_documents: "pd.DataFrame | None" = None  # published documents: ingested_at is carried over
    now: str | None = None  # ingested_at of new documents; SOURCE_DATE_EPOCH, else the wall clock


@dataclass
class Tables:
    """What build_tables produced: the validated tables and what happened on the way."""

    tables: dict[str, "pd.DataFrame"]
    quarantine: list[QuarantineRow]
    report: "ValidationReport"
    extracted: int = 0
    cached: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    extract_cpu: float = 0.0  # CPU seconds of the batches, summed over the processes that ran them


# Runs process_batch(batch, cache_dir) over every batch and yields the results: serially here; the flow
# passes one that submits each batch to its Prefect task runner.
MapBatches = Callable[[list[list], "str | None"], Iterable[Processed]]


def serial(batches: list[list], cache_dir: str | None) -> Iterable[Processed]:
    """Run the batches one after the other in this process."""
    return (process_batch(b, cache_dir) for b in batches)


def batches_of(items: list, size: int) -> list[list]:
    """Consecutive slices of at most `size` items."""
    return [items[i:i + size] for i in range(0, len(items), max(1, size))]


def build_tables(found: Discovered | Path, options: BuildOptions = BuildOptions(),
                 map_batches: MapBatches = serial) -> Tables:
    """Raw documents -> passages -> mentions -> facts and conflicts -> every table, validated.

    Documents whose rows fail validation are quarantined with the checks named and the rest rebuilt;
    only a systemic failure (or every document failing) raises ValidationFailed.
    """
    from tally.publish.frames import assemble
    from tally.publish.validate import ValidationFailed, validate_tables

    if isinstance(found, Path):
        found = discover_documents(found)
    timings: dict[str, float] = {}
    timer = Timer(timings)
    cache_dir = str(options.cache_dir) if options.cache_dir else None
    extracted: list[Extracted] = []
    quarantine = list(found.quarantine)
    cached, extract_cpu = 0, 0.0
    with timer("extract"):
        for done in map_batches(batches_of(found.documents, options.batch_size), cache_dir):
            extracted += done.extracted
            quarantine += done.quarantine
            cached += done.cached
            extract_cpu += done.cpu
    extracted.sort(key=lambda e: e.doc.path)
    now = options.now or source_date()

    def _build(docs: list[Extracted], rejected: list[dict] = ()) -> tuple[dict, ValidationReport]:
        with gc_paused():
            with timer("reconcile"):
                facts, conflicts = reconcile_facts(docs)
            with timer("assemble"):
                tables = assemble(docs, facts, conflicts, quarantine, options.previous_documents, now, rejected)
            with timer("validate"):
                return tables, validate_tables(tables, {e.doc.doc_id: e.doc.text for e in docs})

    tables, report = _build(extracted)
    rejected: list[dict] = []
    if not report.ok:
        # Repair at the row: mentions (and facts, charged to their mentions) that fail a row-level check
        # are left out alone, and the document is published without them.
        found_rows = rejected_mentions(tables, report.failures)
        if found_rows and not _systemic(found_rows, tables["mentions"], len(extracted)):
            rejected = found_rows
            extracted = drop_mentions(extracted, {r["row_id"] for r in rejected})
            tables, report = _build(extracted, rejected)
    if not report.ok:
        bad = failing_documents(tables, report.failures)
        if bad is None or len(bad) == len(extracted):
            raise ValidationFailed(report.failures)
        extracted, refused = gate_quarantine(extracted, bad)
        quarantine += refused
        rejected = [r for r in rejected if r["doc_id"] not in bad]
        tables, report = _build(extracted, rejected)
        if not report.ok:
            raise ValidationFailed(report.failures)
    return Tables(tables, quarantine, report, len(extracted) - cached, cached, timings, extract_cpu)


@contextmanager
def gc_paused():
    """The cyclic garbage collector off for a stage that makes many objects and few cycles (reconcile, assemble,
    validate): its collections walked every live object again and again (1.5-2.4 s of 5-6 s of reconcile on
    1,000 documents, and collected nothing). Reference counting still frees everything else."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _systemic(rows: list[dict], mentions: "pd.DataFrame", n_docs: int) -> bool:
    """Whether failing rows point at a broken stage rather than at bad figures: more than half of all
    mentions fail, or every one of several documents has failing rows."""
    docs = {r["doc_id"] for r in rows}
    return 2 * len(rows) > len(mentions) or (n_docs > 1 and len(docs) == n_docs)


def rejected_mentions(tables: dict[str, "pd.DataFrame"], failures: "pd.DataFrame") -> list[dict] | None:
    """rejected_rows rows for failures that are confined to mention and fact rows; None when any other
    row (a document, a passage) or the table as a whole fails, which only quarantine can answer."""
    checks: dict[str, set[str]] = {}
    mentions = tables["mentions"]
    for r in failures.itertuples(index=False):
        if r.table not in ("mentions", "facts"):
            return None
        try:
            row = tables[r.table].loc[int(r.index)]
        except (ValueError, KeyError, TypeError):
            return None
        col = r.column if isinstance(r.column, str) else "row"
        for mid in (row["mention_ids"] if r.table == "facts" else [row["mention_id"]]):
            checks.setdefault(mid, set()).add(f"{r.table}.{col}: {r.check}")
    rows = mentions[mentions["mention_id"].isin(list(checks))]
    return [{"doc_id": m.doc_id, "table_name": "mentions", "row_id": m.mention_id, "start": int(m.start),
             "end": int(m.end), "text": m.text, "checks": "; ".join(sorted(checks[m.mention_id]))}
            for m in rows.itertuples(index=False)]


def drop_mentions(extracted: list[Extracted], ids: set[str]) -> list[Extracted]:
    """The documents with the named mentions taken out."""
    import pyarrow as pa
    import pyarrow.compute as pc

    drop = pa.array(sorted(ids), type=pa.large_string())
    return [Extracted(e.doc, e.passages, e.mentions.filter(pc.invert(pc.is_in(e.mentions["mention_id"], drop))),
                      e.quotes) for e in extracted]


def process_batch(batch: list[disc.RawDocument], cache_dir: str | None) -> Processed:
    """One batch through decode, cache, segment, extract and resolve (the unit of work of a worker)."""
    t0 = time.process_time()
    out = process_documents(batch, ExtractCache(Path(cache_dir)) if cache_dir else None)
    out.cpu = time.process_time() - t0
    return out
