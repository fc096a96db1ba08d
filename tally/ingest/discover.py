"""Find the documents in raw/, join them with the manifest, and decode their text."""
from __future__ import annotations

import codecs
import hashlib
import os
import stat
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tally.ingest import convert
from tally.ingest.convert import Converted
from tally.ingest.text import Utf8Text

MANIFEST = "sources.toml"
# Files in raw/ that describe the folder rather than being documents.
_NOT_DOCUMENTS = {MANIFEST, "README.md", "README", ".gitkeep"}
# Files larger than this are hashed while listing but read again only when decoded, so the bytes of a
# very large document are not held for the whole run.
DEFERRED_BYTES = 16 * 2**20
# Charset detection looks at this much of a non-UTF-8 file (it samples anyway; this bounds its memory).
_DETECT_BYTES = 1 << 20
# Byte order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
# (mark, codec of the bytes after it, encoding recorded: the codec that decodes the whole file to the text).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"), (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
         (codecs.BOM_UTF8, "utf-8", "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"))


class ManifestError(ValueError):
    """raw/sources.toml cannot be used; the message names the file. The manifest is configuration: stop."""


class DocumentError(Exception):
    """A document that cannot be processed; carries the stage and a reason for the quarantine table."""

    def __init__(self, path: str, stage: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path, self.stage, self.message = path, stage, message


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """One manifest entry (all optional except the file name)."""

    file: str
    title: str | None = None
    publisher: str | None = None
    published: str | None = None
    language: str = "en"
    license: str | None = None
    country: str | None = None  # publisher's country, ISO 3166-1 alpha-3 (alpha-2 accepted): bare "$", fallback subject


@dataclass(frozen=True, slots=True)
class RawDocument:
    """A document's bytes and metadata, before decoding."""

    path: str  # relative to the raw folder, POSIX separators
    doc_id: str  # sha256 of the bytes
    data: bytes
    source: SourceInfo
    file: str | None = None  # set for a large file whose bytes are read again when decoded (data is empty)
    size: int | None = None  # size in bytes when data is deferred

    def read(self) -> bytes:
        """The document's bytes (reading a deferred file again and checking it has not changed)."""
        if self.file is None:
            return self.data
        try:
            data = Path(self.file).read_bytes()
        except OSError as exc:
            raise DocumentError(self.path, "decode", f"cannot read file: {exc.strerror or exc}") from exc
        if hashlib.sha256(data).hexdigest() != self.doc_id:
            raise DocumentError(self.path, "decode", "file changed while the run was reading it")
        return data


@dataclass(frozen=True, slots=True)
class Document:
    """A decoded document ready for segmentation."""

    path: str
    doc_id: str
    text: str | Utf8Text  # a Utf8Text for a very large UTF-8 document (see decode)
    encoding: str
    n_bytes: int
    source: SourceInfo
    layout: Converted | None = None  # a PDF's pages or an HTML page's headings (tally.ingest.convert)


def read_manifest(raw: Path) -> dict[str, SourceInfo]:
    """Parse raw/sources.toml into file name -> SourceInfo (empty when there is no manifest).

    Raises ManifestError, naming the file and the problem, when the manifest cannot be used.
    """
    path = raw / MANIFEST
    if not path.exists() and not path.is_symlink():
        return {}
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the manifest: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: malformed manifest: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: malformed manifest: {exc}") from exc
    entries = data.get("document", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ManifestError(f"{path}: malformed manifest: 'document' must be a list of [[document]] tables")
    out: dict[str, SourceInfo] = {}
    allowed = set(SourceInfo.__dataclass_fields__)
    for i, entry in enumerate(entries):
        if "file" not in entry:
            raise ManifestError(f"{path}: [[document]] entry {i + 1} has no 'file'")
        if not isinstance(entry["file"], str) or not entry["file"]:
            raise ManifestError(f"{path}: [[document]] entry {i + 1}: 'file' must be a file name")
        unknown = set(entry) - allowed
        if unknown:
            raise ManifestError(f"{path}: entry for {entry['file']!r} has unknown keys {sorted(unknown)}")
        if entry["file"] in out:
            raise ManifestError(f"{path}: {entry['file']!r} has two [[document]] entries")
        bad = [k for k, v in entry.items() if k not in ("file", "published") and not isinstance(v, str)]
        if bad:
            raise ManifestError(f"{path}: entry for {entry['file']!r}: {', '.join(sorted(bad))} must be text")
        published = entry.get("published")
        country = _country_code(entry.get("country"))
        if entry.get("country") and country is None:
            raise ManifestError(f"{path}: entry for {entry['file']!r}: country {entry['country']!r} is not an ISO 3166-1 code")
        out[entry["file"]] = SourceInfo(**{**entry, "published": str(published) if published else None,
                                          "country": country})
    return out


def _country_code(value: str | None) -> str | None:
    """ISO alpha-3 for an alpha-3 or alpha-2 code, else None."""
    import pycountry

    if not value:
        return None
    c = pycountry.countries.get(alpha_3=value.upper()) if len(value) == 3 else (
        pycountry.countries.get(alpha_2=value.upper()) if len(value) == 2 else None)
    return c.alpha_3 if c else None


def manifest_warnings(manifest: dict[str, SourceInfo], paths: list[str]) -> list[str]:
    """Warnings for manifest entries that name no file in raw/ (a typo or a file not dropped yet)."""
    present = set(paths)
    return [f"{MANIFEST} lists {name!r}, which is not in the raw folder" for name in sorted(manifest)
            if name not in present]


def display_path(raw: Path, path: Path) -> str:
    """A file's path relative to raw/, POSIX separators, always valid UTF-8 (undecodable bytes as \\xNN)."""
    rel = path.relative_to(raw).as_posix()
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def _candidates(raw: Path) -> list[Path]:
    return sorted((p for p in raw.rglob("*")
                   if p.name not in _NOT_DOCUMENTS
                   and not any(part.startswith(".") for part in p.relative_to(raw).parts)),
                  key=lambda p: p.relative_to(raw).as_posix())


def scan(raw: Path) -> tuple[list[Path], list[tuple[str, str, str]]]:
    """Regular files below raw/ in a stable order, and (path, error class, reason) for entries that look
    like documents but cannot be read as files: broken links, FIFOs, sockets, devices. Nothing is opened,
    so a FIFO cannot hang the run."""
    files, refused = [], []
    root = raw.resolve()
    for p in _candidates(raw):
        try:
            st = p.stat()
        except OSError as exc:
            if p.is_symlink():
                refused.append((display_path(raw, p), "BrokenLink", f"symbolic link to {os.readlink(p)!r}, which does not exist"))
            else:
                refused.append((display_path(raw, p), "Unreadable", f"cannot stat: {exc.strerror or exc}"))
            continue
        if not p.resolve().is_relative_to(root):  # a link (or a link's link) whose real path leaves raw/
            refused.append((display_path(raw, p), "LinkOutsideRaw", _outside(p)))
        elif stat.S_ISREG(st.st_mode):
            files.append(p)
        elif not stat.S_ISDIR(st.st_mode):
            kind = "FIFO" if stat.S_ISFIFO(st.st_mode) else "socket" if stat.S_ISSOCK(st.st_mode) else "device"
            refused.append((display_path(raw, p), "NotARegularFile", f"a {kind}, not a regular file; skipped unread"))
    return files, refused


def _outside(p: Path) -> str:
    return f"symbolic link to {os.readlink(p) if p.is_symlink() else p.resolve()!s}, outside the raw folder; not read"


def list_documents(raw: Path) -> list[Path]:
    """Every regular file below raw/ that is a candidate document, in a stable order."""
    return scan(raw)[0]


def read_raw(raw: Path, path: Path, manifest: dict[str, SourceInfo]) -> RawDocument:
    """Read one file's bytes and attach its manifest entry (defaults when it has none).

    A file above DEFERRED_BYTES is only hashed here; its bytes are read again when it is decoded.
    """
    rel = display_path(raw, path)
    source = manifest.get(rel, SourceInfo(file=rel))
    try:
        if not path.resolve().is_relative_to(raw.resolve()):  # checked again: the link may have changed
            raise DocumentError(rel, "discover", _outside(path))
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise DocumentError(rel, "discover", "not a regular file")
        if st.st_size > DEFERRED_BYTES:
            h = hashlib.sha256()
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            return RawDocument(rel, h.hexdigest(), b"", source, file=str(path.resolve()), size=st.st_size)
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(rel, "discover", f"cannot read file: {exc.strerror or exc}") from exc
    return RawDocument(rel, hashlib.sha256(data).hexdigest(), data, source)


def decode(doc: RawDocument, large: int | None = None, convert_cache: Path | None = None) -> Document:
    """Decode a document's bytes to text; refuse empty and binary files with a clear reason.

    Order matters: a byte order mark first (UTF-16 and UTF-32 text is full of NUL bytes), then empty,
    binary (NUL bytes anywhere) and PDF, then strict UTF-8, then charset detection. Offsets index the
    decoded text, without the byte order mark. With `large`, UTF-8 text of more than that many characters
    is kept compressed (a Utf8Text) instead of as a str, which takes two or four bytes per character.
    """
    data = doc.read()
    n_bytes = len(data)
    if not data:
        raise DocumentError(doc.path, "decode", "empty document (0 bytes)")
    if (fmt := convert.format_of(doc.path, data)) is not None:  # PDF, HTML: the conversion stage
        return convert.document(doc, data, fmt, convert_cache)
    text = encoding = None
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text, encoding = _text(data, len(bom), codec, large), name
            except UnicodeDecodeError as exc:
                raise DocumentError(doc.path, "decode", f"starts with a {name} byte order mark but is not valid {name}: {exc.reason}") from exc
            break
    if text is None and b"\x00" in data:
        text, encoding = _utf32_without_bom(data) or _utf16_without_bom(data) or (None, None)
    if text is None:
        if b"\x00" in data:
            raise DocumentError(doc.path, "decode", "binary file (NUL bytes); only plain text is supported")
        try:
            text, encoding = _text(data, 0, "utf-8", large), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _mixed_utf8(data) or _detect(doc, data)
    del data
    if text.blank if isinstance(text, Utf8Text) else not text.strip():
        raise DocumentError(doc.path, "decode", "empty document (only white space)")
    return Document(doc.path, doc.doc_id, text, encoding, n_bytes, doc.source)


def _text(data: bytes, skip: int, codec: str, large: int | None) -> str | Utf8Text:
    """data[skip:] decoded with codec; UTF-8 of more than `large` characters as a Utf8Text."""
    if large is None or codec != "utf-8" or len(data) - skip <= large:
        return data[skip:].decode(codec)
    text = Utf8Text(data, skip)
    return text if len(text) > large else data[skip:].decode(codec)


def _detect(doc: RawDocument, data: bytes) -> tuple[str, str]:
    """Decode non-UTF-8 bytes with the encoding charset-normalizer finds most likely.

    tally reads English prose: when windows-1252 (the superset of latin-1 that Western legacy text uses)
    is among the least chaotic candidates, it wins; charset-normalizer alone often prefers cp1250 or cp775
    for short English text, which turns "½" into "˝" and "ï" into "ď".
    """
    from charset_normalizer import from_bytes

    results = from_bytes(data[:_DETECT_BYTES])
    best = results.best()
    if best is None:
        raise DocumentError(doc.path, "decode", "not text in any known encoding")
    least = min(m.chaos for m in results)
    candidates = [m.encoding for m in results if m.chaos <= least + 0.01 and "cp1252" in m.could_be_from_charset]
    for encoding in (["cp1252"] if candidates else []) + [best.encoding]:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    if len(data) > _DETECT_BYTES:  # the sample misled: look at everything
        best = from_bytes(data).best()
        if best is not None:
            return str(best), best.encoding
    raise DocumentError(doc.path, "decode", "not text in any known encoding")


# ---------------------------------------------------------------- mixed encodings, UTF-16/32 without a BOM

# A file that is valid UTF-8 but for at most this share of its bytes (and has valid multi-byte UTF-8 in
# it) is UTF-8 with a pasted-in legacy paragraph: read as UTF-8, each stray byte as cp1252.
MIXED_MAX_SHARE = 0.01
_CONTROL = {chr(c) for c in range(32)} - set("\t\n\r\f\v")
_mixed = threading.local()


def _cp1252_fallback(exc: UnicodeDecodeError) -> tuple[str, int]:
    """Codec error handler: each byte that is not UTF-8 read as cp1252 (one character per byte)."""
    _mixed.bad += exc.end - exc.start
    _mixed.first = exc.start if _mixed.first is None else _mixed.first
    if _mixed.bad > _mixed.limit:
        raise exc
    return exc.object[exc.start:exc.end].decode("cp1252", "replace"), exc.end


codecs.register_error("tally-cp1252", _cp1252_fallback)


def _mixed_utf8(data: bytes) -> tuple[str, str] | None:
    """UTF-8 text with a few non-UTF-8 bytes, decoded with those bytes read as cp1252; the encoding
    recorded says how many and where the first is. None when the file is not mostly UTF-8."""
    non_ascii = len(data) - len(data.translate(None, bytes(range(128, 256))))
    _mixed.bad, _mixed.first, _mixed.limit = 0, None, max(1, int(len(data) * MIXED_MAX_SHARE))
    try:
        text = data.decode("utf-8", "tally-cp1252")
    except UnicodeDecodeError:
        return None
    if non_ascii <= _mixed.bad:  # no valid multi-byte UTF-8 at all: a legacy encoding, let detection decide
        return None
    return text, f"utf-8; {_mixed.bad} bytes not UTF-8 read as cp1252 (first at byte {_mixed.first})"


def _utf32_without_bom(data: bytes) -> tuple[str, str] | None:
    """Text in UTF-32 without a byte order mark (three NUL bytes in every four, as BMP text has), decoded."""
    quarter = len(data) // 4
    if len(data) % 4 or quarter < 2:
        return None
    lanes = [data[i::4].count(0) for i in range(4)]
    for codec, top, low in (("utf-32-le", 3, 0), ("utf-32-be", 0, 3)):
        # the top byte is always NUL; the low byte (the character itself) almost never is
        if lanes[top] == quarter and lanes[low] <= 0.01 * quarter:
            return _plain_text(data, codec)
    return None


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """Text in UTF-16 without a byte order mark (every other byte NUL, as Latin-script text has), decoded."""
    half = len(data) // 2
    if len(data) % 2 or half < 2:
        return None
    nul_even, nul_odd = data[0::2].count(0), data[1::2].count(0)
    for codec, nul, other in (("utf-16-le", nul_odd, nul_even), ("utf-16-be", nul_even, nul_odd)):
        if nul >= 0.3 * half and other <= 0.01 * half:
            return _plain_text(data, codec)
    return None


def _plain_text(data: bytes, codec: str) -> tuple[str, str] | None:
    """data decoded with codec, or None when it does not decode or holds control characters (not text)."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    return None if any(c in _CONTROL for c in text) else (text, codec)
