"""Small helpers shared by tests."""
from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb


def tree_hashes(warehouse: Path) -> dict[str, str]:
    """sha256 of every published file, read through the stable paths analysts use."""
    out = {}
    for base in (warehouse / "parquet",):
        for p in sorted(base.iterdir()):
            out[f"parquet/{p.name}"] = hashlib.sha256(p.read_bytes()).hexdigest()
    out["tally.duckdb"] = hashlib.sha256((warehouse / "tally.duckdb").read_bytes()).hexdigest()
    return out


def query(warehouse: Path, sql: str) -> list[tuple]:
    """Run one read-only query on the published DuckDB file."""
    con = duckdb.connect(str(warehouse / "tally.duckdb"), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()
