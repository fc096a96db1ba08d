"""Run a command and measure its wall time and the peak memory of its whole process tree."""
from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass

import psutil


@dataclass
class Measured:
    """Wall time (s), peak resident memory of the process tree (MiB), exit code, captured output."""

    seconds: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str


def measure(cmd: list[str], env: dict[str, str] | None = None, interval: float = 0.02) -> Measured:
    """Run cmd, sampling the summed RSS of the process and all its descendants."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [root] + root.children(recursive=True)
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(interval)
    out, err = proc.communicate()
    return Measured(time.perf_counter() - t0, peak / 2**20, proc.returncode, out, err)
