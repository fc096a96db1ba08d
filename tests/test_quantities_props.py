"""Property tests: the extractor never raises, offsets are valid, output is sorted, disjoint and in vocabulary."""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.vocab import units
from tally.extract import quantities
from tally.extract.quantities import extract

SEED = Path(__file__).resolve().parent.parent / "raw" / "us_russia_relations.txt"
SENTENCES = [s for s in re.split(r"(?<=[.!?])\s+|\n", SEED.read_text(encoding="utf-8")) if s.strip()]
VOCAB = set(units())
PROFILE = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Alphabet weighted towards what the grammar reacts to: digits, separators, signs, unit letters, dashes.
NUMERIC_ALPHABET = st.sampled_from(list("0123456789,.,.% $€£¥-–—/()[] \n\tbmkKMBTx") + ["per", "bn", "MMT", "b/d",
                                   " million ", " percent", "between ", " and ", " to ", "over ", "up to ", "a third",
                                   "two-thirds", " of ", "fell ", "rose by ", "FY", "Q", "P.L. ", "(1)"])


def check(text: str) -> None:
    """Invariants on the raw pipeline (no never-raise guard, so a bug surfaces here)."""
    qs = quantities._extract(text)
    assert qs == extract(text)
    last_end = 0
    for q in qs:
        assert 0 <= q.start < q.end <= len(text)
        assert q.text == text[q.start:q.end]
        assert q.start >= last_end  # sorted and non-overlapping
        last_end = q.end
        assert q.unit in VOCAB
        assert q.comparator in ("=", "~", ">", ">=", "<", "<=")
        assert q.change in (None, "up", "down")
        assert q.value is not None and q.value == q.value and q.value >= 0


@PROFILE
@given(st.text())
def test_random_unicode(text):
    check(text)


@PROFILE
@given(st.lists(NUMERIC_ALPHABET, max_size=80).map("".join))
def test_digit_soup(text):
    check(text)


@PROFILE
@given(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_seed_sentence_mixes(sentences, rnd):
    joiner = rnd.choice([" ", "\n", "", " | ", "\n\n"])
    check(joiner.join(sentences))


@PROFILE
@given(st.integers(min_value=1, max_value=300), st.sampled_from(["(", "[", "($", "(1", "(over "]))
def test_nested_parentheses(depth, opener):
    check(opener * depth + "$5 billion" + ")" * depth)
    check("(" * depth + "1" + ")" * depth + " 2.5%")


def calls(fn, *args) -> int:
    """Python and C function calls (every regex call among them) made by `fn(*args)`: work, not time."""
    n = 0

    def count(frame, event, arg):
        nonlocal n
        if event in ("call", "c_call"):
            n += 1

    sys.setprofile(count)
    try:
        fn(*args)
    finally:
        sys.setprofile(None)
    return n


DENSE = ["1" * 500, "1," * 500, "1." * 500, "$1" * 300, "1 " * 500, "12-" * 300, "one " * 300, "from 1 to " * 100,
         "between 1 and 2, " * 60, "rose 5% to $3 billion in 2020; " * 30]


def test_dense_text_costs_a_bounded_amount_of_work_per_character():
    # The extractor's cost must be linear in the input: ten times the text, at most ten times the calls
    # (plus a constant), and a bounded number of calls per character whatever the density of numbers.
    for unit in DENSE:
        one, ten = calls(quantities._extract, unit), calls(quantities._extract, unit * 10)
        assert ten <= 10.5 * one + 500, (unit[:12], one, ten)
        assert ten <= 60 * len(unit) * 10, (unit[:12], ten / (10 * len(unit)))


def test_long_runs_stay_correct():
    for text in ("1" * 5000, "1," * 5000, "1." * 5000, "$1" * 3000, "1 " * 5000, " " * 5000 + "5 million",
                 "12-" * 3000, "one " * 3000, "from 1 to " * 1000):
        check(text)
    assert calls(quantities._extract, " " * 50_000 + "5 million") < 2 * calls(quantities._extract, " " * 5000 + "5 million")


def random_text(rnd: random.Random, n_chunks: int) -> str:
    """Space-joined chunks of words, numbers, signs and units."""
    chunks = "abc xyz 1 22 333 4,444 5.5 % $ € million billion per barrel b/d - – ( ) \n over about fell rose".split(" ")
    return " ".join(rnd.choice(chunks) for _ in range(n_chunks))


def test_random_text_work_is_linear():
    small = random_text(random.Random(12345), 2_000)
    one, ten = calls(quantities._extract, small), calls(quantities._extract, small * 10)
    assert ten <= 10.5 * one + 500, (one, ten)


def test_one_megabyte_of_random_text_is_handled():
    text = random_text(random.Random(12345), 200_000)[:1_000_000]
    check(text)
