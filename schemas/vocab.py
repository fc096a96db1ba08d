"""Loaders for the vocabularies in this folder: the one source of truth for codes."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent

COMPARATORS = ("=", "~", ">", ">=", "<", "<=")
CHANGES = ("up", "down")
MEASURES = ("level", "share", "change")


@cache
def _load(name: str) -> Any:
    """Parse one YAML vocabulary file from this folder."""
    with open(HERE / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def units() -> dict[str, dict[str, str]]:
    """Unit code -> {code, dimension, symbol, description}: the listed units, every ISO 4217 currency
    (pycountry) and the composed per-unit price codes of units.yaml's `rates`."""
    import pycountry

    doc = _load("units.yaml")
    out: dict[str, dict[str, str]] = {}
    for u in doc["units"]:
        out[u["code"]] = {**u, "symbol": u.get("pint") or u.get("ucum")}
    for cur in sorted(pycountry.currencies, key=lambda c: c.alpha_3):
        out[cur.alpha_3] = {"code": cur.alpha_3, "dimension": "currency", "symbol": cur.alpha_3, "iso4217": cur.alpha_3,
                            "description": f"{cur.name} (ISO 4217 {cur.alpha_3}); value in currency units."}
    rates = doc.get("rates") or {}
    for num in rates.get("price_numerators", []):
        for den in rates.get("price_denominators", []):
            code = f"{num}_per_{den['den']}"
            sym = den.get("pint") or den.get("ucum")
            out[code] = {"code": code, "dimension": "price", "symbol": f"{num} / {sym}",
                         "description": f"Price in {num} per {den['den']}, as printed."}
    return out


@cache
def unit_lexicon() -> dict[str, Any]:
    """The surface-form lexicon of units.yaml: currencies, rates and forms, as written in the file."""
    doc = _load("units.yaml")
    return {"currencies": doc["currencies"], "rates": doc["rates"], "forms": doc["forms"]}


@cache
def indicators() -> dict[str, dict[str, Any]]:
    """Indicator code -> catalog entry (title, measure, units, description, cues, ...)."""
    path = HERE / "indicators.yaml"
    if not path.exists():
        return {}
    return {i["code"]: i for i in _load("indicators.yaml")["indicators"]}


def catalog_version() -> str:
    """Content hash of the indicator catalog, so caches can be invalidated when it changes."""
    import hashlib

    path = HERE / "indicators.yaml"
    data = path.read_bytes() if path.exists() else b""
    return hashlib.sha256(data).hexdigest()[:16]


def group_codes() -> set[str]:
    """Codes for blocs and aggregates (EUU, EUROPE, NATO, G7, WLD, ...) from groups.yaml."""
    path = HERE / "groups.yaml"
    if not path.exists():
        return set()
    return {g["code"] for g in _load("groups.yaml")["groups"]}


@cache
def entity_codes() -> frozenset[str]:
    """Every code allowed in subject/counterpart: ISO 3166-1 alpha-3 (pycountry) plus group codes."""
    import pycountry

    return frozenset({c.alpha_3 for c in pycountry.countries} | group_codes())


@cache
def groups() -> dict[str, dict[str, Any]]:
    """Group code -> entry (title, names, optional kind/related/members) from groups.yaml."""
    path = HERE / "groups.yaml"
    if not path.exists():
        return {}
    return {g["code"]: g for g in _load("groups.yaml")["groups"]}


@cache
def aliases() -> dict[str, Any]:
    """Surface forms pycountry lacks: names, demonyms, capitals, institutions (code -> forms), blocked, pairs."""
    path = HERE / "groups.yaml"
    if not path.exists():
        return {}
    return _load("groups.yaml").get("aliases") or {}
