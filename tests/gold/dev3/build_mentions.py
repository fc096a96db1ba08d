#!/usr/bin/env python3
"""Build mentions.csv from the hand-written label list below.

Each label names its mention by context, never by offset: PREFIX + TEXT + SUFFIX
must occur exactly once in the document, and the mention is TEXT. Offsets are
computed here with str.find on open(p, encoding='utf-8').read(), so they are
Python character offsets (end exclusive).

Run:  python3 build_mentions.py   (rewrites mentions.csv), then python3 check.py
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "docs")
OUT = os.path.join(HERE, "mentions.csv")

COLS = ["doc_id", "start", "end", "text", "value", "unit", "comparator", "change",
        "subject", "counterpart", "period_start", "period_end", "indicator_hint"]

T = 1e12
B = 1e9
M = 1e6
K = 1e3

# (doc_id, prefix, text, suffix, value, unit, comparator, change,
#  subject, counterpart, period_start, period_end, indicator_hint)
LABELS = []

# ============================================================ USITC, agricultural trade 2020
D = "usitc_agriculture_trade_2020"
Y20 = ("2020", "2020")
LABELS += [
    # summary bullets: change in 2020 from 2019 (the base year does not set period_start)
    (D, "products: Increased by ", "$6.9 billion", " (4.6", 6.9 * B, "USD", "=", "up", "USA", "", *Y20,
     "change in U.S. total exports of agricultural products"),
    (D, "$6.9 billion (", "4.6 percent", ")", 4.6, "percent", "=", "up", "USA", "", *Y20,
     "change in U.S. total exports of agricultural products, percent"),
    (D, "(4.6 percent) to ", "$157.2 billion", "\n", 157.2 * B, "USD", "=", "", "USA", "", *Y20,
     "U.S. total exports of agricultural products"),
    (D, "products: Increased by ", "$7.6 billion", " (5.3", 7.6 * B, "USD", "=", "up", "USA", "", *Y20,
     "change in U.S. domestic exports of agricultural products (summary)"),
    (D, "Increased by $7.6 billion (", "5.3 percent", ")", 5.3, "percent", "=", "up", "USA", "", *Y20,
     "change in U.S. domestic exports of agricultural products, percent (summary)"),
    (D, "Increased by $7.6 billion (5.3 percent) to ", "$151.5 billion", "\n", 151.5 * B, "USD", "=", "", "USA", "",
     *Y20, "U.S. domestic exports of agricultural products (summary)"),
    (D, "Decreased by ", "$645 million", " (10.1", 645 * M, "USD", "=", "down", "USA", "", *Y20,
     "change in U.S. re-exports of agricultural products"),
    (D, "$645 million (", "10.1 percent", ")", 10.1, "percent", "=", "down", "USA", "", *Y20,
     "change in U.S. re-exports of agricultural products, percent"),
    (D, "(10.1 percent) to ", "$5.7 billion", "\n", 5.7 * B, "USD", "=", "", "USA", "", *Y20,
     "U.S. re-exports of agricultural products"),
    (D, "products: Increased by ", "$3.6 billion", " (2.2", 3.6 * B, "USD", "=", "up", "USA", "", *Y20,
     "change in U.S. general imports of agricultural products (summary)"),
    (D, "Increased by $3.6 billion (", "2.2 percent", ")", 2.2, "percent", "=", "up", "USA", "", *Y20,
     "change in U.S. general imports of agricultural products, percent (summary)"),
    (D, "Increased by $3.6 billion (2.2 percent) to ", "$163.3 billion", "\n", 163.3 * B, "USD", "=", "", "USA", "",
     *Y20, "U.S. general imports of agricultural products (summary)"),
    # prose, exports
    (D, "products[1] rose by ", "$7.6 billion", " (5.3", 7.6 * B, "USD", "=", "up", "USA", "", *Y20,
     "change in U.S. domestic exports of agricultural products"),
    (D, "rose by $7.6 billion (", "5.3 percent", ")", 5.3, "percent", "=", "up", "USA", "", *Y20,
     "change in U.S. domestic exports of agricultural products, percent"),
    (D, "rose by $7.6 billion (5.3 percent) to ", "$151.5 billion", " in 2020", 151.5 * B, "USD", "=", "", "USA", "",
     *Y20, "U.S. domestic exports of agricultural products"),
    (D, "after falling by ", "2.9 percent", " in 2019", 2.9, "percent", "=", "down", "USA", "", "2019", "2019",
     "change in U.S. domestic exports of agricultural products, percent"),
    (D, "that country increasing by ", "$12.4 billion", " (84.7", 12.4 * B, "USD", "=", "up", "USA", "CHN", *Y20,
     "change in U.S. agricultural exports to China"),
    (D, "$12.4 billion (", "84.7 percent", ")", 84.7, "percent", "=", "up", "USA", "CHN", *Y20,
     "change in U.S. agricultural exports to China, percent"),
    (D, "(84.7 percent) to ", "$27.0 billion", ".", 27.0 * B, "USD", "=", "", "USA", "CHN", *Y20,
     "U.S. agricultural exports to China"),
    (D, "Mexico, which declined by ", "$1.1 billion", " (5.8", 1.1 * B, "USD", "=", "down", "USA", "MEX", *Y20,
     "change in U.S. agricultural exports to Mexico"),
    (D, "$1.1 billion (", "5.8 percent", ")", 5.8, "percent", "=", "down", "USA", "MEX", *Y20,
     "change in U.S. agricultural exports to Mexico, percent"),
    (D, "(5.8 percent) to ", "$18.2 billion", ",", 18.2 * B, "USD", "=", "", "USA", "MEX", *Y20,
     "U.S. agricultural exports to Mexico"),
    (D, "Hong Kong, which decreased by ", "$1.0 billion", " (32.1", 1.0 * B, "USD", "=", "down", "USA", "HKG", *Y20,
     "change in U.S. agricultural exports to Hong Kong"),
    (D, "$1.0 billion (", "32.1 percent", ")", 32.1, "percent", "=", "down", "USA", "HKG", *Y20,
     "change in U.S. agricultural exports to Hong Kong, percent"),
    (D, "exports, increasing by ", "$6.8 billion", " and", 6.8 * B, "USD", "=", "up", "USA", "", *Y20,
     "change in U.S. exports of oilseeds"),
    (D, "$6.8 billion and ", "$2.5 billion", ", respectively", 2.5 * B, "USD", "=", "up", "USA", "", *Y20,
     "change in U.S. exports of cereals"),
    # prose, imports
    (D, "agricultural products increased by ", "$3.6 billion", " (2.2", 3.6 * B, "USD", "=", "up", "USA", "", *Y20,
     "change in U.S. general imports of agricultural products"),
    (D, "increased by $3.6 billion (", "2.2 percent", ")", 2.2, "percent", "=", "up", "USA", "", *Y20,
     "change in U.S. general imports of agricultural products, percent"),
    (D, "increased by $3.6 billion (2.2 percent) to ", "$163.3 billion", " from 2019", 163.3 * B, "USD", "=", "",
     "USA", "", *Y20, "U.S. general imports of agricultural products"),
    (D, "Mexico and Canada increased by ", "$2.6 billion", " (8.3", 2.6 * B, "USD", "=", "up", "MEX", "USA", *Y20,
     "change in U.S. agricultural imports from Mexico"),
    (D, "$2.6 billion (", "8.3 percent", ")", 8.3, "percent", "=", "up", "MEX", "USA", *Y20,
     "change in U.S. agricultural imports from Mexico, percent"),
    (D, "(8.3 percent) and ", "$532 million", " (1.9", 532 * M, "USD", "=", "up", "CAN", "USA", *Y20,
     "change in U.S. agricultural imports from Canada"),
    (D, "$532 million (", "1.9 percent", ")", 1.9, "percent", "=", "up", "CAN", "USA", *Y20,
     "change in U.S. agricultural imports from Canada, percent"),
    (D, "France decreased by ", "$672 million", " (10.3", 672 * M, "USD", "=", "down", "FRA", "USA", *Y20,
     "change in U.S. agricultural imports from France"),
    (D, "$672 million (", "10.3 percent", ")", 10.3, "percent", "=", "down", "FRA", "USA", *Y20,
     "change in U.S. agricultural imports from France, percent"),
    (D, "falling by ", "$753 million", " (25.2", 753 * M, "USD", "=", "down", "GBR", "USA", *Y20,
     "change in U.S. agricultural imports from the United Kingdom"),
    (D, "$753 million (", "25.2 percent", ")", 25.2, "percent", "=", "down", "GBR", "USA", *Y20,
     "change in U.S. agricultural imports from the United Kingdom, percent"),
    (D, "remaining steady at ", "$11.0 billion", ".", 11.0 * B, "USD", "=", "", "USA", "", *Y20,
     "U.S. imports of shellfish"),
]

# ============================================================ USITC, energy-related trade 2017
D = "usitc_energy_trade_2017"
Y17 = ("2017", "2017")
LABELS += [
    (D, "products: increased by ", "$44.8 billion", " (46", 44.8 * B, "USD", "=", "up", "USA", "", *Y17,
     "change in U.S. total exports of energy-related products (summary)"),
    (D, "increased by $44.8 billion (", "46 percent", ")", 46, "percent", "=", "up", "USA", "", *Y17,
     "change in U.S. total exports of energy-related products, percent (summary)"),
    (D, "(46 percent) to ", "$143.2 billion", "\n", 143.2 * B, "USD", "=", "", "USA", "", *Y17,
     "U.S. total exports of energy-related products"),
    (D, "products: increased by ", "$40.3 billion", " (26", 40.3 * B, "USD", "=", "up", "USA", "", *Y17,
     "change in U.S. general imports of energy-related products (summary)"),
    (D, "increased by $40.3 billion (", "26 percent", ")", 26, "percent", "=", "up", "USA", "", *Y17,
     "change in U.S. general imports of energy-related products, percent (summary)"),
    (D, "(26 percent) to ", "$198.1 billion", "\n", 198.1 * B, "USD", "=", "", "USA", "", *Y17,
     "U.S. general imports of energy-related products"),
    (D, "products grew by ", "$44.8 billion", " (46", 44.8 * B, "USD", "=", "up", "USA", "", *Y17,
     "change in U.S. total exports of energy-related products"),
    (D, "grew by $44.8 billion (", "46 percent", "), with", 46, "percent", "=", "up", "USA", "", *Y17,
     "change in U.S. total exports of energy-related products, percent"),
    (D, "energy-related products grew by ", "$40.3 billion", " (26", 40.3 * B, "USD", "=", "up", "USA", "", *Y17,
     "change in U.S. general imports of energy-related products"),
    (D, "grew by $40.3 billion (", "26 percent", ") over", 26, "percent", "=", "up", "USA", "", *Y17,
     "change in U.S. general imports of energy-related products, percent"),
    (D, "United States\u2014rose ", "17 percent", " from", 17, "percent", "=", "up", "USA", "", *Y17,
     "change in average WTI crude oil price"),
    (D, "17 percent from ", "$43.29 per barrel", " in 2016", 43.29, "USD_per_barrel", "=", "", "USA", "",
     "2016", "2016", "average WTI crude oil price"),
    (D, "in 2016 to ", "$50.80", " in 2017", 50.80, "USD_per_barrel", "=", "", "USA", "", *Y17,
     "average WTI crude oil price (unit carried from $43.29 per barrel)"),
    (D, "from an average price of ", "$43.64 per barrel", " in 2016", 43.64, "USD_per_barrel", "=", "", "WLD", "",
     "2016", "2016", "average Brent crude oil price"),
    (D, "in 2016 to ", "$54.12 per barrel", " in 2017", 54.12, "USD_per_barrel", "=", "", "WLD", "", *Y17,
     "average Brent crude oil price"),
    (D, "in 2017, a ", "24 percent", " increase", 24, "percent", "=", "up", "WLD", "", *Y17,
     "change in average Brent crude oil price"),
    (D, "exports increased by ", "324 million barrels", ",", 324 * M, "barrels", "=", "up", "USA", "", *Y17,
     "change in volume of U.S. crude petroleum and petroleum product exports"),
    (D, "from ", "1.43 billion barrels", " in 2016", 1.43 * B, "barrels", "=", "", "USA", "", "2016", "2016",
     "volume of U.S. crude petroleum and petroleum product exports"),
    (D, "in 2016 to ", "1.81 billion barrels", " in 2017", 1.81 * B, "barrels", "=", "", "USA", "", *Y17,
     "volume of U.S. crude petroleum and petroleum product exports"),
    (D, "(a ", "21.9 percent", " increase)", 21.9, "percent", "=", "up", "USA", "", *Y17,
     "change in volume of U.S. crude petroleum and petroleum product exports, percent"),
]

# ============================================================ BLS, Employment Situation, September 2000
D = "bls_employment_situation_2000_09"
S00 = ("2000-09", "2000-09")
LABELS += [
    (D, "employment rose by ", "252,000", " in September", 252 * K, "count", "=", "up", "USA", "", *S00,
     "monthly change in total nonfarm payroll employment"),
    (D, "rate declined to ", "3.9 percent", ", the Bureau", 3.9, "percent", "=", "", "USA", "", *S00,
     "unemployment rate"),
    (D, "striking workers (", "75,000", ")", 75 * K, "count", "=", "up", "USA", "", *S00,
     "net return of striking workers (adds to the monthly employment change)"),
    (D, "census jobs (", "27,000", ")", 27 * K, "count", "=", "down", "USA", "", *S00,
     "decline in temporary census jobs"),
    (D, "employment was up by ", "204,000", ".", 204 * K, "count", "=", "up", "USA", "", *S00,
     "monthly change in nonfarm employment, adjusted for strikers and census jobs"),
    (D, "unemployed persons, ", "5.5 million", ",", 5.5 * M, "count", "=", "", "USA", "", *S00,
     "number of unemployed persons"),
    (D, "the unemployment rate, ", "3.9 percent", ", declined", 3.9, "percent", "=", "", "USA", "", *S00,
     "unemployment rate"),
    (D, "ranged from ", "3.9 percent", " to 4.1", 3.9, "percent", ">=", "", "USA", "", "1999-10", "2000-09",
     "range of the unemployment rate over the past year, lower bound"),
    (D, "3.9 percent to ", "4.1 percent", ".", 4.1, "percent", "<=", "", "USA", "", "1999-10", "2000-09",
     "range of the unemployment rate over the past year, upper bound"),
    (D, "adult women (", "3.5 percent", ")", 3.5, "percent", "=", "", "USA", "", *S00,
     "unemployment rate, adult women"),
    (D, "blacks (", "7.0 percent", ")", 7.0, "percent", "=", "", "USA", "", *S00, "unemployment rate, blacks"),
    (D, "adult men (", "3.2 percent", ")", 3.2, "percent", "=", "", "USA", "", *S00, "unemployment rate, adult men"),
    (D, "teenagers (", "12.8 percent", ")", 12.8, "percent", "=", "", "USA", "", *S00, "unemployment rate, teenagers"),
    (D, "whites (", "3.5 percent", ")", 3.5, "percent", "=", "", "USA", "", *S00, "unemployment rate, whites"),
    (D, "Hispanics (", "5.6 percent", ")", 5.6, "percent", "=", "", "USA", "", *S00, "unemployment rate, Hispanics"),
    (D, "with jobs--was ", "64.3 percent", ",", 64.3, "percent", "=", "", "USA", "", *S00,
     "employment-population ratio"),
    (D, "participation rate, ", "66.9 percent", ",", 66.9, "percent", "=", "", "USA", "", *S00,
     "labor force participation rate"),
    (D, "full-time work) was ", "3.2 million", " in September", 3.2 * M, "count", "=", "", "USA", "", *S00,
     "persons employed part time for economic reasons"),
]

# ============================================================ CBO, Monthly Budget Review, June 2009 (data through May)
D = "cbo_monthly_budget_review_2009_05"
FYTD09 = ("2008-10", "2009-05")      # fiscal year 2009 to date (October 2008 - May 2009)
LABELS += [
    (D, "so far this year is ", "$984 billion", "$646", 984 * B, "USD", "=", "", "USA", "", *FYTD09,
     "federal budget deficit, fiscal year to date"),
    (D, "$984 billion", "$646billion", " more than", 646 * B, "USD", "=", "up", "USA", "", *FYTD09,
     "change in federal budget deficit from the same point last year"),
    (D, "outlays of ", "about $130 billion", " for the Troubled", 130 * B, "USD", "~", "", "USA", "", *FYTD09,
     "outlays for the Troubled Asset Relief Program (net present value)"),
    (D, "An additional ", "$60 billion", " of the increase", 60 * B, "USD", "=", "up", "USA", "", *FYTD09,
     "part of the increase in outlays due to payments to Fannie Mae and Freddie Mac"),
    (D, "revenues are running ", "about 18 percent", " below", 18, "percent", "~", "down", "USA", "", *FYTD09,
     "change in federal revenues from the same period last year"),
    (D, "outlays are ", "about 18 percent", " higher", 18, "percent", "~", "up", "USA", "", *FYTD09,
     "change in federal outlays from the same period last year"),
    (D, "were only ", "about $3 billion", " (or", 3 * B, "USD", "~", "down", "USA", "", "2009-05", "2009-05",
     "change in federal receipts, May 2009 vs May 2008"),
    (D, "(or ", "3 percent", ") lower", 3, "percent", "=", "down", "USA", "", "2009-05", "2009-05",
     "change in federal receipts, May 2009 vs May 2008, percent"),
    (D, "but for the ", "$32 billion", " in rebates", 32 * B, "USD", "=", "", "USA", "", "2008-05", "2008-05",
     "tax rebates paid to individual taxpayers (Economic Stimulus Act of 2008)"),
    (D, "fiscal year 2009 were ", "about 18 percent", " lower", 18, "percent", "~", "down", "USA", "", *FYTD09,
     "change in federal receipts, first eight months of fiscal year 2009"),
]

# ============================================================ CBO, Monthly Budget Review, August 2008 (data through July)
D = "cbo_monthly_budget_review_2008_07"
FYTD08 = ("2007-10", "2008-07")      # first 10 months of fiscal year 2008
JUL08 = ("2008-07", "2008-07")
LABELS += [
    (D, "deficit was ", "about $371 billion", "---", 371 * B, "USD", "~", "", "USA", "", *FYTD08,
     "federal budget deficit, fiscal year to date"),
    (D, "---", "$213 billion", " more than", 213 * B, "USD", "=", "up", "USA", "", *FYTD08,
     "change in federal budget deficit from the same period in 2007"),
    (D, "revenues were ", "about 1 percent", " lower", 1, "percent", "~", "down", "USA", "", *FYTD08,
     "change in federal revenues from the same period last year"),
    (D, "have grown by ", "almost 9 percent", ".", 9, "percent", "~", "up", "USA", "", *FYTD08,
     "change in federal outlays from the same period last year"),
    (D, "will be ", "in the vicinity of $400 billion", ",", 400 * B, "USD", "~", "", "USA", "", "2007-10", "2008-09",
     "federal budget deficit, fiscal year 2008 (projection)"),
    (D, "a deficit of ", "$102 billion", " was recorded", 102 * B, "USD", "=", "", "USA", "", *JUL08,
     "federal budget deficit, July 2008"),
    (D, "month of July, ", "about $65 billion", " more than", 65 * B, "USD", "~", "up", "USA", "", *JUL08,
     "change in monthly deficit, July 2008 vs July 2007"),
    (D, "2007; ", "approximately $14 billion", " of that increase", 14 * B, "USD", "~", "up", "USA", "", *JUL08,
     "part of the increase in the July deficit due to rebate payments"),
    (D, "Receipts were ", "about $5 billion", " lower", 5 * B, "USD", "~", "down", "USA", "", *JUL08,
     "change in federal receipts, July 2008 vs July 2007"),
    (D, "would have been up by ", "2 percent", ".", 2, "percent", "=", "up", "USA", "", *JUL08,
     "change in federal receipts excluding rebates, July 2008 vs July 2007 (counterfactual)"),
    (D, "Outlays in July were ", "$61 billion", " higher", 61 * B, "USD", "=", "up", "USA", "", *JUL08,
     "change in federal outlays, July 2008 vs July 2007"),
    (D, "last year; ", "about $21 billion", " of that difference", 21 * B, "USD", "~", "up", "USA", "", *JUL08,
     "part of the increase in July outlays due to calendar-related timing shifts"),
    (D, "was the ", "$15 billion", " disbursed", 15 * B, "USD", "=", "", "USA", "", *JUL08,
     "FDIC disbursement to cover insured deposits at failed institutions"),
]

# ============================================================ Federal Reserve, FOMC statement, 18 September 2024
D = "fed_fomc_statement_2024_09"
SEP24 = ("2024-09", "2024-09")
LABELS += [
    (D, "toward the Committee\u2019s ", "2 percent", " objective but", 2, "percent", "=", "", "USA", "", "", "",
     "FOMC inflation objective"),
    (D, "inflation at the rate of ", "2 percent", " over the longer run", 2, "percent", "=", "", "USA", "", "", "",
     "FOMC longer-run inflation goal"),
    (D, "moving sustainably toward ", "2 percent", ",", 2, "percent", "=", "", "USA", "", "", "",
     "FOMC inflation objective"),
    (D, "federal funds rate by ", "1/2 percentage point", " to", 0.5, "percentage_points", "=", "down", "USA", "",
     *SEP24, "change in the target range for the federal funds rate"),
    (D, "percentage point to ", "4-3/4", " to 5", 4.75, "percent", ">=", "", "USA", "", *SEP24,
     "target range for the federal funds rate, lower bound"),
    (D, "4-3/4 to ", "5 percent", ".", 5, "percent", "<=", "", "USA", "", *SEP24,
     "target range for the federal funds rate, upper bound"),
    (D, "returning inflation to its ", "2 percent", " objective.", 2, "percent", "=", "", "USA", "", "", "",
     "FOMC inflation objective"),
]

# ============================================================ State Department fact sheet, Syria, 21 September 2017
D = "state_syria_humanitarian_2017_09"
SEP17 = ("2017-09", "2017-09")
LABELS += [
    (D, "today announced ", "more than $697 million", " in additional", 697 * M, "USD", ">", "up", "USA", "SYR",
     *SEP17, "additional U.S. humanitarian assistance for the Syria crisis"),
    (D, "humanitarian assistance to ", "nearly $7.4 billion", " since", 7.4 * B, "USD", "~", "", "USA", "SYR",
     "2011", "", "cumulative U.S. humanitarian assistance since the start of the Syria crisis"),
    (D, "to help the ", "13.5 million", " people", 13.5 * M, "count", "=", "", "SYR", "", "", "",
     "people in need inside Syria"),
    (D, "throughout all ", "14", " governorates", 14, "count", "=", "", "SYR", "", "", "",
     "governorates of Syria reached"),
    (D, "generously host ", "five million", " refugees", 5 * M, "count", "=", "", "SYR", "", "", "",
     "refugees from Syria hosted in the region"),
    (D, "INSIDE SYRIA: ", "Nearly $516 million", "\n", 516 * M, "USD", "~", "", "USA", "SYR", *SEP17,
     "new U.S. humanitarian assistance inside Syria (part of the announcement)"),
    (D, "start of the crisis: ", "Nearly $3.8 billion", "\n", 3.8 * B, "USD", "~", "", "USA", "SYR", "2011", "",
     "cumulative U.S. humanitarian assistance inside Syria since the start of the crisis"),
]

# ============================================================ State Department, Venezuela, 18 September 2020
D = "state_venezuela_assistance_2020_09"
SEP20 = ("2020-09", "2020-09")
LABELS += [
    (D, "an additional ", "nearly $348 million", " in humanitarian", 348 * M, "USD", "~", "up", "USA", "VEN",
     *SEP20, "additional U.S. humanitarian assistance for the Venezuela crisis"),
    (D, "This amount includes ", "nearly $143 million", " from", 143 * M, "USD", "~", "", "USA", "VEN", *SEP20,
     "part of the announcement from the State Department's PRM bureau"),
    (D, "Migration, and ", "more than $205 million", " from", 205 * M, "USD", ">", "", "USA", "VEN", *SEP20,
     "part of the announcement from USAID"),
    (D, "support to the ", "more than seven million", " Venezuelans", 7 * M, "count", ">", "", "VEN", "", "", "",
     "Venezuelans with critical needs inside Venezuela"),
    (D, "Venezuela, the ", "more than five million", " who have", 5 * M, "count", ">", "", "VEN", "", "", "",
     "Venezuelans who have sought refuge in the region"),
    (D, "crisis to ", "more than $1.2 billion", " since 2017", 1.2 * B, "USD", ">", "", "USA", "VEN", "2017", "",
     "cumulative U.S. humanitarian and development assistance for the Venezuela crisis"),
]

# ============================================================ ShareAmerica, Venezuela, September 2019
D = "shareamerica_venezuela_aid_2019_09"
SEP19 = ("2019-09", "2019-09")
LABELS += [
    (D, "U.S. to give additional ", "$119 million", " for", 119 * M, "USD", "=", "up", "USA", "VEN", *SEP19,
     "additional U.S. humanitarian assistance for Venezuela (headline)"),
    (D, "Pompeo announced ", "nearly $119 million", " in new", 119 * M, "USD", "~", "up", "USA", "VEN", *SEP19,
     "new U.S. humanitarian assistance for Venezuela"),
    (D, "people of Venezuela to ", "$568 million", " since fiscal year 2017", 568 * M, "USD", "=", "", "USA", "VEN",
     "2016-10", "", "cumulative U.S. commitment for the people of Venezuela since fiscal year 2017"),
    (D, "The funds include ", "nearly $36 million", " for lifesaving", 36 * M, "USD", "~", "", "USA", "VEN", *SEP19,
     "part of the new assistance for relief inside Venezuela"),
    (D, "hosting the ", "4.3 million", " Venezuelans", 4.3 * M, "count", "=", "", "VEN", "", "", "",
     "displaced Venezuelans hosted in the region"),
    (D, "administration will ", "triple", ", to $52", 3, "times", "=", "up", "USA", "VEN", "", "",
     "multiplicative change in U.S. development assistance for democratic governance in Venezuela"),
    (D, "triple, to ", "$52 million", ", development", 52 * M, "USD", "=", "", "USA", "VEN", "", "",
     "U.S. development assistance for democratic governance in Venezuela (after tripling)"),
    (D, "To date, ", "55", " countries", 55, "count", "=", "", "WLD", "", "", "",
     "countries that have recognized Guaido as interim president"),
]

# ============================================================ State Department media note, Syria, 28 September 2012
D = "state_syria_assistance_2012_09"
LABELS += [
    (D, "is providing ", "nearly $30 million", " in additional", 30 * M, "USD", "~", "up", "USA", "SYR",
     "2012-09", "2012-09", "additional U.S. humanitarian assistance for the Syria crisis"),
    (D, "is providing ", "more than $132 million", " in fiscal year 2012", 132 * M, "USD", ">", "", "USA", "SYR",
     "2011-10", "2012-09", "U.S. humanitarian assistance for the Syria crisis, fiscal year 2012"),
    (D, "to help ", "more than 975,000", " people inside Syria", 975 * K, "count", ">", "", "SYR", "", "", "",
     "people helped inside Syria"),
    (D, "and the ", "nearly 300,000", " who have fled", 300 * K, "count", "~", "", "SYR", "", "", "",
     "refugees from Syria in neighboring countries"),
]

# ============================================================ EIA, LNG exports record, November 2020
D = "eia_lng_exports_record_2020_11"
LABELS += [
    (D, "LNG exports reached ", "9.4 billion cubic feet per day", " (Bcf/d)", 9.4 * B, "cubic_feet_per_day", "=",
     "", "USA", "", "2020-11", "2020-11", "U.S. LNG exports (estimate)"),
    (D, "which was ", "93%", " of peak", 93, "percent", "=", "", "USA", "", "2020-11", "2020-11",
     "U.S. LNG exports as a share of peak export capacity (utilization)"),
    (D, "In addition, ", "2.7 Bcf/d", " of new", 2.7 * B, "cubic_feet_per_day", "=", "up", "USA", "", "2020", "2020",
     "new U.S. LNG export capacity added"),
]

# ============================================================ EIA, gasoline prices 2016
D = "eia_gasoline_prices_2016"
Y16 = ("2016", "2016")
LABELS += [
    (D, "prices averaged ", "$2.14 per gallon", " (gal)", 2.14, "USD_per_gallon", "=", "", "USA", "", *Y16,
     "average U.S. regular retail gasoline price"),
    (D, "in 2016, ", "29 cents/gal", " (12%)", 0.29, "USD_per_gallon", "=", "down", "USA", "", *Y16,
     "change in average U.S. regular retail gasoline price from 2015"),
    (D, "cents/gal (", "12%", ")", 12, "percent", "=", "down", "USA", "", *Y16,
     "change in average U.S. regular retail gasoline price from 2015, percent"),
    (D, "In ", "9", " of the 10", 9, "count", "=", "", "USA", "", *Y16,
     "cities where gasoline prices did not exceed $3.00/gal"),
    (D, "9 of the ", "10", " cities", 10, "count", "=", "", "USA", "", *Y16,
     "cities for which EIA collects weekly retail price data"),
    (D, "did not exceed ", "$3.00/gal", ".", 3.00, "USD_per_gallon", "=", "", "USA", "", *Y16,
     "gasoline price threshold (not exceeded)"),
]

# ============================================================ Eurostat euro indicators, trade in goods, March 2024
D = "eurostat_trade_goods_2024_03"
M24 = ("2024-03", "2024-03")
M23 = ("2023-03", "2023-03")
Q124 = ("2024-01", "2024-03")
Q123 = ("2023-01", "2023-03")
LABELS += [
    (D, "EU surplus ", "\u20ac21.7 bn", "\n", 21.7 * B, "EUR", "=", "", "EUU", "", *M24,
     "EU trade in goods balance (surplus) with the rest of the world"),
    (D, "balance showed a ", "\u20ac24.1 bn", " surplus", 24.1 * B, "EUR", "=", "", "EMU", "", *M24,
     "euro area trade in goods balance (surplus) with the rest of the world"),
    (D, "compared with ", "+\u20ac19.1 bn", " in March 2023", 19.1 * B, "EUR", "=", "", "EMU", "", *M23,
     "euro area trade in goods balance (surplus; printed plus sign marks a surplus, not a change)"),
    (D, "in March 2024 were ", "\u20ac245.4 billion", ",", 245.4 * B, "EUR", "=", "", "EMU", "", *M24,
     "euro area exports of goods to the rest of the world"),
    (D, "a decrease of ", "9.2%", " compared", 9.2, "percent", "=", "down", "EMU", "", *M24,
     "year-on-year change in euro area exports of goods to the rest of the world"),
    (D, "March 2023 (", "\u20ac270.4 bn", ")", 270.4 * B, "EUR", "=", "", "EMU", "", *M23,
     "euro area exports of goods to the rest of the world"),
    (D, "world stood at ", "\u20ac221.3 bn", ",", 221.3 * B, "EUR", "=", "", "EMU", "", *M24,
     "euro area imports of goods from the rest of the world"),
    (D, "a fall of ", "12.0%", " compared", 12.0, "percent", "=", "down", "EMU", "", *M24,
     "year-on-year change in euro area imports of goods from the rest of the world"),
    (D, "March 2023 (", "\u20ac251.4 bn", ")", 251.4 * B, "EUR", "=", "", "EMU", "", *M23,
     "euro area imports of goods from the rest of the world"),
    (D, "goods surplus ", "\u20ac24.1 bn", " (1)", 24.1 * B, "EUR", "=", "", "EMU", "", *M24,
     "euro area trade in goods balance (surplus), chart title 1"),
    (D, "chemicals\u2019 from ", "\u20ac19.3bn", " in February", 19.3 * B, "EUR", "=", "", "EMU", "",
     "2024-02", "2024-02", "euro area trade surplus in chemicals"),
    (D, "in February to ", "\u20ac23.3bn", " in March", 23.3 * B, "EUR", "=", "", "EMU", "", *M24,
     "euro area trade surplus in chemicals"),
    (D, "goods surplus ", "\u20ac24.1 bn", " (2)", 24.1 * B, "EUR", "=", "", "EMU", "", *M24,
     "euro area trade in goods balance (surplus), chart title 2"),
    (D, "a surplus of ", "\u20ac57.5 bn", ",", 57.5 * B, "EUR", "=", "", "EMU", "", *Q124,
     "euro area trade in goods balance (surplus), January-March"),
    (D, "compared with ", "\u20ac-9.4 bn", " in January-March 2023", 9.4 * B, "EUR", "=", "", "EMU", "", *Q123,
     "euro area trade in goods balance, January-March (deficit; printed minus sign marks a deficit, not a change)"),
    (D, "world fell to ", "\u20ac705.0 bn", " (a decrease", 705.0 * B, "EUR", "=", "", "EMU", "", *Q124,
     "euro area exports of goods to the rest of the world, January-March"),
    (D, "(a decrease of ", "3.2%", " compared", 3.2, "percent", "=", "down", "EMU", "", *Q124,
     "year-on-year change in euro area exports of goods, January-March"),
    (D, "imports fell to ", "\u20ac647.5 bn", " (a decrease", 647.5 * B, "EUR", "=", "", "EMU", "", *Q124,
     "euro area imports of goods from the rest of the world, January-March"),
    (D, "(a decrease of ", "12.3%", " compared", 12.3, "percent", "=", "down", "EMU", "", *Q124,
     "year-on-year change in euro area imports of goods, January-March"),
    (D, "trade fell to ", "\u20ac650.8 bn", " in January-March 2024", 650.8 * B, "EUR", "=", "", "EMU", "", *Q124,
     "intra-euro area trade, January-March"),
    (D, "down by ", "8.4%", " compared", 8.4, "percent", "=", "down", "EMU", "", *Q124,
     "year-on-year change in intra-euro area trade, January-March"),
]

# ============================================================ Wikinews, Facebook stock, July 2018
D = "wikinews_facebook_stock_2018_07"
JUL18 = ("2018-07", "2018-07")
LABELS += [
    (D, "acquire GitHub for ", "US$7.5 billion", "\n", 7.5 * B, "USD", "=", "", "USA", "", "", "",
     "price of Microsoft's planned acquisition of GitHub (related-story headline)"),
    (D, "fines Google ", "\u20b91.36 billion", " for", 1.36 * B, "INR", "=", "", "IND", "USA", "", "",
     "fine imposed on Google by the Competition Commission of India (related-story headline)"),
    (D, "dies, aged ", "70", "\n", 70, "years", "=", "", "USA", "", "", "",
     "age at death of John Perry Barlow (related-story headline)"),
    (D, "selloff resulting in a ", "US$120 billion", " loss", 120 * B, "USD", "=", "down", "USA", "", *JUL18,
     "loss of Facebook market capitalization in a single-day selloff"),
    (D, "Shares went from ", "US$217.50", " before", 217.50, "USD_per_share", "=", "", "USA", "", *JUL18,
     "Facebook Class A share price before the selloff"),
    (D, "selloff to ", "US$171.60", ".", 171.60, "USD_per_share", "=", "", "USA", "", *JUL18,
     "Facebook Class A share price at Monday's close"),
    (D, "analysts have changed ", "28", " strong buy", 28, "count", "=", "", "USA", "", *JUL18,
     "strong-buy ratings on Facebook changed by analysts"),
    (D, "lower level buys, ", "three", " hold ratings", 3, "count", "=", "", "USA", "", *JUL18,
     "analyst ratings on Facebook changed to hold"),
    (D, "hold ratings, and ", "two", " sells", 2, "count", "=", "", "USA", "", *JUL18,
     "analyst ratings on Facebook changed to sell"),
]


def locate(text, prefix, span, suffix):
    ctx = prefix + span + suffix
    first = text.find(ctx)
    if first < 0:
        raise SystemExit(f"context not found: {ctx!r}")
    if text.find(ctx, first + 1) >= 0:
        raise SystemExit(f"context not unique: {ctx!r}")
    start = first + len(prefix)
    return start, start + len(span)


def fmt(v):
    v = float("%.15g" % float(v))          # drop float noise such as 32409999.999999996
    return repr(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)


def main():
    cache = {}
    rows = []
    for lab in LABELS:
        (doc, prefix, span, suffix, value, unit, comp, change, subj, cp, ps, pe, hint) = lab
        if doc not in cache:
            with open(os.path.join(DOCS, doc + ".txt"), encoding="utf-8") as f:
                cache[doc] = f.read()
        t = cache[doc]
        s, e = locate(t, prefix, span, suffix)
        assert t[s:e] == span
        rows.append({"doc_id": doc, "start": s, "end": e, "text": span, "value": fmt(value), "unit": unit,
                     "comparator": comp, "change": change, "subject": subj, "counterpart": cp,
                     "period_start": ps, "period_end": pe, "indicator_hint": hint})
    rows.sort(key=lambda r: (r["doc_id"], r["start"]))
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} mentions to {os.path.relpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
