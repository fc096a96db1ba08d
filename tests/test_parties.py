"""Party rules (tally/resolve/parties.py), each tested alone on wording of our own, then end to end."""
from __future__ import annotations

import pytest

from tally.model import DocContext, Mention
from tally.ingest.segment import segment
from tally.resolve import parties as P
from tally.resolve.entities import DocProfile, Scope, clause_spans, enclosing, find_entities, sentence_spans
from tally.resolve.mentions import resolve_mentions
from tally.resolve.publisher import local_currency, publisher_country_of


def ctx(text: str, span: str, relation: str | None = None, measure: str | None = None, side: str | None = None,
        country: str | None = None) -> P.PartyContext:
    s = text.index(span)
    sent = enclosing(sentence_spans(text), s)
    clause = enclosing(clause_spans(text, *sent), s)
    return P.PartyContext(Scope(text, (s, s + len(span)), clause, sent, (0, len(text))), DocProfile.of(text),
                          relation, measure, side, None, country)


def resolve(text: str, span: str, unit: str = "percent", change: str | None = None, **doc) -> Mention:
    s = text.index(span)
    m = Mention("d", "m", "", s, s + len(span), span, 1.0, None, None, unit, "=", change)
    return resolve_mentions(DocContext("d", text, **doc), segment(text), [m])[0]


def test_share_owner_reads_the_possessive_after_of():
    assert P.code_of(P.share_owner(ctx("Chile supplied 12% of Peru's copper imports.", "12%", measure="share"))) == "PER"
    assert P.share_owner(ctx("Chile supplied 12% of copper imports.", "12%", measure="share")) is None


def test_pronoun_owner_points_back_to_the_clause_subject():
    assert P.code_of(P.pronoun_owner(ctx("Kenya cut its tea exports by 9%.", "9%"))) == "KEN"


def test_flow_owner_and_partner():
    c = ctx("Brazilian soy exports to Egypt rose by 14%.", "14%", relation="flow")
    c.subject, rule = P.apply_first(P.SUBJECT_FIRST, c)
    c.rules.append(rule)
    assert (P.code_of(c.subject), rule) == ("BRA", "flow_owner")
    assert P.code_of(P.flow_partner(c)) == "EGY"


def test_relative_benchmark_names_the_party_of_the_average():
    text = "Prices in Malta were 12% above the EU average, while Latvia was 30% below."
    assert P.code_of(P.relative_benchmark(ctx(text, "12%"))) == "EUU"
    assert P.code_of(P.relative_benchmark(ctx(text, "30%"))) == "EUU"  # carried from the earlier "EU average"
    assert P.relative_benchmark(ctx("Output in Malta rose 12% in 2020.", "12%")) is None


def test_nearest_owner_keeps_every_country_of_a_list():
    c = ctx("Chile, Peru and Bolivia each grew around 3% last year.", "around 3%")
    assert P.code_of(P.nearest_owner(c)) == "BOL;CHL;PER"
    c = ctx("Exports to Chile and Peru rose 3%.", "3%")  # a list governed by "to" is not the owner
    assert P.code_of(P.nearest_owner(c)) == "PER"


def test_publisher_country_only_when_nothing_else_names_a_party():
    c = ctx("Retail sales rose 2% in May.", "2%", country="NZL")
    assert P.publisher_country(c) == "NZL" and P.document_default(c) is None


def test_publisher_country_from_manifest_or_publisher_name():
    assert publisher_country_of("CAN", None) == "CAN"
    assert publisher_country_of(None, "Statistics Canada") == "CAN"
    assert publisher_country_of(None, "Reserve Bank of Australia") == "AUS"
    assert publisher_country_of(None, "Office for National Statistics") == "GBR"
    assert publisher_country_of(None, "International Monetary Fund") is None


def test_bare_dollar_takes_the_publisher_currency_only_when_the_unit_exists(monkeypatch):
    from schemas import vocab

    assert local_currency("$5 billion", "USD", "USA") == "USD"
    assert local_currency("US$5 billion", "USD", "AUS") == "USD"  # the prefix says U.S. dollars
    monkeypatch.setattr(vocab, "units", lambda: {"USD": {}, "AUD": {}})
    assert local_currency("$5 billion", "USD", "AUS") == "AUD"
    assert local_currency("+$0.99", "USD_per_hour", "AUS") == "USD_per_hour"  # no AUD_per_hour code


def test_currency_prefix_and_dollar_never_name_a_party():
    assert [e.code for e in find_entities("Sales of US$5.2bn, paid in U.S. dollars, went to Japan.")] == ["JPN"]


def test_euro_area_is_not_the_eu_and_subdivisions_take_their_country():
    got = {e.text: (e.code, e.subdivision) for e in find_entities(
        "The euro area and the EU; Northern Ireland, Alberta and New South Wales; Georgia.")}
    assert got["euro area"] == ("EMU", None) and got["EU"] == ("EUU", None)
    assert got["Northern Ireland"] == ("GBR", "GB-NIR") and got["Alberta"] == ("CAN", "CA-AB")
    assert got["New South Wales"] == ("AUS", "AU-NSW")
    assert got["Georgia"] == ("GEO", None)  # the country, not the U.S. state


@pytest.mark.parametrize("phrase", ["these two global powers", "the two rival economies", "both neighbouring countries",
                                    "the two governments"])
def test_pair_phrases_are_a_pattern_not_a_list(phrase):
    assert [e.kind for e in find_entities(f"Trade between {phrase} fell.")] == ["pair"]


@pytest.mark.parametrize("text,span,unit,change,subject,counterpart,rule", [
    ("U.S. aid to Ukraine reached $61 billion in 2024.", "$61 billion", "USD", None, "USA", "UKR", "relation_actor"),
    ("Germany and Austria were around 20% above the EU average.", "around 20%", "percent", None, "AUT;DEU", "EUU",
     "nearest_owner"),
    ("Unemployment in Northern Ireland was 2.4% in 2023.", "2.4%", "percent", None, "GBR", None, "nearest_owner"),
    ("In the euro area, growth is expected at 0.9% in 2025.", "0.9%", "percent", "up", "EMU", None, "nearest_owner"),
    # the currency never makes the subject USA; with Chile and "US" each named once, no country dominates: NULL
    ("Exports to Japan reached US$5.2bn in 2023, the ministry said. Chile is a small economy.", "US$5.2bn", "USD",
     None, None, "JPN", None),
    ("Exports to Japan reached US$5.2bn in 2023, the ministry said. Chile's economy is small; Chile exports "
     "copper.", "US$5.2bn", "USD", None, "CHL", "JPN", None),
])
def test_parties_end_to_end(text, span, unit, change, subject, counterpart, rule):
    m = resolve(text, span, unit, change)
    assert (m.subject, m.counterpart) == (subject, counterpart), (m.indicator, m.subject_rule)
    if rule:
        assert m.subject_rule.split(" / ")[0] == rule


def test_subdivision_column_and_publisher_default():
    m = resolve("Employment in Alberta rose 1.2% in March.", "1.2%", change="up")
    assert (m.subject, m.subdivision) == ("CAN", "CA-AB")
    m = resolve("Retail sales rose 2.1% in May.", "2.1%", change="up", publisher="Stats NZ")
    assert (m.subject, m.subject_rule) == ("NZL", "publisher_country")


def test_document_default_needs_a_clearly_dominant_country():
    # two countries named once each: no default, the subject stays NULL rather than a guess
    even = "Exports to China rose 47% in 2023. Aid to Ukraine reached $113 billion."
    assert P.document_default(ctx(even, "47%")) is None
    # one country named again and again, another once: that country is the document's
    clear = ("Kenya's tea harvest was late. Kenya's rains failed. Kenya imported maize from Uganda. "
             "Output fell 9% in 2023.")
    assert P.code_of(P.document_default(ctx(clear, "9%"))) == "KEN"
