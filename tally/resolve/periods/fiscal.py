"""Fiscal (financial) years by country, from `schemas/fiscal_years.yaml`."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

FISCAL_YEARS = Path(__file__).resolve().parents[3] / "schemas" / "fiscal_years.yaml"


@dataclass(frozen=True, slots=True)
class FiscalCalendar:
    """One country's fiscal year: its first month and which year a one-year label names."""

    country: str
    start: int  # first month, 1-12
    label: str  # "end", "start" or "none"
    split_label: bool = False  # a bare "2024-25" names a fiscal year

    def year(self, first_year: int) -> tuple[str, str]:
        """The fiscal year that begins in first_year, as (period_start, period_end)."""
        if self.start == 1:
            return f"{first_year:04d}", f"{first_year:04d}"
        last = self.start - 1
        return f"{first_year:04d}-{self.start:02d}", f"{first_year + 1:04d}-{last:02d}"

    def labelled(self, label_year: int) -> tuple[str, str] | None:
        """The fiscal year a one-year label ("FY2024") names, or None when the country has no convention."""
        if self.start == 1:
            return self.year(label_year)
        if self.label == "end":
            return self.year(label_year - 1)
        if self.label == "start":
            return self.year(label_year)
        return None


def load_calendars(path: Path = FISCAL_YEARS) -> dict[str, FiscalCalendar]:
    """Every country's fiscal calendar; a bad file raises ValueError naming the file and the entry."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read fiscal years ({exc})") from exc
    out: dict[str, FiscalCalendar] = {}
    for code, entry in ((data or {}).get("countries") or {}).items():
        start, label = (entry or {}).get("start"), (entry or {}).get("label", "none")
        if not isinstance(start, int) or not 1 <= start <= 12:
            raise ValueError(f"{path}: {code}: start must be a month number 1-12, not {start!r}")
        if label not in ("end", "start", "none"):
            raise ValueError(f"{path}: {code}: label must be end, start or none, not {label!r}")
        if not (entry or {}).get("source"):
            raise ValueError(f"{path}: {code}: no source given")
        split = (entry or {}).get("split_label", False)
        if not isinstance(split, bool):
            raise ValueError(f"{path}: {code}: split_label must be true or false, not {split!r}")
        out[str(code).upper()] = FiscalCalendar(str(code).upper(), start, label, split)
    return out


@lru_cache(maxsize=1)
def _calendars() -> dict[str, FiscalCalendar]:
    return load_calendars()


def calendar_for(country: str | None) -> FiscalCalendar | None:
    """The fiscal calendar of a country (ISO alpha-3), or None when the file does not list it."""
    return _calendars().get(country.upper()) if country else None
