"""CPU time of extraction on number-dense text: 10 KB, 100 KB and 1 MB of "1," and "from 1 to " (script, not a test).

`python bench/dense.py` prints, per pattern and size, the CPU seconds of `extract` and the ratio to the
10 KB run (linear = 10 and 100); `--full` also times extract+resolve+publish through `build_tables`
on a temporary raw folder holding one document of that text. Resolution is not linear yet (per-mention
scans of the whole passage in tally/resolve/periods.py and entities.clause_spans): 7 s CPU at 10 KB of
"1," and 132 s at 100 KB on 2026-12-02, so use `--full --max "10 KB"` or "100 KB", not 1 MB.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tally.extract.quantities import extract  # noqa: E402

PATTERNS = {"1,": "1,", "from 1 to ": "from 1 to "}
SIZES = {"10 KB": 10_000, "100 KB": 100_000, "1 MB": 1_000_000}


def cpu(fn, *args) -> tuple[float, object]:
    """CPU seconds of one call (other processes on the machine do not count) and its result."""
    t0 = time.process_time()
    out = fn(*args)
    return time.process_time() - t0, out


def full_build(text: str) -> float:
    """CPU seconds of build_tables on a raw folder holding `text` as one document."""
    from tally.build import build_tables

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "dense.txt").write_text(text, encoding="utf-8")
        t, _ = cpu(build_tables, Path(tmp))
    return t


def main() -> None:
    """Print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="also time build_tables (extract + resolve + publish)")
    ap.add_argument("--max", default="1 MB", choices=list(SIZES), help="largest size to run")
    args = ap.parse_args()
    sizes = list(SIZES)[:list(SIZES).index(args.max) + 1]
    for name, unit in PATTERNS.items():
        base = None
        for label in sizes:
            text = unit * (SIZES[label] // len(unit))
            t, qs = cpu(extract, text)
            base = base or t
            line = f"{name!r:14} {label:>7}: extract {t:7.2f} s CPU  {len(qs):7,} quantities  x{t / base:6.1f}"
            if args.full:
                line += f"  build_tables {full_build(text):7.2f} s CPU"
            print(line, flush=True)


if __name__ == "__main__":
    main()
