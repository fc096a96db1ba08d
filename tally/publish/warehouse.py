"""Write the tables as Parquet plus a DuckDB database, then publish them atomically (write-audit-publish).

Layout of a warehouse folder:

    builds/<build_id>/            one complete, validated build (Parquet files, tally.duckdb, build.json)
    current -> builds/<build_id>  the published build; replaced by one atomic rename
    tally.duckdb -> current/tally.duckdb   stable paths analysts open
    parquet -> current/parquet
    .staging/                     builds in progress; never read by anyone

Readers only ever follow `current`, which points at a finished build, so a crash at any moment leaves
the last good warehouse in place. `build_id` is a hash of the Parquet bytes: the same input gives the
same build.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.tables import MODELS, descriptions
from tally.publish.builds import (DB_NAME, INPUTS_FILE, PARQUET_DIR, current_build, published_counts,  # noqa: F401
                          published_inputs, sha256_file, warehouse_lock, write_inputs)

_LIST_COLUMNS = {"mention_ids", "doc_ids", "fact_ids", "members", "units"}
DUCKDB_MEMORY = "64MB"  # memory limit of the DuckDB session that builds a warehouse (128MB: +30 MiB at publish)


@dataclass(frozen=True)
class Published:
    """Where a publish put the data, and whether anything changed."""

    build_id: str
    path: Path
    changed: bool
    parquet_bytes: int


def arrow_schema(table: str) -> pa.Schema:
    """Arrow schema of a table derived from its Pandera model (one source of truth for types)."""
    fields = []
    for name, col in MODELS[table].to_schema().columns.items():
        dtype = str(col.dtype)
        if name in _LIST_COLUMNS:
            typ = pa.list_(pa.string())
        elif dtype.lower().startswith("int"):  # int64, or Int64 (nullable: page)
            typ = pa.int64()
        elif dtype.startswith("float"):
            typ = pa.float64()
        elif dtype == "bool":
            typ = pa.bool_()
        else:
            typ = pa.string()
        fields.append(pa.field(name, typ, nullable=col.nullable or name in _LIST_COLUMNS))
    return pa.schema(fields)


def _column(series: pd.Series, typ: pa.DataType) -> pa.Array:
    """One column as an Arrow array, with pandas' missing markers as nulls."""
    if pa.types.is_list(typ):
        return pa.array([list(v) for v in series], type=typ)
    if pa.types.is_string(typ) and isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        # Already Arrow inside pandas: reuse its buffers instead of a Python object per cell.
        return pa.chunked_array(pa.array(series.array)).cast(pa.string()).combine_chunks()
    values = [None if (v is None or v is pd.NA or (isinstance(v, float) and v != v)) else v for v in series.tolist()]
    return pa.array(values, type=typ)


def to_arrow(table: str, df: pd.DataFrame) -> pa.Table:
    """A frame as an Arrow table with the model's schema and no pandas metadata (byte-stable output)."""
    schema = arrow_schema(table)
    return pa.table({f.name: _column(df[f.name], f.type) for f in schema}, schema=schema)


# Rows per Parquet row group. The frame is converted to Arrow one row group at a time, so a very large
# table is never held twice (pandas and Arrow) in full; a table this size or smaller is written exactly as
# pq.write_table would (one row group, same bytes). 65,536 rows: a passages row group of a 200 MB document
# took ~80 MB to convert and encode (twice that at 131,072).
ROW_GROUP_ROWS = 1 << 16


def write_parquet(table: str, df: pd.DataFrame, path: Path) -> None:
    """Write one table as a zstd Parquet file; identical frames give identical bytes."""
    schema = arrow_schema(table)
    with pq.ParquetWriter(path, schema, compression="zstd", write_statistics=True, store_schema=False) as writer:
        for lo in range(0, max(len(df), 1), ROW_GROUP_ROWS):
            writer.write_table(to_arrow(table, df.iloc[lo:lo + ROW_GROUP_ROWS]))
    pa.default_memory_pool().release_unused()  # the row groups' buffers, before DuckDB needs memory


def _sql_string(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def build_duckdb(db_path: Path, parquet_dir: Path, tables: list[str],
                 extra: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> None:
    """Create the DuckDB database from the Parquet files, with a COMMENT on every table and column."""
    con = duckdb.connect(str(db_path))
    try:
        # DuckDB may otherwise take most of the machine's memory while it loads a large Parquet file, on
        # top of the frames the pipeline still holds; past the limit it writes to the database file sooner.
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
        for name in tables:
            src = parquet_dir / f"{name}.parquet"
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet({_sql_string(str(src))})")
            table_doc, cols = descriptions(name)
            con.execute(f"COMMENT ON TABLE {name} IS {_sql_string(table_doc)}")
            for col, text in cols.items():
                con.execute(f'COMMENT ON COLUMN {name}."{col}" IS {_sql_string(text)}')
        if extra is not None:
            extra(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def stage(warehouse: Path, tables: dict[str, pd.DataFrame],
          extra: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> tuple[Path, str, dict[str, str]]:
    """Write Parquet and DuckDB into a fresh staging folder; return (folder, build_id, file hashes)."""
    staging = warehouse / ".staging" / uuid.uuid4().hex
    pdir = staging / PARQUET_DIR
    pdir.mkdir(parents=True)
    hashes = {}
    for name, df in tables.items():
        path = pdir / f"{name}.parquet"
        write_parquet(name, df, path)
        hashes[f"{PARQUET_DIR}/{name}.parquet"] = sha256_file(path)
    build_id = hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()[:16]
    build_duckdb(staging / DB_NAME, pdir, list(tables), extra)
    meta = {"build_id": build_id, "tables": {n: len(df) for n, df in tables.items()}, "sha256": hashes}
    if "quarantine" in tables:  # read back by a run whose inputs are unchanged, without pyarrow (builds.py)
        meta["quarantine"] = [{k: (None if v is None or v != v else v) for k, v in r.items()}
                              for r in tables["quarantine"].to_dict("records")]
    (staging / "build.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return staging, build_id, hashes


def _ensure_stable_links(warehouse: Path) -> None:
    """Create the stable paths (tally.duckdb, parquet) that point through `current`."""
    for name, target in ((DB_NAME, f"current/{DB_NAME}"), (PARQUET_DIR, f"current/{PARQUET_DIR}")):
        link = warehouse / name
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if link.exists() and not link.is_symlink():
            raise FileExistsError(f"{link} exists and is not tally's link; move it away to publish here")
        tmp = warehouse / f".{name}.{uuid.uuid4().hex}"
        os.symlink(target, tmp)
        os.replace(tmp, link)


def swap(warehouse: Path, build: Path) -> None:
    """Point `current` at a finished build with one atomic rename."""
    tmp = warehouse / f".current.{uuid.uuid4().hex}"
    os.symlink(os.path.relpath(build, warehouse), tmp)
    os.replace(tmp, warehouse / "current")
    _fsync_dir(warehouse)


def _collect_garbage(warehouse: Path, keep: list[Path]) -> None:
    """Remove old builds and abandoned staging folders, keeping the given builds.

    A build is first renamed into .trash/ (atomic), then deleted: a kill halfway through a delete
    leaves a partial folder in .trash/, never a partial builds/<id> that a later run could reuse.
    """
    builds = warehouse / "builds"
    trash = warehouse / ".trash"
    keep_names = {p.name for p in keep}
    if builds.is_dir():
        for p in builds.iterdir():
            if p.name not in keep_names:
                trash.mkdir(exist_ok=True)
                os.rename(p, trash / f"{p.name}.{uuid.uuid4().hex}")
    shutil.rmtree(trash, ignore_errors=True)
    shutil.rmtree(warehouse / ".staging", ignore_errors=True)


def _intact(build: Path, hashes: dict[str, str]) -> bool:
    """A finished build holds exactly the expected Parquet bytes, its database and build.json."""
    try:
        meta = json.loads((build / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (meta.get("sha256") == hashes and (build / DB_NAME).is_file()
            and all((build / p).is_file() and sha256_file(build / p) == h for p, h in hashes.items()))


def _test_pause() -> None:
    """Crash tests only (tests/test_crash.py sets it; nothing else should): TALLY_TEST_PUBLISH_DELAY=<seconds>
    sleeps between publish steps, widening the window in which a SIGKILL lands mid-publish."""
    delay = os.environ.get("TALLY_TEST_PUBLISH_DELAY")
    if delay:
        import time

        time.sleep(float(delay))


def publish(warehouse: Path, tables: dict[str, pd.DataFrame],
            extra: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
            before_swap: Callable[[Path], None] | None = None, inputs: str | None = None) -> Published:
    """Stage, then atomically publish validated tables; on any error the last good build stays published.

    `inputs` fingerprints what the tables were made from, so an unchanged re-run can skip all work. The
    whole of it (staging, swap, clean-up) holds the warehouse lock: a second publisher waits (or, with
    TALLY_LOCK_WAIT=0, fails naming the holder), so it can never collect the build the first one published.
    """
    warehouse.mkdir(parents=True, exist_ok=True)
    with warehouse_lock(warehouse):
        return _publish_locked(warehouse, tables, extra, before_swap, inputs)


def _publish_locked(warehouse: Path, tables: dict[str, pd.DataFrame],
                    extra: Callable[[duckdb.DuckDBPyConnection], None] | None,
                    before_swap: Callable[[Path], None] | None, inputs: str | None) -> Published:
    """publish() with the warehouse lock held."""
    previous = current_build(warehouse)
    staging, build_id, hashes = stage(warehouse, tables, extra)
    try:
        _test_pause()
        final = warehouse / "builds" / build_id
        final.parent.mkdir(exist_ok=True)
        if final.exists() and _intact(final, hashes):
            shutil.rmtree(staging)  # same content already built: reuse it
        else:
            if final.exists():  # damaged (say, a crash mid-delete): replace it, unless it is published
                if previous is not None and previous.resolve() == final.resolve():
                    raise RuntimeError(f"published build {final} is damaged; restore it from a release")
                trash = warehouse / ".trash"
                trash.mkdir(exist_ok=True)
                os.rename(final, trash / f"{final.name}.{uuid.uuid4().hex}")
            os.rename(staging, final)
        _test_pause()
        if inputs is not None:
            write_inputs(final, inputs)
        if before_swap is not None:
            before_swap(final)
        changed = previous is None or previous.resolve() != final.resolve()
        _ensure_stable_links(warehouse)  # before the first swap, so tally.duckdb resolves as soon as current does
        if changed:
            swap(warehouse, final)
        _test_pause()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _test_pause()
    _collect_garbage(warehouse, [final] + ([previous] if previous and changed else []))
    size = sum((final / p).stat().st_size for p in hashes)
    return Published(build_id, final, changed, size)


def read_published(warehouse: Path, table: str) -> pd.DataFrame | None:
    """A table from the published build's Parquet, or None when there is none."""
    build = current_build(warehouse)
    if build is None or not (build / PARQUET_DIR / f"{table}.parquet").exists():
        return None
    return pq.read_table(build / PARQUET_DIR / f"{table}.parquet").to_pandas()
