"""Find every quantity in a text and normalize it (value in base units, unit code, comparator, change)."""
from __future__ import annotations

import re
from dataclasses import dataclass

EXTRACTOR_VERSION = "0.0.1"


@dataclass(frozen=True, slots=True)
class Quantity:
    """One quantity expression; `text == source[start:end]`.

    For a range ("between $80/b and $90/b") the extractor returns two quantities, the lower bound
    with comparator `>=` and the upper bound with `<=`, each carrying the range in `low`/`high`.
    """

    start: int
    end: int
    text: str
    value: float | None
    unit: str
    comparator: str = "="
    change: str | None = None
    low: float | None = None
    high: float | None = None


_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_MINIMAL = re.compile(
    r"(?P<cur>\$)?(?P<num>\d[\d,]*(?:\.\d+)?)(?:\s+(?P<scale>thousand|million|billion|trillion))?(?P<pct>%)?"
)


def extract(text: str) -> list[Quantity]:
    """Return the quantities in `text`, sorted by start, non-overlapping (minimal placeholder)."""
    out: list[Quantity] = []
    for m in _MINIMAL.finditer(text):
        num = float(m["num"].replace(",", "")) * _SCALE.get(m["scale"] or "", 1.0)
        unit = "USD" if m["cur"] else "percent" if m["pct"] else "count"
        if unit == "count" and re.fullmatch(r"(1[89]|20)\d\d", m["num"]):
            continue
        out.append(Quantity(m.start(), m.end(), m.group(), num, unit))
    return out
