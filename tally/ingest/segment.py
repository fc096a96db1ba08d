"""Split a document into passages (headings, paragraphs, bullets, pipe-table rows and cells) with exact offsets."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator

from tally.ingest.text import Utf8Text, blank_line_cuts

# Passage kinds. `table_row` is a container: its cells and bullets are the passages that get extracted.
HEADING, PARAGRAPH, BULLET = "heading", "paragraph", "bullet"
TABLE_HEADER, TABLE_ROW, CELL = "table_header", "table_row", "cell"
KINDS = (HEADING, PARAGRAPH, BULLET, TABLE_HEADER, TABLE_ROW, CELL)

_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_LINE_BULLET = re.compile(r"^[ \t]*(?:[•·▪◦‣*]|[-–—](?=\s))[ \t]*")
# A bullet inside a table cell: an en/em dash or bullet sign at the cell start or after white space.
_CELL_BULLET = re.compile(r"(?:(?<=\s)|^)[–—•](?=\s)")
_TERMINAL = re.compile(r"""[.!?]["'’”)\]]*$""")
_MAX_HEADING = 160
_MAX_HEADING_WORDS = 20
# A wrapped line that ends in a function word continues a sentence; it is not a heading.
_CONTINUES = re.compile(r"\b(?:a|an|the|of|and|or|to|in|on|for|by|with|from|at|as|than|that|which)$", re.I)


@dataclass(frozen=True, slots=True)
class Passage:
    """A span of a document; `text == document[start:end]`.

    A passage keeps a reference to the whole document text (shared, never copied) rather than its own
    slice: for a very large document the slices would cost as much again as the text itself. Equality
    and repr leave the document out (comparing two equal 400 MB strings per passage would be slow), and
    so does pickling (a cache entry or a worker's result would otherwise carry the whole text again):
    an unpickled passage has `doc=None` until `attach` gives it its document. The pipeline itself only
    reads offsets; `text` is for people and tests.
    """

    index: int
    kind: str
    start: int
    end: int
    doc: str | Utf8Text | None = field(repr=False, compare=False)
    section: str | None = None
    label: str | None = None
    parent: int | None = None

    @property
    def text(self) -> str:
        """The passage's exact characters, `doc[start:end]`."""
        if self.doc is None:
            raise ValueError(f"passage {self.index} is not attached to its document (see segment.attach)")
        return self.doc[self.start:self.end]

    def __reduce__(self) -> tuple:
        return (Passage, (self.index, self.kind, self.start, self.end, None, self.section, self.label, self.parent))

    def __copy__(self) -> "Passage":
        return self  # immutable

    def __deepcopy__(self, memo: dict) -> "Passage":
        return self

    @property
    def extractable(self) -> bool:
        """Whether quantities are read from this passage (containers are read through their children)."""
        return self.kind != TABLE_ROW


@dataclass(frozen=True, slots=True)
class _Line:
    start: int
    end: int  # excludes the line break
    text: str


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _lines(text: str, lo: int = 0, hi: int | None = None) -> list[_Line]:
    """Lines of text[lo:hi] with document offsets, without their \\n, \\r\\n or \\r terminators."""
    hi = len(text) if hi is None else hi
    out = []
    for m in _LINE.finditer(text, lo, hi):
        if m.start() == hi and m.group() == "":
            break
        body = m.group().rstrip("\r\n")
        out.append(_Line(m.start(), m.start() + len(body), body))
    return out


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) to exclude surrounding white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_table_line(line: str) -> bool:
    return "|" in line and not _RULE.match(line) and line.strip() != ""


def _is_heading(line: _Line, prev: _Line | None, nxt: _Line | None) -> bool:
    """A short line without closing punctuation that stands on its own."""
    s = line.text.strip()
    if not s or not any(c.isalpha() for c in s) or len(s) > _MAX_HEADING or _TERMINAL.search(s) or "|" in s or _LINE_BULLET.match(line.text):
        return False
    if not (s[0].isupper() or s[0].isdigit()) or _CONTINUES.search(s) or s.endswith((",", ";", ":")):
        return False
    words = s.split()
    if len(words) > _MAX_HEADING_WORDS:
        return False
    content = [w for w in words if len(w) > 3]
    if len(words) > 8 and sum(w[0].isupper() for w in content) < len(content) / 2:
        return False  # a long line in sentence case is prose, not a title
    prev_ends = (prev is None or not prev.text.strip() or bool(_TERMINAL.search(prev.text.strip()))
                 or _is_table_line(prev.text) or _looks_heading_text(prev.text))
    next_starts = nxt is None or not nxt.text.strip() or nxt.text.strip()[0].isupper() or "|" in nxt.text
    return prev_ends and next_starts


def _looks_heading_text(s: str) -> bool:
    s = s.strip()
    return bool(s) and len(s) <= _MAX_HEADING and not _TERMINAL.search(s) and s[0].isupper()


# A passage longer than this (a whole file on one line, a paragraph without breaks) is cut into pieces
# at sentence ends, else at white space: the resolvers scan a mention's passage for each mention, so an
# unbounded passage costs quadratic time. Real paragraphs are far shorter; they are never cut.
MAX_PASSAGE = 20_000
_SENTENCE_END = re.compile(r"""[.!?]["'’”)\]]*\s+""")


def _pieces(text: str, start: int, end: int, limit: int = MAX_PASSAGE) -> list[tuple[int, int]]:
    """[start, end) cut into spans of at most `limit` characters, at a sentence end or white space when possible."""
    out = []
    while end - start > limit:
        stop = start + limit
        cut = None
        for m in _SENTENCE_END.finditer(text, start + limit // 2, stop):
            cut = m.end()
        if cut is None:
            ws = max(text.rfind(" ", start + limit // 2, stop), text.rfind("\t", start + limit // 2, stop))
            cut = ws + 1 if ws > start else stop
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out


class _Builder:
    def __init__(self, text: str, doc: str | Utf8Text | None = None) -> None:
        self.text = text  # what the offsets given to add() index
        self.doc = text if doc is None else doc  # the document the passages read
        self.shift = 0  # where self.text starts in the document
        self.passages: list[Passage] = []
        self.base = 0  # passages already handed out by take()

    def take(self) -> list[Passage]:
        """The passages added since the last take (their indices keep counting from the first)."""
        out, self.passages = self.passages, []
        self.base += len(out)
        return out

    def add(self, kind: str, start: int, end: int, section: str | None, label: str | None = None,
            parent: int | None = None) -> int | None:
        start, end = _strip_span(self.text, start, end)
        if start >= end:
            return None
        if end - start > MAX_PASSAGE and kind != TABLE_ROW:
            first = None
            for a, b in _pieces(self.text, start, end):
                idx = self.add(kind, a, b, section, label, parent)
                first = idx if first is None else first
            return first
        idx = self.base + len(self.passages)
        self.passages.append(Passage(idx, kind, start + self.shift, end + self.shift, self.doc, section, label, parent))
        return idx


def attach(passages: list[Passage], text: str) -> list[Passage]:
    """The same passages reading `text` (the document they index), e.g. after loading them from a cache."""
    return [p if p.doc is text else replace(p, doc=text) for p in passages]


def runs(passages: Iterable[Passage], size: int) -> list[list[Passage]]:
    """Passages in document order grouped into runs spanning about `size` characters, cut only before a
    top-level passage (never between a table row and its cells). Very large documents are resolved one
    run at a time so that resolution stays linear in the document's length."""
    return list(iter_runs(passages, size))


def iter_runs(passages: Iterable[Passage], size: int) -> Iterator[list[Passage]]:
    """runs(), one run at a time: a run is handed out as soon as the next one starts."""
    run: list[Passage] = []
    lo = None
    for p in passages:
        if run and p.parent is None and lo is not None and p.start - lo >= size:
            yield run
            run, lo = [], None
        if lo is None:
            lo = p.start
        run.append(p)
    if run:
        yield run


def _cells(line: _Line) -> list[tuple[int, int]]:
    """Cell spans of a pipe-table line (document offsets), leading/trailing pipes dropped."""
    spans, pos = [], line.start
    for part in line.text.split("|"):
        spans.append((pos, pos + len(part)))
        pos += len(part) + 1
    if spans and not line.text[: spans[0][1] - line.start].strip():
        spans = spans[1:]
    if spans and not line.text[spans[-1][0] - line.start:].strip():
        spans = spans[:-1]
    return spans


def _table(b: _Builder, lines: list[_Line], i: int, section: str | None) -> int:
    """Emit a pipe table starting at header line i; return the index of the first line after it."""
    header = lines[i]
    b.add(TABLE_HEADER, header.start, header.end, section)
    columns = [b.text[s:e].strip() for s, e in _cells(header)]
    j = i + 2  # skip the rule
    while j < len(lines) and _is_table_line(lines[j].text):
        line = lines[j]
        cells = _cells(line)
        label = b.text[cells[0][0]:cells[0][1]].strip() if cells else None
        row = b.add(TABLE_ROW, line.start, line.end, section, label)
        for k, (cs, ce) in enumerate(cells[1:], start=1):
            col = columns[k] if k < len(columns) else None
            _cell(b, cs, ce, section, label, row, col)
        if cells and label:
            # The label cell can carry figures too ("Top 10 exporters"); it is its own passage.
            b.add(CELL, cells[0][0], cells[0][1], section, label, row)
        j += 1
    return j


def _cell(b: _Builder, start: int, end: int, section: str | None, label: str | None, row: int | None,
          column: str | None) -> None:
    """A cell becomes one passage, or an intro passage plus one passage per bullet."""
    marks = [m.start() + start for m in _CELL_BULLET.finditer(b.text[start:end])]
    if not marks:
        b.add(CELL, start, end, section, label, row)
        return
    b.add(CELL, start, marks[0], section, label, row)
    for k, m in enumerate(marks):
        stop = marks[k + 1] if k + 1 < len(marks) else end
        b.add(BULLET, m + 1, stop, section, label, row)


# A text longer than this is segmented block by block, cutting only right after a blank line (where
# segmentation starts afresh anyway, except for the current section, which is carried over): the result
# is the same, but the per-line bookkeeping never spans the whole of a very large document.
SEGMENT_BLOCK = 1_000_000


def segment(text: str, block: int = SEGMENT_BLOCK) -> list[Passage]:
    """Split `text` into passages in document order, each with exact character offsets."""
    return list(iter_segment(text, block))


def iter_segment(text: str | Utf8Text, block: int = SEGMENT_BLOCK) -> Iterator[Passage]:
    """segment(), a block at a time: a very large document never has all its passages alive at once.

    A Utf8Text is segmented in its own blocks (also cut right after blank lines), each decoded in turn.
    """
    section: str | None = None
    if isinstance(text, Utf8Text):
        b = _Builder("", text)
        for lo, chunk in text.blocks():
            b.text, b.shift = chunk, lo
            section = _segment_lines(b, _lines(chunk), section)
            yield from b.take()
        return
    b = _Builder(text)
    for lo, hi in blank_line_cuts(text, block):
        section = _segment_lines(b, _lines(text, lo, hi), section)
        yield from b.take()


def _segment_lines(b: _Builder, lines: list[_Line], section: str | None) -> str | None:
    """Add the passages of consecutive lines to b; return the section in force after them."""
    para: list[_Line] = []

    def flush() -> None:
        if para:
            b.add(PARAGRAPH, para[0].start, para[-1].end, section)
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.text.strip()
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if not s:
            flush()
        elif _is_table_line(line.text) and nxt is not None and _RULE.match(nxt.text):
            flush()
            i = _table(b, lines, i, section)
            continue
        elif m := _LINE_BULLET.match(line.text):
            flush()
            b.add(BULLET, line.start + m.end(), line.end, section)
        elif not para and _is_heading(line, lines[i - 1] if i else None, nxt):
            section = s
            b.add(HEADING, line.start, line.end, section)
        elif para and _TERMINAL.search(para[-1].text.strip()):
            flush()
            if _is_heading(line, lines[i - 1], nxt):
                section = s
                b.add(HEADING, line.start, line.end, section)
            else:
                para.append(line)
        else:
            para.append(line)
        i += 1
    flush()
    return section
