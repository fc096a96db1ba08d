"""Conversion speed (PDF pages per second, HTML pages per second) and agreement with the plain text (script,
not a test).

Builds the fixtures of tests/convert_fixtures.py in a temporary folder (Chromium prints the PDFs), then
times tally.ingest.convert without its cache (best of --repeat runs) and prints the F1 of the mentions
read from the PDF and the HTML against those read from the plain text (matched on text and value).

    python bench/convert.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from convert_fixtures import CHROMIUM, build  # noqa: E402
from tally import build as lib  # noqa: E402
from tally.ingest import convert  # noqa: E402


def best(fn, repeat: int) -> tuple[float, float]:
    """Fastest of `repeat` calls: (wall seconds, CPU seconds of this process). On a shared machine the CPU
    time is the figure that does not depend on the neighbours."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def f1(folder: Path, name: str) -> dict[str, float]:
    """F1 of the PDF's and the HTML's mentions against the plain text's, on (text, value)."""
    raw = folder / f"raw-{name}"
    raw.mkdir()
    for fmt in ("txt", "html", "pdf"):
        if (folder / f"{name}.{fmt}").exists():
            (raw / f"{name}.{fmt}").write_bytes((folder / f"{name}.{fmt}").read_bytes())
    found = lib.discover_documents(raw)
    done = lib.process_documents(found.documents, None)
    got = {e.doc.path.rsplit(".", 1)[1]: Counter(zip(e.mentions["text"].to_pylist(), e.mentions["value"].to_pylist())) for e in done.extracted}
    want = got.pop("txt")
    return {fmt: 2 * sum((c & want).values()) / (sum(c.values()) + sum(want.values())) for fmt, c in got.items()} | \
        {"n_plain": sum(want.values())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"Chromium is missing at {CHROMIUM}: no PDF fixtures (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="tally-bench-convert-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        files = build(folder)
        print(f"fixtures built in {time.perf_counter() - t0:.1f} s (Chromium prints)")
        convert.convert(files["seed_pdf"].read_bytes(), "pdf")  # imports and PDFium's start-up, once
        convert.convert(files["seed_html"].read_bytes(), "html")
        pages = seconds = cpu_seconds = 0.0
        for name in ("seed", "dev"):
            data = files[f"{name}_pdf"].read_bytes()
            n = len(convert.convert(data, "pdf").pages)
            s, c = best(lambda: convert._convert(data, "pdf"), args.repeat)
            pages, seconds, cpu_seconds = pages + n, seconds + s, cpu_seconds + c
            print(f"PDF  {name}: {n} pages, {len(data) / 1e3:.0f} kB, {s * 1e3:.0f} ms wall ({c * 1e3:.0f} ms CPU) "
                  f"-> {n / s:.1f} pages/s ({n / c:.1f} per CPU second)")
            html = files[f"{name}_html"].read_bytes()
            s, c = best(lambda: convert._convert(html, "html"), args.repeat)
            print(f"HTML {name}: {len(html) / 1e3:.0f} kB, {s * 1e3:.0f} ms wall ({c * 1e3:.0f} ms CPU) "
                  f"-> {1 / s:.1f} pages/s, {len(html) / s / 1e6:.2f} MB/s")
        print(f"PDF overall: {pages / seconds:.1f} pages/s wall, {pages / cpu_seconds:.1f} pages per CPU second "
              f"({int(pages)} pages, best of {args.repeat})")
        for name in ("seed", "dev"):
            scores = f1(folder, name)
            print(f"F1 vs plain text, {name} ({scores.pop('n_plain')} mentions): "
                  + ", ".join(f"{k} {v:.3f}" for k, v in sorted(scores.items())))


if __name__ == "__main__":
    main()
