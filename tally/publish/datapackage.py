"""A release's Frictionless Data Package descriptor: Table Schemas generated from the Pandera models and the
vocabularies, foreign keys between the tables, the sources from raw/sources.toml."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from schemas import vocab
from tally.publish.builds import sha256_file

PARQUET_MEDIATYPE = "application/vnd.apache.parquet"

# Relations between tables, declared in every release's Table Schemas (frictionless validate checks them).
FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {
    "passages": [("doc_id", "documents", "doc_id")],
    "mentions": [("doc_id", "documents", "doc_id"), ("passage_id", "passages", "passage_id"), ("unit", "units", "code")],
    "facts": [("indicator", "indicators", "code"), ("unit", "units", "code")],
}


_ENTITY_COLUMNS = {"subject", "counterpart"}


def _field_type(table: str, column: str) -> str:
    """Table Schema type of a column, from the Arrow type the warehouse writes."""
    import pyarrow as pa

    from tally.publish.warehouse import arrow_schema

    field = arrow_schema(table).field(column)
    typ = field.type
    if pa.types.is_list(typ):
        # Frictionless 5 reads Parquet lists as numpy arrays, which its `array` type rejects; `any`
        # validates, and "tally:itemType" records that the cell is a list of strings.
        return "any"
    if pa.types.is_integer(typ):
        # Frictionless reads Parquet through pandas, where an integer column with NULLs (page) turns float
        # (1.0, NaN), which its `integer` type rejects; such a column is a `number` in the Table Schema.
        return "number" if field.nullable else "integer"
    if pa.types.is_floating(typ):
        return "number"
    if pa.types.is_boolean(typ):
        return "boolean"
    return "string"


def _vocabulary_enum(table: str, column: str) -> list[str] | None:
    """Allowed values a column takes from the vocabularies (units, catalog, entity codes), if any."""
    if table not in ("mentions", "facts"):
        return None
    if column == "unit":
        return sorted(vocab.units())
    if column == "indicator":
        return sorted(vocab.indicators()) or None
    if column in _ENTITY_COLUMNS:
        return sorted(vocab.entity_codes())
    return None


def _constraints(table: str, column: str, col: Any) -> dict[str, Any]:
    """Table Schema constraints from a Pandera column: required, unique, enum, pattern, minimum, maximum."""
    c: dict[str, Any] = {}
    if not col.nullable and _field_type(table, column) != "any":
        c["required"] = True
    if col.unique:
        c["unique"] = True
    for check in col.checks:
        stats = check.statistics or {}
        if check.name == "isin":
            c["enum"] = list(stats["allowed_values"])
        elif check.name == "str_matches":
            c["pattern"] = stats["pattern"]
        elif check.name == "greater_than_or_equal_to":
            c["minimum"] = stats["min_value"]
        elif check.name == "less_than_or_equal_to":
            c["maximum"] = stats["max_value"]
    enum = _vocabulary_enum(table, column)
    if enum is not None and "enum" not in c:
        c["enum"] = enum
    return c


def table_schema(table: str) -> dict[str, Any]:
    """Frictionless Table Schema of a table, generated from its Pandera model and the vocabularies."""
    from schemas.tables import MODELS, descriptions

    _, docs = descriptions(table)
    fields = []
    for name, col in MODELS[table].to_schema().columns.items():
        f: dict[str, Any] = {"name": name, "type": _field_type(table, name), "description": docs.get(name, "")}
        if f["type"] == "any":
            f["tally:itemType"] = "string"
            f["description"] += " (A list of strings: Parquet list<string>.)"
        cons = _constraints(table, name, col)
        if cons:
            f["constraints"] = cons
        fields.append(f)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    unique = [n for n, col in MODELS[table].to_schema().columns.items() if col.unique]
    if unique:
        schema["primaryKey"] = [unique[0]]
    fks = [{"fields": [col], "reference": {"resource": ref, "fields": [ref_col]}}
           for col, ref, ref_col in FOREIGN_KEYS.get(table, [])]
    if fks:
        schema["foreignKeys"] = fks
    return schema


def resource(table: str, path: Path) -> dict[str, Any]:
    """The datapackage resource for one table's Parquet file."""
    from schemas.tables import descriptions

    title, _ = descriptions(table)
    return {"name": table, "path": path.name, "format": "parquet", "mediatype": PARQUET_MEDIATYPE,
            "description": title, "bytes": path.stat().st_size, "hash": f"sha256:{sha256_file(path)}",
            "schema": table_schema(table)}


def sources(raw: Path | None) -> list[dict[str, str]]:
    """The source documents from raw/sources.toml, as Data Package sources."""
    manifest = raw / "sources.toml" if raw is not None else None
    if manifest is None or not manifest.exists():
        return []
    with open(manifest, "rb") as fh:
        docs = tomllib.load(fh).get("document", [])
    out = []
    for d in docs:
        s = {"title": d.get("title") or d["file"], "path": f"raw/{d['file']}"}
        for key in ("publisher", "published", "license"):
            if d.get(key):
                s[key] = str(d[key])
        out.append(s)
    return out


def datapackage(version: str, created: str, folder: Path, tables: list[str], raw: Path | None,
                build_id: str) -> dict[str, Any]:
    """The Frictionless Data Package descriptor of a release folder."""
    from schemas.tables import VIEWS

    resources = []
    for t in tables:
        r = resource(t, folder / f"{t}.parquet")
        fks = [fk for fk in r["schema"].get("foreignKeys", []) if fk["reference"]["resource"] in tables]
        r["schema"].pop("foreignKeys", None)
        if fks:  # a build made before the dimension tables existed has no units/indicators to point at
            r["schema"]["foreignKeys"] = fks
        r["tally:rows"] = pq.ParquetFile(folder / f"{t}.parquet").metadata.num_rows
        resources.append(r)
    return {
        "name": "tally",
        "title": "tally: figures from policy prose as validated indicator tables",
        "description": "Facts, mentions and their provenance extracted from the source documents, with the "
                       "dimension tables (countries, groups, indicators, units). `tally pull --load` recreates "
                       f"the views ({', '.join(VIEWS)}) in DuckDB.",
        "version": version,
        "created": created,
        "sources": sources(raw),
        "tally:build_id": build_id,
        "resources": resources,
    }
