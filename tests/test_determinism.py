"""Determinism: the same raw/ gives byte-identical Parquet and the same query results; changing one
document changes only the rows that come from it."""
from __future__ import annotations

import time

import shutil
from pathlib import Path

import pandas as pd
import pytest

from tally import build as lib
from tally.publish import warehouse as wh

from helpers import query

ROOT = Path(__file__).resolve().parent.parent
OTHER = ("Trade outlook\n\nGermany's exports to France rose 4.5% to €120 billion in 2023, while imports "
         "from China fell 2% in 2022.\n\n| Partner | 2023 |\n|---|---|\n| Japan | $14 billion |\n")
SMALL = "Canada's wheat exports rose 9% to 25 million tonnes in 2021.\n"


def _build(raw: Path, warehouse: Path, now: str) -> dict[str, pd.DataFrame]:
    """The library pipeline, as the flow runs it: ingested_at carried over from the published documents."""
    built = lib.build_tables(raw, lib.BuildOptions(previous_documents=wh.read_published(warehouse, "documents"),
                                                   now=now))
    assert built.report.ok
    wh.publish(warehouse, built.tables)
    return built.tables


@pytest.fixture()
def raw(tmp_path) -> Path:
    d = tmp_path / "raw"
    shutil.copytree(ROOT / "raw", d)
    (d / "other.txt").write_text(OTHER, encoding="utf-8")
    (d / "small.txt").write_text(SMALL, encoding="utf-8")
    return d


def _dump(warehouse: Path) -> dict[str, list[tuple]]:
    tables = [r[0] for r in query(warehouse, "SELECT table_name FROM duckdb_tables() ORDER BY 1")]
    return {t: query(warehouse, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}


def test_two_runs_give_identical_bytes_and_answers(raw, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    _build(raw, a, now="2026-01-01T00:00:00Z")
    _build(raw, b, now="2026-01-01T00:00:00Z")
    for p in sorted((a / "parquet").iterdir()):
        assert p.read_bytes() == (b / "parquet" / p.name).read_bytes(), p.name
    assert _dump(a) == _dump(b)
    # a later re-run into the same warehouse keeps ingested_at, so nothing changes at all
    before = {p.name: p.read_bytes() for p in (a / "parquet").iterdir()}
    pub_tables = _build(raw, a, now="2027-06-30T12:00:00Z")
    assert {p.name: p.read_bytes() for p in (a / "parquet").iterdir()} == before
    assert set(pub_tables["documents"]["ingested_at"]) == {"2026-01-01T00:00:00Z"}


def _by_doc(df: pd.DataFrame, drop: set[str]) -> pd.DataFrame:
    return df[~df["doc_id"].isin(drop)].reset_index(drop=True)


def _facts_content(df: pd.DataFrame) -> set[tuple]:
    cols = [c for c in df.columns if c not in ("fact_id",)]
    return {tuple(tuple(v) if isinstance(v, list) else v for v in row) for row in df[cols].itertuples(index=False)}


def test_changing_one_document_changes_only_its_rows(raw, tmp_path):
    w = tmp_path / "wh"
    t1 = _build(raw, w, now="2026-01-01T00:00:00Z")
    old_id = t1["documents"].set_index("path").loc["small.txt", "doc_id"]
    (raw / "small.txt").write_text(SMALL.replace("9%", "11%"), encoding="utf-8")
    t2 = _build(raw, w, now="2026-02-01T00:00:00Z")
    new_id = t2["documents"].set_index("path").loc["small.txt", "doc_id"]
    assert new_id != old_id
    changed = {old_id, new_id}
    for name in ("documents", "passages", "mentions"):
        pd.testing.assert_frame_equal(_by_doc(t1[name], changed), _by_doc(t2[name], changed))
        assert set(t2[name]["doc_id"]) - set(t1[name]["doc_id"]) <= {new_id}
    # facts: the ones stated only by other documents are the same claims with the same mentions
    f1 = t1["facts"][t1["facts"]["doc_ids"].map(lambda ids: not set(ids) & changed)]
    f2 = t2["facts"][t2["facts"]["doc_ids"].map(lambda ids: not set(ids) & changed)]
    assert _facts_content(f1) == _facts_content(f2)
    assert (t2["mentions"][t2["mentions"]["doc_id"] == new_id]["text"] == "11%").any()


def test_fact_ids_of_unchanged_documents_are_stable(raw, tmp_path):
    w = tmp_path / "wh"
    t1 = _build(raw, w, now="2026-01-01T00:00:00Z")
    old_id = t1["documents"].set_index("path").loc["small.txt", "doc_id"]
    for text in (SMALL.replace("9%", f"{k}%") for k in range(10, 20)):
        (raw / "small.txt").write_text(text, encoding="utf-8")
        t2 = _build(raw, w, now="2026-02-01T00:00:00Z")
        new_id = t2["documents"].set_index("path").loc["small.txt", "doc_id"]
        keep = lambda t: t["facts"][t["facts"]["doc_ids"].map(lambda ids: not set(ids) & {old_id, new_id})]
        assert keep(t1)["fact_id"].tolist() == keep(t2)["fact_id"].tolist()


def test_source_date_epoch_gives_identical_fresh_warehouses_and_build_ids(raw, tmp_path, monkeypatch):
    """Two fresh warehouses from the same raw/, built at different wall-clock times, are byte-identical."""
    from tally.publish.builds import current_build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    a, b = tmp_path / "a", tmp_path / "b"
    ta = lib.build_tables(raw).tables
    wh.publish(a, ta)
    time.sleep(1.1)  # the wall clock moves on; the stamp must not
    wh.publish(b, lib.build_tables(raw).tables)
    assert set(ta["documents"]["ingested_at"]) == {"2026-01-01T00:00:00Z"}
    for p in sorted((a / "parquet").iterdir()):
        assert p.read_bytes() == (b / "parquet" / p.name).read_bytes(), p.name
    assert current_build(a).name == current_build(b).name


def test_source_date_epoch_is_read_only_when_it_is_a_number(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert lib.source_date() == "1970-01-01T00:00:00Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    assert lib.source_date() is None
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert lib.source_date() is None
