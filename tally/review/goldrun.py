"""Run the library on a gold folder's own documents (no Prefect, no warehouse) so that `tally eval --extract`
and the accuracy floors in the tests score exactly what the pipeline would publish for them."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tally.review.evaluate import Gold, load_gold

SEED_NAME = "us_russia_relations.txt"


@dataclass
class GoldRun:
    """The published-shape tables of one library build over a gold folder's documents."""

    mentions: pd.DataFrame
    facts: pd.DataFrame
    seed_doc_id: str | None
    doc_map: dict[str, str]  # gold doc_id (file stem) -> built doc_id


def seed_text_for(gold_dir: Path) -> Path | None:
    """Where the seed's text is, for a gold folder holding the seed's answer key (None when not found)."""
    project = Path(__file__).resolve().parents[2]
    for cand in (gold_dir / "seed" / SEED_NAME, gold_dir.parent / "seed" / SEED_NAME, project / "raw" / SEED_NAME):
        if cand.is_file():
            return cand
    return None


def _toml(s: str) -> str:
    """A TOML basic string."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _stage(gold: Gold, raw: Path, seed: Path | None) -> None:
    """Write the gold documents into raw/<set>/<doc_id>.txt with a sources.toml carrying their metadata."""
    entries = []
    if seed is not None:
        (raw / "seed").mkdir()
        (raw / "seed" / SEED_NAME).write_bytes(seed.read_bytes())
    for name, gs in gold.sets.items():
        (raw / name).mkdir()
        for doc_id, text in gs.texts.items():
            (raw / name / f"{doc_id}.txt").write_text(text, encoding="utf-8")
            row = gs.manifest.get(doc_id, {})
            lines = [f"file = {_toml(f'{name}/{doc_id}.txt')}"]
            for key, col in (("title", "title"), ("publisher", "publisher"), ("published", "date"),
                             ("license", "license"), ("country", "country")):
                if row.get(col):
                    lines.append(f"{key} = {_toml(row[col])}")
            entries.append("[[document]]\n" + "\n".join(lines))
    (raw / "sources.toml").write_text("\n\n".join(entries) + "\n", encoding="utf-8")


def run_gold(gold_dir: Path, seed: Path | None = None) -> GoldRun:
    """Build the tables for every document the gold folder labels, and say which built document is which."""
    from tally.build import build_tables

    gold = load_gold(gold_dir)
    if gold.seed_mentions is not None and seed is None:
        seed = seed_text_for(gold_dir)
    with tempfile.TemporaryDirectory(prefix="tally-gold-") as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        _stage(gold, raw, seed if gold.seed_mentions is not None else None)
        built = build_tables(raw)
    docs = built.tables["documents"]
    by_path = dict(zip(docs["path"], docs["doc_id"]))
    doc_map = {Path(p).stem: d for p, d in by_path.items() if not p.startswith("seed/")}
    return GoldRun(built.tables["mentions"], built.tables["facts"], by_path.get(f"seed/{SEED_NAME}"), doc_map)
