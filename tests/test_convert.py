"""PDF and HTML in: the same mentions as the plain text, page and heading provenance, refusals with reasons.

The fixtures (tests/convert_fixtures.py) wrap the seed and the dev passages in site chrome and print them
with Chromium: two columns, a running header with a date, "Page N of M", hyphenation, footnote markers,
ruled tables. Without Chromium the PDF tests skip.
"""
from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from tally import build as lib
from tally.ingest import convert
from tally.ingest.convert.plaintext import join_lines
from tally.publish.validate import validate_tables

from convert_fixtures import CHROMIUM, CHROME_NUMBERS, page_html


def _run(raw: Path) -> dict:
    """The library pipeline over a folder (no Prefect): every table, validated."""
    found = lib.discover_documents(raw)
    done = lib.process_documents(found.documents, None)
    facts, conflicts = lib.reconcile_facts(done.extracted)
    tables = lib.assemble(done.extracted, facts, conflicts, found.quarantine + done.quarantine,
                          now="2026-01-01T00:00:00Z")
    report = validate_tables(tables, {e.doc.doc_id: e.doc.text for e in done.extracted})
    assert report.ok, report.failures.head(20).to_string()
    tables["_raw"] = raw
    return tables


@pytest.fixture(scope="module")
def runs(converted_fixtures, tmp_path_factory) -> dict[str, dict]:
    """One pipeline run per fixture set (seed, dev): its .txt, .html and, with Chromium, .pdf."""
    out = {}
    for name in ("seed", "dev"):
        raw = tmp_path_factory.mktemp(f"raw-{name}")
        for fmt in ("txt", "html", "pdf", "ragged_pdf"):
            if f"{name}_{fmt}" in converted_fixtures:
                shutil.copy(converted_fixtures[f"{name}_{fmt}"], raw / f"{name}.{fmt.replace('_', '.')}")
        out[name] = _run(raw)
    return out


def _mentions(tables: dict, path: str):
    docs = tables["documents"]
    doc_id = docs.loc[docs["path"] == path, "doc_id"].item()
    return tables["mentions"][tables["mentions"]["doc_id"] == doc_id]


def _f1(got: Counter, want: Counter) -> float:
    tp = sum((got & want).values())
    return 2 * tp / (sum(got.values()) + sum(want.values()))


def _need_pdf(fixtures: dict) -> None:
    if "seed_pdf" not in fixtures:
        pytest.skip(f"Chromium is missing at {CHROMIUM}: `apt-get install -y chromium` (.ci/run installs it)")


@pytest.mark.parametrize("name", ["seed", "dev"])
@pytest.mark.parametrize("fmt", ["html", "pdf", "ragged.pdf"])
def test_mentions_match_the_plain_text(runs, converted_fixtures, name, fmt):
    if fmt.endswith("pdf"):
        _need_pdf(converted_fixtures)
    tables = runs[name]
    want = Counter(zip(_mentions(tables, f"{name}.txt")["text"], _mentions(tables, f"{name}.txt")["value"]))
    got = Counter(zip(_mentions(tables, f"{name}.{fmt}")["text"], _mentions(tables, f"{name}.{fmt}")["value"]))
    assert len(want) > 40
    assert _f1(got, want) >= 0.98, (got - want, want - got)
    # nothing the plain text lacks: no figure from navigation, banners, footers, headers or page numbers
    assert not (got - want), got - want


@pytest.mark.parametrize("name", ["seed", "dev"])
def test_reading_order_follows_the_columns(runs, converted_fixtures, name):
    _need_pdf(converted_fixtures)
    tables = runs[name]
    plain, printed, ragged = (list(_mentions(tables, f"{name}.{f}")["text"]) for f in ("txt", "pdf", "ragged.pdf"))
    assert printed == plain and ragged == plain


@pytest.mark.parametrize("name", ["seed", "dev"])
def test_pdf_paragraphs_bullets_and_tables_are_those_of_the_page(runs, converted_fixtures, name):
    _need_pdf(converted_fixtures)
    tables = runs[name]
    kinds = {}
    for fmt in ("html", "pdf"):
        doc_id = tables["documents"].loc[tables["documents"]["path"] == f"{name}.{fmt}", "doc_id"].item()
        kinds[fmt] = Counter(tables["passages"].loc[tables["passages"]["doc_id"] == doc_id, "kind"])
    assert kinds["pdf"] == kinds["html"] and kinds["pdf"]["paragraph"] > 20


def _squash(s: str) -> str:
    return re.sub(r"[\s\-\u2010\ufffe\u00ad]+", "", s)


@pytest.mark.parametrize("name", ["seed", "dev"])
def test_every_pdf_mention_is_on_its_page(runs, converted_fixtures, name):
    import pypdfium2 as pdfium

    _need_pdf(converted_fixtures)
    pdf = pdfium.PdfDocument(converted_fixtures[f"{name}_pdf"])
    pages = [_squash(pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]
    assert len(pages) >= 3
    m = _mentions(runs[name], f"{name}.pdf")
    assert m["page"].notna().all() and m["heading_path"].isna().all()
    texts = runs[name]["document_texts"].set_index("doc_id")["text"]
    seen, unique = set(), 0
    for doc_id, start, end, text, page in zip(m["doc_id"], m["start"], m["end"], m["text"], m["page"]):
        # the mention with what follows it, which most often occurs once in the whole PDF; a mention may
        # run over a page break (then only its start is on its page)
        key = _squash(texts[doc_id][start:end + 12])[:len(_squash(text)) + 6]
        on = [i + 1 for i, p in enumerate(pages) if key in p]
        if not on:
            on = [i + 1 for i, p in enumerate(pages) if _squash(text)[:6] in p]
        assert page in on, (text, page, on)
        unique += len(on) == 1
        seen.add(page)
    assert unique > 0.6 * len(m)  # the check pins most mentions to a single page (the seed repeats figures)
    assert len(seen) >= 3
    passages = runs[name]["passages"]
    assert passages.loc[passages["doc_id"].isin(m["doc_id"]), "page"].between(1, len(pages)).all()


def test_pdf_text_has_no_chrome_markers_or_broken_words(runs, converted_fixtures, seed_text):
    _need_pdf(converted_fixtures)
    texts = runs["seed"]["document_texts"]
    docs = runs["seed"]["documents"]
    pdf_id = docs.loc[docs["path"] == "seed.pdf", "doc_id"].item()
    text = texts.loc[texts["doc_id"] == pdf_id, "text"].item()
    assert "Page 1 of" not in text and "March 12, 2024" not in text  # page numbers, running header
    assert not re.search(r"[a-z]\.\d", text)  # footnote markers ("conflict.1") are gone
    assert not set(text) & set("\u2010\u00ad\ufffe\x02")
    long_words = set(re.findall(r"\b[a-z]{10,}\b", seed_text))
    assert long_words - set(re.findall(r"\b[a-z]{10,}\b", text)) == set()  # hyphenated words are whole
    assert texts.loc[texts["doc_id"] == pdf_id, "n_pages"].item() >= 3


def test_pdf_tables_become_table_passages(runs, converted_fixtures):
    _need_pdf(converted_fixtures)
    tables = runs["seed"]
    for path in ("seed.txt", "seed.pdf", "seed.html"):
        doc_id = tables["documents"].loc[tables["documents"]["path"] == path, "doc_id"].item()
        p = tables["passages"][tables["passages"]["doc_id"] == doc_id]
        rows = p[p["kind"] == "table_row"]
        assert len(rows) >= 12, path
        assert "Financial and Trade Impact on Russia" in set(rows["label"]), path
        m = _mentions(tables, path)
        kinds = m["passage_id"].map(dict(zip(p["passage_id"], p["kind"])))
        assert (kinds.isin(["cell", "bullet"])).sum() >= 15, path


def test_html_mentions_carry_their_heading_path(runs):
    tables = runs["seed"]
    plain, page = _mentions(tables, "seed.txt"), _mentions(tables, "seed.html")
    sections = plain["passage_id"].map(dict(zip(tables["passages"]["passage_id"], tables["passages"]["section"])))
    assert page["page"].isna().all() and page["heading_path"].notna().all()
    title = tables["documents"].loc[tables["documents"]["path"] == "seed.html", "title"].item()
    for path, section in zip(page["heading_path"], sections):
        parts = path.split(" > ")
        assert parts[0] == title and parts[-1] == section


def test_html_metadata_and_chrome(runs, converted_fixtures):
    docs = runs["dev"]["documents"].set_index("path")
    assert docs.loc["dev.html", "title"] == "Federal Statistics Digest"  # citation_title
    assert docs.loc["dev.html", "publisher"] == "Congressional Research Service"
    assert docs.loc["dev.html", "published"] == "2024-03-12"  # citation_publication_date 2024/03/12
    texts = runs["dev"]["document_texts"]
    text = texts.loc[texts["format"] == "html", "text"].item()
    html = converted_fixtures["dev_html"].read_text()
    for chrome in CHROME_NUMBERS + ["cookie", "Accept all", "Privacy"]:
        assert chrome in html and chrome not in text
    assert '<a href="#fn1"' in html and not re.search(r"[a-z]\.\d", text)  # footnote markers are gone


def test_sources_toml_wins_over_the_files_metadata(tmp_path, converted_fixtures):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(converted_fixtures["dev_html"], raw / "page.html")
    (raw / "sources.toml").write_text('[[document]]\nfile = "page.html"\ntitle = "My title"\n')
    doc = lib.discover_documents(raw).documents[0]
    from tally.ingest import discover as disc

    d = disc.decode(doc)
    assert d.source.title == "My title" and d.source.published == "2024-03-12"
    assert d.source.publisher == "Congressional Research Service"


def test_html_encoding_from_meta_charset(tmp_path):
    body = "<h2>Prices</h2><p>Europe’s gas price rose 12% to €41 per megawatt-hour in 2023.</p>" * 3
    page = page_html("Prix – Énergie", body, charset="windows-1252").encode("cp1252")
    assert b"\x92" in page and b"\x80" in page  # not UTF-8: the meta tag is the only clue
    conv = convert.convert(page, "html")
    assert conv.encoding == "windows-1252"
    assert "Europe’s gas price rose 12% to €41" in conv.text
    assert conv.meta["title"] == "Prix – Énergie"


def test_image_only_and_encrypted_pdfs_are_quarantined_and_the_run_goes_on(tmp_path, converted_fixtures, seed_text):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "seed.txt").write_text(seed_text)
    shutil.copy(converted_fixtures["scan_pdf"], raw / "scan.pdf")
    if "locked_pdf" in converted_fixtures:
        shutil.copy(converted_fixtures["locked_pdf"], raw / "locked.pdf")
    (raw / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<<>>\n")
    tables = _run(raw)
    q = tables["quarantine"].set_index("path")
    assert "no text layer" in q.loc["scan.pdf", "message"]
    assert "damaged PDF file" in q.loc["broken.pdf", "message"]
    if "locked_pdf" in converted_fixtures:
        assert "encrypted PDF file" in q.loc["locked.pdf", "message"]
    else:
        pytest.skip("pikepdf is missing: no encrypted fixture (it is in the dev group)")
    assert list(tables["documents"]["path"]) == ["seed.txt"] and len(tables["mentions"]) > 40


def test_conversions_are_cached_by_content(tmp_path, converted_fixtures, monkeypatch):
    data = converted_fixtures["seed_html"].read_bytes()
    first = convert.convert(data, "html", tmp_path)
    assert list(tmp_path.glob("*/*.pkl"))

    def boom(*a):
        raise AssertionError("converted again")

    monkeypatch.setattr(convert, "_convert", boom)
    assert convert.convert(data, "html", tmp_path) == first
    with pytest.raises(AssertionError):
        convert.convert(data + b" ", "html", tmp_path)  # other bytes: another entry


def test_format_dispatch():
    assert convert.format_of("a/report.PDF", b"...") == "pdf"
    assert convert.format_of("notes.txt", b"%PDF-1.4\n") == "pdf"
    assert convert.format_of("page.htm", b"<html>") == "html"
    assert convert.format_of("notes.txt", b"plain") is None


@pytest.mark.parametrize("lines, joined", [
    (["the economy grew by 2.2 per-", "cent in 2020"], "the economy grew by 2.2 percent in 2020"),
    (["a deep-", "rooted conflict"], "a deep-rooted conflict"),  # no "deeprooted" elsewhere: kept
    (["diplomatic re-", "engagement"], "diplomatic re-engagement"),  # "re-engagement" elsewhere: kept
    (["a cumulati\u2010", "ve deficit"], "a cumulative deficit"),
    (["over the last 12-", "month span"], "over the last 12-month span"),
    (["U.S.-", "Russia relations"], "U.S.-Russia relations"),
    (["exports of $186.3", "billion"], "exports of $186.3 billion"),
    (["engagement—however limited—", "may serve"], "engagement—however limited—may serve"),
    (["traditional alliances", "—could open"], "traditional alliances—could open"),
    (["from 2013–", "2014 and 2015 –", "2016"], "from 2013–2014 and 2015 – 2016"),
])
def test_join_lines(lines, joined):
    assert join_lines(lines, {"percent", "percentage", "reengagement", "re-engagement"}) == joined


def test_published_warehouse_and_review_page_link_figures_to_pdf_pages(runs, converted_fixtures, tmp_path):
    from tally.publish import warehouse as wh
    from tally.review.report import render_report

    _need_pdf(converted_fixtures)
    tables = {k: v for k, v in runs["seed"].items() if not k.startswith("_")}
    wh.publish(tmp_path / "wh", tables)
    from helpers import query

    pages = query(tmp_path / "wh", "SELECT m.page, count(*) FROM mentions m JOIN documents d USING (doc_id) "
                                   "WHERE d.path = 'seed.pdf' GROUP BY 1 ORDER BY 1")
    assert len(pages) >= 3 and all(p is not None for p, _ in pages)
    (text_ok,), = query(tmp_path / "wh", "SELECT bool_and(substr(t.text, m.start + 1, m.\"end\" - m.start) = m.text) "
                                         "FROM mentions m JOIN document_texts t USING (doc_id)")
    assert text_ok  # offsets check against the published text, without re-running the extraction
    html = render_report(tmp_path / "wh", runs["seed"]["_raw"])
    pdf_uri = (runs["seed"]["_raw"] / "seed.pdf").resolve().as_uri()
    for page, _ in pages:
        assert f'href="{pdf_uri}#page={page}">p. {page}</a>' in html
    assert "U.S.–Russia Relations: Diplomatic Recalibration &gt; ABSTRACT" in html  # an HTML figure's headings


@pytest.mark.slow
def test_flow_reads_pdf_and_html_quarantines_scans_and_caches_conversions(prefect_harness, converted_fixtures, tmp_path):
    from flows.pipeline import tally_pipeline

    _need_pdf(converted_fixtures)
    raw, w = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    for key, name in (("seed_pdf", "seed.pdf"), ("dev_html", "dev.html"), ("scan_pdf", "scan.pdf")):
        shutil.copy(converted_fixtures[key], raw / name)
    s1 = tally_pipeline(raw=str(raw), warehouse=str(w))
    assert s1.documents == 2 and [q.path for q in s1.quarantined] == ["scan.pdf"] and s1.mentions == 67 + 168
    assert len(list((w / ".cache" / "convert").glob("*/*.pkl"))) == 2
    (raw / "note.txt").write_text("Exports rose 7% in 2023.\n")  # a change: the PDF and HTML come from the caches
    s2 = tally_pipeline(raw=str(raw), warehouse=str(w))
    assert s2.documents == 3 and s2.cached == 2 and s2.mentions == s1.mentions + 1
    from helpers import query

    assert query(w, "SELECT count(*) FROM mentions WHERE page IS NOT NULL")[0][0] == 67
    assert query(w, "SELECT count(*) FROM mentions WHERE heading_path IS NOT NULL")[0][0] == 168
