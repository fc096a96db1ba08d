"""How the review page lays out a document: lines cut into plain text and marked figures, and each line's
kind (heading, table row, ruler, ...) from the passages."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

# A ruler line of a table ("|---|:--:|"): one flat class after a lazy look-ahead, so a 100 KB line of
# dashes is matched in linear time (a nested unbounded class backtracked cubically).
RULE_RE = re.compile(r"(?=.*?---)[\s|:+=-]+", re.S)
_BLOCK_KINDS = ("heading", "table_header", "table_row", "bullet", "paragraph")


@dataclass
class Piece:
    """A run of a line: plain text, a mention highlight, or a number no mention covers."""

    kind: str  # "text" | "mark" | "miss"
    text: str
    mention: dict[str, Any] | None = None
    first: bool = True  # False for a mention's continuation on a later line (no data-mention-id)


@dataclass
class Line:
    """One line of a document, with the passage kind that starts it (for styling)."""

    kind: str
    pieces: list[Piece] = field(default_factory=list)


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, without the newline."""
    out, pos = [], 0
    for part in text.split("\n"):
        out.append((pos, pos + len(part)))
        pos += len(part) + 1
    return out


def layout(text: str, mentions: list[dict], missed: list[tuple[int, int]], kinds: dict[int, str]) -> list[Line]:
    """Split a document into lines of pieces; every mention gets exactly one piece marked first."""
    n = len(text)
    events = sorted([(m["start"], m["end"], "mark", m) for m in mentions] + [(s, e, "miss", None) for s, e in missed],
                    key=lambda t: (t[0], t[2] == "miss", -t[1]))
    spans: list[tuple[int, int, str, dict | None]] = []  # in order, never overlapping
    cursor = 0
    for s, e, kind, m in events:
        s, e = min(max(s, 0), n), min(max(e, 0), n)
        if s < cursor:
            if kind == "miss":
                continue
            s, e = cursor, max(e, cursor)  # an overlapping mention (should not happen): clip it, keep it findable
        spans.append((s, e, kind, m))
        cursor = max(cursor, e)
    bounds = line_spans(text)
    starts = [ls for ls, _ in bounds]
    lines = [Line(kinds.get(ls) or line_kind(text[ls:le])) for ls, le in bounds]
    seen: set[str] = set()

    def emit(li: int, a: int, b: int, kind: str, m: dict | None) -> None:
        """Append text[a:b] to line li; a mention's first piece carries its id."""
        first = m is None or m["mention_id"] not in seen
        if m is not None:
            seen.add(m["mention_id"])
        lines[li].pieces.append(Piece(kind, text[a:b], m, first))

    def place(s: int, e: int, kind: str, m: dict | None) -> None:
        """Cut a span at line breaks into pieces; an empty or newline-only mention still gets a marker."""
        first_line = max(0, bisect.bisect_right(starts, s) - 1)
        for li in range(first_line, len(bounds)):
            ls, le = bounds[li]
            if ls >= e:
                break
            if max(s, ls) < min(e, le):
                emit(li, max(s, ls), min(e, le), kind, m)
        if m is not None and m["mention_id"] not in seen:  # empty, or only newlines: an empty marker
            emit(first_line, s, s, kind, m)

    pos = 0
    for s, e, kind, m in spans:
        if s > pos:
            place(pos, s, "text", None)
        place(s, e, kind, m)
        pos = max(pos, e)
    if pos < n:
        place(pos, n, "text", None)
    return lines


def line_kind(line: str) -> str:
    """Kind of a line no passage starts: blank, a table rule (---|---), or text."""
    if not line.strip():
        return "blank"
    return "rule" if RULE_RE.fullmatch(line) else "text"


def line_kinds(passages: list[dict]) -> dict[int, str]:
    """Start offset -> the passage kind that starts there (a heading wins over a paragraph, a row over its cell)."""
    out: dict[int, str] = {}
    rank = {k: i for i, k in enumerate(_BLOCK_KINDS)}
    for p in passages:
        k = p["kind"]
        if k in rank and (p["start"] not in out or rank[k] < rank[out[p["start"]]]):
            out[p["start"]] = k
    return out
