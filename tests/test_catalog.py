"""The indicator catalog as a checked input: every kind of mistake gives one line naming the entry."""
from __future__ import annotations

import copy

import pytest
import yaml

from tally.resolve.catalog import CatalogError, check_catalog, check_entries, load_entries, require_valid

GOOD = {"code": "wool_exports", "title": "Wool exports", "measure": "level", "units": ["USD", "tonnes"],
        "relation": "flow", "cues": [["wool", "export"]]}


def problems(*entries):
    return check_entries(list(entries), units={"USD", "tonnes", "percent"})


def test_the_shipped_catalog_has_no_problems():
    assert check_catalog() == []


def test_a_good_entry_has_no_problems():
    assert problems(GOOD) == []


@pytest.mark.parametrize("change, expect", [
    ({"units": ["USD", "furlongs"]}, "entry wool_exports: unknown unit 'furlongs'"),
    ({"measure": "stock"}, "entry wool_exports: unknown measure 'stock'"),
    ({"relation": "trade"}, "entry wool_exports: unknown relation 'trade'"),
    ({"side": "export"}, "entry wool_exports: unknown side 'export'"),
    ({"mirror": "wool_imports"}, "entry wool_exports: mirror 'wool_imports' is no entry"),
    ({"cues": [["wool(", "export"]]}, "entry wool_exports: bad pattern 'wool('"),
    ({"cues": [["wool|", "export"]]}, "entry wool_exports: pattern 'wool|' matches the empty string"),
    ({"not": ["[unclosed"]}, "entry wool_exports: bad pattern '[unclosed'"),
    ({"cues": []}, "entry wool_exports: no cues"),
    ({"colour": "blue"}, "entry wool_exports: unknown keys ['colour']"),
])
def test_each_mistake_is_one_line_naming_the_entry(change, expect):
    got = problems({**copy.deepcopy(GOOD), **change})
    assert len(got) == 1 and got[0].startswith(expect), got


def test_duplicate_codes_and_missing_code():
    got = problems(GOOD, dict(GOOD, cues=[["fleece"]]))
    assert got == ["entry wool_exports: duplicate code (2 entries)"]
    assert problems({k: v for k, v in GOOD.items() if k != "code"})[0] == "entry 1: no code"


def test_cues_that_collide_with_another_entry():
    other = dict(GOOD, code="fibre_exports", cues=[["Export", "wool"]])  # same terms, other order and case
    got = problems(GOOD, other)
    assert got == ["entry fibre_exports: cue ['export', 'wool'] collides with entry wool_exports "
                   "(same cue, same measure, a unit in common)"]
    # the same cue on a share entry with other units does not compete for the same figures
    assert problems(GOOD, dict(other, measure="share", units=["percent"])) == []


def test_every_run_checks_the_catalog(tmp_path):
    bad = {"indicators": [GOOD, dict(GOOD, code="x", units=["furlongs"])]}
    f = tmp_path / "indicators.yaml"
    f.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"(?s)indicators.yaml: 1 problem\(s\).*entry x: unknown unit 'furlongs'"):
        require_valid(f)
    assert len(load_entries(f)) == 2


def test_cli_catalog_check(tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    ok = CliRunner().invoke(app, ["catalog", "check"])
    assert ok.exit_code == 0 and ok.stdout.startswith("OK: ")
    f = tmp_path / "indicators.yaml"
    f.write_text(yaml.safe_dump({"indicators": [dict(GOOD, measure="stock")]}), encoding="utf-8")
    bad = CliRunner().invoke(app, ["catalog", "check", "--file", str(f)])
    assert bad.exit_code == 1 and bad.stdout.strip().splitlines() == [
        "entry wool_exports: unknown measure 'stock' (one of level, share, change)"]


def test_forms_are_measures_and_include_the_entry_measure():
    assert problems(dict(GOOD, forms=["level", "change"])) == []
    got = problems(dict(GOOD, forms=["level", "growth"]))
    assert got == ["entry wool_exports: unknown form 'growth' (forms are measures: level, share, change)"]
    assert problems(dict(GOOD, forms=["change"]))[0].startswith("entry wool_exports: measure 'level' is not one of")
