"""Plain text out of converted documents: blocks separated by blank lines, wrapped lines joined, pipe tables.

The quantity engine and the segmenter read what these functions write, so the conventions are those of
tally's plain text: one paragraph per line, a blank line between blocks, bullets as "• ", and tables as
pipe tables (a header line, a rule, one line per row).
"""
from __future__ import annotations

import re

# Hyphens a typesetter puts at a line end to break a word: the hyphenation glyph (U+2010), a soft hyphen
# made visible, and the code PDFium reports for a hyphen it recognises as one (U+0002).
SOFT_HYPHENS = "\u2010\u00ad\x02"
_WORD_END = re.compile(r"(\w+)-$")
_WORD_START = re.compile(r"^(\w+)")


def join_lines(lines: list[str], words: set[str] | None = None) -> str:
    """Wrapped lines of one paragraph as one line: a word hyphenated across a line end is joined.

    A typesetter's hyphen (SOFT_HYPHENS) is dropped. A plain "-" is kept, without a space ("12-" "month");
    before a lower-case letter it is ambiguous ("eco-" "nomic" or "deep-" "rooted") and is dropped when
    the joined word occurs elsewhere in the document (`words`) and the hyphenated one does not. Lines are
    otherwise joined with a space.
    """
    return join_lines_at(lines, words)[0]


def join_lines_at(lines: list[str], words: set[str] | None = None) -> tuple[str, list[int]]:
    """join_lines, and where each line's text starts in the result."""
    out, starts = "", []
    for line in lines:
        line = line.strip().replace("\u00ad", "")
        if not line:
            starts.append(len(out))
            continue
        if not out:
            out = line
            starts.append(0)
            continue
        if out[-1] in SOFT_HYPHENS and line[0].isalpha():
            out = out[:-1]
        elif out.endswith("-") and len(out) > 1 and not out[-2].isspace() and line[0].isalnum():
            # a hyphen at the line end stays ("12-" "month", "U.S.-" "Russia") unless it broke a word
            left, right = _WORD_END.search(out), _WORD_START.match(line)
            a, b = (left.group(1).lower(), right.group(1).lower()) if left and right and line[0].islower() else ("", "")
            if words and (a + b).isalpha() and a + b in words and f"{a}-{b}" not in words:
                out = out[:-1]
        elif not (out[-1] in "—–/" and len(out) > 1 and not out[-2].isspace()) and \
                not (line[0] == "—" and len(line) > 1 and not line[1].isspace()):
            out += " "  # (a line broken at a dash or slash that touches its words goes on without one)
        starts.append(len(out))
        out += line
    return out, starts


def vocabulary(texts: list[str]) -> set[str]:
    """Lower-case words and hyphenated compounds of a document (to tell a broken word from a compound)."""
    return {w.lower() for t in texts for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)+|[A-Za-z]{3,}", t)}


class TextOut:
    """The extracted text, written block by block; remembers where each block starts."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def block(self, text: str, attach: bool = False) -> int:
        """Append a block (after a blank line, or after a line break when `attach`); return its offset."""
        text = text.strip("\n")
        if not text.strip():
            return self.pos
        if self.parts:
            sep = "\n" if attach else "\n\n"
            self.parts.append(sep)
            self.pos += len(sep)
        start = self.pos
        self.parts.append(text)
        self.pos += len(text)
        return start

    def text(self) -> str:
        """Everything written, ending with one line break."""
        return "".join(self.parts) + "\n" if self.parts else ""


def cell_text(text: str) -> str:
    """A table cell's text on one line with no pipe in it (a pipe would start another cell)."""
    return " ".join(text.replace("|", "/").split())


def pipe_table(rows: list[list[str]], header: bool = True) -> str:
    """Rows of cells as a pipe table; the first row is the header unless `header` is False (a continuation)."""
    lines = [" | ".join(cell_text(c) or "-" for c in r) + " |" for r in rows if any(c.strip() for c in r)]
    if header and lines:
        n = max(len(r) for r in rows)
        lines.insert(1, "|".join(["---"] * n) + "|")
    return "\n".join(lines)
