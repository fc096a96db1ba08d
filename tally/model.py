"""Row types shared by the pipeline stages: one dataclass per warehouse table."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DocContext:
    """What the resolvers may know about a document besides its passages."""

    doc_id: str
    text: str
    title: str | None = None
    published: str | None = None  # ISO date (YYYY, YYYY-MM or YYYY-MM-DD) or None when unknown
    publisher: str | None = None
    country: str | None = None  # publisher's country (ISO alpha-3), from sources.toml `country`


@dataclass(slots=True)
class Mention:
    """One quantity occurrence with its context; offsets index the whole document."""

    doc_id: str
    mention_id: str
    passage_id: str
    start: int
    end: int
    text: str
    value: float | None
    low: float | None
    high: float | None
    unit: str
    comparator: str
    change: str | None
    measure: str | None = None
    indicator: str | None = None
    subject: str | None = None
    counterpart: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    period_rule: str | None = None  # the period rule that decided period_start/period_end (NULL: no period)
    note: str | None = None  # why a field was left open (e.g. "relative period, document undated")
    # what the figure measures and which rules decided (issue 15)
    measured: str | None = None  # the phrase naming what is measured; == text of the document at the span
    measured_start: int | None = None
    measured_end: int | None = None
    subject_rule: str | None = None  # the party rules that decided subject / counterpart
    indicator_reason: str | None = None  # which cue of which entry, and which rule, gave the indicator
    subdivision: str | None = None  # ISO 3166-2 code when the subject is a part of its country


@dataclass(slots=True)
class Fact:
    """A distinct claim: one or more mentions that state the same thing."""

    fact_id: str
    indicator: str | None
    subject: str | None
    counterpart: str | None
    measure: str | None
    value: float | None  # declines are negative for measure == "change"
    unit: str
    comparator: str
    period_start: str | None
    period_end: str | None
    n_mentions: int
    mention_ids: list[str] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)
    quote: str | None = None


@dataclass(slots=True)
class Conflict:
    """Statements of what reads as the same claim that disagree, or arithmetic that does not add up."""

    conflict_id: str
    kind: str
    fact_ids: list[str]
    note: str
