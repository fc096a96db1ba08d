"""Incremental runs (extraction cache), task runners (threads vs Dask), and `tally serve` on a schedule."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest

from tally import build as lib
from tally.extract.cache import ExtractCache, cache_key

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _raw(tmp_path: Path) -> Path:
    d = tmp_path / "raw"
    shutil.copytree(ROOT / "raw", d)
    (d / "second.txt").write_text("Exports to China rose 12% to $4 billion in 2024.\n", encoding="utf-8")
    return d


def test_cache_skips_unchanged_documents_and_sees_changes(tmp_path):
    raw = _raw(tmp_path)
    store = ExtractCache(tmp_path / "cache")
    docs = lib.discover_documents(raw).documents
    todo, hits, _ = lib.prepare_documents(docs, store)
    assert len(todo) == 2 and hits == []
    first, _ = lib.extract_and_cache(todo, store)
    todo, hits, _ = lib.prepare_documents(docs, store)
    assert todo == [] and len(hits) == 2
    by_path = {e.doc.path: e for e in first}
    for h in hits:  # a cached result is exactly what extraction produced
        assert h.mentions.equals(by_path[h.doc.path].mentions) and h.passages.equals(by_path[h.doc.path].passages)
    (raw / "second.txt").write_text("Imports fell 3% in 2024.\n", encoding="utf-8")
    todo, hits, _ = lib.prepare_documents(lib.discover_documents(raw).documents, store)
    assert [s.doc.path for s in todo] == ["second.txt"] and [h.doc.path for h in hits] == ["us_russia_relations.txt"]


def test_cache_key_covers_bytes_manifest_extractor_and_catalog():
    src = lib.disc.SourceInfo(file="a.txt")
    base = cache_key("d" * 64, src, "1.0", "cat1")
    assert base == cache_key("d" * 64, src, "1.0", "cat1")
    assert len({base, cache_key("e" * 64, src, "1.0", "cat1"), cache_key("d" * 64, src, "1.1", "cat1"),
                cache_key("d" * 64, src, "1.0", "cat2"),
                cache_key("d" * 64, lib.disc.SourceInfo(file="a.txt", published="2024"), "1.0", "cat1")}) == 5


def test_catalog_edit_invalidates_every_document(tmp_path, monkeypatch):
    raw = _raw(tmp_path)
    store = ExtractCache(tmp_path / "cache")
    docs = lib.discover_documents(raw).documents
    lib.extract_and_cache(lib.prepare_documents(docs, store)[0], store)
    import tally.extract.cache as tc

    monkeypatch.setattr(tc, "catalog_version", lambda: "edited-catalog")
    todo, hits, _ = lib.prepare_documents(docs, store)
    assert len(todo) == 2 and hits == []


def _tables_without_ingest_time(w: Path) -> dict:
    out = {}
    for p in sorted((w / "parquet").iterdir()):
        t = pq.read_table(p)
        if "ingested_at" in t.column_names:
            t = t.drop(["ingested_at"])
        out[p.name] = t
    return out


@pytest.mark.slow
def test_rerun_is_all_cached_and_dask_matches_threads(prefect_harness, tmp_path):
    from dask.distributed import LocalCluster
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    from flows.pipeline import tally_pipeline

    raw = _raw(tmp_path)
    threads = tally_pipeline.with_options(task_runner=ThreadPoolTaskRunner(max_workers=2))
    s1 = threads(raw=str(raw), warehouse=str(tmp_path / "a"), batch_size=1)
    assert (s1.extracted, s1.cached) == (2, 0)
    s2 = threads(raw=str(raw), warehouse=str(tmp_path / "a"), batch_size=1)
    assert (s2.extracted, s2.cached) == (0, 2) and s2.build_id == s1.build_id and not s2.changed

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as cluster:
        dask = tally_pipeline.with_options(task_runner=DaskTaskRunner(address=cluster.scheduler_address))
        s3 = dask(raw=str(raw), warehouse=str(tmp_path / "b"), batch_size=1, use_cache=False)
    assert (s3.extracted, s3.cached) == (2, 0)
    a, b = _tables_without_ingest_time(tmp_path / "a"), _tables_without_ingest_time(tmp_path / "b")
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].equals(b[name]), name


def test_auto_runner_picks_processes_only_for_large_folders_on_several_cores(tmp_path):
    from flows.runners import AUTO_PROCESSES_FROM, RunnerKind, make_task_runner, resolve_kind

    raw = _raw(tmp_path)
    assert resolve_kind("auto", raw, cpus=2) is RunnerKind.threads
    for i in range(AUTO_PROCESSES_FROM - 2):
        (raw / f"n{i:04d}.txt").write_text(f"Exports rose {i}% in 2024.\n", encoding="utf-8")
    assert resolve_kind("auto", raw, cpus=2) is RunnerKind.processes
    assert resolve_kind("auto", raw, cpus=1) is RunnerKind.threads
    assert resolve_kind("threads", raw, cpus=8) is RunnerKind.threads
    with pytest.raises(ValueError):
        make_task_runner("auto")


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["processes", "dask"])
def test_worker_processes_share_the_runs_api_server_and_match_threads(prefect_harness, tmp_path, runner):
    # Worker processes (a process pool, a local Dask cluster) must report to the temporary API server of
    # `tally run` rather than each starting their own (seconds and hundreds of MB in all); their tables equal
    # the threads runner's.
    from prefect.task_runners import ThreadPoolTaskRunner

    from flows.pipeline import tally_pipeline

    raw = _raw(tmp_path)
    tally_pipeline.with_options(task_runner=ThreadPoolTaskRunner(max_workers=2))(
        raw=str(raw), warehouse=str(tmp_path / "a"), batch_size=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["HOME"] = str(tmp_path)
    r = subprocess.run([str(BIN / "tally"), "run", "--raw", str(raw), "--warehouse", str(tmp_path / "b"), "-v",
                        "--task-runner", runner, "--workers", "2", "--batch-size", "1"],
                       env=env, capture_output=True, text=True, timeout=300)
    log = r.stdout + r.stderr
    assert r.returncode == 0, log[-3000:]
    assert log.count("Starting temporary server") == 1, log[-3000:]
    a, b = _tables_without_ingest_time(tmp_path / "a"), _tables_without_ingest_time(tmp_path / "b")
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].equals(b[name]), name


@pytest.mark.slow
def test_serve_runs_the_deployment_and_stops_cleanly(tmp_path):
    raw, w = _raw(tmp_path), tmp_path / "wh"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["HOME"] = str(tmp_path)
    log = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen([str(BIN / "tally"), "serve", "--cron", "0 6 * * *", "--raw", str(raw), "--warehouse", str(w)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        api = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and api is None:
            text = (tmp_path / "serve.log").read_text()
            if "serving deployment" in text:
                api = re.search(r"via (http://127\.0\.0\.1:\d+/api)", text).group(1)
            assert proc.poll() is None, text
            time.sleep(0.5)
        assert api, (tmp_path / "serve.log").read_text()
        children = psutil.Process(proc.pid).children(recursive=True)
        run_env = {**env, "PREFECT_API_URL": api, "PREFECT_HOME": str(tmp_path / "client")}
        for _ in range(60):  # the deployment registers a few seconds after serve starts
            r = subprocess.run([str(BIN / "prefect"), "deployment", "run", "tally-pipeline/tally", "--watch"],
                               env=run_env, capture_output=True, text=True, timeout=300)
            if "not found" not in (r.stdout + r.stderr).lower():
                break
            time.sleep(1)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
        assert "Completed" in r.stdout
        assert (w / "tally.duckdb").exists() and (w / "current").is_symlink()
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        code = proc.wait(60)
    out = (tmp_path / "serve.log").read_text()
    assert code == 0, out[-3000:]
    assert out.index("stopped serve process") < out.index("stopped prefect server")
    time.sleep(0.5)
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]


def test_input_fingerprint_tracks_documents_and_refused_files(tmp_path):
    raw = _raw(tmp_path)
    fp = lambda: lib.input_fingerprint(lib.discover_documents(raw))  # noqa: E731
    first = fp()
    assert fp() == first
    (raw / "second.txt").write_text("Imports fell 3% in 2024.\n", encoding="utf-8")
    changed = fp()
    assert changed != first
    (raw / "broken.txt").symlink_to(raw / "missing-target.txt")
    assert fp() != changed


def test_unchanged_inputs_are_recorded_with_the_published_build(tmp_path):
    from tally.publish import warehouse as wh

    raw = _raw(tmp_path)
    found = lib.discover_documents(raw)
    seg, _ = lib.segment_documents(found.documents)
    ext, _ = lib.extract_mentions(seg)
    facts, conflicts = lib.reconcile_facts(ext)
    w = tmp_path / "wh"
    assert wh.published_inputs(w) is None
    wh.publish(w, lib.assemble(ext, facts, conflicts, found.quarantine), inputs=lib.input_fingerprint(found))
    assert wh.published_inputs(w) == lib.input_fingerprint(found)
    assert wh.published_counts(w)["documents"] == 2
    from tally.publish import builds

    (raw / "empty.txt").write_bytes(b"")
    found = lib.discover_documents(raw)
    seg, q = lib.segment_documents(found.documents)
    wh.publish(w, lib.assemble(lib.extract_mentions(seg)[0], facts, conflicts, found.quarantine + q))
    # the unchanged-run summary reads the quarantine from build.json; it must equal the published table
    meta = json.loads((wh.current_build(w) / "build.json").read_text(encoding="utf-8"))
    assert meta["quarantine"] == builds.published_rows(w, "quarantine") == builds.published_quarantine(w)
    assert [r["path"] for r in builds.published_quarantine(w)] == ["empty.txt"]
    (wh.current_build(w) / "parquet" / "mentions.parquet").unlink()  # a damaged build is never trusted
    assert wh.published_inputs(w) is None
