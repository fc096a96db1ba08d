"""The published build: where it is, what it was made from, and file checksums.

Only the standard library here, so that a run whose inputs are unchanged can tell, in milliseconds and
without importing pandas, pandera or DuckDB, that there is nothing to do (see tally.publish.warehouse for the
layout of a warehouse folder).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

DB_NAME = "tally.duckdb"
INPUTS_FILE = "inputs.json"
PARQUET_DIR = "parquet"
LOCK_FILE = ".lock"  # held (fcntl.flock, exclusive) by whoever publishes or cleans up the warehouse


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse lock and the caller asked not to wait; names the holder."""


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def current_build(warehouse: Path) -> Path | None:
    """The published build folder, or None when nothing has been published yet."""
    link = warehouse / "current"
    if not link.is_symlink():
        return None
    target = (warehouse / os.readlink(link)).resolve()
    return target if target.is_dir() else None


def _meta(build: Path) -> dict:
    """A build's build.json (raises OSError or ValueError when it is missing or unreadable)."""
    return json.loads((build / "build.json").read_text(encoding="utf-8"))


def write_inputs(build: Path, inputs: str) -> None:
    """Record (atomically) the fingerprint of the inputs a build was made from."""
    tmp = build / f".inputs.{uuid.uuid4().hex}"
    tmp.write_text(json.dumps({"inputs": inputs}) + "\n", encoding="utf-8")
    os.replace(tmp, build / INPUTS_FILE)


def published_inputs(warehouse: Path) -> str | None:
    """Fingerprint of the inputs of the published build, when it is intact and recorded one."""
    build = current_build(warehouse)
    if build is None:
        return None
    try:
        meta = _meta(build)
        if not all((build / p).is_file() for p in meta["sha256"]) or not (build / DB_NAME).is_file():
            return None
        return json.loads((build / INPUTS_FILE).read_text(encoding="utf-8"))["inputs"]
    except (OSError, ValueError, KeyError):
        return None


def published_counts(warehouse: Path) -> dict[str, int]:
    """Row counts per table of the published build (from its build.json)."""
    build = current_build(warehouse)
    if build is None:
        return {}
    try:
        return _meta(build)["tables"]
    except (OSError, ValueError, KeyError):
        return {}


def published_quarantine(warehouse: Path) -> list[dict] | None:
    """The published build's quarantine rows, from its build.json (no pyarrow import: a second of start-up
    for a run with nothing to do), else from its Parquet; None when nothing is published."""
    build = current_build(warehouse)
    if build is None:
        return None
    try:
        return _meta(build)["quarantine"]
    except (OSError, ValueError, KeyError):
        return published_rows(warehouse, "quarantine")


def published_rows(warehouse: Path, table: str) -> list[dict] | None:
    """Rows of one published table as dicts (pyarrow only, no pandas), or None when there is none."""
    build = current_build(warehouse)
    path = build / PARQUET_DIR / f"{table}.parquet" if build else None
    if path is None or not path.exists():
        return None
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def _holder_text(warehouse: Path) -> str:
    """Who holds the warehouse lock, as its holder recorded it in the lock file."""
    try:
        h = json.loads((warehouse / LOCK_FILE).read_text(encoding="utf-8"))
        return f"{h['holder']} (pid {h['pid']} on {h['host']}, since {h['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _default_holder() -> str:
    return " ".join([Path(sys.argv[0]).name, *sys.argv[1:2]]) if sys.argv and sys.argv[0] else "python"


@contextmanager
def warehouse_lock(warehouse: Path, holder: str | None = None, wait: bool | None = None,
                   notify: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the warehouse's exclusive lock (publish, clean-up). When it is taken: wait, saying so through
    `notify` (default: standard error), or with wait=False raise WarehouseBusy naming the holder.
    wait=None reads TALLY_LOCK_WAIT (0: do not wait). The kernel drops the lock when the holder dies."""
    if wait is None:
        wait = os.environ.get("TALLY_LOCK_WAIT", "1") != "0"
    warehouse.mkdir(parents=True, exist_ok=True)
    fh = open(warehouse / LOCK_FILE, "a+", encoding="utf-8")  # "a+": opening must not wipe the holder's record
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = _holder_text(warehouse)
            if not wait:
                raise WarehouseBusy(f"{warehouse} is being published by {who}; try again when it ends") from None
            (notify or _say)(f"waiting for {who} to finish publishing {warehouse} ...")
            fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"holder": holder or _default_holder(), "pid": os.getpid(), "host": socket.gethostname(),
                             "since": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}) + "\n")
        fh.flush()
        yield
    finally:
        fh.close()  # closing the file releases the lock
