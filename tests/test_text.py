"""Utf8Text: a large UTF-8 document kept as bytes must read exactly like the decoded str."""
from __future__ import annotations

import pickle
import random

import pytest
from hypothesis import given, settings, strategies as st

from tally.ingest.text import Utf8Text

# one, two, three and four UTF-8 bytes per character, line breaks of every kind, blank lines
MIXED = "Trade fell 5% to $1.2 billion.\n\n“Quotes” cost €3 — 😀 ok\r\n\r\nx\r\rΩ line\n \t\nend" * 40


@pytest.mark.parametrize("block,page", [(1, 1), (40, 7), (500, 64), (10**6, 8192)])
def test_slices_equal_the_decoded_str(block, page):
    u = Utf8Text(MIXED.encode(), block=block, page=page)
    assert len(u) == len(MIXED) and str(u) == MIXED
    rnd = random.Random(block)
    for _ in range(3000):
        a, b = rnd.randrange(-10, len(MIXED) + 10), rnd.randrange(-10, len(MIXED) + 10)
        assert u[a:b] == MIXED[a:b], (a, b)
    assert u[:] == MIXED and u[5:] == MIXED[5:] and u[:-3] == MIXED[:-3]


@pytest.mark.parametrize("block", [1, 40, 500])
def test_blocks_cover_the_text_and_end_after_blank_lines(block):
    u = Utf8Text(MIXED.encode(), block=block)
    blocks = list(u.blocks())
    assert len(blocks) > 1 and "".join(s for _, s in blocks) == MIXED
    for lo, s in blocks:
        assert MIXED[lo:lo + len(s)] == s
    blank = ("\n\n", "\r\n\r\n", "\r\r", "\n \t\n")
    assert all(s.endswith(blank) for _, s in blocks[:-1])
    for pos in range(0, len(MIXED), 97):
        lo, s = u.block_at(pos)
        assert lo <= pos < lo + len(s)


def test_byte_order_mark_is_skipped_and_pickling_keeps_the_text():
    data = b"\xef\xbb\xbf" + MIXED.encode()
    u = Utf8Text(data, skip=3, block=100)
    assert str(u) == MIXED
    back = pickle.loads(pickle.dumps(u))
    assert back[17:900] == MIXED[17:900] and len(back) == len(MIXED)


def test_invalid_utf8_and_non_slices_are_refused():
    with pytest.raises(UnicodeDecodeError):
        Utf8Text("caf\u00e9\n\n".encode("cp1252") * 10)
    with pytest.raises(TypeError):
        Utf8Text(b"abc")[1]
    with pytest.raises(TypeError):
        Utf8Text(b"abc")[::2]


def test_blank_flag():
    assert Utf8Text(b" \n\n\t\r\n", block=1).blank
    assert not Utf8Text(b" \n\n x", block=1).blank


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab é€😀\n\r\t|."), max_size=300), st.integers(1, 50),
       st.integers(1, 20), st.integers(0, 300), st.integers(0, 300))
def test_any_text_any_cut(text, block, page, a, b):
    u = Utf8Text(text.encode(), block=block, page=page)
    assert len(u) == len(text) and u[a:b] == text[a:b] and "".join(s for _, s in u.blocks()) == text
