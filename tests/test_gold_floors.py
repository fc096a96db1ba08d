"""Accuracy floors on every gold set, scored as `tally eval --gold DIR --extract` scores them (the library
on the set's own documents). Each floor sits just under the figure reached, so no change can quietly
lose accuracy; raise a floor when a change earns it."""
from __future__ import annotations

from pathlib import Path

import pytest

from tally.review.evaluate import evaluate
from tally.review.goldrun import run_gold

GOLD = Path(__file__).resolve().parent / "gold"

# set -> field -> F1 floor ("all": span, value, unit, comparator and change right together)
FLOORS: dict[str, dict[str, float]] = {
    # seed indicator/counterpart 66/67 (h15): "has funneled over $113 billion into Ukraine" names no aid; the cue
    # built on that one sentence (funnel + military + government) is gone, so that mention is NULL
    "seed": {"span": 1.0, "all": 1.0, "subject": 1.0, "counterpart": 0.98, "indicator": 0.98},
    # dev counterpart: -0.01 (h15): aid figures whose own phrase names no aid ("$1.5 billion a year for
    # development") keep indicator NULL, so no relation and no counterpart (precision first)
    "dev": {"span": 0.995, "all": 0.99, "unit": 0.99, "change": 0.995, "subject": 0.98, "counterpart": 0.98,
            "period": 0.92},
    "dev2": {"span": 0.995, "all": 0.955, "unit": 0.97, "comparator": 0.985, "change": 0.985, "subject": 0.975,
             "counterpart": 0.97, "period": 0.94},
    "dev3": {"span": 0.99, "all": 0.945, "unit": 0.98, "change": 0.955, "subject": 0.885, "counterpart": 0.875,
             "period": 0.75},
    # the central-bank-style statement written for issue 15 (tests/gold/cb)
    "cb": {"span": 1.0, "all": 1.0, "subject": 1.0, "counterpart": 1.0, "period": 0.95},
}


@pytest.fixture(scope="module")
def report() -> dict:
    """One library build over the seed and every set folder under tests/gold."""
    run = run_gold(GOLD)
    return evaluate(GOLD, run.mentions, run.facts, run.seed_doc_id, run.doc_map)


def _f1(report: dict, part: str, name: str) -> float:
    scores = report[part]
    return (scores["span"] if name == "span" else scores["fields"][name])["f1"]


@pytest.mark.parametrize("gold_set", sorted(FLOORS))
def test_mention_floors(report: dict, gold_set: str) -> None:
    part = "seed_mentions" if gold_set == "seed" else f"{gold_set}_mentions"
    assert report.get(f"{gold_set}_documents", {"found": 1, "gold": 1})["found"] == \
        report.get(f"{gold_set}_documents", {"gold": 1})["gold"]
    got = {name: round(_f1(report, part, name), 3) for name in FLOORS[gold_set]}
    low = {name: (got[name], floor) for name, floor in FLOORS[gold_set].items() if got[name] < floor}
    assert not low, f"{gold_set}: below floor (got, floor): {low}; all: {got}"


def test_seed_facts_floor(report: dict) -> None:
    assert report["seed_facts"]["facts"]["f1"] >= 1.0


def test_a_set_folder_is_scored_alone(tmp_path: Path) -> None:
    """`--gold tests/gold/dev2` scores dev2's documents only: no seed part, no other set."""
    run = run_gold(GOLD / "dev2")
    rep = evaluate(GOLD / "dev2", run.mentions, run.facts, run.seed_doc_id, run.doc_map)
    assert rep["sets"] == ["dev2"]
    assert "seed_mentions" not in rep and "seed_facts" not in rep
    assert rep["dev2_documents"] == {"found": 14, "gold": 14}
