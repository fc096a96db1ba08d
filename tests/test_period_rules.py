"""Period rules one at a time: time rules (text -> time expressions), fiscal calendars, scoping rules
(figure -> period, with the deciding rule recorded), refused inverted periods, and linear work."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tally.ingest.segment import segment
from tally.model import DocContext, Mention
from tally.resolve.mentions import resolve_mentions
from tally.resolve.periods import PeriodContext, Slot, assign_periods
from tally.resolve.periods import dates, relative
from tally.resolve.periods.apply import Dated
from tally.resolve.periods.fiscal import FiscalCalendar, calendar_for, load_calendars
from tally.resolve.periods.rules import SLOT_RULES


@dataclass(frozen=True, slots=True)
class Doc(DocContext):
    """A DocContext with the publisher's country (sources.toml `country`)."""

    country: str | None = None


def ctx(published: str | None = None, country: str | None = None, text: str = "") -> PeriodContext:
    return PeriodContext.of(text, published, country)


def found(rule, seg: str, c: PeriodContext) -> list[tuple]:
    return [(seg[t.start:t.end], t.kind, t.period_start, t.period_end) for t in rule(seg, c)]


def resolved(text: str, spans: list[str], published: str | None = None, country: str | None = None,
             changes: tuple[str, ...] = ()) -> list[tuple]:
    """(period_start, period_end, period_rule) of each span (first occurrence after the previous one)."""
    ms, pos = [], 0
    for span in spans:
        s = text.index(span, pos)
        pos = s + len(span)
        ms.append(Mention("d", f"m{s}", "", s, pos, span, 1.0, None, None, "percent", "=",
                          "up" if span in changes else None))
    out = resolve_mentions(Doc("d", text, published=published, country=country), segment(text), ms)
    return [(m.period_start, m.period_end, m.period_rule) for m in out]


# --- fiscal calendars -------------------------------------------------------------------------------

def test_fiscal_years_file_lists_the_countries_with_their_first_month():
    cals = load_calendars()
    assert {c: cals[c].start for c in ("USA", "GBR", "AUS", "CAN", "IND", "JPN", "NZL")} == {
        "USA": 10, "GBR": 4, "AUS": 7, "CAN": 4, "IND": 4, "JPN": 4, "NZL": 7}
    assert calendar_for("usa") == cals["USA"] and calendar_for("FRA") is None


def test_one_year_labels_follow_each_countrys_naming():
    assert calendar_for("USA").labelled(2024) == ("2023-10", "2024-09")
    assert calendar_for("JPN").labelled(2024) == ("2024-04", "2025-03")  # named by the year it begins
    assert calendar_for("AUS").labelled(2024) == ("2023-07", "2024-06")
    assert calendar_for("GBR").labelled(2024) is None  # no settled convention: left open
    assert FiscalCalendar("X", 1, "none").labelled(2024) == ("2024", "2024")


@pytest.mark.parametrize("body,why", [
    ("countries:\n  GBR: {start: 13, label: end, source: x}\n", "GBR: start must be a month"),
    ("countries:\n  GBR: {start: 4, label: later, source: x}\n", "GBR: label must be"),
    ("countries:\n  GBR: {start: 4, label: end}\n", "GBR: no source"),
    ("countries: [unclosed\n", "cannot read"),
])
def test_a_bad_fiscal_years_file_names_the_file_and_the_entry(tmp_path: Path, body, why):
    p = tmp_path / "fiscal_years.yaml"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=why) as e:
        load_calendars(p)
    assert str(p) in str(e.value)


# --- time rules, each alone -------------------------------------------------------------------------

def test_quarter():
    c = ctx("2025-02-18")
    assert found(dates.quarter, "growth in the September quarter 2023", c) == [
        ("the September quarter 2023", "point", "2023-07", "2023-09")]
    assert found(dates.quarter, "Q1 2026 and 4Q21", c) == [
        ("Q1 2026", "point", "2026-01", "2026-03"), ("4Q21", "point", "2021-10", "2021-12")]
    # without a year: the latest such quarter by the document's date
    assert found(dates.quarter, "In the December quarter", c)[0][2:] == ("2024-10", "2024-12")
    assert found(dates.quarter, "the third quarter", ctx("2024-11-15"))[0][2:] == ("2024-07", "2024-09")
    assert found(dates.quarter, "the second quarter of this year", ctx("2024-11-15"))[0][2:] == ("2024-04", "2024-06")
    assert found(dates.quarter, "since the March 2009 quarter", c)[0][1:] == ("since", "2009-01", None)
    assert found(dates.quarter, "at the end of the March quarter", c)[0][2:] == ("2024-03", "2024-03")
    span = [t for t in dates.quarter("| Sep Qtr 2019 to Dec Qtr 2019 |", c) if t.kind == "fromto"]
    assert [(t.period_start, t.period_end, t.tail) for t in span] == [("2019-07", "2019-12", ("2019-10", "2019-12"))]
    assert found(dates.quarter, "the quarterly review", c) == []


def test_half_year():
    c = ctx("2024-05")
    assert found(dates.half_year, "in the first half of 2021", c) == [("the first half of 2021", "point", "2021-01", "2021-06")]
    assert found(dates.half_year, "the second semester of 2019", c)[0][2:] == ("2019-07", "2019-12")
    assert found(dates.half_year, "H2 2022", c)[0][2:] == ("2022-07", "2022-12")
    assert found(dates.half_year, "the first half", c) == []  # which year: left to context


def test_months_to_and_year_to():
    c = ctx("2019-01-10")
    [(text, kind, ps, pe)] = found(dates.months_to, "in the three months to November 2018", c)
    assert (kind, ps, pe) == ("window", "2018-09", "2018-11")
    [t] = dates.months_to("credit grew in the year to March 2025", c)
    assert (t.period_start, t.period_end, t.tail) == ("2024-04", "2025-03", ("2025-03", "2025-03"))
    [t] = dates.months_to("prices rose in the year to the September 2016 quarter", c)
    assert t.tail == ("2016-07", "2016-09")
    assert found(dates.year_ending, "in the financial year ending March 2021", c)[0][1:] == ("window", "2020-04", "2021-03")
    assert found(dates.year_ending, "the year ended 30 June 2022", c)[0][2:] == ("2021-07", "2022-06")


def test_split_financial_years_need_the_publishers_calendar():
    assert found(dates.split_fiscal_year, "spending in 2024-25", ctx(country="GBR"))[0][2:] == ("2024-04", "2025-03")
    assert found(dates.split_fiscal_year, "in 2023/24", ctx(country="AUS"))[0][2:] == ("2023-07", "2024-06")
    assert found(dates.split_fiscal_year, "FY2022-23", ctx(country="NZL"))[0][2:] == ("2022-07", "2023-06")
    # unknown country: a labelled financial year stays open, a bare "2024-25" is not read as one
    assert found(dates.split_fiscal_year, "the financial year 2024-25", ctx())[0][1:3] == ("relative", None)
    assert found(dates.split_fiscal_year, "in 2024-25", ctx())[0][1:3] == ("relative", None)
    assert found(dates.split_fiscal_year, "in 2024-25", ctx(country="USA")) == []  # two calendar years there
    assert found(dates.split_fiscal_year, "in 2024-26", ctx(country="GBR")) == []  # not one year apart


def test_one_year_fiscal_labels_and_the_us_default():
    assert found(dates.fiscal_year, "in FY2019", ctx(country="JPN"))[0][2:] == ("2019-04", "2020-03")
    assert found(dates.fiscal_year, "in FY2019", ctx(country="GBR"))[0][1:3] == ("relative", None)
    assert found(dates.fiscal_year, "in FY2019", ctx())[0][1:3] == ("relative", None)
    us = ctx(text="The Congress approved the bill.")
    assert found(dates.fiscal_year, "in FY2019", us)[0][2:] == ("2018-10", "2019-09")


def test_day_dated_stocks_and_bare_month_spans():
    c = ctx("2024-06")
    assert ("on 1 July 2023", "point", "2023-07-01", "2023-07-01") in found(dates.month_date, "on 1 July 2023", c)
    [t] = dates.date_range("from October to December 2022", c)
    assert (t.kind, t.period_start, t.period_end) == ("fromto", "2022-10", "2022-12")
    [t] = dates.date_range("in October to December 2022", c)
    assert t.kind == "range"  # a bare month span covers its months
    assert list(dates.date_range("the May 2021 and February 2020 figures", c)) == []  # inverted: no range


def test_relative_and_window_rules():
    c = ctx("2023-03-01")
    assert found(relative.trailing_window, "rose 3% over 12 months", c)[0][1] == "trailing"
    assert found(relative.anaphor, "for the latest quarter", c)[0][1] == "anaphor"
    assert found(relative.today, "decided today", c)[0][2:] == ("2023-03", "2023-03")
    [t] = relative.year_to_date("in the financial year-to-date (April 2022 to January 2023)", c)
    assert (t.kind, t.period_start, t.period_end) == ("range", "2022-04", "2023-01")
    assert found(relative.habitual, "a 2 per cent target", c)[0][1] == "habitual"


# --- scoping rules, through the resolver, with the deciding rule recorded ------------------------------

def test_quarter_and_the_rule_that_decided():
    text = "Household spending rose 0.6% in the March quarter 2022, and wages rose 2.4%."
    assert resolved(text, ["0.6%", "2.4%"], changes=("0.6%", "2.4%")) == [
        ("2022-01", "2022-03", "own_time:quarter"), ("2022-01", "2022-03", "inherited_in_clause")]
    assert resolved("Sales were 5% higher.", ["5%"]) == [(None, None, None)]


def test_a_change_over_the_year_to_a_quarter_is_dated_by_the_quarter():
    text = "Rents increased 3.1% in the year to the September 2021 quarter."
    assert resolved(text, ["3.1%"], changes=("3.1%",))[0][:2] == ("2021-07", "2021-09")


def test_financial_year_by_publisher_country():
    text = "Net borrowing was 4.5% of GDP in 2022-23."
    assert resolved(text, ["4.5%"], country="GBR")[0][:2] == ("2022-04", "2023-03")
    assert resolved(text, ["4.5%"], country="AUS")[0][:2] == ("2022-07", "2023-06")
    assert resolved(text, ["4.5%"])[0][:2] == (None, None)  # calendar or financial years: not known
    assert resolved("U.S. federal outlays grew 4.5% in 2022-23.", ["4.5%"])[0][:2] != ("2022-10", "2023-09")


def test_heading_scope_reaches_the_figures_under_it():
    text = ("Labour market: March 2020\n\nMain points for December 2019 to February 2020\n\n"
            "The employment rate was 76.5%.\n\nThere were 1.29 million unemployed people.\n")
    got = resolved(text, ["76.5%", "1.29 million"], published="2020-03-17")
    assert [g[:2] for g in got] == [("2019-12", "2020-02")] * 2
    assert got[0][2].startswith("heading_scope")
    # a heading holding only the publication month is the release date, not a scope
    text = "Labour market: March 2020\n\nThe employment rate was 76.5%.\n"
    assert resolved(text, ["76.5%"], published="2020-03-17")[0][:2] == (None, None)


def test_table_header_and_row_label_scope():
    text = ("|  | Sep Qtr 2019 to Dec Qtr 2019 | Dec Qtr 2018 to Dec Qtr 2019 |\n"
            " | Exports | 1.4 | -2.2 |\n | Imports | 0.3 | 3.0 |\n")
    got = resolved(text, ["1.4", "-2.2", "0.3", "3.0"], changes=("1.4", "-2.2", "0.3", "3.0"))
    assert [g[:2] for g in got] == [("2019-10", "2019-12")] * 4
    assert {g[2] for g in got} == {"table_header_scope:quarter"}
    text = "Index, 1-month and 12-month change\n2019 Nov 108.5 0.2 1.5\nDec 108.9 0.4 1.3\n2020 Jan 109.1 0.2 1.8\n"
    got = resolved(text, ["108.5", "1.3", "109.1"])
    assert [g[:2] for g in got] == [("2019-11", "2019-11"), ("2019-12", "2019-12"), ("2020-01", "2020-01")]
    assert got[0][2] == "table_row_label:row label"


def test_respective_and_shared_times():
    text = "Output fell 0.5% and 0.1% in the June 2020 and March 2020 quarters."
    assert [g[:2] for g in resolved(text, ["0.5%", "0.1%"])] == [("2020-04", "2020-06"), ("2020-01", "2020-03")]
    text = "Prices rose in 9 and fell in 4 of the regions in the first half of 2021."
    got = resolved(text, ["9", "4"])
    assert [g[:2] for g in got] == [("2021-01", "2021-06")] * 2 and got[0][2].startswith("shared_time")


def test_a_year_earlier_level_in_parentheses_and_the_period_in_force():
    text = ("Main points for May to July 2021\n\n"
            "The vacancy rate was 3.1%, higher than for a year earlier (2.2%).\n\n"
            "There were 953,000 vacancies.\n")
    got = resolved(text, ["3.1%", "2.2%", "953,000"], published="2021-08-17")
    assert [g[:2] for g in got] == [("2021-05", "2021-07"), ("2020-05", "2020-07"), ("2021-05", "2021-07")]
    assert got[1][2] == "base_level:year_earlier"


def test_a_period_carries_within_a_paragraph_but_not_into_an_unrelated_one():
    text = ("Eight regions reported growth above the national average in 2019. Otago was 4% above it. "
            "Nelson and Tasman were 2% above.\n\nExports of Peru were 6% of output.\n")
    para = (0, text.index("\n\n"))
    other = (para[1] + 2, len(text) - 1)
    sents = [(0, 66), (67, 89), (90, para[1]), other]
    slots = []
    for span, subject, sent, passage in (("Eight", "NZL", sents[0], para), ("4%", "NZL-OTA", sents[1], para),
                                         ("2%", "NZL-NSN", sents[2], para), ("6%", "PER", sents[3], other)):
        s = text.index(span)
        slots.append(Slot(s, s + len(span), sent, sent, subject=subject, passage=passage))
    assign_periods(text, slots, ctx(text=text))
    assert [(s.period_start, s.period_end) for s in slots] == [("2019", "2019")] * 3 + [(None, None)]
    assert [s.rule for s in slots] == ["own_time:bare_year", "carried", "carried", None]
    # a clause's own time does not reach a clause about another party in the same sentence
    text = "Chilean exports rose 5% in 2021, while Brazil has sent over 30% of its output abroad."
    a, b = text.index("5%"), text.index("over 30%")
    clauses = [(0, text.index(", while")), (text.index("while"), len(text))]
    slots = [Slot(a, a + 2, (0, len(text)), clauses[0], subject="CHL", passage=(0, len(text))),
             Slot(b, b + 8, (0, len(text)), clauses[1], subject="BRA", passage=(0, len(text)))]
    assign_periods(text, slots, ctx(text=text))
    assert [(s.period_start, s.period_end) for s in slots] == [("2021", "2021"), (None, None)]


def test_a_standard_or_target_has_no_period_and_does_not_break_the_paragraph():
    text = "In 2022, wheat moisture averaged 15.1%, above the standard 14.5%. In Wales the average was 16.2%."
    got = resolved(text, ["15.1%", "14.5%", "16.2%"])
    assert [g[:2] for g in got] == [("2022", "2022"), (None, None), ("2022", "2022")]


# --- issue 17: never a period that ends before it starts ------------------------------------------------

def _slot(text: str, span: str) -> Slot:
    s = text.index(span)
    return Slot(s, s + len(span), (0, len(text)), (0, len(text)))


def test_an_inverted_period_is_refused_with_the_reason():
    text = "Since 2023, imports rose 5%; the last survey dates from 2022."
    s = _slot(text, "5%")

    def inverted_rule(slot, view):  # what any rule might produce from inconsistent dates
        return Dated("2023", "2022", detail="since_by")

    assign_periods(text, [s], ctx(text=text), rules=(inverted_rule,))
    assert (s.period_start, s.period_end, s.rule) == (None, None, "refused:inverted")
    assert "2023..2022" in s.note and "ends before it starts" in s.note


def test_since_a_year_after_the_texts_other_dates_is_never_inverted():
    text = ("Trade fell from $9 billion in 2020 to $7 billion in 2022, a 22% decline. Since 2023, trade has "
            "risen 4%; by 2022 it had shrunk to 60% of its peak, and the same period in 2021 saw 3%.")
    got = resolved(text, ["$9 billion", "$7 billion", "22%", "4%", "60%", "3%"], changes=("22%", "4%", "3%"))
    for ps, pe, _ in got:
        assert not (ps and pe and pe < ps[:len(pe)])
    assert got[3][:2] == ("2023", None)


# --- issue 18 item 3: linear work, right results on big inputs -----------------------------------------

def _ones(n: int, unit: str) -> tuple[str, list[Slot]]:
    text = unit * n
    step = len(unit)
    slots = [Slot(i * step + (5 if unit.startswith("from") else 0), i * step + (6 if unit.startswith("from") else 1),
                  (0, len(text)), (0, len(text))) for i in range(n)]
    return text, slots


@pytest.mark.parametrize("unit", ["1,", "from 1 to "])
def test_period_work_grows_linearly_with_the_figures(unit):
    work = {}
    for n in (2_000, 20_000):
        text, slots = _ones(n, unit)
        work[n] = assign_periods(text, slots, ctx(text=text))
        assert all(s.period_start is None and s.period_end is None for s in slots)
    assert work[20_000] <= 11 * work[2_000]


def test_a_big_dated_passage_is_dated_throughout():
    n = 20_000
    text = "In 2021, the shares were " + "1%, " * n + "in all."
    slots = [Slot(p, p + 2, (0, len(text)), (0, len(text))) for p in range(25, 25 + 4 * n, 4)]
    work = assign_periods(text, slots, ctx(text=text))
    assert all((s.period_start, s.period_end) == ("2021", "2021") for s in slots)
    assert work <= len(SLOT_RULES) * 2 * n


def test_fiscal_first_months_report_date_and_past_year_window():
    c = ctx("2011-06-02", text="The Congress")
    assert found(dates.first_months, "for the first eight months of fiscal year 2011", c)[0][2:] == ("2010-10", "2011-05")
    assert found(dates.first_months, "the first eight months of fiscal year 2011", ctx())[0][1] == "relative"
    assert found(relative.today, "the agency said today", c) == []  # the report's date, not a figure's
    text = ("The jobless rate fell to 5.1 percent in March. Over the past year, the rate has ranged from "
            "5.0 percent to 5.6 percent.")
    got = resolved(text, ["5.1 percent", "5.0 percent", "5.6 percent"], published="2011-04-08")
    assert [g[:2] for g in got] == [("2011-03", "2011-03")] + [("2010-04", "2011-03")] * 2


def test_a_figure_after_after_or_following_is_not_the_period_in_force():
    text = ("Farm exports rose by 3.1 percent in 2021, after falling by 1.4 percent in 2020. "
            "Shipments to Canada rose by 2.2 percent.")
    got = resolved(text, ["3.1 percent", "1.4 percent", "2.2 percent"], changes=("3.1 percent", "1.4 percent", "2.2 percent"))
    assert [g[:2] for g in got] == [("2021", "2021"), ("2020", "2020"), ("2021", "2021")]


def test_a_time_across_a_comma_yields_to_the_time_before_the_figure():
    text = "For fiscal year 2012, spending will be about $90 billion, close to what was planned last March."
    got = resolved(text, ["about $90 billion"], published="2012-05-10", country="USA")
    assert got[0][:2] == ("2011-10", "2012-09")


def test_a_lead_in_line_scopes_the_bullets_under_it():
    text = ("Changes in 2018 from 2017:\n- Exports of cheese: rose by $1.2 billion (3.1 percent) to $40.2 billion\n"
            "- Imports of cheese: fell by $0.4 billion\n\nPrices were 2 percent higher.\n")
    got = resolved(text, ["$1.2 billion", "3.1 percent", "$40.2 billion", "$0.4 billion", "2 percent"],
                   changes=("$1.2 billion", "3.1 percent", "$0.4 billion"))
    assert [g[:2] for g in got[:4]] == [("2018", "2018")] * 4
    assert got[0][2] == "lead_in_scope:bare_year"
    # without a colon the line is prose, not a lead-in
    text = "Trade grew in 2018.\n- Exports of cheese: $40.2 billion\n"
    assert resolved(text, ["$40.2 billion"])[0][2] != "lead_in_scope:bare_year"


def test_a_change_takes_the_period_of_the_level_it_reached_only_when_joined_by_to():
    text = "Imports increased $2.1 billion to $80.4 billion in May 2019."
    got = resolved(text, ["$2.1 billion", "$80.4 billion"], changes=("$2.1 billion",))
    assert got[0][:2] == ("2019-05", "2019-05")
    text = "Spending adds £12 billion more borrowing annually which lifts growth to 3 per cent in 2027."
    got = resolved(text, ["£12 billion", "3 per cent"], changes=("£12 billion",))
    assert got[0][:2] == (None, None)


def test_the_publishers_country_sets_the_financial_year_and_a_target_cut_is_dated():
    text = "Exports earned A$40 billion in 2022-23."
    m = Mention("d", "m", "", 14, 27, "A$40 billion", 4e10, None, None, "AUD", "=", None)
    doc = DocContext("d", text, published="2023-09-01", publisher="Reserve Bank of Australia")
    [out] = resolve_mentions(doc, segment(text), [m])
    assert (out.period_start, out.period_end) == ("2022-07", "2023-06")
    text = "At its meeting today, the Board lowered the cash rate target by 25 basis points to 4.35 per cent."
    assert resolved(text, ["4.35 per cent"], published="2023-11-07")[0][:2] == ("2023-11", "2023-11")
