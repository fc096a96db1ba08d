"""CheckList-style behavioural cases for the quantity engine (Ribeiro et al., ACL 2020).

Templates x fillers generate sentences whose answer is known by construction: every capability
yields at least 2,000 cases, each with the full list of mentions expected (span text, value, unit,
comparator, change), so a spurious extra mention fails a case as much as a missed one. Invariance
cases swap country names, numbers and years in one sentence frame and require the structure of the
answer (number of mentions, units, comparators, changes) to stay the same.

The fillers are written here; none is taken from a gold set. Used by tests/checklist/test_checklist.py
and bench/checklist.py.
"""
from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

Expected = tuple[str, float, str, str, str | None]  # text, value, unit, comparator, change


@dataclass(frozen=True)
class Case:
    """One generated sentence and the mentions it must yield, in order."""

    capability: str
    text: str
    expected: tuple[Expected, ...]


COUNTRIES = ["France", "Germany", "Japan", "Brazil", "India", "Kenya", "Canada", "Norway", "Chile", "Vietnam",
             "Poland", "Egypt", "Mexico", "Spain", "Turkey", "Peru", "Ghana", "Sweden", "Italy", "Australia"]
YEARS = [str(y) for y in range(1995, 2026)]
MONTHS = ["January", "March", "May", "July", "September", "November"]
SERIES = ["exports", "imports", "output", "revenue", "spending", "investment", "sales", "production"]
NUMS = [("3", 3.0), ("12", 12.0), ("47", 47.0), ("250", 250.0), ("1.5", 1.5), ("2.25", 2.25), ("38.1", 38.1),
        ("1,250", 1250.0), ("640", 640.0), ("8.4", 8.4), ("0.7", 0.7), ("19", 19.0)]
SMALL = [("1.2", 1.2), ("3", 3.0), ("4.5", 4.5), ("7", 7.0), ("12", 12.0), ("0.8", 0.8), ("25", 25.0), ("9.6", 9.6)]
WORDS = [("two", 2), ("three", 3), ("four", 4), ("five", 5), ("six", 6), ("seven", 7), ("eight", 8), ("nine", 9),
         ("ten", 10), ("eleven", 11), ("twelve", 12), ("fifteen", 15), ("twenty", 20), ("twenty-five", 25),
         ("thirty", 30), ("forty-two", 42), ("sixty", 60), ("ninety-nine", 99), ("a hundred", 100),
         ("three hundred", 300), ("a dozen", 12)]
NOUNS = ["ministers", "delegates", "ships", "companies", "projects", "banks", "factories", "hospitals", "schools",
         "vessels", "suppliers", "refineries"]
SCALES = [("thousand", 1e3), ("million", 1e6), ("billion", 1e9), ("trillion", 1e12)]
ABBREV = [("bn", 1e9), ("m", 1e6), ("mn", 1e6), ("k", 1e3), ("tn", 1e12)]
CURRENCIES = [("$", "USD"), ("€", "EUR"), ("£", "GBP"), ("C$", "CAD"), ("A$", "AUD"), ("NZ$", "NZD"),
              ("US$", "USD"), ("¥", "JPY")]
UP_VERBS = ["rose", "increased", "grew", "climbed", "jumped", "gained", "surged", "advanced", "expanded"]
DOWN_VERBS = ["fell", "decreased", "declined", "dropped", "slumped", "contracted", "shrank", "plunged", "slid"]
HEDGES = [("about", "~"), ("nearly", "~"), ("almost", "~"), ("around", "~"), ("roughly", "~"),
          ("approximately", "~"), ("more than", ">"), ("over", ">"), ("just over", ">"), ("at least", ">="),
          ("less than", "<"), ("just under", "<"), ("fewer than", "<"), ("up to", "<="), ("", "=")]


def _sample(items: list, n: int, seed: int) -> list:
    """A fixed-seed sample of n items (all of them when there are fewer)."""
    if len(items) <= n:
        return items
    return random.Random(seed).sample(items, n)


def _pct_forms(num: str) -> list[tuple[str, str]]:
    """Ways to write a percentage after the number."""
    return [(f"{num}%", "percent"), (f"{num} percent", "percent"), (f"{num} per cent", "percent")]


def scale_words() -> Iterator[Case]:
    """Scale words and abbreviations, with and without a currency, and across a line wrap."""
    for (sym, cur), (n, v), (s, m), country, year in itertools.product(
            CURRENCIES, SMALL, SCALES, COUNTRIES[:6], YEARS[-4:]):
        span = f"{sym}{n} {s}"
        yield Case("scale words", f"{country} reported a surplus of {span} in {year}.", ((span, v * m, cur, "=", None),))
    for (sym, cur), (n, v), (s, m), country in itertools.product(CURRENCIES[:4], SMALL, ABBREV, COUNTRIES[:8]):
        span = f"{sym}{n}{s}"
        yield Case("scale words", f"The budget of {country} includes {span} for roads.", ((span, v * m, cur, "=", None),))
    for (n, v), (s, m), noun, country in itertools.product(SMALL, SCALES[:3], ["people", "households", "workers"],
                                                           COUNTRIES[:10]):
        span = f"{n} {s}"
        yield Case("scale words", f"{country} counts {span} {noun}.", ((span, v * m, "count", "=", None),))
    for (n, v), (s, m), (word, cur), country in itertools.product(
            SMALL, SCALES[1:3], [("euros", "EUR"), ("US dollars", "USD"), ("dollars", "USD"), ("yen", "JPY"),
                                 ("pounds sterling", "GBP"), ("rubles", "RUB"), ("yuan", "CNY")], COUNTRIES[:6]):
        span = f"{n} {s} {word}"
        yield Case("scale words", f"{country} borrowed {span} abroad.", ((span, v * m, cur, "=", None),))
    for (w, v), (s, m), country in itertools.product(WORDS[:12], SCALES[:3], COUNTRIES[:10]):
        span = f"{w} {s}"
        yield Case("scale words", f"{country} vaccinated {span} people.", ((span, v * m, "count", "=", None),))
    for (n, v), (s, m), country in itertools.product(SMALL, SCALES[1:3], COUNTRIES[:10]):
        span = f"${n}\n    {s}"
        yield Case("scale words", f"{country} pledged ${n}\n    {s} last year.", ((span, v * m, "USD", "=", None),))


def number_words() -> Iterator[Case]:
    """Number words counting things, and word numbers that measure nothing."""
    for (w, v), noun, country, verb in itertools.product(WORDS, NOUNS, COUNTRIES[:6], ["sent", "built", "closed"]):
        text = f"{country} {verb} {w} {noun} last year."
        yield Case("number words", text, ((w, float(v), "count", "=", None),))
    for (w, v), noun, country in itertools.product(WORDS[:12], NOUNS, COUNTRIES[:8]):
        cap = w[0].upper() + w[1:]
        yield Case("number words", f"{cap} {noun} in {country} were inspected.", ((cap, float(v), "count", "=", None),))
    for (w, v), country, noun in itertools.product(
            [("two-thirds", 200 / 3), ("one-third", 100 / 3), ("three-quarters", 75.0), ("one-fifth", 20.0),
             ("a quarter", 25.0), ("half", 50.0), ("one in five", 20.0), ("three out of four", 75.0)],
            COUNTRIES, ["firms", "households", "voters", "farms"]):
        yield Case("number words", f"In {country}, {w} of {noun} saved money.", ((w, v, "percent", "=", None),))
    for noun, country in itertools.product(NOUNS, COUNTRIES):
        yield Case("number words", f"{country} is one of the largest {noun} owners.", ())
        yield Case("number words", f"The two {noun} of {country} merged.", ())


def comparators() -> Iterator[Case]:
    """Hedges and bounds before a number, and bounds written after it."""
    for (h, cmp), (n, v), country, year in itertools.product(HEDGES, NUMS, COUNTRIES[:6], YEARS[-3:]):
        for form, unit in _pct_forms(n)[:2]:
            span = f"{h} {form}".strip()
            yield Case("comparators", f"In {year}, {country} spent {span} of its budget on health.",
                       ((span, v, unit, cmp, None),))
    for (h, cmp), (sym, cur), (n, v), country in itertools.product(HEDGES, CURRENCIES[:5], SMALL, COUNTRIES[:5]):
        span = f"{h} {sym}{n} billion".strip()
        yield Case("comparators", f"{country} pledged {span} in aid.", ((span, v * 1e9, cur, cmp, None),))
    for (n, v), country, (tail, cmp) in itertools.product(NUMS, COUNTRIES, [("or more", ">="), ("or less", "<=")]):
        span = f"{n}% {tail}"
        yield Case("comparators", f"Tariffs in {country} were {span} on most goods.", ((span, v, "percent", cmp, None),))


def ranges() -> Iterator[Case]:
    """Two bounds: between/and, to, dashes, a scale written once."""
    pairs = [(("2", 2.0), ("3", 3.0)), (("4.5", 4.5), ("6", 6.0)), (("10", 10.0), ("15", 15.0)),
             (("1.2", 1.2), ("1.8", 1.8)), (("30", 30.0), ("40", 40.0)), (("0.5", 0.5), ("0.75", 0.75))]
    for ((a, va), (b, vb)), country, year in itertools.product(pairs, COUNTRIES, YEARS[-8:]):
        yield Case("ranges", f"Growth in {country} will be between {a}% and {b}% in {year}.",
                   ((f"{a}%", va, "percent", ">=", "up"), (f"{b}%", vb, "percent", "<=", "up")))
        yield Case("ranges", f"Tariffs in {country} will be {a} to {b} percent in {year}.",
                   ((a, va, "percent", ">=", None), (f"{b} percent", vb, "percent", "<=", None)))
        yield Case("ranges", f"Tariffs in {country} were {a}–{b} per cent in {year}.",
                   ((a, va, "percent", ">=", None), (f"{b} per cent", vb, "percent", "<=", None)))
        yield Case("ranges", f"Estimates for {country} ranged from ${a} billion to ${b} billion in {year}.",
                   ((f"${a} billion", va * 1e9, "USD", ">=", None), (f"${b} billion", vb * 1e9, "USD", "<=", None)))
        yield Case("ranges", f"The cost in {country} is put at ${a} to ${b} billion.",
                   ((f"${a}", va * 1e9, "USD", ">=", None), (f"${b} billion", vb * 1e9, "USD", "<=", None)))
        for form, unit in (("km", "kilometers"), ("kg", "kilograms"), ("euros", "EUR"), ("weeks", "weeks")):
            yield Case("ranges", f"In {country} it takes between {a} and {b} {form}.",
                       ((a, va, unit, ">=", None), (f"{b} {form}", vb, unit, "<=", None)))


def changes() -> Iterator[Case]:
    """Verbs and nouns of change; "to" after a change introduces the new level; coordination."""
    for verb, (n, v), series, country, year in itertools.product(
            UP_VERBS + DOWN_VERBS, SMALL, SERIES[:4], COUNTRIES[:5], YEARS[-2:]):
        d = "up" if verb in UP_VERBS else "down"
        yield Case("changes", f"{country}'s {series} {verb} {n}% in {year}.", ((f"{n}%", v, "percent", "=", d),))
        yield Case("changes", f"{country}'s {series} {verb} by {n}% to ${n} billion.",
                   ((f"{n}%", v, "percent", "=", d), (f"${n} billion", v * 1e9, "USD", "=", None)))
    for verb, ((a, va), (b, vb)), country in itertools.product(UP_VERBS + DOWN_VERBS, itertools.combinations(SMALL[:5], 2),
                                                               COUNTRIES[:8]):
        d = "up" if verb in UP_VERBS else "down"
        yield Case("changes", f"Prices in {country} {verb} {a} percent in 2022 and {b} percent in 2023.",
                   ((f"{a} percent", va, "percent", "=", d), (f"{b} percent", vb, "percent", "=", d)))
    for ((a, va), (b, vb)), country, verb in itertools.product(
            itertools.combinations(SMALL[:6], 2), COUNTRIES, ["rose", "fell", "went"]):
        yield Case("changes", f"Unemployment in {country} {verb} from {a}% in 2019 to {b}% in 2021.",
                   ((f"{a}%", va, "percent", "=", None), (f"{b}%", vb, "percent", "=", None)))
    for (n, v), (word, d), country in itertools.product(
            [x for x in NUMS if "." not in x[0]], [("more", "up"), ("higher", "up"), ("fewer", "down"), ("lower", "down"), ("less", "down")], COUNTRIES):
        yield Case("changes", f"There were {n} {word} than a year earlier in {country}.",
                   ((n, v, "count", "=", d),))
    for (n, v), country, year, topic in itertools.product(SMALL, COUNTRIES, YEARS[-3:], ["Inflation", "GDP growth"]):
        yield Case("changes", f"{topic} in {country} picked up in May. It is expected to average {n}% in {year}.",
                   ((f"{n}%", v, "percent", "=", "up"),))
        yield Case("changes", f"Unemployment in {country} edged up in May. It is expected to average {n}% in {year}.",
                   ((f"{n}%", v, "percent", "=", None),))
    for (noun, d), (n, v), country in itertools.product(
            [("increase", "up"), ("rise", "up"), ("decline", "down"), ("drop", "down"), ("reduction", "down")],
            NUMS, COUNTRIES):
        yield Case("changes", f"{country} reported a {n}% {noun} in exports.", ((f"{n}%", v, "percent", "=", d),))


def signs() -> Iterator[Case]:
    """A printed sign stays in the span; the value is the magnitude and the sign gives the change."""
    for (sign, d), (n, v), country, month in itertools.product(
            [("-", "down"), ("+", "up"), ("−", "down"), ("minus ", "down"), ("plus ", "up")], NUMS,
            COUNTRIES[:10], MONTHS[:4]):
        span = f"{sign}{n}%"
        yield Case("signs", f"Retail sales in {country} changed {span} in {month}.", ((span, v, "percent", "=", d),))
        yield Case("signs", f"Employment in {country} moved ({sign}{n}%) in {month}.", ((span, v, "percent", "=", d),))
    for (n, v), country, unit in itertools.product(NUMS[:6], COUNTRIES, [("°C", "degrees_celsius"),
                                                                      (" degrees Fahrenheit", "degrees_fahrenheit")]):
        span = f"-{n}{unit[0]}"
        yield Case("signs", f"Nights in {country} fell to {span} in winter.", ((span, v, unit[1], "=", None),))
    for (sign, d), (n, v), country in itertools.product([("-", "down"), ("+", "up")], NUMS, COUNTRIES):
        yield Case("signs", f"Jobs in {country} changed ({sign}43,000; {sign}{n}%).",
                   ((f"{sign}43,000", 43000.0, "count", "=", d), (f"{sign}{n}%", v, "percent", "=", d)))


UNIT_FORMS = [  # written form after the number, unit code, factor
    ("km", "kilometers", 1.0), ("kilometres", "kilometers", 1.0), ("miles", "miles", 1.0), ("mph", "mph", 1.0),
    ("km/h", "km_per_hour", 1.0), ("GB", "gigabytes", 1.0), ("TB", "gigabytes", 1e3), ("yards", "yards", 1.0),
    ("rpm", "rpm", 1.0), ("pound-feet", "pound_feet", 1.0), ("tonnes", "tonnes", 1.0), ("kt", "tonnes", 1e3),
    ("million tonnes", "tonnes", 1e6), ("bcm", "cubic_meters", 1e9), ("GWh", "MWh", 1e3), ("TWh", "MWh", 1e6),
    ("MW", "MW", 1.0), ("GW", "MW", 1e3), ("hectares", "hectares", 1.0), ("acres", "acres", 1.0),
    ("barrels per day", "barrels_per_day", 1.0), ("b/d", "barrels_per_day", 1.0), ("Bcf/d", "cubic_feet_per_day", 1e9),
    ("tonnes per hectare", "tonnes_per_hectare", 1.0), ("litres", "litres", 1.0), ("gallons", "gallons", 1.0),
    ("°C", "degrees_celsius", 1.0), ("degrees Fahrenheit", "degrees_fahrenheit", 1.0),
    ("percentage points", "percentage_points", 1.0), ("basis points", "basis_points", 1.0),
    ("index points", "index_points", 1.0),
]
PRICES = [("per barrel", "barrel"), ("/bbl", "barrel"), ("per MMBtu", "MMBtu"), ("per MWh", "MWh"),
          ("per kWh", "kWh"), ("per hour", "hour"), ("per litre", "litre"), ("a gallon", "gallon"),
          ("per tonne", "tonne")]


def units() -> Iterator[Case]:
    """Units outside the seed's vocabulary, per-unit prices, per-capita rates and currency forms."""
    for (form, unit, f), (n, v), country in itertools.product(UNIT_FORMS, NUMS, COUNTRIES[:6]):
        sep = "" if form.startswith(("°", "/")) else " "
        span = f"{n}{sep}{form}"
        yield Case("units", f"Officials in {country} recorded {span} last week.", ((span, v * f, unit, "=", None),))
    for (sym, cur), (den_text, den), (n, v) in itertools.product(CURRENCIES, PRICES, SMALL):
        code = f"{cur}_per_{den}"
        span = f"{sym}{n} {den_text}" if not den_text.startswith("/") else f"{sym}{n}{den_text}"
        yield Case("units", f"The average price was {span} in the region.", ((span, v, code, "=", None),))
    for (n, v), base, noun, country in itertools.product(NUMS, [("100,000", "per_100k_inhabitants"),
                                                                ("100 000", "per_100k_inhabitants"),
                                                                ("1,000", "per_1000_inhabitants")],
                                                         ["hospital beds", "doctors", "deaths"], COUNTRIES[:8]):
        span = f"{n} {noun} per {base[0]} inhabitants"
        yield Case("units", f"{country} had {span} in 2020.", ((span, v, base[1], "=", None),))


def durations() -> Iterator[Case]:
    """Durations and ages that are themselves the measured attribute; time frames are not."""
    units_ = [("hours", "hours"), ("days", "days"), ("weeks", "weeks"), ("months", "months"), ("years", "years"),
              ("minutes", "minutes")]
    for (w, v), (u, code), country, verb in itertools.product(WORDS[:14], units_, COUNTRIES[:6], ["lasted", "took"]):
        span = f"{w} {u}"
        yield Case("durations", f"The talks in {country} {verb} {span}.", ((span, float(v), code, "=", None),))
    for (n, v), (u, code), country in itertools.product(NUMS[:4] + [("400", 400.0)], units_, COUNTRIES):
        span = f"{n} {u}"
        yield Case("durations", f"The strike in {country} lasted {span}.", ((span, v, code, "=", None),))
    for (w, _v), (u, _code), country in itertools.product(WORDS[:10], units_[2:5], COUNTRIES):
        yield Case("durations", f"Prices in {country} rose over the past {w} {u}.", ())
        yield Case("durations", f"{country} plans to finish within the next {w} {u}.", ())
    for age, person, country in itertools.product(range(15, 40), ["man", "woman", "driver", "student"], COUNTRIES[:5]):
        span = f"{age}-year-old"
        yield Case("durations", f"A {span} {person} from {country} won.", ((span, float(age), "years", "=", None),))


def negatives() -> Iterator[Case]:
    """Numbers that measure nothing: dates, years, base years, bands, phones, clocks, references, footnotes."""
    for country, year, (n, _v) in itertools.product(COUNTRIES, YEARS[-10:], NUMS[:8]):
        ref = n.replace(".", "").replace(",", "")[:2]
        yield Case("negatives", f"{country} joined in {year}, see Table {ref}.", ())
        yield Case("negatives", f"The index for {country} ({year}=100) is shown in Figure {ref}.", ())
        yield Case("negatives", f"Workers in {country} aged 16 to 64 were surveyed in {year}.", ())
        yield Case("negatives", f"Call the {country} desk at (202) 555-01{ref.zfill(2)} before 9:30 a.m.", ())
        yield Case("negatives", f"On {MONTHS[int(year) % 6]} {int(ref) % 28 + 1}, {year}, {country} voted.", ())
        yield Case("negatives", f"{country} held the {['first', 'second', 'third'][int(year) % 3]} G20 summit in {year}.",
                   ())
        yield Case("negatives", f"Prices in {country} are compared over 12 months (chart {ref} and table {ref}).", ())


def _extra_units() -> Iterator[Case]:
    """Units carried to the level reached after a change, and compound scales."""
    for (n, v), (lvl, lv), country in itertools.product(SMALL, [("105.6", 105.6), ("5,210.4", 5210.4), ("98", 98.0)],
                                                        COUNTRIES):
        yield Case("units", f"{country}'s main index rose {n} points to {lvl}.",
                   ((f"{n} points", v, "index_points", "=", "up"), (lvl, lv, "index_points", "=", None)))
    for (n, v), country in itertools.product(SMALL, COUNTRIES):
        yield Case("units", f"Crude in {country} cost ${n} per barrel in 2016 and ${n}5 in 2017.",
                   ((f"${n} per barrel", v, "USD_per_barrel", "=", None),
                    (f"${n}5", float(f"{n}5"), "USD_per_barrel", "=", None)))


def _extra_negatives() -> Iterator[Case]:
    """Score and vote tallies, ranks, product and model names."""
    for a, b, country in itertools.product(range(51, 71, 3), range(20, 50, 7), COUNTRIES):
        yield Case("negatives", f"The bill passed {a}-{b} in the {country} senate.", ())
    for n, country in itertools.product(range(3, 25), COUNTRIES):
        yield Case("negatives", f"{country} is among the top {n} exporters.", ())
        yield Case("negatives", f"{country} ordered F-{n} jets and iPhone {n} units.", ())
        yield Case("negatives", f"Shops in {country} open 24/7 on {MONTHS[n % 6]} {n}.", ())


CAPABILITIES = {
    "scale words": scale_words, "number words": number_words, "comparators": comparators, "ranges": ranges,
    "changes": changes, "signs": signs, "units": lambda: itertools.chain(units(), _extra_units()),
    "durations": durations, "negatives": lambda: itertools.chain(negatives(), _extra_negatives()),
}
PER_CAPABILITY = 3000


def cases() -> list[Case]:
    """Every generated case: at most PER_CAPABILITY per capability, sampled with a fixed seed."""
    out: list[Case] = []
    for i, gen in enumerate(CAPABILITIES.values()):
        out += _sample(list(gen()), PER_CAPABILITY, seed=i)
    return out


# --------------------------------------------------------------------------- invariance

FRAMES = [
    "{c} exports rose {n}% to ${m} billion in {y}, while imports fell {n2} percent.",
    "In {y}, {c} spent about {n}% of GDP on defence, up from {n2}% in {y0}.",
    "Inflation in {c} was {n} per cent in {y}, compared with {n2} per cent a year earlier.",
    "{c} pledged ${m} million and another {n} tonnes of grain in {y}.",
    "Between {y0} and {y}, {c}'s debt grew by more than {n}% to {m} trillion yen.",
    "Unemployment in {c} stood at {n}% in {y}; {m} million people were out of work.",
]


def invariance_sets(n_per_frame: int = 60) -> list[tuple[str, list[str]]]:
    """(frame, sentences) groups: one frame filled with different countries, numbers and years."""
    rnd = random.Random(7)
    out = []
    for frame in FRAMES:
        group = []
        for _ in range(n_per_frame):
            y = rnd.randint(2001, 2024)
            group.append(frame.format(c=rnd.choice(COUNTRIES), n=rnd.choice(["3.1", "12", "47", "0.6", "8"]),
                                      n2=rnd.choice(["2.4", "5", "19", "1.1"]), m=rnd.choice(["1.2", "38", "640", "5.5"]),
                                      y=str(y), y0=str(y - rnd.randint(1, 9))))
        out.append((frame, group))
    return out
