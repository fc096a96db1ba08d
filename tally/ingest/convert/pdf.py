"""PDF -> plain text with page boundaries (PDFium through pypdfium2).

Characters come in PDFium's reading order (the content stream's, with PDFium's line breaks) with their
boxes and font sizes. From those: running headers and footers (a line at the top or bottom of the page
whose text, digits aside, recurs on half the pages or more) and page numbers are dropped; footnote markers
(small raised digits after a word) are dropped; ruled tables (the border lines drawn on the page) become
pipe tables; lines marked by a drawn bullet become bullets; wrapped lines are joined into paragraphs, a
word hyphenated across a line end made whole again. A PDF that needs a password, or whose pages hold no
text at all (a scan), is refused with that reason.
"""
from __future__ import annotations

import ctypes
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from statistics import median

from tally.ingest.convert.plaintext import TextOut, join_lines, join_lines_at, pipe_table, vocabulary

# A line whose centre lies in this share of the page's height at the top or bottom may be a running
# header or footer.
_MARGIN_BAND = 0.1
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[#ivxlc]+(?:\s*(?:of|/)\s*#)?$|^[-–—]\s*#\s*[-–—]$", re.I)
_TERMINAL = re.compile(r"""[.!?:;]["'’”)\]]*$""")
_RULE_WIDTH = 2.0  # a path thinner than this (points) is a rule


class PdfRefused(Exception):
    """A PDF tally cannot read text from; the message is the reason."""


@dataclass(slots=True)
class Line:
    """One line of text on a page (PDF coordinates: y grows upwards)."""

    text: str
    x0: float
    x1: float
    base: float  # baseline
    size: float  # most common font size
    page: int
    cell: tuple[int, int, int] | None = None  # (table, row, column) for a line inside a ruled table
    bullet: bool = False


@dataclass
class Grid:
    """A ruled table: column boundaries left to right, row boundaries top to bottom."""

    xs: list[float]
    ys: list[float]

    def cell(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, column) of a point inside the table, else None."""
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[-1] <= y <= self.ys[0]):
            return None
        col = bisect_right(self.xs, x) - 1
        row = sum(1 for b in self.ys[1:] if y < b)
        return min(row, len(self.ys) - 2), min(col, len(self.xs) - 2)


@dataclass
class Page:
    """A page's lines and tables."""

    number: int  # 1-based
    height: float
    lines: list[Line] = field(default_factory=list)
    n_tables: int = 0
    n_columns: list[int] = field(default_factory=list)  # per table


def open_pdf(data: bytes):
    """The PDF opened with PDFium, or PdfRefused (encrypted, damaged)."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PdfRefused("encrypted PDF file: a password is needed to open it") from exc
        raise PdfRefused(f"damaged PDF file: PDFium cannot open it ({exc})") from exc


def metadata(pdf) -> dict[str, str | None]:
    """Title, author and creation date from the PDF's information dictionary (None when absent).

    A date is taken only from a PDF not printed by a web browser: a browser's print date says when
    someone printed the page, not when it was published.
    """
    info = pdf.get_metadata_dict(skip_empty=True)
    date = None
    creator = f"{info.get('Creator', '')} {info.get('Producer', '')}".lower()
    m = re.match(r"D:(\d{4})(\d{2})?(\d{2})?", info.get("CreationDate", ""))
    if m and not any(b in creator for b in ("chrome", "mozilla", "skia", "webkit")):
        date = "-".join(g for g in m.groups() if g)
    return {"title": info.get("Title"), "author": info.get("Author"), "published": date}


def convert(data: bytes) -> tuple[str, list[int], dict[str, str | None]]:
    """The PDF's text, the offset where each page's text starts, and its metadata (or PdfRefused)."""
    pdf = open_pdf(data)
    try:
        pages = [_read_page(pdf, i) for i in range(len(pdf))]
        if not any(line.text.strip() for p in pages for line in p.lines):
            raise PdfRefused("PDF file with no text layer: its pages hold only images (a scan?); OCR is not supported")
        _drop_running(pages)
        text, starts = _assemble(pages)
        return text, starts, metadata(pdf)
    finally:
        pdf.close()


def _read_page(pdf, index: int) -> Page:
    """One page's lines, with table cells and bullets marked."""
    import pypdfium2.raw as raw

    page = pdf[index]
    try:
        width, height = page.get_size()
        grids, marks = _drawings(page)
        tp = page.get_textpage()
        out = Page(index + 1, height, n_tables=len(grids), n_columns=[len(g.xs) - 1 for g in grids])
        text = tp.get_text_range()
        chars: list[tuple[str, float, float, float, float, tuple | None]] = []
        x, y = ctypes.c_double(), ctypes.c_double()
        box = [ctypes.c_double() for _ in range(4)]  # left, right, bottom, top (reused: one call per char)
        refs = [ctypes.byref(b) for b in box]
        last = None  # the current line's last inked character
        for i, ch in enumerate(text):
            if ch in "\r\n":
                if ch == "\n":
                    _line(out, chars, marks)
                    chars, last = [], None
                continue
            raw.FPDFText_GetCharBox(tp.raw, i, *refs)
            left, right, bottom, top = (b.value for b in box)
            raw.FPDFText_GetCharOrigin(tp.raw, i, x, y)
            size, base = raw.FPDFText_GetFontSize(tp.raw, i), y.value
            cell = _cell(grids, (left + right) / 2, (bottom + top) / 2) if grids else None
            if chars and ch != " " and (cell != chars[-1][5] or _wraps(last, left, base, size)):
                _line(out, chars, marks)  # a table cell's edge, or a line PDFium ran on (after a hyphen)
                chars, last = [], None
            if ch == "\ufffe":  # PDFium's mark for a hyphen it took to break a word at a line end
                ch = "-"
            item = (ch, left, right, base if ch != " " else None, size, cell)
            chars.append(item)
            if ch != " ":
                last = item
        _line(out, chars, marks)
        tp.close()
        return out
    finally:
        page.close()


def _wraps(last: tuple | None, left: float, base: float, size: float) -> bool:
    """Whether a character starts a new line: below the line's last inked one and back to its left."""
    return last is not None and last[3] - base > 0.6 * size and left < last[1] - size


def _cell(grids: list[Grid], x: float, y: float) -> tuple[int, int, int] | None:
    """(table, row, column) of a point inside one of the page's ruled tables, else None."""
    for t, g in enumerate(grids):
        if (c := g.cell(x, y)) is not None:
            return (t, *c)
    return None


def _drawings(page) -> tuple[list[Grid], list[tuple[float, float, float, float]]]:
    """Ruled tables (from thin border paths) and small marks (drawn bullets) on a page."""
    import pypdfium2.raw as raw

    hs, vs, marks = [], [], []
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH]):
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        if h < _RULE_WIDTH and w > 3 * _RULE_WIDTH:
            hs.append((left, right, (top + bottom) / 2))
        elif w < _RULE_WIDTH and h > 3 * _RULE_WIDTH:
            vs.append((bottom, top, (left + right) / 2))
        elif 1 < w < 8 and 1 < h < 8 and abs(w - h) < 1.5:
            marks.append((left, bottom, right, top))
    return _grids(hs, vs), marks


def _grids(hs: list[tuple[float, float, float]], vs: list[tuple[float, float, float]]) -> list[Grid]:
    """Tables from horizontal and vertical rules: rules that touch form one table (at least 2 x 1 cells)."""
    tol = 1.5
    groups: list[tuple[list, list]] = []
    for h in sorted(hs, key=lambda r: -r[2]):
        for g in groups:
            if any(v[0] - tol <= h[2] <= v[1] + tol and h[0] - tol <= v[2] <= h[1] + tol for v in g[1]) or \
               any(abs(o[2] - h[2]) < tol and o[0] - tol <= h[1] and h[0] <= o[1] + tol for o in g[0]):
                g[0].append(h)
                break
        else:
            groups.append(([h], [v for v in vs if v[0] - tol <= h[2] <= v[1] + tol and h[0] - tol <= v[2] <= h[1] + tol]))
        for g in groups:  # vertical rules reaching a group's horizontal ones
            g[1].extend(v for v in vs if v not in g[1]
                        and any(v[0] - tol <= r[2] <= v[1] + tol and r[0] - tol <= v[2] <= r[1] + tol for r in g[0]))
    out = []
    for h_rules, v_rules in groups:
        xs, ys = _cluster([v[2] for v in v_rules]), _cluster([h[2] for h in h_rules])
        if len(xs) >= 3 and len(ys) >= 2:
            out.append(Grid(sorted(xs), sorted(ys, reverse=True)))
    return out


def _cluster(values: list[float], tol: float = 1.5) -> list[float]:
    """Distinct positions among values (those closer than tol are one)."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _line(page: Page, chars: list, marks: list) -> None:
    """Make a Line of a run of characters: footnote markers out, a drawn bullet noted."""
    ink = [c for c in chars if c[3] is not None and not c[0].isspace()]
    if not ink:
        return
    size = Counter(round(c[4], 1) for c in ink).most_common(1)[0][0]
    base = Counter(round(c[3], 1) for c in ink if abs(c[4] - size) < 0.2).most_common(1)[0][0]
    keep, i = [], 0
    while i < len(chars):
        j = i
        while j < len(chars) and _marker(chars[j], size, base):
            j += 1
        after = chars[j][0] if j < len(chars) else " "
        if j > i and j - i <= 3 and keep and not keep[-1][0].isspace() and (after.isspace() or not after.isalnum()):
            i = j  # a footnote marker: small raised digits after a word, before a space or the line end
            continue
        keep.extend(chars[i:max(j, i + 1)])
        i = max(j, i + 1)
    x0 = min(c[1] for c in ink)
    bullet = any(m[2] <= x0 + 1 and x0 - m[2] < 3 * size and base - 0.2 * size <= (m[1] + m[3]) / 2 <= base + 0.8 * size
                 for m in marks)
    page.lines.append(Line("".join(c[0] for c in keep).strip(), x0, max(c[2] for c in ink), base, size,
                           page.number, ink[0][5], bullet))


def _marker(c: tuple, size: float, base: float) -> bool:
    """A character set smaller and raised above the line's baseline: a footnote or reference mark."""
    return (c[3] is not None and (c[0].isdigit() or c[0] in "*†‡§") and c[4] < 0.92 * size
            and c[3] > base + 0.2 * size)


def _drop_running(pages: list[Page]) -> None:
    """Drop running headers and footers (text recurring, digits aside, at the top or bottom of half the
    pages or more) and page numbers."""
    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", " ".join(line.text.lower().split()))

    def in_band(p: Page, line: Line) -> bool:
        return line.cell is None and (line.base > p.height * (1 - _MARGIN_BAND) or line.base < p.height * _MARGIN_BAND)

    seen = Counter(k for p in pages for k in {key(x) for x in p.lines if in_band(p, x)})
    need = max(2, (len(pages) + 1) // 2)
    for p in pages:
        p.lines = [x for x in p.lines if not in_band(p, x)
                   or not (seen[key(x)] >= need or _PAGE_NUMBER.match(key(x)))]


def _pitch(pages: list[Page]) -> float:
    """The usual distance between baselines relative to the font size (the line spacing)."""
    gaps = [(a.base - b.base) / a.size for p in pages for a, b in zip(p.lines, p.lines[1:])
            if a.cell is None and b.cell is None and abs(a.size - b.size) < 0.2 and 0.8 < (a.base - b.base) / a.size < 3]
    return median(gaps) if gaps else 1.2


def _breaks(prev: Line, cur: Line, pitch: float, page: Page) -> bool:
    """Whether cur starts a new paragraph after prev (a line of `page`)."""
    if cur.bullet or abs(cur.size - prev.size) > 0.15 * prev.size:
        return True
    gap = prev.base - cur.base
    if cur.page != prev.page or gap < 0.5 * prev.size:
        # A new page or column. In justified text (most lines end at the column's edge) only a paragraph's
        # last line falls short; in ragged text any line may, so a full stop at the line end decides, or a
        # line far shorter than the column (a caption, a title).
        ends = sorted(x.x1 for x in page.lines if abs(x.x0 - prev.x0) < 4 * prev.size and abs(x.size - prev.size) < 0.2)
        right = ends[(3 * len(ends)) // 4]  # where most lines of the column end (a wider title does not count)
        short = prev.x1 < right - 2 * prev.size
        justified = sum(abs(e - right) < 1.5 for e in ends) >= 0.6 * len(ends)
        if justified:
            return short
        return bool(_TERMINAL.search(prev.text)) or prev.x1 - prev.x0 < 0.6 * (right - prev.x0)
    return gap > pitch * prev.size * 1.25


def _assemble(pages: list[Page]) -> tuple[str, list[int]]:
    """The text of all pages: paragraphs, bullets and tables in reading order; each page's start offset."""
    words = vocabulary([line.text for p in pages for line in p.lines])
    pitch = _pitch(pages)
    out = TextOut()
    starts: dict[int, int] = {}  # page number -> offset of its first text
    para: list[Line] = []
    last_table: int | None = None  # page of the block written last, when it was a table
    header: list[str] | None = None

    def flush() -> None:
        if not para:
            return
        prefix = "• " if para[0].bullet else ""
        body, at = join_lines_at([x.text for x in para], words)
        start = out.block(prefix + body)
        for i, x in enumerate(para):
            if x.page not in starts:
                starts[x.page] = start + len(prefix) + at[i] if i else start
        para.clear()

    for p in pages:
        done: set[int] = set()
        for line in p.lines:
            if line.cell is None:
                if para and _breaks(para[-1], line, pitch, pages[para[-1].page - 1]):
                    flush()
                para.append(line)
                last_table = None
                continue
            t = line.cell[0]
            if t in done:
                continue
            flush()
            done.add(t)
            rows = _table_rows([x for x in p.lines if x.cell and x.cell[0] == t], p.n_columns[t], words)
            cont = last_table == p.number - 1 and p.number not in starts and header is not None
            if cont and rows and rows[0] == header:
                rows = rows[1:]  # the header row the printer repeats at the top of each page
            at = out.block(pipe_table(rows, header=not cont), attach=cont)
            header = header if cont else (rows[0] if rows else None)
            starts.setdefault(p.number, at)
            last_table = p.number
    flush()
    return out.text(), _monotone([starts.get(p.number, len(out.text())) for p in pages])


def _table_rows(lines: list[Line], n_cols: int, words: set[str]) -> list[list[str]]:
    """A table's cells (lines grouped by row and column) as rows of cell texts."""
    cells: dict[tuple[int, int], list[str]] = {}
    for x in lines:
        cells.setdefault(x.cell[1:], []).append(x.text)
    rows = sorted({r for r, _ in cells})
    return [[join_lines(cells.get((r, c), []), words) for c in range(n_cols)] for r in rows]


def _monotone(starts: list[int]) -> list[int]:
    """Page start offsets never going backwards (an empty page starts where the next one does)."""
    out = list(starts)
    for i in range(len(out) - 2, -1, -1):
        out[i] = min(out[i], out[i + 1])
    return out
