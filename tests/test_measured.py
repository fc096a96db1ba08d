"""The measured phrase (tally/resolve/measured.py): each rule alone, then the exact span on mentions."""
from __future__ import annotations

import pytest

from tally.resolve import measured as M


def where(text: str, span: str, unit: str = "percent", measure: str | None = None, prev: str | None = None) -> M.Where:
    s = text.index(span)
    pe, pm = -1, None
    if prev:
        p = text.index(prev)
        pe = p + len(prev)
        pm = M.measured_phrase(M.Where(text, p, pe, (0, len(text)), unit, measure))[:2]
    return M.Where(text, s, s + len(span), (0, len(text)), unit, measure, pe, pm)


def phrase(w: M.Where, rule=None) -> str | None:
    got = rule(w) if rule else M.measured_phrase(w)
    return None if got is None else w.text[got[0]:got[1]]


@pytest.mark.parametrize("text,span,want", [
    ("The participation rate edged up to 66.8% in June.", "66.8%", "participation rate"),
    ("Coal exports to India fell 4% last year.", "4%", "Coal exports to India"),
    ("A policy rate of 3.85 per cent was kept.", "3.85 per cent", "policy rate"),
    ("Trade between Peru and Chile reached $9 billion.", "$9 billion", "Trade between Peru and Chile"),
])
def test_noun_before(text, span, want):
    assert phrase(where(text, span), M.noun_before) == want


def test_share_base_and_counted_noun():
    assert phrase(where("Chile supplied 12% of Peru's copper imports.", "12%", measure="share"), M.share_base) == \
        "Peru's copper imports"
    assert phrase(where("The ministry employs fewer than 900 engineers.", "fewer than 900", unit="count"),
                  M.counted_noun) == "engineers"


def test_change_object_and_object_after_verb():
    assert phrase(where("It led to a 40% increase in wool exports.", "40%"), M.change_object) == "wool exports"
    assert phrase(where("Parliament approved $3 billion in flood relief.", "$3 billion", unit="USD"),
                  M.object_after_verb) == "flood relief"
    # a verb of change keeps the noun before it
    assert M.object_after_verb(where("Wool exports increased 40%.", "40%")) is None


def test_relative_head_chained_figure_earlier_value_and_of_which():
    t = "Housing credit, which stood at 5.1% in 2023, has since eased to 4.2% in 2024."
    assert phrase(where(t, "5.1%"), M.relative_head) == "Housing credit"
    assert phrase(where(t, "4.2%", prev="5.1%"), M.chained_figure) == "Housing credit"
    t = "Wool took 30% of farm exports in 2024, a shift from just 18% in 2010."
    assert phrase(where(t, "18%", measure="share", prev="30%"), M.earlier_value) == "farm exports"
    t = "Aid reached $4 billion in grants, about half of which went to schools."
    assert phrase(where(t, "about half", prev="$4 billion"), M.of_which) == "Aid"


def test_no_phrase_is_none():
    assert M.measured_phrase(where("It was 5%.", "5%")) is None


def test_mentions_carry_the_exact_span():
    from tally.ingest.segment import segment
    from tally.model import DocContext, Mention
    from tally.resolve.mentions import resolve_mentions

    text = "In Canada the unemployment rate fell to 5.1% in May."
    s = text.index("5.1%")
    m = resolve_mentions(DocContext("d", text), segment(text),
                         [Mention("d", "m", "", s, s + 4, "5.1%", 5.1, None, None, "percent", "=", None)])[0]
    assert m.measured == "unemployment rate" == text[m.measured_start:m.measured_end]
    assert m.indicator == "unemployment_rate" and m.indicator_reason.startswith("unemployment_rate: measured_cue")


def test_an_exclusion_before_the_phrase_is_part_of_it():
    t = "Excluding food and energy, the CPI rose 0.2 percent."
    assert phrase(where(t, "0.2 percent")) == "Excluding food and energy, the CPI"


def test_across_comma_is_the_last_resort():
    t = "Core inflation, the preferred gauge, was 2.9 per cent."
    assert phrase(where(t, "2.9 per cent")) == "the preferred gauge"[4:]  # the appositive names the figure
    assert phrase(where(t, "2.9 per cent"), M.across_comma) == "preferred gauge"
