#!/usr/bin/env python3
"""Validate the third development corpus: manifest.csv, docs/*.txt and mentions.csv.

Hard checks (any failure -> exit 1):
  * manifest: exact columns, doc_id form, unique ids and urls, license vocabulary, date form,
    one readable UTF-8 docs/<doc_id>.txt per row and no stray docs; no url of ../dev/ or ../dev2/;
  * mentions: exact columns; start/end ints with 0 <= start < end <= len(t) and
    text == t[start:end], t = open(p, encoding='utf-8').read();
  * value a finite float >= 0; unit, comparator, change from the vocabularies below;
    subject (required) / counterpart '' or ';'-joined codes from CODES, sorted and distinct;
    period_start/period_end '' or YYYY or YYYY-MM or YYYY-MM-DD with start <= end;
    indicator_hint not empty;
  * spans have no surrounding whitespace/punctuation and do not overlap; every document has
    at least one mention; rows are unique;
  * value agrees with the number written in the span (digits x scale word, space or comma
    thousands separators, abbreviated scales (bn, Bcf), cents, slash fractions and mixed
    numbers (1/2, 4-3/4), fraction and number words with their scale words (five million));
  * a printed sign agrees with change: '-' -> down, '+' -> up, unless the span is a listed
    signed balance (a surplus or deficit level); a zero value has no direction;
  * hedge words agree with the comparator; '>='/'<=' without "at least"/"up to"/"or more"/
    "or less" must be the two halves of a range written next to each other (or a listed
    one-sided bound);
  * coverage: every digit-bearing token and every number word in a document lies inside a
    gold span or matches a documented exclusion rule.

Run: python3 check.py      (prints "OK: ..." or the problems, exit status 1)
"""
import csv
import math
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "docs")
MANIFEST = os.path.join(HERE, "manifest.csv")
MENTIONS = os.path.join(HERE, "mentions.csv")
OTHER_MANIFESTS = [os.path.join(HERE, "..", d, "manifest.csv") for d in ("dev", "dev2")]

MANIFEST_COLS = ["doc_id", "url", "title", "publisher", "date", "license"]
MENTION_COLS = ["doc_id", "start", "end", "text", "value", "unit", "comparator", "change",
                "subject", "counterpart", "period_start", "period_end", "indicator_hint"]
LICENSES = {"public-domain-us-gov", "CC-BY-4.0", "CC-BY-2.5"}

# Units used in this set (README.md, "Unit codes"), plus the reserved codes of the shared vocabulary.
UNITS_USED = {"USD", "EUR", "INR", "percent", "percentage_points", "count", "times", "years", "barrels",
              "cubic_feet_per_day", "USD_per_barrel", "USD_per_gallon", "USD_per_share"}
UNITS = UNITS_USED | {"GBP", "CAD", "AUD", "NZD", "RUB", "CNY", "JPY", "basis_points", "days", "months",
                      "barrels_per_day", "cubic_meters", "tonnes", "USD_per_MWh", "USD_per_MMBtu",
                      "index_points", "per_mille"}
COMPARATORS = {"=", "~", ">", ">=", "<", "<="}
CHANGES = {"", "up", "down"}
# ISO 3166-1 alpha-3 codes used here, plus group codes: EUU (EU), EMU (euro area, World Bank
# aggregate code), WLD (world aggregates, the Brent benchmark, "countries around the world").
CODES = {"USA", "CHN", "MEX", "HKG", "CAN", "FRA", "GBR", "SYR", "VEN", "IND", "EUU", "EMU", "WLD"}

errors = []


def err(msg):
    errors.append(msg)


# ----------------------------------------------------------------------------- values
PERIOD_RE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")


def period_key(p, is_end):
    m = PERIOD_RE.match(p)
    y = int(m.group(1))
    mo = int(m.group(2)) if m.group(2) else (12 if is_end else 1)
    d = int(m.group(3)) if m.group(3) else (31 if is_end else 1)
    return (y, mo, d)


SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "Bcf": 1e9}
# units never scaled by a scale word (a scale word there is part of the unit or absent)
UNSCALED = {"percent", "percentage_points", "basis_points", "index_points", "times", "per_mille",
            "EUR_per_kWh", "CAD_per_hour", "NZD_per_litre", "tonnes_per_hectare",
            "per_100k_inhabitants", "inhabitants_per_km2", "USD_per_barrel", "USD_per_MWh",
            "USD_per_MMBtu", "USD_per_gallon", "USD_per_share", "days", "months", "years"}
# A scale word written once for two numbers: (doc_id, span, text right after the span, scale)
CARRIED_SCALE = []
# Ratio phrases: (doc_id, span, value)
RATIOS = []
# Signed balances: a printed sign that marks a surplus (+) or deficit (-) level, not a change.
SIGNED_LEVELS = [("eurostat_trade_goods_2024_03", "+\u20ac19.1 bn"),
                 ("eurostat_trade_goods_2024_03", "\u20ac-9.4 bn")]
WORD_NUM = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20,
            "triple": 3, "twice": 2, "double": 2}
FRACTION = {"two-thirds": 200.0 / 3.0, "one-third": 100.0 / 3.0, "a third": 100.0 / 3.0,
            "half": 50.0, "a quarter": 25.0, "a fifth": 20.0}
MIXED_RE = re.compile(r"(?<![\d.])(\d+)-(\d+)/(\d+)(?![\d/])")      # 4-3/4
SLASH_RE = re.compile(r"(?<![\d.\-])(\d+)/(\d+)(?![\d/])")            # 1/2
NUM_RE = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d.,])|\d[\d,]*(?:\.\d+)?")


def expected_value(doc, t, start, text, unit):
    """Return the value the span text implies in the row's unit, or None if unknown."""
    low = text.lower()
    for d, span, v in RATIOS:
        if d == doc and text == span:
            return v
    scale = 1.0
    for w, s in SCALE.items():
        if re.search(r"(?<![A-Za-z])" + w + r"\b", text if w == "Bcf" else low):
            scale = s
    mm, ms = MIXED_RE.search(text), SLASH_RE.search(text)
    m = NUM_RE.search(text)
    if mm:
        num = int(mm.group(1)) + int(mm.group(2)) / int(mm.group(3))
    elif ms:
        num = int(ms.group(1)) / int(ms.group(2))
    elif m:
        num = float(re.sub(r"[ ,\u00a0\u202f]", "", m.group()))
    if mm or ms or m:
        if re.search(r"\bcents?\b", low):
            return num / 100.0
        if unit in UNSCALED:
            return num
        for d, span, after, s in CARRIED_SCALE:
            if d == doc and text == span and t[start + len(text):].startswith(after):
                scale = s
        return num * scale
    for w, v in FRACTION.items():
        if w in low:
            return v
    for w, v in WORD_NUM.items():
        if re.search(r"\b" + w + r"\b", low):
            return float(v) * (1.0 if unit in UNSCALED else scale)
    return None


HEDGE_APPROX = re.compile(r"^(about|approximately|around|roughly|nearly|near|almost|some|"
                          r"in the vicinity of)\b", re.I)
HEDGE_GT = re.compile(r"^(more than|over|above|exceeded|exceeding|slightly above|slightly over|just over|"
                      r"just above)\b", re.I)
HEDGE_GE = re.compile(r"^(at least)\b|\bor more$", re.I)
HEDGE_LE = re.compile(r"^(up to|as much as|as many as|at most)\b|\bor less$", re.I)
HEDGE_LT = re.compile(r"^(less than|fewer than|under|below|just under|just below)\b", re.I)
ANY_HEDGE = [HEDGE_APPROX, HEDGE_GT, HEDGE_GE, HEDGE_LE, HEDGE_LT]
RANGE_JOIN = re.compile(r"\s*(?:to|and|-|\u2013)\s*")
# One-sided bounds whose other side is not a number: (doc_id, text right before the span)
ONE_SIDED_BOUNDS = []

# ----------------------------------------------------------------------------- coverage rules
MONTHS = (r"(?:January|February|March|April|May|June|July|August|September|October|November|"
          r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?")
NUMBER_WORDS = re.compile(
    r"\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|hundreds|thousand|thousands|million|millions|billion|billions|trillion|"
    r"half|third|thirds|quarter|quarters|fifth|fifths|dozen|dozens|double|doubled|triple|"
    r"tripled|twice)\b", re.I)

# Number words that are deliberately not gold: (doc_id, context regex around the word)
WORD_EXCLUSIONS = [
    ("cbo_monthly_budget_review_2009_05", r"the first eight months"),                   # time frame
    ("wikinews_facebook_stock_2018_07", r"for a third business day"),                   # ordinal
    ("bls_employment_situation_2000_09", r"changed at million|labor force, million"),  # figure lost in the
]                                                                                       # PDF transcription
# Generic number-word rules: half-year labels and quarters used as periods, not fractions.
WORD_GENERIC = [
    re.compile(r"\b(?:first|second) half\b", re.I),
    re.compile(r"(?<!\ba )(?<!\bone )(?<!\btwo )(?<!\bthree )\bquarters?\b", re.I),
]

# Digit tokens that are deliberately not gold beyond the generic rules below.
DIGIT_EXCLUSIONS = [
    ("bls_employment_situation_2000_09", r"age 16 and older"),                    # age band (population definition)
    ("cbo_monthly_budget_review_2008_07", r"the first 10 months"),                # time frame
    ("eia_lng_exports_record_2020_11", r"the lowest in 26 months"),               # time frame
    ("eurostat_trade_goods_2024_03", r"surplus \u20ac24\.1 bn \([12]\)"),         # chart numbers (1), (2)
]


def digit_token_excluded(doc, t, s, e):
    tok = re.sub(r"\[\d+\]", "", t[s:e])                                          # footnote markers [1], [2]
    if not re.search(r"\d", tok):
        return True
    core = tok.strip(".,;:()[]\"\u201c\u201d'|")
    before = t[max(0, s - 12):s]
    after = t[e:e + 12]
    line_start = t.rfind("\n", 0, s) + 1
    if re.fullmatch(r"(?:19|20)\d\d", core):                                        # bare year
        return True
    if re.fullmatch(r"(?:19|20)\d\d[\u2013\u2014-](?:\d\d|(?:19|20)\d\d)", core):   # 2008-2023, 2005–2023
        return True
    if re.fullmatch(r"(?:19|20)\d\d-\d\d-\d\d", core):                              # ISO date 2022-05-06
        return True
    if re.fullmatch(r"\d+(?:st|nd|rd|th)", core):                                   # ordinal 2nd, 3rd
        return True
    if re.fullmatch(r"\d{1,2}", core) and (re.search(MONTHS + r"\s$", before)       # April 10, Sep 23 (year)
                                          or re.match(r"\s" + MONTHS + r"\b", after)):   # 13 November 2018
        return True
    if re.fullmatch(r"\d+\.", tok) and t[line_start:s].strip() == "":               # section number "1. Main"
        return True
    if re.search(r"[A-Za-z]", core) and re.search(r"\d", core):                     # identifiers: COVID-19, km2,
        return True                                                                 # Index1, G20, nrg_pc_204, 1960s
    ctx = t[max(0, s - 40):e + 40]
    rel = s - max(0, s - 40)
    for rx in (r"(?:19|20)\d\d ?= ?100", r"\b(?:Table|Figure|Chart)s? \d+"):         # index base, cross-references
        for m in re.finditer(rx, ctx):
            if m.start() <= rel < m.end():
                return True
    for d, ctxrx in DIGIT_EXCLUSIONS:
        if d == doc:
            for m in re.finditer(ctxrx, t):
                if m.start() <= s < m.end():
                    return True
    return False


def word_excluded(doc, t, s):
    for rx in WORD_GENERIC:
        for m in rx.finditer(t):
            if m.start() <= s < m.end():
                return True
    for d, ctx in WORD_EXCLUSIONS:
        if d == doc:
            for m in re.finditer(ctx, t):
                if m.start() <= s < m.end():
                    return True
    return False


# ----------------------------------------------------------------------------- manifest
def load_manifest():
    with open(MANIFEST, encoding="utf-8", newline="") as f:
        rd = csv.DictReader(f)
        if rd.fieldnames != MANIFEST_COLS:
            err(f"manifest columns {rd.fieldnames} != {MANIFEST_COLS}")
        rows = list(rd)
    dev1_urls = set()
    for other in OTHER_MANIFESTS:
        if os.path.exists(other):
            with open(other, encoding="utf-8", newline="") as f:
                dev1_urls |= {r["url"] for r in csv.DictReader(f)}
    docs = {}
    seen_urls = set()
    for i, r in enumerate(rows, 2):
        d = r["doc_id"]
        if not re.fullmatch(r"[a-z0-9_]+", d or ""):
            err(f"manifest line {i}: bad doc_id {d!r}")
        if d in docs:
            err(f"manifest line {i}: duplicate doc_id {d}")
        if r["license"] not in LICENSES:
            err(f"manifest line {i}: bad license {r['license']!r}")
        if r["date"] and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", r["date"]):
            err(f"manifest line {i}: bad date {r['date']!r}")
        if not r["url"].startswith("http"):
            err(f"manifest line {i}: bad url")
        if r["url"] in seen_urls:
            err(f"manifest line {i}: duplicate url")
        if r["url"] in dev1_urls:
            err(f"manifest line {i}: url already used by ../dev or ../dev2")
        seen_urls.add(r["url"])
        for c in ("title", "publisher"):
            if not r[c].strip():
                err(f"manifest line {i}: empty {c}")
        p = os.path.join(DOCS, d + ".txt")
        try:
            with open(p, encoding="utf-8") as f:
                docs[d] = f.read()
        except (OSError, UnicodeDecodeError) as e:
            err(f"manifest line {i}: cannot read {p}: {e}")
    on_disk = {fn[:-4] for fn in os.listdir(DOCS) if fn.endswith(".txt")}
    for extra in sorted(on_disk - set(docs)):
        err(f"docs/{extra}.txt is not in manifest.csv")
    return docs


# ----------------------------------------------------------------------------- mentions
def check_codes(where, col, val):
    if not val:
        return
    codes = val.split(";")
    for code in codes:
        if code not in CODES:
            err(f"{where}: bad {col} code {code!r}")
    if codes != sorted(set(codes)):
        err(f"{where}: {col} codes must be distinct and sorted: {val!r}")


def check_mentions(docs):
    with open(MENTIONS, encoding="utf-8", newline="") as f:
        rd = csv.DictReader(f)
        if rd.fieldnames != MENTION_COLS:
            err(f"mentions columns {rd.fieldnames} != {MENTION_COLS}")
        rows = list(rd)
    spans = {d: [] for d in docs}
    seen = set()
    parsed = []
    for i, r in enumerate(rows, 1):
        where = f"mention #{i} ({r.get('doc_id')}:{r.get('start')})"
        if None in r or any(v is None for v in r.values()):
            err(f"{where}: wrong number of fields")
            continue
        d = r["doc_id"]
        if d not in docs:
            err(f"{where}: unknown doc_id")
            continue
        t = docs[d]
        try:
            s, e = int(r["start"]), int(r["end"])
        except ValueError:
            err(f"{where}: start/end not integers")
            continue
        if not (0 <= s < e <= len(t)):
            err(f"{where}: offsets out of range")
            continue
        if t[s:e] != r["text"]:
            err(f"{where}: text {r['text']!r} != t[start:end] {t[s:e]!r}")
        key = (d, s, e)
        if key in seen:
            err(f"{where}: duplicate row")
        seen.add(key)
        txt = r["text"]
        if txt != txt.strip() or txt[-1] in ".,;:)(" or txt[0] in "(),;:.":
            err(f"{where}: span has surrounding whitespace/punctuation: {txt!r}")
        try:
            v = float(r["value"])
            if not math.isfinite(v):
                raise ValueError
        except ValueError:
            err(f"{where}: bad value {r['value']!r}")
            v = None
        if r["unit"] not in UNITS:
            err(f"{where}: bad unit {r['unit']!r}")
        if r["comparator"] not in COMPARATORS:
            err(f"{where}: bad comparator {r['comparator']!r}")
        if r["change"] not in CHANGES:
            err(f"{where}: bad change {r['change']!r}")
        check_codes(where, "subject", r["subject"])
        check_codes(where, "counterpart", r["counterpart"])
        if not r["subject"]:
            err(f"{where}: empty subject")
        ps, pe = r["period_start"], r["period_end"]
        for col, p in (("period_start", ps), ("period_end", pe)):
            if p and not PERIOD_RE.match(p):
                err(f"{where}: bad {col} {p!r}")
        if ps and pe and PERIOD_RE.match(ps) and PERIOD_RE.match(pe):
            if period_key(ps, False) > period_key(pe, True):
                err(f"{where}: period_start {ps} after period_end {pe}")
        if not r["indicator_hint"].strip():
            err(f"{where}: empty indicator_hint")
        if v is not None and v < 0:
            err(f"{where}: values are magnitudes; must be >= 0")
        signed_level = (d, txt) in SIGNED_LEVELS
        if signed_level and r["change"]:
            err(f"{where}: a listed signed balance is a level; change must be empty")
        if txt[:1] == "-" and r["change"] != "down" and not signed_level:
            err(f"{where}: printed minus sign but change {r['change']!r}")
        if txt[:1] == "+" and r["change"] != "up" and not signed_level:
            err(f"{where}: printed plus sign but change {r['change']!r}")
        if v == 0 and r["change"]:
            err(f"{where}: a zero value has no direction")
        if v is not None and r["unit"] in UNITS:
            exp = expected_value(d, t, s, txt, r["unit"])
            if exp is None:
                err(f"{where}: cannot read a number from {txt!r}")
            elif abs(v - exp) > 1e-6 * max(1.0, abs(exp)):
                err(f"{where}: value {v} disagrees with text {txt!r} (expected {exp})")
        parsed.append((d, s, e, txt, r["comparator"]))
        spans[d].append((s, e, txt))
    # hedge words vs comparator
    by_doc = {}
    for d, s, e, txt, c in parsed:
        by_doc.setdefault(d, []).append((s, e, txt, c))
    for d, items in by_doc.items():
        items.sort()
        t = docs[d]
        for k, (s, e, txt, c) in enumerate(items):
            where = f"{d}:{s} {txt!r}"
            prev_ = items[k - 1] if k > 0 else None
            next_ = items[k + 1] if k + 1 < len(items) else None
            range_low = next_ is not None and next_[3] == "<=" and next_[0] - e <= 12 \
                and RANGE_JOIN.fullmatch(t[e:next_[0]])
            range_high = prev_ is not None and prev_[3] == ">=" and s - prev_[1] <= 12 \
                and RANGE_JOIN.fullmatch(t[prev_[1]:s])
            one_sided = any(dd == d and t[:s].endswith(b) for dd, b in ONE_SIDED_BOUNDS)
            if HEDGE_APPROX.search(txt) and c not in ("~", ">=", "<="):
                err(f"{where}: approximate hedge but comparator {c!r}")
            if HEDGE_GT.search(txt) and c != ">":
                err(f"{where}: 'more than/over/above/just over' but comparator {c!r}")
            if HEDGE_GE.search(txt) and c != ">=":
                err(f"{where}: 'at least/or more' but comparator {c!r}")
            if HEDGE_LE.search(txt) and c != "<=":
                err(f"{where}: 'up to/or less' but comparator {c!r}")
            if HEDGE_LT.search(txt) and c != "<":
                err(f"{where}: 'less than/just under' but comparator {c!r}")
            if c == "=" and any(h.search(txt) for h in ANY_HEDGE):
                err(f"{where}: hedge word in span but comparator '='")
            if c == "~" and not HEDGE_APPROX.search(txt):
                err(f"{where}: comparator '~' without an approximate hedge in the span")
            if c == ">" and not HEDGE_GT.search(txt):
                err(f"{where}: comparator '>' without a 'more than'-type word in the span")
            if c == "<" and not HEDGE_LT.search(txt):
                err(f"{where}: comparator '<' without a 'less than'-type word in the span")
            if c == ">=" and not HEDGE_GE.search(txt) and not range_low:
                err(f"{where}: '>=' is neither 'at least/or more' nor the lower bound of an adjacent range")
            if c == "<=" and not HEDGE_LE.search(txt) and not range_high and not one_sided:
                err(f"{where}: '<=' is neither 'up to/or less' nor the upper bound of an adjacent range")
    # overlaps / empty docs
    for d, sp in spans.items():
        if not sp:
            err(f"{d}: no mentions")
        sp.sort()
        for (a1, b1, t1), (a2, b2, t2) in zip(sp, sp[1:]):
            if a2 < b1:
                err(f"{d}: overlapping spans {t1!r}@{a1} and {t2!r}@{a2}")
    return rows, spans


def check_coverage(docs, spans):
    for d, t in docs.items():
        sp = spans.get(d, [])

        def covered(s, e):
            return any(a < e and s < b for a, b, _ in sp)

        for m in re.finditer(r"[^\s|]*\d[^\s|]*", t):
            s, e = m.span()
            if covered(s, e):
                continue
            if not digit_token_excluded(d, t, s, e):
                err(f"{d}: unlabelled number {m.group()!r} near {t[max(0, s - 30):e + 20]!r}")
        for m in NUMBER_WORDS.finditer(t):
            s, e = m.span()
            if covered(s, e):
                continue
            if not word_excluded(d, t, s):
                err(f"{d}: unlabelled number word {m.group()!r} near {t[max(0, s - 30):e + 20]!r}")


def main():
    docs = load_manifest()
    rows, spans = check_mentions(docs)
    check_coverage(docs, spans)
    if errors:
        for e in errors:
            print("FAIL:", e)
        print(f"{len(errors)} problem(s)")
        sys.exit(1)
    total = sum(len(t) for t in docs.values())
    print(f"OK: {len(docs)} documents, {total} characters, {len(rows)} mentions")


if __name__ == "__main__":
    main()
