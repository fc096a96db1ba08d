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
    """Unit code -> {dimension, description}."""
    return {u["code"]: u for u in _load("units.yaml")["units"]}


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
