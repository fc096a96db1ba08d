"""Conversion stage: PDF and HTML documents -> plain text with page and heading provenance.

The quantity engine keeps seeing plain text: a converted document's text is what every offset indexes,
and its `Converted` record says on which page (PDF) or under which headings (HTML) each offset lies.
Conversions are cached by content (the bytes' SHA-256 and the converter's version), like extraction.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import uuid
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tally.ingest.discover import Document, RawDocument

# File name endings read by a converter (anything else is plain text; a file starting with %PDF is a PDF).
FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".xhtml": "html"}
_PACKAGES = ("pypdfium2", "trafilatura", "lxml")


@dataclass(frozen=True)
class Converted:
    """A converted document's text and where its parts came from."""

    text: str
    format: str  # "pdf" or "html"
    encoding: str  # "pdf", or the HTML page's character encoding
    pages: tuple[int, ...] = ()  # offset where each page's text starts (page N is pages[N - 1])
    headings: tuple[tuple[int, int, str], ...] = ()  # (offset, level, text) of each HTML heading
    meta: dict = field(default_factory=dict)  # title, author, publisher, published found in the file

    def page_at(self, offset: int) -> int | None:
        """The 1-based page an offset lies on (None for a format without pages)."""
        return bisect_right(self.pages, offset) if self.pages else None

    def heading_paths(self) -> tuple[list[int], list[str]]:
        """For each heading's offset, the path of headings in force from there ("A > B > C")."""
        stack: list[tuple[int, str]] = []
        starts, paths = [], []
        for at, level, text in self.headings:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text))
            starts.append(at)
            paths.append(" > ".join(t for _, t in stack))
        return starts, paths

    def heading_path_at(self, offset: int) -> str | None:
        """The headings an offset sits under, outermost first, joined by " > " (None before the first)."""
        starts, paths = self.heading_paths()
        i = bisect_right(starts, offset) - 1
        return paths[i] if i >= 0 else None


class ConversionError(Exception):
    """A PDF or HTML file tally cannot read text from (the reason is the message)."""


def format_of(path: str, data: bytes) -> str | None:
    """"pdf" or "html" when a converter reads the file, else None (plain text)."""
    if data[:5] == b"%PDF-":
        return "pdf"
    return FORMATS.get(os.path.splitext(path)[1].lower())


@cache
def version() -> str:
    """The converter's version: its code and the versions of the libraries it uses."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as pkg

    h = hashlib.sha256()
    for f in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    for name in _PACKAGES:
        try:
            h.update(f"{name}={pkg(name)}".encode())
        except PackageNotFoundError:
            h.update(f"{name}=?".encode())
    return h.hexdigest()[:16]


def convert(data: bytes, fmt: str, cache_dir: Path | None = None) -> Converted:
    """The text of a PDF or HTML file (ConversionError with the reason when there is none)."""
    key = f"{hashlib.sha256(data).hexdigest()}-{version()}"
    if cache_dir is not None:
        hit = _load(cache_dir / key[:2] / f"{key}.pkl")
        if hit is not None:
            return hit
    out = _convert(data, fmt)
    if cache_dir is not None:
        _store(cache_dir / key[:2] / f"{key}.pkl", out)
    return out


def _convert(data: bytes, fmt: str) -> Converted:
    if fmt == "pdf":
        from tally.ingest.convert import pdf

        try:
            text, pages, meta = pdf.convert(data)
        except pdf.PdfRefused as exc:
            raise ConversionError(str(exc)) from exc
        return Converted(text, "pdf", "pdf", pages=tuple(pages), meta=meta)
    from tally.ingest.convert import html

    try:
        text, headings, encoding, meta = html.convert(data)
    except html.HtmlRefused as exc:
        raise ConversionError(str(exc)) from exc
    return Converted(text, "html", encoding, headings=tuple(headings), meta=meta)


def _load(path: Path) -> Converted | None:
    try:
        with open(path, "rb") as fh:
            out = pickle.load(fh)
        return out if isinstance(out, Converted) else None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None


def _store(path: Path, value: Converted) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    with open(tmp, "wb") as fh:
        pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def document(raw: "RawDocument", data: bytes, fmt: str, cache_dir: Path | None = None) -> "Document":
    """A converted Document: its text, encoding and layout; metadata found in the file fills the fields
    raw/sources.toml leaves empty (sources.toml wins)."""
    from dataclasses import replace

    from tally.ingest.discover import Document, DocumentError

    try:
        conv = convert(data, fmt, cache_dir)
    except ConversionError as exc:
        raise DocumentError(raw.path, "decode", str(exc)) from exc
    except Exception as exc:  # a converter library failing on odd input: refuse the file, keep the run
        raise DocumentError(raw.path, "decode", f"cannot convert the {fmt.upper()} file: {exc}") from exc
    if not conv.text.strip():
        raise DocumentError(raw.path, "decode", f"no text in the {fmt.upper()} file")
    m = conv.meta
    source = replace(raw.source, title=raw.source.title or m.get("title"),
                     publisher=raw.source.publisher or m.get("publisher") or m.get("author"),
                     published=raw.source.published or m.get("published"))
    return Document(raw.path, raw.doc_id, conv.text, conv.encoding, len(data), source, layout=conv)
