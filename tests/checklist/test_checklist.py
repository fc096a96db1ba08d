"""Behavioural suite (CheckList): >= 2,000 generated cases per capability, >= 95% passing in each, plus
invariance under swapped countries, numbers and years. The per-capability table is printed in the
terminal summary (and by `python bench/checklist.py`, with the failures)."""
from __future__ import annotations

import pytest
from runner import run, table

FLOOR = 0.95
CAPABILITIES = ("scale words", "number words", "comparators", "ranges", "changes", "signs", "units", "durations",
                "negatives")
RESULTS: dict = {}


@pytest.fixture(scope="module")
def results() -> tuple[dict, dict]:
    """One run of every case (about 5 s)."""
    if not RESULTS:
        RESULTS["totals"], RESULTS["failures"] = run()
    return RESULTS["totals"], RESULTS["failures"]


def test_every_capability_has_enough_cases(results) -> None:
    totals, _ = results
    for cap in CAPABILITIES:
        assert totals[cap][1] >= 2000, cap
    assert totals["invariance"][1] >= 300


@pytest.mark.parametrize("cap", CAPABILITIES + ("invariance",))
def test_pass_rate_per_capability(results, cap: str) -> None:
    totals, failures = results
    ok, n = totals[cap]
    shown = "\n".join(f"{c.text!r}: want {list(c.expected)} got {g}" for c, g in failures.get(cap, [])[:5])
    assert ok / n >= FLOOR, f"{cap}: {ok}/{n}\n{shown}"


def summary() -> str | None:
    """The table, when the suite ran in this session."""
    return table(RESULTS["totals"]) if RESULTS else None
