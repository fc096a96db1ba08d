"""Find every quantity in a text and normalize it (value in base units, unit code, comparator, change).

The engine is rule based and linear in the input: one scan finds number tokens (digits, number words,
fractions, vague multiples), then short anchored regexes read the unit and scale to the right and the
currency sign, comparator and change cue to the left. Every look-around works on a bounded window, so
no pattern can backtrack over more than a few dozen characters.

The stages live in modules named for what they hold: `numbers` (numerals, number words, fractions,
scale words), `units` (the unit lexicon of schemas/units.yaml), `reading` (unit, currency, sign and
comparator around a token), `screening` (what is not a quantity; bare counts), `ranges`, `changes`
and `tables` (cells). This module is the entry point: `extract` and `EXTRACTOR_VERSION`.
"""
from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager

from tally.extract.units import UNIT_CODES
from tally.extract.candidates import Quantity, _Cand
from tally.extract.reading import _tokens
from tally.extract.changes import _changes
from tally.extract.ranges import _ranges, _shared_scale
from tally.extract.screening import _classify, _screen
from tally.extract.cells import _figure_tables, _table_cells

__all__ = ["EXTRACTOR_VERSION", "Quantity", "UNIT_CODES", "extract"]

EXTRACTOR_VERSION = "2.0.0"


_BARE_DOLLAR = re.compile(r"(?<![A-Za-z])\$")


def _dollar_unit(unit: str, span: str, dollar: str) -> str:
    """The unit of an amount written with a bare "$" when the publisher's dollar is not the U.S. one."""
    if dollar == "USD" or not unit.startswith("USD") or not _BARE_DOLLAR.search(span):
        return unit
    code = dollar + unit[3:]
    return code if code in UNIT_CODES else unit


def _extract(text: str, dollar: str = "USD") -> list[Quantity]:
    """The extraction pipeline, without the never-raise guard."""
    cands = _tokens(text)
    _screen(text, cands)
    _shared_scale(text, cands)
    _ranges(text, cands)
    _classify(text, cands)
    if "$" in text or "ollar" in text:
        _table_cells(text, cands)
    if "\n" in text:
        _figure_tables(text, cands)
    quants = [c for c in cands if not c.drop and c.unit in UNIT_CODES and c.end > c.start]
    quants.sort(key=lambda c: (c.start, -c.end))
    kept: list[_Cand] = []
    for c in quants:
        if kept and c.start < kept[-1].end:
            continue
        kept.append(c)
    _changes(text, kept)
    out = []
    for c in kept:
        if "table-up" in c.notes:
            c.change = "up"
        elif "table-down" in c.notes:
            c.change = "down"
        elif "table" in c.notes:
            c.change = None
        value = float(f"{abs(c.base * c.mult):.15g}")  # 261.6 billion, not 261600000000.00003
        span = text[c.start:c.end]
        unit = c.unit if dollar == "USD" else _dollar_unit(c.unit, span, dollar)
        out.append(Quantity(c.start, c.end, span, value, unit, c.cmp, c.change,
                            None if c.low is None else abs(c.low), None if c.high is None else abs(c.high)))
    return out


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one extraction (reference counting still frees everything).

    Extraction builds one small acyclic record per number; on number-dense text (1 MB of "1,") the
    collector's passes over them cost about a third of the time. It is switched back on only if it
    was on, so a caller that turned it off keeps it off.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def extract(text: str, dollar: str = "USD") -> list[Quantity]:
    """Return the quantities in `text`, sorted by start and non-overlapping; never raises.

    `dollar` is the ISO code a bare "$" stands for (the publisher's currency: "CAD" for Statistics
    Canada, "NZD" for Stats NZ); "US$", "C$", "A$" and the like are read as written whatever it is.
    """
    if not isinstance(text, str) or not text:
        return []
    try:
        with _gc_paused():
            return _extract(text, dollar)
    except Exception:  # noqa: BLE001 - a pipeline stage must not die on one odd passage
        return []
