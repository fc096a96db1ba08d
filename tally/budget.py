"""A per-document time budget, checked cooperatively between passages: one pathological document is
quarantined with the reason instead of stalling a scheduled run. (Python cannot stop a thread from
outside, and signals reach only the main thread, so the stages themselves look at the clock.)"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

# Seconds one document may spend in extraction and resolution (TALLY_DOC_SECONDS; 0 = no limit).
# Ordinary documents take well under a second per megabyte.
DEFAULT_SECONDS = 300.0

_deadline: ContextVar[float | None] = ContextVar("tally_doc_deadline", default=None)


class DocumentTimeout(Exception):
    """A document used up its time budget."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"took longer than its time budget of {seconds:g} s (TALLY_DOC_SECONDS); skipped")
        self.seconds = seconds


def budget_seconds() -> float:
    """The configured budget per document, in seconds (0 = unlimited)."""
    raw = os.environ.get("TALLY_DOC_SECONDS", "").strip()
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_SECONDS
    except ValueError:
        return DEFAULT_SECONDS


@contextmanager
def budget(seconds: float | None = None) -> Iterator[None]:
    """Run the block under a deadline of `seconds` from now (the configured budget when None)."""
    seconds = budget_seconds() if seconds is None else seconds
    token = _deadline.set(time.perf_counter() + seconds if seconds > 0 else None)
    try:
        yield
    finally:
        _deadline.reset(token)


def check() -> None:
    """Raise DocumentTimeout when the current document's deadline has passed."""
    deadline = _deadline.get()
    if deadline is not None and time.perf_counter() > deadline:
        raise DocumentTimeout(budget_seconds())
