"""Pandera models for every published table: column types, vocabularies and descriptions.

The descriptions here are the one source of truth for the warehouse's COMMENTs and the release's
Table Schemas; the vocabularies come from the YAML files beside this module.
"""
from __future__ import annotations

import math

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas import vocab

PERIOD_RE = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"
YEAR_MIN, YEAR_MAX = 1800, 2100
SHA256_RE = r"^[0-9a-f]{64}$"


def _null_or(series: pd.Series, ok: pd.Series) -> pd.Series:
    """Row-wise pass for nulls, otherwise the given condition."""
    return series.isna() | ok


def _year_ok(s: pd.Series) -> pd.Series:
    years = pd.to_numeric(s.str.slice(0, 4), errors="coerce")
    return _null_or(s, years.between(YEAR_MIN, YEAR_MAX))


def _is_str_list(v: object) -> bool:
    return hasattr(v, "__iter__") and not isinstance(v, (str, bytes)) and all(isinstance(x, str) for x in v)


class Documents(pa.DataFrameModel):
    """One row per source document found in raw/ (the provenance root of every other row)."""

    doc_id: Series[str] = pa.Field(unique=True, str_matches=SHA256_RE, description="SHA-256 of the document's bytes; the key every other table uses to point at its source.")
    path: Series[str] = pa.Field(description="Path of the file relative to the raw folder.")
    title: Series[str] = pa.Field(nullable=True, description="Title from raw/sources.toml, NULL when the document has no manifest entry.")
    publisher: Series[str] = pa.Field(nullable=True, description="Publisher from raw/sources.toml.")
    published: Series[str] = pa.Field(nullable=True, str_matches=PERIOD_RE, description="Publication date (ISO 8601 YYYY, YYYY-MM or YYYY-MM-DD); NULL when unknown. Relative periods such as 'last year' resolve against it.")
    language: Series[str] = pa.Field(description="Language code of the text (BCP 47, e.g. en).")
    license: Series[str] = pa.Field(nullable=True, description="License or origin of the text, from the manifest.")
    encoding: Series[str] = pa.Field(description="Text encoding the bytes were decoded with (utf-8, utf-8-sig, or what charset detection found).")
    n_bytes: Series[int] = pa.Field(ge=0, description="Size of the file in bytes.")
    n_chars: Series[int] = pa.Field(ge=0, description="Length of the decoded text in characters; all offsets index this text.")
    sha256: Series[str] = pa.Field(str_matches=SHA256_RE, description="SHA-256 of the bytes (equal to doc_id; kept for tools that look for a checksum column).")
    ingested_at: Series[str] = pa.Field(description="UTC time (ISO 8601) at which these exact bytes were first published into this warehouse.")

    class Config:
        strict = True
        ordered = True

    @pa.dataframe_check(name="sha256_equals_doc_id")
    def _sha(cls, df: pd.DataFrame) -> pd.Series:
        return df["sha256"] == df["doc_id"]


class Passages(pa.DataFrameModel):
    """Documents split into headings, paragraphs, bullets and pipe-table rows/cells, with exact character offsets."""

    doc_id: Series[str] = pa.Field(str_matches=SHA256_RE, description="Document the passage belongs to (documents.doc_id).")
    passage_id: Series[str] = pa.Field(unique=True, description="Stable id: document hash prefix and position.")
    kind: Series[str] = pa.Field(isin=["heading", "paragraph", "bullet", "table_header", "table_row", "cell"], description="heading, paragraph, bullet, table_header, table_row (a container) or cell (a table cell, or a cell's text before its first bullet).")
    section: Series[str] = pa.Field(nullable=True, description="Nearest heading above the passage (for table rows and cells: the table's heading).")
    label: Series[str] = pa.Field(nullable=True, description="For table rows, cells and cell bullets: the row's label (first cell).")
    parent_id: Series[str] = pa.Field(nullable=True, description="For cells and cell bullets: the passage_id of their table row.")
    start: Series[int] = pa.Field(ge=0, description="Start offset (characters, inclusive) in the decoded document text.")
    end: Series[int] = pa.Field(ge=0, description="End offset (characters, exclusive); text = document[start:end].")
    text: Series[str] = pa.Field(description="The passage's exact text.")

    class Config:
        strict = True
        ordered = True

    @pa.dataframe_check(name="start_before_end")
    def _order(cls, df: pd.DataFrame) -> pd.Series:
        return df["start"] < df["end"]


class Mentions(pa.DataFrameModel):
    """Every quantity found in the text, normalized, with who/what/when; unclassified ones are kept with indicator NULL."""

    doc_id: Series[str] = pa.Field(str_matches=SHA256_RE, description="Document the mention comes from (documents.doc_id).")
    mention_id: Series[str] = pa.Field(unique=True, description="Stable id: document hash prefix and start offset.")
    passage_id: Series[str] = pa.Field(description="Passage the mention was read from (passages.passage_id).")
    start: Series[int] = pa.Field(ge=0, description="Start offset (characters, inclusive) in the decoded document text.")
    end: Series[int] = pa.Field(ge=0, description="End offset (exclusive); text = document[start:end], including comparator words, currency sign, scale word and unit.")
    text: Series[str] = pa.Field(description="The exact characters of the quantity expression.")
    value: Series[float] = pa.Field(nullable=True, description="Value in base units as written (never negative: a decline keeps its magnitude, see change). $38.1 billion -> 38100000000; 6.7% -> 6.7.")
    low: Series[float] = pa.Field(nullable=True, description="Lower bound when the mention is one end of a range, else NULL.")
    high: Series[float] = pa.Field(nullable=True, description="Upper bound when the mention is one end of a range, else NULL.")
    unit: Series[str] = pa.Field(description="Unit code from the units table (USD, percent, count, barrels_per_day, ...).")
    comparator: Series[str] = pa.Field(isin=list(vocab.COMPARATORS), description="= exact, ~ approximately, > over, >= at least, < under, <= up to.")
    change: Series[str] = pa.Field(nullable=True, isin=list(vocab.CHANGES), description="up or down when the number is the amount of an increase or decrease; NULL for levels.")
    measure: Series[str] = pa.Field(nullable=True, isin=list(vocab.MEASURES), description="level (amount or stock), share (percent of a whole) or change (change over time).")
    indicator: Series[str] = pa.Field(nullable=True, description="Indicator code from the catalog (indicators table); NULL when the mention matches no indicator.")
    subject: Series[str] = pa.Field(nullable=True, description="Whom the figure is about: ISO 3166-1 alpha-3 code or group code (EUU, EUROPE, NATO, G7, WLD).")
    counterpart: Series[str] = pa.Field(nullable=True, description="The other party (partner, destination, donor or recipient); NULL when there is none.")
    period_start: Series[str] = pa.Field(nullable=True, str_matches=PERIOD_RE, description="Start of the period the figure refers to (YYYY or YYYY-MM); NULL when open or unknown.")
    period_end: Series[str] = pa.Field(nullable=True, str_matches=PERIOD_RE, description="End of the period (YYYY or YYYY-MM); NULL when open or unknown.")
    note: Series[str] = pa.Field(nullable=True, description="Why a field was left open (for example a relative period in an undated document).")

    class Config:
        strict = True
        ordered = True


class Facts(pa.DataFrameModel):
    """Distinct claims: mentions that state the same thing, collapsed, with the clearest quote."""

    fact_id: Series[str] = pa.Field(unique=True, description="Stable id of the fact.")
    indicator: Series[str] = pa.Field(description="Indicator code from the catalog (indicators table).")
    subject: Series[str] = pa.Field(nullable=True, description="Whom the figure is about (ISO alpha-3 or group code).")
    counterpart: Series[str] = pa.Field(nullable=True, description="The other party (partner, destination, donor or recipient).")
    measure: Series[str] = pa.Field(isin=list(vocab.MEASURES), description="level, share or change.")
    value: Series[float] = pa.Field(nullable=True, description="Value in base units; for measure = change a decline is negative.")
    unit: Series[str] = pa.Field(description="Unit code from the units table.")
    comparator: Series[str] = pa.Field(isin=list(vocab.COMPARATORS), description="= exact, ~ approximately, > over, >= at least, < under, <= up to.")
    period_start: Series[str] = pa.Field(nullable=True, str_matches=PERIOD_RE, description="Start of the period (YYYY or YYYY-MM); NULL when open or unknown.")
    period_end: Series[str] = pa.Field(nullable=True, str_matches=PERIOD_RE, description="End of the period (YYYY or YYYY-MM); NULL when open or unknown.")
    n_mentions: Series[int] = pa.Field(ge=1, description="How many mentions state this fact.")
    mention_ids: Series[object] = pa.Field(description="The mentions (mentions.mention_id) that state this fact.")
    doc_ids: Series[object] = pa.Field(description="The documents the fact is stated in.")
    quote: Series[str] = pa.Field(nullable=True, description="The clearest statement of the fact: an exact substring of its document.")

    class Config:
        strict = True
        ordered = True

    @pa.check("mention_ids", "doc_ids", name="list_of_strings", element_wise=True)
    def _lists(cls, v: object) -> bool:
        return _is_str_list(v) and len(v) > 0  # type: ignore[arg-type]

    @pa.dataframe_check(name="n_mentions_matches_mention_ids")
    def _n(cls, df: pd.DataFrame) -> pd.Series:
        return df["n_mentions"] == df["mention_ids"].map(len)


class Conflicts(pa.DataFrameModel):
    """Places where the text contradicts itself: the same claim stated differently, or arithmetic that does not add up."""

    conflict_id: Series[str] = pa.Field(unique=True, description="Stable id of the conflict.")
    kind: Series[str] = pa.Field(description="What disagrees: value, comparator, period, denominator, counterpart or arithmetic.")
    fact_ids: Series[object] = pa.Field(description="The facts (facts.fact_id) that disagree.")
    note: Series[str] = pa.Field(description="Human-readable explanation with the disagreeing figures.")

    class Config:
        strict = True
        ordered = True

    @pa.check("fact_ids", name="list_of_strings", element_wise=True)
    def _lists(cls, v: object) -> bool:
        return _is_str_list(v) and len(v) > 0  # type: ignore[arg-type]


class Quarantine(pa.DataFrameModel):
    """Documents that could not be processed, with the stage and the reason; the run went on without them."""

    path: Series[str] = pa.Field(description="Path of the file relative to the raw folder.")
    sha256: Series[str] = pa.Field(nullable=True, description="SHA-256 of the bytes, NULL when the file could not be read.")
    stage: Series[str] = pa.Field(isin=["discover", "decode", "segment", "extract", "resolve", "validate"], description="Pipeline stage that refused the document.")
    error_class: Series[str] = pa.Field(description="Class of the error.")
    message: Series[str] = pa.Field(description="Why the document was refused.")

    class Config:
        strict = True
        ordered = True


# Table name -> model, in publishing order. The warehouse, the validator and releases read this.
TABLES: dict[str, type[pa.DataFrameModel]] = {
    "documents": Documents,
    "passages": Passages,
    "mentions": Mentions,
    "facts": Facts,
    "conflicts": Conflicts,
    "quarantine": Quarantine,
}

# Sort keys that give every table a deterministic row order.
ORDER: dict[str, list[str]] = {
    "documents": ["path", "doc_id"],
    "passages": ["doc_id", "start", "end", "passage_id"],
    "mentions": ["doc_id", "start", "end"],
    "facts": ["fact_id"],
    "conflicts": ["conflict_id"],
    "quarantine": ["path"],
}


def vocabulary_checks(table: str) -> list[pa.Check]:
    """Checks against the YAML vocabularies and plausibility rules that the static model cannot express."""
    units = set(vocab.units())
    codes = vocab.entity_codes()
    indicators = vocab.indicators()
    checks: list[pa.Check] = []
    if table in ("mentions", "facts"):
        checks += [
            pa.Check(lambda df: df["unit"].isin(units), name="unit_in_vocabulary"),
            pa.Check(lambda df: _null_or(df["subject"], df["subject"].isin(codes)), name="subject_is_known_code"),
            pa.Check(lambda df: _null_or(df["counterpart"], df["counterpart"].isin(codes)), name="counterpart_is_known_code"),
            pa.Check(lambda df: _year_ok(df["period_start"]) & _year_ok(df["period_end"]), name=f"period_years_in_{YEAR_MIN}_{YEAR_MAX}"),
            pa.Check(lambda df: df["period_start"].isna() | df["period_end"].isna() | (df["period_start"].fillna("") <= df["period_end"].fillna("~")), name="period_start_not_after_end"),
            pa.Check(lambda df: df["value"].isna() | df["value"].map(lambda v: v is not None and math.isfinite(v)), name="value_finite"),
            pa.Check(lambda df: _null_or(df["indicator"], df["indicator"].isin(set(indicators))), name="indicator_in_catalog"),
            pa.Check(lambda df: _unit_allowed(df, indicators), name="unit_allowed_for_indicator"),
        ]
    if table == "mentions":
        checks += [
            pa.Check(lambda df: df["start"] < df["end"], name="start_before_end"),
            pa.Check(lambda df: df["low"].isna() | df["high"].isna() | (df["low"] <= df["high"]), name="low_not_above_high"),
            pa.Check(lambda df: df["value"].isna() | (df["value"] >= 0), name="mention_value_not_negative"),
        ]
    return checks


def _unit_allowed(df: pd.DataFrame, indicators: dict) -> pd.Series:
    """Each classified row's unit is one the catalog allows for its indicator."""
    def ok(ind: object, unit: str) -> bool:
        if ind is None or (isinstance(ind, float) and math.isnan(ind)) or ind not in indicators:
            return True
        allowed = indicators[ind].get("units") or []
        return not allowed or unit in allowed

    return pd.Series([ok(i, u) for i, u in zip(df["indicator"], df["unit"])], index=df.index)


def offsets_check(texts: dict[str, str]) -> pa.Check:
    """Offsets lie inside the document and text == document[start:end] (for passages and mentions)."""
    def check(df: pd.DataFrame) -> pd.Series:
        return pd.Series(
            [d in texts and 0 <= s < e <= len(texts[d]) and texts[d][s:e] == t
             for d, s, e, t in zip(df["doc_id"], df["start"], df["end"], df["text"])],
            index=df.index,
        )

    return pa.Check(check, name="text_equals_document_slice")


def columns(table: str) -> list[str]:
    """Column names of a table, in order."""
    return list(TABLES[table].to_schema().columns)


def descriptions(table: str) -> tuple[str, dict[str, str]]:
    """(table description, column -> description) from the model: feeds COMMENT ON and Table Schemas."""
    model = TABLES[table]
    schema = model.to_schema()
    doc = (model.__doc__ or "").strip().splitlines()[0]
    return doc, {name: col.description or "" for name, col in schema.columns.items()}

