"""Per-document cache of extraction results, so unchanged documents are not re-extracted.

A document's passages and mentions depend only on its bytes, its manifest entry (the published date
resolves relative periods), the extractor and resolver code, and the indicator catalog; the cache key
is a hash of exactly those. Entries are pickles written atomically under the warehouse folder.
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
from tally import quantities

# Modules whose code decides what a document's passages and mentions are.
_STAGE_MODULES = ("text", "segment", "quantities", "entities", "periods", "indicators", "mentions", "model")


@cache
def code_fingerprint(modules: tuple[str, ...]) -> str:
    """Hash of the source of the named tally modules (and of schemas/tables.py)."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for path in [here / f"{name}.py" for name in modules] + [here.parent / "schemas" / "tables.py"]:
        if path.exists():
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def extractor_version() -> str:
    """The declared extractor version plus a fingerprint of the stage code (edits invalidate the cache)."""
    return f"{quantities.EXTRACTOR_VERSION}+{code_fingerprint(_STAGE_MODULES)}"


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
