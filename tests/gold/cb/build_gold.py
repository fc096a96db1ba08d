"""Writes docs/cb_policy_statement_2025_05.txt and mentions.csv: a central bank's policy statement written
for tally's tests (no third-party text), labelled in the dev2 format plus an `indicator` column (catalog
code, empty when no catalog entry is that concept). Offsets come from str.find on unique contexts."""
from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = "cb_policy_statement_2025_05"
TEXT = """Statement by the Board: Monetary Policy Decision

At its meeting today, the Board decided to lower the cash rate target by 25 basis points to 3.85 per cent.

Inflation has eased substantially since its peak. In the March quarter, consumer prices were 2.4 per cent higher than a year earlier, and trimmed mean inflation, the Bank's preferred measure of underlying inflation, was 2.9 per cent. The Board expects inflation to stay within the 2–3 per cent target range.

Growth in the domestic economy remains subdued. Output grew by 0.2 per cent in the March quarter and by 1.3 per cent over the year. Household consumption rose by 0.4 per cent in the quarter, supported by higher real incomes. Staff forecast GDP growth of 1.8 per cent in 2024-25. Dwelling investment fell by 1.1 per cent in the March quarter.

The labour market remains tight. The unemployment rate was 4.1 per cent in April, while the participation rate stood at 67.1 per cent, close to its record high. Employment increased by 89,000 in April. Wages grew by 3.4 per cent over the year to the March quarter. The unemployment rate is forecast to drift up to 4.3 per cent by December 2025.

Housing credit grew by 5.2 per cent over the year to December 2024. The current account recorded a surplus of A$1.2 billion in the March quarter. Resource and energy exports earned A$385 billion in 2023-24. Coal exports fell by 9 per cent last year, as prices eased from their highs. The trade-weighted exchange rate has depreciated by 2 per cent since February.

Net government debt stood at A$552 billion in the March quarter, or 20.5 per cent of GDP.
"""

# (prefix, text, suffix, value, unit, comparator, change, subject, counterpart, period_start, period_end, indicator, hint)
LABELS = [
    ("by ", "25 basis points", " to", 25, "basis_points", "=", "down", "AUS", "", "2025-05", "2025-05", "policy_rate_change", "cut in the cash rate target"),
    ("to ", "3.85 per cent", ".", 3.85, "percent", "=", "", "AUS", "", "2025-05", "2025-05", "policy_rate", "cash rate target after the decision"),
    ("were ", "2.4 per cent", " higher", 2.4, "percent", "=", "up", "AUS", "", "2025-01", "2025-03", "cpi_change", "consumer prices, year-ended, March quarter"),
    ("was ", "2.9 per cent", ". The", 2.9, "percent", "=", "up", "AUS", "", "2025-01", "2025-03", "inflation_rate", "trimmed mean inflation, year-ended"),
    ("the ", "2", "–3 per", 2, "percent", ">=", "", "AUS", "", "", "", "inflation_target", "target range, lower bound"),
    ("2–", "3 per cent", " target", 3, "percent", "<=", "", "AUS", "", "", "", "inflation_target", "target range, upper bound"),
    ("grew by ", "0.2 per cent", " in the March", 0.2, "percent", "=", "up", "AUS", "", "2025-01", "2025-03", "gdp_growth", "output, quarterly"),
    ("by ", "1.3 per cent", " over the year.", 1.3, "percent", "=", "up", "AUS", "", "2025-01", "2025-03", "gdp_growth", "output, year-ended March quarter"),
    ("rose by ", "0.4 per cent", " in the quarter", 0.4, "percent", "=", "up", "AUS", "", "2025-01", "2025-03", "", "household consumption, quarterly"),
    ("growth of ", "1.8 per cent", " in 2024-25", 1.8, "percent", "=", "up", "AUS", "", "2024-07", "2025-06", "gdp_growth", "GDP growth forecast, financial year"),
    ("fell by ", "1.1 per cent", " in the March", 1.1, "percent", "=", "down", "AUS", "", "2025-01", "2025-03", "", "dwelling investment, quarterly (a component)"),
    ("was ", "4.1 per cent", " in April", 4.1, "percent", "=", "", "AUS", "", "2025-04", "2025-04", "unemployment_rate", "unemployment rate"),
    ("at ", "67.1 per cent", ", close", 67.1, "percent", "=", "", "AUS", "", "2025-04", "2025-04", "participation_rate", "participation rate"),
    ("by ", "89,000", " in April", 89000, "count", "=", "up", "AUS", "", "2025-04", "2025-04", "", "employment, monthly change (jobs)"),
    ("grew by ", "3.4 per cent", " over the year to the March", 3.4, "percent", "=", "up", "AUS", "", "2025-01", "2025-03", "", "wages, year-ended"),
    ("up to ", "4.3 per cent", " by December", 4.3, "percent", "=", "", "AUS", "", "2025-12", "2025-12", "unemployment_rate", "unemployment rate forecast"),
    ("grew by ", "5.2 per cent", " over the year to December", 5.2, "percent", "=", "up", "AUS", "", "2024-12", "2024-12", "", "housing credit, year to December (dated by its last month, as dev2 dates the year to a quarter)"),
    ("surplus of ", "A$1.2 billion", " in the March", 1.2e9, "AUD", "=", "", "AUS", "", "2025-01", "2025-03", "", "current account surplus (not the trade balance)"),
    ("earned ", "A$385 billion", " in 2023-24", 385e9, "AUD", "=", "", "AUS", "", "2023-07", "2024-06", "", "resource and energy exports (a component), financial year"),
    ("fell by ", "9 per cent", " last year", 9, "percent", "=", "down", "AUS", "", "2024", "2024", "", "coal exports (a component), calendar year before publication"),
    ("by ", "2 per cent", " since February", 2, "percent", "=", "down", "AUS", "", "2025-02", "", "", "trade-weighted exchange rate"),
    ("stood at ", "A$552 billion", " in the March", 552e9, "AUD", "=", "", "AUS", "", "2025-01", "2025-03", "", "net government debt (level)"),
    ("or ", "20.5 per cent", " of GDP", 20.5, "percent", "=", "", "AUS", "", "2025-01", "2025-03", "public_debt_share_gdp", "net government debt, share of GDP"),
]
COLUMNS = ["doc_id", "start", "end", "text", "value", "unit", "comparator", "change", "subject", "counterpart",
           "period_start", "period_end", "indicator_hint", "indicator"]


def main() -> None:
    (HERE / "docs").mkdir(exist_ok=True)
    (HERE / "docs" / f"{DOC}.txt").write_text(TEXT, encoding="utf-8")
    rows = []
    for pre, text, suf, value, unit, comp, change, subj, cp, ps, pe, ind, hint in LABELS:
        ctx = pre + text + suf
        at = TEXT.find(ctx)
        assert at >= 0 and TEXT.find(ctx, at + 1) < 0, f"context not unique: {ctx!r}"
        start = at + len(pre)
        rows.append([DOC, start, start + len(text), text, f"{value:g}" if value < 1e6 else f"{value:.0f}", unit, comp,
                     change, subj, cp, ps, pe, hint, ind])
    rows.sort(key=lambda r: r[1])
    with open(HERE / "mentions.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(rows)
    with open(HERE / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["doc_id", "url", "title", "publisher", "date", "license"])
        w.writerow([DOC, "", "Statement by the Board: Monetary Policy Decision (written for tally's tests)",
                    "Reserve Bank of Australia (style; text written for tally)", "2025-05-20", "CC0-1.0"])
    print(f"OK: 1 document, {len(rows)} mentions")


if __name__ == "__main__":
    main()
