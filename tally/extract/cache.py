"""Per-document cache of extraction results, so unchanged documents are not re-extracted.

A document's passages and mentions depend only on its bytes, its manifest entry (the published date
resolves relative periods), the ingest, extract and resolve code, every file in schemas/ and the
data packages' versions; the cache key is a hash of exactly those. Entries are pickles written atomically under the warehouse folder.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import uuid
from dataclasses import astuple
from functools import cache
from pathlib import Path
from typing import Any

from schemas.vocab import catalog_version
from tally.extract import quantities

# What decides a document's passages and mentions (and their cached tables): the stage code, every vocabulary and
# model in schemas/, and the versions of the data packages the resolvers read (pycountry).
_STAGE_CODE = ("tally/model.py", "tally/columns.py", "tally/ingest", "tally/extract", "tally/resolve")
_DATA_PACKAGES = ("pycountry",)


def _files(root: Path, parts: tuple[str, ...]) -> list[Path]:
    """The source and data files under `parts` of `root`, in a stable order."""
    out: list[Path] = []
    for part in parts:
        p = root / part
        if p.is_file():
            out.append(p)
        elif p.is_dir():
            out.extend(f for f in p.rglob("*") if f.is_file() and f.suffix in {".py", ".yaml", ".yml", ".toml", ".json"}
                       and "__pycache__" not in f.parts)
    return sorted(set(out), key=lambda f: f.relative_to(root).as_posix())


@cache
def code_fingerprint(parts: tuple[str, ...]) -> str:
    """Hash of the files under `parts` of the project root (paths and bytes)."""
    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256()
    for path in _files(root, parts):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


@cache
def data_versions() -> str:
    """Installed versions of the data packages whose contents the resolvers read."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in _DATA_PACKAGES:
        try:
            out.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            out.append(f"{name}=?")
    return ",".join(out)


def extractor_version() -> str:
    """The declared extractor version plus a fingerprint of stage code, schemas/ and data packages."""
    fp = hashlib.sha256(f"{code_fingerprint(_STAGE_CODE + ('schemas',))}|{data_versions()}".encode()).hexdigest()[:12]
    return f"{quantities.EXTRACTOR_VERSION}+{fp}"


def cache_key(doc_id: str, source: Any, extractor: str | None = None, catalog: str | None = None) -> str:
    """Key of one document's extraction: bytes, manifest entry, extractor version, catalog version."""
    parts = [doc_id, repr(astuple(source)), extractor or extractor_version(), catalog or catalog_version()]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class ExtractCache:
    """A folder of pickled extraction results keyed by `cache_key`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pkl"

    def get(self, key: str) -> Any | None:
        """The cached value, or None when absent or unreadable (a damaged entry is just a miss)."""
        try:
            with open(self._path(key), "rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return None

    def put(self, key: str, value: Any) -> None:
        """Store a value atomically (write to a temp file, then rename)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        with open(tmp, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)

    def prune(self, keep: set[str]) -> int:
        """Delete entries not in `keep` (documents gone from raw/ or stale versions); return how many."""
        removed = 0
        if not self.folder.is_dir():
            return 0
        for p in self.folder.glob("*/*.pkl"):
            if p.stem not in keep:
                p.unlink(missing_ok=True)
                removed += 1
        return removed
