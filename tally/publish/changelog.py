"""A release's CHANGES.md: the facts added, removed and changed since the previous release, and row counts."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

_MAX_LISTED = 200  # rows listed per section of CHANGES.md


def _facts_path(release: Path) -> str:
    return str(release / "facts.parquet").replace("'", "''")


_KEY = ["indicator", "subject", "counterpart", "measure", "unit", "period_start", "period_end"]


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.15g}"
    return str(v).replace("|", "\\|").replace("\n", " ")


def _fact_line(r: dict[str, Any]) -> str:
    period = r["period_start"] if r["period_start"] == r["period_end"] else f"{_fmt(r['period_start'])}..{_fmt(r['period_end'])}"
    return (f"| {_fmt(r['indicator'])} | {_fmt(r['subject'])} | {_fmt(r['counterpart'])} | {_fmt(period)} "
            f"| {_fmt(r['comparator'])} {_fmt(r['value'])} {_fmt(r['unit'])} | {_fmt(r['fact_id'])} |")


def diff_facts(new: Path, old: Path) -> dict[str, list[dict[str, Any]]]:
    """Facts added, removed and changed between two releases, matched on what they are about.

    fact_id is a position-based id that can shift between runs, so facts are matched on their claim
    key (indicator, subject, counterpart, measure, unit, period) and compared on (comparator, value).
    """
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"CREATE VIEW n AS SELECT * FROM read_parquet('{_facts_path(new)}')")
        con.execute(f"CREATE VIEW o AS SELECT * FROM read_parquet('{_facts_path(old)}')")
        on = " AND ".join(f"a.{k} IS NOT DISTINCT FROM b.{k}" for k in _KEY)
        keys = ", ".join(_KEY)
        order = f"ORDER BY {keys}, fact_id"

        def rows(sql: str) -> list[dict[str, Any]]:
            rel = con.sql(sql)
            return [dict(zip(rel.columns, r)) for r in rel.fetchall()]

        added = rows(f"SELECT * FROM n a WHERE NOT EXISTS (SELECT 1 FROM o b WHERE {on}) {order}")
        removed = rows(f"SELECT * FROM o a WHERE NOT EXISTS (SELECT 1 FROM n b WHERE {on}) {order}")
        grouped = ("SELECT {keys}, list(comparator || ' ' || coalesce(CAST(value AS VARCHAR), 'NULL') "
                   "ORDER BY value, comparator) AS vals, list(fact_id ORDER BY fact_id) AS ids FROM {t} GROUP BY ALL")
        changed = rows(f"""
            SELECT a.*, b.vals AS old_vals, b.ids AS old_ids
            FROM ({grouped.format(keys=keys, t='n')}) a JOIN ({grouped.format(keys=keys, t='o')}) b ON {on}
            WHERE a.vals IS DISTINCT FROM b.vals ORDER BY {keys}""")
        return {"added": added, "removed": removed, "changed": changed}
    finally:
        con.close()


def _row_counts(release: Path) -> dict[str, int]:
    """Rows per table of a release, from the Parquet footers."""
    return {p.stem: pq.ParquetFile(p).metadata.num_rows for p in sorted(release.glob("*.parquet"))}


def changes_markdown(version: str, new: Path, previous: tuple[str, Path] | None) -> str:
    """CHANGES.md for a release: row counts and facts added, removed and changed since the previous one."""
    from schemas.tables import MODELS

    lines = [f"# tally {version}: changes", ""]
    counts = _row_counts(new)
    if previous is None:
        lines += ["First release: there is no previous release to compare with.", "",
                  "| table | rows |", "|---|---:|"]
        lines += [f"| {t} | {n} |" for t, n in counts.items()]
        return "\n".join(lines) + "\n"
    prev_version, prev = previous
    old_counts = _row_counts(prev)
    d = diff_facts(new, prev)
    lines += [f"Compared with release {prev_version}: {len(d['added'])} facts added, "
              f"{len(d['removed'])} removed, {len(d['changed'])} changed values.", "",
              "| table | rows before | rows after | change |", "|---|---:|---:|---:|"]
    for t in sorted(set(counts) | set(old_counts), key=lambda t: list(MODELS).index(t) if t in MODELS else 99):
        a, b = old_counts.get(t, 0), counts.get(t, 0)
        lines.append(f"| {t} | {a} | {b} | {b - a:+d} |")
    head = "| indicator | subject | counterpart | period | value | fact_id |\n|---|---|---|---|---|---|"
    for kind in ("added", "removed"):
        lines += ["", f"## Facts {kind} ({len(d[kind])})", ""]
        if d[kind]:
            lines += [head] + [_fact_line(r) for r in d[kind][:_MAX_LISTED]]
            if len(d[kind]) > _MAX_LISTED:
                lines.append(f"\n... and {len(d[kind]) - _MAX_LISTED} more")
    lines += ["", f"## Changed values ({len(d['changed'])})", ""]
    if d["changed"]:
        lines += ["| indicator | subject | counterpart | period | before | after | fact_id |", "|---|---|---|---|---|---|---|"]
        for r in d["changed"][:_MAX_LISTED]:
            period = r["period_start"] if r["period_start"] == r["period_end"] else f"{_fmt(r['period_start'])}..{_fmt(r['period_end'])}"
            lines.append(f"| {_fmt(r['indicator'])} | {_fmt(r['subject'])} | {_fmt(r['counterpart'])} | {_fmt(period)} "
                         f"| {'; '.join(r['old_vals'])} {_fmt(r['unit'])} | {'; '.join(r['vals'])} {_fmt(r['unit'])} "
                         f"| {', '.join(r['ids'])} |")
    return "\n".join(lines) + "\n"
