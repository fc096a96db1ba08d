"""A restructuring changes no published value: a fresh build over tests/gold equals the stored snapshot
(tests/snapshots/, written by `python tests/snapshot.py --update` after a deliberate change; the diff
then shows which fields changed, and the commit says why)."""
from __future__ import annotations

import json

import pytest

import snapshot


@pytest.fixture(scope="module")
def fresh() -> dict[str, list[str]]:
    return snapshot.lines(snapshot.build())


def _differences(name: str, old: list[str], new: list[str], limit: int = 5) -> list[str]:
    """Readable differences of one table: header, row count, and the first changed rows field by field."""
    if old[:1] != new[:1]:
        return [f"{name}: columns {old[:1]} -> {new[:1]}"]
    cols = json.loads(old[0])
    out = [f"{name}: {len(old) - 1} rows -> {len(new) - 1}"] if len(old) != len(new) else []
    for i, (a, b) in enumerate(zip(old[1:], new[1:])):
        if a != b and len(out) < limit:
            ra, rb = json.loads(a), json.loads(b)
            out.append(f"{name} row {i}: " + ", ".join(f"{c}: {x!r} -> {y!r}" for c, x, y in zip(cols, ra, rb) if x != y))
    return out


def test_the_snapshot_covers_every_published_table(fresh: dict) -> None:
    assert set(snapshot.read()) == set(fresh)


@pytest.mark.parametrize("table", ["documents", "passages", "mentions", "facts", "conflicts", "quarantine",
                                   "rejected_rows", "document_texts"])
def test_published_table_equals_the_snapshot(fresh: dict, table: str) -> None:
    old = snapshot.read()[table]
    assert old == fresh[table], "\n".join(_differences(table, old, fresh[table])) + \
        "\n(a deliberate change? `python tests/snapshot.py --update`, and say why in the commit)"


def test_a_changed_value_is_reported_field_by_field() -> None:
    old = ['["a", "b"]', '[1, "x"]']
    assert _differences("t", old, ['["a", "b"]', '[1, "y"]']) == ["t row 0: b: 'x' -> 'y'"]
    assert _differences("t", old, ['["a", "c"]', '[1, "x"]'])[0].startswith("t: columns")
