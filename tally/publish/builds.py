"""The published build: where it is, what it was made from, and file checksums.

Only the standard library here, so that a run whose inputs are unchanged can tell, in milliseconds and
without importing pandas, pandera or DuckDB, that there is nothing to do (see tally.publish.warehouse for the
layout of a warehouse folder).
"""
from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path

DB_NAME = "tally.duckdb"
INPUTS_FILE = "inputs.json"
PARQUET_DIR = "parquet"


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
