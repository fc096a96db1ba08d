"""Find the documents in raw/, join them with the manifest, and decode their text."""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "sources.toml"
# Files in raw/ that describe the folder rather than being documents.
_NOT_DOCUMENTS = {MANIFEST, "README.md", "README", ".gitkeep"}


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


@dataclass(frozen=True, slots=True)
class RawDocument:
    """A document's bytes and metadata, before decoding."""

    path: str  # relative to the raw folder, POSIX separators
    doc_id: str  # sha256 of the bytes
    data: bytes
    source: SourceInfo


@dataclass(frozen=True, slots=True)
class Document:
    """A decoded document ready for segmentation."""

    path: str
    doc_id: str
    text: str
    encoding: str
    n_bytes: int
    source: SourceInfo


def read_manifest(raw: Path) -> dict[str, SourceInfo]:
    """Parse raw/sources.toml into file name -> SourceInfo (empty when there is no manifest)."""
    path = raw / MANIFEST
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: malformed manifest: {exc}") from exc
    out: dict[str, SourceInfo] = {}
    allowed = set(SourceInfo.__dataclass_fields__)
    for i, entry in enumerate(data.get("document", [])):
        if "file" not in entry:
            raise ValueError(f"{path}: [[document]] entry {i + 1} has no 'file'")
        unknown = set(entry) - allowed
        if unknown:
            raise ValueError(f"{path}: entry for {entry['file']!r} has unknown keys {sorted(unknown)}")
        published = entry.get("published")
        out[entry["file"]] = SourceInfo(**{**entry, "published": str(published) if published else None})
    return out


def list_documents(raw: Path) -> list[Path]:
    """Every regular file below raw/ that is a candidate document, in a stable order."""
    files = [p for p in raw.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(raw).parts)]
    return sorted((p for p in files if p.name not in _NOT_DOCUMENTS), key=lambda p: p.relative_to(raw).as_posix())


def read_raw(raw: Path, path: Path, manifest: dict[str, SourceInfo]) -> RawDocument:
    """Read one file's bytes and attach its manifest entry (defaults when it has none)."""
    rel = path.relative_to(raw).as_posix()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(rel, "discover", f"cannot read file: {exc.strerror or exc}") from exc
    return RawDocument(rel, hashlib.sha256(data).hexdigest(), data, manifest.get(rel, SourceInfo(file=rel)))


def decode(doc: RawDocument) -> Document:
    """Decode a document's bytes to text; refuse empty and binary files with a clear reason."""
    data = doc.data
    if not data.strip():
        raise DocumentError(doc.path, "decode", "empty document (no text)")
    if b"\x00" in data[:65536]:
        raise DocumentError(doc.path, "decode", "binary file (NUL bytes); only plain text is supported")
    if data.startswith(b"%PDF"):
        raise DocumentError(doc.path, "decode", "PDF file; convert it to text first")
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
        if text.startswith("\ufeff"):
            text, encoding = text[1:], "utf-8-sig"
    except UnicodeDecodeError:
        text, encoding = _detect(doc)
    return Document(doc.path, doc.doc_id, text, encoding, len(data), doc.source)


def _detect(doc: RawDocument) -> tuple[str, str]:
    """Decode non-UTF-8 bytes with the encoding charset-normalizer finds most likely."""
    from charset_normalizer import from_bytes

    best = from_bytes(doc.data).best()
    if best is None:
        raise DocumentError(doc.path, "decode", "not text in any known encoding")
    return str(best), best.encoding
