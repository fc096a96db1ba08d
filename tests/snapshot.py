"""The published tables of one library build over tests/gold (seed, dev, dev2, dev3, cb), as canonical
JSON lines in tests/snapshots/: test_snapshot.py compares a fresh build with them, so a restructuring
that changes any published value fails, and a deliberate change shows up field by field in the diff.

    python tests/snapshot.py --update   # rewrite the snapshot after a deliberate change; review the diff
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "gold"
SNAPSHOTS = ROOT / "tests" / "snapshots"
# Wall-clock fields: not content (README, "Reproducible builds").
VOLATILE = {("documents", "ingested_at")}
LONG = 120  # strings longer than this (passage and document texts) are kept as length and hash


def build() -> dict:
    """Every table build_tables publishes for the gold folder's documents (and the seed)."""
    sys.path.insert(0, str(ROOT))
    from tally.build import build_tables
    from tally.review.evaluate import load_gold
    from tally.review.goldrun import _stage, seed_text_for

    with tempfile.TemporaryDirectory(prefix="tally-snapshot-") as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        _stage(load_gold(GOLD), raw, seed_text_for(GOLD))
        return build_tables(raw).tables


def _value(v: object) -> object:
    """A cell as a JSON value: nulls alike, numbers exact, long strings as length and sha256."""
    if v is None or v is getattr(__import__("pandas"), "NA"):
        return None
    if hasattr(v, "tolist"):  # numpy scalars and arrays
        v = v.tolist()
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, (list, tuple)):
        return [_value(x) for x in v]
    if isinstance(v, str) and len(v) > LONG:
        return f"<{len(v)} chars sha256:{hashlib.sha256(v.encode()).hexdigest()[:16]}>"
    return v


def lines(tables: dict) -> dict[str, list[str]]:
    """table -> its header line and one JSON line per row, in published order."""
    out = {}
    for name in sorted(tables):
        df = tables[name]
        cols = [c for c in df.columns if (name, c) not in VOLATILE]
        rows = [json.dumps([_value(v) for v in row], ensure_ascii=False)
                for row in df[cols].itertuples(index=False, name=None)]
        out[name] = [json.dumps(cols)] + rows
    return out


def read() -> dict[str, list[str]]:
    """The stored snapshot."""
    return {p.stem: p.read_text(encoding="utf-8").splitlines() for p in sorted(SNAPSHOTS.glob("*.jsonl"))}


def write(snap: dict[str, list[str]]) -> None:
    """Replace the stored snapshot."""
    SNAPSHOTS.mkdir(exist_ok=True)
    for old in SNAPSHOTS.glob("*.jsonl"):
        old.unlink()
    for name, rows in snap.items():
        (SNAPSHOTS / f"{name}.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit(__doc__)
    snap = lines(build())
    write(snap)
    print({k: len(v) - 1 for k, v in snap.items()})
