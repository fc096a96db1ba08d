"""Pandera models for every published table: column types, vocabularies and descriptions.

The descriptions here are the one source of truth for the warehouse's COMMENTs and the release's
Table Schemas; the vocabularies come from the YAML files beside this module.
"""
from __future__ import annotations

import math

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series  # not pandera.typing: that also imports dask (~1 s)

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
    page: Series[pd.Int64Dtype] = pa.Field(nullable=True, description="For a PDF: the page (1-based) the passage starts on; link as file.pdf#page=N. NULL for other formats.")
    heading_path: Series[str] = pa.Field(nullable=True, description="For an HTML page: the headings the passage sits under, outermost first, joined by ' > '. NULL for other formats.")

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
    period_rule: Series[str] = pa.Field(nullable=True, description="The period rule that decided period_start/period_end (for example own_time:quarter, heading_scope, refused:inverted); NULL when no period.")
    note: Series[str] = pa.Field(nullable=True, description="Why a field was left open (for example a relative period in an undated document).")
    # --- what is measured and which rules decided (issue 15) ---
    measured: Series[str] = pa.Field(nullable=True, description="The phrase naming what the figure measures ('participation rate', 'crude exports to China'); document[measured_start:measured_end]. NULL when no phrase is found.")
    measured_start: Series[float] = pa.Field(nullable=True, description="Start offset of the measured phrase (NULL with measured).")
    measured_end: Series[float] = pa.Field(nullable=True, description="End offset (exclusive) of the measured phrase.")
    subject_rule: Series[str] = pa.Field(nullable=True, description="The party rules that decided subject / counterpart (tally/resolve/parties.py), e.g. 'flow_owner / flow_partner'.")
    indicator_reason: Series[str] = pa.Field(nullable=True, description="Why the indicator was given (the cue of the entry and the rule), or why none was: e.g. 'cue exports in measured phrase'.")
    subdivision: Series[str] = pa.Field(nullable=True, description="ISO 3166-2 code when the subject was named as a part of its country ('Northern Ireland' -> GB-NIR, subject GBR).")
    page: Series[pd.Int64Dtype] = pa.Field(nullable=True, description="For a PDF: the page (1-based) the mention starts on; link as file.pdf#page=N. NULL for other formats.")
    heading_path: Series[str] = pa.Field(nullable=True, description="For an HTML page: the headings the mention sits under, outermost first, joined by ' > '. NULL for other formats.")

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


class DocumentTexts(pa.DataFrameModel):
    """The text extracted from each PDF or HTML document: what every offset of its passages and mentions indexes."""

    doc_id: Series[str] = pa.Field(unique=True, str_matches=SHA256_RE, description="The document (documents.doc_id).")
    format: Series[str] = pa.Field(isin=["pdf", "html"], description="What the text was extracted from: pdf (PDFium) or html (trafilatura).")
    n_pages: Series[pd.Int64Dtype] = pa.Field(nullable=True, description="Number of pages of a PDF; NULL for HTML.")
    text: Series[str] = pa.Field(description="The extracted text; passages.text and mentions.text equal text[start:end]. (A plain-text document's text is its file, decoded with documents.encoding.)")

    class Config:
        strict = True
        ordered = True


class Countries(pa.DataFrameModel):
    """ISO 3166-1 countries and territories (from pycountry); join facts.subject or series.iso3 on iso3."""

    iso3: Series[str] = pa.Field(unique=True, str_matches=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 code (USA, RUS, DEU); the key facts.subject and facts.counterpart use.")
    iso2: Series[str] = pa.Field(unique=True, str_matches=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code (US, RU, DE).")
    numeric: Series[str] = pa.Field(unique=True, str_matches=r"^\d{3}$", description="ISO 3166-1 numeric code as three digits with leading zeros (840), the code UN statistics use.")
    name: Series[str] = pa.Field(description="Short English name as in ISO 3166-1 (e.g. 'Russian Federation').")
    official_name: Series[str] = pa.Field(nullable=True, description="Official English name (e.g. 'Plurinational State of Bolivia'); NULL when ISO 3166 gives none.")
    common_name: Series[str] = pa.Field(nullable=True, description="Common short name when it differs from name (e.g. 'Bolivia', 'Taiwan'); NULL otherwise.")

    class Config:
        strict = True
        ordered = True


class Groups(pa.DataFrameModel):
    """Blocs and aggregates tally uses as subjects (EUU, NATO, G7, WLD, ...), with their members and where the list comes from."""

    code: Series[str] = pa.Field(unique=True, description="Group code used in facts.subject and facts.counterpart (World Bank aggregate code where one exists: EUU, WLD).")
    name: Series[str] = pa.Field(description="Name of the group.")
    kind: Series[str] = pa.Field(nullable=True, description="'aggregate' for catch-all groups such as the world; NULL for blocs and organizations.")
    members: Series[object] = pa.Field(description="ISO alpha-3 (or group) codes of the members as of as_of; empty when the group has no fixed membership (WLD, EUROPE).")
    source: Series[str] = pa.Field(nullable=True, description="Where the membership list comes from (organization and page); NULL when there is no list.")
    as_of: Series[str] = pa.Field(nullable=True, str_matches=PERIOD_RE, description="Date (YYYY-MM-DD) at which the membership list is correct; NULL when there is no list.")

    class Config:
        strict = True
        ordered = True

    @pa.check("members", name="list_of_strings", element_wise=True)
    def _lists(cls, v: object) -> bool:
        return _is_str_list(v)


class Indicators(pa.DataFrameModel):
    """The indicator catalog (schemas/indicators.yaml): what each indicator code in facts means."""

    code: Series[str] = pa.Field(unique=True, description="Indicator code, as in facts.indicator and series.indicator.")
    title: Series[str] = pa.Field(description="Short human-readable title.")
    measure: Series[str] = pa.Field(nullable=True, isin=list(vocab.MEASURES), description="level, share or change: what kind of number the indicator is.")
    units: Series[object] = pa.Field(description="Unit codes (units.code) a fact of this indicator may carry; empty means any unit.")
    description: Series[str] = pa.Field(nullable=True, description="What the indicator measures and what counts towards it.")

    class Config:
        strict = True
        ordered = True

    @pa.check("units", name="list_of_strings", element_wise=True)
    def _lists(cls, v: object) -> bool:
        return _is_str_list(v)


class Units(pa.DataFrameModel):
    """Unit codes (schemas/units.yaml): how to read facts.value for each unit."""

    code: Series[str] = pa.Field(unique=True, description="Unit code, as in facts.unit and series.unit.")
    dimension: Series[str] = pa.Field(description="What the unit measures: currency, ratio, count, duration, flow, price, mass, volume or energy.")
    description: Series[str] = pa.Field(description="Meaning of the unit and how values are expressed (always base units, never scaled).")

    class Config:
        strict = True
        ordered = True


# Table name -> model, in publishing order. The warehouse, the validator and releases read this.
class RejectedRows(pa.DataFrameModel):
    """Rows that failed a row-level check and were left out alone, with the checks they failed; the rest
    of their document was published."""

    doc_id: Series[str] = pa.Field(str_matches=SHA256_RE, description="Document the row came from (documents.doc_id).")
    table_name: Series[str] = pa.Field(isin=["mentions"], description="Table the row would have gone to.")
    row_id: Series[str] = pa.Field(description="The row's id in that table (mentions.mention_id).")
    start: Series[int] = pa.Field(ge=0, description="Start offset of the row's text in the document.")
    end: Series[int] = pa.Field(ge=0, description="End offset (exclusive): text = document[start:end].")
    text: Series[str] = pa.Field(description="The exact characters of the row.")
    checks: Series[str] = pa.Field(description="The checks it failed, as table.column: check (a fact's failures are charged to its mentions).")

    class Config:
        strict = True
        ordered = True


TABLES: dict[str, type[pa.DataFrameModel]] = {
    "documents": Documents,
    "passages": Passages,
    "mentions": Mentions,
    "facts": Facts,
    "conflicts": Conflicts,
    "quarantine": Quarantine,
    "rejected_rows": RejectedRows,
    "document_texts": DocumentTexts,
}

# Sort keys that give every table a deterministic row order.
ORDER: dict[str, list[str]] = {
    "documents": ["path", "doc_id"],
    "passages": ["doc_id", "start", "end", "passage_id"],
    "mentions": ["doc_id", "start", "end"],
    "facts": ["fact_id"],
    "conflicts": ["conflict_id"],
    "quarantine": ["path"],
    "rejected_rows": ["doc_id", "start", "table_name", "row_id"],
    "document_texts": ["doc_id"],
    "countries": ["iso3"],
    "groups": ["code"],
    "indicators": ["code"],
    "units": ["code"],
}

# Dimension tables (reference data from pycountry and the YAML vocabularies), published beside TABLES
# in every build and release; built by tally.publish.dimensions, not by the pipeline's stages.
DIMENSIONS: dict[str, type[pa.DataFrameModel]] = {
    "countries": Countries,
    "groups": Groups,
    "indicators": Indicators,
    "units": Units,
}

# Every published table's model: facts tables first, then dimensions.
MODELS: dict[str, type[pa.DataFrameModel]] = {**TABLES, **DIMENSIONS}


def _in(allowed: set | frozenset, name: str) -> pa.Check:
    return pa.Check(lambda s: s.isna() | s.isin(allowed), name=name)


def _codes_in(allowed: set | frozenset, name: str) -> pa.Check:
    """Each code of a party column is known; several parties are sorted distinct codes joined with ';'."""
    def ok(v: object) -> bool:
        if not isinstance(v, str):
            return True
        parts = v.split(";")
        return all(p in allowed for p in parts) and parts == sorted(set(parts))

    def check(s: pd.Series) -> pd.Series:
        # a party column holds few distinct values: each is judged once (mapping every cell cost ~0.5 s on 1,000 documents)
        bad = [v for v in set(s.dropna().tolist()) if not ok(v)]
        return ~s.isin(bad)

    return pa.Check(check, name=name)


def vocabulary_checks(table: str) -> tuple[dict[str, list[pa.Check]], list[pa.Check]]:
    """Checks against the YAML vocabularies and plausibility rules that the static model cannot express.

    Returns (column -> checks, row-level checks); column checks report the offending value.
    """
    cols: dict[str, list[pa.Check]] = {}
    rows: list[pa.Check] = []
    if table in ("mentions", "facts"):
        units, codes, indicators = set(vocab.units()), vocab.entity_codes(), vocab.indicators()
        year_ok = pa.Check(_year_ok, name=f"period_years_in_{YEAR_MIN}_{YEAR_MAX}")
        cols = {
            "unit": [_in(units, "unit_in_vocabulary")],
            "subject": [_codes_in(codes, "subject_is_known_code")],
            "counterpart": [_codes_in(codes, "counterpart_is_known_code")],
            "indicator": [_in(set(indicators), "indicator_in_catalog")],
            "period_start": [year_ok],
            "period_end": [year_ok],
            "value": [pa.Check(lambda s: s.isna() | s.map(lambda v: math.isfinite(v)), name="value_finite")],
        }
        rows += [
            pa.Check(lambda df: df["period_start"].isna() | df["period_end"].isna() | (df["period_start"].fillna("") <= df["period_end"].fillna("~")), name="period_start_not_after_end"),
            pa.Check(lambda df: _unit_allowed(df, indicators), name="unit_allowed_for_indicator"),
        ]
    if table == "mentions":
        cols["value"].append(pa.Check(lambda s: s.isna() | (s >= 0), name="mention_value_not_negative"))
        rows += [
            pa.Check(lambda df: df["start"] < df["end"], name="start_before_end"),
            pa.Check(lambda df: df["low"].isna() | df["high"].isna() | (df["low"] <= df["high"]), name="low_not_above_high"),
        ]
    return cols, rows


def _unit_allowed(df: pd.DataFrame, indicators: dict) -> pd.Series:
    """Each classified row's unit is one the catalog allows for its indicator."""
    def ok(ind: object, unit: str) -> bool:
        if ind is None or (isinstance(ind, float) and math.isnan(ind)) or ind not in indicators:
            return True
        allowed = indicators[ind].get("units") or []
        return not allowed or unit in allowed

    return pd.Series([ok(i, u) for i, u in zip(df["indicator"].tolist(), df["unit"].tolist())], index=df.index)


def offsets_check(texts: dict[str, str]) -> pa.Check:
    """Offsets lie inside the document and text == document[start:end] (for passages and mentions)."""
    def check(df: pd.DataFrame) -> pd.Series:
        ok = pd.Series(
            [d in texts and 0 <= s < e <= len(texts[d]) and texts[d][s:e] == t
             for d, s, e, t in zip(*(df[c].tolist() for c in ("doc_id", "start", "end", "text")))],
            index=df.index,
        )
        if "measured" in df.columns:  # the measured phrase is an exact span too
            ok &= pd.Series([not isinstance(t, str) or (d in texts and texts[d][int(s):int(e)] == t)
                             for d, s, e, t in zip(*(df[c].tolist() for c in ("doc_id", "measured_start",
                                                                              "measured_end", "measured")))],
                            index=df.index)
        return ok

    return pa.Check(check, name="text_equals_document_slice")


def arrow_unique(schema: pa.DataFrameSchema) -> pa.DataFrameSchema:
    """The schema with each `unique` column checked through Arrow instead of pandas: for an Arrow-backed
    string column pandas' is_unique turns every value into a Python object (~80 MB for a 200 MB document's
    740,000 passage ids). The columns still say unique=True in the model, which the release reads."""
    for name, col in schema.columns.items():
        if col.unique:
            schema = schema.update_column(name, unique=False, checks=[*col.checks, _unique_check()])
    return schema


def _unique_check() -> pa.Check:
    """Rows whose value occurs once (pandera's field_uniqueness, reporting every duplicate).

    Values are compared by their 64-bit hash, a slice of rows at a time (one Python object per row alive at
    once would cost ~80 MB for 740,000 ids); rows whose hashes collide are then compared by value.
    """
    import numpy as np

    def check(s: pd.Series) -> pd.Series:
        n, step = len(s), 1 << 16
        h = np.empty(n, dtype=np.int64)
        for lo in range(0, n, step):
            h[lo:lo + step] = [hash(None if v is None or v != v else v) for v in s.iloc[lo:lo + step].tolist()]
        order = np.argsort(h, kind="stable")
        sh = h[order]
        same = np.flatnonzero(sh[1:] == sh[:-1])
        ok = np.ones(n, dtype=bool)
        if len(same):
            rows = np.unique(np.concatenate([order[same], order[same + 1]]))
            values = [None if v is None or v != v else v for v in s.iloc[rows].tolist()]
            counts: dict = {}
            for v in values:
                counts[v] = counts.get(v, 0) + 1
            ok[rows] = [counts[v] == 1 for v in values]
        return pd.Series(ok, index=s.index)

    return pa.Check(check, name="field_uniqueness")


def columns(table: str) -> list[str]:
    """Column names of a table, in order."""
    return list(MODELS[table].to_schema().columns)


def descriptions(table: str) -> tuple[str, dict[str, str]]:
    """(table description, column -> description) from the model: feeds COMMENT ON and Table Schemas."""
    model = MODELS[table]
    schema = model.to_schema()
    doc = (model.__doc__ or "").strip().splitlines()[0]
    return doc, {name: col.description or "" for name, col in schema.columns.items()}



# Views over the tables (SQL in tally.publish.dimensions): table-level and column-level descriptions, the one
# source of truth for their COMMENTs and for `tally schema`.
_F = {name: col.description or "" for name, col in Facts.to_schema().columns.items()}
VIEWS: dict[str, tuple[str, dict[str, str]]] = {
    "series": (
        "Facts in the long shape analysts join on (World Bank style iso3, year, value): one row per fact "
        "that has a subject, a value and a period of exactly one calendar year (period_start YYYY, "
        "YYYY-01 or YYYY-01-01 and period_end YYYY, YYYY-12 or YYYY-12-31 of the same year). "
        "Several rows can share (iso3, indicator, year): different counterparts, measures, units or "
        "disagreeing statements; see fact_id and the conflicts table.",
        {
            "iso3": "Subject: ISO 3166-1 alpha-3 code, or a group code (EUU, WLD, ... as in the groups table; "
                    "World Bank aggregate codes where they exist).",
            "indicator": _F["indicator"],
            "year": "The calendar year the figure refers to (integer).",
            "value": _F["value"],
            "unit": _F["unit"],
            "comparator": _F["comparator"],
            "measure": _F["measure"],
            "counterpart": _F["counterpart"],
            "fact_id": "The fact this row comes from (facts.fact_id; facts_full has its quote and sources).",
        },
    ),
    "facts_full": (
        "Every fact with what it means and where it comes from: indicator title, party names, the exact "
        "mention texts, the passages they were read from and the source documents' titles.",
        {
            "fact_id": _F["fact_id"],
            "indicator": _F["indicator"],
            "indicator_title": "Title of the indicator (indicators.title).",
            "subject": _F["subject"],
            "subject_name": "Name of the subject (countries common or ISO name, or groups.name).",
            "counterpart": _F["counterpart"],
            "counterpart_name": "Name of the counterpart (countries or groups).",
            "measure": _F["measure"],
            "value": _F["value"],
            "unit": _F["unit"],
            "comparator": _F["comparator"],
            "period_start": _F["period_start"],
            "period_end": _F["period_end"],
            "n_mentions": _F["n_mentions"],
            "quote": _F["quote"],
            "mention_texts": "Exact text of each mention stating the fact (mentions.text), in document order.",
            "passages": "Text of the passage each mention was read from (passages.text), in the same order.",
            "doc_titles": "Titles of the source documents (documents.title; the path when there is no title).",
            "doc_paths": "Paths of the source documents relative to the raw folder (documents.path).",
            "mention_ids": _F["mention_ids"],
            "doc_ids": _F["doc_ids"],
        },
    ),
}
