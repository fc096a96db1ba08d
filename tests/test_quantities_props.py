"""Property tests: the extractor never raises, offsets are valid, output is sorted, disjoint and in vocabulary."""
from __future__ import annotations

import random
import re
import time
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


def test_long_digit_runs_are_linear():
    # CPU time, not wall time: the guard is against pathological regex cost, not a busy machine
    for text in ("1" * 5000, "1," * 5000, "1." * 5000, "$1" * 3000, "1 " * 5000, " " * 5000 + "5 million",
                 "12-" * 3000, "one " * 3000):
        t0 = time.process_time()
        check(text)
        assert time.process_time() - t0 < 2.0, text[:20]


def test_one_megabyte_of_random_text_is_fast():
    rnd = random.Random(12345)
    chunks = "abc xyz 1 22 333 4,444 5.5 % $ € million billion per barrel b/d - – ( ) \n over about fell rose".split(" ")
    text = " ".join(rnd.choice(chunks) for _ in range(200_000))[:1_000_000]
    t0 = time.process_time()
    check(text)
    assert time.process_time() - t0 < 10.0
