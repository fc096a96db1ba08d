"""A document's state as it moves through the stages: read, segmented, extracted, or refused and why."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

    from tally.facts.reconcile import QuoteSpans
    from tally.ingest import discover as disc
    from tally.ingest.segment import Passage


@dataclass(frozen=True)
class QuarantineRow:
    """A document refused at some stage, and why."""

    path: str
    sha256: str | None
    stage: str
    error_class: str
    message: str


@dataclass
class Segmented:
    """A decoded document and its passages."""

    doc: disc.Document
    passages: list[Passage]
    key: str | None = None  # extraction cache key, when a cache is in use


@dataclass
class Extracted:
    """A document's passages and resolved mentions, as tables (tally.columns)."""

    doc: disc.Document
    passages: pa.Table
    mentions: pa.Table
    quotes: QuoteSpans | None = None  # the classified mentions' quote spans, worked out by the batch's worker


@dataclass
class Discovered:
    """Documents found in raw/, plus the ones that could not even be read."""

    documents: list[disc.RawDocument]
    quarantine: list[QuarantineRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. a manifest entry for a file that is not there
