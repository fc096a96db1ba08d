"""Run a command and measure its wall time and the peak memory of its whole process tree."""
from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from typing import Callable

import psutil


@dataclass
class Measured:
    """Wall time (s), peak resident memory of the process tree (MiB), exit code, captured output.

    peak_mib sums each process's RSS, so pages that forked workers share with their parent count once per
    process; peak_pss_mib sums proportional set sizes (a shared page split between its sharers), the
    tree's real footprint, sampled once a second (so a peak shorter than that can be missed)."""

    seconds: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str
    peak_pss_mib: float = 0.0


def _pss(p: psutil.Process) -> int:
    """A process's proportional set size in bytes (its RSS where the platform has no PSS; 0 once gone)."""
    try:
        info = p.memory_full_info()
    except psutil.Error:
        return 0
    return getattr(info, "pss", info.rss)


def measure(cmd: list[str], env: dict[str, str] | None = None, interval: float = 0.02,
            pss_interval: float = 1.0, also: Callable[[], list[int]] | None = None) -> Measured:
    """Run cmd, sampling the summed RSS of the process and all its descendants, and of the processes `also`
    names with theirs (the warm runner, which forks the run that cmd hands over to it)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak = peak_pss = 0
    next_pss = 0.0
    while proc.poll() is None:
        try:
            procs = [root] + root.children(recursive=True)
            for pid in (also() if also else []):
                try:
                    other = psutil.Process(pid)
                    procs += [other] + other.children(recursive=True)
                except psutil.Error:
                    pass
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            if time.perf_counter() >= next_pss:
                # PSS walks each process's page tables (~2-4 ms a process): sampled once a second, not to
                # slow down the run being measured
                peak_pss = max(peak_pss, sum(_pss(p) for p in procs))
                next_pss = time.perf_counter() + pss_interval
        except psutil.Error:
            pass
        time.sleep(interval)
    out, err = proc.communicate()
    return Measured(time.perf_counter() - t0, peak / 2**20, proc.returncode, out, err, peak_pss / 2**20)
