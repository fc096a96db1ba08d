"""The warm runner: a process next to the warm Prefect server that has already imported the pipeline, and
forks a child for each `tally run` (the pattern of Gradle's daemon, or a fork server).

Importing Prefect, pandas, Pandera and DuckDB and building the Pandera models costs about 2 s of every
`tally run`, more than the work of a small run. After a run that used the warm server, `tally run` starts
`python -m flows.daemon WAREHOUSE` in the background (state in WAREHOUSE/.prefect-server/: runner.sock,
runner.json). Later runs connect to its Unix socket and send their arguments, environment, working
directory and their standard input, output and error (the file descriptors themselves, SCM_RIGHTS); the
runner forks, and the child runs the same `tally run` command with them, so its output goes straight to
the caller's terminal or pipes, and its exit code comes back over the socket.

The runner is used only when it is certain to behave as a fresh process would:
- the code and data it imported are unchanged (a fingerprint of the project's files and lock file; a
  stale runner exits, and the run goes on in the calling process);
- the run's Prefect settings (read by Prefect at import) equal the runner's;
- the warm server it was started for is still the one in the record (else it exits).
Anything else, or any error on the socket, and `tally run` runs in its own process as before. Killing the
calling `tally run` kills its child (the child watches the socket); SIGINT and SIGTERM are passed on.
`tally server stop` stops the runner with the server. The runner only forks: it runs no flow itself and
starts no thread, so every child starts from the same clean state.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOCKET, RECORD = "runner.sock", "runner.json"
CHILD_ENV = "TALLY_RUNNER_CHILD"  # set in a child, so that its `tally run` never delegates again
_MAX_MESSAGE = 1 << 20


def _state(warehouse: Path) -> Path:
    from flows.server import state_dir

    return state_dir(warehouse)


def code_fingerprint(root: Path = ROOT) -> str:
    """Size and mtime of every file the runner imported from the project, and of the lock file and venv."""
    import sysconfig

    h = hashlib.sha256()
    # the site-packages folder's own mtime changes when a package is installed or removed
    files = [root / "pyproject.toml", root / "uv.lock", Path(sysconfig.get_paths()["purelib"])]
    for folder in ("flows", "tally", "schemas"):
        files += sorted(p for p in (root / folder).rglob("*") if p.suffix in (".py", ".yaml", ".yml", ".toml", ".json"))
    for p in files:
        try:
            st = p.stat()
        except OSError:
            continue
        h.update(f"{p.relative_to(root) if p.is_relative_to(root) else p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _run_options(argv: list[str]) -> tuple[Path, bool] | None:
    """(warehouse, verbose) of `tally run` arguments, or None when they are not a plain run."""
    if argv[:1] != ["run"] or any(a in ("--help", "-h") for a in argv):
        return None
    warehouse, verbose = Path("warehouse"), False
    args = iter(argv[1:])
    for a in args:
        if a == "--warehouse":
            warehouse = Path(next(args, "warehouse"))
        elif a.startswith("--warehouse="):
            warehouse = Path(a.split("=", 1)[1])
        elif a in ("-v", "--verbose"):
            verbose = True
    return warehouse, verbose


def _usable(warehouse: Path, environ: dict[str, str] | None = None) -> bool:
    """Whether runs of this warehouse use the warm server (the runner's only setting), in `environ`."""
    from flows import server as srv

    env = os.environ if environ is None else environ
    if env.get(CHILD_ENV) or env.get("PREFECT_API_URL"):
        return False
    try:
        return srv.idle_seconds(env.get("TALLY_SERVER_IDLE")) > 0
    except srv.ServerError:
        return False


# --- the calling side ----------------------------------------------------------------------------------

def delegate(argv: list[str]) -> int | None:
    """Run `tally ARGV` in the warm runner's child and return its exit code; None when the runner cannot
    take it (then the caller runs it itself)."""
    opts = _run_options(argv)
    if opts is None or not _usable(opts[0]):
        return None
    path = _state(opts[0]) / SOCKET
    if not path.exists() and not _wait_for_start(opts[0], path):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(5)
        sock.connect(str(path))
        msg = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "fingerprint": code_fingerprint()}
        socket.send_fds(sock, [json.dumps(msg).encode() + b"\n"], [0, 1, 2])
        reply, rest = _read_line(sock)
    except (OSError, ValueError):
        sock.close()
        return None
    if not reply.get("pid"):
        sock.close()
        return None  # refused (stale code, other settings): run here
    return _follow(sock, int(reply["pid"]), rest)


# How long a run waits for a runner that is still starting (it is ready ~2.5 s after the previous run ended):
# running here instead would import the same libraries while the runner's imports take the other core.
STARTING_WAIT = 10.0


def _wait_for_start(warehouse: Path, path: Path) -> bool:
    """Whether the runner that is starting (its record says so and names a live pid) bound its socket in time."""
    deadline = time.monotonic() + STARTING_WAIT
    while time.monotonic() < deadline:
        rec = _record(warehouse) or {}
        if not rec.get("starting") or not _pid_alive(int(rec.get("pid", 0))):
            return path.exists()
        if path.exists():
            return True
        time.sleep(0.05)
    return False


def _read_line(sock: socket.socket) -> tuple[dict, bytes]:
    """One JSON line from the socket, and what came after it (ValueError when the peer closes first)."""
    buf = b""
    while b"\n" not in buf:
        chunk = sock.recv(4096)
        if not chunk or len(buf) > _MAX_MESSAGE:
            raise ValueError("connection closed")
        buf += chunk
    line, rest = buf.split(b"\n", 1)
    return json.loads(line), rest


def _follow(sock: socket.socket, pid: int, buf: bytes = b"") -> int:
    """Pass SIGINT/SIGTERM/SIGHUP on to the child and wait for its exit code and its end."""
    def forward(signum, _frame) -> None:
        try:
            os.kill(pid, signum)
        except OSError:
            pass

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, forward)
    sock.settimeout(None)
    code = None
    try:
        while True:
            if code is None and b"\n" in buf:
                code = int(json.loads(buf.split(b"\n", 1)[0]).get("exit", 1))
            chunk = sock.recv(4096)
            if not chunk:
                break  # the child has exited (its end of the socket closes with it)
            buf += chunk
    except (OSError, ValueError):
        pass
    finally:
        sock.close()
    if code is None:
        print("tally run: the warm runner's process ended without an exit code (killed?)", file=sys.stderr)
        return 1
    return code


def start_in_background(argv: list[str], environ: dict[str, str]) -> None:
    """After a run that used the warm server: start its runner, unless one is up (never fails the run).
    environ: the run's environment as it was given (before the run set Prefect's variables)."""
    opts = _run_options(argv)
    if opts is None or not _usable(opts[0], environ):
        return
    from flows import server as srv

    warehouse = opts[0]
    rec = srv.read_record(warehouse)
    if rec is None or not srv.supervisor_alive(rec) or _alive(warehouse):
        return
    try:
        log = open(_state(warehouse) / "runner.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "flows.daemon", str(warehouse.resolve())],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                cwd=str(ROOT), env=environ)
        log.close()
        if not _alive(warehouse):  # say at once that it is starting, so a run right after this one waits for it
            (_state(warehouse) / RECORD).write_text(json.dumps({"pid": proc.pid, "starting": True}) + "\n",
                                                    encoding="utf-8")
    except OSError:
        pass


def _record(warehouse: Path) -> dict | None:
    try:
        return json.loads((_state(warehouse) / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _alive(warehouse: Path) -> bool:
    """Whether a runner process of this warehouse lives (or is starting: its record names a live pid)."""
    rec = _record(warehouse)
    return bool(rec and _pid_alive(int(rec.get("pid", 0))))


def listening(warehouse: Path) -> int | None:
    """The pid of this warehouse's runner once it is ready for runs (record written, socket bound), else None."""
    rec = _record(warehouse) or {}
    return int(rec["pid"]) if rec.get("api_url") and (_state(warehouse) / SOCKET).exists() else None


def stop(warehouse: Path, timeout: float = 10.0) -> None:
    """Stop this warehouse's runner (SIGTERM, then SIGKILL); runs it forked are left to end."""
    rec = _record(warehouse)
    pid = int(rec.get("pid", 0)) if rec else 0
    if pid and _pid_alive(pid):
        try:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for name in (SOCKET, RECORD):
        (_state(warehouse) / name).unlink(missing_ok=True)


# --- the runner process --------------------------------------------------------------------------------

def _preload() -> None:
    """Import what every run needs and build what it builds first (nothing that starts a thread)."""
    import flows.cli  # noqa: F401
    import flows.pipeline  # noqa: F401
    import tally.publish.dimensions  # noqa: F401
    import tally.publish.warehouse  # noqa: F401
    from schemas import tables
    from tally.resolve.indicators import catalog
    from tally.workers import warm_up

    warm_up()  # the extraction's lexicons and compiled rules, which each run's worker processes then share
    for model in vars(tables).values():  # the Pandera models' schemas (built on first use: ~0.3 s)
        if isinstance(model, type) and hasattr(model, "to_schema") and model.__module__ == tables.__name__:
            try:
                model.to_schema()
            except Exception:
                pass
    catalog()


def serve(warehouse: Path) -> int:
    """The runner: preload, then fork a child per accepted run while the warm server it was started for lives."""
    from flows import server as srv
    from flows.settings import configure_prefect, prefect_env

    import fcntl

    rec = srv.read_record(warehouse)
    if rec is None or not srv.supervisor_alive(rec):
        return 0
    state = _state(warehouse)
    lock = open(state / "runner.lock", "a")  # held for the runner's life: one runner per warehouse
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return 0
    (state / RECORD).write_text(json.dumps({"pid": os.getpid(), "starting": True}) + "\n", encoding="utf-8")
    configure_prefect(warehouse, api_url=rec.api_url)
    settings = prefect_env(warehouse, api_url=rec.api_url)
    fingerprint = code_fingerprint()  # before the imports: a file edited meanwhile makes it stale, never fresh
    _preload()
    path = state / SOCKET
    path.unlink(missing_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    os.chmod(path, 0o600)
    server.listen(8)
    server.settimeout(1.0)
    (state / RECORD).write_text(json.dumps({"pid": os.getpid(), "api_url": rec.api_url, "supervisor": rec.pid,
                                            "fingerprint": fingerprint}) + "\n", encoding="utf-8")
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda s, _f: stopping.append(s))
    signal.signal(signal.SIGCHLD, lambda *_: _reap())
    print(f"runner {os.getpid()}: ready for {warehouse} (server {rec.api_url})", flush=True)
    try:
        while not stopping:
            if not _server_is(warehouse, rec.pid):
                print(f"runner {os.getpid()}: the warm server is gone; exiting", flush=True)
                break
            try:
                conn, _ = server.accept()
            except (socket.timeout, InterruptedError):
                continue
            taken = _take(conn, warehouse, rec.api_url, rec.pid, settings, fingerprint)
            if isinstance(taken, int) and not isinstance(taken, bool):
                return taken  # in a forked child, its run's exit code (the finally below is the runner's)
            if not taken:
                break  # stale: exit, the next run starts a fresh runner
    finally:
        server.close()
        if (_record(warehouse) or {}).get("pid") == os.getpid():
            path.unlink(missing_ok=True)
            (state / RECORD).unlink(missing_ok=True)
    return 0


def _reap() -> None:
    """Collect exited children (their exit codes went to their callers)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _server_is(warehouse: Path, supervisor: int) -> bool:
    """Whether the warehouse's warm server is still the one this runner was started for, and alive."""
    from flows import server as srv

    now = srv.read_record(warehouse)
    return now is not None and now.pid == supervisor and srv.supervisor_alive(now)


def _take(conn: socket.socket, warehouse: Path, api_url: str, supervisor: int, settings: dict,
          fingerprint: str) -> bool | int:
    """Answer one caller: fork a child for its run, or refuse it. False when this runner is stale; in the
    forked child, the exit code of the run it ran (an int)."""
    from flows.settings import prefect_env

    fds: list[int] = []
    child = False
    try:
        conn.settimeout(5)
        data, fds, _, _ = socket.recv_fds(conn, _MAX_MESSAGE, 3)
        while not data.endswith(b"\n") and len(data) < _MAX_MESSAGE:
            more = conn.recv(_MAX_MESSAGE)
            if not more:
                break
            data += more
        msg = json.loads(data)
        argv, cwd, env = list(msg["argv"]), str(msg["cwd"]), dict(msg["env"])
        opts = _run_options(argv)
        if msg.get("fingerprint") != fingerprint:
            _refuse(conn, "the project's code changed since the runner started")
            return False
        if len(fds) != 3 or opts is None:
            _refuse(conn, "not a run")
            return True
        wh = opts[0] if opts[0].is_absolute() else Path(cwd) / opts[0]
        if wh.resolve() != warehouse.resolve():
            _refuse(conn, "another warehouse")
            return True
        if prefect_env(wh, opts[1], api_url, env) != settings:
            _refuse(conn, "other Prefect settings")
            return True
        if not _server_is(warehouse, supervisor):
            _refuse(conn, "the warm server it was started for is gone")
            return False
        pid = os.fork()
        if pid == 0:
            child = True
            return _child(conn, fds, argv, cwd, env)
        print(f"runner {os.getpid()}: run {pid}: tally {' '.join(argv)}", flush=True)
    except (OSError, ValueError, KeyError, TypeError):
        if child:
            raise
    finally:
        if not child:  # the child keeps the socket: its caller waits for it to close
            for fd in fds:
                os.close(fd)
            conn.close()
    return True


def _refuse(conn: socket.socket, reason: str) -> None:
    """Tell the caller to run it itself, and why (in the runner's log too)."""
    print(f"runner {os.getpid()}: refused a run: {reason}", flush=True)
    try:
        conn.sendall(json.dumps({"refused": reason}).encode() + b"\n")
    except OSError:
        pass


def _child(conn: socket.socket, fds: list[int], argv: list[str], cwd: str, env: dict[str, str]) -> int:
    """In the forked child: become the caller's `tally run` (its terminal, directory, environment), run it
    and send the exit code. Returned up to __main__, which exits normally, so that Prefect sends its last
    events and logs (at exit); the socket closes when the process ends."""
    import threading

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    os.environ[CHILD_ENV] = "1"
    time.tzset()  # the caller's TZ
    sys.stdout.reconfigure(line_buffering=sys.stdout.isatty())  # the caller's terminal, not the runner's log
    sys.stderr.reconfigure(line_buffering=True)
    sys.argv = ["tally", *argv]
    conn.settimeout(None)

    def watch() -> None:
        """The caller died (killed: its end of the socket closed): die with it, as one process would."""
        try:
            while conn.recv(1):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="tally-runner-caller", daemon=True).start()
    import flows.cli as cli
    from flows import console

    console.reset()  # consoles made for this terminal, not the runner's log
    code = 1
    try:
        cli.app(args=argv, prog_name="tally")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
        except OSError:
            pass
    return code


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m flows.daemon WAREHOUSE")
    sys.exit(serve(Path(sys.argv[1])))
