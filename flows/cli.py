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
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Prefect's logs."),
) -> None:
    """Run the tally-pipeline flow on RAW and publish WAREHOUSE (Prefect runs embedded; no server needed)."""
    from flows.settings import configure_prefect

    t0 = time.perf_counter()
    if not raw.is_dir():
        err.print(f"tally run: raw folder not found: {raw}", markup=False, highlight=False)
        raise typer.Exit(2)
    configure_prefect(warehouse, verbose)
    from flows.pipeline import tally_pipeline
    from tally.validate import ValidationFailed

    t_import = time.perf_counter() - t0
    try:
        summary = tally_pipeline(raw=str(raw), warehouse=str(warehouse))
    except ValidationFailed as exc:
        err.print(f"[red]tally run: validation failed; nothing was published, the last good warehouse is unchanged[/red]")
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2)
    except (FileNotFoundError, ValueError) as exc:
        err.print(f"tally run: {exc}", markup=False, highlight=False)
        raise typer.Exit(2)
    elapsed = time.perf_counter() - t0
    for q in summary.quarantined:
        err.print(f"quarantined {q.path}: {q.stage}: {q.error_class}: {q.message}", markup=False, highlight=False)
    lib_time = sum(v for k, v in summary.timings.items() if k != "flow_total")
    out.print(f"{summary.line()}; build {summary.build_id} {'published' if summary.changed else 'unchanged'} "
              f"to {warehouse}/ in {elapsed:.1f} s (stages {lib_time:.2f} s, Prefect and start-up "
              f"{elapsed - lib_time:.1f} s, imports {t_import:.1f} s)", markup=False, highlight=False)
    if strict and summary.quarantined:
        raise typer.Exit(1)


@app.command()
def extract(
    file: str = typer.Argument("-", help="A text file, or - for standard input."),
    format: Fmt = typer.Option(Fmt.table, "--format", "-f", help="table or json."),
) -> None:
    """Segment and extract one document and print its mentions (no Prefect, no warehouse)."""
    from tally.discover import DocumentError, RawDocument, SourceInfo, decode
    from tally.mentions import build_mentions
    from tally.model import DocContext
    from tally.segment import segment
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
              "subject", "counterpart", "period_start", "period_end"]
    if format is Fmt.json:
        print(json.dumps([{f: getattr(m, f) for f in fields} for m in mentions], ensure_ascii=False, indent=1))
        return
    t = Table(*fields, title=f"{len(mentions)} mentions in {name}")
    for m in mentions:
        t.add_row(*["" if getattr(m, f) is None else f"{getattr(m, f):g}" if isinstance(getattr(m, f), float) else str(getattr(m, f)) for f in fields])
    out.print(t)


def main() -> None:
    """Entry point for `python -m flows.cli`."""
    app()


if __name__ == "__main__":
    main()
