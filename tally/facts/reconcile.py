"""Collapse mentions that state the same claim into facts, and flag where statements disagree.

A claim is (indicator, subject, counterpart, measure, unit, period, signed value, comparator). A mention that
only leaves something out (no period, or an open bound where another statement of the same claim has one)
joins the single fuller statement it is compatible with. Facts that read as the same claim but disagree
(comparator, period, counterpart, denominator, value) become conflict rows, and a stated change is checked
against the two levels it connects (arithmetic).
"""
from __future__ import annotations

import hashlib
import re
from array import array
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

from tally.facts.conflicts import find_conflicts
from tally.model import Conflict, Fact, Mention
from tally.ingest.text import Utf8Text

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa



def fact_id(base: tuple, period: tuple) -> str:
    """Content-based id: the same claim keeps its id whatever else is in the corpus."""
    return "F" + hashlib.sha256(repr((base, period)).encode()).hexdigest()[:12]


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


@dataclass(frozen=True)
class Bundle:
    """Mentions of one document that agree on every field reconcile reads but their offsets and ids, as
    columns (a very large document's mentions as an object each would cost hundreds of MB)."""

    first: Mention  # the first of them: the claim's fields
    starts: np.ndarray  # int64, ascending
    ends: np.ndarray
    ids: list[str]  # their mention ids, in the same order
    phrases: frozenset[str]  # the measured phrases that named the indicator (see _names)
    passages: frozenset[str]  # the passages they sit in


# The fields that tell claims apart (see _base): rows of one document equal on all of them are a Bundle.
CLAIM_FIELDS = ("indicator", "subject", "counterpart", "measure", "unit", "comparator", "value", "change",
                "period_start", "period_end")


def bundles(table: pa.Table) -> list[Bundle]:
    """A mentions table's classified rows as Bundles, per document. Only the key columns are copied (a
    filtered copy of a whole 200 MB document's table cost ~100 MB)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from tally.columns import classified_rows, iter_mention_objects

    keep = classified_rows(table)
    if not len(keep):
        return []
    # documents by number (a 64-character id per row would be copied and hashed for every row)
    doc = pc.dictionary_encode(table["doc_id"].combine_chunks()).indices
    keys = table.select([*CLAIM_FIELDS, "passage_id"]).append_column("doc", doc)
    # a measured phrase counts only where it named the indicator (a table label or a nearby word says less)
    named = pc.if_else(pc.match_substring(pc.fill_null(table["indicator_reason"], ""), "measured_cue"),
                       table["measured"], pa.scalar(None, pa.large_string()))
    keys = keys.append_column("named", named)
    if len(keep) < table.num_rows:
        keys = keys.take(pa.array(keep))
    keys = keys.append_column("row", pa.array(keep))
    groups = keys.group_by(["doc", *CLAIM_FIELDS], use_threads=False).aggregate(
        [("row", "list"), ("passage_id", "distinct"), ("named", "distinct")])
    del keys
    lists = groups["row_list"].combine_chunks()
    flat, offsets = lists.values.to_numpy(), lists.offsets.to_numpy()  # no Python int per row
    starts, ends = table["start"].to_numpy(), table["end"].to_numpy()
    members = [flat[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    if not _in_document_order(doc.to_numpy(), starts):  # each bundle's rows in document order (rows come in table order)
        members = [rows[np.argsort(starts[rows], kind="stable")] for rows in members]
    firsts = list(iter_mention_objects(table.take(pa.array([m[0] for m in members])), for_reconcile=True))
    passages, phrases = groups["passage_id_distinct"].to_pylist(), groups["named_distinct"].to_pylist()
    # one take for all bundles: a take per bundle from the chunked column cost ~1 ms each on 200 MB
    names = table["mention_id"].take(pa.array(np.concatenate(members))).to_pylist()
    out, at = [], 0
    for first, m, pas, phr in zip(firsts, members, passages, phrases):
        keys_ = frozenset(k for k in map(_phrase_key, phr) if k)
        out.append(Bundle(first, starts[m], ends[m], names[at:at + len(m)], keys_, frozenset(pas)))
        at += len(m)
    return out


def _in_document_order(doc: np.ndarray, starts: np.ndarray) -> bool:
    """Whether each document's rows (doc: a number per document) are together and ascending by start, as
    extraction writes them."""
    import numpy as np

    if len(doc) < 2:
        return True
    same = doc[1:] == doc[:-1]
    # a document's rows together: its number never comes back after another document's
    changes = np.flatnonzero(~same) + 1
    together = len(np.unique(doc[np.concatenate(([0], changes))])) == len(changes) + 1
    return together and bool((starts[1:][same] > starts[:-1][same]).all())


@dataclass(frozen=True)
class _Claim:
    """The mentions stating one claim, in document order, as columns."""

    docs: list[str]  # the documents, sorted
    doc: np.ndarray  # index into docs, per mention
    start: np.ndarray
    end: np.ndarray
    ids: list[str]

    @classmethod
    def of(cls, items: list[Bundle]) -> "_Claim":
        """Columns of bundles, ordered by (document, start)."""
        import numpy as np

        if len(items) == 1:
            b = items[0]
            return cls([b.first.doc_id], np.zeros(len(b.starts), dtype=np.int64), b.starts, b.ends, b.ids)
        docs = sorted({b.first.doc_id for b in items})
        rank = {d: r for r, d in enumerate(docs)}
        doc = np.repeat(np.array([rank[b.first.doc_id] for b in items], dtype=np.int64), [len(b.starts) for b in items])
        start = np.concatenate([b.starts for b in items])
        end = np.concatenate([b.ends for b in items])
        ids = [i for b in items for i in b.ids]
        order = np.lexsort((start, doc))
        return cls(docs, doc[order], start[order], end[order], [ids[i] for i in order.tolist()])

    def first(self) -> tuple[str, int]:
        """(document, start) of its first mention."""
        return self.docs[self.doc[0]], int(self.start[0])


def reconcile(mentions: pa.Table, texts: dict[str, str | QuoteSpans] | None = None) -> tuple[list[Fact], list[Conflict]]:
    """Group identical claims of a mentions table (tally.columns) into facts; report conflicts. `texts`
    (doc_id -> text) enables quotes. Unclassified figures stay in the mentions table: a fact needs an indicator."""
    groups: dict[tuple, dict[tuple, list[Bundle]]] = defaultdict(lambda: defaultdict(list))
    for b in bundles(mentions):
        groups[_base(b.first)][(b.first.period_start, b.first.period_end)].append(b)

    claims: list[tuple[tuple, tuple, _Claim]] = []
    named: dict[tuple, tuple[frozenset, frozenset]] = {}  # (base, period) -> its mentions' phrases and passages
    for base, by_period in groups.items():
        if len(by_period) == 1:  # most claims are stated with one period: nothing to merge
            (p, items), = by_period.items()
            claims.append((base, p, _Claim.of(items)))
            named[(base, p)] = _names(items)
            continue
        periods = sorted(by_period, key=lambda p: -sum(x is not None for x in p))
        merged: dict[tuple, list[Bundle]] = {p: list(by_period[p]) for p in periods}
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
        fid = fact_id(base, period)
        phrases[fid] = named[(base, period)]
        ind, subj, cp, measure, unit, comp, value = base
        facts.append(Fact(
            fact_id=fid, indicator=ind, subject=subj, counterpart=cp, measure=measure, value=value,
            unit=unit, comparator=comp, period_start=period[0], period_end=period[1], n_mentions=len(c.ids),
            mention_ids=c.ids, doc_ids=list(c.docs), quote=quote,
        ))
    return facts, find_conflicts(facts, phrases)


def _names(items: list[Bundle]) -> tuple[frozenset, frozenset]:
    """The measured phrases that named the indicator, and the passages, of a claim's mentions."""
    if len(items) == 1:
        return items[0].phrases, items[0].passages
    return frozenset().union(*(b.phrases for b in items)), frozenset().union(*(b.passages for b in items))


_PHRASE_DROP = re.compile(r"^(?:the|a|an|its|their)\s+|[’']s\b", re.I)


@lru_cache(maxsize=65536)
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
    """A document's quote spans, worked out in one pass in document order (quote_spans) where the document is
    (a batch's worker, in parallel), and the text to slice them from once bound (facts pick quotes in any
    order, and a Utf8Text is cheap to read only in order). Kept in flat arrays: a tuple per mention of a
    200 MB document would cost tens of MB."""

    def __init__(self, text: str | Utf8Text | None = None) -> None:
        self.text = text
        self.starts, self.q0, self.q1, self.table = array("q"), array("q"), array("q"), bytearray()

    def __len__(self) -> int:
        return len(self.text)

    def __getitem__(self, key: slice) -> str:
        return self.text[key]

    def __getstate__(self) -> tuple:
        return self.starts, self.q0, self.q1, self.table  # never the text: the document carries it

    def __setstate__(self, state: tuple) -> None:
        self.text = None
        self.starts, self.q0, self.q1, self.table = state

    def bound(self, text: str | Utf8Text) -> "QuoteSpans":
        """These spans over the document's text."""
        self.text = text
        return self

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


def quote_spans(text: str | Utf8Text, spans: Iterable[tuple[int, int]]) -> QuoteSpans:
    """QuoteSpans for a document's mentions, given as (start, end) in document order. A Utf8Text is read block by
    block (Utf8Text.block_at holds each mention's whole line), so each span is the one the whole text gives."""
    out = QuoteSpans(text)
    if not isinstance(text, Utf8Text):
        for start, end in spans:
            out.add(start, quote_span(text, start, end))
        return out
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
