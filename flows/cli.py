"""The `tally` command line: run the flow, try the extractor, query and inspect the warehouse."""
from __future__ import annotations

import json
import sys
import time
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Figures in policy prose -> validated indicator tables.")
out = Console()
err = Console(stderr=True)


class Fmt(str, Enum):
    table = "table"
    json = "json"


@app.command()
def run(
    raw: Path = typer.Option(Path("raw"), help="Folder of source documents (and sources.toml)."),
    warehouse: Path = typer.Option(Path("warehouse"), help="Warehouse folder to publish into."),
    strict: bool = typer.Option(False, help="Exit non-zero when any document was quarantined."),
    task_runner: str = typer.Option("auto", help="auto, threads, processes, or dask (prefect-dask). auto: "
                                    "processes when raw/ holds 200 documents or more on a multi-core machine, else threads."),
    dask_address: str = typer.Option(None, help="Run the batches on an existing Dask cluster (tcp://HOST:PORT)."),
    workers: int = typer.Option(None, help="Workers for the task runner (default: its own)."),
    batch_size: int = typer.Option(None, help="Documents per task (default 25)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Re-extract every document, ignoring the cache."),
    summary_json: Path = typer.Option(None, help="Also write the run summary as JSON to this file."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Prefect's and Dask's logs."),
    report: bool = typer.Option(True, help="Rewrite WAREHOUSE/report.html when the build changed (up to 100 documents; --no-report: skip)."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="When another run is publishing this warehouse: "
                              "wait for it (default), or exit 1 naming it."),
) -> None:
    """Run the tally-pipeline flow on RAW and publish WAREHOUSE (Prefect runs embedded; no server needed)."""
    from flows import runsetup as rs
    from flows.settings import configure_prefect

    t0 = time.perf_counter()
    if not raw.is_dir():
        raise _fail("run", f"raw folder not found: {raw}")
    from tally.ingest.discover import ManifestError, read_manifest

    try:
        # configuration: a broken manifest or catalog, or an unreachable cluster, stops the run before Prefect starts
        rs.check_published(raw, read_manifest(raw))
        rs.check_catalog()
        if task_runner not in ("auto", "threads", "processes", "dask"):
            raise rs.RunConfigError(f"unknown --task-runner {task_runner!r}: use auto, threads, processes or dask")
        if dask_address:
            rs.check_dask_address(dask_address)
        warm = rs.warm_server(warehouse)  # started first: imports, discovery and the cache check overlap its start-up
        configure_prefect(warehouse, verbose, api_url=warm.api_url if warm else None)
        import os

        os.environ["TALLY_LOCK_WAIT"] = "1" if wait else "0"  # read by the publish step (tally.publish.builds)
        from tally.publish.builds import WarehouseBusy, warehouse_lock

        if not wait:  # fail before Prefect starts; publish checks again (the lock may be taken meanwhile)
            try:
                with warehouse_lock(warehouse, wait=False):
                    pass
            except WarehouseBusy as exc:
                raise _fail("run", str(exc), 1)
        from flows import pipeline as fp
        from flows.runners import make_task_runner, resolve_kind
        from tally.publish.validate import ValidationFailed

        t_import = time.perf_counter() - t0
        if warm:
            rs.prefetch(fp, raw, warehouse, no_cache)
            warm = rs.wait_server(warehouse, warm)
    except (ManifestError, rs.RunConfigError) as exc:
        raise _fail("run", str(exc))
    if task_runner == "auto" and dask_address:
        task_runner = "dask"
    task_runner = resolve_kind(task_runner, raw).value
    try:
        runner = make_task_runner(task_runner, dask_address, workers)
    except ValueError as exc:
        raise _fail("run", str(exc))
    flow = fp.tally_pipeline.with_options(task_runner=runner)
    params = {"raw": str(raw), "warehouse": str(warehouse), "use_cache": not no_cache}
    if batch_size:
        params["batch_size"] = batch_size
    try:
        with _progress_bar() as bar, rs.heartbeat(warehouse, warm), rs.no_flow_heartbeats():
            fp.progress = bar
            summary = flow(**params)
    except ValidationFailed as exc:
        err.print("tally run: validation failed; nothing was published, the last good warehouse is unchanged", markup=False)
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2)
    except WarehouseBusy as exc:
        raise _fail("run", str(exc), 1)
    except (FileNotFoundError, ValueError) as exc:
        raise _fail("run", str(exc))
    except (Exception, KeyboardInterrupt) as exc:
        rs.server_lost(warm, exc)
        raise
    finally:
        fp.progress = None
        fp.prefetched.clear()
    if report and (summary.changed or not (warehouse / "current" / "report.html").is_file()):
        rs.write_run_report(warehouse, raw, summary.documents, summary.changed)
    elapsed = time.perf_counter() - t0
    for w in summary.warnings:
        err.print(f"warning: {w}", markup=False, highlight=False, soft_wrap=True)
    for q in summary.quarantined:
        err.print(f"quarantined {q.path}: {q.stage}: {q.error_class}: {q.message}", markup=False, highlight=False,
                  soft_wrap=True)
    lib_time = sum(v for k, v in summary.timings.items() if k != "flow_total")
    out.print(f"{summary.line()}; build {summary.build_id} {'published' if summary.changed else 'unchanged'} "
              f"to {warehouse}/ in {elapsed:.1f} s (stages {lib_time:.2f} s, Prefect and start-up "
              f"{elapsed - lib_time:.1f} s, imports {t_import:.1f} s)", markup=False, highlight=False, soft_wrap=True)
    if warm:
        err.print(f"Prefect UI: {warm.ui_url} (warm server pid {warm.pid}; "
                  + (f"stops after {warm.idle} s idle)" if warm.idle else "runs until `tally server stop`)"),
                  markup=False, highlight=False, soft_wrap=True)
    if summary_json is not None:
        import dataclasses

        data = dataclasses.asdict(summary) | {"elapsed": elapsed, "imports": t_import, "task_runner": task_runner}
        summary_json.write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
    if strict and summary.quarantined:
        raise typer.Exit(1)



@app.command()
def serve(
    cron: str = typer.Option("0 6 * * *", help="Schedule (cron syntax, server time zone)."),
    raw: Path = typer.Option(Path("raw"), help="Folder of source documents."),
    warehouse: Path = typer.Option(Path("warehouse"), help="Warehouse folder to publish into."),
    name: str = typer.Option("tally", help="Deployment name."),
) -> None:
    """Serve the tally-pipeline deployment on a schedule (starts a local Prefect server unless PREFECT_API_URL is set)."""
    from flows.serve import serve as run_serve

    if not raw.is_dir():
        raise _fail("serve", f"raw folder not found: {raw}")
    raise typer.Exit(run_serve(raw, warehouse, cron, name))


server_app = typer.Typer(no_args_is_help=True, help="The warm local Prefect server that `tally run` and `tally serve` share.")
app.add_typer(server_app, name="server")


@server_app.command("status")
def server_status(warehouse: Path = typer.Option(Path("warehouse"), help="Warehouse folder whose server is shown.")) -> None:
    """Say whether the warehouse's warm server runs, with its PID, URLs and idle clock (exit 1 when none runs)."""
    from flows import server as srv

    rec, st = srv.state(warehouse)
    if st in ("none", "stale"):
        out.print(f"no server for {warehouse}/" + (" (a stale record: the next run replaces it)" if rec else ""),
                  markup=False, highlight=False)
        raise typer.Exit(1)
    idle = time.time() - srv.record_path(warehouse).stat().st_mtime
    limit = f"stops after {rec.idle} s idle" if rec.idle else "runs until `tally server stop`"
    out.print(f"server {st}: pid {rec.pid}, API {rec.api_url}, UI {rec.ui_url}; idle {idle:.0f} s, {limit}",
              markup=False, highlight=False, soft_wrap=True)


@server_app.command("start")
def server_start(warehouse: Path = typer.Option(Path("warehouse"), help="Warehouse folder to keep the state in."),
                 idle: str = typer.Option(None, help="Stop after this many idle seconds (`15m`: minutes; 0: never). "
                                                     "Default: TALLY_SERVER_IDLE, else 900.")) -> None:
    """Start the warm server (or find it running) and print its API and UI URLs."""
    from flows import server as srv

    try:
        limit = srv.idle_seconds(idle)
        rec, fresh = srv.start(warehouse, limit)
    except srv.ServerError as exc:
        raise _fail("server start", str(exc))
    out.print(f"server {'started' if fresh else 'already running'}: pid {rec.pid}, API {rec.api_url}, UI {rec.ui_url}",
              markup=False, highlight=False, soft_wrap=True)


@server_app.command("stop")
def server_stop(warehouse: Path = typer.Option(Path("warehouse"), help="Warehouse folder whose server is stopped.")) -> None:
    """Stop the warm server and everything it started."""
    from flows import server as srv

    rec = srv.stop(warehouse)
    out.print(f"stopped server pid {rec.pid} (port {rec.port})" if rec else f"no server for {warehouse}/",
              markup=False, highlight=False)


@app.command()
def trigger(
    warehouse: Path = typer.Option(Path("warehouse"), help="Warehouse folder whose server `tally serve` uses."),
    name: str = typer.Option("tally", help="Deployment name."),
    watch: bool = typer.Option(True, help="Wait for the run to finish and exit non-zero if it failed."),
) -> None:
    """Run the served tally-pipeline deployment now (on PREFECT_API_URL, else the warehouse's warm server)."""
    import os
    import subprocess

    from flows import serve as sv
    from flows import server as srv

    api = os.environ.get("PREFECT_API_URL")
    if not api:
        rec, st = srv.state(warehouse)
        if st != "running":
            raise _fail("trigger", f"no Prefect server runs for {warehouse}/ (start `tally serve` first)")
        api, _ = rec.api_url, srv.touch(warehouse)
    cmd = [str(Path(sys.executable).with_name("prefect")), "deployment", "run", f"{sv.FLOW}/{name}"] + (["--watch"] if watch else [])
    env = {**os.environ, "PREFECT_API_URL": api}
    env.setdefault("PREFECT_HOME", str((warehouse / ".prefect").resolve()))
    raise typer.Exit(subprocess.run(cmd, env=env).returncode)


@app.command("eval")
def eval_(
    gold: Path = typer.Option(..., help="Gold folder: the seed's answer key (seed_mentions.csv, seed_facts.csv) "
                              "with set folders below it, or one set (mentions.csv, docs/, manifest.csv)."),
    warehouse: Path = typer.Option(Path("warehouse"), help="Published warehouse to score."),
    extract: bool = typer.Option(False, "--extract", help="Build the gold folder's own documents with the "
                                 "library (no warehouse, no Prefect) and score those."),
    seed_text: Path = typer.Option(None, help="With --extract: the seed's text (default: found next to the "
                                   "gold folder or in raw/)."),
    misses: int = typer.Option(40, help="How many misses to list per part."),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
) -> None:
    """Score against a gold folder: precision, recall and F1 for mentions and facts, per field."""
    from tally.review.evaluate import evaluate, format_report

    if not gold.is_dir():
        raise _fail("eval", f"gold folder not found: {gold}")
    try:
        if extract:
            from tally.review.goldrun import run_gold

            run = run_gold(gold, seed_text)
            report = evaluate(gold, run.mentions, run.facts, run.seed_doc_id, run.doc_map)
        else:
            from tally.publish.warehouse import read_published

            mentions, facts = read_published(warehouse, "mentions"), read_published(warehouse, "facts")
            if mentions is None:
                raise _fail("eval", f"no published warehouse in {warehouse} (run `tally run` first, or use --extract)")
            report = evaluate(gold, mentions, facts)
    except (OSError, ValueError, KeyError) as exc:
        raise _fail("eval", f"{gold}: {exc}")
    if as_json:
        print(json.dumps(report, indent=1, default=str))
    else:
        print(format_report(report, misses))


@app.command("rules")
def rules(
    gold: list[Path] = typer.Option(..., help="Gold folders (as for `tally eval`); repeat for several."),
) -> None:
    """For every resolver rule: how often it fires and how often it is right, on each gold set."""
    from tally.review.rules import format_rules, rules_report

    for g in gold:
        if not g.is_dir():
            raise _fail("rules", f"gold folder not found: {g}")
    try:
        counts, sets = rules_report(gold)
    except (OSError, ValueError, KeyError) as exc:
        raise _fail("rules", str(exc))
    print(format_rules(counts, sets))


class _progress_bar:
    """A rich progress bar per stage on a terminal; silent otherwise (logs, CI, pipes)."""

    def __enter__(self):
        from rich.progress import Progress

        self.bar = Progress(console=err, transient=True) if err.is_terminal else None
        self.tasks: dict[str, int] = {}
        if self.bar:
            self.bar.start()
        return self

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.bar is None:
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=total)
        self.bar.update(self.tasks[stage], completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()


@app.command()
def extract(
    file: str = typer.Argument("-", help="A text file, or - for standard input."),
    format: Fmt = typer.Option(Fmt.table, "--format", "-f", help="table or json."),
) -> None:
    """Segment and extract one document and print its mentions (no Prefect, no warehouse)."""
    from tally.ingest.discover import DocumentError, RawDocument, SourceInfo, decode
    from tally.resolve.mentions import build_mentions
    from tally.model import DocContext
    from tally.ingest.segment import segment
    import hashlib

    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        err.print(f"tally extract: {file}: {exc.strerror or exc}", markup=False)
        raise typer.Exit(2)
    name = "<stdin>" if file == "-" else file
    try:
        doc = decode(RawDocument(name, hashlib.sha256(data).hexdigest(), data, SourceInfo(file=name)))
    except DocumentError as exc:
        err.print(f"tally extract: {exc}", markup=False)
        raise typer.Exit(2)
    mentions = build_mentions(DocContext(doc.doc_id, doc.text), segment(doc.text))
    fields = ["start", "end", "text", "value", "unit", "comparator", "change", "measure", "indicator",
              "subject", "counterpart", "period_start", "period_end", "measured", "indicator_reason", "subject_rule"]
    if format is Fmt.json:
        print(json.dumps([{f: getattr(m, f) for f in fields} for m in mentions], ensure_ascii=False, indent=1))
        return
    t = Table("span", "text", "value", "unit", "cmp", "chg", "measure", "indicator", "subject", "cpart", "period",
              "measured", "why", title=f"{len(mentions)} mentions in {name}")
    for m in mentions:
        period = "" if not (m.period_start or m.period_end) else f"{m.period_start or '…'}/{m.period_end or '…'}"
        t.add_row(f"{m.start}-{m.end}", m.text, "" if m.value is None else f"{m.value:,.10g}", m.unit, m.comparator,
                  m.change or "", m.measure or "", m.indicator or "", m.subject or "", m.counterpart or "", period,
                  m.measured or "", m.indicator_reason or "")
    # A pipe or file gets the whole table, not one squeezed to 80 columns.
    Console(width=None if out.is_terminal else 220).print(t)


catalog_app = typer.Typer(help="The indicator catalog (schemas/indicators.yaml).", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")


@catalog_app.command("check")
def catalog_check(
    path: Path = typer.Option(None, "--file", help="Catalog file to check (default: schemas/indicators.yaml)."),
) -> None:
    """Check the catalog: unknown units or measures, duplicate codes, bad patterns, colliding cues (exit 1 if any)."""
    from tally.resolve.catalog import CatalogError, check_catalog, load_entries

    try:
        problems = check_catalog(path)
    except CatalogError as exc:
        raise _fail("catalog check", str(exc))
    for p in problems:
        print(p)
    if problems:
        raise typer.Exit(1)
    print(f"OK: {len(load_entries(path))} indicators, no problems")


class QueryFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


_TABLE_ROWS = 1000  # rows shown in the terminal table; other formats write every row


def _fail(command: str, message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error (never wrapped) and return the Exit to raise."""
    err.print(f"tally {command}: {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


@app.command()
def query(
    sql: str = typer.Argument(..., help="One SQL query (DuckDB dialect), e.g. \"SELECT * FROM series\"."),
    warehouse: Path = typer.Option(Path("warehouse"), help="Warehouse folder (or a .duckdb file)."),
    format: QueryFormat = typer.Option(None, "--format", "-f", show_default=False,
                                       help="table, csv, json or parquet (default: from --out's extension, else table)."),
    out_file: Path = typer.Option(None, "--out", "-o", help="Write the result to this file (.parquet, .csv, .json) "
                                  "instead of standard output; streamed, so any size fits."),
    with_: list[str] = typer.Option([], "--with", "-w", metavar="NAME=FILE",
                                    help="Make a CSV, Parquet or JSON file queryable as NAME (repeatable)."),
) -> None:
    """Run read-only SQL on the warehouse: it cannot change the warehouse or touch files, whatever the SQL says."""
    from tally.review import query as q

    try:
        fmt = format.value if format is not None else q.out_format(out_file) if out_file is not None else "table"
        if fmt == "table" and out_file is not None:
            raise q.QueryError("--format table is for the terminal; use parquet, csv or json with --out")
        if fmt == "parquet" and out_file is None and sys.stdout.isatty():
            raise q.QueryError("--format parquet writes binary; pass --out FILE or redirect stdout")
        with q.results(warehouse, sql, q.parse_with(with_), json_rows=fmt == "json") as result:
            if result is None:
                return
            if fmt == "table":
                return _print_table(*q.head(result, _TABLE_ROWS))
            write = {"parquet": q.stream_parquet, "csv": q.stream_csv, "json": q.stream_json}[fmt]
            if out_file is None:
                n = write(result, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            else:
                with q.atomic_out(out_file) as fh:
                    n = write(result, fh)
    except q.QueryError as exc:
        raise _fail("query", str(exc))
    except OSError as exc:
        raise _fail("query", f"{out_file or 'stdout'}: {exc.strerror or exc}")
    if out_file is not None:
        err.print(f"wrote {n} rows to {out_file}", markup=False, highlight=False)


def _print_table(result, total: int) -> None:
    """The first rows as a rich table; on a pipe as wide as it needs, so no number is ever cut."""
    from tally.review import query as q

    from rich.text import Text

    rows = [[q.cell(v) for v in r.values()] for r in result.to_pylist()]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(result.column_names)]
    t = Table(caption=f"{total} rows")
    for name, typ, w in zip(result.column_names, result.schema.types, widths):
        numeric = pa_numeric(typ)
        t.add_column(Text(name), justify="right" if numeric else "left", no_wrap=numeric, min_width=w if numeric else None)
    for r in rows:
        t.add_row(*map(Text, r))  # Text: a value such as "[bold]" is shown, not read as markup
    console = out if out.is_terminal else Console(width=max(80, sum(widths) + 3 * len(widths) + 1))
    console.print(t)
    if total > _TABLE_ROWS:
        err.print(f"showing {_TABLE_ROWS} of {total} rows; use --format csv for all", markup=False)


def pa_numeric(typ) -> bool:
    """Whether an Arrow type holds numbers (those columns are never wrapped or cut)."""
    import pyarrow as pa

    return pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ)


@app.command()
def schema(
    name: str = typer.Argument(None, help="Show only this table or view."),
    warehouse: Path = typer.Option(Path("warehouse"), help="Warehouse folder (or a .duckdb file)."),
) -> None:
    """List the warehouse's tables and views with what each one and each column means."""
    from tally.review import query as q

    try:
        rels = [r for r in q.describe(warehouse) if name is None or r.name == name]
    except q.QueryError as exc:
        raise _fail("schema", str(exc))
    if not rels:
        raise _fail("schema", f"no table or view named {name!r}")
    for r in rels:
        from rich.markup import escape  # comments such as `document[start:end]` are text, not markup

        t = Table("column", "type", "meaning", title=escape(f"{r.kind} {r.name}"), caption=escape(r.comment or ""),
                  title_justify="left", caption_justify="left", expand=False)
        for c in r.columns:
            t.add_row(escape(c.name), escape(c.type), escape(c.comment or ""))
        out.print(t)


@app.command()
def release(
    warehouse: Path = typer.Option(Path("warehouse"), help="Warehouse folder whose published build is released."),
    version: str = typer.Option(None, help="Release version (default: today's date in UTC, YYYY.MM.DD[.N])."),
    raw: Path = typer.Option(Path("raw"), help="Folder with sources.toml, for the datapackage's sources."),
    force: bool = typer.Option(False, "--force", help="Release the build again even if a release already holds it."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="When a run is publishing this warehouse: wait for it "
                              "(default), or exit 1 naming it."),
) -> None:
    """Write WAREHOUSE/releases/VERSION/: Parquet per table and view, datapackage.json, SHA256SUMS, CHANGES.md
    and report.html."""
    from tally.publish import release as rl
    from tally.publish.builds import WarehouseBusy

    t0 = time.perf_counter()
    try:
        r = rl.make_release(warehouse, version, raw, force=force, wait=wait)
    except (rl.AlreadyReleased, WarehouseBusy) as exc:
        raise _fail("release", str(exc), 1)
    except rl.ReleaseError as exc:
        raise _fail("release", str(exc))
    since = f"; changes since {r.previous} in CHANGES.md" if r.previous else "; first release"
    out.print(f"release {r.version}: {r.files} files, {r.bytes / 1024:.1f} KiB in {r.path}/ "
              f"({time.perf_counter() - t0:.1f} s{since})", markup=False, highlight=False, soft_wrap=True)


@app.command()
def pull(
    source: str = typer.Argument(..., help="A releases folder or its http(s) URL (the folder holding index.json)."),
    version: str = typer.Option(None, help="Version to pull (default: the latest)."),
    into: Path = typer.Option(Path("releases"), help="Folder to put the release in (as INTO/VERSION/)."),
    load: Path = typer.Option(None, help="Also load the tables into this DuckDB file (with comments and views)."),
    timeout: float = typer.Option(1800, help="Give up after this many seconds in all (0: no limit)."),
) -> None:
    """Download a release, verify every file's sha256, and optionally load it into DuckDB."""
    import signal

    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    from tally.publish import pull as pl

    def stop(signum: int, frame: object) -> None:  # SIGTERM unwinds like Ctrl-C, so partial folders go
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    t0 = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        tasks: dict[str, int] = {}

        def progress(name: str, done: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done, total=total)

        try:
            path = pl.pull(source, version, into, progress, timeout or None)
        except pl.ReleaseError as exc:
            code = 2 if isinstance(exc, pl.ReleaseRefused) else 1
            raise _fail("pull", f"{exc}; nothing was kept", code)
    size = sum(p.stat().st_size for p in path.iterdir())
    out.print(f"pulled {path.name}: {len(list(path.iterdir()))} files, {size / 1024:.1f} KiB, all sha256 verified, "
              f"in {path}/ ({time.perf_counter() - t0:.1f} s)", markup=False, highlight=False, soft_wrap=True)
    if load is not None:
        try:
            tables = pl.load(path, load)
        except pl.ReleaseError as exc:
            raise _fail("pull", f"{exc}; nothing was loaded into {load}")
        except Exception as exc:  # noqa: BLE001 - any DuckDB or file error, reported in one line
            raise _fail("pull", f"loading into {load} failed: {str(exc).strip().splitlines()[0]}")
        out.print(f"loaded {len(tables)} tables and the views into {load}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def add(
    sources: list[str] = typer.Argument(..., help="Files or http(s) URLs of PDF, HTML or text documents."),
    raw: Path = typer.Option(Path("raw"), help="Folder of source documents (and sources.toml)."),
    max_mb: float = typer.Option(100, help="Refuse a file or download larger than this many MB."),
) -> None:
    """Copy files (or download URLs) into RAW and append their sources.toml entries with the metadata found."""
    from tally.ingest.add import AddError, add as add_one

    failed = 0
    for source in sources:
        try:
            out.print(add_one(source, raw, max_bytes=int(max_mb * 2**20)).line(), markup=False, highlight=False, soft_wrap=True)
        except AddError as exc:
            err.print(f"tally add: {exc}", markup=False, highlight=False, soft_wrap=True)
            failed += 1
    if failed:
        raise typer.Exit(2)


@app.command()
def report(
    warehouse: Path = typer.Option(Path("warehouse"), help="Warehouse folder whose published build is shown."),
    raw: Path = typer.Option(Path("raw"), help="Folder of source documents (the page shows their text)."),
    out_file: Path = typer.Option(None, "--out", "-o",
                                  help="HTML file to write (default: WAREHOUSE/current/report.html, linked as WAREHOUSE/report.html)."),
) -> None:
    """Write the review page: every figure highlighted in its sentence, the facts, conflicts, series and coverage."""
    from tally.review.report import write_report

    t0 = time.perf_counter()
    try:
        path = write_report(warehouse, raw, out_file)
    except (FileNotFoundError, OSError) as exc:
        err.print(f"tally report: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    out.print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB, {time.perf_counter() - t0:.1f} s)",
              markup=False, highlight=False, soft_wrap=True)


def main() -> None:
    """Entry point for `tally` and `python -m flows.cli`: a run goes to the warm runner when one can take it
    (flows/daemon.py), else it runs here, and a successful run on the warm server starts the runner."""
    import os

    from flows import daemon

    environ = dict(os.environ)
    code = daemon.delegate(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    try:
        app()
    except SystemExit as exc:
        if not exc.code:
            daemon.start_in_background(sys.argv[1:], environ)
        raise


if __name__ == "__main__":
    main()
