"""Run the Pandera models over every table (lazily, so every failing row and check is reported)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from schemas.tables import TABLES, offsets_check, vocabulary_checks

FAILURE_COLUMNS = ["table", "column", "check", "failure_case", "index"]


class ValidationFailed(Exception):
    """Raised when published tables would break their schema; carries every failure."""

    def __init__(self, failures: pd.DataFrame) -> None:
        self.failures = failures
        super().__init__(format_failures(failures))


@dataclass(frozen=True)
class ValidationReport:
    """Per-table row counts and every failing (table, column, check, case, row index)."""

    rows: dict[str, int]
    failures: pd.DataFrame

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return self.failures.empty


def schemas_for(table: str, texts: dict[str, str] | None = None) -> list[pa.DataFrameSchema]:
    """The static model, then a schema of the vocabulary and offset checks that need runtime data."""
    extra = vocabulary_checks(table)
    if texts is not None and table in ("passages", "mentions"):
        extra.append(offsets_check(texts))
    return [TABLES[table].to_schema(), pa.DataFrameSchema(checks=extra, name=f"{table}_vocabulary")]


def validate_tables(tables: dict[str, pd.DataFrame], texts: dict[str, str] | None = None) -> ValidationReport:
    """Validate each table lazily; collect all failures instead of stopping at the first."""
    parts = []
    for name, df in tables.items():
        for schema in schemas_for(name, texts):
            try:
                schema.validate(df, lazy=True)
            except SchemaErrors as exc:
                fc = exc.failure_cases.copy()
                fc.insert(0, "table", name)
                parts.append(fc.reindex(columns=FAILURE_COLUMNS).astype({"failure_case": "str", "index": "str"}))
    failures = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FAILURE_COLUMNS)
    return ValidationReport({n: len(df) for n, df in tables.items()}, failures)


def format_failures(failures: pd.DataFrame, limit: int = 200) -> str:
    """One line per failing row and check, for logs and the CLI."""
    lines = [f"validation failed: {len(failures)} failing cases"]
    for r in failures.head(limit).itertuples(index=False):
        col = r.column if isinstance(r.column, str) else "<table>"
        lines.append(f"  {r.table}.{col}: check {r.check} failed for {r.failure_case!r} (row {r.index})")
    if len(failures) > limit:
        lines.append(f"  ... and {len(failures) - limit} more")
    return "\n".join(lines)
