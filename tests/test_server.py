"""The warm local Prefect server (flows/server.py): found, reused, replaced when stale, stopped by
`tally server stop` or after its idle time with no process left, and a run that loses it mid-run."""
from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from flows import server as srv

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _env(tmp: Path, idle: str = "600", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return {**env, "HOME": str(tmp), "TALLY_SERVER_IDLE": idle, **extra}


def _tally(*args: str, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "tally"), *args], env=env, capture_output=True, text=True, timeout=timeout)


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root] + root.children(recursive=True)


def _gone(procs: list[psutil.Process], timeout: float = 30) -> bool:
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    return not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


def _flow_runs(api: str) -> int:
    req = urllib.request.Request(f"{api}/flow_runs/count", data=b"{}", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return int(r.read())


@pytest.fixture()
def raw(tmp_path) -> Path:
    d = tmp_path / "raw"
    shutil.copytree(ROOT / "raw", d)
    return d


@pytest.fixture()
def cleanup(tmp_path):
    """Whatever a test starts under tmp_path/wh*, nothing outlives it."""
    yield
    for wh in tmp_path.glob("wh*"):
        rec = srv.read_record(wh)
        if rec is not None:
            srv.stop(wh)


def test_idle_setting_is_seconds_or_minutes():
    assert srv.idle_seconds("") == srv.IDLE_DEFAULT == 900
    assert srv.idle_seconds("0") == 0 and srv.idle_seconds("45") == 45 and srv.idle_seconds("15m") == 900
    with pytest.raises(srv.ServerError, match="TALLY_SERVER_IDLE"):
        srv.idle_seconds("soon")
    with pytest.raises(srv.ServerError, match="negative"):
        srv.idle_seconds("-5")


def test_stale_records_are_recognised(tmp_path):
    wh = tmp_path / "wh"
    srv.state_dir(wh).mkdir(parents=True)
    assert srv.state(wh) == (None, "none")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with socket.socket() as other:  # something else answers on the recorded port
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        rec = srv.Record(dead.pid, port, f"http://127.0.0.1:{port}/api", f"http://127.0.0.1:{port}", 60, time.time())
        srv.record_path(wh).write_text(json.dumps(rec.__dict__), encoding="utf-8")
        assert srv.state(wh)[1] == "stale"
        # a live PID that is not our supervisor (PID reuse) is stale too
        srv.record_path(wh).write_text(json.dumps({**rec.__dict__, "pid": os.getpid()}), encoding="utf-8")
        assert srv.state(wh)[1] == "stale"
        assert not srv.healthy(rec.api_url, 0.5)


@pytest.mark.slow
def test_cli_without_warm_server_when_idle_is_zero(raw, tmp_path):
    r = _tally("run", "--raw", str(raw), "--warehouse", str(tmp_path / "wh"), env=_env(tmp_path, "0"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert srv.read_record(tmp_path / "wh") is None and not (tmp_path / "wh" / ".prefect-server").exists()


@pytest.mark.slow
def test_runs_reuse_the_warm_server_and_stop_leaves_nothing(raw, tmp_path, cleanup):
    wh, env = tmp_path / "wh", _env(tmp_path)
    r = _tally("run", "--raw", str(raw), "--warehouse", str(wh), env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    rec = srv.read_record(wh)
    assert rec is not None and srv.state(wh)[1] == "running"
    assert _flow_runs(rec.api_url) == 1  # the run reported to the warm server
    with urllib.request.urlopen(rec.ui_url, timeout=10) as ui:  # the UI is served
        assert ui.status == 200 and b"<html" in ui.read(2000).lower()
    r2 = _tally("run", "--raw", str(raw), "--warehouse", str(wh), "--no-cache", env=env)
    assert r2.returncode == 0, r2.stderr[-3000:]
    assert srv.read_record(wh).pid == rec.pid and _flow_runs(rec.api_url) == 2
    status = _tally("server", "status", "--warehouse", str(wh), env=env)
    assert status.returncode == 0 and rec.api_url in status.stdout and rec.ui_url in status.stdout
    procs = _tree(rec.pid)
    assert len(procs) >= 2  # the supervisor and the server under it
    stop = _tally("server", "stop", "--warehouse", str(wh), env=env)
    assert stop.returncode == 0 and f"pid {rec.pid}" in stop.stdout
    assert _gone(procs, 5)  # stop returns only when every process is gone
    assert not srv.port_open(rec.port) and srv.read_record(wh) is None
    assert _tally("server", "status", "--warehouse", str(wh), env=env).returncode == 1


@pytest.mark.slow
def test_server_stops_by_itself_when_idle(tmp_path, cleanup):
    wh, env = tmp_path / "wh", _env(tmp_path)
    r = _tally("server", "start", "--warehouse", str(wh), "--idle", "4", env=env)
    assert r.returncode == 0 and "server started" in r.stdout, r.stderr
    rec = srv.read_record(wh)
    procs = _tree(rec.pid)
    assert _gone(procs, 60), [p.cmdline() for p in procs if p.is_running()]
    assert srv.read_record(wh) is None and not srv.port_open(rec.port)
    assert "stopping (idle for 4 s)" in (srv.state_dir(wh) / "server.log").read_text()


@pytest.mark.slow
def test_killing_the_server_mid_run_fails_that_run_in_one_line_and_the_next_starts_afresh(raw, tmp_path, cleanup):
    wh, env = tmp_path / "wh", _env(tmp_path)
    assert _tally("server", "start", "--warehouse", str(wh), env=env).returncode == 0
    old = srv.read_record(wh)
    server_pid = psutil.Process(old.pid).children()[0].pid
    # publishing sleeps 4 x 3 s, so the run is surely in flight when the server is killed
    run = subprocess.Popen([str(BIN / "tally"), "run", "--raw", str(raw), "--warehouse", str(wh)],
                           env={**env, "TALLY_TEST_PUBLISH_DELAY": "3"}, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while _flow_runs(old.api_url) == 0 and time.monotonic() < deadline:
        time.sleep(0.3)
    time.sleep(2)
    os.kill(server_pid, signal.SIGKILL)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 1, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "stopped during the run" in lines[0] and old.api_url in lines[0], err
    assert srv.state(wh)[1] in ("none", "stale")
    r = _tally("run", "--raw", str(raw), "--warehouse", str(wh), env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    new = srv.read_record(wh)
    # a fresh server on the same state (the SQLite database under the warehouse keeps the lost run too)
    assert new.pid != old.pid and srv.state(wh)[1] == "running" and _flow_runs(new.api_url) == 2


@pytest.mark.slow
def test_serve_uses_the_warm_server_and_its_trigger_command_works_as_printed(raw, tmp_path, cleanup):
    wh, env = tmp_path / "wh", _env(tmp_path)
    assert _tally("server", "start", "--warehouse", str(wh), env=env).returncode == 0
    rec = srv.read_record(wh)
    log = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen([str(BIN / "tally"), "serve", "--raw", str(raw), "--warehouse", str(wh)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        cmd, deadline = None, time.monotonic() + 120
        while cmd is None and time.monotonic() < deadline:
            text = (tmp_path / "serve.log").read_text()
            assert proc.poll() is None, text
            if "run it now with: " in text:
                cmd = text.split("run it now with: ", 1)[1].splitlines()[0]
            time.sleep(0.3)
        assert cmd and rec.api_url in text, text
        plain = {k: v for k, v in env.items() if k != "PATH"}  # as printed: no venv on PATH, no Prefect settings
        for _ in range(60):  # the deployment registers a few seconds after serve starts
            r = subprocess.run(shlex.split(cmd), env=plain, capture_output=True, text=True, timeout=300, cwd=tmp_path)
            if "not found" not in (r.stdout + r.stderr).lower():
                break
            time.sleep(1)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
        assert "Completed" in r.stdout and (wh / "current").is_symlink()
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        code = proc.wait(60)
    assert code == 0, (tmp_path / "serve.log").read_text()[-3000:]
    assert srv.state(wh)[1] == "running" and srv.read_record(wh).pid == rec.pid  # left for the next run


@pytest.mark.slow
def test_stale_record_is_replaced_and_a_killed_supervisor_takes_its_server_along(tmp_path, cleanup):
    wh, env = tmp_path / "wh", _env(tmp_path)
    srv.state_dir(wh).mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        stale = srv.Record(dead.pid, port, f"http://127.0.0.1:{port}/api", f"http://127.0.0.1:{port}", 60, time.time())
        srv.record_path(wh).write_text(json.dumps(stale.__dict__), encoding="utf-8")
        r = _tally("server", "start", "--warehouse", str(wh), env=env)
        assert r.returncode == 0 and "server started" in r.stdout, r.stdout + r.stderr
        rec = srv.read_record(wh)
        assert rec.port != port and srv.state(wh)[1] == "running"
    procs = _tree(rec.pid)
    os.kill(rec.pid, signal.SIGKILL)  # the server gets SIGTERM when its supervisor dies (PR_SET_PDEATHSIG)
    assert _gone(procs, 40), [p.cmdline() for p in procs if p.is_running()]
    assert srv.state(wh)[1] == "stale" and not srv.port_open(rec.port)
