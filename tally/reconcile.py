"""Collapse mentions that state the same claim into facts, and flag where statements disagree."""
from __future__ import annotations

from collections import defaultdict

from tally.model import Conflict, Fact, Mention


def _key(m: Mention) -> tuple:
    return (m.indicator, m.subject, m.counterpart, m.measure, m.unit, m.period_start, m.period_end,
            m.value, m.comparator, m.change)


def reconcile(mentions: list[Mention], texts: dict[str, str] | None = None) -> tuple[list[Fact], list[Conflict]]:
    """Group identical claims into facts (placeholder: exact-key grouping, no conflicts)."""
    groups: dict[tuple, list[Mention]] = defaultdict(list)
    for m in mentions:
        if m.indicator is None:
            continue
        groups[_key(m)].append(m)
    facts = []
    for i, (k, ms) in enumerate(sorted(groups.items(), key=lambda kv: (kv[1][0].doc_id, kv[1][0].start)), 1):
        m0 = ms[0]
        value = m0.value
        if m0.measure == "change" and m0.change == "down" and value is not None:
            value = -value
        facts.append(Fact(f"F{i:04d}", m0.indicator, m0.subject, m0.counterpart, m0.measure, value, m0.unit,
                          m0.comparator, m0.period_start, m0.period_end, len(ms),
                          [m.mention_id for m in ms], sorted({m.doc_id for m in ms}), None))
    return facts, []
