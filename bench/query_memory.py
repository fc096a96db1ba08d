"""Peak memory and wall time of `tally query --out` on a large generated result (issue 18, item 7).

    python bench/query_memory.py [ROWS] [FORMAT ...]     (default: 40000000 parquet)

Runs `tally query "SELECT range AS n, range % 1000 AS m, 'row ' || range AS s FROM range(ROWS)"` against a
throw-away database in a new process per format and prints the child's peak RSS (ru_maxrss) and wall time.
"""
from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 40_000_000
    formats = sys.argv[2:] or ["parquet"]
    tally = str(Path(sys.executable).with_name("tally"))
    sql = f"SELECT range AS n, range % 1000 AS m, 'row ' || range AS s FROM range({rows})"
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "w.duckdb"
        con = duckdb.connect(str(db))
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
        con.close()
        for fmt in formats:
            out = Path(tmp) / f"out.{fmt}"
            t0 = time.perf_counter()
            r = subprocess.run([tally, "query", sql, "--warehouse", str(db), "--format", fmt, "--out", str(out)],
                               capture_output=True, text=True)
            wall = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            status = "ok" if r.returncode == 0 else f"exit {r.returncode}: {r.stderr.strip()[-200:]}"
            print(f"{rows:,} rows -> {fmt}: {wall:.1f} s, peak RSS {peak:.0f} MiB (max over runs so far), "
                  f"{out.stat().st_size / 2**20 if out.exists() else 0:.0f} MiB file, {status}", flush=True)
            out.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
