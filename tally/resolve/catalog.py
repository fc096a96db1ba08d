"""The indicator catalog (schemas/indicators.yaml) as a checked input: one line per problem, naming the entry.

`tally catalog check` prints the problems; every run calls `require_valid` when the catalog is loaded
(tally.resolve.indicators.catalog), so a broken entry stops the run instead of silently taking or losing
figures.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from schemas import vocab

RELATIONS = ("none", "flow", "partner", "symmetric")
SIDES = (None, "import")
KEYS = frozenset("code title measure units relation side mirror description cues not generic counterpart_preps "
                 "forms total".split())


class CatalogError(ValueError):
    """The catalog has problems; the message holds one line per problem."""


def load_entries(path: Path | None = None) -> list[Any]:
    """The raw list of entries (duplicates kept, so that they can be reported)."""
    path = path or vocab.HERE / "indicators.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the catalog: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CatalogError(f"{path}: not valid YAML: {where}{problem}") from exc
    entries = data.get("indicators") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CatalogError(f"{path}: the catalog must have a list 'indicators'")
    return entries


def _cue_terms(entry: dict[str, Any]) -> list[list[Any]]:
    return [c if isinstance(c, list) else [c] for c in entry.get("cues") or []]


def _entry_problems(i: int, e: Any, units: set[str], codes: set[str]) -> list[str]:
    """Problems of one entry on its own."""
    if not isinstance(e, dict):
        return [f"entry {i + 1}: not a mapping"]
    name = f"entry {e.get('code') or i + 1}"
    out = []
    if not e.get("code"):
        out.append(f"{name}: no code")
    unknown = sorted(set(e) - KEYS)
    if unknown:
        out.append(f"{name}: unknown keys {unknown}")
    for form in e.get("forms") or []:
        if form not in vocab.MEASURES:
            out.append(f"{name}: unknown form {form!r} (forms are measures: {', '.join(vocab.MEASURES)})")
    if e.get("forms") and e.get("measure") not in (e.get("forms") or []):
        out.append(f"{name}: measure {e.get('measure')!r} is not one of its forms {e.get('forms')}")
    if e.get("measure") not in vocab.MEASURES:
        out.append(f"{name}: unknown measure {e.get('measure')!r} (one of {', '.join(vocab.MEASURES)})")
    for u in e.get("units") or []:
        if u not in units:
            out.append(f"{name}: unknown unit {u!r} (not in schemas/units.yaml)")
    if e.get("relation", "none") not in RELATIONS:
        out.append(f"{name}: unknown relation {e.get('relation')!r} (one of {', '.join(RELATIONS)})")
    if e.get("side") not in SIDES:
        out.append(f"{name}: unknown side {e.get('side')!r} (only 'import')")
    if e.get("mirror") and e["mirror"] not in codes:
        out.append(f"{name}: mirror {e['mirror']!r} is no entry of the catalog")
    cues = _cue_terms(e)
    if not cues:
        out.append(f"{name}: no cues (it can never be given)")
    for term in [t for c in cues for t in c] + list(e.get("not") or []):
        if not isinstance(term, str) or not term.strip():
            out.append(f"{name}: empty or non-text cue term {term!r}")
            continue
        try:
            pat = re.compile(term, re.I)
        except re.error as exc:
            out.append(f"{name}: bad pattern {term!r}: {exc}")
            continue
        if pat.match(""):
            out.append(f"{name}: pattern {term!r} matches the empty string (it would fit every figure)")
    return out


def _competes(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two entries can claim the same figure: same measure and a unit in common (or no unit list)."""
    ua, ub = set(a.get("units") or []), set(b.get("units") or [])
    fa, fb = set(a.get("forms") or [a.get("measure")]), set(b.get("forms") or [b.get("measure")])
    return bool(fa & fb) and (not ua or not ub or bool(ua & ub))


def _collisions(entries: list[dict[str, Any]]) -> list[str]:
    """Entries with the same cue (the same set of terms) that compete for the same figures: whichever comes
    first in the catalog takes them all, silently."""
    out, seen = [], {}
    for e in entries:
        for cue in _cue_terms(e):
            key = frozenset(str(t).strip().lower() for t in cue)
            for other in seen.get(key, []):
                if other.get("code") != e.get("code") and _competes(other, e):
                    out.append(f"entry {e.get('code')}: cue {sorted(key)} collides with entry {other.get('code')} "
                               f"(same cue, same measure, a unit in common)")
            seen.setdefault(key, []).append(e)
    return out


def check_entries(entries: list[Any], units: set[str] | None = None) -> list[str]:
    """Every problem of the catalog, one line each, naming the entry."""
    units = set(vocab.units()) if units is None else units
    codes = {e.get("code") for e in entries if isinstance(e, dict)}
    out: list[str] = []
    counts: dict[str, int] = {}
    for i, e in enumerate(entries):
        out += _entry_problems(i, e, units, codes)
        if isinstance(e, dict) and e.get("code"):
            counts[e["code"]] = counts.get(e["code"], 0) + 1
    out += [f"entry {c}: duplicate code ({n} entries)" for c, n in counts.items() if n > 1]
    out += _collisions([e for e in entries if isinstance(e, dict)])
    return out


def check_catalog(path: Path | None = None) -> list[str]:
    """Problems of the catalog file (schemas/indicators.yaml by default)."""
    return check_entries(load_entries(path))


def require_valid(path: Path | None = None) -> None:
    """Raise CatalogError listing every problem, naming the file; nothing when the catalog is sound."""
    problems = check_catalog(path)
    if problems:
        where = path or vocab.HERE / "indicators.yaml"
        raise CatalogError(f"{where}: {len(problems)} problem(s) in the indicator catalog:\n  " + "\n  ".join(problems))
