"""A very large UTF-8 document's text kept as compressed UTF-8 and decoded a piece at a time.

Written by hand because no library does this: Python stores a str at 2 or 4 bytes per character as soon
as one character is beyond Latin-1 (one curly quote is enough), so a 200 MB English text becomes a 400 MB
str; kept as compressed UTF-8 pages (pyarrow's zstd) it costs 43-75 MB (measured on the 200 MB benchmark
texts). Offsets are still character offsets into the decoded text.
"""
from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from functools import cache
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    import pyarrow

# Blocks are cut after about this many bytes (read at call time, so tests can make it small).
BLOCK_BYTES = 1_000_000
# Segmentation starts afresh after a blank line (see segment.iter_segment): blocks are cut right after one.
_BLANK = r"(?:\r\n|\r(?!\n)|\n)[ \t]*(?:\r\n|\r(?!\n)|\n)"
_BLANK_LINE = {str: re.compile(_BLANK), bytes: re.compile(_BLANK.encode())}


class Utf8Text:
    """Text of `data[skip:]` (strict UTF-8) indexed by character: len() and slicing as for a str.

    The text is cut into blocks of about `block` (BLOCK_BYTES) bytes, each ending right after a blank line
    (or at the end), so that no line spans two blocks. It is stored as pages of `page` characters, each
    compressed with zstd (level 1: 2.7x on the mixed benchmark text, ~35 us to expand a page), so a slice expands only
    the pages it touches; the last pages and the last block expanded are kept for the next read, which
    makes reading in document order cheap. Raises UnicodeDecodeError when the bytes are not UTF-8.
    """

    def __init__(self, data: bytes, skip: int = 0, block: int | None = None, page: int = 1 << 16) -> None:
        self.page = page
        block = BLOCK_BYTES if block is None else block
        self._blocks: list[tuple[int, int]] = []  # (first character, first byte) of each block
        starts = array("q")  # byte offset of character k * page
        chars, blank = 0, True
        for lo, hi in blank_line_cuts(data, block, skip):
            s = data[lo:hi].decode("utf-8")  # strict: cuts are at ASCII line breaks, never inside a character
            self._blocks.append((chars, lo))
            k, at = -chars % page, lo  # first page start inside this block, as an index into s
            at += len(s[:k].encode("utf-8")) if k else 0
            while k < len(s):
                starts.append(at)
                at += len(s[k:k + page].encode("utf-8"))
                k += page
            chars += len(s)
            blank = blank and not s.strip()
        self._len, self.blank = chars, blank
        starts.append(len(data))
        self._sizes = array("q", (b - a for a, b in zip(starts, starts[1:])))
        codec = _codec()
        self._packed = [codec.compress(data[a:b], asbytes=True) for a, b in zip(starts, starts[1:])]
        self._page_cache: tuple[int, int, str] = (0, 0, "")  # (first page, page after the last, text)
        self._block_cache: tuple[int, str] | None = None

    @property
    def nbytes(self) -> int:
        """Bytes held for the text (compressed)."""
        return sum(len(p) for p in self._packed)

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, key: slice) -> str:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("Utf8Text supports only contiguous slices")
        a, b, _ = key.indices(self._len)
        if a >= b:
            return ""
        p0, p1 = a // self.page, (b - 1) // self.page + 1
        c0, c1, s = self._page_cache
        if not (c0 <= p0 and p1 <= c1):
            c0, c1, s = p0, p1, self._pages(p0, p1)
            self._page_cache = (c0, c1, s)
        base = c0 * self.page
        return s[a - base:b - base]

    def _pages(self, p0: int, p1: int) -> str:
        """The text of pages p0 .. p1 - 1."""
        codec = _codec()
        return b"".join(codec.decompress(self._packed[k], decompressed_size=self._sizes[k], asbytes=True)
                        for k in range(p0, p1)).decode("utf-8")

    def blocks(self) -> Iterator[tuple[int, str]]:
        """(first character, text) of each block, in order."""
        for i in range(len(self._blocks)):
            yield self._block(i)

    def block_at(self, pos: int) -> tuple[int, str]:
        """(first character, text) of the block holding character pos; a line never leaves its block."""
        return self._block(bisect_right(self._blocks, (pos, 1 << 62)) - 1)

    def _block(self, i: int) -> tuple[int, str]:
        c = self._block_cache
        start = self._blocks[i][0]
        if c is None or c[0] != start:
            end = self._blocks[i + 1][0] if i + 1 < len(self._blocks) else self._len
            c = self._block_cache = (start, self[start:end])
        return c

    def __str__(self) -> str:
        return self[:]

    def __repr__(self) -> str:
        return f"Utf8Text({self._len} characters, {self.nbytes} bytes compressed)"

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("_page_cache", "_block_cache")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _page_cache=(0, 0, ""), _block_cache=None)


@cache
def _codec() -> "pyarrow.Codec":
    """zstd at level 1, from pyarrow (imported on first use: only very large documents need it)."""
    import pyarrow

    return pyarrow.Codec("zstd", compression_level=1)


def blank_line_cuts(text: str | bytes, size: int, skip: int = 0) -> Iterator[tuple[int, int]]:
    """[lo, hi) ranges of about `size` characters (or bytes) from `skip`, each ending right after a blank
    line (or at the end): the places where segmentation starts afresh."""
    blank = _BLANK_LINE[type(text)]
    lo = skip
    while len(text) - lo > size:
        m = blank.search(text, lo + size)
        if m is None:
            break
        yield lo, m.end()
        lo = m.end()
    yield lo, len(text)
