"""Wall time and peak memory of `tally run` on the seed in a cold process, and how much is Prefect.

Prints: a cold run with a fresh Prefect home, a second cold process reusing it, and an empty Prefect
flow run (start-up cost alone) for comparison.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procs import measure  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

EMPTY_FLOW = """
from prefect import flow
@flow(name="empty")
def empty():
    return 1
empty()
"""


def main() -> None:
    """Run the measurements and print one line each."""
    work = Path(tempfile.mkdtemp(prefix="tally-bench-"))
    shutil.copytree(ROOT / "raw", work / "raw")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["HOME"] = str(work)
    cmd = [str(BIN / "tally"), "run", "--raw", str(work / "raw"), "--warehouse", str(work / "wh")]
    for label in ("cold process, fresh Prefect home", "cold process, Prefect home reused"):
        m = measure(cmd, env)
        summary = m.stdout.strip().replace("\n", " ")
        print(f"tally run ({label}): {m.seconds:.1f} s wall, peak {m.peak_mib:.0f} MiB (process tree), exit {m.returncode}")
        print(f"    {summary}")
    empty_env = {**env, "PREFECT_HOME": str(work / "empty-prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                 "PREFECT_LOGGING_LEVEL": "WARNING"}
    for label in ("fresh home", "reused home"):
        m = measure([sys.executable, "-c", EMPTY_FLOW], empty_env)
        print(f"empty Prefect flow run ({label}): {m.seconds:.1f} s wall, peak {m.peak_mib:.0f} MiB, exit {m.returncode}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
