"""Prefect task runners for `tally run --task-runner`: threads, processes, or Dask (local or remote)."""
from __future__ import annotations

from enum import Enum


class RunnerKind(str, Enum):
    threads = "threads"
    processes = "processes"
    dask = "dask"


def make_task_runner(kind: RunnerKind | str, dask_address: str | None = None, workers: int | None = None):
    """A task runner instance; with a Dask address the batches run on that existing cluster."""
    kind = RunnerKind(kind)
    if dask_address and kind is not RunnerKind.dask:
        raise ValueError("--dask-address needs --task-runner dask")
    if kind is RunnerKind.threads:
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    if kind is RunnerKind.processes:
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner(max_workers=workers)
    from prefect_dask import DaskTaskRunner

    if dask_address:
        return DaskTaskRunner(address=dask_address)
    # A local cluster sized for this machine; dashboard on a free port so runs never collide.
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers or 2, "threads_per_worker": 1,
                                          "dashboard_address": ":0"})
