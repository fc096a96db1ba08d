"""Bad and hostile input through the library pipeline: every refused file is quarantined with a reason,
the others are published, and offsets stay exact (CRLF, BOMs, legacy encodings, huge lines)."""
from __future__ import annotations

import codecs
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tally.ingest import discover as disc
from tally import build as lib
from tally.ingest import text as text_mod
from tally.publish import warehouse as wh
from tally.ingest.segment import MAX_PASSAGE, segment
from tally.publish.validate import validate_tables
from tally.resolve.document_tables import document_mentions

from helpers import query
from tally.columns import mention_objects

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "Exports rose 12% to €4 billion in 2024, the ministry said. “Trade” fell 3%.\n\nImports were $5 million.\n"
TABLE = ("Trade by partner\n\n| Country | 2023 | 2024 |\n|---|---|---|\n| Russia | $5 billion |\n"
         "| China | 10% | 12% | 14% | extra |\n|\n| | |\n| Japan | – 4% up – 7% down | |\n")


def _run(raw: Path) -> tuple[dict, list[lib.Extracted], lib.Discovered]:
    found = lib.discover_documents(raw)
    segmented, q1 = lib.segment_documents(found.documents)
    extracted, q2 = lib.extract_mentions(segmented)
    facts, conflicts = lib.reconcile_facts(extracted)
    tables = lib.assemble(extracted, facts, conflicts, found.quarantine + q1 + q2, now="2026-01-01T00:00:00Z")
    return tables, extracted, found


def bad_folder(raw: Path) -> dict[str, str]:
    """A raw/ folder with one file of each bad kind; returns path -> expected quarantine error text."""
    raw.mkdir()
    (raw / "seed.txt").write_bytes((ROOT / "raw" / "us_russia_relations.txt").read_bytes())
    (raw / "empty.txt").write_bytes(b"")
    (raw / "blank.txt").write_bytes(b" \n\t\r\n")
    (raw / "nul.txt").write_bytes(b"GDP grew\x00 2%")
    (raw / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00")
    (raw / "scan.pdf").write_bytes(b"%PDF-1.5\n%\xb5\xb5\xb5\xb5\n1 0 obj\n<< /Type /XObject /Subtype /Image >>\n")
    (raw / "copy of seed.txt").write_bytes((raw / "seed.txt").read_bytes())
    (raw / "broken link.txt").symlink_to("does-not-exist.txt")
    os.mkfifo(raw / "pipe.txt")
    # good ones, in odd shapes
    (raw / "cp1252.txt").write_bytes(SENTENCE.encode("cp1252"))
    (raw / "utf16 bom.txt").write_bytes(SENTENCE.encode("utf-16"))
    (raw / "utf8 bom.txt").write_bytes(codecs.BOM_UTF8 + SENTENCE.encode())
    (raw / "crlf.txt").write_bytes(("Heading\r\n\r\n" + SENTENCE * 2).replace("\n", "\r\n").encode())
    (raw / "table.txt").write_text(TABLE, encoding="utf-8")
    (raw / "Übersicht – Handel 2024 (final).txt").write_text("Exports rose 7% in 2023.\n", encoding="utf-8")
    return {
        "empty.txt": "empty document (0 bytes)", "blank.txt": "only white space", "nul.txt": "binary file",
        "chart.png": "binary file", "scan.pdf": "PDF file", "seed.txt": "same bytes as copy of seed.txt",
        "broken link.txt": "does not exist", "pipe.txt": "FIFO",
    }


def test_bad_inputs_are_quarantined_and_the_rest_published(tmp_path):
    expected = bad_folder(tmp_path / "raw")
    t0 = time.perf_counter()
    tables, extracted, found = _run(tmp_path / "raw")
    assert time.perf_counter() - t0 < 60  # the FIFO did not block
    q = {r.path: r for r in tables["quarantine"].itertuples(index=False)}
    assert set(q) == set(expected)
    for path, text in expected.items():
        assert text in q[path].message, (path, q[path])
    assert not isinstance(q["broken link.txt"].sha256, str) and q["chart.png"].sha256 and q["chart.png"].stage == "decode"
    docs = {e.doc.path: e.doc for e in extracted}
    assert {p: d.encoding for p, d in docs.items()} == {
        "copy of seed.txt": "utf-8", "cp1252.txt": "cp1252", "utf16 bom.txt": "utf-16", "utf8 bom.txt": "utf-8-sig",
        "crlf.txt": "utf-8", "table.txt": "utf-8", "Übersicht – Handel 2024 (final).txt": "utf-8"}
    # the three encodings of one text give the same text, passages and mention spans
    same = [docs[p] for p in ("cp1252.txt", "utf16 bom.txt", "utf8 bom.txt")]
    assert all(d.text == SENTENCE for d in same)
    spans = {e.doc.path: [(m.start, m.end, m.text) for m in mention_objects(e.mentions)] for e in extracted}
    assert spans["cp1252.txt"] == spans["utf16 bom.txt"] == spans["utf8 bom.txt"]
    assert [s[2] for s in spans["cp1252.txt"]] == ["12%", "€4 billion", "3%", "$5 million"]
    report = validate_tables(tables, {e.doc.doc_id: e.doc.text for e in extracted})
    assert report.ok, report.failures
    pub = wh.publish(tmp_path / "wh", tables)
    assert pub.changed
    rows = query(tmp_path / "wh", "SELECT path, stage, error_class FROM quarantine ORDER BY path")
    assert [r[0] for r in rows] == sorted(expected)
    assert query(tmp_path / "wh", "SELECT count(*) FROM documents WHERE path LIKE 'Übersicht%'") == [(1,)]


def test_crlf_offsets_index_the_decoded_text(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    seed = (ROOT / "raw" / "us_russia_relations.txt").read_bytes()
    (raw / "crlf.txt").write_bytes(seed.replace(b"\n", b"\r\n"))
    (raw / "cr.txt").write_bytes(seed.replace(b"\n", b"\r"))
    tables, extracted, _ = _run(raw)
    lf = lib.extract_mentions(lib.segment_documents(lib.discover_documents(ROOT / "raw").documents)[0])[0][0]
    lf_mentions = mention_objects(lf.mentions)
    for e in extracted:
        assert "\r" in e.doc.text
        p = e.passages
        assert all("\r" not in e.doc.text[a:b] for a, b in zip(p["start"].to_pylist(), p["end"].to_pylist()))
        mentions = mention_objects(e.mentions)
        assert all(e.doc.text[m.start:m.end] == m.text for m in mentions)
        # the same mentions as the LF original, only shifted by the extra \r before them
        assert [m.text for m in mentions] == [m.text for m in lf_mentions]
        if e.doc.path == "cr.txt":
            assert [(m.start, m.end) for m in mentions] == [(m.start, m.end) for m in lf_mentions]
    assert validate_tables(tables, {e.doc.doc_id: e.doc.text for e in extracted}).ok


def test_pipe_table_with_missing_and_extra_cells(tmp_path):
    passages = segment(TABLE)
    assert all(TABLE[p.start:p.end] == p.text for p in passages)
    cells = [(p.label, p.text) for p in passages if p.kind in ("cell", "bullet")]
    assert ("Russia", "$5 billion") in cells and ("China", "extra") in cells and ("China", "14%") in cells
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "table.txt").write_text(TABLE, encoding="utf-8")
    tables, extracted, _ = _run(raw)
    assert not len(tables["quarantine"]) and validate_tables(tables, {e.doc.doc_id: e.doc.text for e in extracted}).ok
    assert {"$5 billion", "10%", "12%", "14%", "4%", "7%"} <= set(tables["mentions"]["text"])


def test_unreadable_file_is_quarantined(tmp_path, monkeypatch):
    # Tests run as root, where chmod 000 does not stop a read: simulate the error the OS would raise.
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "secret.txt").write_text("Exports rose 12%.\n")
    (raw / "ok.txt").write_text("Imports fell 3%.\n")
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    tables, extracted, _ = _run(raw)
    assert [e.doc.path for e in extracted] == ["ok.txt"]
    (row,) = tables["quarantine"].itertuples(index=False)
    assert (row.path, row.stage, row.message) == ("secret.txt", "discover", "cannot read file: Permission denied")
    assert not isinstance(row.sha256, str)  # NULL: the bytes could not be read


def test_malformed_manifest_stops_discovery_and_a_missing_entry_warns(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("GDP grew 2%.\n")
    (raw / "sources.toml").write_text("[[document]]\nfile = 'a.txt'\n[[document]]\nfile = 'gone.txt'\n")
    found = lib.discover_documents(raw)
    assert [d.path for d in found.documents] == ["a.txt"] and not found.quarantine
    assert found.warnings == ["sources.toml lists 'gone.txt', which is not in the raw folder"]
    (raw / "sources.toml").write_text("[[document]\nfile = 'a.txt'\n")
    with pytest.raises(disc.ManifestError, match="sources.toml: malformed manifest"):
        lib.discover_documents(raw)


def test_very_long_line_is_linear(seed_text):
    line = seed_text.replace("\n", " ")
    big = (line * (5_000_000 // len(line) + 1))[:5_000_000]
    small = big[:500_000]
    t0 = time.perf_counter()
    segment(small)
    t_small = time.perf_counter() - t0
    t0 = time.perf_counter()
    passages = segment(big)
    t_big = time.perf_counter() - t0
    assert t_big < 5 and t_big / max(t_small, 1e-3) < 30, (t_small, t_big)  # 10x input: ~10x time, not 100x
    assert all(p.end - p.start <= MAX_PASSAGE for p in passages)
    assert all(big[p.start:p.end] == p.text for p in passages)
    assert all(big[a.end:b.start].strip() == "" for a, b in zip(passages, passages[1:]))  # nothing lost
    # extraction and resolution of one 400 KB line: was ~25 s (quadratic), now a couple of seconds
    doc = disc.Document("line.txt", "0" * 64, big[:400_000], "utf-8", 400_000, disc.SourceInfo("line.txt"))
    t0 = time.perf_counter()
    (e,), bad = lib.extract_mentions([lib.Segmented(doc, segment(doc.text))])
    assert not bad and e.mentions.num_rows > 500 and time.perf_counter() - t0 < 10
    assert all(doc.text[m.start:m.end] == m.text for m in mention_objects(e.mentions))


def test_large_document_is_resolved_in_runs_with_the_same_spans(seed_text):
    text = (seed_text + "\n\n") * 4
    doc = disc.Document("big.txt", "a" * 64, text, "utf-8", len(text), disc.SourceInfo("big.txt"))
    passages = segment(text)
    assert segment(text, block=10_000) == passages  # block-wise segmentation changes nothing
    whole = document_mentions(doc, passages)
    runs = document_mentions(doc, passages, size=20_000)
    key = lambda ms: [(m.start, m.end, m.text, m.mention_id, m.passage_id, m.value, m.unit) for m in ms]
    assert key(whole) == key(runs)
    assert all(text[m.start:m.end] == m.text for m in runs)


def _tally() -> str:
    return str(Path(sys.executable).with_name("tally"))


@pytest.mark.slow
def test_cli_prints_each_quarantined_file_and_strict_exits_nonzero(tmp_path, shared_api_url):
    expected = bad_folder(tmp_path / "raw")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"HOME": str(tmp_path), "PREFECT_API_URL": shared_api_url}
    w = tmp_path / "wh"
    r = subprocess.run([_tally(), "run", "--strict", "--raw", str(tmp_path / "raw"), "--warehouse", str(w)],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stderr[-3000:]
    lines = [l for l in r.stderr.splitlines() if l.startswith("quarantined ")]
    assert len(lines) == len(expected)
    for path, text in expected.items():
        assert any(l.startswith(f"quarantined {path}: ") and text in l for l in lines), (path, lines)
    # the good documents were still published
    assert query(w, "SELECT count(*) FROM documents")[0][0] == 7
    assert query(w, "SELECT count(*) FROM quarantine")[0][0] == len(expected)


def test_passages_frame_breaks_offset_ties_by_passage_id():
    """Two passages with the same span (never produced by segment, but possible in principle) are ordered
    by passage_id, as the table order says; and pickled passages leave their document text out."""
    import pickle
    from dataclasses import replace

    from tally.columns import mention_table, passage_table
    from tally.ingest.segment import attach

    text = "Exports rose 5% in 2023.\n\nImports fell 2%.\n"
    passages = segment(text)
    twin = replace(passages[0], index=len(passages))
    doc = disc.Document("a.txt", "ab" * 32, text, "utf-8", len(text), disc.SourceInfo(file="a.txt"))
    extracted = [lib.Extracted(doc, passage_table(doc.doc_id, [twin] + passages), mention_table([]))]
    df = lib.passages_frame(extracted)
    assert list(df["passage_id"]) == sorted(df["passage_id"], key=lambda pid: (
        df.set_index("passage_id").loc[pid, "start"], df.set_index("passage_id").loc[pid, "end"], pid))
    assert df["passage_id"].iloc[0].endswith("p00000") and df["text"].iloc[0] == passages[0].text
    loaded = pickle.loads(pickle.dumps(passages))
    assert loaded == passages and all(p.doc is None for p in loaded)
    assert [p.text for p in attach(loaded, text)] == [p.text for p in passages]


def test_large_document_columns_equal_the_object_path(seed_text, tmp_path, monkeypatch):
    # A document over RESOLVE_CHARS is segmented, extracted and resolved run by run straight into Arrow
    # columns (so its objects never all live at once); its tables must be byte for byte those of the object
    # path, alone and next to a small document, and it must survive the extraction cache.
    import pyarrow as pa

    from tally.extract.cache import ExtractCache
    from tally.publish.warehouse import to_arrow

    from tally.columns import mention_objects, mention_table, passage_table
    from tally.resolve import document_tables as large

    monkeypatch.setattr(large, "RESOLVE_CHARS", 20_000)
    text = (seed_text + "\n\n") * 4
    big = disc.Document("big.txt", "b" * 64, text, "utf-8", len(text.encode()), disc.SourceInfo("big.txt"))
    short = seed_text[:seed_text.index("\n", 12_000) + 1]
    small = disc.Document("small.txt", "a" * 64, short, "utf-8", len(short), disc.SourceInfo("small.txt"))
    passages = segment(text)
    # what resolving the whole document's passages run by run gives, as objects
    objects = [lib.Extracted(big, passage_table(big.doc_id, passages),
                             mention_table(large.document_mentions(big, passages, size=20_000))),
               lib.Extracted(small, passage_table(small.doc_id, segment(short)),
                             mention_table(large.document_mentions(small, segment(short))))]
    (columnar, plain), bad = lib.extract_mentions([lib.Segmented(big, []), lib.Segmented(small, segment(short))])
    assert not bad and isinstance(columnar.mentions, pa.Table) and isinstance(plain.mentions, pa.Table)
    assert columnar.passages.num_rows == len(passages) and columnar.mentions.equals(objects[0].mentions)

    def parquet(extracted):
        facts, conflicts = lib.reconcile_facts(extracted)
        tables = lib.assemble(extracted, facts, conflicts, [], now="2026-01-01T00:00:00Z")
        return {name: to_arrow(name, df) for name, df in tables.items()}

    def report_ok(extracted):
        facts, conflicts = lib.reconcile_facts(extracted)
        tables = lib.assemble(extracted, facts, conflicts, [], now="2026-01-01T00:00:00Z")
        return validate_tables(tables, {e.doc.doc_id: e.doc.text for e in extracted}).ok

    # The same document read from its bytes: kept as a Utf8Text, segmented in blocks of ~7 KB (cut elsewhere
    # than the str path's), its quotes taken block by block.
    monkeypatch.setattr(text_mod, "BLOCK_BYTES", 7_000)
    data = text.encode("utf-8")
    from_bytes = disc.decode(disc.RawDocument("big.txt", "b" * 64, data, disc.SourceInfo("big.txt")), large=20_000)
    assert isinstance(from_bytes.text, text_mod.Utf8Text) and len(list(from_bytes.text.blocks())) > 3
    (kept,), bad = lib.extract_mentions([lib.Segmented(from_bytes, [])])
    assert not bad

    for subset in ([0], [0, 1]):
        want = parquet([objects[i] for i in subset])
        got = parquet([[columnar, plain][i] for i in subset])
        got_bytes = parquet([[kept, plain][i] for i in subset])
        assert report_ok([[kept, plain][i] for i in subset])
        for name in want:
            assert got[name].equals(want[name]), (subset, name)
            assert got_bytes[name].equals(want[name]), (subset, name)
    assert [m.mention_id for m in mention_objects(columnar.mentions)] == objects[0].mentions["mention_id"].to_pylist()

    store = ExtractCache(tmp_path / "cache")
    store.put("k", (columnar.passages, columnar.mentions))
    passages_back, mentions_back = store.get("k")
    assert passages_back.equals(columnar.passages) and mentions_back.equals(columnar.mentions)
