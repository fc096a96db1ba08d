"""`tally rules`: counting each resolver rule's decisions against gold (tally/review/rule_stats.py)."""
from __future__ import annotations

import pandas as pd

from tally.review.rule_stats import count_rules, format_rules, rule_name


def _m(doc, start, end, **kw):
    return {"doc_id": doc, "start": start, "end": end, "text": "x" * (end - start), **kw}


def test_rule_name_takes_the_leading_name() -> None:
    assert rule_name("flow_parse") == "flow_parse"
    assert rule_name("cue:crude exports") == "cue"
    assert rule_name("heading_scope (carried)") == "heading_scope"
    assert rule_name(None) is None and rule_name("") is None and rule_name(float("nan")) is None


def test_counts_fires_scored_and_right_per_set() -> None:
    pred = pd.DataFrame([
        _m("d1", 0, 3, subject="USA", subject_rule="possessive", period_start="2023", period_end="2023",
           period_rule="own_time"),
        _m("d1", 10, 13, subject="CAN", subject_rule="possessive", period_start=None, period_end=None,
           period_rule=None),
        _m("d1", 20, 23, subject="RUS", subject_rule="doc_main", period_start="2020", period_end="2020",
           period_rule="own_time"),  # no gold mention here: fires, not scored
    ])
    gold = pd.DataFrame([
        _m("g1", 0, 3, subject="USA", period_start="2023", period_end="2023"),
        _m("g1", 10, 13, subject="USA", period_start="", period_end=""),
    ])
    counts = {(c.column, c.rule, c.gold_set): c for c in count_rules(pred, {"dev": gold}, {"dev": {"g1": "d1"}})}
    poss = counts[("subject_rule", "possessive", "dev")]
    assert (poss.fires, poss.scored, poss.right) == (2, 2, 1)
    own = counts[("period_rule", "own_time", "dev")]
    assert (own.fires, own.scored, own.right) == (2, 1, 1)
    main = counts[("subject_rule", "doc_main", "dev")]
    assert (main.fires, main.scored, main.right) == (1, 0, 0)


def test_a_rule_seen_only_on_the_seed_is_flagged() -> None:
    pred = pd.DataFrame([_m("s", 0, 3, subject="USA", subject_rule="two_powers"),
                         _m("d", 0, 3, subject="GBR", subject_rule="possessive")])
    seed = pd.DataFrame([_m("seed", 0, 3, subject="USA")])
    dev = pd.DataFrame([_m("d", 0, 3, subject="GBR")])
    counts = count_rules(pred, {"seed": seed, "dev": dev}, {"seed": {"seed": "s"}, "dev": {}})
    text = format_rules(counts, ["seed", "dev"])
    line = next(ln for ln in text.splitlines() if "two_powers" in ln)
    assert "fires only on the seed" in line
    assert "fires only on the seed" not in next(ln for ln in text.splitlines() if "possessive" in ln)
