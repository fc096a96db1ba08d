"""The `tally-pipeline` Prefect flow: thin tasks around the library's stages, in batches of documents."""
from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from prefect import flow, get_run_logger, task
# Prefect's default cache policy hashes every task input (whole corpora here); tally caches per
# document itself (tally/cache.py), so Prefect's task cache is off.
from prefect.cache_policies import NO_CACHE
# Prefect walks every task argument looking for futures to record as dependencies; for a corpus of
# passages and mentions that walk costs seconds, so the whole-corpus arguments of the tasks called in
# the flow are passed quote()d. (Batches given to .submit() are not: prefect-dask mangles quote()d arguments.)
from prefect.utilities.annotations import quote
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from tally.publish import builds
from tally import build as lib
from tally.extract.cache import ExtractCache, extractor_version
from tally.publish.validate import ValidationReport

# tally.publish.warehouse, tally.publish.dimensions and validate_tables pull in pandas, pandera and DuckDB (seconds):
# the tasks that need them import them, so a run whose inputs are unchanged starts as fast as Prefect.

# Documents per extract task. Prefect adds 10-50 ms per task run; extraction costs ~30 ms per 40 KB
# document, so 25 documents (~1 MB) keep Prefect's share small while still giving a process or Dask
# runner enough batches to spread over its workers (bench/corpus.py measures it).
BATCH_SIZE = 25
CACHE_DIR = ".cache/extract"

# Set by the CLI to draw a progress bar: called with (stage, done, total) as batches finish.
progress: Callable[[str, int, int], None] | None = None
# Set by the CLI: called once every batch is extracted, before reconcile (it stops the idle worker
# processes so that their memory is free while the tables are built).
extracted_all: Callable[[], None] | None = None


def _tick(stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


def _transient(task, task_run, state) -> bool:
    """Retry filesystem hiccups, not configuration errors (a bad manifest, a missing folder)."""
    try:
        state.result()
    except (ValueError, FileNotFoundError):
        return False
    except Exception:
        return True
    return False


# Set by the CLI: raw/ as discovered while the warm API server was starting (keyed by str(raw)).
prefetched: dict[str, lib.Discovered] = {}


@task(name="discover", retries=2, retry_delay_seconds=[1, 4], retry_condition_fn=_transient, cache_policy=NO_CACHE)
def discover(raw: Path) -> lib.Discovered:
    """List and read the documents in raw/ (retried: it touches the filesystem)."""
    found = prefetched.pop(str(raw), None)
    return found if found is not None else lib.discover_documents(raw)


@task(name="extract", cache_policy=NO_CACHE)
def extract(batch: list, cache_dir: str | None) -> lib.Processed:
    """Decode a batch of documents; unchanged ones come from the cache, the rest are segmented, extracted
    and resolved, and their results cached (in a forked worker process with `--task-runner processes`)."""
    pool = _batch_pool()
    return pool.submit(batch, cache_dir).result() if pool is not None else lib.process_batch(batch, cache_dir)


def _batch_pool():
    """The run's worker processes (tally.workers.BatchPool) when its task runner has them."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    return getattr(ctx.task_runner, "batch_pool", None) if ctx is not None else None


@task(name="publish", retries=2, retry_delay_seconds=[1, 4], cache_policy=NO_CACHE)
def publish(warehouse: Path, tables: dict, inputs: str | None = None):
    """Stage, then atomically swap in the new warehouse (retried: it touches the filesystem)."""
    from tally.publish import dimensions
    from tally.publish import warehouse as wh

    with lib.gc_paused():  # as for reconcile: many objects, no cycles (0.3-0.5 s of 2.5 s on 1,000 documents)
        return wh.publish(warehouse, dimensions.with_dimensions(tables), extra=dimensions.create_views, inputs=inputs)


@contextmanager
def _api_for_worker_processes():
    """Let worker processes (the process pool, a local Dask cluster) report to this run's Prefect API.

    With no API URL configured, Prefect runs a temporary API server inside `tally run`; worker processes
    are not told of it and each start their own (measured: ~8 s each before the first task runs).
    Workers take their settings from the submitting context, so the server's URL is set there for the
    stage. (Workers on other machines cannot reach a server on 127.0.0.1: give a remote cluster a real
    server with PREFECT_API_URL.)
    """
    from prefect.context import FlowRunContext
    from prefect.settings import PREFECT_API_URL, temporary_settings

    ctx = FlowRunContext.get()
    if ctx is None or PREFECT_API_URL.value() or not _local_worker_processes(ctx.task_runner):
        yield
        return
    with temporary_settings(updates={PREFECT_API_URL: str(ctx.client.api_url)}):
        yield


def _local_worker_processes(runner) -> bool:
    """Whether the task runner runs tasks in other processes on this machine."""
    from prefect.task_runners import ProcessPoolTaskRunner

    if isinstance(runner, ProcessPoolTaskRunner):
        return True
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        return False
    if not isinstance(runner, DaskTaskRunner):
        return False
    address = runner.client.scheduler.address or ""
    return address.startswith(("inproc://", "tcp://127.0.0.1:", "tcp://localhost:"))


def _gather(futures: list, stage: str) -> list:
    """Results of a stage's batch futures, in submission order, reporting progress."""
    out = []
    for i, f in enumerate(futures, 1):
        out.append(f.result())
        _tick(stage, i, len(futures))
    return out


@flow(name="tally-pipeline", log_prints=True)
def tally_pipeline(raw: str = "raw", warehouse: str = "warehouse", batch_size: int = BATCH_SIZE,
                   use_cache: bool = True) -> lib.Summary:
    """raw/ -> passages -> mentions -> facts -> validated Parquet + DuckDB, published atomically."""
    raw_dir, wh_dir = Path(raw), Path(warehouse)
    cache_dir = wh_dir / CACHE_DIR if use_cache else None
    summary = lib.Summary(warehouse=str(wh_dir))
    timer = lib.Timer(summary.timings)
    t0 = time.perf_counter()

    with timer("discover"):
        found = discover(raw_dir)
    summary.warnings = list(found.warnings)
    inputs = lib.input_fingerprint(found)
    if use_cache and builds.published_inputs(wh_dir) == inputs:
        return _unchanged(summary, wh_dir, found, t0)
    from tally.publish import warehouse as wh

    options = lib.BuildOptions(cache_dir, batch_size, wh.read_published(wh_dir, "documents"))
    with _api_for_worker_processes():
        built = lib.build_tables(found, options, map_batches=_submit_batches)
    for stage, seconds in built.timings.items():
        summary.timings[stage] = summary.timings.get(stage, 0.0) + seconds
    _validation_artifact(built.report)
    tables = built.tables
    del built.report
    # Publishing needs only the tables: let the texts, passages and mentions go first (for a very large
    # document they are as large as the tables again).
    gc.collect()
    with timer("publish"):
        published = publish(wh_dir, quote(tables), inputs)
    if cache_dir:
        ExtractCache(cache_dir).prune(set(lib.cache_keys(found.documents)))

    summary.extracted, summary.cached, summary.extract_cpu = built.extracted, built.cached, built.extract_cpu
    summary.documents, summary.passages = len(tables["documents"]), len(tables["passages"])
    summary.mentions, summary.facts, summary.conflicts = len(tables["mentions"]), len(tables["facts"]), len(tables["conflicts"])
    summary.quarantined = built.quarantine
    summary.build_id, summary.changed = published.build_id, published.changed
    summary.timings["flow_total"] = time.perf_counter() - t0
    _summary_artifact(summary)
    get_run_logger().info(summary.line())
    return summary


def _submit_batches(batches: list[list], cache_dir: str | None) -> list:
    """build_tables' map over batches: one extract task (lib.process_batch) per batch on the task runner."""
    done = _gather([extract.submit(b, cache_dir) for b in batches], "extract")
    if extracted_all is not None:
        extracted_all()
    return done


def _unchanged(summary: lib.Summary, wh_dir: Path, found: lib.Discovered, t0: float) -> lib.Summary:
    """Nothing changed since the published build: report it without redoing any work."""
    counts = builds.published_counts(wh_dir)
    summary.documents, summary.passages = counts.get("documents", 0), counts.get("passages", 0)
    summary.mentions, summary.facts, summary.conflicts = (counts.get("mentions", 0), counts.get("facts", 0),
                                                          counts.get("conflicts", 0))
    summary.cached, summary.extracted = len(found.documents), 0
    published_q = builds.published_quarantine(wh_dir)
    summary.quarantined = ([lib.QuarantineRow(**r) for r in published_q] if published_q is not None
                           else list(found.quarantine))
    build = builds.current_build(wh_dir)
    summary.build_id, summary.changed = (build.name if build else None), False
    summary.timings["flow_total"] = time.perf_counter() - t0
    _summary_artifact(summary)
    get_run_logger().info("inputs unchanged since the published build: " + summary.line())
    return summary


def _summary_artifact(summary: lib.Summary) -> None:
    """Publish the run summary as a Prefect markdown artifact."""
    lines = ["# tally run", "", f"- {summary.line()}",
             f"- {summary.extracted} extracted, {summary.cached} cached (extractor {extractor_version()})",
             f"- build `{summary.build_id}` ({'published' if summary.changed else 'unchanged'})",
             "", "| stage | seconds |", "|---|---:|"]
    lines += [f"| {k} | {v:.3f} |" for k, v in summary.timings.items()]
    if summary.quarantined:
        lines += ["", "## Quarantined", "", "| file | stage | reason |", "|---|---|---|"]
        lines += [f"| {q.path} | {q.stage} | {q.error_class}: {q.message} |" for q in summary.quarantined]
    create_markdown_artifact(markdown="\n".join(lines), key="tally-run-summary", description="tally run summary")


def _validation_artifact(report: ValidationReport) -> None:
    """Publish the validation results (rows per table, failures) as a Prefect table artifact."""
    rows = [{"table": t, "rows": n, "failures": int((report.failures["table"] == t).sum())} for t, n in report.rows.items()]
    create_table_artifact(table=rows, key="tally-validation", description="Pandera validation per table")
