"""Benchmark tally's quantity extractor against itself at scale and against quantulum3 (script, not a test).

Run with `make bench` (installs the optional `bench` extra). Timings vary with PYTHONHASHSEED and CPU
frequency; for comparable runs fix it, e.g. `PYTHONHASHSEED=0 make bench`, on an idle machine.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tally.extract.quantities import EXTRACTOR_VERSION, extract  # noqa: E402

SEED = ROOT / "raw" / "us_russia_relations.txt"
QUANTULUM_BUDGET_S = 60.0


def timed(fn, *args) -> tuple[float, object]:
    """Wall time of one call and its result."""
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def best_of(n: int, fn, *args) -> float:
    """Fastest of `n` runs (less noise from the machine)."""
    return min(timed(fn, *args)[0] for _ in range(n))


def paragraphs(text: str) -> list[str]:
    """Non-empty lines: the seed has one paragraph or table row per line."""
    return [p for p in text.split("\n") if p.strip()]


def bench_tally(seed: str) -> float:
    """Throughput and linearity of `extract`; returns MB/s on the ~10 MB corpus."""
    mb = len(seed.encode("utf-8")) / 1e6
    t1 = best_of(5, extract, seed)
    print(f"tally {EXTRACTOR_VERSION}: seed {len(seed):,} chars, {len(extract(seed))} quantities")
    print(f"  1x   {t1 * 1e3:8.1f} ms  {mb / t1:6.2f} MB/s")
    t10 = best_of(3, extract, seed * 10)
    print(f"  10x  {t10 * 1e3:8.1f} ms  {10 * mb / t10:6.2f} MB/s  ratio vs 1x: {t10 / t1:6.1f} (linear = 10)")
    t100 = best_of(1, extract, seed * 100)
    print(f"  100x {t100 * 1e3:8.1f} ms  {100 * mb / t100:6.2f} MB/s  ratio vs 1x: {t100 / t1:6.1f} (linear = 100)")
    reps = max(1, round(10.0 / mb))
    big = seed * reps
    c0 = time.process_time()
    tb = best_of(1, extract, big)
    cpu = time.process_time() - c0
    big_mb = len(big.encode("utf-8")) / 1e6
    print(f"  corpus {big_mb:.1f} MB ({reps}x seed): {tb:.2f} s  {big_mb / tb:.2f} MB/s per core "
          f"(CPU time {cpu:.2f} s: {big_mb / cpu:.2f} MB/s, the figure that holds on a busy machine)")
    return big_mb / tb


def bench_quantulum(seed: str, tally_mbps: float) -> None:
    """quantulum3 on the seed's paragraphs, capped at QUANTULUM_BUDGET_S, throughput extrapolated."""
    try:
        from quantulum3 import parser
    except ImportError:
        print("quantulum3: not installed (make bench installs it via `uv sync --extra bench`); skipped")
        return
    try:
        import stemming  # noqa: F401  (quantulum3's classifier needs it; the `bench` extra does not pin it)
        mode = "with its sklearn unit classifier"
    except ImportError:
        from quantulum3 import classifier

        classifier.USE_CLF = False
        mode = "WITHOUT its classifier (module `stemming` is not installed), so faster than its default"
    print(f"quantulum3 runs {mode}")
    paras = paragraphs(seed)
    done_chars = 0
    n_found = 0
    t0 = time.perf_counter()
    n_done = 0
    for p in paras:
        if time.perf_counter() - t0 > QUANTULUM_BUDGET_S:
            break
        n_found += len(parser.parse(p))
        done_chars += len(p.encode("utf-8"))
        n_done += 1
    dt = time.perf_counter() - t0
    q_mbps = done_chars / 1e6 / dt if dt else float("nan")
    print(f"quantulum3: {n_done}/{len(paras)} seed paragraphs in {dt:.1f} s "
          f"({dt / max(n_done, 1):.2f} s/paragraph, {n_found} quantities), {q_mbps * 1e3:.2f} KB/s")
    big_mb = 10.0
    print(f"  extrapolated to the ~{big_mb:.0f} MB corpus (same paragraphs repeated): {big_mb / q_mbps / 3600:.1f} h "
          f"vs tally {big_mb / tally_mbps:.1f} s")
    # tally on exactly the same paragraphs, same per-paragraph calling convention
    sample = paras[:n_done]
    t_tally = best_of(3, lambda ps: [extract(p) for p in ps], sample)
    t_mbps = done_chars / 1e6 / t_tally
    print(f"  tally per paragraph on the same {n_done} paragraphs: {t_mbps:.2f} MB/s; "
          f"throughput ratio tally/quantulum3 = {t_mbps / q_mbps:,.0f}x")


def main() -> None:
    """Print the benchmark report."""
    print(f"PYTHONHASHSEED={os.environ.get('PYTHONHASHSEED', '(unset: random)')}; python {sys.version.split()[0]}")
    seed = SEED.read_text(encoding="utf-8")
    mbps = bench_tally(seed)
    bench_quantulum(seed, mbps)


if __name__ == "__main__":
    main()
