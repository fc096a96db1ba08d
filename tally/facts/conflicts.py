"""Conflicts: facts that read as the same claim but disagree (comparator, period, counterpart, denominator,
value), one row per disagreement group, and stated changes checked against the two levels they connect."""
from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from functools import cache

from tally.model import Conflict, Fact


def _conflict_id(kind: str, fact_ids: list[str]) -> str:
    """Content-based id of a conflict: its kind and the facts involved."""
    return "C" + hashlib.sha256(repr((kind, sorted(fact_ids))).encode()).hexdigest()[:12]


def _vkey(v: float | None) -> float | None:
    return None if v is None else float(f"{v:.9g}")


@cache
def _related() -> dict[str, set[str]]:
    from schemas import vocab

    rel: dict[str, set[str]] = defaultdict(set)
    for code, g in vocab.groups().items():
        for r in (g.get("related") or []) + (g.get("members") or []):
            rel[code].add(r)
            rel[r].add(code)
    return rel


def _year_bounds(f: Fact) -> tuple[int | None, int | None]:
    return _years(f.period_start, f.period_end)


@cache
def _years(start: str | None, end: str | None) -> tuple[int | None, int | None]:
    return (int(start[:4]) if start else None), (int(end[:4]) if end else None)


def _near_periods(a: Fact, b: Fact) -> bool:
    """Periods that could be the same time written two ways: one open-ended, or touching/overlapping."""
    a0, a1 = _year_bounds(a)
    b0, b1 = _year_bounds(b)
    if None in (a0, a1) or None in (b0, b1):
        return True
    return a0 <= b1 + 1 and b0 <= a1 + 1


def _period_text(f: Fact) -> str:
    if not f.period_start and not f.period_end:
        return "no period"
    return f"{f.period_start or '…'}/{f.period_end or '…'}"


def _fmt(v: float | None) -> str:
    """Readable number: 400000000000 -> 400,000,000,000; 6.7 -> 6.7."""
    if v is None:
        return "?"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.6g}"


def _buckets(items: list[Fact], key) -> list[list[Fact]]:
    """Facts grouped by a key, in first-seen order (indexes keep conflict search linear in the facts)."""
    out: dict = defaultdict(list)
    for f in items:
        out[key(f)].append(f)
    return list(out.values())


def _pairs(group: list[Fact]):
    for i, a in enumerate(group):
        for b in group[i + 1:]:
            yield a, b


Row = tuple[str, list[str], str]  # kind, fact ids, note


def _statement_pairs(facts: list[Fact]) -> list[Row]:
    """One value stated with another comparator, period or related counterpart (pairs inside small buckets:
    same claim and the same value, so the cost stays linear in the facts)."""
    rows: list[Row] = []
    for bucket in _buckets(facts, lambda f: (f.indicator, f.subject, f.measure, f.unit, _vkey(f.value))):
        if len(bucket) < 2 or bucket[0].value is None:
            continue
        for a, b in _pairs(bucket[:50]):
            if a.counterpart != b.counterpart:
                if a.counterpart and b.counterpart and b.counterpart in _related().get(a.counterpart, ()):
                    rows.append(("counterpart", [a.fact_id, b.fact_id],
                                 f"{a.indicator} {a.subject}: {_fmt(a.value)} {a.unit} to {a.counterpart} "
                                 f"({a.comparator}, {_period_text(a)}) vs to {b.counterpart} "
                                 f"({b.comparator}, {_period_text(b)}); {a.counterpart} and {b.counterpart} are not the same party"))
                continue
            same_period = (a.period_start, a.period_end) == (b.period_start, b.period_end)
            if a.comparator != b.comparator:
                extra = "" if same_period else f"; periods also differ ({_period_text(a)} vs {_period_text(b)})"
                rows.append(("comparator", [a.fact_id, b.fact_id],
                             f"{a.indicator} {a.subject}: '{a.comparator} {_fmt(a.value)}' vs '{b.comparator} {_fmt(b.value)}' {a.unit}{extra}"))
            elif not same_period and _near_periods(a, b):
                rows.append(("period", [a.fact_id, b.fact_id],
                             f"{a.indicator} {a.subject}: {_fmt(a.value)} {a.unit} dated {_period_text(a)} vs {_period_text(b)}"))
    return rows


_NO_NAMES = (frozenset(), frozenset())


def _disagree(a: tuple, b: tuple) -> bool:
    """Two values of one dated claim that disagree: from different documents, or from different passages of
    one document that name the figure with the same measured phrase (a summary restated in the body);
    values side by side in one passage, or with phrases of their own, are sub-series (CPI components, crops).
    a, b: (value key, documents, measured phrases, passages) of each fact."""
    if a[0] == b[0]:
        return False
    if not a[1] & b[1]:
        return True
    return not a[3] & b[3] and bool(a[2] & b[2])


def _value_groups(facts: list[Fact], phrases: dict[str, tuple[frozenset, frozenset]]) -> list[Row]:
    """Different values for one dated claim: one row per group of facts that disagree."""
    rows: list[Row] = []
    dated = [f for f in facts if f.value is not None and (f.period_start or f.period_end)]
    for bucket in _buckets(dated, lambda f: (f.indicator, f.subject, f.counterpart, f.measure, f.unit, f.comparator,
                                             f.period_start, f.period_end)):
        if len({_vkey(f.value) for f in bucket}) < 2:
            continue
        head = bucket[:50]
        info = [(_vkey(f.value), frozenset(f.doc_ids), *phrases.get(f.fact_id, _NO_NAMES)) for f in head]
        pairs = [[head[i].fact_id, head[j].fact_id] for i in range(len(head)) for j in range(i + 1, len(head))
                 if _disagree(info[i], info[j])]
        for group in _components(pairs):
            members = [f for f in bucket if f.fact_id in group]
            values = sorted({f.value for f in members})
            shown = " vs ".join(_fmt(v) for v in values[:6]) + (f" (+{len(values) - 6} more values)" if len(values) > 6 else "")
            ndocs = len({d for f in members for d in f.doc_ids})
            where = f"in {ndocs} documents" if ndocs > 1 else "in one document"
            rows.append(("value", sorted(group), f"{members[0].indicator} {members[0].subject} "
                                                 f"{_period_text(members[0])}: {shown} {members[0].unit} {where}"))
    return rows


def _denominators(facts: list[Fact]) -> list[Row]:
    """The same share of the same two parties under two denominators ("45% of Europe's crude" vs "45% of its
    exports")."""
    rows: list[Row] = []
    shares = [f for f in facts if f.measure == "share" and f.subject and f.counterpart and f.value is not None]
    for bucket in _buckets(shares, lambda f: (frozenset((f.subject, f.counterpart)), _vkey(f.value))):
        for a, b in _pairs(bucket):
            if a.indicator != b.indicator:
                rows.append(("denominator", [a.fact_id, b.fact_id],
                             f"{_fmt(a.value)}% stated as {a.indicator} ({a.subject}<-{a.counterpart}) and as "
                             f"{b.indicator} ({b.subject}->{b.counterpart}): one number, two denominators"))
    return rows


def _components(edges: list[list[str]]) -> list[set[str]]:
    """Connected groups of fact ids (union-find over the disagreeing pairs), in first-seen order."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for ids in edges:
        for other in ids[1:]:
            parent[root(other)] = root(ids[0])
    groups: dict[str, set[str]] = {}
    for x in parent:
        groups.setdefault(root(x), set()).add(x)
    return list(groups.values())


def _grouped(rows: list[Row]) -> list[Row]:
    """One row per disagreement group: pairs sharing a fact become one row listing every member, its kinds
    joined with '+' and its notes with '; '."""
    out: list[Row] = []
    groups = _components([ids for _, ids, _ in rows])
    where = {x: gi for gi, g in enumerate(groups) for x in g}
    rows_of: list[list[Row]] = [[] for _ in groups]
    for r in rows:  # indexed by group: a scan of every row per group was quadratic in the conflicts
        rows_of[where[r[1][0]]].append(r)
    for group, members in zip(groups, rows_of):
        kinds = "+".join(sorted({k for k, _, _ in members}))
        out.append((kinds, sorted(group), "; ".join(dict.fromkeys(n for _, _, n in members))))
    return out


def find_conflicts(facts: list[Fact], phrases: dict[str, tuple[frozenset, frozenset]] | None = None) -> list[Conflict]:
    """Facts that state what reads as the same claim differently, plus failed arithmetic checks: one row per
    group of facts that disagree (three statements that disagree are one conflict listing all three), within
    a document as well as across documents. `phrases`: fact id -> its mentions' measured phrases and passages."""
    rows = _grouped(_statement_pairs(facts)) + _value_groups(facts, phrases or {}) + _grouped(_denominators(facts))
    rows += _arithmetic(facts)
    rows.sort(key=lambda r: (r[1], r[0]))
    return [Conflict(_conflict_id(kind, ids), kind, ids, note) for kind, ids, note in rows]


@cache
def _level_codes(change_code: str) -> tuple[str, ...]:
    from schemas import vocab

    cat = vocab.indicators()
    entry = cat.get(change_code) or {}
    if entry.get("level"):
        return (entry["level"],)
    stem = re.sub(r"_change$", "", change_code)
    return tuple(c for c in (stem, f"{stem}_value", f"{stem}s", re.sub(r"_export$", "_exports", stem)) if c in cat)


def _half_unit(v: float) -> float:
    """Half the place value of the last printed digit of a level (38.1e9 -> 0.05e9)."""
    v = abs(v)
    if v == 0:
        return 0.5
    k = math.floor(math.log10(v))
    for p in range(k, k - 12, -1):
        unit = 10.0 ** p
        if math.isclose(round(v / unit) * unit, v, rel_tol=1e-9):
            return unit / 2
    return 0.0


def _decimals_half(v: float) -> float:
    s = f"{abs(v):.6f}".rstrip("0").rstrip(".")
    d = len(s.split(".")[1]) if "." in s else 0
    return 0.5 * 10 ** (-d)


def _arithmetic(facts: list[Fact]) -> list[tuple[str, list[str], str]]:
    """Check each stated percent change against two levels of the same series at its period's ends."""
    out = []
    level_index: dict[tuple, list[Fact]] = defaultdict(list)
    for f in facts:
        if f.measure == "level" and f.value and f.period_start and f.period_start == f.period_end:
            level_index[(f.indicator, f.subject, f.counterpart, f.period_start)].append(f)
    for c in facts:
        if c.measure != "change" or c.unit != "percent" or c.value is None or not (c.period_start and c.period_end):
            continue
        if c.period_start == c.period_end:
            continue
        at = lambda p: [f for code in _level_codes(c.indicator)  # noqa: E731
                        for f in level_index.get((code, c.subject, c.counterpart, p), [])]
        l0, l1 = at(c.period_start), at(c.period_end)
        if len(l0) != 1 or len(l1) != 1 or l0[0].unit != l1[0].unit:
            continue
        a, b = l0[0], l1[0]
        ra, rb = _half_unit(a.value), _half_unit(b.value)
        corners = [((vb - va) / va * 100) for va in (a.value - ra, a.value + ra) for vb in (b.value - rb, b.value + rb) if va]
        lo, hi = min(corners), max(corners)
        implied = (b.value - a.value) / a.value * 100
        s = c.value
        rs = _decimals_half(s)
        if c.comparator == "~":
            slack = max(2.5, 0.05 * abs(s))
            s_lo, s_hi = s - rs - slack, s + rs + slack
        elif c.comparator in (">", ">="):  # magnitude at least |s|
            s_lo, s_hi = (s - rs, math.inf) if s >= 0 else (-math.inf, s + rs)
        elif c.comparator in ("<", "<="):
            s_lo, s_hi = (-math.inf if s < 0 else 0.0, s + rs) if s >= 0 else (s - rs, 0.0)
        else:
            s_lo, s_hi = s - rs, s + rs
        if hi < s_lo or lo > s_hi:
            out.append(("arithmetic", [c.fact_id, a.fact_id, b.fact_id],
                        f"{c.indicator} {c.subject}: stated {c.comparator} {_fmt(s)}% from {a.period_end} to {b.period_end}, "
                        f"but the levels {_fmt(a.value)} -> {_fmt(b.value)} {a.unit} imply {implied:.1f}%"))
    return out
