"""The `tally-pipeline` Prefect flow: thin tasks around the library's stages, in batches of documents."""
from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from tally import pipeline as lib
from tally import dimensions
from tally import warehouse as wh
from tally.validate import ValidationFailed, ValidationReport, validate_tables

# Documents per segment/extract task: Prefect costs 10-50 ms per task run, extraction ~1 ms per KB.
BATCH_SIZE = 64


def _batches(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@task(name="discover", retries=2, retry_delay_seconds=[1, 3])
def discover(raw: Path) -> lib.Discovered:
    """List and read the documents in raw/."""
    return lib.discover_documents(raw)


@task(name="segment")
def segment(batch: list) -> tuple[list[lib.Segmented], list[lib.QuarantineRow]]:
    """Decode and segment a batch of documents."""
    return lib.segment_documents(batch)


@task(name="extract")
def extract(batch: list[lib.Segmented]) -> tuple[list[lib.Extracted], list[lib.QuarantineRow]]:
    """Extract and resolve mentions for a batch of documents."""
    return lib.extract_mentions(batch)


@task(name="reconcile")
def reconcile(extracted: list[lib.Extracted]) -> tuple[list, list]:
    """Collapse mentions into facts and conflicts."""
    return lib.reconcile_facts(extracted)


@task(name="validate")
def validate(tables: dict, texts: dict[str, str]) -> ValidationReport:
    """Check every table against its Pandera model, listing every failing row and check."""
    return validate_tables(tables, texts)


@task(name="publish", retries=2, retry_delay_seconds=[1, 3])
def publish(warehouse: Path, tables: dict) -> wh.Published:
    """Stage, then atomically swap in the new warehouse (with the dimension tables and analyst views)."""
    return wh.publish(warehouse, dimensions.with_dimensions(tables), extra=dimensions.create_views)


@flow(name="tally-pipeline", log_prints=True)
def tally_pipeline(raw: str = "raw", warehouse: str = "warehouse", batch_size: int = BATCH_SIZE) -> lib.Summary:
    """raw/ -> passages -> mentions -> facts -> validated Parquet + DuckDB, published atomically."""
    raw_dir, wh_dir = Path(raw), Path(warehouse)
    summary = lib.Summary(warehouse=str(wh_dir))
    timer = lib.Timer(summary.timings)
    t0 = time.perf_counter()

    with timer("discover"):
        found = discover(raw_dir)
    quarantine = list(found.quarantine)
    batches = _batches(found.documents, batch_size)
    with timer("segment"):
        seg_futures = [segment.submit(b) for b in batches]
        segmented = []
        for f in seg_futures:
            ok, bad = f.result()
            segmented.append(ok)
            quarantine += bad
    with timer("extract"):
        ext_futures = [extract.submit(b) for b in segmented]
        extracted: list[lib.Extracted] = []
        for f in ext_futures:
            ok, bad = f.result()
            extracted += ok
            quarantine += bad
    previous_documents = wh.read_published(wh_dir, "documents")
    with timer("reconcile"):
        facts, conflicts = reconcile(extracted)
    tables = lib.assemble(extracted, facts, conflicts, quarantine, previous_documents)
    with timer("validate"):
        report = validate(tables, {e.doc.doc_id: e.doc.text for e in extracted})
        if not report.ok:
            # Pandera as a gate: quarantine the documents whose rows fail, unless the failure is systemic.
            bad = lib.failing_documents(tables, report.failures)
            if bad is None or len(bad) == len(extracted):
                raise ValidationFailed(report.failures)
            extracted, refused = lib.gate_quarantine(extracted, bad)
            quarantine += refused
            facts, conflicts = reconcile(extracted)
            tables = lib.assemble(extracted, facts, conflicts, quarantine, previous_documents)
            report = validate(tables, {e.doc.doc_id: e.doc.text for e in extracted})
            if not report.ok:
                raise ValidationFailed(report.failures)
    with timer("publish"):
        published = publish(wh_dir, tables)

    summary.documents, summary.passages = len(tables["documents"]), len(tables["passages"])
    summary.mentions, summary.facts, summary.conflicts = len(tables["mentions"]), len(tables["facts"]), len(tables["conflicts"])
    summary.quarantined = quarantine
    summary.build_id, summary.changed = published.build_id, published.changed
    summary.timings["flow_total"] = time.perf_counter() - t0
    _artifact(summary)
    get_run_logger().info(summary.line())
    return summary


def _artifact(summary: lib.Summary) -> None:
    """Publish the run summary as a Prefect markdown artifact."""
    lines = ["# tally run", "", f"- {summary.line()}", f"- build `{summary.build_id}` ({'published' if summary.changed else 'unchanged'})", "", "| stage | seconds |", "|---|---:|"]
    lines += [f"| {k} | {v:.3f} |" for k, v in summary.timings.items()]
    if summary.quarantined:
        lines += ["", "## Quarantined", "", "| file | stage | reason |", "|---|---|---|"]
        lines += [f"| {q.path} | {q.stage} | {q.error_class}: {q.message} |" for q in summary.quarantined]
    create_markdown_artifact(markdown="\n".join(lines), key="tally-run-summary", description="tally run summary")
