"""Prefect task runners for `tally run --task-runner`: auto, threads, processes, or Dask (local or remote)."""
from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

from prefect.task_runners import ThreadPoolTaskRunner

from tally.workers import BatchPool


class RunnerKind(str, Enum):
    auto = "auto"
    threads = "threads"
    processes = "processes"
    dask = "dask"


# Extraction is pure Python, so threads share one core; worker processes use every core. Below this many
# documents a second core is not worth its start-up and the results' trip back.
AUTO_PROCESSES_FROM = 200


def resolve_kind(kind: RunnerKind | str, raw: Path, cpus: int | None = None) -> RunnerKind:
    """The runner `auto` stands for: processes for a large raw/ folder on a multi-core machine, else threads."""
    kind = RunnerKind(kind)
    if kind is not RunnerKind.auto:
        return kind
    cpus = os.cpu_count() if cpus is None else cpus
    if (cpus or 1) < 2:
        return RunnerKind.threads
    from tally.ingest.discover import list_documents

    return RunnerKind.processes if len(list_documents(raw)) >= AUTO_PROCESSES_FROM else RunnerKind.threads


def make_task_runner(kind: RunnerKind | str, dask_address: str | None = None, workers: int | None = None):
    """A task runner instance; with a Dask address the batches run on that existing cluster."""
    kind = RunnerKind(kind)
    if kind is RunnerKind.auto:
        raise ValueError("resolve `auto` with resolve_kind() first")
    if dask_address and kind is not RunnerKind.dask:
        raise ValueError("--dask-address needs --task-runner dask")
    if kind is RunnerKind.threads:
        return ThreadPoolTaskRunner(max_workers=workers)
    if kind is RunnerKind.processes:
        return ForkedProcessesTaskRunner(workers)
    from prefect_dask import DaskTaskRunner

    if dask_address:
        return DaskTaskRunner(address=dask_address)
    # A local cluster sized for this machine; dashboard on a free port so runs never collide.
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers or 2, "threads_per_worker": 1,
                                          "dashboard_address": ":0"})


class ForkedProcessesTaskRunner(ThreadPoolTaskRunner):
    """`--task-runner processes`: each batch's Prefect task runs in a thread of the run and hands the batch to
    a worker process forked from the run (tally.workers.BatchPool), which never imports or calls Prefect.
    (Prefect's own process pool spawns workers that import Prefect and tally again and report every state to
    the API: 57 s against 35 s for extracting 1,000 documents on 2 cores.)"""

    def __init__(self, max_workers: int | None = None, batch_pool: BatchPool | None = None) -> None:
        self.batch_pool = batch_pool or BatchPool(max_workers)
        super().__init__(max_workers=self.batch_pool.workers)

    def duplicate(self) -> "ForkedProcessesTaskRunner":
        return type(self)(batch_pool=self.batch_pool)  # each flow run gets a copy: it shares the workers
