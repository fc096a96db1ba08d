"""Wall time and peak memory of `tally run` on the seed, cold and with the warm Prefect server.

Prints, each in a fresh process:
- today's cold run (TALLY_SERVER_IDLE=0: Prefect's temporary in-process server), for comparison;
- a cold run that starts the warm server (fresh warehouse, no server up);
- a warm run: server and runner (flows/daemon.py) already up, the document re-extracted (`--no-cache`);
- a warm no-change run;
- an empty Prefect flow run, against the warm server and against a temporary server.
Targets: warm runs <= 3 s wall; the cold run no worse than today's. The warm server is stopped at the end.
The machine may be shared: run it twice and read the spread.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from procs import measure  # noqa: E402

from flows import daemon  # noqa: E402
from flows import server as srv  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

EMPTY_FLOW = """
from prefect import flow
@flow(name="empty")
def empty():
    return 1
empty()
"""


def _line(label: str, m, summary: bool = True) -> None:
    print(f"{label}: {m.seconds:.1f} s wall, peak {m.peak_mib:.0f} MiB (process tree), exit {m.returncode}")
    if summary:
        print("    " + (m.stdout.strip() or m.stderr.strip()[-500:]).replace("\n", " "))


def _wait_for_runner(wh: Path, timeout: float = 60) -> str:
    """Wait until the warm runner (flows/daemon.py) the cold run started listens; its pid, or why not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (pid := daemon.listening(wh)) is not None:
            return f"pid {pid} (runs are forked from it; their memory is not in the caller's tree)"
        time.sleep(0.2)
    return "not started (runs go in their own process)"


def main() -> None:
    """Run the measurements and print one line each."""
    work = Path(tempfile.mkdtemp(prefix="tally-bench-"))
    shutil.copytree(ROOT / "raw", work / "raw")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"HOME": str(work), "TALLY_SERVER_IDLE": "600"}
    wh = work / "wh"
    run = [str(BIN / "tally"), "run", "--raw", str(work / "raw")]
    try:
        _line("today: cold tally run, temporary Prefect server (TALLY_SERVER_IDLE=0)",
              measure(run + ["--warehouse", str(work / "wh-today")], {**env, "TALLY_SERVER_IDLE": "0"}))
        _line("cold tally run, starts the warm server", measure(run + ["--warehouse", str(wh)], env))
        rec = srv.read_record(wh)
        print(f"    warm server: {srv.state(wh)[1]}, pid {rec.pid if rec else None}, UI {rec.ui_url if rec else None}")
        print(f"    warm runner: {_wait_for_runner(wh)}")
        for i in (1, 2):
            _line(f"warm tally run --no-cache ({i})", measure(run + ["--warehouse", str(wh), "--no-cache"], env))
        for i in (1, 2):
            _line(f"warm no-change tally run ({i})", measure(run + ["--warehouse", str(wh)], env))
        flow_env = {**env, "PREFECT_HOME": str(work / "empty-prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                    "PREFECT_LOGGING_LEVEL": "WARNING"}
        if rec:
            _line("empty Prefect flow run, warm server", measure([sys.executable, "-c", EMPTY_FLOW],
                                                               {**flow_env, "PREFECT_API_URL": rec.api_url}), False)
        _line("empty Prefect flow run, temporary server", measure([sys.executable, "-c", EMPTY_FLOW], flow_env), False)
    finally:
        srv.stop(wh)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
