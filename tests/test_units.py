"""The unit vocabulary (schemas/units.yaml): every code has a dimension and a standard symbol, physical
units and their conversion factors agree with pint, currencies are ISO 4217 (pycountry), and the
codes the extractor can emit are valid for the Pandera checks and the warehouse `units` dimension."""
from __future__ import annotations

import pint
import pycountry
import pytest
import yaml

from schemas.vocab import HERE, units
from tally.extract.units import CURRENCY_SIGNS, DOLLAR_PREFIXES, RIGHT_FORMS, UNIT_CODES

DOC = yaml.safe_load((HERE / "units.yaml").read_text(encoding="utf-8"))
UREG = pint.UnitRegistry()
# pint dimensionality per dimension name of units.yaml
DIMENSIONALITY = {
    "duration": "[time]", "flow": "[length] ** 3 / [time]", "mass": "[mass]", "volume": "[length] ** 3",
    "energy": "[mass] * [length] ** 2 / [time] ** 2", "power": "[mass] * [length] ** 2 / [time] ** 3",
    "length": "[length]", "area": "[length] ** 2", "speed": "[length] / [time]", "frequency": "1 / [time]",
    "torque": "[length] ** 2 * [mass] / [time] ** 2", "temperature": "[temperature]",
    "yield": "[mass] / [length] ** 2", "information": "dimensionless",
}


def test_every_code_has_dimension_symbol_and_description():
    for code, u in units().items():
        assert u["dimension"] and u["symbol"] and u["description"], code


@pytest.mark.parametrize("entry", [u for u in DOC["units"] if "pint" in u], ids=lambda u: u["code"])
def test_pint_symbols_parse_and_match_the_dimension(entry):
    dim = str(UREG.Quantity(1, entry["pint"]).dimensionality)
    assert dim == DIMENSIONALITY[entry["dimension"]], (entry["code"], dim)


@pytest.mark.parametrize("form", [f for f in DOC["forms"] if "pint" in f], ids=lambda f: f["pint"])
def test_form_factors_are_pint_conversions(form):
    target = next(u for u in DOC["units"] if u["code"] == form["unit"])["pint"]
    assert UREG.Quantity(1, form["pint"]).to(target).magnitude == pytest.approx(form["factor"], rel=1e-9)


def test_rate_denominators_are_pint_units():
    for den in DOC["rates"]["price_denominators"]:
        if "pint" in den:
            UREG.Quantity(1, den["pint"])


def test_currencies_are_iso_4217():
    iso = {c.alpha_3 for c in pycountry.currencies}
    listed = set(DOC["currencies"]["codes"]) | set(CURRENCY_SIGNS.values()) | set(DOLLAR_PREFIXES.values())
    listed |= set(DOC["currencies"]["prefix_words"].values()) | {w["unit"] for w in DOC["currencies"]["words"]}
    listed |= set(DOC["rates"]["price_numerators"])
    assert listed <= iso, listed - iso
    assert iso <= set(units())  # every ISO currency is a valid unit code


def test_every_emitted_code_is_in_the_vocabulary_and_the_dimension_table():
    from tally.publish.dimensions import frames

    emitted = {f.unit for f in RIGHT_FORMS if f.unit}
    assert emitted <= UNIT_CODES
    table = frames()["units"]
    assert emitted <= set(table["code"])
    assert {"CAD_per_hour", "EUR_per_kWh", "tonnes_per_hectare", "per_100k_inhabitants", "index_points"} <= set(table["code"])
