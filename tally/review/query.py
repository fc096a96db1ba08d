"""Read-only SQL on the published warehouse, and the catalog of its tables, views and columns.

A query connection cannot change anything: the database is opened read-only, and file system access
is switched off (`enable_external_access = false`) and locked (`lock_configuration = true`), so
`COPY ... TO`, `ATTACH`, `INSTALL`, `read_csv('/any/file')` and `SET` are refused whatever the SQL
says. DuckDB can only allow a directory for reading *and* writing, so external files are not opened by
the query connection at all: `with_files` reads each one on a separate in-memory connection and
registers the result under a name the SQL can join (a name the warehouse already uses is refused).

Results are streamed: `results` yields Arrow record batches as DuckDB produces them, and the writers
below (Parquet, CSV, JSON) write one batch at a time, so a result of any size passes through a bounded
amount of memory; the connection itself has a memory limit (QUERY_MEMORY) and spills to a private
temporary folder. One statement per query: several are refused.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


DB_NAME = "tally.duckdb"  # = tally.publish.warehouse.DB_NAME; not imported: warehouse pulls in pandera (seconds at start-up)
FORMATS = ("table", "csv", "json", "parquet")
_READERS = {".csv": "read_csv_auto", ".tsv": "read_csv_auto", ".txt": "read_csv_auto", ".parquet": "read_parquet",
            ".json": "read_json_auto", ".jsonl": "read_json_auto", ".ndjson": "read_json_auto"}


QUERY_MEMORY = os.environ.get("TALLY_QUERY_MEMORY", "1GB")  # DuckDB's memory_limit for a query connection
BATCH_ROWS = 1 << 17  # rows per Arrow record batch streamed from DuckDB
OUT_FORMATS = {".parquet": "parquet", ".csv": "csv", ".json": "json"}  # --out FILE: format from the extension


class QueryError(Exception):
    """A query that cannot run: missing warehouse, unreadable file, bad SQL or refused statement."""


@dataclass(frozen=True)
class Column:
    """One column of a table or view, with its type and COMMENT."""

    name: str
    type: str
    comment: str | None


@dataclass(frozen=True)
class Relation:
    """A table or view of the warehouse, with its COMMENT and columns."""

    name: str
    kind: str
    comment: str | None
    columns: list[Column]


def database_path(warehouse: Path) -> Path:
    """The DuckDB file of a warehouse folder (or the file itself); QueryError when there is none."""
    db = warehouse if warehouse.suffix == ".duckdb" else warehouse / DB_NAME
    if not db.is_file():
        raise QueryError(f"no warehouse database at {db} (run `tally run` first, or pass --warehouse)")
    return db


def _sql_string(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def read_file(path: Path) -> pa.Table:
    """A CSV, Parquet or JSON file as an Arrow table, read by DuckDB on a private in-memory connection."""
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise QueryError(f"{path}: unknown file type (use .csv, .tsv, .parquet, .json or .jsonl)")
    if not path.is_file():
        raise QueryError(f"{path}: no such file")
    con = duckdb.connect(":memory:")
    try:
        return con.sql(f"SELECT * FROM {reader}({_sql_string(str(path))})").to_arrow_table()
    except duckdb.Error as exc:
        raise QueryError(f"{path}: {_first_line(exc)}") from exc
    finally:
        con.close()


def parse_with(specs: list[str]) -> dict[str, Path]:
    """NAME=FILE options -> {name: path}; the name must be a plain SQL identifier."""
    out = {}
    for spec in specs:
        name, sep, file = spec.partition("=")
        if not sep or not name.isidentifier() or not file:
            raise QueryError(f"--with {spec!r}: expected NAME=FILE, e.g. wb=gdp.csv")
        out[name] = Path(file)
    return out


@contextmanager
def open_readonly(warehouse: Path, files: dict[str, Path] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A locked, read-only connection to the warehouse, with external files registered by name."""
    db = database_path(warehouse)
    tables = {name: read_file(path) for name, path in (files or {}).items()}
    spill = tempfile.mkdtemp(prefix="tally-query-")  # spill here, never beside the published database
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        shutil.rmtree(spill, ignore_errors=True)
        raise QueryError(f"cannot open {db}: {_first_line(exc)}") from exc
    try:
        con.execute(f"SET temp_directory = {_sql_string(spill)}")
        con.execute(f"SET memory_limit = {_sql_string(QUERY_MEMORY)}")
        con.execute("SET autoinstall_known_extensions = false")
        con.execute("SET autoload_known_extensions = false")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        taken = {n.lower() for (n,) in con.sql(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()}
        for name, table in tables.items():
            if name.lower() in taken:
                raise QueryError(f"--with {name}={files[name]}: {name} is already a table or view of the warehouse; "
                                 "choose another name")
            con.register(name, table)
        yield con
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def _first_line(exc: BaseException) -> str:
    """The first line of an error message (DuckDB appends context lines and hints)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_sql(sql: str) -> None:
    """QueryError unless the text is exactly one SQL statement (parsed, not run)."""
    try:
        n = len(duckdb.extract_statements(sql))
    except duckdb.Error as exc:
        raise QueryError(_first_line(exc)) from exc
    if n != 1:
        raise QueryError(f"one statement per query, got {n}: run them one at a time" if n else "empty query")


def run(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table | None:
    """Run one statement and return its whole result as Arrow (None for statements without a result)."""
    check_sql(sql)
    try:
        rel = con.sql(sql)
        return None if rel is None else rel.to_arrow_table()
    except duckdb.Error as exc:
        raise QueryError(_first_line(exc)) from exc


def query(warehouse: Path, sql: str, files: dict[str, Path] | None = None) -> pa.Table | None:
    """Run one read-only query on a warehouse and return the result as Arrow."""
    with open_readonly(warehouse, files) as con:
        return run(con, sql)


@dataclass
class Result:
    """A streamed query result: its schema and its record batches (each read once)."""

    schema: pa.Schema
    batches: Iterator[pa.RecordBatch]
    json_text: bool = False  # each batch is one column of JSON objects made by DuckDB (see results)


def _batches(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    """The reader's batches; an error DuckDB meets half-way becomes a QueryError."""
    try:
        yield from reader
    except (duckdb.Error, pa.ArrowException) as exc:
        raise QueryError(_first_line(exc)) from exc


@contextmanager
def results(warehouse: Path, sql: str, files: dict[str, Path] | None = None,
            json_rows: bool = False) -> Iterator[Result | None]:
    """Run one read-only query and stream its result as record batches (None: no result). With json_rows,
    DuckDB itself turns each row into a JSON object where it can (ten times faster than Python)."""
    check_sql(sql)
    with open_readonly(warehouse, files) as con:
        try:
            rel = con.sql(sql)
            if rel is None:
                yield None
                return
            as_json = False
            if json_rows:
                try:
                    rel, as_json = rel.query("tally_result", "SELECT to_json(tally_result) AS j FROM tally_result"), True
                except duckdb.Error:  # e.g. two columns with one name: rows go through Python instead
                    pass
            reader = rel.to_arrow_reader(BATCH_ROWS)
        except duckdb.Error as exc:
            raise QueryError(_first_line(exc)) from exc
        yield Result(reader.schema, _batches(reader), as_json)


def out_format(path: Path) -> str:
    """The output format an --out file's extension names, else QueryError."""
    fmt = OUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise QueryError(f"--out {path}: cannot tell the format from {path.suffix or 'no extension'!r}; "
                         "use .parquet, .csv or .json, or pass --format")
    return fmt


@contextmanager
def atomic_out(path: Path) -> Iterator[IO[bytes]]:
    """A binary file that appears at path only when fully written (a failed query leaves nothing)."""
    tmp = path.with_name(f".{path.name}.tally-{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _plain(v: object) -> object:
    """A value as JSON can hold it (lists stay lists; dates, decimals and the like become strings)."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return str(v)


def to_csv(table: pa.Table) -> str:
    """CSV text with a header; list and struct values as JSON."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(table.column_names)
    for row in table.to_pylist():
        w.writerow(["" if v is None else json.dumps(_plain(v), ensure_ascii=False) if isinstance(v, (list, dict))
                    else _plain(v) for v in row.values()])
    return buf.getvalue()


def to_json(table: pa.Table) -> str:
    """A JSON array with one object per row."""
    return json.dumps([{k: _plain(v) for k, v in r.items()} for r in table.to_pylist()], ensure_ascii=False, indent=1) + "\n"


def write_parquet(table: pa.Table, sink: str | Path | IO[bytes]) -> None:
    """The result as one zstd Parquet file."""
    pq.write_table(table, sink, compression="zstd")


def _csv_column(col: pa.Array) -> pa.Array:
    """A column pyarrow's CSV writer takes: nested values as JSON text, exotic types as text."""
    t = col.type
    if pa.types.is_nested(t):
        return pa.array([None if v is None else json.dumps(_plain(v), ensure_ascii=False) for v in col.to_pylist()],
                        pa.string())
    if (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_string(t)
            or pa.types.is_large_string(t) or pa.types.is_null(t) or pa.types.is_date(t)
            or pa.types.is_timestamp(t) or pa.types.is_decimal(t)):
        return col
    return pa.array([None if v is None else str(_plain(v)) for v in col.to_pylist()], pa.string())


def stream_csv(result: Result, sink: IO[bytes]) -> int:
    """Write a streamed result as CSV (header, quoted where needed); returns the row count."""
    n, writer = 0, None
    options = pacsv.WriteOptions(quoting_style="needed", include_header=False)
    sink.write((",".join(_csv_name(c) for c in result.schema.names) + "\n").encode())
    try:
        for batch in result.batches:
            batch = pa.RecordBatch.from_arrays([_csv_column(c) for c in batch.columns], names=batch.schema.names)
            if writer is None:
                writer = pacsv.CSVWriter(sink, batch.schema, write_options=options)
            writer.write_batch(batch)
            n += batch.num_rows
    finally:
        if writer is not None:
            writer.close()
    return n


def _csv_name(name: str) -> str:
    return f'"{name.replace(chr(34), chr(34) * 2)}"' if any(c in name for c in ',"\n\r') else name


def stream_json(result: Result, sink: IO[bytes]) -> int:
    """Write a streamed result as a JSON array, one object per line; returns the row count."""
    n = 0
    sink.write(b"[")
    for batch in result.batches:
        if result.json_text:
            if batch.num_rows:
                sink.write((",\n" if n else "\n").encode() + ",\n".join(batch.column(0).to_pylist()).encode())
                n += batch.num_rows
            continue
        for row in batch.to_pylist():
            sink.write((",\n" if n else "\n").encode() + json.dumps({k: _plain(v) for k, v in row.items()},
                                                                     ensure_ascii=False).encode())
            n += 1
    sink.write(b"\n]\n")
    return n


def stream_parquet(result: Result, sink: str | Path | IO[bytes]) -> int:
    """Write a streamed result as one zstd Parquet file, a row group per batch; returns the row count."""
    n = 0
    with pq.ParquetWriter(sink, result.schema, compression="zstd") as writer:
        for batch in result.batches:
            writer.write_batch(batch)
            n += batch.num_rows
    return n


def head(result: Result, rows: int) -> tuple[pa.Table, int]:
    """The first rows of a streamed result, and how many rows it has in all (the rest is counted, not kept)."""
    kept: list[pa.RecordBatch] = []
    have = total = 0
    for batch in result.batches:
        total += batch.num_rows
        if have < rows:
            kept.append(batch.slice(0, rows - have))
            have += kept[-1].num_rows
    return pa.Table.from_batches(kept, schema=result.schema), total


def cell(v: object) -> str:
    """A value as shown in the terminal table."""
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.15g}"
    if isinstance(v, (list, dict)):
        return json.dumps(_plain(v), ensure_ascii=False)
    return str(v)


def describe(warehouse: Path) -> list[Relation]:
    """Every user table and view of the warehouse with its COMMENT and columns, tables first."""
    with open_readonly(warehouse) as con:
        rels = con.sql("""
            SELECT table_name, 'table' AS kind, comment FROM duckdb_tables() WHERE NOT internal AND NOT temporary
            UNION ALL
            SELECT view_name, 'view', comment FROM duckdb_views() WHERE NOT internal AND NOT temporary
        """).fetchall()
        cols = con.sql("""
            SELECT table_name, column_name, data_type, comment FROM duckdb_columns()
            WHERE NOT internal ORDER BY table_name, column_index
        """).fetchall()
    by_table: dict[str, list[Column]] = {}
    for t, c, typ, comment in cols:
        by_table.setdefault(t, []).append(Column(c, typ, comment))
    rank = _publishing_order()
    rels.sort(key=lambda r: (r[1] != "table", rank.get(r[0], len(rank)), r[0]))
    return [Relation(n, k, cm, by_table.get(n, [])) for n, k, cm in rels]


def _publishing_order() -> dict[str, int]:
    """Position of each known table and view (facts tables, dimensions, views); DuckDB lists them by name."""
    from schemas.tables import MODELS, VIEWS  # imported here: pandera costs seconds, and only `schema` needs it

    return {name: i for i, name in enumerate([*MODELS, *VIEWS])}
