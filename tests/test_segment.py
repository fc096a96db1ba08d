"""Segmentation: exact offsets, every table row a passage, bullets inside cells, odd inputs."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from tally.ingest.segment import BULLET, CELL, HEADING, PARAGRAPH, TABLE_HEADER, TABLE_ROW, segment


def test_every_passage_is_the_document_slice(seed_text):
    passages = segment(seed_text)
    assert passages
    for p in passages:
        assert seed_text[p.start:p.end] == p.text
        assert p.text == p.text.strip()


def test_every_seed_table_row_is_a_passage(seed_text):
    passages = segment(seed_text)
    rows = {(p.start, p.end) for p in passages if p.kind == TABLE_ROW}
    offset, expected = 0, set()
    lines = seed_text.split("\n")
    for i, line in enumerate(lines):
        is_rule = re.fullmatch(r"-+\|-+\|", line.strip())
        is_header = i + 1 < len(lines) and re.fullmatch(r"-+\|-+\|", lines[i + 1].strip())
        if "|" in line and not is_rule and not is_header:
            expected.add((offset, offset + len(line.rstrip())))
        offset += len(line) + 1
    assert len(expected) == 20  # 7 tables, 20 data rows in the seed
    assert rows == expected
    assert sum(p.kind == TABLE_HEADER for p in passages) == 7


def test_table_rows_carry_heading_and_label(seed_text):
    passages = segment(seed_text)
    by_index = {p.index: p for p in passages}
    row = next(p for p in passages if p.kind == TABLE_ROW and p.label == "Financial and Trade Impact on Russia")
    assert row.section == "Economic Disruptions and Trade Impacts"
    bullets = [p for p in passages if p.parent == row.index and p.kind == BULLET]
    assert len(bullets) == 3
    assert bullets[1].text.startswith("Trade volume with the U.S. has collapsed from $38.1 billion")
    assert all(by_index[b.parent].label == row.label and b.label == row.label for b in bullets)


def test_headings_and_paragraphs_in_prose(seed_text):
    passages = segment(seed_text)
    headings = [p.text for p in passages if p.kind == HEADING]
    assert headings[0] == "ABSTRACT"
    assert "The Global Energy Market: Russia’s Pivot to Asia and U.S. Policy Shifts" in headings
    paras = [p for p in passages if p.kind == PARAGRAPH]
    assert all("\n" not in p.text for p in paras)  # the seed has one paragraph per line
    assert paras[0].section == "ABSTRACT"


def test_generic_layouts():
    text = ("Energy Outlook\n\nPrices rose 5% in the\nfirst half. Stocks fell.\n\n"
            "  • Exports rose $3 billion.\n  • Imports fell.\r\n"
            "Item | 2022 | 2023 |\n---|---|---|\nOil | 10 | 12 |\nGas | 3 |\nCoal | 1 | 2 | 9 |\n")
    passages = segment(text)
    for p in passages:
        assert text[p.start:p.end] == p.text
    kinds = [p.kind for p in passages]
    assert kinds[0] == HEADING
    assert passages[1].kind == PARAGRAPH and passages[1].text == "Prices rose 5% in the\nfirst half. Stocks fell."
    assert kinds.count(BULLET) == 2
    assert kinds.count(TABLE_ROW) == 3  # rows with missing and extra cells are still rows
    assert [p.text for p in passages if p.kind == CELL and p.label == "Coal"] == ["1", "2", "9", "Coal"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab |-–•\n\r\t.1$A")), max_size=300))
def test_never_raises_and_offsets_valid(text):
    for p in segment(text):
        assert 0 <= p.start < p.end <= len(text)
        assert text[p.start:p.end] == p.text


def test_a_utf8text_segments_as_its_str(seed_text):
    # A large UTF-8 document is segmented from its bytes, block by block (blocks cut after blank lines at
    # byte positions, not the str path's): the passages must be the same, whatever the block size.
    from pathlib import Path

    from tally.ingest.segment import iter_segment
    from tally.ingest.text import Utf8Text

    gold = Path(__file__).resolve().parent / "gold" / "dev" / "docs"
    texts = [seed_text] + [p.read_text(encoding="utf-8") for p in sorted(gold.glob("*.txt"))]
    texts.append(texts[0].replace("\n", "\r\n"))
    for text in texts:
        want = segment(text)
        for block in (300, 5_000, 10**6):
            got = list(iter_segment(Utf8Text(text.encode(), block=block)))
            assert got == want
            assert all(p.text == text[p.start:p.end] for p in got)
