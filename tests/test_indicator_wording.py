"""Indicators the seed alone exercised, read in other wording (CheckList-style: sentence frames x country
pairs x numbers x years). Issue 19: a rule that fires only on the seed must hold on text nobody fitted it to.
Each case checks the indicator and, where the frame makes them plain, the subject, counterpart and year."""
from __future__ import annotations

import itertools

import pytest

from tally.ingest.segment import segment
from tally.model import DocContext
from tally.resolve.mentions import build_mentions

PAIRS = list(itertools.permutations([("France", "FRA"), ("Japan", "JPN"), ("Brazil", "BRA"), ("Canada", "CAN")], 2))
FILLS = [("12", "2019"), ("35", "2022")]

# (indicator, frame, expected subject, expected counterpart): "A"/"B" stand for the frame's parties, None = NULL
FRAMES = [
    ("diplomatic_personnel", "{A} has {N} diplomats posted in {B}.", "A", "B"),
    ("diplomatic_personnel", "In {Y}, {A} withdrew {N} embassy staff from {B}.", "A", "B"),
    ("diplomatic_personnel", "The number of {A} diplomats in {B} fell to {N} in {Y}.", "A", "B"),
    ("diplomatic_personnel", "{A}'s embassy in {B} employed {N} staff in {Y}.", "A", "B"),
    ("visa_processing_time", "In {Y}, {A} cut the average visa processing time for {B} nationals to {N} days.",
     "A", "B"),
    ("gas_dependence_share", "Gas from {B} covered {N}% of {A}'s energy needs in {Y}.", "A", "B"),
    ("gas_dependence_share", "In {Y}, {A} relied on {B} gas for {N}% of its energy supply.", "A", "B"),
    ("gas_dependence_share", "In {Y}, {N}% of {A}'s energy consumption was met by gas imported from {B}.", "A", "B"),
    ("industrial_energy_cost_change", "Energy costs for {A}'s industry rose {N}% in {Y}.", "A", None),
    ("industrial_energy_cost_change", "{A}'s industrial energy prices jumped {N}% in {Y}.", "A", None),
    ("industrial_energy_cost_change", "In {Y}, energy prices paid by {A}'s factories increased {N}%.", "A", None),
]

# Found by these frames and not fixed yet (the roles of issue 10): each xfail is strict, so a fix shows.
KNOWN_WRONG = [
    # the expelled diplomats are B's, posted in A: read as A's diplomats in B
    ("diplomatic_personnel", "{A} expelled {N} diplomats from {B} in {Y}.", "B", "A"),
    # the visa is A's, waited for in B: read as B's visa for A
    ("visa_processing_time", "Applicants in {B} waited about {N} days for a {A} visa in {Y}.", "A", "B"),
]


def _figure(text: str, number: str):
    """The mention holding `number` (not the year) in a one-sentence document."""
    ms = [m for m in build_mentions(DocContext("d", text), segment(text)) if number in m.text and m.unit != "year"]
    assert len(ms) == 1, (text, ms)
    return ms[0]


def _check(indicator: str, frame: str, subject: str | None, counterpart: str | None) -> None:
    for ((a, ia), (b, ib)), (n, y) in itertools.product(PAIRS, FILLS):
        text = frame.format(A=a, B=b, N=n, Y=y) + "\n"
        m = _figure(text, n)
        code = {"A": ia, "B": ib, None: None}
        got = (m.indicator, m.subject, m.counterpart, m.period_start if "{Y}" in frame else None)
        assert got == (indicator, code[subject], code[counterpart], y if "{Y}" in frame else None), text


@pytest.mark.parametrize("indicator, frame, subject, counterpart", FRAMES, ids=[f[1][:40] for f in FRAMES])
def test_seed_only_indicators_hold_in_other_wording(indicator, frame, subject, counterpart) -> None:
    _check(indicator, frame, subject, counterpart)


@pytest.mark.parametrize("indicator, frame, subject, counterpart", KNOWN_WRONG, ids=[f[1][:40] for f in KNOWN_WRONG])
@pytest.mark.xfail(strict=True, reason="party roles of expulsions and visas (issue 10)")
def test_roles_these_frames_still_get_wrong(indicator, frame, subject, counterpart) -> None:
    _check(indicator, frame, subject, counterpart)


def test_a_near_miss_keeps_the_specific_indicator_out() -> None:
    # household energy bills are not industry's, and a factory count is not a cost
    assert _figure("In 2022, household energy bills in France rose 35%.\n", "35").indicator != \
        "industrial_energy_cost_change"
    assert _figure("France had 35 factories in 2022.\n", "35").indicator is None
