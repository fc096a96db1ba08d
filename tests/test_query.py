"""`tally query` and `tally schema`: read-only whatever the SQL says, clear errors, every output format."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flows.cli import app
from schemas.tables import MODELS, VIEWS
from tally.review import query as q

from test_dimensions import SERIES_CASES, build_warehouse, synthetic_facts
from test_warehouse import _tables

runner = CliRunner()


def _all_bytes(folder: Path) -> dict[str, str]:
    """sha256 of every file under a folder (the whole warehouse, not only the published paths)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wh")
    tables, _ = _tables()
    build_warehouse(path, synthetic_facts(tables["mentions"]))
    return path


def _query(warehouse: Path, *args: str):
    return runner.invoke(app, ["query", *args, "--warehouse", str(warehouse)])


def test_query_prints_a_table_by_default(warehouse):
    res = _query(warehouse, "SELECT iso3, year, value FROM series ORDER BY iso3")
    assert res.exit_code == 0, res.output
    assert "DEU" in res.stdout and "2021" in res.stdout and "4 rows" in res.stdout


def test_query_csv_json_and_parquet(warehouse, tmp_path):
    sql = "SELECT code, members FROM groups WHERE code IN ('G7', 'WLD') ORDER BY code"
    res = _query(warehouse, sql, "--format", "csv")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    # (pyarrow's streaming CSV writer quotes every text value)
    assert lines[0] == "code,members" and lines[1].startswith('"G7","[""CAN""') and lines[2] == '"WLD","[]"'
    import csv
    assert list(csv.reader(lines))[1][1].startswith('["CAN", "FRA"')
    res = _query(warehouse, sql, "--format", "json")
    assert json.loads(res.stdout)[0]["members"][:2] == ["CAN", "FRA"]
    out = tmp_path / "g.parquet"
    res = _query(warehouse, sql, "--format", "parquet", "--out", str(out))
    assert res.exit_code == 0 and pq.read_table(out).num_rows == 2
    out_csv = tmp_path / "g.csv"
    assert _query(warehouse, sql, "-f", "csv", "-o", str(out_csv)).exit_code == 0
    assert out_csv.read_text().splitlines()[0] == "code,members"


@pytest.mark.parametrize("sql", [
    "DROP TABLE facts",
    "DELETE FROM facts",
    "CREATE TABLE x AS SELECT 1",
    "COPY facts TO '{outside}'",
    "COPY (SELECT 1) TO '{outside}' (FORMAT parquet)",
    "ATTACH '{attach}' AS other",
    "SELECT * FROM read_csv_auto('{secret}')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SET enable_external_access = true",
    "INSTALL httpfs",
])
def test_query_cannot_modify_anything_or_touch_files(warehouse, tmp_path, sql):
    before = _all_bytes(warehouse)
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    outside, attach = tmp_path / "stolen.csv", tmp_path / "other.duckdb"
    res = _query(warehouse, sql.format(outside=outside, attach=attach, secret=secret))
    assert res.exit_code == 2
    assert res.stderr.startswith("tally query: ") and res.stderr.count("\n") == 1, res.stderr
    assert not outside.exists() and not attach.exists()
    assert _all_bytes(warehouse) == before


def test_query_errors_are_one_line(warehouse, tmp_path):
    res = _query(warehouse, "SELEC 1")
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "syntax error" in res.stderr
    res = runner.invoke(app, ["query", "SELECT 1", "--warehouse", str(tmp_path / "nowhere")])
    assert res.exit_code == 2 and "no warehouse database" in res.stderr and res.stderr.count("\n") == 1
    res = _query(warehouse, "SELECT * FROM no_such_table")
    assert res.exit_code == 2 and "no_such_table" in res.stderr


def test_query_joins_a_csv_passed_with_with(warehouse, tmp_path):
    """External data reaches a query only through --with, read outside the locked connection."""
    csv = tmp_path / "gdp.csv"
    csv.write_text("iso3,year,value\nUSA,2023,27360935000000\nRUS,2022,2266029240000\n")
    res = _query(warehouse, "SELECT s.iso3, s.year, s.value / gdp.value AS ratio FROM series s "
                            "JOIN gdp USING (iso3, year) ORDER BY s.iso3", "--with", f"gdp={csv}", "-f", "json")
    assert res.exit_code == 0, res.output
    assert [r["iso3"] for r in json.loads(res.stdout)] == ["RUS", "USA"]
    res = _query(warehouse, "SELECT 1", "--with", "not an identifier=x.csv")
    assert res.exit_code == 2 and "NAME=FILE" in res.stderr


def test_query_library_returns_arrow(warehouse):
    t = q.query(warehouse, "SELECT count(*) AS n FROM series")
    assert t.to_pylist() == [{"n": sum(c[-1] for c in SERIES_CASES)}]


def test_schema_lists_every_table_and_view_with_comments(warehouse):
    rels = q.describe(warehouse)
    assert [r.name for r in rels] == list(MODELS) + list(VIEWS)
    assert all(r.comment for r in rels) and all(c.comment for r in rels for c in r.columns)
    res = runner.invoke(app, ["schema", "--warehouse", str(warehouse)])
    assert res.exit_code == 0
    for name in list(MODELS) + list(VIEWS):
        assert name in res.stdout
    res = runner.invoke(app, ["schema", "series", "--warehouse", str(warehouse)])
    assert res.exit_code == 0 and "view series" in res.stdout and "view facts_full" not in res.stdout


def test_with_may_not_shadow_a_warehouse_table_or_view(warehouse, tmp_path):
    csv = tmp_path / "gdp.csv"
    csv.write_text("iso3,year,value\nUSA,2023,1\n")
    for name in ("facts", "series", "FACTS"):
        res = _query(warehouse, "SELECT count(*) FROM facts", "--with", f"{name}={csv}")
        assert res.exit_code == 2 and res.stderr.count("\n") == 1, (name, res.output)
        assert "already a table or view" in res.stderr


@pytest.mark.parametrize("sql", ["SELECT 1; SELECT 2", "SELECT 1; DROP TABLE facts", "SELECT 1;;SELECT 2"])
def test_several_statements_are_refused_in_one_line(warehouse, sql):
    res = _query(warehouse, sql)
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "one statement" in res.stderr, res.output


def test_out_takes_the_format_from_the_extension(warehouse, tmp_path):
    sql = "SELECT code, members FROM groups WHERE code IN ('G7', 'WLD') ORDER BY code"
    for ext in ("parquet", "csv", "json"):
        out = tmp_path / f"g.{ext}"
        res = _query(warehouse, sql, "--out", str(out))
        assert res.exit_code == 0, res.output
        if ext == "parquet":
            assert pq.read_table(out).column("code").to_pylist() == ["G7", "WLD"]
        elif ext == "csv":
            assert out.read_text().splitlines()[0] == "code,members"
        else:
            assert [r["code"] for r in json.loads(out.read_text())] == ["G7", "WLD"]
    res = _query(warehouse, sql, "--out", str(tmp_path / "g.xlsx"))
    assert res.exit_code == 2 and "--format" in res.stderr and not (tmp_path / "g.xlsx").exists()


def test_piped_table_never_truncates_numbers(warehouse):
    cols = ", ".join(f"{1234567890123 + i}.25::DOUBLE AS column_number_{i}" for i in range(12))
    res = _query(warehouse, f"SELECT 'a long text value that could take the room' AS t, {cols}")
    assert res.exit_code == 0, res.output
    for i in range(12):
        assert f"{1234567890123 + i}.25" in res.stdout


def test_query_connection_has_a_memory_limit(warehouse):
    limit = q.query(warehouse, "SELECT current_setting('memory_limit') AS m").column("m")[0].as_py()
    number, unit = limit.split()
    assert unit in ("MiB", "GiB") and float(number) * (1 if unit == "MiB" else 1024) <= 2048, limit


def test_large_results_stream_to_every_format(warehouse, tmp_path):
    sql = "SELECT range AS n, range % 7 AS m, [range::VARCHAR] AS l FROM range(300000)"
    for ext in ("parquet", "csv", "json"):
        out = tmp_path / f"big.{ext}"
        res = _query(warehouse, sql, "--out", str(out))
        assert res.exit_code == 0 and "wrote 300000 rows" in res.stderr, res.output
    assert pq.read_table(tmp_path / "big.parquet").num_rows == 300000
    lines = (tmp_path / "big.csv").read_text().splitlines()
    assert len(lines) == 300001 and lines[2] == '1,1,"[""1""]"'
    rows = json.loads((tmp_path / "big.json").read_text())
    assert len(rows) == 300000 and rows[-1] == {"n": 299999, "m": 299999 % 7, "l": ["299999"]}


def test_a_failing_query_leaves_no_partial_out_file(warehouse, tmp_path):
    out = tmp_path / "x.csv"
    res = _query(warehouse, "SELECT CASE WHEN range > 250000 THEN error('boom') END AS x FROM range(400000)",
                 "--out", str(out))
    assert res.exit_code == 2 and "boom" in res.stderr and res.stderr.count("\n") == 1, res.output
    assert list(tmp_path.iterdir()) == []
