"""The publisher's country: it gives a bare "$" its currency and a country-less document its subject."""
from __future__ import annotations

import re
from functools import lru_cache

from schemas import vocab
from tally.resolve.entities import AGGREGATE, GROUP, find_entities

# Dollar currencies by country; a bare "$" in a text published there is that currency.
DOLLARS = {"AUS": "AUD", "CAN": "CAD", "NZL": "NZD", "SGP": "SGD", "HKG": "HKD", "USA": "USD"}
# "$" with no letters before it ("$5", "+$0.99"), as opposed to "US$", "A$", "C$", "NZ$".
_BARE_DOLLAR = re.compile(r"(?<![A-Za-z])\$")


@lru_cache(maxsize=256)
def publisher_country_of(country: str | None, publisher: str | None) -> str | None:
    """The manifest's `country`, else the one country the publisher's name names ("Statistics Canada",
    "Reserve Bank of Australia", "Office for National Statistics"); None when absent or ambiguous."""
    if country:
        return country
    if not publisher:
        return None
    codes = {e.code for e in find_entities(publisher) if e.codable and e.kind not in (GROUP, AGGREGATE)}
    return codes.pop() if len(codes) == 1 else None


def local_currency(text: str, unit: str, country: str | None) -> str:
    """A unit read as U.S. dollars from a bare "$" becomes the publisher's dollar (AUD, CAD, ...) when
    the units vocabulary has that code; anything else is returned unchanged."""
    dollar = DOLLARS.get(country or "")
    if not dollar or dollar == "USD" or not unit.startswith("USD") or not _BARE_DOLLAR.search(text):
        return unit
    local = dollar + unit[3:]
    return local if local in vocab.units() else unit
