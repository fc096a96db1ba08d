"""Evaluation: scoring mention and fact tables against a gold folder."""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pandas as pd

from tally.review.evaluate import evaluate, format_report, load_gold, score_facts, score_mentions
from tally.resolve.mentions import build_mentions
from tally.model import DocContext
from tally.columns import mention_table
from tally.facts.reconcile import reconcile
from tally.ingest.segment import segment

GOLD = Path(__file__).resolve().parent / "gold"
SEED = Path(__file__).resolve().parent.parent / "raw" / "us_russia_relations.txt"


def _gold_as_predictions():
    g = load_gold(GOLD)
    m = g.seed_mentions.copy()
    m["doc_id"] = "abc123"
    m["period_start"] = m["period_end"] = None
    dev = g.dev_mentions.copy()
    dev["indicator"] = None
    return g, pd.concat([m, dev], ignore_index=True), g.seed_facts.assign(doc_ids=[["abc123"]] * len(g.seed_facts))


def test_gold_against_itself_is_perfect():
    g, mentions, facts = _gold_as_predictions()
    r = evaluate(GOLD, mentions, facts)
    assert r["seed_doc_id"] == "abc123"
    assert r["seed_mentions"]["span"]["f1"] == 1.0
    assert all(s["f1"] == 1.0 for s in r["seed_mentions"]["fields"].values())
    assert r["dev_mentions"]["span"]["f1"] == 1.0 and r["dev_mentions"]["fields"]["period"]["f1"] == 1.0
    assert r["seed_facts"]["facts"]["f1"] == 1.0 and not r["seed_facts"]["misses"]


def test_errors_show_up_per_field_and_as_misses():
    g = load_gold(GOLD)
    gold = g.dev_mentions
    pred = gold.copy()
    pred.loc[0, "subject"] = "RUS"
    pred.loc[1, "period_start"] = "1999"
    pred = pred.drop(index=2)
    r = score_mentions(pred, gold, ("value", "subject", "period"))
    n = len(gold)
    assert r["span"]["recall"] == (n - 1) / n and r["span"]["precision"] == 1.0
    assert r["fields"]["subject"]["tp"] == n - 2 and r["fields"]["period"]["tp"] == n - 2
    kinds = sorted(m["kind"] for m in r["misses"])
    assert kinds == ["missed mention", "period", "subject"]
    facts = g.seed_facts.copy()
    facts.loc[0, "comparator"] = "="
    fr = score_facts(facts, g.seed_facts)
    assert fr["facts"]["tp"] == len(facts) - 1 and fr["fields"]["comparator"] < 1.0
    assert {m["kind"] for m in fr["misses"]} == {"missed fact", "extra fact"}


def test_whole_chain_report_on_the_seed():
    text = SEED.read_text(encoding="utf-8")
    ms = build_mentions(DocContext("seed-doc-hash", text), segment(text))
    facts, _ = reconcile(mention_table(ms), {"seed-doc-hash": text})
    mdf = pd.DataFrame([asdict(m) for m in ms])
    fdf = pd.DataFrame([asdict(f) for f in facts])
    r = evaluate(GOLD, mdf, fdf)
    out = format_report(r)
    print(out)
    assert r["seed_facts"]["facts"]["precision"] >= 0.95 and r["seed_facts"]["facts"]["recall"] >= 0.95
    assert "seed facts" in out and "subject" in out
