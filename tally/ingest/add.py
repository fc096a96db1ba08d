"""`tally add`: copy a file or download a URL into raw/ and append its sources.toml entry.

The entry holds what the file itself says (a PDF's metadata, a page's meta tags: title, author or
publisher, date); a second add of the same bytes changes nothing. Downloads are retried on network
errors and server errors, and refused past a size limit.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from tally.ingest import convert
from tally.ingest import discover as disc

MAX_BYTES = 100 * 2**20
_USER_AGENT = "tally-add/0.1"
_TYPES = {"application/pdf": ".pdf", "text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt"}


class AddError(ValueError):
    """A document that cannot be added; the message names it and the reason."""


@dataclass
class Added:
    """What `add` did with one source."""

    source: str
    file: str  # name in raw/
    added: bool  # False: the same bytes were already there
    entry: dict[str, str] = field(default_factory=dict)
    note: str | None = None  # e.g. why the run will quarantine the file

    def line(self) -> str:
        """One line for the CLI."""
        if not self.added:
            return f"{self.source}: already in raw/ as {self.file} (same bytes); nothing changed"
        meta = ", ".join(f"{k} {v!r}" for k, v in self.entry.items() if k != "file")
        return f"{self.source}: added as {self.file}" + (f" ({meta})" if meta else "") + (f"; {self.note}" if self.note else "")


def is_url(source: str) -> bool:
    """Whether a source is an http(s) URL rather than a path."""
    return urllib.parse.urlsplit(source).scheme in ("http", "https")


def download(url: str, max_bytes: int = MAX_BYTES, attempts: int = 4, backoff: float = 0.5,
             timeout: float = 30) -> tuple[bytes, str | None]:
    """The bytes at a URL and its content type; retried on network and 5xx errors, refused above max_bytes."""
    for attempt in range(1, attempts + 1):
        try:
            req = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                size = resp.headers.get("Content-Length")
                if size and size.isdigit() and int(size) > max_bytes:
                    raise AddError(f"{url}: {int(size):,} bytes, more than the limit of {max_bytes:,}")
                data = resp.read(max_bytes + 1)
                if len(data) > max_bytes:
                    raise AddError(f"{url}: more than the limit of {max_bytes:,} bytes")
                return data, resp.headers.get_content_type()
        except urllib.error.HTTPError as exc:
            if exc.code < 500 or attempt == attempts:
                raise AddError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            if attempt == attempts:
                raise AddError(f"{url}: cannot download: {getattr(exc, 'reason', exc)}") from exc
        time.sleep(backoff * 2 ** (attempt - 1))
    raise AddError(f"{url}: cannot download")  # not reached


def file_name(source: str, content_type: str | None, data: bytes) -> str:
    """A safe file name for raw/: the path's or URL's last part, with the extension its content calls for."""
    if is_url(source):
        name = urllib.parse.unquote(urllib.parse.urlsplit(source).path.rstrip("/").rsplit("/", 1)[-1])
        name = name or urllib.parse.urlsplit(source).hostname or "page"
    else:
        name = Path(source).name
    name = re.sub(r"[^\w.\-() ]+", "_", name).strip(" ._") or "document"
    stem, ext = os.path.splitext(name)
    want = ".pdf" if data[:5] == b"%PDF-" else _TYPES.get(content_type or "")
    if want == ".html" and ext.lower() not in (".htm", ".html", ".xhtml"):
        return name + ".html"
    if (want == ".pdf" and ext.lower() != ".pdf") or (want == ".txt" and not ext):
        return name + want
    return name


def _free(raw: Path, name: str) -> str:
    """name, or name-2, name-3, ... when raw/ already has a file of that name."""
    stem, ext = os.path.splitext(name)
    out, n = name, 1
    while (raw / out).exists() or (raw / out).is_symlink():
        n += 1
        out = f"{stem}-{n}{ext}"
    return out


def _same_bytes(raw: Path, digest: str) -> str | None:
    """The raw/ file (relative path) holding exactly these bytes, if any."""
    for path in disc.list_documents(raw):
        try:
            with open(path, "rb") as fh:
                if hashlib.file_digest(fh, "sha256").hexdigest() == digest:
                    return disc.display_path(raw, path)
        except OSError:
            continue
    return None


def _entry(name: str, data: bytes) -> tuple[dict[str, str], str | None]:
    """The sources.toml entry for a file (metadata its converter finds) and a note when it has no text."""
    entry = {"file": name}
    fmt = convert.format_of(name, data)
    if fmt is None:
        return entry, None
    try:
        meta = convert.convert(data, fmt).meta
    except convert.ConversionError as exc:
        return entry, f"tally run will quarantine it: {exc}"
    for key, value in (("title", meta.get("title")), ("publisher", meta.get("publisher") or meta.get("author")),
                       ("published", meta.get("published"))):
        if value:
            entry[key] = value
    return entry, None


def _append_entry(raw: Path, entry: dict[str, str], origin: str) -> None:
    """Append a [[document]] table to raw/sources.toml (JSON strings are valid TOML basic strings)."""
    manifest = raw / disc.MANIFEST
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    lines = ["", f"# added by `tally add` on {stamp} from {origin}", "[[document]]"]
    lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in entry.items()]
    old = manifest.read_text(encoding="utf-8") if manifest.exists() else ""
    text = old + ("" if not old or old.endswith("\n") else "\n") + "\n".join(lines) + "\n"
    tmp = manifest.with_name(f".{manifest.name}.{uuid.uuid4().hex}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, manifest)


def add(source: str, raw: Path, max_bytes: int = MAX_BYTES, **download_options) -> Added:
    """Copy or download one document into raw/ and describe it in sources.toml (AddError when it cannot)."""
    if not raw.is_dir():
        raise AddError(f"raw folder not found: {raw}")
    try:
        manifest = disc.read_manifest(raw)
    except disc.ManifestError as exc:
        raise AddError(str(exc)) from exc
    if is_url(source):
        data, content_type = download(source, max_bytes, **download_options)
    else:
        path = Path(source)
        if not path.is_file():
            raise AddError(f"{source}: no such file")
        if path.stat().st_size > max_bytes:
            raise AddError(f"{source}: {path.stat().st_size:,} bytes, more than the limit of {max_bytes:,}")
        data, content_type = path.read_bytes(), None
    if not data:
        raise AddError(f"{source}: empty (0 bytes)")
    digest = hashlib.sha256(data).hexdigest()
    if (there := _same_bytes(raw, digest)) is not None:
        return Added(source, there, False)
    name = _free(raw, file_name(source, content_type, data))
    entry, note = _entry(name, data)
    tmp = raw / f".{name}.{uuid.uuid4().hex}"
    tmp.write_bytes(data)
    os.replace(tmp, raw / name)
    if name not in manifest:
        _append_entry(raw, entry, source)
    return Added(source, name, True, entry, note)
