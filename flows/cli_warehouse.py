"""`tally` commands on the published warehouse and its releases: query, schema, release, pull, add, report."""
from __future__ import annotations

import sys
import time
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from flows import console as ui


class QueryFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


_TABLE_ROWS = 1000  # rows shown in the terminal table; other formats write every row


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
        raise ui.fail("query", str(exc))
    except OSError as exc:
        raise ui.fail("query", f"{out_file or 'stdout'}: {exc.strerror or exc}")
    if out_file is not None:
        ui.err.print(f"wrote {n} rows to {out_file}", markup=False, highlight=False)


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
    console = ui.out if ui.out.is_terminal else Console(width=max(80, sum(widths) + 3 * len(widths) + 1))
    console.print(t)
    if total > _TABLE_ROWS:
        ui.err.print(f"showing {_TABLE_ROWS} of {total} rows; use --format csv for all", markup=False)


def pa_numeric(typ) -> bool:
    """Whether an Arrow type holds numbers (those columns are never wrapped or cut)."""
    import pyarrow as pa

    return pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ)


def schema(
    name: str = typer.Argument(None, help="Show only this table or view."),
    warehouse: Path = typer.Option(Path("warehouse"), help="Warehouse folder (or a .duckdb file)."),
) -> None:
    """List the warehouse's tables and views with what each one and each column means."""
    from tally.review import query as q

    try:
        rels = [r for r in q.describe(warehouse) if name is None or r.name == name]
    except q.QueryError as exc:
        raise ui.fail("schema", str(exc))
    if not rels:
        raise ui.fail("schema", f"no table or view named {name!r}")
    for r in rels:
        from rich.markup import escape  # comments such as `document[start:end]` are text, not markup

        t = Table("column", "type", "meaning", title=escape(f"{r.kind} {r.name}"), caption=escape(r.comment or ""),
                  title_justify="left", caption_justify="left", expand=False)
        for c in r.columns:
            t.add_row(escape(c.name), escape(c.type), escape(c.comment or ""))
        ui.out.print(t)


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
        raise ui.fail("release", str(exc), 1)
    except rl.ReleaseError as exc:
        raise ui.fail("release", str(exc))
    since = f"; changes since {r.previous} in CHANGES.md" if r.previous else "; first release"
    ui.out.print(f"release {r.version}: {r.files} files, {r.bytes / 1024:.1f} KiB in {r.path}/ "
                 f"({time.perf_counter() - t0:.1f} s{since})", markup=False, highlight=False, soft_wrap=True)


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
                  console=ui.err, transient=True, disable=not ui.err.is_terminal) as bar:
        tasks: dict[str, int] = {}

        def progress(name: str, done: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done, total=total)

        try:
            path = pl.pull(source, version, into, progress, timeout or None)
        except pl.ReleaseError as exc:
            code = 2 if isinstance(exc, pl.ReleaseRefused) else 1
            raise ui.fail("pull", f"{exc}; nothing was kept", code)
    size = sum(p.stat().st_size for p in path.iterdir())
    ui.out.print(f"pulled {path.name}: {len(list(path.iterdir()))} files, {size / 1024:.1f} KiB, all sha256 verified, "
                 f"in {path}/ ({time.perf_counter() - t0:.1f} s)", markup=False, highlight=False, soft_wrap=True)
    if load is not None:
        try:
            tables = pl.load(path, load)
        except pl.ReleaseError as exc:
            raise ui.fail("pull", f"{exc}; nothing was loaded into {load}")
        except Exception as exc:  # noqa: BLE001 - any DuckDB or file error, reported in one line
            raise ui.fail("pull", f"loading into {load} failed: {str(exc).strip().splitlines()[0]}")
        ui.out.print(f"loaded {len(tables)} tables and the views into {load}", markup=False, highlight=False, soft_wrap=True)


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
            ui.out.print(add_one(source, raw, max_bytes=int(max_mb * 2**20)).line(), markup=False, highlight=False, soft_wrap=True)
        except AddError as exc:
            ui.err.print(f"tally add: {exc}", markup=False, highlight=False, soft_wrap=True)
            failed += 1
    if failed:
        raise typer.Exit(2)


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
        ui.err.print(f"tally report: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    ui.out.print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB, {time.perf_counter() - t0:.1f} s)",
                 markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add these commands to the `tally` app."""
    app.command()(query)
    app.command()(schema)
    app.command()(release)
    app.command()(pull)
    app.command()(add)
    app.command()(report)
