"""Print the behavioural suite's pass rate per capability and its failures (script, not a test).

    .venv/bin/python bench/checklist.py [--failures N]   # N failures shown per capability (default 10)
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "checklist"))

from runner import run, table  # noqa: E402


def main() -> None:
    """Run every case and print the table, then the failures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--failures", type=int, default=10, help="failures shown per capability")
    args = ap.parse_args()
    t0 = time.perf_counter()
    totals, failures = run()
    print(table(totals))
    print(f"({sum(n for _, n in totals.values()):,} cases in {time.perf_counter() - t0:.1f} s)")
    for cap, fails in failures.items():
        print(f"\n{cap}: {len(fails)} failures")
        for case, got in fails[: args.failures]:
            print(f"  {case.text!r}\n    want {list(case.expected)}\n    got  {got}")


if __name__ == "__main__":
    main()
