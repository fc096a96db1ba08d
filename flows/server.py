"""A warm local Prefect API server for repeated runs (the pattern of Gradle's daemon or Bazel's server).

The first `tally run` (or `tally server start`, `tally serve`) starts a small supervisor process,
`python -m flows.server supervise WAREHOUSE PORT IDLE`, in a session of its own. The supervisor starts
`prefect server start` on 127.0.0.1:PORT (UI on, state in WAREHOUSE/.prefect-server/) as its child and
owns it: it stops the server and exits when the server dies, on SIGTERM/SIGINT (`tally server stop`),
or when no run has touched the record WAREHOUSE/.prefect-server/server.json for IDLE seconds. Later
runs find the record, check that its supervisor is alive and that the API answers /api/health, touch
the record and use the server. A stale record (dead supervisor, or a port answered by something else)
is replaced by a fresh server.

TALLY_SERVER_IDLE is in seconds (a suffix `m` means minutes: `15m`); the default is 900 (15 minutes);
`0` means never linger: each run uses Prefect's temporary in-process server, as before.
"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

IDLE_DEFAULT = 900
HEALTH_TIMEOUT = 120.0
_STOP_TIMEOUT = 20.0
_POLL = 1.0


class ServerError(RuntimeError):
    """The warm server could not be started, found or stopped (message is one line)."""


@dataclass
class Record:
    """What server.json holds: the supervisor's PID (leader of its process group), port and URLs."""

    pid: int
    port: int
    api_url: str
    ui_url: str
    idle: int
    started: float

    def age(self) -> float:
        """Seconds since the server was started."""
        return time.time() - self.started


def idle_seconds(value: str | None = None) -> int:
    """TALLY_SERVER_IDLE in seconds (`15m` = minutes); default 900; 0 = no warm server."""
    raw = (os.environ.get("TALLY_SERVER_IDLE") if value is None else value)
    if raw is None or raw.strip() == "":
        return IDLE_DEFAULT
    text = raw.strip().lower()
    scale = 60 if text.endswith("m") else 1
    try:
        n = float(text.rstrip("ms"))
    except ValueError:
        raise ServerError(f"TALLY_SERVER_IDLE={raw!r}: expected seconds (900) or minutes (15m)") from None
    if n < 0:
        raise ServerError(f"TALLY_SERVER_IDLE={raw!r}: must not be negative")
    return int(n * scale)


def state_dir(warehouse: Path) -> Path:
    """WAREHOUSE/.prefect-server: the server's Prefect home, its log and the record."""
    return (warehouse / ".prefect-server").resolve()


def record_path(warehouse: Path) -> Path:
    """WAREHOUSE/.prefect-server/server.json."""
    return state_dir(warehouse) / "server.json"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port."""
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether GET {api_url}/health answers 200 with `true` (a Prefect API, not just any listener)."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as r:
            return r.status == 200 and r.read(64).strip() == b"true"
    except (urllib.error.URLError, OSError, ValueError):
        return False


def read_record(warehouse: Path) -> Record | None:
    """The record, or None when there is none or it cannot be read."""
    try:
        return Record(**json.loads(record_path(warehouse).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def touch(warehouse: Path) -> None:
    """Mark the server as used now (the supervisor's idle clock restarts)."""
    try:
        os.utime(record_path(warehouse))
    except OSError:
        pass


def supervisor_alive(rec: Record) -> bool:
    """Whether rec.pid is still our supervisor for rec.port (not a dead or reused PID)."""
    try:
        cmd = Path(f"/proc/{rec.pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        try:
            os.kill(rec.pid, 0)
        except OSError:
            return False
        return True  # no /proc (not Linux): trust the PID
    return b"flows.server" in cmd and b"supervise" in cmd and str(rec.port).encode() in cmd


def state(warehouse: Path) -> tuple[Record | None, str]:
    """(record, one of 'none', 'running', 'starting', 'stale')."""
    rec = read_record(warehouse)
    if rec is None:
        return None, "none"
    if not supervisor_alive(rec):
        return rec, "stale"
    if healthy(rec.api_url):
        return rec, "running"
    return rec, "starting" if rec.age() < HEALTH_TIMEOUT else "stale"


@contextmanager
def _locked(warehouse: Path) -> Iterator[None]:
    """Serialise find-or-start between concurrent runs on the same warehouse."""
    d = state_dir(warehouse)
    d.mkdir(parents=True, exist_ok=True)
    with open(d / "lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ensure(warehouse: Path, idle: int | None = None) -> tuple[Record, bool]:
    """The warm server's record, starting one if there is none (returns at once; see wait()).

    Returns (record, started_now). A stale record is cleaned up and replaced.
    """
    idle = idle_seconds() if idle is None else idle
    with _locked(warehouse):
        rec, st = state(warehouse)
        if st in ("running", "starting"):
            touch(warehouse)
            return rec, False
        if rec is not None:
            _terminate(rec)
        return _spawn(warehouse, idle), True


def _spawn(warehouse: Path, idle: int) -> Record:
    """Start the supervisor (which starts the server) and write the record."""
    d = state_dir(warehouse)
    port = free_port()
    log = open(d / "server.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "flows.server", "supervise", str(warehouse.resolve()), str(port),
                             str(idle)], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, env=_server_env(d), cwd=str(Path(__file__).resolve().parent.parent))
    log.close()
    deadline = time.monotonic() + 10
    probe = Record(proc.pid, port, "", "", idle, 0.0)
    while proc.poll() is None and not supervisor_alive(probe) and time.monotonic() < deadline:
        time.sleep(0.01)  # until the child has exec'd (its cmdline is ours until then)
    rec = Record(proc.pid, port, f"http://127.0.0.1:{port}/api", f"http://127.0.0.1:{port}", idle, time.time())
    tmp = record_path(warehouse).with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(rec)) + "\n", encoding="utf-8")
    tmp.replace(record_path(warehouse))
    return rec


def _server_env(home: Path) -> dict[str, str]:
    """The server's environment: its own Prefect home, no telemetry, never a client of another API."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_SERVER_UI_ENABLED="true",
               PREFECT_LOGGING_LEVEL=env.get("PREFECT_LOGGING_LEVEL", "WARNING"))
    return env


def wait(rec: Record, timeout: float = HEALTH_TIMEOUT) -> None:
    """Block until the server answers /api/health; ServerError if its supervisor dies or time runs out."""
    deadline = rec.started + timeout
    while True:
        if healthy(rec.api_url):
            return
        if not supervisor_alive(rec):
            raise ServerError(f"the local Prefect server (port {rec.port}) exited before it was healthy")
        if time.time() > deadline:
            raise ServerError(f"the local Prefect server at {rec.api_url} was not healthy after {timeout:.0f} s")
        time.sleep(0.2)


def start(warehouse: Path, idle: int | None = None, attempts: int = 2) -> tuple[Record, bool]:
    """ensure() then wait(); one retry with a new port if the server died while starting."""
    for i in range(attempts):
        rec, fresh = ensure(warehouse, idle)
        try:
            wait(rec)
            return rec, fresh
        except ServerError:
            if i == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _descendants(pid: int) -> list:
    """psutil processes under pid (empty when it is gone)."""
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _terminate(rec: Record) -> None:
    """Stop the supervisor and everything under it: SIGTERM, then SIGKILL after a grace period."""
    import psutil

    procs = _descendants(rec.pid) if supervisor_alive(rec) else []
    if supervisor_alive(rec):
        try:
            procs.insert(0, psutil.Process(rec.pid))
            os.kill(rec.pid, signal.SIGTERM)
        except (OSError, psutil.Error):
            pass
    _, alive = psutil.wait_procs(procs, timeout=_STOP_TIMEOUT + 5)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=5)


def stop(warehouse: Path) -> Record | None:
    """Stop the warm server of this warehouse, leaving no process behind; returns the record it stopped."""
    from flows import daemon

    with _locked(warehouse):
        daemon.stop(warehouse)  # the warm runner (flows/daemon.py) goes with the server
        rec = read_record(warehouse)
        if rec is None:
            return None
        _terminate(rec)
        deadline = time.monotonic() + 10
        while port_open(rec.port) and time.monotonic() < deadline:
            time.sleep(0.2)
        record_path(warehouse).unlink(missing_ok=True)
        return rec


@contextmanager
def heartbeat(warehouse: Path, rec: Record | None = None, on_lost=None, every: float = 30.0) -> Iterator[None]:
    """Touch the record every `every` seconds while a run or `tally serve` uses the server; with rec and
    on_lost, also check each second that its supervisor lives and call on_lost() once if it does not."""
    done = threading.Event()
    if rec is not None and rec.idle:
        every = max(1.0, min(every, rec.idle / 3))  # well inside the idle limit, however short

    def beat() -> None:
        last = time.monotonic()
        while not done.wait(1.0):
            if rec is not None and on_lost is not None and not supervisor_alive(rec):
                on_lost()
                return
            if time.monotonic() - last >= every:
                touch(warehouse)
                last = time.monotonic()

    t = threading.Thread(target=beat, name="tally-server-heartbeat", daemon=True)
    touch(warehouse)
    t.start()
    try:
        yield
    finally:
        done.set()
        touch(warehouse)


# --- the supervisor process ------------------------------------------------------------------------------

def _die_with_parent() -> None:
    """In the server child: get SIGTERM if the supervisor dies, even by SIGKILL (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def supervise(warehouse: Path, port: int, idle: int) -> int:
    """Own `prefect server start` on 127.0.0.1:port; stop it when idle, signalled, or when it dies."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append("SIGTERM"))
    signal.signal(signal.SIGINT, lambda *_: stopping.append("SIGINT"))
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port), "--ui"],
                              stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    _log(f"supervisor {os.getpid()}: prefect server pid {server.pid} on port {port}, idle limit {idle} s")
    reason, code, ready_at = "", 0, None
    api = f"http://127.0.0.1:{port}/api"
    while not reason:
        if stopping:
            reason = stopping[0]
        elif server.poll() is not None:
            reason, code = f"the server exited with code {server.returncode}", 1
        elif ready_at is None:  # the idle clock starts once the server is healthy
            ready_at = time.time() if healthy(api, 1.0) else None
            time.sleep(0 if ready_at else _POLL / 2)
        elif idle and min(_idle_for(warehouse), time.time() - ready_at) > idle:
            reason = f"idle for {idle} s"
        else:
            time.sleep(_POLL)
    _log(f"supervisor {os.getpid()}: stopping ({reason})")
    _stop_child(server)
    rec = read_record(warehouse)
    if rec is not None and rec.pid == os.getpid():
        record_path(warehouse).unlink(missing_ok=True)
    return code


def _idle_for(warehouse: Path) -> float:
    """Seconds since a run last touched the record (a missing record counts as idle for ever)."""
    try:
        return time.time() - record_path(warehouse).stat().st_mtime
    except OSError:
        return float("inf")


def _stop_child(proc: subprocess.Popen) -> None:
    """SIGTERM the server and its children, SIGKILL whatever is left after the grace period."""
    import psutil

    procs = [psutil.Process(proc.pid)] + _descendants(proc.pid) if proc.poll() is None else _descendants(proc.pid)
    for p in procs:
        try:
            p.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=_STOP_TIMEOUT)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    proc.wait()


def _log(msg: str) -> None:
    print(time.strftime("%Y-%m-%d %H:%M:%S ") + msg, flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "supervise":
        sys.exit(supervise(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
    sys.exit("usage: python -m flows.server supervise WAREHOUSE PORT IDLE_SECONDS")
