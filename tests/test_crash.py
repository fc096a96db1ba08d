"""Crash safety: SIGKILL `tally run` (and `tally release`) at random moments; what is published never breaks.

After every kill the published warehouse, read through the stable paths (parquet/*, tally.duckdb), is
byte-identical to the last good one, or, when the kill landed after the atomic swap, is the complete new
build; it is queryable; and the next run completes and publishes. The raw input cycles through three
versions so that every completed run changes the hashes (and old builds get collected).

TALLY_TEST_PUBLISH_DELAY makes `tally.publish.warehouse.publish` sleep between its steps so that some kills
land mid-publish; half the kills are aimed at that window (the moment `.staging/` appears).
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import query, tree_hashes

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "raw" / "us_russia_relations.txt"
pytestmark = pytest.mark.slow

KILLS = 20
DELAY = 0.6  # seconds per publish step while testing (4 steps)
EXTRA = {1: None, 2: "Exports to Japan rose 12% to $4 billion in 2024.\n", 3: "Imports from Chile fell 3% in 2023.\n"}


def _tally() -> str:
    return str(Path(sys.executable).with_name("tally"))


def _env(tmp: Path, api: str) -> dict[str, str]:
    """A run's environment: the session's Prefect API (what is tested is tally's publishing, not Prefect's
    start-up), a home of its own, and publish steps slowed so that kills can land in them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return {**env, "HOME": str(tmp), "TALLY_TEST_PUBLISH_DELAY": str(DELAY), "PREFECT_API_URL": api}


def _set_version(raw: Path, v: int) -> None:
    for p in raw.glob("extra*.txt"):
        p.unlink()
    if EXTRA[v]:
        (raw / f"extra{v}.txt").write_text(EXTRA[v], encoding="utf-8")


def _expected_paths(v: int) -> set[str]:
    return {"us_russia_relations.txt"} | ({f"extra{v}.txt"} if EXTRA[v] else set())


def _start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL the whole process group (the CLI and whatever it started), then check nothing survived."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError("processes of the killed run survived")


def _consistent(w: Path) -> dict[str, str]:
    """The published build's files match its build.json, DuckDB answers; return the stable-path hashes."""
    build = (w / "current").resolve()
    meta = json.loads((build / "build.json").read_text(encoding="utf-8"))
    for rel, sha in meta["sha256"].items():
        assert hashlib.sha256((build / rel).read_bytes()).hexdigest() == sha, rel
    for table, n in meta["tables"].items():
        assert query(w, f"SELECT count(*) FROM {table}") == [(n,)], table
    return tree_hashes(w)


def test_kill_tally_run_at_random_moments(tmp_path, shared_api_url):
    rng = random.Random(7)
    raw, w = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    shutil.copy(ROOT / "raw" / "sources.toml", raw / "sources.toml")
    (raw / "empty.txt").write_bytes(b"")  # always quarantined: a non-strict run still exits 0
    env = _env(tmp_path, shared_api_url)
    cmd = [_tally(), "run", "--raw", str(raw), "--warehouse", str(w)]
    t_start = time.perf_counter()

    def complete(v: int) -> dict[str, str]:
        _set_version(raw, v)
        proc = _start(cmd, env)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        # (a run that finds its inputs already published skips the work; see the report about its quarantine lines)
        assert "quarantined empty.txt: decode" in err or " unchanged " in out, (out, err)
        hashes = _consistent(w)
        assert {r[0] for r in query(w, "SELECT path FROM documents")} == _expected_paths(v)
        return hashes

    t0 = time.perf_counter()
    good = complete(1)
    full = time.perf_counter() - t0
    version, trials, failures, mid_publish, new_builds = 1, 0, [], 0, 0
    for k in range(KILLS):
        version = version % 3 + 1
        _set_version(raw, version)
        proc = _start(cmd, env)
        if k % 2:  # aim at the publish window: when staging starts, kill within the four pauses
            deadline = time.monotonic() + 120
            while not (w / ".staging").exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 4 * DELAY))
            mid_publish += proc.poll() is None
        else:  # anywhere in the run's whole duration
            time.sleep(rng.uniform(0, full))
        _kill(proc)
        trials += 1
        try:
            now = _consistent(w)
            if now != good:  # the kill came after the atomic swap: the new build is complete
                assert {r[0] for r in query(w, "SELECT path FROM documents")} == _expected_paths(version)
                new_builds += 1
                good = now
        except Exception as exc:  # noqa: BLE001 - collect, then fail with every trial's story
            failures.append(f"kill {k + 1}: {type(exc).__name__}: {exc}")
        if k % 5 == 4:  # the next run after a kill completes and publishes (every fifth kill, for time)
            version = version % 3 + 1
            good = complete(version)
    good = complete(version % 3 + 1)
    elapsed = time.perf_counter() - t_start
    print(f"\n{trials} kills ({mid_publish} mid-publish, {new_builds} after the swap), {len(failures)} failures, "
          f"{elapsed:.0f} s in all (one full run {full:.1f} s)")
    assert not failures, failures
    assert trials == KILLS and mid_publish >= KILLS // 4


def test_kill_tally_release_leaves_complete_or_no_release(tmp_path, shared_api_url):
    rng = random.Random(11)
    raw, w = tmp_path / "raw", tmp_path / "wh"
    shutil.copytree(ROOT / "raw", raw)
    env = {k: v for k, v in _env(tmp_path, shared_api_url).items() if k != "TALLY_TEST_PUBLISH_DELAY"}
    r = subprocess.run([_tally(), "run", "--raw", str(raw), "--warehouse", str(w)], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    t0 = time.perf_counter()
    r = subprocess.run([_tally(), "release", "--warehouse", str(w), "--raw", str(raw), "--version", "2026.1.0"],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    full = time.perf_counter() - t0
    failures = []
    for k in range(8):
        version = f"2026.1.{k + 1}"
        proc = _start([_tally(), "release", "--warehouse", str(w), "--raw", str(raw), "--version", version, "--force"],
                      env)
        time.sleep(rng.uniform(0.3 * full, full))
        _kill(proc)
        folder = w / "releases" / version
        if not folder.exists():
            continue
        try:
            sums = (folder / "SHA256SUMS").read_text(encoding="utf-8").split("\n")
            listed = {}
            for line in filter(None, sums):
                sha, name = line.split(maxsplit=1)
                listed[name.lstrip("*")] = sha
            assert listed, "empty SHA256SUMS"
            for name, sha in listed.items():
                assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha, name
        except Exception as exc:  # noqa: BLE001
            failures.append(f"release kill {k + 1}: {type(exc).__name__}: {exc}")
    assert not failures, failures


def test_two_runs_started_together_on_one_warehouse(tmp_path, shared_api_url):
    """Both end; `current` always points at a complete build; queries answer throughout."""
    w = tmp_path / "wh"
    raws = []
    for v in (2, 3):
        raw = tmp_path / f"raw{v}"
        raw.mkdir()
        shutil.copy(SEED, raw / SEED.name)
        _set_version(raw, v)
        raws.append(raw)
    env = {**_env(tmp_path, shared_api_url), "TALLY_TEST_PUBLISH_DELAY": "1.5"}
    procs = [_start([_tally(), "run", "--raw", str(raw), "--warehouse", str(w)], env) for raw in raws]
    problems, checks = [], 0
    while any(p.poll() is None for p in procs):
        if (w / "current").is_symlink():
            before = (w / "current").resolve()
            try:
                _consistent(w)
                checks += 1
            except Exception as exc:  # noqa: BLE001 - collected, reported below
                if (w / "current").resolve() == before:  # (a swap between reading build.json and querying is fine)
                    problems.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.1)
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    assert not problems, problems[:5]
    assert checks > 10
    _consistent(w)


def test_no_wait_run_exits_1_naming_the_holder(tmp_path, shared_api_url):
    from tally.publish.builds import warehouse_lock

    raw, w = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    env = {k: v for k, v in _env(tmp_path, shared_api_url).items() if k != "TALLY_TEST_PUBLISH_DELAY"}
    with warehouse_lock(w, "the nightly job"):
        r = subprocess.run([_tally(), "run", "--raw", str(raw), "--warehouse", str(w), "--no-wait"], env=env,
                           capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stderr[-2000:]
    assert r.stderr.startswith("tally run: ") and "the nightly job" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not (w / "current").exists()
