"""HTML -> plain text of the page's main content (trafilatura), with headings and their levels.

trafilatura finds the main content and leaves out navigation, cookie banners, footers and other site
chrome; its XML output keeps headings, paragraphs, lists and tables, which are written here as tally's
plain text (headings on their own line, "• " bullets, pipe tables). Footnote markers (a superscript
number that links to a note) are removed before extraction. The encoding comes from a byte order mark,
else the page's meta charset (or http-equiv Content-Type), else UTF-8, else charset detection.
"""
from __future__ import annotations

import codecs
import re

from tally.ingest.convert.plaintext import TextOut, pipe_table

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_MARKER = re.compile(r"^\s*(?:\[?\d{1,3}\]?|[*†‡§])\s*$")
# meta tag names (lower case) for each documents field, best first
_META = {
    "title": ("citation_title", "dc.title", "dcterms.title", "og:title", "twitter:title"),
    "author": ("citation_author", "dc.creator", "dcterms.creator", "author", "article:author"),
    "publisher": ("citation_publisher", "dc.publisher", "dcterms.publisher", "og:site_name", "citation_journal_title"),
    "published": ("citation_publication_date", "citation_date", "citation_online_date", "dc.date",
                  "dcterms.issued", "dcterms.date", "dc.date.issued", "article:published_time", "date"),
}
_DATE = re.compile(r"^(\d{4})(?:[-/.](\d{1,2}))?(?:[-/.](\d{1,2}))?")


class HtmlRefused(Exception):
    """An HTML page tally cannot read text from; the message is the reason."""


def decode(data: bytes) -> tuple[str, str]:
    """The page's characters and the encoding used: BOM, meta charset, UTF-8, then detection."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name), name
    m = _META_CHARSET.search(data[:4096])
    if m:
        name = m.group(1).decode("ascii").lower()
        try:
            codecs.lookup(name)
            return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: fall through
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise HtmlRefused("not text in any known encoding") from None
        return str(best), best.encoding


def meta_tags(tree) -> dict[str, str | None]:
    """Title, author, publisher and date from the page's meta tags (citation_*, dc.*, og:), else <title>."""
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        name = (el.get("name") or el.get("property") or "").strip().lower()
        content = " ".join((el.get("content") or "").split())
        if name and content and name not in found:
            found[name] = content
    out: dict[str, str | None] = {k: next((found[n] for n in names if n in found), None) for k, names in _META.items()}
    if out["title"] is None:
        title = tree.findtext(".//title")
        out["title"] = " ".join(title.split()) if title and title.strip() else None
    out["published"] = iso_date(out["published"])
    return out


def iso_date(value: str | None) -> str | None:
    """A meta tag's date as YYYY, YYYY-MM or YYYY-MM-DD; None when it is not a date."""
    m = _DATE.match(value or "")
    if not m:
        return None
    y, mo, d = m.group(1), m.group(2), m.group(3)
    if not mo or not 1 <= int(mo) <= 12:
        return y
    if not d or not 1 <= int(d) <= 31:
        return f"{y}-{int(mo):02d}"
    return f"{y}-{int(mo):02d}-{int(d):02d}"


def _drop_footnote_markers(tree) -> None:
    """Remove superscript reference marks (a number linking to a note, or a bare number after a word)."""
    for sup in list(tree.iter("sup")):
        text = sup.text_content()
        linked = any((a.get("href") or "").startswith("#") for a in sup.iter("a"))
        if _MARKER.match(text) and (linked or not text.strip().isdigit() or _after_word(sup)):
            sup.drop_tree()


def _after_word(sup) -> bool:
    """Whether a superscript follows a word or punctuation (a note mark) rather than a number (an exponent)."""
    prev = sup.getprevious()
    before = (prev.tail if prev is not None else sup.getparent().text) or ""
    return bool(before) and not before[-1].isdigit() and not before[-1].isspace()


def convert(data: bytes) -> tuple[str, list[tuple[int, int, str]], str, dict[str, str | None]]:
    """The main content as text, its headings (offset, level, text), the encoding, and the metadata."""
    import lxml.html
    import trafilatura

    text, encoding = decode(data)
    try:
        tree = lxml.html.document_fromstring(text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except Exception as exc:  # lxml raises several types for hopeless input
        raise HtmlRefused(f"cannot parse the HTML: {exc}") from exc
    meta = meta_tags(tree)
    _drop_footnote_markers(tree)
    xml = trafilatura.extract(tree, output_format="xml", include_tables=True, include_comments=False,
                              include_images=False, include_links=False, include_formatting=False,
                              deduplicate=False, with_metadata=False)
    if not xml:
        raise HtmlRefused("no main content found in the page")
    out, headings = _render(xml)
    if not out.strip():
        raise HtmlRefused("no main content found in the page")
    return out, headings, encoding, meta


def _render(xml: str) -> tuple[str, list[tuple[int, int, str]]]:
    """trafilatura's XML as plain text blocks; heading offsets and levels."""
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    out, headings = TextOut(), []
    for el in (main if main is not None else root):
        tag = el.tag
        if tag == "head":
            text = _text(el)
            level = int(m.group(1)) if (m := re.match(r"h(\d)", el.get("rend") or "")) else 2
            if text:
                headings.append((out.block(text), level, text))
        elif tag == "list":
            for item in el.iter("item"):
                if text := _text(item, nested=False):
                    out.block("• " + text)
        elif tag == "table":
            rows = [[_text(c) for c in row.iter("cell")] for row in el.iter("row")]
            rows = [r for r in rows if any(r)]
            if rows:
                width = max(len(r) for r in rows)
                out.block(pipe_table([r + [""] * (width - len(r)) for r in rows]))
        elif text := _text(el):
            out.block(text)
    return out.text(), headings


def _text(el, nested: bool = True) -> str:
    """An element's text on one line (without a nested list's items when `nested` is False)."""
    if nested:
        raw = "".join(el.itertext())
    else:
        raw = (el.text or "") + "".join(("" if c.tag == "list" else "".join(c.itertext())) + (c.tail or "") for c in el)
    return " ".join(raw.replace("\u00ad", "").split())
