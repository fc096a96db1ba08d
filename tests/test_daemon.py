"""The warm runner (flows/daemon.py): a `tally run` next to a warm server is forked from a process that has
already imported the pipeline, behaves as the same run in its own process would (output, exit code),
refuses when its code is stale, dies with a killed caller, and goes with `tally server stop`."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from flows import daemon
from flows import server as srv

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != daemon.CHILD_ENV}
    return {**env, "HOME": str(tmp), "TALLY_SERVER_IDLE": "600", **extra}


def _tally(*args: str, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "tally"), *args], env=env, capture_output=True, text=True, timeout=timeout)


def _ready_runner(wh: Path, timeout: float = 90) -> int:
    """The pid of the warehouse's runner once it listens."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (pid := daemon.listening(wh)) is not None:
            return pid
        time.sleep(0.2)
    raise AssertionError(f"no runner: {_log(wh)[-2000:]}")


def _log(wh: Path) -> str:
    path = srv.state_dir(wh) / "runner.log"
    return path.read_text() if path.exists() else ""


def _served(wh: Path) -> int:
    return _log(wh).count(": tally run")


def _gone(pid: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def test_fingerprint_follows_the_project_files(tmp_path):
    for d in ("flows", "tally", "schemas"):
        (tmp_path / d).mkdir()
    (tmp_path / "tally" / "a.py").write_text("x = 1\n")
    before = daemon.code_fingerprint(tmp_path)
    assert daemon.code_fingerprint(tmp_path) == before
    (tmp_path / "schemas" / "units.yaml").write_text("units: []\n")
    added = daemon.code_fingerprint(tmp_path)
    assert added != before
    os.utime(tmp_path / "tally" / "a.py", ns=(1, 1))
    assert daemon.code_fingerprint(tmp_path) != added


def test_only_plain_runs_are_delegated():
    assert daemon._run_options(["run", "--raw", "r"]) == (Path("warehouse"), False)
    assert daemon._run_options(["run", "--warehouse=w", "-v"]) == (Path("w"), True)
    assert daemon._run_options(["run", "--warehouse", "w"]) == (Path("w"), False)
    assert daemon._run_options(["run", "--help"]) is None
    assert daemon._run_options(["query", "select 1"]) is None
    assert not daemon._usable(Path("w"), {"PREFECT_API_URL": "http://x/api"})
    assert not daemon._usable(Path("w"), {"TALLY_SERVER_IDLE": "0"})
    assert not daemon._usable(Path("w"), {daemon.CHILD_ENV: "1"})


@pytest.mark.slow
def test_runs_go_to_the_warm_runner_and_behave_as_in_their_own_process(tmp_path):
    raw, wh, env = tmp_path / "raw", tmp_path / "wh", _env(tmp_path)
    shutil.copytree(ROOT / "raw", raw)
    try:
        first = _tally("run", "--raw", str(raw), "--warehouse", str(wh), env=env)
        assert first.returncode == 0, first.stderr[-3000:]
        runner = _ready_runner(wh)

        again = _tally("run", "--raw", str(raw), "--warehouse", str(wh), "--no-cache", env=env)
        assert again.returncode == 0 and _served(wh) == 1, again.stderr + _log(wh)
        assert "1 extracted, 0 cached" in again.stdout and "unchanged" in again.stdout
        assert again.stdout.split(" build ")[1].split()[0] == first.stdout.split(" build ")[1].split()[0]
        bad = _tally("run", "--raw", str(tmp_path / "missing"), "--warehouse", str(wh), env=env)
        assert bad.returncode == 2 and _served(wh) == 2 and "raw folder not found" in bad.stderr, bad.stderr
        other = _tally("run", "--raw", str(raw), "--warehouse", str(wh), "-v", env=env)  # other Prefect settings
        assert other.returncode == 0 and _served(wh) == 2 and "refused a run: other Prefect settings" in _log(wh)

        # a caller killed mid-run takes its forked run along; the published build stays
        slow = subprocess.Popen([str(BIN / "tally"), "run", "--raw", str(raw), "--warehouse", str(wh), "--no-cache"],
                                env={**env, "TALLY_TEST_PUBLISH_DELAY": "3"}, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while _served(wh) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        child = int(_log(wh).rsplit(": run ", 1)[1].split(":")[0])
        time.sleep(1.5)
        slow.kill()
        slow.wait()
        assert _gone(child), "the forked run outlived its killed caller"
        assert (wh / "current").resolve().is_dir()
        assert _pid_alive(runner)

        # a caller whose code differs (files edited since the runner started) is refused, and the runner exits
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(srv.state_dir(wh) / daemon.SOCKET))
            msg = {"argv": ["run", "--warehouse", str(wh)], "cwd": str(tmp_path), "env": env, "fingerprint": "old"}
            socket.send_fds(s, [json.dumps(msg).encode() + b"\n"], [0, 1, 2])
            assert "refused" in json.loads(s.makefile().readline())
        assert _gone(runner), "a stale runner stays"
        served = _served(wh)
        after = _tally("run", "--raw", str(raw), "--warehouse", str(wh), env=env)  # in its own process
        assert after.returncode == 0 and _served(wh) == served, after.stderr[-3000:]
        # the run right after it waits for the runner that run started (seconds from ready), rather than
        # importing everything again in its own process while the runner's imports take the other core
        assert daemon.listening(wh) is None and (daemon._record(wh) or {}).get("starting")
        right_after = _tally("run", "--raw", str(raw), "--warehouse", str(wh), env=env)
        assert right_after.returncode == 0 and _served(wh) == served + 1, right_after.stderr[-3000:] + _log(wh)
        fresh = _ready_runner(wh)
        assert fresh != runner
    finally:
        stop = _tally("server", "stop", "--warehouse", str(wh), env=env)
    assert stop.returncode == 0, stop.stderr
    assert _gone(fresh, 5) and not (srv.state_dir(wh) / daemon.SOCKET).exists() and daemon._record(wh) is None


def _pid_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
