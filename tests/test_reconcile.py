"""Reconcile: mentions -> facts and conflicts; the seed's facts and the gold README's conflicts."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from tally.resolve.mentions import build_mentions, resolve_mentions
from tally.model import DocContext, Mention
from tally.columns import mention_table
from tally.facts.reconcile import quote_span, quote_spans, reconcile
from tally.ingest.segment import segment
from tally.ingest.text import Utf8Text

ROOT = Path(__file__).resolve().parent.parent
GOLD = Path(__file__).resolve().parent / "gold"
SEED = ROOT / "raw" / "us_russia_relations.txt"
KEY = ("indicator", "subject", "counterpart", "measure", "value", "unit", "comparator", "period_start", "period_end")

# The gold README's conflicts, as pairs of gold fact ids that some conflict row must hold together.
README_CONFLICTS = [("F02", "F03"), ("F12", "F13"), ("F14", "F15"), ("F16", "F17"), ("F22", "F23"), ("F22", "F24"),
                    ("F23", "F24")]


def _nz(x: str) -> str | None:
    return x or None


def gold_facts() -> dict[tuple, str]:
    out = {}
    for r in csv.DictReader(open(GOLD / "seed_facts.csv", encoding="utf-8")):
        out[tuple(float(r[k]) if k == "value" else _nz(r[k]) for k in KEY)] = r["fact_id"]
    return out


def fact_key(f) -> tuple:
    return tuple(float(getattr(f, k)) if k == "value" else getattr(f, k) for k in KEY)


def seed_from_gold_spans() -> tuple[str, list[Mention]]:
    """Gold mention offsets with the gold's value/unit/comparator/change: isolates the resolvers from the extractor."""
    text = SEED.read_text(encoding="utf-8")
    ms = [Mention("seed", r["mention_id"], "", int(r["start"]), int(r["end"]), r["text"], float(r["value"]), None, None,
                  r["unit"], r["comparator"], _nz(r["change"]))
          for r in csv.DictReader(open(GOLD / "seed_mentions.csv", encoding="utf-8"))]
    return text, resolve_mentions(DocContext("seed", text), segment(text), ms)


def seed_from_extractor() -> tuple[str, list[Mention]]:
    text = SEED.read_text(encoding="utf-8")
    return text, build_mentions(DocContext("seed", text), segment(text))


def score(facts) -> tuple[float, float, list, list]:
    gold = gold_facts()
    pred = {fact_key(f): f for f in facts}
    tp = set(gold) & set(pred)
    return (len(tp) / max(len(pred), 1), len(tp) / len(gold),
            sorted(gold[k] for k in set(gold) - set(pred)), [pred[k] for k in set(pred) - set(gold)])


@pytest.mark.parametrize("source", [seed_from_gold_spans, seed_from_extractor], ids=["gold-spans", "extractor"])
def test_seed_facts_precision_and_recall(source):
    text, mentions = source()
    facts, _ = reconcile(mention_table(mentions), {"seed": text})
    p, r, missed, extra = score(facts)
    print(f"\n{source.__name__}: facts P {p:.3f} R {r:.3f}")
    for fid in missed:
        print("  missed", fid)
    for f in extra:
        print("  extra ", fact_key(f), f.mention_ids)
    assert p >= 0.95 and r >= 0.95


def _by_gold_id(facts) -> dict[str, str]:
    gold = gold_facts()
    return {f.fact_id: gold[fact_key(f)] for f in facts if fact_key(f) in gold}


def test_every_readme_conflict_is_flagged():
    text, mentions = seed_from_gold_spans()
    facts, conflicts = reconcile(mention_table(mentions), {"seed": text})
    g = _by_gold_id(facts)
    held = [{g.get(i) for i in c.fact_ids} for c in conflicts]
    for pair in README_CONFLICTS:
        assert any(set(pair) <= h for h in held), pair
    kinds = {frozenset(g.get(i) for i in c.fact_ids): c.kind for c in conflicts}
    assert kinds[frozenset({"F02", "F03"})] == "comparator"
    assert kinds[frozenset({"F12", "F13"})] == "period"
    assert kinds[frozenset({"F16", "F17"})] == "denominator"
    assert kinds[frozenset({"F22", "F23", "F24"})] == "comparator+counterpart"  # one row for the three statements
    # related figures that must not be merged or flagged (README 8), and the passing arithmetic check (README 9)
    for pair in (("F25", "F26"), ("F27", "F28"), ("F05", "F06"), ("F30", "F31"), ("F35", "F36")):
        assert not any(set(pair) <= h for h in held), pair
    assert not [c for c in conflicts if c.kind == "arithmetic"]
    assert all(c.note for c in conflicts)


def test_readme_merges_and_open_period_notes():
    text, mentions = seed_from_gold_spans()
    facts, _ = reconcile(mention_table(mentions), {"seed": text})
    g = {v: f for f in facts for k, v in [(None, _by_gold_id(facts).get(f.fact_id))] if v}
    assert g["F09"].n_mentions == 3 and g["F31"].n_mentions == 3 and g["F18"].n_mentions == 4  # wording differences
    assert g["F07"].value == -80 and g["F34"].value == -20  # declines are negative
    f34 = next(m for m in mentions if m.mention_id == "M064")
    assert f34.period_start is None and f34.period_end is None and "undated" in f34.note  # README 10


def test_quotes_are_exact_short_substrings_holding_a_mention():
    text, mentions = seed_from_gold_spans()
    facts, _ = reconcile(mention_table(mentions), {"seed": text})
    by_id = {m.mention_id: m for m in mentions}
    for f in facts:
        assert f.quote and f.quote in text, f
        assert 5 <= len(f.quote.split()) <= 25, f.quote
        assert any(by_id[i].text in f.quote for i in f.mention_ids), f.quote


@pytest.mark.parametrize("block", [200, 4_000, 10**6])
def test_quote_spans_read_from_blocks_equal_the_whole_text(block):
    # A very large document's quote spans come from the block holding each mention (reconcile_facts); they
    # and the facts' quotes must be those the whole text gives, also for CRLF text, wherever blocks are cut.
    for crlf in (False, True):
        text, mentions = seed_from_extractor()
        if crlf:
            text = text.replace("\n", "\r\n")
            mentions = build_mentions(DocContext("seed", text), segment(text))
        spans = quote_spans(Utf8Text(text.encode(), block=block), [(m.start, m.end) for m in mentions])
        assert [spans.span(m.start) for m in mentions] == [quote_span(text, m.start, m.end) for m in mentions]
        want, _ = reconcile(mention_table(mentions), {"seed": text})
        got, _ = reconcile(mention_table(mentions), {"seed": spans})
        assert [f.quote for f in got] == [f.quote for f in want] and all(f.quote for f in got)


def test_quote_spans_worked_out_by_the_worker_travel_without_the_text():
    # The batch's worker works out each document's quote spans (build.with_quotes); they are pickled back to
    # the flow without the text (the document carries it) and give the quotes the text itself gives.
    import pickle

    text, mentions = seed_from_extractor()
    spans = quote_spans(text, sorted((m.start, m.end) for m in mentions if m.indicator))
    back = pickle.loads(pickle.dumps(spans))
    assert back.text is None and len(pickle.dumps(spans)) < len(text.encode())
    want, _ = reconcile(mention_table(mentions), {"seed": text})
    got, _ = reconcile(mention_table(mentions), {"seed": back.bound(text)})
    assert [f.quote for f in got] == [f.quote for f in want] and all(f.quote for f in got)


def test_ids_are_deterministic_and_texts_optional():
    text, mentions = seed_from_gold_spans()
    a, ca = reconcile(mention_table(mentions), {"seed": text})
    import pyarrow as pa

    table = mention_table(mentions)
    b, cb = reconcile(table.take(pa.array(range(table.num_rows - 1, -1, -1))))  # rows in any order
    assert [(f.fact_id, fact_key(f)) for f in a] == [(f.fact_id, fact_key(f)) for f in b]
    assert [(c.conflict_id, c.kind, c.fact_ids) for c in ca] == [(c.conflict_id, c.kind, c.fact_ids) for c in cb]
    assert all(f.quote is None for f in b)
    starts = [min(int(re.sub(r"\D", "", i)) for i in f.mention_ids) for f in a]
    assert starts == sorted(starts)


def _doc_facts(text: str, spans: list[tuple[str, str, str | None, float]]):
    ms, pos = [], 0
    for span, unit, change, value in spans:
        s = text.index(span, pos)
        pos = s + len(span)
        comp = "~" if re.match(r"(?:about|almost|nearly|approximately)\b", span) else ">" if span.startswith("over") else "="
        ms.append(Mention("d", f"m{s}", "", s, pos, span, value, None, None, unit, comp, change))
    ms = resolve_mentions(DocContext("d", text), segment(text), ms)
    return reconcile(mention_table(ms), {"d": text})


@pytest.mark.parametrize("stated,ok", [("almost 80%", True), ("nearly 78%", True), ("50%", False),
                                        ("about 60%", False), ("over 90%", False), ("over 70%", True)])
def test_arithmetic_check(stated, ok):
    text = (f"Bilateral trade between Chile and Peru fell from $38.1 billion in 2013 to $8.5 billion in 2023, "
            f"a decline of {stated}.\n")
    value = float(re.search(r"\d+", stated).group())
    facts, conflicts = _doc_facts(text, [("$38.1 billion", "USD", None, 38.1e9), ("$8.5 billion", "USD", None, 8.5e9),
                                         (stated, "percent", "down", value)])
    arith = [c for c in conflicts if c.kind == "arithmetic"]
    assert (not arith) == ok, [c.note for c in conflicts]
    if not ok:
        assert "imply -77.7%" in arith[0].note and len(arith[0].fact_ids) == 3


def test_leave_out_joins_the_fuller_statement_and_value_conflicts_are_flagged_across_sources():
    text = ("Chile exported 5 million tonnes of copper in 2020. Chile's exports were 5 million tonnes.\n"
            "Chile's exports were 6 million tonnes in 2021.\n")
    facts, conflicts = _doc_facts(text, [("5 million tonnes", "tonnes", None, 5e6), ("5 million tonnes", "tonnes", None, 5e6),
                                         ("6 million tonnes", "tonnes", None, 6e6)])
    assert [(f.value, f.period_start, f.n_mentions) for f in facts] == [(5e6, "2020", 2), (6e6, "2021", 1)]
    assert conflicts == []
    other = "Chile's exports reached 7 million tonnes in 2021.\n"
    s = other.index("7 million tonnes")
    m2 = resolve_mentions(DocContext("e", other), segment(other),
                          [Mention("e", "e1", "", s, s + 16, "7 million tonnes", 7e6, None, None, "tonnes", "=", None)])
    ms = resolve_mentions(DocContext("d", text), segment(text),
                          [Mention("d", f"d{i}", "", text.index("6 million"), text.index("6 million") + 16,
                                   "6 million tonnes", 6e6, None, None, "tonnes", "=", None) for i in range(1)])
    facts, conflicts = reconcile(mention_table(ms + m2), {"d": text, "e": other})
    assert [c.kind for c in conflicts] == ["value"] and "6,000,000 vs 7,000,000" in conflicts[0].note


def test_within_one_document_two_values_of_the_same_named_figure_conflict():
    text = ("Peru's unemployment rate was 6.1% in 2022, the ministry said.\n\n"
            "In its annex, the report puts Peru's unemployment rate at 6.8% in 2022.\n")
    facts, conflicts = _doc_facts(text, [("6.1%", "percent", None, 6.1), ("6.8%", "percent", None, 6.8)])
    assert [f.indicator for f in facts] == ["unemployment_rate"] * 2
    assert [(c.kind, len(c.fact_ids)) for c in conflicts] == [("value", 2)]
    assert "6.1 vs 6.8 percent in one document" in conflicts[0].note


def test_within_one_document_sub_series_with_their_own_phrases_do_not_conflict():
    text = ("In 2022 Peru's youth unemployment rate was 14.2% and the adult unemployment rate was 5.3%.\n")
    facts, conflicts = _doc_facts(text, [("14.2%", "percent", None, 14.2), ("5.3%", "percent", None, 5.3)])
    assert len(facts) == 2 and conflicts == []


def test_three_statements_that_disagree_are_one_conflict_row():
    docs = {"a": "Chile's exports were 5 million tonnes in 2021.\n",
            "b": "Chile's exports reached 6 million tonnes in 2021.\n",
            "c": "Chile's exports totalled 7 million tonnes in 2021.\n"}
    ms = []
    for d, t in docs.items():
        s = t.index(" million") - 1
        ms += resolve_mentions(DocContext(d, t), segment(t), [Mention(d, f"{d}1", "", s, s + 16, t[s:s + 16],
                                                                      float(t[s]) * 1e6, None, None, "tonnes", "=", None)])
    facts, conflicts = reconcile(mention_table(ms), docs)
    assert len(facts) == 3
    assert [(c.kind, sorted(c.fact_ids)) for c in conflicts] == [("value", sorted(f.fact_id for f in facts))]
    assert "5,000,000 vs 6,000,000 vs 7,000,000" in conflicts[0].note and "in 3 documents" in conflicts[0].note


def test_pairwise_disagreements_sharing_a_fact_are_grouped():
    from tally.facts.conflicts import _grouped

    rows = [("comparator", ["F1", "F2"], "a"), ("counterpart", ["F2", "F3"], "b"), ("period", ["F8", "F9"], "c")]
    assert sorted(_grouped(rows)) == [("comparator+counterpart", ["F1", "F2", "F3"], "a; b"), ("period", ["F8", "F9"], "c")]
