"""build_tables: the one composition of the stages (tally/build.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tally import build as lib
from tally.publish.validate import ValidationFailed

ROOT = Path(__file__).resolve().parent.parent
TEXT = ("Canada's wheat exports rose 9% to 25 million tonnes in 2021.\n\n"
        "Japan's imports of LNG fell 4% in 2022, to 66 million tonnes.\n")


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    d = tmp_path / "raw"
    d.mkdir()
    (d / "a.txt").write_text(TEXT, encoding="utf-8")
    (d / "b.txt").write_text(TEXT.replace("9%", "11%"), encoding="utf-8")
    return d


def _invert_first_period(monkeypatch, text: str = TEXT) -> None:
    """Make the resolver date the first mention of one document (a.txt: its text) with a period that ends
    before it starts."""
    from tally.resolve import document_tables

    real = document_tables.build_mentions

    def broken(ctx, passages, *a, **k):
        out = real(ctx, passages, *a, **k)
        if ctx.text == text and out:
            out[0].period_start, out[0].period_end = "2023", "2022"
        return out

    monkeypatch.setattr(document_tables, "build_mentions", broken)


def test_serial_build_equals_batches_of_one(raw: Path) -> None:
    one = lib.build_tables(raw, lib.BuildOptions(batch_size=1, now="2026-01-01T00:00:00Z")).tables
    all_ = lib.build_tables(raw, lib.BuildOptions(batch_size=50, now="2026-01-01T00:00:00Z")).tables
    for name in one:
        assert one[name].equals(all_[name]), name


def test_a_failing_row_goes_alone_to_rejected_rows(raw: Path, monkeypatch) -> None:
    clean = lib.build_tables(raw).tables
    _invert_first_period(monkeypatch)
    built = lib.build_tables(raw)
    assert built.quarantine == []
    rej = built.tables["rejected_rows"]
    assert len(rej) == 1
    row = rej.iloc[0]
    assert "period_start_not_after_end" in row["checks"] and row["table_name"] == "mentions"
    assert TEXT[row["start"]:row["end"]] == row["text"]
    # the document's other mentions are all published; only the rejected one is missing
    assert len(built.tables["mentions"]) == len(clean["mentions"]) - 1
    assert row["row_id"] not in set(built.tables["mentions"]["mention_id"])
    assert set(built.tables["documents"]["path"]) == {"a.txt", "b.txt"}
    assert built.report.ok


def test_clean_build_has_an_empty_rejected_rows_table(raw: Path) -> None:
    built = lib.build_tables(raw)
    assert list(built.tables["rejected_rows"].columns) == ["doc_id", "table_name", "row_id", "start", "end",
                                                         "text", "checks"]
    assert built.tables["rejected_rows"].empty


def test_a_systemic_failure_still_stops_the_build(raw: Path, monkeypatch) -> None:
    import tally.publish.frames as frames

    real = frames.assemble

    def no_column(*a, **k):
        tables = real(*a, **k)
        tables["facts"] = tables["facts"].drop(columns=["quote"])
        return tables

    monkeypatch.setattr(frames, "assemble", no_column)
    with pytest.raises(ValidationFailed):
        lib.build_tables(raw)


def test_a_document_over_its_time_budget_is_quarantined_and_the_run_goes_on(raw: Path, monkeypatch) -> None:
    from tally.resolve import document_tables as large

    (raw / "long.txt").write_text(TEXT * 400, encoding="utf-8")  # ~50 KB, resolved in runs below
    monkeypatch.setattr(large, "RESOLVE_CHARS", 5_000)
    monkeypatch.setenv("TALLY_DOC_SECONDS", "0.000001")
    built = lib.build_tables(raw)
    q = {r.path: r for r in built.quarantine}
    assert set(q) == {"long.txt"}
    assert q["long.txt"].error_class == "DocumentTimeout" and "time budget" in q["long.txt"].message
    assert set(built.tables["documents"]["path"]) == {"a.txt", "b.txt"}


def test_the_time_budget_is_read_from_the_environment(monkeypatch) -> None:
    from tally.budget import DEFAULT_SECONDS, budget_seconds

    monkeypatch.setenv("TALLY_DOC_SECONDS", "12.5")
    assert budget_seconds() == 12.5
    monkeypatch.setenv("TALLY_DOC_SECONDS", "soon")
    assert budget_seconds() == DEFAULT_SECONDS
    monkeypatch.setenv("TALLY_DOC_SECONDS", "0")
    assert budget_seconds() == 0.0


def test_gc_paused_turns_the_collector_off_inside_and_restores_it() -> None:
    import gc

    assert gc.isenabled()
    with lib.gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with lib.gc_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
