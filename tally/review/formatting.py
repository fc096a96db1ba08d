"""How the review page writes values, periods and colours."""
from __future__ import annotations

import colorsys
from typing import Iterable

_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
_CURRENCY = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "CN¥", "RUB": "₽", "INR": "₹"}
GREY = "#9a9a9a"
# Colours for indicators: matplotlib's tab10, then golden-angle hues (distinct for any number of indicators).
TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf")


def fmt_number(v: float) -> str:
    """A number the way prose writes it: 38.1 billion, 11,000, 6.7."""
    a = abs(v)
    for scale, word in _SCALES:
        if a >= scale:
            return f"{v / scale:,.4g} {word}"
    if a >= 1000 or float(v).is_integer():
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"
    return f"{v:.4g}"


def fmt_value(value: float | None, unit: str | None, signed: bool = False) -> str:
    """A value with its unit: $38.1 billion, 6.7%, 11,000, 400 days; signed adds + to increases."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    num = fmt_number(abs(value))
    if unit in _CURRENCY:
        return f"{sign}{_CURRENCY[unit]}{num}"
    if unit == "percent":
        return f"{sign}{num}%"
    if unit in (None, "count"):
        return f"{sign}{num}"
    return f"{sign}{num} {unit.replace('_', ' ')}"


def fmt_period(start: str | None, end: str | None) -> str:
    """A period as one string: 2013, 2014–2023, since 2014, until 2023, or — when unknown."""
    if start and end:
        return start if start == end else f"{start}–{end}"
    if start:
        return f"since {start}"
    if end:
        return f"until {end}"
    return "—"


def single_year(start: str | None, end: str | None) -> int | None:
    """The calendar year when a period is exactly one year (YYYY, YYYY-01..YYYY-12, YYYY-01-01..YYYY-12-31)."""
    if not start or not end or start[:4] != end[:4]:
        return None
    if start[4:] in ("", "-01", "-01-01") and end[4:] in ("", "-12", "-12-31"):
        return int(start[:4])
    return None


def colours(codes: Iterable[str | None]) -> dict[str, str]:
    """A stable colour per indicator code (sorted order: tab10, then golden-angle hues)."""
    ordered = sorted({c for c in codes if c})
    return {c: TAB10[i] if i < len(TAB10) else hue_colour(i - len(TAB10)) for i, c in enumerate(ordered)}


def hue_colour(i: int) -> str:
    """The i-th colour of a golden-angle hue walk, as #rrggbb (medium saturation and lightness)."""
    h = (0.07 + i * 0.381966) % 1.0
    light = (0.42, 0.52, 0.34)[i % 3]
    r, g, b = colorsys.hls_to_rgb(h, light, 0.62)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def colour_of(code: str | None, palette: dict[str, str]) -> str:
    """An indicator's colour, grey when unclassified."""
    return palette.get(code, GREY) if code else GREY


# ---------------------------------------------------------------------------------------------- coverage
