"""Time rules' gates (tally/resolve/periods/times.py): a gate may only skip text its rule finds nothing in.

Each rule declares the words or pattern every match of it contains; find_times runs the rule only where the
gate opens. These tests run every rule without its gate on many texts and require that the gate opened
wherever the rule found a time, and that find_times gives the same times with and without gates.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tally.ingest.segment import segment
from tally.resolve.periods import TIME_RULES, PeriodContext, find_times
from tally.resolve.periods.expr import gate_of

ROOT = Path(__file__).resolve().parent
_QUOTED = re.compile(r"'([^']{3,80})'")


def _examples() -> list[str]:
    """The phrases quoted in the rules' docstrings, each also capitalized, title-cased, upper-cased and in a
    sentence ('Exports fell 3% <phrase>.')."""
    out = []
    for rule in TIME_RULES:
        for phrase in _QUOTED.findall(rule.__doc__ or ""):
            forms = {phrase, phrase[:1].upper() + phrase[1:], phrase.title(), phrase.upper()}
            out += sorted(forms) + [f"Exports fell 3% {phrase}.", f"In {phrase}, exports fell 3%."]
    return out


def _sentences() -> list[str]:
    """Every passage of the gold documents and the seed."""
    paths = sorted(ROOT.glob("gold/*/docs/*.txt")) + sorted((ROOT.parent / "raw").glob("*.txt"))
    out = []
    for p in paths:
        text = p.read_text(encoding="utf-8")
        out += [text[s.start:s.end] for s in segment(text)]
    return out


# Time phrases written here (none from a gold set), filled with years, months and counts.
FORMS = ["in {Y}", "during {Y}", "since {Y}", "by {M} {Y}", "before {Y}", "between {Y} and {Y2}", "from {Y} to {Y2}",
         "{M} to {M2} {Y}", "in {M} {Y}", "on 3 {M} {Y}", "as of {M} 5, {Y}", "FY{Y}", "fiscal year {Y}",
         "FY{Y}-{YY}", "{Y}/{YY}", "the financial year ending {M} {Y}", "year ended 30 {M} {Y}", "Q3 {Y}", "3Q{YY}",
         "the third quarter of {Y}", "the {M} quarter {Y}", "the second half of {Y}", "H1 {Y}", "2H{YY}",
         "the {N} months to {M} {Y}", "the year to {M} {Y}", "the first {N} months of {Y}", "{Y}-{YY}",
         "during the period {Y}-{Y2}", "during the 1990s", "last year", "this month", "today", "over the past decade",
         "in recent years", "over the last 12 months", "year over year", "a year earlier", "over that period",
         "the same period of {Y}", "year-to-date", "so far this year", "end-of-year", "the fifth consecutive month",
         "typically", "the target range", "prior to the war", "the past fiscal year", "Marketing Year {Y}/{YY}",
         "Appropriations Act, {Y}", "in calendar year {Y}", "the {Y} harvest", "through the year"]


def _generated() -> list[str]:
    """Each form filled a few ways, alone, capitalized and in two sentence frames."""
    out = []
    fills = [("1998", "99", "2001", "March", "June", "three"), ("2016", "17", "2019", "Sept.", "December", "nine"),
             ("2024", "25", "2026", "Jan", "October", "12")]
    for form in FORMS:
        for y, yy, y2, m, m2, n in fills:
            p = form.format(Y=y, YY=yy, Y2=y2, M=m, M2=m2, N=n)
            out += [p, p[:1].upper() + p[1:], f"Output rose 2.1% {p} to $4.5 billion.", f"{p[:1].upper() + p[1:]}, "
                    f"the deficit was 3% of GDP, when prices fell."]
    return out


TEXTS = _examples() + _sentences() + _generated()
CONTEXTS = [PeriodContext.of("", None, None), PeriodContext.of("", "2024-05-15", "GB"),
            PeriodContext.of("", "2023-10-01", "US")]


def test_the_texts_are_many_and_every_gated_rule_fires_on_some():
    fired = {rule.__name__ for rule in TIME_RULES for t in TEXTS if list(rule(t, CONTEXTS[1]))}
    gated = {rule.__name__ for rule in TIME_RULES if gate_of(rule) is not None}
    assert len(TEXTS) > 1400
    assert gated == {rule.__name__ for rule in TIME_RULES}, "every rule declares a gate"
    assert gated <= fired, f"rules never exercised: {sorted(gated - fired)}"


@pytest.mark.parametrize("rule", TIME_RULES, ids=lambda r: r.__name__)
def test_a_gate_opens_on_every_time_its_rule_finds(rule):
    gate = gate_of(rule)
    missed = [(t, x.text) for ctx in CONTEXTS for t in TEXTS if not gate.open(t, t.lower()) for x in rule(t, ctx)]
    assert not missed, missed[:5]


@pytest.mark.parametrize("ctx", CONTEXTS, ids=["undated", "gb", "us"])
def test_find_times_is_the_same_with_and_without_gates(ctx):
    ungated = tuple(lambda seg, c, r=r: r(seg, c) for r in TIME_RULES)
    for r, u in zip(TIME_RULES, ungated):
        u.__name__ = r.__name__
    for t in TEXTS:
        assert find_times(t, ctx) == find_times(t, ctx, rules=ungated), t


def test_a_gate_skips_text_without_its_words():
    by_name = {r.__name__: r for r in TIME_RULES}
    assert not gate_of(by_name["quarter"]).open("Exports rose 5% in 2023.", "exports rose 5% in 2023.")
    assert gate_of(by_name["quarter"]).open("Exports rose in Q3 2023.", "exports rose in q3 2023.")
    assert not gate_of(by_name["today"]).open("Prices fell.", "prices fell.")
