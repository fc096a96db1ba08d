"""`tally` commands on gold sets and single documents: eval, rules, extract, catalog check."""
from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from flows import console as ui


class Fmt(str, Enum):
    table = "table"
    json = "json"


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
        raise ui.fail("eval", f"gold folder not found: {gold}")
    try:
        if extract:
            from tally.review.goldrun import run_gold

            run = run_gold(gold, seed_text)
            report = evaluate(gold, run.mentions, run.facts, run.seed_doc_id, run.doc_map)
        else:
            from tally.publish.warehouse import read_published

            mentions, facts = read_published(warehouse, "mentions"), read_published(warehouse, "facts")
            if mentions is None:
                raise ui.fail("eval", f"no published warehouse in {warehouse} (run `tally run` first, or use --extract)")
            report = evaluate(gold, mentions, facts)
    except (OSError, ValueError, KeyError) as exc:
        raise ui.fail("eval", f"{gold}: {exc}")
    if as_json:
        print(json.dumps(report, indent=1, default=str))
    else:
        print(format_report(report, misses))


def rules(
    gold: list[Path] = typer.Option(..., help="Gold folders (as for `tally eval`); repeat for several."),
) -> None:
    """For every resolver rule: how often it fires and how often it is right, on each gold set."""
    from tally.review.rule_stats import format_rules, rules_report

    for g in gold:
        if not g.is_dir():
            raise ui.fail("rules", f"gold folder not found: {g}")
    try:
        counts, sets = rules_report(gold)
    except (OSError, ValueError, KeyError) as exc:
        raise ui.fail("rules", str(exc))
    print(format_rules(counts, sets))


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
        ui.err.print(f"tally extract: {file}: {exc.strerror or exc}", markup=False)
        raise typer.Exit(2)
    name = "<stdin>" if file == "-" else file
    try:
        doc = decode(RawDocument(name, hashlib.sha256(data).hexdigest(), data, SourceInfo(file=name)))
    except DocumentError as exc:
        ui.err.print(f"tally extract: {exc}", markup=False)
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
    Console(width=None if ui.out.is_terminal else 220).print(t)


catalog_app = typer.Typer(help="The indicator catalog (schemas/indicators.yaml).", no_args_is_help=True)


@catalog_app.command("check")
def catalog_check(
    path: Path = typer.Option(None, "--file", help="Catalog file to check (default: schemas/indicators.yaml)."),
) -> None:
    """Check the catalog: unknown units or measures, duplicate codes, bad patterns, colliding cues (exit 1 if any)."""
    from tally.resolve.catalog import CatalogError, check_catalog, load_entries

    try:
        problems = check_catalog(path)
    except CatalogError as exc:
        raise ui.fail("catalog check", str(exc))
    for p in problems:
        print(p)
    if problems:
        raise typer.Exit(1)
    print(f"OK: {len(load_entries(path))} indicators, no problems")


def register(app: typer.Typer) -> None:
    """Add these commands to the `tally` app."""
    app.command("eval")(eval_)
    app.command("rules")(rules)
    app.command()(extract)
    app.add_typer(catalog_app, name="catalog")
