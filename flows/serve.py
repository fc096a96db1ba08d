"""`tally serve`: register the tally-pipeline deployment on a schedule and serve it.

Scheduling needs a Prefect API server. With no PREFECT_API_URL, a local `prefect server` is started on
127.0.0.1 (a free port, state under the warehouse folder) and stopped again on exit. The deployment is
served by a child process (`python -m flows.serve --worker ...`); on SIGINT or SIGTERM the serve
process is stopped first, then the server (stopping the server first can leave serve hung).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

DEPLOYMENT = "tally"
FLOW = "tally-pipeline"
_STOP_TIMEOUT = 20.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(api_url: str, timeout: float = 90.0, proc: subprocess.Popen | None = None) -> None:
    """Poll the API's health endpoint until it answers, the process dies, or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"prefect server exited with code {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"prefect server at {api_url} not healthy after {timeout:.0f} s")


def _stop(proc: subprocess.Popen | None, name: str) -> None:
    """Terminate a child (its whole process group), escalating to SIGKILL after a grace period."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass
    print(f"stopped {name} (pid {proc.pid})", flush=True)


def _base_env(warehouse: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    return env


def serve(raw: Path, warehouse: Path, cron: str, name: str = DEPLOYMENT) -> int:
    """Start (or use) an API server, serve the deployment until SIGINT/SIGTERM, then stop cleanly."""
    warehouse.mkdir(parents=True, exist_ok=True)
    env = _base_env(warehouse)
    server = None
    api = os.environ.get("PREFECT_API_URL")
    log_dir = warehouse / ".prefect-server"
    log_dir.mkdir(parents=True, exist_ok=True)
    if not api:
        port = free_port()
        api = f"http://127.0.0.1:{port}/api"
        server_env = {**env, "PREFECT_HOME": str(log_dir.resolve()), "PREFECT_UI_ENABLED": "false"}
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
            env=server_env, stdout=open(log_dir / "server.log", "ab"), stderr=subprocess.STDOUT,
            start_new_session=True)
        print(f"started prefect server (pid {server.pid}) at {api}; log {log_dir / 'server.log'}", flush=True)
        try:
            wait_healthy(api, proc=server)
        except (RuntimeError, TimeoutError) as exc:
            _stop(server, "prefect server")
            print(f"tally serve: {exc}", file=sys.stderr)
            return 2
    worker_env = {**env, "PREFECT_API_URL": api, "PREFECT_HOME": str((warehouse / ".prefect").resolve())}
    worker = subprocess.Popen(
        [sys.executable, "-m", "flows.serve", "--worker", str(raw.resolve()), str(warehouse.resolve()), cron, name],
        env=worker_env, start_new_session=True)
    print(f"serving deployment '{FLOW}/{name}' (pid {worker.pid}) on schedule '{cron}' via {api}", flush=True)
    print(f"run it now with: PREFECT_API_URL={api} prefect deployment run '{FLOW}/{name}' --watch", flush=True)

    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    while not stopping:
        if worker.poll() is not None:
            code = worker.returncode or 1
            print(f"tally serve: the serve process exited with code {worker.returncode}", file=sys.stderr)
            break
        if server is not None and server.poll() is not None:
            code = server.returncode or 1
            print(f"tally serve: the prefect server exited with code {server.returncode}", file=sys.stderr)
            break
        time.sleep(0.2)
    _stop(worker, "serve process")
    _stop(server, "prefect server")
    return code


def _worker(raw: str, warehouse: str, cron: str, name: str) -> None:
    """Child process: register the deployment with its schedule and run scheduled flow runs."""
    from flows.pipeline import tally_pipeline

    tally_pipeline.serve(name=name, cron=cron, parameters={"raw": raw, "warehouse": warehouse})


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--worker":
        _worker(*sys.argv[2:])
    else:
        sys.exit("usage: python -m flows.serve --worker RAW WAREHOUSE CRON NAME")
