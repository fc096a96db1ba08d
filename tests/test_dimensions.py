"""Dimension tables, the series and facts_full views, their COMMENTs, and joins with outside data."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pycountry
import pytest
import yaml

from schemas import vocab
from schemas.tables import DIMENSIONS, VIEWS, descriptions
from tally.publish import dimensions as dim
from tally.publish import warehouse as wh
from tally.publish.frames import frame

from helpers import query
from test_warehouse import _tables

# (subject, period_start, period_end, value) -> in series?  One case per rule of the one-calendar-year view.
SERIES_CASES = [
    ("USA", "2023", "2023", 10.0, True),
    ("RUS", "2022-01", "2022-12", 20.0, True),
    ("DEU", "2021-01-01", "2021-12-31", 30.0, True),
    ("EUU", "2020", "2020", 40.0, True),          # group codes are kept (World Bank style aggregates)
    ("FRA", "2022", "2023", 50.0, False),         # two years
    ("GBR", "2023-10", "2024-09", 60.0, False),   # a fiscal year
    ("CHN", "2023-03", "2023-03", 70.0, False),   # one month
    (None, "2023", "2023", 80.0, False),          # no subject: nothing to join on
    ("IND", "2023", None, 90.0, False),           # open period
    ("JPN", "2023", "2023", None, False),         # no value
]


def indicator_code() -> str:
    """A code from the catalog (or a placeholder while the catalog is empty)."""
    return sorted(vocab.indicators())[0] if vocab.indicators() else "test_indicator"


def synthetic_facts(mentions: pd.DataFrame, cases: list[tuple] = SERIES_CASES) -> pd.DataFrame:
    """A facts frame with one fact per case, each pointing at a real mention of the seed."""
    rows = []
    for i, (subject, start, end, value, _) in enumerate(cases, 1):
        m = mentions.iloc[i % len(mentions)]
        rows.append(dict(fact_id=f"F{i:04d}", indicator=indicator_code(), subject=subject, counterpart=None,
                         measure="level", value=value, unit="USD", comparator="=", period_start=start,
                         period_end=end, n_mentions=1, mention_ids=[m["mention_id"]], doc_ids=[m["doc_id"]],
                         quote=m["text"]))
    return frame("facts", rows)


def build_warehouse(path: Path, facts: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Publish the seed's tables (with synthetic facts if given), the dimensions and the views into path."""
    tables, _ = _tables()
    if facts is not None:
        tables = {**tables, "facts": facts}
    full = dim.with_dimensions(tables)
    wh.publish(path, full, extra=dim.create_views)
    return full


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    path = tmp_path_factory.mktemp("wh")
    tables, _ = _tables()
    return path, build_warehouse(path, synthetic_facts(tables["mentions"]))


def test_dimension_frames_come_from_their_sources():
    frames = dim.frames()
    assert set(frames) == set(DIMENSIONS)
    c = frames["countries"].set_index("iso3")
    assert len(c) == len(pycountry.countries)
    assert c.loc["USA", ["iso2", "numeric", "name"]].tolist() == ["US", "840", "United States"]
    assert c.loc["BOL", "common_name"] == "Bolivia"
    assert frames["units"]["code"].tolist() == sorted(vocab.units())
    assert sorted(frames["indicators"]["code"]) == sorted(vocab.indicators())
    assert sorted(frames["groups"]["code"]) == sorted(vocab.group_codes())


def test_group_members_are_known_codes_with_source_and_date():
    members = dim.group_members()
    codes = vocab.entity_codes()
    assert set(members) <= vocab.group_codes(), "group_members.yaml names a group groups.yaml lacks"
    for code, g in members.items():
        assert g["members"] and set(g["members"]) <= codes, code
        assert len(set(g["members"])) == len(g["members"]), f"{code} lists a member twice"
        assert g.get("source") and g.get("as_of"), code
    assert len(members["EUU"]["members"]) == 27 and "GBR" not in members["EUU"]["members"]
    assert set(members["G7"]["members"]) == {"CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"}


def test_a_bad_dimension_frame_fails_its_model():
    bad = dim.countries().copy()
    bad.loc[0, "iso3"] = "usa"
    with pytest.raises(Exception):
        DIMENSIONS["countries"].validate(bad)


def test_dimensions_and_views_are_published_with_comments(published):
    path, tables = published
    for name in DIMENSIONS:
        assert query(path, f"SELECT count(*) FROM {name}")[0][0] == len(tables[name])
        assert (path / "parquet" / f"{name}.parquet").exists()
        doc, cols = descriptions(name)
        assert query(path, f"SELECT comment FROM duckdb_tables() WHERE table_name = '{name}'") == [(doc,)]
        got = dict(query(path, f"SELECT column_name, comment FROM duckdb_columns() WHERE table_name = '{name}'"))
        assert got == cols and all(cols.values())
    for name, (doc, cols) in VIEWS.items():
        assert query(path, f"SELECT comment FROM duckdb_views() WHERE view_name = '{name}'") == [(doc,)]
        got = dict(query(path, f"SELECT column_name, comment FROM duckdb_columns() WHERE table_name = '{name}'"))
        assert got == cols and all(cols.values()), f"{name}: columns and comments differ"


def test_series_keeps_exactly_the_one_calendar_year_facts(published):
    path, _ = published
    rows = query(path, "SELECT iso3, year, value FROM series ORDER BY value")
    expected = [(s, int(p[:4]), v) for s, p, _, v, keep in SERIES_CASES if keep]
    assert rows == expected
    assert query(path, "SELECT data_type FROM duckdb_columns() WHERE table_name = 'series' AND column_name = 'year'") == [("INTEGER",)]


def test_facts_full_has_quotes_mentions_and_titles(published):
    path, tables = published
    rows = query(path, "SELECT fact_id, subject_name, indicator_title, mention_texts, passages, doc_titles FROM facts_full ORDER BY fact_id")
    assert len(rows) == len(SERIES_CASES)
    fid, subject_name, title, texts, passages, titles = rows[0]
    m = tables["mentions"].iloc[1]
    assert fid == "F0001" and subject_name == "United States"
    assert texts == [m["text"]] and m["text"] in passages[0]
    assert titles == [tables["documents"]["title"].iloc[0]]
    if vocab.indicators():
        assert title == vocab.indicators()[indicator_code()]["title"]


def test_views_work_when_the_database_is_opened_from_elsewhere(published, tmp_path, monkeypatch):
    path, _ = published
    copy = tmp_path / "elsewhere" / "copy.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(path / "tally.duckdb", copy)
    monkeypatch.chdir(tmp_path)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        assert con.sql("SELECT count(*) FROM series").fetchall()[0][0] == sum(c[-1] for c in SERIES_CASES)
        assert con.sql("SELECT count(*) FROM facts_full").fetchall()[0][0] == len(SERIES_CASES)
    finally:
        con.close()


def test_join_series_with_world_bank_csv_and_parquet(published, tmp_path):
    """The README's "Join with your own data" example, as written there."""
    path, _ = published
    csv = tmp_path / "gdp.csv"
    csv.write_text("iso3,year,value\nUSA,2023,27360935000000\nRUS,2022,2266029240000\nDEU,2021,4278503934000\n")
    con = duckdb.connect(str(path / "tally.duckdb"), read_only=True)
    try:
        sql = """
            SELECT s.iso3, s.year, s.indicator, s.value, gdp.value AS gdp_usd, s.value / gdp.value * 100 AS pct_of_gdp
            FROM series s JOIN read_csv_auto('{src}') gdp USING (iso3, year)
            ORDER BY s.iso3, s.year"""
        rows = con.sql(sql.format(src=csv)).fetchall()
        assert [(r[0], r[1]) for r in rows] == [("DEU", 2021), ("RUS", 2022), ("USA", 2023)]
        assert rows[2][3] == 10.0 and rows[2][4] == 27360935000000
        parquet = tmp_path / "gdp.parquet"
        duckdb.connect().execute(f"COPY (SELECT * FROM read_csv_auto('{csv}')) TO '{parquet}' (FORMAT parquet)")
        rows_pq = con.sql(sql.replace("read_csv_auto", "read_parquet").format(src=parquet)).fetchall()
        assert rows_pq == rows
    finally:
        con.close()


def test_smoke_seed_warehouse_has_dimensions_and_views(tmp_path):
    tables = build_warehouse(tmp_path)
    assert query(tmp_path, "SELECT count(*) FROM countries")[0][0] == len(pycountry.countries)
    assert query(tmp_path, "SELECT count(*) FROM facts_full")[0][0] == len(tables["facts"])
    assert query(tmp_path, "SELECT count(*) FROM series")[0][0] <= len(tables["facts"])


def test_group_members_file_parses_as_documented():
    data = yaml.safe_load(dim.MEMBERS_FILE.read_text(encoding="utf-8"))
    assert set(data) == {"groups"} and all(isinstance(g["members"], list) for g in data["groups"].values())


def test_the_flow_publishes_dimensions_and_views(tmp_path):
    """The flow's publish task (called without the Prefect engine) adds the dimensions and the views."""
    from flows.pipeline import publish

    tables, _ = _tables()
    publish.fn(tmp_path, tables)
    names = {r[0] for r in query(tmp_path, "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal")}
    assert set(DIMENSIONS) | set(VIEWS) <= names
