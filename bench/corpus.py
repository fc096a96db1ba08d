"""How `tally run` cost grows with the corpus: synthetic corpora of 10, 100 and 1,000 documents.

Each document is the seed essay with its numbers, years and country names varied (so no two texts are
identical). For each size it reports wall time and peak memory of a cold `tally run` (fresh warehouse,
no Prefect server up: the run starts the warm server; whole process tree), throughput, the share of
time outside the library stages (Prefect and start-up), the documents quarantined, a warm run (server
up, every document re-extracted with --no-cache; memory includes the warm runner that forks it) and a warm
no-change re-run; an empty Prefect flow run
(temporary server) measured in the same script is the baseline for the re-run. Each size's warm server
is stopped after its runs. `--idle 0` measures the runs with Prefect's temporary server instead.

usage: python bench/corpus.py [SIZES...] [--task-runner auto|threads|processes|dask] [--idle SECONDS]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procs import measure  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from flows import daemon  # noqa: E402
from flows import server as srv  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEED = (ROOT / "raw" / "us_russia_relations.txt").read_text(encoding="utf-8")

COUNTRIES = ["Russia", "China", "India", "Germany", "Ukraine", "Turkey", "Kazakhstan", "Qatar", "Norway"]
OTHERS = ["Brazil", "Japan", "Canada", "Mexico", "Poland", "France", "Italy", "Spain", "Indonesia", "Nigeria",
          "Egypt", "Vietnam", "Chile", "Peru", "Kenya", "Sweden", "Finland", "Austria", "Greece", "Portugal"]
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w])")
_YEAR = re.compile(r"^(19|20)\d\d$")


def vary(text: str, rng: random.Random) -> str:
    """The seed with numbers scaled, years shifted and some country names swapped."""
    shift = rng.randint(-6, 2)

    def number(m: re.Match) -> str:
        s = m.group(1)
        if _YEAR.match(s):
            return str(int(s) + shift)
        value = float(s.replace(",", "")) * rng.uniform(0.5, 1.5)
        if "." in s:
            return f"{value:.{len(s.split('.')[1])}f}"
        return f"{round(value):,}" if "," in s else str(max(1, round(value)))

    text = _NUMBER.sub(number, text)
    for name in rng.sample(COUNTRIES, 3):
        text = re.sub(rf"\b{name}\b", rng.choice(OTHERS), text)
    return text


def make_corpus(folder: Path, n: int) -> int:
    """Write n varied documents; return the total size in bytes."""
    folder.mkdir(parents=True)
    total = 0
    for i in range(n):
        data = vary(SEED, random.Random(i)).encode("utf-8")
        (folder / f"doc_{i:05d}.txt").write_bytes(data)
        total += len(data)
    return total


def _runner(wh: Path) -> list[int]:
    """The warm runner of the warehouse (flows/daemon.py), whose forked child does a delegated run."""
    pid = (daemon._record(wh) or {}).get("pid")
    return [int(pid)] if pid else []


EMPTY_FLOW = "from prefect import flow\n@flow(name='empty')\ndef empty():\n    return 1\nempty()\n"


def run(raw: Path, wh: Path, env: dict, runner: str, *extra: str) -> tuple:
    """One `tally run` in a fresh process; returns (measured, summary dict)."""
    summary = wh.parent / f"{wh.name}-summary.json"
    m = measure([str(BIN / "tally"), "run", "--raw", str(raw), "--warehouse", str(wh), "--task-runner", runner,
                 "--summary-json", str(summary), *extra], env, also=lambda: _runner(wh))
    if m.returncode != 0:
        raise SystemExit(f"tally run failed:\n{m.stderr[-3000:]}")
    return m, json.loads(summary.read_text())


def main() -> None:
    """Build the corpora, run, and print a table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", type=int, default=[10, 100, 1000])
    ap.add_argument("--task-runner", default="auto", help="as `tally run --task-runner` (auto picks per corpus)")
    ap.add_argument("--idle", default="600", help="TALLY_SERVER_IDLE for the runs (0: temporary servers, no warm runs)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tally-corpus-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"HOME": str(work), "TALLY_SERVER_IDLE": args.idle}
    rows = []
    try:
        for n in args.sizes:
            raw = work / f"raw{n}"
            size = make_corpus(raw, n)
            wh = work / f"wh{n}"
            try:
                m, s = run(raw, wh, env, args.task_runner)  # cold: fresh warehouse, starts the warm server
                w, ws = run(raw, wh, env, args.task_runner, "--no-cache")  # warm: server up, all re-extracted
                r, rs = run(raw, wh, env, args.task_runner)  # warm, nothing changed
            finally:
                srv.stop(wh)
            stages = sum(v for k, v in s["timings"].items() if k != "flow_total")
            rows.append(dict(n=n, mb=size / 1e6, wall=m.seconds, peak=m.peak_mib, pss=m.peak_pss_mib, stages=stages, s=s,
                             warm=w.seconds, warm_peak=w.peak_mib, warm_pss=w.peak_pss_mib, warm_q=len(ws["quarantined"]),
                             rerun=r.seconds, rerun_peak=r.peak_mib, rerun_extracted=rs["extracted"]))
            print(f"{n} docs done: cold {m.seconds:.1f} s, warm {w.seconds:.1f} s, no-change {r.seconds:.1f} s",
                  file=sys.stderr, flush=True)
        empty_env = {**env, "PREFECT_HOME": str(work / f"wh{args.sizes[-1]}" / ".prefect"),
                     "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
        empty = measure([sys.executable, "-c", EMPTY_FLOW], empty_env)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"task runner: {args.task_runner}; machine: {os.cpu_count()} cores")
    print(f"TALLY_SERVER_IDLE={args.idle}: cold = fresh warehouse and no server; warm = server up, --no-cache")
    print("| docs | runner | MB | cold wall s | cold peak MiB (RSS sum / PSS) | docs/s | library stages s | Prefect+start-up share | "
          "quarantined | warm wall s | warm peak MiB (RSS sum / PSS) | no-change re-run s (extracted) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['n']} | {r['s']['task_runner']} | {r['mb']:.1f} | {r['wall']:.1f} | {r['peak']:.0f} / {r['pss']:.0f} | "
              f"{r['n'] / r['wall']:.1f} | {r['stages']:.1f} | {1 - r['stages'] / r['wall']:.0%} | "
              f"{len(r['s']['quarantined'])} | {r['warm']:.1f} | {r['warm_peak']:.0f} / {r['warm_pss']:.0f} | "
              f"{r['rerun']:.1f} ({r['rerun_extracted']}) |")
    print(f"empty Prefect flow run (same Prefect home): {empty.seconds:.1f} s, peak {empty.peak_mib:.0f} MiB")
    by_n = {r["n"]: r for r in rows}
    if 100 in by_n and 1000 in by_n:
        print(f"cost ratio 1000/100 docs: {by_n[1000]['wall'] / by_n[100]['wall']:.1f}x wall, "
              f"{by_n[1000]['stages'] / by_n[100]['stages']:.1f}x library stages (target <= 12x)")
    last = rows[-1]
    print(f"no-change re-run of {last['n']} docs: {last['rerun']:.1f} s = {last['rerun'] - empty.seconds:+.1f} s "
          f"vs the empty flow run (target <= +2 s)")
    timings = last["s"]["timings"]
    print("stage timings for the largest corpus (s): " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
    print(f"extraction CPU in the workers, largest corpus: {last['s']['extract_cpu']:.1f} s "
          f"({last['s']['extract_cpu'] / last['n'] * 1000:.0f} ms per document)")


if __name__ == "__main__":
    main()
