"""Write-audit-publish: deterministic Parquet, comments from the schemas, atomic swap, crash safety."""
from __future__ import annotations

from pathlib import Path

import pytest

from schemas.tables import TABLES, descriptions
from tally import build as lib
from tally.publish import warehouse as wh
from tally.publish.validate import validate_tables

from helpers import query, tree_hashes

ROOT = Path(__file__).resolve().parent.parent


def _tables(raw: Path = ROOT / "raw") -> tuple[dict, dict]:
    found = lib.discover_documents(raw)
    segmented, q1 = lib.segment_documents(found.documents)
    extracted, q2 = lib.extract_mentions(segmented)
    facts, conflicts = lib.reconcile_facts(extracted)
    tables = lib.assemble(extracted, facts, conflicts, found.quarantine + q1 + q2, now="2026-01-01T00:00:00Z")
    return tables, {e.doc.doc_id: e.doc.text for e in extracted}


def test_tables_validate_and_publish(tmp_path):
    tables, texts = _tables()
    report = validate_tables(tables, texts)
    assert report.ok, report.failures
    pub = wh.publish(tmp_path, tables)
    assert pub.changed and (tmp_path / "current").is_symlink()
    assert sorted(p.name for p in (tmp_path / "parquet").iterdir()) == sorted(f"{t}.parquet" for t in TABLES)
    n = query(tmp_path, "SELECT count(*) FROM mentions")[0][0]
    assert n == len(tables["mentions"]) > 0
    # every published passage points at a published document
    joined = query(tmp_path, """SELECT count(*) FROM passages p JOIN documents d USING (doc_id)""")[0][0]
    assert joined == len(tables["passages"])


def test_every_table_and_column_has_its_schema_comment(tmp_path):
    tables, _ = _tables()
    wh.publish(tmp_path, tables)
    for name in TABLES:
        table_doc, cols = descriptions(name)
        assert query(tmp_path, f"SELECT comment FROM duckdb_tables() WHERE table_name = '{name}'") == [(table_doc,)]
        got = dict(query(tmp_path, f"SELECT column_name, comment FROM duckdb_columns() WHERE table_name = '{name}'"))
        assert got == cols
        assert all(cols.values()), f"{name} has a column without a description"


def test_same_input_gives_identical_parquet(tmp_path):
    tables, _ = _tables()
    a = wh.publish(tmp_path / "a", tables)
    tables2, _ = _tables()
    b = wh.publish(tmp_path / "b", tables2)
    assert a.build_id == b.build_id
    for p in (tmp_path / "a" / "parquet").iterdir():
        assert p.read_bytes() == (tmp_path / "b" / "parquet" / p.name).read_bytes()
    again = wh.publish(tmp_path / "a", tables2)
    assert not again.changed


def test_crash_between_staging_and_swap_keeps_last_good(tmp_path):
    tables, _ = _tables()
    wh.publish(tmp_path, tables)
    before = tree_hashes(tmp_path)
    changed = {**tables, "mentions": tables["mentions"].iloc[:3].copy()}

    def crash(build: Path) -> None:
        raise OSError("disk went away between staging and swap")

    with pytest.raises(OSError):
        wh.publish(tmp_path, changed, before_swap=crash)
    assert tree_hashes(tmp_path) == before
    assert query(tmp_path, "SELECT count(*) FROM mentions")[0][0] == len(tables["mentions"])
    assert not (tmp_path / ".staging").exists() or not any((tmp_path / ".staging").iterdir())
    # and the next publish goes through
    pub = wh.publish(tmp_path, changed)
    assert pub.changed and query(tmp_path, "SELECT count(*) FROM mentions")[0][0] == 3


def test_refuses_to_overwrite_a_foreign_file(tmp_path):
    tables, _ = _tables()
    (tmp_path / "tally.duckdb").write_bytes(b"someone else's database")
    with pytest.raises(FileExistsError):
        wh.publish(tmp_path, tables)
    assert (tmp_path / "tally.duckdb").read_bytes() == b"someone else's database"


def test_old_builds_are_collected(tmp_path):
    tables, _ = _tables()
    for k in (1, 2, 3, 4):
        wh.publish(tmp_path, {**tables, "mentions": tables["mentions"].iloc[:k].copy()})
    assert len(list((tmp_path / "builds").iterdir())) == 2


def test_damaged_old_build_is_rebuilt_not_reused(tmp_path):
    tables, _ = _tables()
    small = {**tables, "mentions": tables["mentions"].iloc[:3].copy()}
    a = wh.publish(tmp_path, tables)
    wh.publish(tmp_path, small)  # a is kept as the previous build
    (a.path / "parquet" / "facts.parquet").write_bytes(b"half-deleted")  # as a kill mid-delete could leave it
    again = wh.publish(tmp_path, tables)
    assert again.build_id == a.build_id and again.changed
    assert query(tmp_path, "SELECT count(*) FROM facts")[0][0] == len(tables["facts"])
    assert not (tmp_path / ".trash").exists()
