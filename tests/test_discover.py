"""Finding and decoding documents: encodings, byte order marks, binary files, the manifest, odd files in raw/."""
from __future__ import annotations

import codecs
import hashlib
import os

import pytest

from tally.ingest import discover as disc
from tally.ingest.text import Utf8Text

TEXT = "Exports rose 12% to €4 billion in 2024, the ministry said. “Trade” fell 3%.\n\nImports were $5 million.\n"


def _raw(data: bytes, name: str = "doc.txt") -> disc.RawDocument:
    return disc.RawDocument(name, hashlib.sha256(data).hexdigest(), data, disc.SourceInfo(file=name))


@pytest.mark.parametrize("data, encoding, expected", [
    (TEXT.encode("utf-8"), "utf-8", TEXT),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig", TEXT),
    (TEXT.encode("utf-16"), "utf-16", TEXT),  # BOM + NUL bytes: must not be called binary
    (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16", TEXT),
    (TEXT.encode("utf-32"), "utf-32", TEXT),
    (TEXT.encode("cp1252"), "cp1252", TEXT),
    ("Le café naïve façade: ½ of £5 million.\n".encode("latin-1"), "cp1252", "Le café naïve façade: ½ of £5 million.\n"),
])
def test_decodes_and_records_the_encoding(data, encoding, expected):
    doc = disc.decode(_raw(data))
    assert (doc.text, doc.encoding, doc.n_bytes) == (expected, encoding, len(data))
    # the recorded encoding decodes the file's bytes to exactly the text the offsets index
    assert data.decode(doc.encoding) == doc.text
    # Over the `large` threshold, UTF-8 text (only) is kept as bytes: the same text, the same encoding.
    big = disc.decode(_raw(data), large=10)
    assert isinstance(big.text, Utf8Text) == encoding.startswith("utf-8")
    assert (str(big.text), big.encoding, big.n_bytes) == (expected, encoding, len(data))
    assert type(disc.decode(_raw(data), large=len(data)).text) is str  # not over the threshold


@pytest.mark.parametrize("data, reason", [
    (b"", "empty document (0 bytes)"),
    (b"  \n\t\r\n ", "only white space"),
    (codecs.BOM_UTF8 + b"\n\n", "only white space"),
    (b"abc\x00def", "binary file (NUL bytes)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "binary file (NUL bytes)"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /XObject /Subtype /Image >>\nstream\n", "PDF file"),
    (b"text " * 20000 + b"\x00", "binary file (NUL bytes)"),  # NUL past the first 64 KB
    (codecs.BOM_UTF16_LE + b"\x00\xd8", "utf-16 byte order mark but is not valid"),
])
def test_refuses_with_a_clear_reason(data, reason):
    for large in (None, 0):  # the same refusals when a large document would be kept as bytes
        with pytest.raises(disc.DocumentError) as info:
            disc.decode(_raw(data), large=large)
        assert reason in info.value.message and info.value.stage == "decode"


def test_deferred_large_file_is_read_again_and_checked(tmp_path, monkeypatch):
    monkeypatch.setattr(disc, "DEFERRED_BYTES", 10)
    f = tmp_path / "big.txt"
    f.write_text(TEXT, encoding="utf-8")
    raw = disc.read_raw(tmp_path, f, {})
    assert raw.data == b"" and raw.size == len(TEXT.encode()) and raw.doc_id == hashlib.sha256(TEXT.encode()).hexdigest()
    assert disc.decode(raw).text == TEXT
    f.write_text(TEXT + "changed", encoding="utf-8")
    with pytest.raises(disc.DocumentError, match="changed while the run was reading it"):
        disc.decode(raw)


def test_scan_reports_links_and_fifos_without_opening_them(tmp_path):
    (tmp_path / "ok.txt").write_text("GDP grew 2%.\n")
    (tmp_path / "broken.txt").symlink_to("nowhere.txt")
    os.mkfifo(tmp_path / "pipe.txt")  # opening it would block forever
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("x\n")
    (tmp_path / ".hidden.txt").write_text("x\n")
    (tmp_path / "sources.toml").write_text("")
    files, refused = disc.scan(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["ok.txt", "sub/b.txt"]
    assert [(r[0], r[1]) for r in refused] == [("broken.txt", "BrokenLink"), ("pipe.txt", "NotARegularFile")]
    assert "FIFO" in refused[1][2] and "nowhere.txt" in refused[0][2]


def test_undecodable_file_name_becomes_valid_utf8(tmp_path):
    name = os.fsencode(str(tmp_path)) + b"/caf\xe9 report.txt"
    with open(name, "wb") as fh:
        fh.write(b"GDP grew 2%.\n")
    (path,) = disc.list_documents(tmp_path)
    raw = disc.read_raw(tmp_path, path, {})
    assert raw.path == "caf\\xe9 report.txt"
    raw.path.encode("utf-8")  # no lone surrogates: Parquet and DuckDB can store it


@pytest.mark.parametrize("content, expected", [
    ("[[document]\nfile = 'a.txt'\n", "malformed manifest"),
    ("[[document]]\ntitle = 'no file'\n", "entry 1 has no 'file'"),
    ("[[document]]\nfile = 'a.txt'\ncolour = 'red'\n", "unknown keys ['colour']"),
    ("document = 'a.txt'\n", "must be a list of [[document]] tables"),
    ("[[document]]\nfile = 'a.txt'\n[[document]]\nfile = 'a.txt'\n", "has two [[document]] entries"),
    ("[[document]]\nfile = 'a.txt'\ntitle = 5\n", "title must be text"),
])
def test_malformed_manifest_names_the_file(tmp_path, content, expected):
    (tmp_path / "sources.toml").write_text(content, encoding="utf-8")
    with pytest.raises(disc.ManifestError) as info:
        disc.read_manifest(tmp_path)
    assert str(tmp_path / "sources.toml") in str(info.value) and expected in str(info.value)
    assert isinstance(info.value, ValueError)  # the CLI reports ValueErrors in one line and exits 2


def test_manifest_not_utf8_or_unreadable(tmp_path):
    (tmp_path / "sources.toml").write_bytes(b"[[document]]\nfile = 'caf\xe9.txt'\n")
    with pytest.raises(disc.ManifestError, match="not UTF-8"):
        disc.read_manifest(tmp_path)
    (tmp_path / "sources.toml").unlink()
    (tmp_path / "sources.toml").mkdir()
    with pytest.raises(disc.ManifestError, match="cannot read the manifest"):
        disc.read_manifest(tmp_path)


def test_manifest_entry_for_a_missing_file_is_a_warning(tmp_path):
    (tmp_path / "sources.toml").write_text("[[document]]\nfile = 'gone.txt'\n[[document]]\nfile = 'a.txt'\n")
    manifest = disc.read_manifest(tmp_path)
    assert disc.manifest_warnings(manifest, ["a.txt"]) == ["sources.toml lists 'gone.txt', which is not in the raw folder"]


def test_utf8_with_one_cp1252_paragraph_is_decoded_as_utf8_and_the_bytes_recorded():
    utf8 = ("The report — “Trade in 2024” — says exports rose 12% to €4 billion.\n\n" * 20).encode("utf-8")
    legacy = "Le café naïve: “imports” fell 3% in 2023.\n\n".encode("cp1252")
    data = utf8 + legacy + utf8
    doc = disc.decode(_raw(data))
    assert doc.text.startswith("The report — “Trade in 2024”")  # not mac_iceland or the like
    assert "Le café naïve: “imports” fell 3% in 2023." in doc.text  # the cp1252 bytes read as cp1252
    assert doc.encoding.startswith("utf-8") and "4 bytes" in doc.encoding and f"byte {len(utf8) + 6}" in doc.encoding
    assert doc.text.count("\n") == data.count(b"\n")


def test_mostly_legacy_text_is_still_detected_whole():
    data = ("Le café naïve façade: ½ of £5 million. " * 30 + "\n").encode("cp1252")
    doc = disc.decode(_raw(data))
    assert doc.encoding == "cp1252" and doc.text == data.decode("cp1252")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_a_byte_order_mark_are_decoded(codec):
    data = TEXT.encode(codec)
    doc = disc.decode(_raw(data))
    assert (doc.text, doc.encoding) == (TEXT, codec)


@pytest.mark.parametrize("codec", ["utf-32-le", "utf-32-be"])
def test_utf32_without_a_byte_order_mark_keeps_non_latin_text(codec):
    text = "Exports to 日本 rose 3% in 2024 (€4.1 billion), 𝟘 aside.\n" * 5
    doc = disc.decode(_raw(text.encode(codec)))
    assert (doc.text, doc.encoding) == (text, codec)


def test_binary_with_nul_bytes_is_still_binary():
    with pytest.raises(disc.DocumentError, match="binary"):
        disc.decode(_raw(bytes(range(256)) * 40))
