"""Run a command and measure its wall time and the peak memory of its whole process tree."""
from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass

import psutil


@dataclass
class Measured:
    """Wall time (s), peak resident memory of the process tree (MiB), exit code, captured output.

    peak_mib sums each process's RSS, so pages that forked workers share with their parent count once per
    process; peak_pss_mib sums proportional set sizes (a shared page split between its sharers), the
    tree's real footprint. Both are peaks over the same samples."""

    seconds: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str
    peak_pss_mib: float = 0.0


def measure(cmd: list[str], env: dict[str, str] | None = None, interval: float = 0.02) -> Measured:
    """Run cmd, sampling the summed RSS of the process and all its descendants."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak = peak_pss = 0
    while proc.poll() is None:
        try:
            procs = [root] + root.children(recursive=True)
            rss = pss = 0
            for p in procs:
                try:
                    info = p.memory_full_info()  # Linux: reads smaps_rollup (rss and pss)
                except psutil.Error:
                    continue
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
        except psutil.Error:
            pass
        time.sleep(interval)
    out, err = proc.communicate()
    return Measured(time.perf_counter() - t0, peak / 2**20, proc.returncode, out, err, peak_pss / 2**20)
