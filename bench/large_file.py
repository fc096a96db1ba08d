"""Peak memory and wall time of the library pipeline on one very large text (default ~200 MB).

Writes a synthetic document (the seed repeated, with the figures varied per copy so the copies are not
identical claims) into a temporary raw/ folder, then runs discover -> segment -> extract -> reconcile ->
assemble -> validate -> publish in a child process, sampling the peak RSS of the process tree.

    python bench/large_file.py            # ~200 MB
    python bench/large_file.py --mb 20    # quicker, to see how it scales
    python bench/large_file.py --no-validate
    python bench/large_file.py --mixed    # seed and dev passages in turn (compresses like real prose)

Prints one line: MB of input, seconds, peak MiB, and the child's per-stage timings.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "raw" / "us_russia_relations.txt"

_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")


def _vary(seed: str, k: int) -> str:
    """The seed with every figure that is not a year changed by a copy-dependent amount."""

    def sub(m: re.Match) -> str:
        s = m.group()
        if len(s) == 4 and s[:2] in ("19", "20"):
            return s  # keep years (periods must stay plausible)
        if "." in s:
            whole, frac = s.split(".")
            return f"{int(whole) + k % 89}.{frac}"
        return str(int(s) + k % 89)

    return _NUMBER.sub(sub, seed)


DEV = ROOT / "tests" / "gold" / "dev" / "docs"


def write_text(path: Path, mb: float, mixed: bool = False) -> int:
    """Write ~mb MB of varied seed copies to path (mixed: the seed and the dev passages in turn); return
    the size in bytes."""
    sources = [SEED.read_text(encoding="utf-8")]
    if mixed:
        sources += [p.read_text(encoding="utf-8") for p in sorted(DEV.glob("*.txt"))]
    target = int(mb * 1_000_000)
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        k = 0
        while written < target:
            chunk = (_vary(sources[k % len(sources)], k // len(sources)) + "\n\n").encode("utf-8")
            fh.write(chunk.decode("utf-8"))
            written += len(chunk)
            k += 1
    return written


def child(raw: Path, warehouse: Path, validate: bool) -> None:
    """The library pipeline, in this process; prints a JSON line of stage timings and counts."""
    import gc
    import resource

    import psutil

    from tally import build as lib
    from tally.publish import warehouse as wh
    from tally.publish.validate import validate_tables

    t: dict[str, float] = {}
    rss: dict[str, int] = {}  # resident MiB after each stage (the parent samples the peak)
    high: dict[str, int] = {}  # the process's peak resident MiB so far, after each stage: where the peak is

    @contextmanager
    def timer(stage: str):
        with lib.Timer(t)(stage):
            yield
        rss[stage] = round(psutil.Process().memory_info().rss / 2**20)
        high[stage] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

    with timer("discover"):
        found = lib.discover_documents(raw)
    with timer("segment"):
        segmented, q1 = lib.segment_documents(found.documents)
    del found.documents[:]
    held = {s.doc.path: getattr(s.doc.text, "nbytes", None) for s in segmented}  # compressed bytes of a Utf8Text
    with timer("extract"):
        extracted, q2 = lib.extract_mentions(segmented)
    del segmented
    gc.collect()
    with timer("reconcile"):
        facts, conflicts = lib.reconcile_facts(extracted)
    with timer("assemble"):
        tables = lib.assemble(extracted, facts, conflicts, found.quarantine + q1 + q2)
    if validate:
        with timer("validate"):
            report = validate_tables(tables, {e.doc.doc_id: e.doc.text for e in extracted})
        assert report.ok, report.failures.head(20)
    del extracted, facts, conflicts  # as the flow does: publishing needs only the tables
    gc.collect()
    with timer("publish"):
        wh.publish(warehouse, tables)
    counts = {n: len(df) for n, df in tables.items()}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"timings": {k: round(v, 1) for k, v in t.items()}, "rss_after_mib": rss,
                      "peak_so_far_mib": high, "rows": counts,
                      "self_peak_mib": round(peak), "text_bytes_held": held, "quarantined": [q.message for q in found.quarantine + q1 + q2]}))


def main() -> None:
    """Parse arguments; write the input and measure the child, or be the child."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=200.0, help="size of the synthetic document in MB")
    ap.add_argument("--no-validate", action="store_true", help="skip the Pandera validation stage")
    ap.add_argument("--mixed", action="store_true",
                    help="cycle the seed and the 14 dev passages (65 KB of distinct prose) rather than the seed "
                         "alone: text that compresses like real prose")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--child", nargs=2, metavar=("RAW", "WAREHOUSE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), not args.no_validate)
        return

    from procs import measure

    work = Path(tempfile.mkdtemp(prefix="tally-large-"))
    try:
        (work / "raw").mkdir()
        size = write_text(work / "raw" / "large.txt", args.mb, args.mixed)
        cmd = [sys.executable, __file__, "--child", str(work / "raw"), str(work / "wh")]
        if args.no_validate:
            cmd.append("--no-validate")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        m = measure(cmd, env, interval=0.05)
        detail = m.stdout.strip().splitlines()[-1] if m.stdout.strip() else m.stderr.strip()[-2000:]
        print(f"large file: {size / 1e6:.0f} MB, {m.seconds:.1f} s, peak {m.peak_mib:.0f} MiB (process tree), "
              f"exit {m.returncode}")
        print(f"    {detail}")
    finally:
        if args.keep:
            print(f"    kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
