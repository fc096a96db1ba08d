"""Every schema rejects a known-bad frame (guards against checks being silently skipped)."""
from __future__ import annotations

import math

import pytest

from tally.publish.frames import frame
from tally.publish.validate import validate_tables

DOC = "a" * 64
TEXT = "Exports rose 5% to $3 billion."


def _mention(**kw):
    row = dict(doc_id=DOC, mention_id="m1", passage_id="p1", start=13, end=15, text="5%", value=5.0, low=None,
               high=None, unit="percent", comparator="=", change="up", measure="change", indicator=None,
               subject="USA", counterpart=None, period_start="2023", period_end="2023", note=None)
    row.update(kw)
    return row


def _failures(table, rows):
    return validate_tables({table: frame(table, rows)}, {DOC: TEXT}).failures


def test_good_mention_passes():
    assert _failures("mentions", [_mention()]).empty


@pytest.mark.parametrize("bad, check", [
    (dict(unit="furlongs"), "unit_in_vocabulary"),
    (dict(comparator="≈"), "isin"),
    (dict(change="sideways"), "isin"),
    (dict(measure="vibe"), "isin"),
    (dict(subject="XXX"), "subject_is_known_code"),
    (dict(subject="USA;CHN"), "subject_is_known_code"),  # several parties: sorted
    (dict(counterpart="CHN;CHN"), "counterpart_is_known_code"),  # ... and distinct
    (dict(counterpart="CHN;ZZZ"), "counterpart_is_known_code"),
    (dict(period_start="2023-13"), "str_matches"),
    (dict(period_start="1492", period_end="1492"), "period_years_in_1800_2100"),
    (dict(period_start="2024", period_end="2023"), "period_start_not_after_end"),
    (dict(value=math.inf), "value_finite"),
    (dict(low=9.0, high=1.0), "low_not_above_high"),
    (dict(text="5 %"), "text_equals_document_slice"),
    (dict(start=10, end=99, text="x"), "text_equals_document_slice"),
    (dict(indicator="made_up_indicator"), "indicator_in_catalog"),
])
def test_bad_mention_fails(bad, check):
    f = _failures("mentions", [_mention(**bad)])
    assert not f.empty, bad
    assert f["check"].astype(str).str.contains(check).any(), f


def test_a_bad_party_code_fails_on_its_own_rows_only():
    rows = [_mention(mention_id=f"m{i}", subject=s, counterpart=c) for i, (s, c) in
            enumerate([("USA", "CHN;RUS"), ("XXX", None), ("USA", "RUS;CHN"), ("USA", None), ("XXX", "CHN")])]
    f = _failures("mentions", rows)
    assert sorted(zip(f["column"], f["index"].astype(int))) == [("counterpart", 2), ("subject", 1), ("subject", 4)], f


def test_bad_rows_in_every_table_fail():
    assert not _failures("documents", [dict(doc_id="nothex", path="x", title=None, publisher=None, published="yesterday", language="en", license=None, encoding="utf-8", n_bytes=1, n_chars=1, sha256="nothex", ingested_at="t")]).empty
    assert not _failures("passages", [dict(doc_id=DOC, passage_id="p", kind="poem", section=None, label=None, parent_id=None, start=0, end=5, text="Expor")]).empty
    assert not _failures("facts", [dict(fact_id="F1", indicator=None, subject=None, counterpart=None, measure="level", value=1.0, unit="USD", comparator="=", period_start=None, period_end=None, n_mentions=2, mention_ids=["m1"], doc_ids=[DOC], quote=None)]).empty
    assert not _failures("conflicts", [dict(conflict_id="C1", kind="value", fact_ids=[], note="x")]).empty
    assert not _failures("quarantine", [dict(path="x", sha256=None, stage="lunch", error_class="E", message="m")]).empty


def test_duplicate_ids_fail_on_every_duplicate_row():
    # Uniqueness is checked through hashes a slice at a time (schemas.tables.arrow_unique), not pandas'
    # is_unique: it must still flag every row of a repeated id, and only those, in every table with an id.
    rows = [_mention(mention_id=m, start=13, end=15) for m in ("m1", "m2", "m1", "m3", "m3", "m1")]
    f = _failures("mentions", rows)
    uniq = f[f["check"].astype(str).str.contains("field_uniqueness")]
    assert sorted(uniq["index"].astype(int)) == [0, 2, 3, 4, 5], f
    assert _failures("mentions", [_mention(mention_id=m) for m in ("m1", "m2", "m3")]).empty
    docs = [dict(doc_id=DOC, path=p, title=None, publisher=None, published=None, language="en", license=None,
                 encoding="utf-8", n_bytes=1, n_chars=1, sha256=DOC, ingested_at="t") for p in ("a", "b")]
    assert _failures("documents", docs)["check"].astype(str).str.contains("field_uniqueness").sum() == 2


def test_tables_checked_in_row_slices_report_the_same_failures(monkeypatch):
    # Row checks run a slice of rows at a time (validate.VALIDATE_ROWS), uniqueness on the whole column:
    # a duplicate split across slices and a bad row in the last slice are still found, once each.
    import tally.publish.validate as v

    rows = [_mention(mention_id=f"m{i}") for i in range(7)]
    rows[1]["mention_id"] = rows[6]["mention_id"] = "dup"
    rows[5]["unit"] = "furlongs"
    whole = _failures("mentions", rows)
    monkeypatch.setattr(v, "VALIDATE_ROWS", 2)
    sliced = _failures("mentions", rows)
    key = lambda f: sorted(zip(f["check"].astype(str), f["index"].astype(str)))
    assert key(sliced) == key(whole)
    assert ("field_uniqueness", "1") in key(sliced) and ("field_uniqueness", "6") in key(sliced)
    assert any(c == "unit_in_vocabulary" and i == "5" for c, i in key(sliced))
