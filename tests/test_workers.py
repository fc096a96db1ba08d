"""Forked worker processes (tally.workers.BatchPool): same results as in-process, batches submitted ahead are
handed over, and workers die with the run that forked them."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tally import build as lib
from tally.workers import BatchPool

ROOT = Path(__file__).resolve().parent.parent


def _raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "seed.txt").write_bytes((ROOT / "raw" / "us_russia_relations.txt").read_bytes())
    (raw / "short.txt").write_text("In 2024 Canada's exports rose 5.2% to $350 billion.\n", encoding="utf-8")
    return raw


def _rows(processed: list[lib.Processed]) -> list:
    return [(e.doc.path, e.mentions.select(["mention_id", "indicator", "subject", "period_start", "value"]).to_pylist(),
             list(e.quotes.q0)) for p in processed for e in p.extracted]


def test_forked_workers_give_the_in_process_results_and_hand_over_batches_submitted_ahead(tmp_path):
    docs = lib.discover_documents(_raw(tmp_path)).documents
    batches = lib.batches_of(docs, 1)
    want = _rows([lib.process_batch(b, None) for b in batches])
    with BatchPool(2) as pool:
        pool.submit_ahead(batches, None)
        ahead = [pool._early[k] for k in list(pool._early)]
        futures = [pool.submit(b, None) for b in batches]
        assert futures == ahead and not pool._early  # the same futures, not new work
        assert _rows([f.result() for f in futures]) == want
        assert _rows(list(pool.map_batches(batches, None))) == want


def test_workers_die_with_the_run_that_forked_them(tmp_path):
    code = ("import sys, time; from tally.workers import BatchPool; p = BatchPool(2).start(); "
            "print(' '.join(str(c.pid) for c in __import__('psutil').Process().children()), flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    pids = [int(x) for x in proc.stdout.readline().split()]
    assert len(pids) >= 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"
                                              for p in pids):
        time.sleep(0.1)
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie" for p in pids)


def _freeze_count(_: object = None) -> int:
    import gc

    return gc.get_freeze_count()


def test_workers_inherit_a_frozen_heap_and_the_caller_does_not_keep_it_frozen():
    import gc

    with BatchPool(1) as pool:
        assert gc.get_freeze_count() == 0  # the calling process collects its own objects as before
        inherited = pool._executor.submit(_freeze_count).result()
    # what the worker was forked with (modules, catalogs, lexicons) is outside its collections
    assert inherited > 10_000, inherited
