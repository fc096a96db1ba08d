"""Prefect task runners for `tally run --task-runner`: auto, threads, processes, or Dask (local or remote)."""
from __future__ import annotations

import os
from enum import Enum
from pathlib import Path


class RunnerKind(str, Enum):
    auto = "auto"
    threads = "threads"
    processes = "processes"
    dask = "dask"


# Extraction is pure Python, so threads share one core. Worker processes use every core but cost
# about 3 s to start (bench/corpus.py: 1,000 documents take 22 s to extract with 2 processes, 34 s
# with threads); below this many documents the start-up is not won back.
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
