"""Run the Pandera models over every table (lazily, so every failing row and check is reported)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa

# pandas, pandera and the models are imported where validation runs: ValidationFailed is imported by the
# CLI at start-up, and pandera costs seconds there.

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
    import pandera.pandas as pa

    from schemas.tables import TABLES, arrow_unique, offsets_check, vocabulary_checks

    col_checks, row_checks = vocabulary_checks(table)
    if texts is not None and table in ("passages", "mentions"):
        row_checks.append(offsets_check(texts))
    columns = {c: pa.Column(checks=checks, nullable=True) for c, checks in col_checks.items()}
    return [arrow_unique(TABLES[table].to_schema()), pa.DataFrameSchema(columns, checks=row_checks, name=f"{table}_vocabulary")]


def validate_tables(tables: dict[str, pd.DataFrame], texts: dict[str, str] | None = None) -> ValidationReport:
    """Validate each table lazily; collect all failures instead of stopping at the first."""
    import pandas as pd
    from pandera.errors import SchemaErrors

    parts = []
    for name, df in tables.items():
        for schema in schemas_for(name, texts):
            whole, by_rows = _split_unique(schema)
            for part_schema, frames in ((whole, [df]), (by_rows, _row_slices(df))):
                if part_schema is None:
                    continue
                for frame in frames:
                    try:
                        part_schema.validate(frame, lazy=True)
                    except SchemaErrors as exc:
                        parts.append(_tidy(name, exc.failure_cases))
    failures = (pd.concat(parts, ignore_index=True).drop_duplicates(ignore_index=True) if parts
                else pd.DataFrame(columns=FAILURE_COLUMNS))
    return ValidationReport({n: len(df) for n, df in tables.items()}, failures)


# Every check but uniqueness is row by row, so a table is checked a slice of rows at a time: on a very large
# document's 760,000 mentions, Pandera's and pandas' temporaries for the whole table took ~150 MB at once.
VALIDATE_ROWS = 1 << 17


def _row_slices(df: pd.DataFrame) -> list[pd.DataFrame]:
    """The frame in slices of VALIDATE_ROWS rows (index labels kept, so failures name the frame's rows)."""
    return [df.iloc[lo:lo + VALIDATE_ROWS] for lo in range(0, max(len(df), 1), VALIDATE_ROWS)]


def _split_unique(schema: pa.DataFrameSchema) -> tuple[pa.DataFrameSchema | None, pa.DataFrameSchema]:
    """(a schema of the uniqueness checks, which need the whole column; the schema without them)."""
    import pandera.pandas as pa

    unique = {name: [c for c in col.checks if c.name == "field_uniqueness"] for name, col in schema.columns.items()}
    unique = {name: checks for name, checks in unique.items() if checks}
    if not unique:
        return None, schema
    rest = schema
    for name in unique:
        rest = rest.update_column(name, checks=[c for c in schema.columns[name].checks if c.name != "field_uniqueness"])
    whole = pa.DataFrameSchema({n: pa.Column(checks=c, nullable=True) for n, c in unique.items()},
                               name=f"{schema.name}_unique")
    return whole, rest


def _tidy(table: str, fc: pd.DataFrame) -> pd.DataFrame:
    """Pandera's failure cases, with a row-level check reported once per row instead of once per column."""
    import pandas as pd

    fc = fc.copy()
    fc.insert(0, "table", table)
    wide = fc["schema_context"].eq("DataFrameSchema") & fc["index"].notna()
    row_level = fc[wide].drop_duplicates(["check", "index"]).assign(column=None, failure_case="(row)")
    fc = pd.concat([fc[~wide], row_level], ignore_index=True)
    return fc.reindex(columns=FAILURE_COLUMNS).astype({"failure_case": "str", "index": "str"})


def format_failures(failures: pd.DataFrame, limit: int = 200) -> str:
    """One line per failing row and check, for logs and the CLI."""
    lines = [f"validation failed: {len(failures)} failing cases"]
    for r in failures.head(limit).itertuples(index=False):
        if isinstance(r.column, str):
            lines.append(f"  {r.table}.{r.column}: check {r.check} failed for {r.failure_case!r} (row {r.index})")
        else:
            lines.append(f"  {r.table}: check {r.check} failed (row {r.index})")
    if len(failures) > limit:
        lines.append(f"  ... and {len(failures) - limit} more")
    return "\n".join(lines)
