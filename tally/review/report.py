"""The review page: one self-contained HTML file showing every figure in its sentence, the facts, conflicts and series.

Inputs are a published warehouse (its `current` build, or a folder of Parquet files such as a release) and the
raw folder. The warehouse does not store whole documents, so each document's text comes from the raw folder
(`documents.path`, accepted only when the bytes still hash to `doc_id`); when the file is gone or changed the
text is stitched from the stored passages and mentions (offsets are kept; characters between passages are not
stored and show as blanks), and the page says so.

`write_report(warehouse, raw)` writes `<warehouse>/current/report.html`, beside the data it describes (the
release step copies it from there), plus a stable link `<warehouse>/report.html -> current/report.html` like
the warehouse's other stable paths. The same warehouse and raw folder always give the same bytes.
"""
from __future__ import annotations

import hashlib
import math
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import pandas as pd
import pyarrow.parquet as pq
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from tally.publish import warehouse as wh
# The page's parts, named here too (the tests and notebooks reach them through this module).
from tally.review.charts import SeriesChart, chart_svg, series_of  # noqa: F401
from tally.review.formatting import GREY, colour_of, colours, fmt_number, fmt_period, fmt_value, hue_colour, single_year  # noqa: F401
from tally.review.page_layout import RULE_RE, Line, Piece, layout, line_kind, line_kinds, line_spans  # noqa: F401

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "report.html.j2"
REPORT_NAME = "report.html"
TABLES = ("documents", "passages", "mentions", "facts", "conflicts", "quarantine", "document_texts")

NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
YEAR_RE = re.compile(r"(?:1[89]|20)\d\d")
_COMPARATOR_WORDS = {"=": "exactly", "~": "about", ">": "over", ">=": "at least", "<": "under", "<=": "up to"}


# ---------------------------------------------------------------------------------------------- loading

def parquet_dir(warehouse: Path) -> Path:
    """The folder holding the tables: the published build's parquet/, or a plain folder of Parquet files."""
    build = wh.current_build(warehouse)
    for cand in ([build / wh.PARQUET_DIR] if build else []) + [warehouse / wh.PARQUET_DIR, warehouse]:
        if (cand / "mentions.parquet").exists():
            return cand
    raise FileNotFoundError(f"no published warehouse (mentions.parquet) under {warehouse}; run `tally run` first")


def load_tables(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Every table the page shows, as frames (a missing table is an empty frame)."""
    pdir = parquet_dir(warehouse)
    out = {}
    for name in TABLES:
        path = pdir / f"{name}.parquet"
        out[name] = pq.read_table(path).to_pandas() if path.exists() else pd.DataFrame()
    return out


def build_id(warehouse: Path) -> str | None:
    """Id of the published build, when the warehouse has one."""
    build = wh.current_build(warehouse)
    return build.name if build else None


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with pandas' missing markers turned into None and arrays into lists."""
    return [{k: clean(v) for k, v in row.items()} for row in df.to_dict("records")] if len(df) else []


def clean(v: Any) -> Any:
    """None for NaN/NA, a list for array-likes, the value otherwise."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
        return v.tolist()
    return v


# ---------------------------------------------------------------------------------------------- text

def raw_text(raw: Path, doc: dict[str, Any]) -> str | None:
    """The document's text decoded from raw/, or None when the file is gone or its bytes changed."""
    from tally.ingest.discover import DocumentError, RawDocument, SourceInfo, decode

    path = raw / doc["path"]
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != doc["doc_id"]:
        return None
    try:
        text = decode(RawDocument(doc["path"], doc["doc_id"], data, SourceInfo(file=doc["path"]))).text
    except DocumentError:
        return None
    return text if doc.get("n_chars") is None or len(text) == doc["n_chars"] else None


def stitch_text(n_chars: int, pieces: Iterable[tuple[int, str]]) -> str:
    """Rebuild a text of n_chars from (start, text) pieces; characters no piece covers become spaces."""
    buf = [" "] * n_chars
    for start, text in pieces:
        for i, ch in enumerate(text[: max(0, n_chars - start)]):
            buf[start + i] = ch
    return "".join(buf)


def document_text(raw: Path, doc: dict[str, Any], passages: list[dict], mentions: list[dict]) -> tuple[str, bool]:
    """(text, exact): the raw file's text, or a stitched approximation (exact=False) when it is unavailable."""
    text = raw_text(raw, doc)
    if text is not None:
        return text, True
    n = doc.get("n_chars") or max([p["end"] for p in passages] + [m["end"] for m in mentions] + [0])
    return stitch_text(n, [(p["start"], p["text"]) for p in passages] + [(m["start"], m["text"]) for m in mentions]), False


# ---------------------------------------------------------------------------------------------- formatting

def number_spans(text: str) -> list[tuple[int, int]]:
    """Spans of digit-bearing numbers in a text (digits with inner , or . separators)."""
    return [m.span() for m in NUMBER_RE.finditer(text)]


def is_year(token: str) -> bool:
    """A bare four-digit year 1800–2099 (no separators)."""
    return YEAR_RE.fullmatch(token) is not None


def covered(span: tuple[int, int], mention_spans: list[tuple[int, int]]) -> bool:
    """Whether a span overlaps any mention span."""
    s, e = span
    return any(ms < e and s < me for ms, me in mention_spans)


@dataclass
class Coverage:
    """How much of the text's numbers became mentions, and how many mentions became facts."""

    numbers: int = 0
    numbers_covered: int = 0
    non_year: int = 0
    non_year_covered: int = 0
    mentions: int = 0
    classified: int = 0
    in_facts: int = 0

    def add(self, other: "Coverage") -> "Coverage":
        """Field-wise sum."""
        return Coverage(*(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__))

    @staticmethod
    def share(part: int, whole: int) -> str:
        """part/whole as a percentage string, — when whole is 0."""
        return f"{100 * part / whole:.0f}%" if whole else "—"


def doc_coverage(text: str, mentions: list[dict], fact_mentions: set[str]) -> tuple[Coverage, list[tuple[int, int]]]:
    """Coverage of one document, and the spans of non-year numbers no mention covers."""
    spans = [(m["start"], m["end"]) for m in mentions]
    nums = number_spans(text)
    missed = [n for n in nums if not covered(n, spans)]
    missed_non_year = [n for n in missed if not is_year(text[n[0]:n[1]])]
    non_year = [n for n in nums if not is_year(text[n[0]:n[1]])]
    cov = Coverage(len(nums), len(nums) - len(missed), len(non_year), len(non_year) - len(missed_non_year),
                   len(mentions), sum(1 for m in mentions if m.get("indicator")),
                   sum(1 for m in mentions if m["mention_id"] in fact_mentions))
    return cov, missed_non_year


# ---------------------------------------------------------------------------------------------- text layout

def snippet(text: str, start: int, end: int, limit: int = 220) -> tuple[str, str, str]:
    """(before, match, after): the sentence around text[start:end], cut to about limit characters a side."""
    lo = max(0, start - limit)
    before = text[lo:start]
    cut = max(before.rfind(". "), before.rfind("\n"), before.rfind(" – "), before.rfind(" | "))
    before = before[cut + 1:].lstrip(" |–") if cut >= 0 else ("…" if lo else "") + before
    after = text[end:end + limit]
    stops = [i for i in (after.find(". "), after.find("\n"), after.find(" – "), after.find(" |")) if i >= 0]
    if stops:
        stop = min(stops)
        after = after[: stop + (after[stop] == ".")]
    elif end + limit < len(text):
        after += "…"
    return before, text[start:end], after


# ---------------------------------------------------------------------------------------------- series charts

# ---------------------------------------------------------------------------------------------- views

def mention_view(m: dict, titles: dict[str, str], palette: dict[str, str], facts_of: dict[str, list[str]]) -> dict:
    """What a highlight and its tooltip show about a mention."""
    ind = m.get("indicator")
    return {
        **m,
        "colour": colour_of(ind, palette),
        "indicator_title": titles.get(ind, ind) if ind else "unclassified",
        "value_text": fmt_value(m.get("value"), m.get("unit")),
        "range_text": (f"{fmt_value(m['low'], m['unit'])} – {fmt_value(m['high'], m['unit'])}"
                       if m.get("low") is not None and m.get("high") is not None else None),
        "comparator_text": f"{m.get('comparator')} ({_COMPARATOR_WORDS.get(m.get('comparator'), '?')})",
        "period_text": fmt_period(m.get("period_start"), m.get("period_end")),
        "fact_ids": facts_of.get(m["mention_id"], []),
    }


def fact_view(f: dict, titles: dict[str, str], palette: dict[str, str], mentions: dict[str, dict],
              texts: dict[str, str]) -> dict:
    """What a facts-table row and a conflict card show about a fact."""
    ms = [mentions[i] for i in (f.get("mention_ids") or []) if i in mentions]
    ms.sort(key=lambda m: (m["doc_id"], m["start"]))
    quote = f.get("quote")
    first = ms[0] if ms else None
    if first and first["doc_id"] in texts:
        before, match, after = snippet(texts[first["doc_id"]], first["start"], first["end"])
    else:
        before, match, after = "", "", ""
    if quote and match and match in quote:  # the stored quote, with its mention emphasized
        i = quote.index(match)
        before, after = quote[:i], quote[i + len(match):]
    elif quote:
        before, match, after = quote, "", ""
    countries = sorted({c for c in (f.get("subject"), f.get("counterpart")) if c})
    measure_signed = f.get("measure") == "change"
    return {
        **f,
        "colour": colour_of(f.get("indicator"), palette),
        "indicator_title": titles.get(f.get("indicator"), f.get("indicator") or "unclassified"),
        "value_text": fmt_value(f.get("value"), f.get("unit"), signed=measure_signed),
        "value_sort": "" if f.get("value") is None else repr(float(f["value"])),
        "period_text": fmt_period(f.get("period_start"), f.get("period_end")),
        "countries": countries,
        "mentions": ms,
        "missing_mentions": [i for i in (f.get("mention_ids") or []) if i not in mentions],
        "quote_parts": (before, match, after),
        "quote_is_stored": bool(quote),
    }


def conflict_view(c: dict, facts: dict[str, dict]) -> dict:
    """A conflict with its facts looked up (unknown ids kept, marked missing)."""
    ids = c.get("fact_ids") or []
    return {**c, "facts": [facts.get(i) for i in ids], "fact_ids": ids}


def group_by_doc(rows: list[dict]) -> dict[str, list[dict]]:
    """Rows grouped by their doc_id, in their original order."""
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["doc_id"], []).append(r)
    return out


def indicator_titles() -> dict[str, str]:
    """Indicator code -> title from the catalog (empty when the catalog is missing or unreadable)."""
    try:
        from schemas import vocab

        return {code: str(e.get("title") or code) for code, e in vocab.indicators().items()}
    except Exception:  # the page must render even while the catalog is being edited
        return {}


def context(warehouse: Path, raw: Path) -> dict[str, Any]:
    """Everything the template needs, computed from the warehouse and the raw folder."""
    t = load_tables(warehouse)
    docs, passages, mentions = records(t["documents"]), records(t["passages"]), records(t["mentions"])
    facts, conflicts, quarantine = records(t["facts"]), records(t["conflicts"]), records(t["quarantine"])
    titles = indicator_titles()
    palette = colours([m.get("indicator") for m in mentions] + [f.get("indicator") for f in facts])
    facts_of: dict[str, list[str]] = {}
    for f in facts:
        for mid in f.get("mention_ids") or []:
            facts_of.setdefault(mid, []).append(f["fact_id"])
    m_views = {m["mention_id"]: mention_view(m, titles, palette, facts_of) for m in mentions}
    documents, texts, total = [], {}, Coverage()
    known_docs = {d["doc_id"] for d in docs}
    orphans = [m for m in mentions if m["doc_id"] not in known_docs]
    passages_of, mentions_of = group_by_doc(passages), group_by_doc(list(m_views.values()))
    dt = t["document_texts"]  # the extracted text of PDF and HTML documents, as published
    converted = dict(zip(dt["doc_id"], dt["text"])) if len(dt) else {}
    for d in sorted(docs, key=lambda d: (d.get("path") or "", d["doc_id"])):
        ps = passages_of.get(d["doc_id"], [])
        ms = sorted(mentions_of.get(d["doc_id"], []), key=lambda m: (m["start"], m["end"]))
        text, exact = (converted[d["doc_id"]], True) if d["doc_id"] in converted else document_text(raw, d, ps, ms)
        for m in ms:  # a PDF's page: link the figure to the page in the original file
            if m.get("page"):
                m["page"] = int(m["page"])  # read back from Parquet as a float when the column has NULLs
                m["page_href"] = f"{(raw / d['path']).resolve().as_uri()}#page={m['page']}"
        texts[d["doc_id"]] = text
        cov, missed = doc_coverage(text, ms, set(facts_of))
        total = total.add(cov)
        mismatched = [m["mention_id"] for m in ms if text[m["start"]:m["end"]] != m["text"]]
        documents.append({**d, "anchor": f"doc-{d['doc_id'][:16]}", "exact": exact, "coverage": cov,
                          "lines": layout(text, ms, missed, line_kinds(ps)), "n_mentions": len(ms),
                          "mismatched": mismatched})
    f_views = [fact_view(f, titles, palette, m_views, texts) for f in sorted(facts, key=lambda f: f["fact_id"])]
    by_id = {f["fact_id"]: f for f in f_views}
    charts = series_of(facts, titles)
    for ch in charts:
        ch.svg = chart_svg(ch, colour_of(ch.key[0], palette))
    legend = [{"code": c, "title": titles.get(c, c), "colour": palette[c],
               "n": sum(1 for m in mentions if m.get("indicator") == c)}
              for c in sorted(palette, key=lambda c: (titles.get(c, c).lower(), c))]
    total.mentions += len(orphans)
    return {
        "build_id": build_id(warehouse),
        "documents": documents,
        "facts": f_views,
        "conflicts": [conflict_view(c, by_id) for c in sorted(conflicts, key=lambda c: c["conflict_id"])],
        "charts": charts,
        "legend": legend,
        "grey": GREY,
        "n_unclassified": sum(1 for m in mentions if not m.get("indicator")),
        "coverage": total,
        "share": Coverage.share,
        "orphans": orphans,
        "quarantine": quarantine,
        "fact_indicators": sorted({(f["indicator"], f["indicator_title"]) for f in f_views if f.get("indicator")}),
        "fact_countries": sorted({c for f in f_views for c in f["countries"]}),
        "n_mentions": len(mentions),
    }


# ---------------------------------------------------------------------------------------------- output

def environment() -> Environment:
    """The Jinja2 environment: templates beside this module, autoescape always on."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True,
                      default_for_string=True), trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return env


def render_report(warehouse: Path, raw: Path) -> str:
    """The review page for a warehouse, as one self-contained HTML string."""
    env = environment()
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    return env.get_template(TEMPLATE).render(css=Markup(css), js=Markup(js), **context(Path(warehouse), Path(raw)))


def default_out(warehouse: Path) -> Path:
    """Where the report goes by default: inside the published build it describes."""
    build = wh.current_build(warehouse)
    return (build if build else warehouse) / REPORT_NAME


def _atomic_write(path: Path, data: str) -> None:
    """Write a file through a temporary name and a rename, so readers never see half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    tmp.write_text(data, encoding="utf-8")
    os.replace(tmp, path)


def _link_stable(warehouse: Path, out: Path) -> None:
    """Point <warehouse>/report.html at current/report.html (only when the report went into the build)."""
    build = wh.current_build(warehouse)
    if build is None or out.resolve() != (build / REPORT_NAME).resolve():
        return
    link = warehouse / REPORT_NAME
    target = f"current/{REPORT_NAME}"
    if link.is_symlink() and os.readlink(link) == target:
        return
    if link.exists() and not link.is_symlink():
        return  # a file someone put there: leave it alone
    tmp = warehouse / f".{REPORT_NAME}.{uuid.uuid4().hex}"
    os.symlink(target, tmp)
    os.replace(tmp, link)


def write_report(warehouse: Path, raw: Path, out: Path | None = None) -> Path:
    """Render the page and write it (default: the current build's report.html); return the path written."""
    warehouse, raw = Path(warehouse), Path(raw)
    html = render_report(warehouse, raw)
    target = Path(out) if out is not None else default_out(warehouse)
    _atomic_write(target, html)
    _link_stable(warehouse, target)
    return target
