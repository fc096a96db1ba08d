"""`tally serve`: register the tally-pipeline deployment on a schedule and serve it.

Scheduling needs a Prefect API server. With no PREFECT_API_URL, the warehouse's warm server is used
(flows/server.py; started if need be, left to stop after its idle time; with TALLY_SERVER_IDLE=0 a
server of its own, stopped again on exit). The deployment is
served by a child process (`python -m flows.serve --worker ...`); on SIGINT or SIGTERM the serve
process is stopped first, then the server (stopping the server first can leave serve hung).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

DEPLOYMENT = "tally"
FLOW = "tally-pipeline"
_STOP_TIMEOUT = 20.0


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
    """Use (or start) the warm API server, serve the deployment until SIGINT/SIGTERM, then stop cleanly."""
    from flows import server as srv

    warehouse.mkdir(parents=True, exist_ok=True)
    env = _base_env(warehouse)
    api = os.environ.get("PREFECT_API_URL")
    rec, own = None, False
    if not api:
        try:
            idle = srv.idle_seconds()
            # TALLY_SERVER_IDLE=0: a server of our own, stopped on exit (nothing lingers)
            rec, fresh = srv.start(warehouse, idle)
        except srv.ServerError as exc:
            print(f"tally serve: {exc}", file=sys.stderr)
            return 2
        own = idle == 0 and fresh
        api = rec.api_url
        print(f"{'started' if fresh else 'using'} prefect server (pid {rec.pid}) at {api}; UI {rec.ui_url}; "
              f"log {srv.state_dir(warehouse) / 'server.log'}", flush=True)
    worker_env = {**env, "PREFECT_API_URL": api, "PREFECT_HOME": str((warehouse / ".prefect").resolve())}
    worker = subprocess.Popen(
        [sys.executable, "-m", "flows.serve", "--worker", str(raw.resolve()), str(warehouse.resolve()), cron, name],
        env=worker_env, start_new_session=True)
    print(f"serving deployment '{FLOW}/{name}' (pid {worker.pid}) on schedule '{cron}' via {api}", flush=True)
    tally = Path(sys.executable).with_name("tally")
    print(f"run it now with: {tally} trigger --warehouse {warehouse.resolve()} --name {name}", flush=True)

    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    with (srv.heartbeat(warehouse, rec) if rec else _nothing()):
        while not stopping:
            if worker.poll() is not None:
                code = worker.returncode or 1
                print(f"tally serve: the serve process exited with code {worker.returncode}", file=sys.stderr)
                break
            if rec is not None and not srv.supervisor_alive(rec):
                code = 1
                print("tally serve: the prefect server exited", file=sys.stderr)
                break
            time.sleep(0.2)
    _stop(worker, "serve process")
    if own:
        srv.stop(warehouse)
        print(f"stopped prefect server (pid {rec.pid})", flush=True)
    elif rec is not None:
        print(f"left prefect server (pid {rec.pid}) running; it stops after {rec.idle} s idle "
              "(or `tally server stop`)", flush=True)
    return code


@contextmanager
def _nothing():
    yield


def _worker(raw: str, warehouse: str, cron: str, name: str) -> None:
    """Child process: register the deployment with its schedule and run scheduled flow runs."""
    from flows.pipeline import tally_pipeline

    tally_pipeline.serve(name=name, cron=cron, parameters={"raw": raw, "warehouse": warehouse})


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--worker":
        _worker(*sys.argv[2:])
    else:
        sys.exit("usage: python -m flows.serve --worker RAW WAREHOUSE CRON NAME")
