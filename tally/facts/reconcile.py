"""Collapse mentions that state the same claim into facts, and flag where statements disagree.

A claim is (indicator, subject, counterpart, measure, unit, period, signed value, comparator). A mention that
only leaves something out (no period, or an open bound where another statement of the same claim has one)
joins the single fuller statement it is compatible with. Facts that read as the same claim but disagree
(comparator, period, counterpart, denominator, value) become conflict rows, and a stated change is checked
against the two levels it connects (arithmetic).
"""
from __future__ import annotations

import hashlib
import math
import re
from array import array
from bisect import bisect_left
from collections import defaultdict
from functools import cache
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, NamedTuple

from tally.model import Conflict, Fact, Mention
from tally.ingest.text import Utf8Text

if TYPE_CHECKING:
    import numpy as np



def fact_id(base: tuple, period: tuple) -> str:
    """Content-based id: the same claim keeps its id whatever else is in the corpus."""
    return "F" + hashlib.sha256(repr((base, period)).encode()).hexdigest()[:12]


def _conflict_id(kind: str, fact_ids: list[str]) -> str:
    """Content-based id of a conflict: its kind and the facts involved."""
    return "C" + hashlib.sha256(repr((kind, sorted(fact_ids))).encode()).hexdigest()[:12]


def _signed(m: Mention) -> float | None:
    if m.value is None:
        return None
    return -m.value if (m.measure == "change" and m.change == "down") else m.value


def _vkey(v: float | None) -> float | None:
    return None if v is None else float(f"{v:.9g}")


def _base(m: Mention) -> tuple:
    return (m.indicator, m.subject, m.counterpart, m.measure, m.unit, m.comparator, _vkey(_signed(m)))


def _compatible(less: tuple, more: tuple) -> bool:
    """`less` only leaves out bounds that `more` gives (and gives fewer)."""
    if less == more:
        return False
    ok = all(a is None or a == b for a, b in zip(less, more))
    return ok and sum(x is not None for x in more) > sum(x is not None for x in less)


class _Member(NamedTuple):
    """What reconcile keeps of a mention once its claim is known."""

    doc_id: str
    start: int
    end: int
    mention_id: str
    measured: str | None = None
    reason: str | None = None  # the mention's indicator_reason
    passage_id: str = ""


@dataclass(frozen=True)
class Bundle:
    """Mentions of one document that agree on every field reconcile reads but their offsets and ids, as
    columns: how a very large document's mentions enter reconcile (an object each would cost hundreds of MB)."""

    first: Mention  # the first of them: the claim's fields
    starts: np.ndarray  # int64, ascending
    ends: np.ndarray
    ids: list[str]  # their mention ids, in the same order


@dataclass(frozen=True)
class _Claim:
    """The mentions stating one claim, in document order, as columns."""

    docs: list[str]  # the documents, sorted
    doc: np.ndarray  # index into docs, per mention
    start: np.ndarray
    end: np.ndarray
    ids: list[str]

    @classmethod
    def of(cls, items: list[_Member | Bundle]) -> "_Claim":
        """Columns of members and bundles, ordered by (document, start)."""
        import numpy as np

        small = [it for it in items if isinstance(it, _Member)]
        big = [it for it in items if isinstance(it, Bundle)]
        docs = sorted({m.doc_id for m in small} | {b.first.doc_id for b in big})
        rank = {d: r for r, d in enumerate(docs)}
        doc = np.concatenate([np.array([rank[m.doc_id] for m in small], dtype=np.int64)]
                             + [np.full(len(b.starts), rank[b.first.doc_id], dtype=np.int64) for b in big])
        start = np.concatenate([np.array([m.start for m in small], dtype=np.int64)] + [b.starts for b in big])
        end = np.concatenate([np.array([m.end for m in small], dtype=np.int64)] + [b.ends for b in big])
        ids = [m.mention_id for m in small] + [i for b in big for i in b.ids]
        order = np.lexsort((start, doc))
        return cls(docs, doc[order], start[order], end[order], [ids[i] for i in order.tolist()])

    def first(self) -> tuple[str, int]:
        """(document, start) of its first mention."""
        return self.docs[self.doc[0]], int(self.start[0])


def reconcile(mentions: Iterable[Mention | Bundle], texts: dict[str, str | QuoteSpans] | None = None) -> tuple[list[Fact], list[Conflict]]:
    """Group identical claims into facts; report conflicts. `texts` (doc_id -> text) enables quotes."""
    groups: dict[tuple, dict[tuple, list[_Member | Bundle]]] = defaultdict(lambda: defaultdict(list))
    for m in mentions:
        key, item = (m.first, m) if isinstance(m, Bundle) else (m, _Member(m.doc_id, m.start, m.end, m.mention_id,
                                                                              m.measured, m.indicator_reason,
                                                                              m.passage_id))
        if key.indicator is None:
            continue  # unclassified figures stay in the mentions table; a fact needs an indicator
        groups[_base(key)][(key.period_start, key.period_end)].append(item)

    claims: list[tuple[tuple, tuple, _Claim]] = []
    named: dict[tuple, tuple[frozenset, frozenset]] = {}  # (base, period) -> its mentions' phrases and passages
    for base, by_period in groups.items():
        periods = sorted(by_period, key=lambda p: -sum(x is not None for x in p))
        merged: dict[tuple, list[_Member | Bundle]] = {p: list(by_period[p]) for p in periods}
        for p in sorted(periods, key=lambda p: sum(x is not None for x in p)):
            targets = [q for q in merged if q != p and _compatible(p, q)]
            fullest = {q for q in targets if not any(_compatible(q, r) for r in targets)}
            if len(fullest) == 1 and p in merged:
                q = fullest.pop()
                merged[q].extend(merged.pop(p))
        for p, items in merged.items():
            claims.append((base, p, _Claim.of(items)))
            named[(base, p)] = _names(items)
    del groups

    claims.sort(key=lambda c: c[2].first())
    quotes = _quotes(claims, texts) if texts else [None] * len(claims)
    facts: list[Fact] = []
    phrases: dict[str, tuple[frozenset, frozenset]] = {}
    for (base, period, c), quote in zip(claims, quotes):
        phrases[fact_id(base, period)] = named[(base, period)]
        ind, subj, cp, measure, unit, comp, value = base
        facts.append(Fact(
            fact_id=fact_id(base, period), indicator=ind, subject=subj, counterpart=cp, measure=measure, value=value,
            unit=unit, comparator=comp, period_start=period[0], period_end=period[1], n_mentions=len(c.ids),
            mention_ids=c.ids, doc_ids=list(c.docs), quote=quote,
        ))
    return facts, find_conflicts(facts, phrases)


def _names(items: list[_Member | Bundle]) -> tuple[frozenset, frozenset]:
    """The measured phrases that named the indicator (a table label or a nearby word says less), and the
    passages, of a claim's mentions."""
    phrases, passages = set(), set()
    for it in items:
        m = it.first if isinstance(it, Bundle) else it
        reason = m.indicator_reason if isinstance(it, Bundle) else it.reason
        phrase = _phrase_key(m.measured) if "measured_cue" in (reason or "") else None
        if phrase:
            phrases.add(phrase)
        passages.add(m.passage_id)
    return frozenset(phrases), frozenset(passages)


_PHRASE_DROP = re.compile(r"^(?:the|a|an|its|their)\s+|[’']s\b", re.I)


def _phrase_key(phrase: str | None) -> str | None:
    """A measured phrase compared loosely: without the parties it names ("Peru's unemployment rate" ->
    "unemployment rate"), lower case, no leading article, single spaces."""
    if not phrase:
        return None
    from tally.resolve.entities import find_entities

    for e in reversed(find_entities(phrase)):
        phrase = phrase[:e.start] + phrase[e.end:]
    return " ".join(_PHRASE_DROP.sub("", phrase.lower().strip()).split()) or None


# ---------------------------------------------------------------------------------------------
# Quotes
# ---------------------------------------------------------------------------------------------

def _quotes(claims: list[tuple[tuple, tuple, _Claim]], texts: dict[str, str | QuoteSpans]) -> list[str | None]:
    """Each claim's clearest statement: a 5-25 word exact substring around one of its mentions, preferring a
    sentence that states the claim's period, comes from prose rather than a table, and is short; on a tie,
    the first mention in document order.

    The mentions of all claims are read in document order (a very large document's text is cheap to read
    only that way); each claim keeps its best so far, replaced only by a strictly better one, which is the
    same as visiting each claim's own mentions in order.
    """
    import numpy as np

    years = [[p[:4] for p in period if p] for _, period, _ in claims]
    docs = sorted({d for _, _, c in claims for d in c.docs})
    rank = {d: r for r, d in enumerate(docs)}
    if not claims:
        return []
    claim = np.concatenate([np.full(len(c.ids), ci, dtype=np.int64) for ci, (_, _, c) in enumerate(claims)])
    member = np.concatenate([np.arange(len(c.ids), dtype=np.int64) for _, _, c in claims])
    doc = np.concatenate([np.array([rank[d] for d in c.docs], dtype=np.int64)[c.doc] for _, _, c in claims])
    start = np.concatenate([c.start for _, _, c in claims])
    order = np.lexsort((start, doc))
    best: list[tuple[float, str] | None] = [None] * len(claims)
    for ci, mi in zip(claim[order].tolist(), member[order].tolist()):
        c = claims[ci][2]
        doc_id = c.docs[c.doc[mi]]
        text = texts.get(doc_id)
        if not text:
            continue
        s, e = int(c.start[mi]), int(c.end[mi])
        q0, q1, in_table = text.span(s) if isinstance(text, QuoteSpans) else quote_span(text, s, e)
        sent = text[q0:q1]
        score = sum(y in sent for y in years[ci]) * 3 - in_table * 2 - abs(len(sent.split()) - 15) / 10
        if best[ci] is None or score > best[ci][0]:
            best[ci] = (score, sent)
    return [b[1] if b else None for b in best]


def quote_span(text: str, start: int, end: int) -> tuple[int, int, bool]:
    """(start, end) of the candidate quote for the mention at text[start:end], and whether its line is a
    table row. Reads only the mention's line."""
    from tally.resolve.entities import enclosing, sentence_spans

    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    # a table cell is bounded by pipes; a bullet inside a cell by an en dash
    lo = max(text.rfind("|", line_start, start) + 1, line_start)
    hi = text.find("|", end, line_end)
    hi = line_end if hi < 0 else hi
    dash = text.rfind(" – ", lo, start)
    lo = dash + 3 if dash >= 0 else lo
    dash = text.find(" – ", end, hi)
    hi = dash if dash >= 0 else hi
    s, e = enclosing(sentence_spans(text, lo, hi), start)
    q0, q1 = _trim(text, s, e, start, end)
    return q0, q1, "|" in text[line_start:line_end]


class QuoteSpans:
    """A very large document's quote spans, worked out in one pass in document order (quote_spans), and its
    text for slicing them: facts pick quotes in any order, and a Utf8Text is cheap to read only in order.
    Kept in flat arrays: a tuple per mention of a 200 MB document would cost tens of MB."""

    def __init__(self, text: Utf8Text) -> None:
        self.text = text
        self.starts, self.q0, self.q1, self.table = array("q"), array("q"), array("q"), bytearray()

    def __len__(self) -> int:
        return len(self.text)

    def __getitem__(self, key: slice) -> str:
        return self.text[key]

    def add(self, start: int, span: tuple[int, int, bool]) -> None:
        """Record the span of the mention at `start` (mentions come in document order)."""
        self.starts.append(start)
        self.q0.append(span[0])
        self.q1.append(span[1])
        self.table.append(span[2])

    def span(self, start: int) -> tuple[int, int, bool]:
        """quote_span of the mention starting at `start`."""
        i = bisect_left(self.starts, start)
        if i == len(self.starts) or self.starts[i] != start:
            raise KeyError(f"no quote span for the mention at {start}")
        return self.q0[i], self.q1[i], bool(self.table[i])


def quote_spans(text: Utf8Text, spans: Iterable[tuple[int, int]]) -> QuoteSpans:
    """QuoteSpans for a document's mentions, given as (start, end) in document order: each read from the block
    holding it, which holds its whole line (Utf8Text.block_at), so each span is the one the whole text gives."""
    out = QuoteSpans(text)
    for start, end in spans:
        lo, block = text.block_at(start)
        a, b, table = quote_span(block, start - lo, end - lo)
        out.add(start, (a + lo, b + lo, table))
    return out


def _trim(text: str, s: int, e: int, ms: int, me: int, max_words: int = 25) -> tuple[int, int]:
    """Shrink [s, e) to at most max_words whole words, keeping [ms, me) and ending at word edges."""
    while s < e and not text[s].isalnum() and text[s] not in "$“\"'(":
        s += 1
    while e > s and text[e - 1] in " \t\n,;:—–-":
        e -= 1
    words = [(w.start() + s, w.end() + s) for w in re.finditer(r"\S+", text[s:e])]
    if len(words) <= max_words:
        return s, e
    first = next(i for i, (a, b) in enumerate(words) if b > ms)
    last = next((i for i, (a, b) in enumerate(words) if b >= me), len(words) - 1)
    lo, hi = first, last
    while hi - lo + 1 < max_words:  # grow around the mention, a little more to the left (the subject)
        if lo > 0 and (hi == len(words) - 1 or (first - lo) <= (hi - last) * 1.5):
            lo -= 1
        elif hi < len(words) - 1:
            hi += 1
        else:
            break
    a, b = words[lo][0], words[hi][1]
    while b > a and text[b - 1] in ",;:—–-":
        b -= 1
    return a, b


# ---------------------------------------------------------------------------------------------
# Conflicts
# ---------------------------------------------------------------------------------------------

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
    y = lambda s: int(s[:4]) if s else None
    return y(f.period_start), y(f.period_end)


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


def _disagree(a: Fact, b: Fact, names: dict[str, tuple[frozenset, frozenset]]) -> bool:
    """Two values of one dated claim that disagree: from different documents, or from different passages of
    one document that name the figure with the same measured phrase (a summary restated in the body);
    values side by side in one passage, or with phrases of their own, are sub-series (CPI components, crops)."""
    if _vkey(a.value) == _vkey(b.value):
        return False
    if not set(a.doc_ids) & set(b.doc_ids):
        return True
    (pa, sa), (pb, sb) = names.get(a.fact_id, (frozenset(), frozenset())), names.get(b.fact_id, (frozenset(), frozenset()))
    return not sa & sb and bool(pa & pb)


def _value_groups(facts: list[Fact], phrases: dict[str, tuple[frozenset, frozenset]]) -> list[Row]:
    """Different values for one dated claim: one row per group of facts that disagree."""
    rows: list[Row] = []
    dated = [f for f in facts if f.value is not None and (f.period_start or f.period_end)]
    for bucket in _buckets(dated, lambda f: (f.indicator, f.subject, f.counterpart, f.measure, f.unit, f.comparator,
                                             f.period_start, f.period_end)):
        if len({_vkey(f.value) for f in bucket}) < 2:
            continue
        pairs = [(a, b) for a, b in _pairs(bucket[:50]) if _disagree(a, b, phrases)]
        for group in _components([[a.fact_id, b.fact_id] for a, b in pairs]):
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
    for group in _components([ids for _, ids, _ in rows]):
        members = [r for r in rows if r[1][0] in group]
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
