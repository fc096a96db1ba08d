"""Make the PDF and HTML fixtures of tests/test_convert*.py from plain-text documents (no downloads).

An HTML page wraps a plain text's headings, paragraphs, bullets and pipe tables in realistic site chrome
(navigation with numbers, a cookie banner, a footer with a phone number and a year); headless Chromium
prints it to a PDF with two columns, a running header with a date, page numbers and hyphenation.
"""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tally.ingest.segment import segment

CHROMIUM = Path(os.environ.get("TALLY_CHROMIUM", "/usr/bin/chromium"))
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-pdf-header-footer"]
# What the chrome says: every one of these figures must stay out of the mentions.
CHROME_NUMBERS = ["Top 10 reports", "2,400 subscribers", "3 partners", "(202) 512-3000", "2025", "1-800-555-0199"]

_STYLE = """
body { font-family: 'DejaVu Serif', serif; font-size: 10.5pt; line-height: 1.35; }
main.columns { column-count: 2; column-gap: 8mm; hyphens: auto; text-align: justify; }
main.columns table { column-span: all; }
h1 { font-size: 17pt; column-span: all; }
h2 { font-size: 13pt; margin: 10pt 0 4pt; }
p { margin: 0 0 7pt; }
li { margin: 0 0 4pt; }
table { border-collapse: collapse; width: 100%; margin: 8pt 0; font-size: 9.5pt; hyphens: manual; }
td, th { border: 0.75pt solid #444; padding: 3pt 4pt; vertical-align: top; text-align: left; }
tr { break-inside: avoid; }
.cookie, nav, footer { font-family: sans-serif; font-size: 9pt; }
@media print { nav, .cookie, footer { display: none; } }
"""


def _page_style(running: str) -> str:
    """Letter pages with a running header (publisher and date) and "Page N of M" in the margin boxes."""
    q = running.replace('"', "'")
    return ("@page { size: Letter; margin: 22mm 16mm 20mm 16mm;"
            f' @top-left {{ content: "{q}"; font-size: 8pt; color: #555; }}'
            ' @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; } }')


def _shy(text: str) -> str:
    """Soft hyphens inside long words, so that the printout hyphenates without the browser's dictionaries."""
    def cut(m: re.Match) -> str:
        w = m.group()
        return "\u00ad".join(w[i:i + 4] for i in range(0, len(w), 4)) if w.islower() else w
    return re.sub(r"(?<![\w.$%-])[a-z]{10,}(?![\w%$-])", cut, text)


def _esc(text: str, shy: bool) -> str:
    text = " ".join(text.split())
    return html.escape(_shy(text) if shy else text, quote=False)


def _table(lines: list[str], shy: bool) -> str:
    """A pipe table (header line, rule, rows) as an HTML table."""
    def cells(line: str) -> list[str]:
        parts = [c.strip() for c in line.strip().strip("|").split("|")]
        return parts
    head, rows = cells(lines[0]), [cells(x) for x in lines[2:]]
    out = ["<table><thead><tr>" + "".join(f"<th>{_esc(c, False)}</th>" for c in head) + "</tr></thead><tbody>"]
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{_esc(c, shy)}</td>" for c in r) + "</tr>")
    return "\n".join(out + ["</tbody></table>"])


def body_html(text: str, shy: bool = True, footnotes: bool = True) -> str:
    """A plain text's passages as HTML blocks: headings, paragraphs, bullet lists and tables."""
    out: list[str] = []
    bullets: list[str] = []
    table: list[str] = []
    n_note = 0

    def flush() -> None:
        if bullets:
            out.append("<ul>" + "".join(f"<li>{b}</li>" for b in bullets) + "</ul>")
            bullets.clear()

    for p in segment(text):
        if p.kind in ("cell",) or (p.kind == "bullet" and p.parent is not None):
            continue
        if p.kind == "table_header":
            flush()
            table = [p.text, "---"]
            out.append(None)  # type: ignore[arg-type]  # placeholder filled when the table ends
            continue
        if p.kind == "table_row":
            table.append(p.text)
            continue
        if table:
            out[out.index(None)] = _table(table, shy)
            table = []
        if p.kind == "bullet":
            bullets.append(_esc(p.text, shy))
            continue
        flush()
        if p.kind == "heading":
            out.append(f"<h2>{_esc(p.text, False)}</h2>")
        else:
            body = _esc(p.text, shy)
            if footnotes and body.endswith(".") and n_note < 3 and len(body) > 300:
                n_note += 1  # a footnote marker after a sentence's full stop (superscript, linked)
                body += f'<sup><a href="#fn{n_note}" id="r{n_note}">{n_note}</a></sup>'
            out.append(f"<p>{body}</p>")
    if table:
        out[out.index(None)] = _table(table, shy)
    flush()
    return "\n".join(out)


def page_html(title: str, body: str, date: str = "March 12, 2024", publisher: str = "Congressional Research Service",
              charset: str = "utf-8") -> str:
    """A whole web page: meta tags, site chrome around the article, a running header for print."""
    t = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="{charset}"><title>{t} | {publisher}</title>
<meta name="citation_title" content="{t}">
<meta name="citation_publisher" content="{html.escape(publisher)}">
<meta name="citation_publication_date" content="2024/03/12">
<meta property="og:site_name" content="{html.escape(publisher)}">
<meta name="dc.creator" content="Analyst Desk">
<style>{_page_style(publisher + " · " + date)}{_STYLE}</style></head>
<body>
<div class="cookie" id="cookie-banner">We use 3 cookies to improve your experience. By continuing you accept our cookie policy.
<button>Accept all</button></div>
<header><nav class="site-nav"><ul><li><a href="/top">Top 10 reports</a></li><li><a href="/news">Newsletter: 2,400 subscribers</a></li>
<li><a href="/about">About us (3 partners)</a></li><li><a href="/contact">Contact</a></li></ul></nav></header>
<article><main class="columns"><h1>{t}</h1>
{body}
</main></article>
<footer><p>© 2025 {html.escape(publisher)}. Questions? Call (202) 512-3000 or 1-800-555-0199.</p>
<p><a href="/privacy">Privacy</a> · <a href="/terms">Terms</a></p></footer>
</body></html>
"""


def print_pdf(html_file: Path, pdf: Path) -> None:
    """Print an HTML file to PDF with headless Chromium (a fresh profile each time)."""
    profile = Path(tempfile.mkdtemp(prefix="tally-chromium-"))
    try:
        subprocess.run([str(CHROMIUM), *CHROME_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}",
                        html_file.as_uri()], check=True, capture_output=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if not pdf.exists():
        raise RuntimeError(f"chromium printed nothing for {html_file}")


def image_only_pdf(pdf: Path, text: str) -> None:
    """A scanned-looking PDF: text rendered to an image (matplotlib), the page holding only that image."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(8.5, 11))
    fig.text(0.08, 0.92, "\n".join(text.splitlines()[:30]), va="top", fontsize=9, wrap=True)
    png = pdf.with_suffix(".png")
    fig.savefig(png, dpi=100)
    plt.close(fig)
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument.new()
    page = doc.new_page(612, 792)
    img = pdfium.PdfImage.new(doc)
    from PIL import Image

    bitmap = pdfium.PdfBitmap.from_pil(Image.open(png).convert("RGB"))
    img.set_bitmap(bitmap)
    img.set_matrix(pdfium.PdfMatrix().scale(612, 792))
    page.insert_obj(img)
    page.gen_content()
    doc.save(pdf)
    png.unlink()


def encrypted_pdf(src: Path, dst: Path) -> bool:
    """An encrypted copy of a PDF (a user password is needed to open it); False when pikepdf is missing."""
    try:
        import pikepdf
    except ImportError:
        return False
    with pikepdf.open(src) as pdf:
        pdf.save(dst, encryption=pikepdf.Encryption(user="secret", owner="owner", R=6))
    return True


ROOT = Path(__file__).resolve().parent.parent
DEV_DOCS = ROOT / "tests" / "gold" / "dev" / "docs"


def dev_text() -> str:
    """The 14 dev passages, one after another (a bulletin long enough to run over several pages)."""
    return "\n\n".join(p.read_text(encoding="utf-8").strip() for p in sorted(DEV_DOCS.glob("*.txt"))) + "\n"


def build(folder: Path) -> dict[str, Path]:
    """Every fixture in `folder`: seed and dev as .txt, .html and .pdf; a scan and an encrypted PDF.

    Keys: seed_txt, seed_html, seed_pdf, dev_txt, dev_html, dev_pdf, seed_ragged_pdf (three columns, ragged
    right), dev_ragged_pdf (one column), scan_pdf, and locked_pdf when pikepdf is installed. The PDFs need Chromium (see CHROMIUM); without it they are left out.
    """
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    texts = {"seed": (ROOT / "raw" / "us_russia_relations.txt").read_text(encoding="utf-8"), "dev": dev_text()}
    titles = {"seed": "U.S.–Russia Relations: Diplomatic Recalibration", "dev": "Federal Statistics Digest"}
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        (folder / f"{name}.html").write_text(page_html(titles[name], body_html(text)), encoding="utf-8")
        out[f"{name}_txt"], out[f"{name}_html"] = folder / f"{name}.txt", folder / f"{name}.html"
        if CHROMIUM.exists():
            print_pdf(folder / f"{name}.html", folder / f"{name}.pdf")
            out[f"{name}_pdf"] = folder / f"{name}.pdf"
    if CHROMIUM.exists():  # other layouts: three ragged columns (seed), one ragged column (dev)
        for name, columns in (("seed", 3), ("dev", 1)):
            page = (folder / f"{name}.html").read_text(encoding="utf-8")
            page = page.replace("text-align: justify;", "text-align: left;").replace(
                "column-count: 2;", f"column-count: {columns};")
            (folder / f"{name}-ragged.html").write_text(page, encoding="utf-8")
            print_pdf(folder / f"{name}-ragged.html", folder / f"{name}-ragged.pdf")
            out[f"{name}_ragged_pdf"] = folder / f"{name}-ragged.pdf"
    image_only_pdf(folder / "scan.pdf", texts["dev"])
    out["scan_pdf"] = folder / "scan.pdf"
    if "seed_pdf" in out and encrypted_pdf(out["seed_pdf"], folder / "locked.pdf"):
        out["locked_pdf"] = folder / "locked.pdf"
    return out
