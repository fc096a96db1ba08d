"""Dimension tables (countries, groups, indicators, units) and the analyst views (series, facts_full).

The dimensions come from maintained sources, never hand-typed lists: pycountry for ISO 3166-1, the
YAML vocabularies in schemas/ for groups, indicators and units. They are published beside the facts
tables in every build (`with_dimensions`), and `create_views` is the warehouse's `extra` callback.

`countries` has no region column: none of the installed packages maintains a country -> region
mapping (pycountry covers ISO 3166 only), and a hand-typed one would go stale silently.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pycountry
import yaml

from schemas import vocab
from schemas.tables import DIMENSIONS, MODELS, ORDER, VIEWS, columns

MEMBERS_FILE = Path(vocab.HERE) / "group_members.yaml"
_LIST_COLUMNS = {"members", "units"}


def _frame(table: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    """Records -> a frame with exactly the table's columns, string dtypes and deterministic order."""
    cols = columns(table)
    data = {}
    for c in cols:
        values = [r.get(c) for r in records]
        if c in _LIST_COLUMNS:
            data[c] = pd.Series([list(v or []) for v in values], dtype="object")
        else:
            data[c] = pd.Series(values, dtype="str")
    df = pd.DataFrame(data, columns=cols)
    return df.sort_values(ORDER[table], kind="mergesort").reset_index(drop=True) if len(df) else df


def countries() -> pd.DataFrame:
    """ISO 3166-1 countries from pycountry."""
    rows = [{"iso3": c.alpha_3, "iso2": c.alpha_2, "numeric": c.numeric, "name": c.name,
             "official_name": getattr(c, "official_name", None), "common_name": getattr(c, "common_name", None)}
            for c in pycountry.countries]
    return _frame("countries", rows)


def group_members(path: Path = MEMBERS_FILE) -> dict[str, dict[str, Any]]:
    """Group code -> {members, source, as_of} from group_members.yaml (empty when the file is absent)."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data.get("groups") or {}


def groups() -> pd.DataFrame:
    """Group codes from groups.yaml, with membership lists from group_members.yaml."""
    members = group_members()
    rows = []
    for code, g in vocab.groups().items():
        m = members.get(code) or {}
        rows.append({"code": code, "name": g.get("title") or g.get("name") or code, "kind": g.get("kind"),
                     "members": list(m.get("members") or []), "source": m.get("source"),
                     "as_of": str(m["as_of"]) if m.get("as_of") else None})
    return _frame("groups", rows)


def indicators() -> pd.DataFrame:
    """The indicator catalog from indicators.yaml."""
    rows = [{"code": code, "title": i.get("title") or code, "measure": i.get("measure"),
             "units": list(i.get("units") or []), "description": _one_line(i.get("description"))}
            for code, i in vocab.indicators().items()]
    return _frame("indicators", rows)


def units() -> pd.DataFrame:
    """Unit codes from units.yaml."""
    rows = [{"code": code, "dimension": u.get("dimension"), "description": _one_line(u.get("description"))}
            for code, u in vocab.units().items()]
    return _frame("units", rows)


def _one_line(text: object) -> str | None:
    """Folded YAML text as one line (None stays None)."""
    return " ".join(str(text).split()) if text is not None else None


def frames() -> dict[str, pd.DataFrame]:
    """Every dimension table, validated against its Pandera model."""
    built = {"countries": countries(), "groups": groups(), "indicators": indicators(), "units": units()}
    for name, df in built.items():
        DIMENSIONS[name].validate(df)
    return built


def with_dimensions(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The pipeline's tables plus the dimension tables in publishing order (MODELS), ready for warehouse.publish."""
    merged = {**tables, **frames()}
    return {**{n: merged[n] for n in MODELS if n in merged}, **merged}


_YEAR_FACTS = """
    SELECT *, substr(period_start, 1, 4) AS y FROM facts
    WHERE subject IS NOT NULL AND value IS NOT NULL AND period_start IS NOT NULL AND period_end IS NOT NULL
      AND subject NOT LIKE '%;%'  -- a figure shared by several countries (AUT;DEU) is no one country's series
"""

VIEW_SQL: dict[str, str] = {
    # A calendar year may be written YYYY, YYYY-01..YYYY-12 or YYYY-01-01..YYYY-12-31; fiscal years
    # (e.g. 2023-10..2024-09) and multi-year spans are not one calendar year and stay out.
    "series": f"""
        SELECT subject AS iso3, indicator, CAST(y AS INTEGER) AS year, value, unit, comparator, measure,
               counterpart, fact_id
        FROM ({_YEAR_FACTS}) f
        WHERE period_start IN (y, y || '-01', y || '-01-01') AND period_end IN (y, y || '-12', y || '-12-31')
        ORDER BY iso3, indicator, year, fact_id
    """,
    "facts_full": """
        WITH fm AS (
            SELECT fact_id, unnest(mention_ids) AS mention_id FROM facts
        ), ctx AS (
            SELECT fm.fact_id,
                   list(m.text ORDER BY m.doc_id, m.start) AS mention_texts,
                   list(p.text ORDER BY m.doc_id, m.start) AS passages
            FROM fm JOIN mentions m USING (mention_id) LEFT JOIN passages p ON p.passage_id = m.passage_id
            GROUP BY fm.fact_id
        ), fd AS (
            SELECT fact_id, unnest(doc_ids) AS doc_id FROM facts
        ), docs AS (
            SELECT fd.fact_id, list(coalesce(d.title, d.path) ORDER BY d.path) AS doc_titles,
                   list(d.path ORDER BY d.path) AS doc_paths
            FROM fd JOIN documents d USING (doc_id)
            GROUP BY fd.fact_id
        ), names AS (
            SELECT iso3 AS code, coalesce(common_name, name) AS name FROM countries
            UNION ALL SELECT code, name FROM groups
        )
        SELECT f.fact_id, f.indicator, i.title AS indicator_title, f.subject, sn.name AS subject_name,
               f.counterpart, cn.name AS counterpart_name, f.measure, f.value, f.unit, f.comparator,
               f.period_start, f.period_end, f.n_mentions, f.quote,
               coalesce(ctx.mention_texts, []) AS mention_texts, coalesce(ctx.passages, []) AS passages,
               coalesce(docs.doc_titles, []) AS doc_titles, coalesce(docs.doc_paths, []) AS doc_paths,
               f.mention_ids, f.doc_ids
        FROM facts f
        LEFT JOIN indicators i ON i.code = f.indicator
        LEFT JOIN names sn ON sn.code = f.subject
        LEFT JOIN names cn ON cn.code = f.counterpart
        LEFT JOIN ctx USING (fact_id)
        LEFT JOIN docs USING (fact_id)
        ORDER BY f.fact_id
    """,
}


def _sql_string(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """Create the analyst views with a COMMENT on each view and column (the warehouse's `extra` callback)."""
    for name, sql in VIEW_SQL.items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
        doc, cols = VIEWS[name]
        con.execute(f"COMMENT ON VIEW {name} IS {_sql_string(doc)}")
        for col, text in cols.items():
            con.execute(f'COMMENT ON COLUMN {name}."{col}" IS {_sql_string(text)}')
