"""The `tally` command line: run the flow, try the extractor, query and inspect the warehouse."""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import typer

from flows import cli_gold, cli_warehouse
from flows import console as ui

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Figures in policy prose -> validated indicator tables.")


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

    t0 = time.perf_counter()
    if not raw.is_dir():
        raise ui.fail("run", f"raw folder not found: {raw}")
    warm, t_import, runner = _prepare(raw, warehouse, task_runner, dask_address, workers, batch_size, verbose, wait,
                                      no_cache, t0)
    from flows import pipeline as fp
    from tally.publish.builds import WarehouseBusy
    from tally.publish.validate import ValidationFailed

    task_runner = runner.kind
    flow = fp.tally_pipeline.with_options(task_runner=runner.runner)
    params = {"raw": str(raw), "warehouse": str(warehouse), "use_cache": not no_cache}
    if batch_size:
        params["batch_size"] = batch_size
    try:
        with _progress_bar() as bar, rs.heartbeat(warehouse, warm), rs.no_flow_heartbeats():
            fp.progress = bar
            # the workers are idle once every batch is extracted: stopping them then gives their memory back
            # before the tables are built (1,000 documents: cold peak PSS ~1,200 -> ~1,000 MiB)
            fp.extracted_all = runner.pool.close if runner.pool is not None else None
            summary = flow(**params)
    except ValidationFailed as exc:
        ui.err.print("tally run: validation failed; nothing was published, the last good warehouse is unchanged", markup=False)
        ui.err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2)
    except WarehouseBusy as exc:
        raise ui.fail("run", str(exc), 1)
    except (FileNotFoundError, ValueError) as exc:
        raise ui.fail("run", str(exc))
    except (Exception, KeyboardInterrupt) as exc:
        rs.server_lost(warm, exc)
        raise
    finally:
        fp.progress = None
        fp.extracted_all = None
        fp.prefetched.clear()
        if runner.pool is not None:
            runner.pool.close()
    if report and (summary.changed or not (warehouse / "current" / "report.html").is_file()):
        rs.write_run_report(warehouse, raw, summary.documents, summary.changed)
    elapsed = time.perf_counter() - t0
    _print_summary(summary, warehouse, warm, elapsed, t_import)
    if summary_json is not None:
        import dataclasses

        data = dataclasses.asdict(summary) | {"elapsed": elapsed, "imports": t_import, "task_runner": task_runner}
        summary_json.write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
    if strict and summary.quarantined:
        raise typer.Exit(1)


@dataclass
class _Runner:
    kind: str  # threads, processes or dask (auto resolved)
    runner: object  # the Prefect task runner
    pool: object | None  # its worker processes (tally.workers.BatchPool) for `processes`


def _prepare(raw: Path, warehouse: Path, task_runner: str, dask_address: str | None, workers: int | None,
             batch_size: int | None, verbose: bool, wait: bool, no_cache: bool, t0: float):
    """Check the run's configuration, find or start the warm server and set Prefect up, before any flow runs:
    a broken manifest or catalog, an unreachable cluster or a busy warehouse stop here in one line.
    While the server starts, raw/ is discovered and, with worker processes, extraction begins.
    Returns the warm server's record (or None), the seconds spent so far and the task runner."""
    import os

    from flows import runsetup as rs
    from flows.settings import configure_prefect
    from tally.ingest.discover import ManifestError, read_manifest

    try:
        rs.check_published(raw, read_manifest(raw))
        rs.check_catalog()
        if task_runner not in ("auto", "threads", "processes", "dask"):
            raise rs.RunConfigError(f"unknown --task-runner {task_runner!r}: use auto, threads, processes or dask")
        if dask_address:
            rs.check_dask_address(dask_address)
        warm = rs.warm_server(warehouse)  # started first: imports, discovery and the cache check overlap its start-up
        configure_prefect(warehouse, verbose, api_url=warm.api_url if warm else None)
        os.environ["TALLY_LOCK_WAIT"] = "1" if wait else "0"  # read by the publish step (tally.publish.builds)
        from tally.publish.builds import WarehouseBusy, warehouse_lock

        if not wait:  # fail before Prefect starts; publish checks again (the lock may be taken meanwhile)
            try:
                with warehouse_lock(warehouse, wait=False):
                    pass
            except WarehouseBusy as exc:
                raise ui.fail("run", str(exc), 1)
        from flows import pipeline as fp
        from flows.runners import make_task_runner, resolve_kind

        kind = resolve_kind("dask" if task_runner == "auto" and dask_address else task_runner, raw).value
        try:
            made = make_task_runner(kind, dask_address, workers)
        except ValueError as exc:
            raise rs.RunConfigError(str(exc))
        runner = _Runner(kind, made, getattr(made, "batch_pool", None))
        t_import = time.perf_counter() - t0
        if warm or runner.pool is not None:
            # forks the workers (before Prefect starts any thread) only when there is something to extract
            rs.prefetch(fp, raw, warehouse, no_cache, runner.pool, batch_size)
        if warm:
            try:
                warm = rs.wait_server(warehouse, warm)
            except BaseException:
                if runner.pool is not None:
                    runner.pool.close()  # the batches submitted ahead are cancelled, the workers stopped
                raise
    except (ManifestError, rs.RunConfigError) as exc:
        raise ui.fail("run", str(exc))
    return warm, t_import, runner


def _print_summary(summary, warehouse: Path, warm, elapsed: float, t_import: float) -> None:
    """The run's warnings and quarantined documents (standard error), its one-line summary (standard output)
    and the warm server's UI."""
    for w in summary.warnings:
        ui.err.print(f"warning: {w}", markup=False, highlight=False, soft_wrap=True)
    for q in summary.quarantined:
        ui.err.print(f"quarantined {q.path}: {q.stage}: {q.error_class}: {q.message}", markup=False, highlight=False,
                     soft_wrap=True)
    lib_time = sum(v for k, v in summary.timings.items() if k != "flow_total")
    ui.out.print(f"{summary.line()}; build {summary.build_id} {'published' if summary.changed else 'unchanged'} "
                 f"to {warehouse}/ in {elapsed:.1f} s (stages {lib_time:.2f} s, Prefect and start-up "
                 f"{elapsed - lib_time:.1f} s, imports {t_import:.1f} s)", markup=False, highlight=False, soft_wrap=True)
    if warm:
        ui.err.print(f"Prefect UI: {warm.ui_url} (warm server pid {warm.pid}; "
                     + (f"stops after {warm.idle} s idle)" if warm.idle else "runs until `tally server stop`)"),
                     markup=False, highlight=False, soft_wrap=True)


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
        raise ui.fail("serve", f"raw folder not found: {raw}")
    raise typer.Exit(run_serve(raw, warehouse, cron, name))


server_app = typer.Typer(no_args_is_help=True, help="The warm local Prefect server that `tally run` and `tally serve` share.")


app.add_typer(server_app, name="server")


@server_app.command("status")
def server_status(warehouse: Path = typer.Option(Path("warehouse"), help="Warehouse folder whose server is shown.")) -> None:
    """Say whether the warehouse's warm server runs, with its PID, URLs and idle clock (exit 1 when none runs)."""
    from flows import server as srv

    rec, st = srv.state(warehouse)
    if st in ("none", "stale"):
        ui.out.print(f"no server for {warehouse}/" + (" (a stale record: the next run replaces it)" if rec else ""),
                     markup=False, highlight=False)
        raise typer.Exit(1)
    idle = time.time() - srv.record_path(warehouse).stat().st_mtime
    limit = f"stops after {rec.idle} s idle" if rec.idle else "runs until `tally server stop`"
    ui.out.print(f"server {st}: pid {rec.pid}, API {rec.api_url}, UI {rec.ui_url}; idle {idle:.0f} s, {limit}",
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
        raise ui.fail("server start", str(exc))
    ui.out.print(f"server {'started' if fresh else 'already running'}: pid {rec.pid}, API {rec.api_url}, UI {rec.ui_url}",
                 markup=False, highlight=False, soft_wrap=True)


@server_app.command("stop")
def server_stop(warehouse: Path = typer.Option(Path("warehouse"), help="Warehouse folder whose server is stopped.")) -> None:
    """Stop the warm server and everything it started."""
    from flows import server as srv

    rec = srv.stop(warehouse)
    ui.out.print(f"stopped server pid {rec.pid} (port {rec.port})" if rec else f"no server for {warehouse}/",
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
            raise ui.fail("trigger", f"no Prefect server runs for {warehouse}/ (start `tally serve` first)")
        api, _ = rec.api_url, srv.touch(warehouse)
    cmd = [str(Path(sys.executable).with_name("prefect")), "deployment", "run", f"{sv.FLOW}/{name}"] + (["--watch"] if watch else [])
    env = {**os.environ, "PREFECT_API_URL": api}
    env.setdefault("PREFECT_HOME", str((warehouse / ".prefect").resolve()))
    raise typer.Exit(subprocess.run(cmd, env=env).returncode)


class _progress_bar:
    """A rich progress bar per stage on a terminal; silent otherwise (logs, CI, pipes)."""

    def __enter__(self):
        from rich.progress import Progress

        self.bar = Progress(console=ui.err, transient=True) if ui.err.is_terminal else None
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


cli_gold.register(app)
cli_warehouse.register(app)

if __name__ == "__main__":
    main()
