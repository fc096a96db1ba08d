"""Build the published tables as pandas frames from the pipeline's row objects, in a fixed order and dtype."""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable

import pandas as pd

from schemas.tables import ORDER, columns

# Column dtypes that pandas cannot infer from an all-NULL column.
_FLOAT = {"value", "low", "high"}
_INT = {"start", "end", "n_chars", "n_bytes", "n_mentions"}
_LIST = {"mention_ids", "doc_ids", "fact_ids"}
_NULLABLE_INT = {"page", "n_pages"}


def _get(row: Any, name: str) -> Any:
    """A field of a dataclass row or a key of a mapping row (None when absent)."""
    if isinstance(row, dict):
        return row.get(name)
    if dataclasses.is_dataclass(row):
        return getattr(row, name, None)
    return dict(row).get(name)


def frame(table: str, rows: Iterable[Any]) -> pd.DataFrame:
    """Rows (dataclasses or dicts) -> a frame with exactly the table's columns, sorted deterministically."""
    # Read fields straight off the rows, column by column: a dict per row (dataclasses.asdict) cost
    # several times the rows themselves for the mentions of a very large document.
    records = rows if isinstance(rows, list) else list(rows)
    cols = columns(table)
    data: dict[str, Any] = {}
    for c in cols:
        values = [_get(r, c) for r in records]
        if c in _FLOAT:
            data[c] = pd.Series([float("nan") if v is None else float(v) for v in values], dtype="float64")
        elif c in _INT:
            data[c] = pd.Series(values, dtype="int64")
        elif c in _NULLABLE_INT:
            data[c] = pd.Series(values, dtype="Int64")
        elif c in _LIST:
            data[c] = pd.Series([list(v) for v in values], dtype="object")
        else:
            data[c] = pd.Series(values, dtype="str")
    df = pd.DataFrame(data, columns=cols)
    if len(df):
        df = df.sort_values(ORDER[table], kind="mergesort").reset_index(drop=True)
    return df
