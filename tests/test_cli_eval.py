"""`tally eval --gold DIR` on a warehouse holding the seed and the dev documents."""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app
from tally import build as lib
from tally.publish import warehouse as wh

ROOT = Path(__file__).resolve().parent.parent
GOLD = Path(__file__).resolve().parent / "gold"


def _publish(raw: Path, w: Path) -> None:
    wh.publish(w, lib.build_tables(raw).tables)


def test_eval_prints_mention_and_fact_scores(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "raw", raw)
    manifest = {r["doc_id"]: r for r in csv.DictReader(open(GOLD / "dev" / "manifest.csv", encoding="utf-8"))}
    with open(raw / "sources.toml", "a", encoding="utf-8") as fh:
        for p in sorted((GOLD / "dev" / "docs").glob("*.txt")):
            shutil.copy(p, raw / p.name)
            date = manifest[p.stem]["date"]
            fh.write(f'\n[[document]]\nfile = "{p.name}"\n' + (f'published = "{date}"\n' if date else ""))
    _publish(raw, tmp_path / "wh")
    r = CliRunner().invoke(app, ["eval", "--gold", str(GOLD), "--warehouse", str(tmp_path / "wh")])
    assert r.exit_code == 0, r.output
    print(r.output)
    assert "dev documents found in the warehouse: 14 of 14" in r.output
    facts = re.search(r"seed facts.*\n\s+facts\s+P ([\d.]+)\s+R ([\d.]+)", r.output)
    assert facts and float(facts.group(1)) >= 0.95 and float(facts.group(2)) >= 0.95
    dev = r.output[r.output.index("dev mentions:"):]
    floors = {"span": 0.97, "value": 0.95, "unit": 0.95, "comparator": 0.95, "change": 0.95, "subject": 0.95,
              "counterpart": 0.95, "period": 0.88}  # measured 2026-11-28: 1.0 1.0 .994 1.0 .982 .988 .994 .923
    for name, floor in floors.items():
        m = re.search(rf"\n\s+{name}\s+P ([\d.]+)\s+R ([\d.]+)", dev)
        assert m and float(m.group(1)) >= floor and float(m.group(2)) >= floor, (name, m and m.groups())


def test_eval_without_warehouse_is_a_clear_error(tmp_path):
    r = CliRunner().invoke(app, ["eval", "--gold", str(GOLD), "--warehouse", str(tmp_path / "none")])
    assert r.exit_code == 2 and "no published warehouse" in r.output
