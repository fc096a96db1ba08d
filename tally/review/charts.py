"""The review page's small charts: a figure stated for several years becomes a series drawn as inline SVG."""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from markupsafe import Markup

from tally.review.formatting import fmt_value, single_year


@dataclass
class SeriesChart:
    """Facts of one indicator/subject/counterpart/measure/unit over ≥2 single years, with their SVG."""

    key: tuple
    title: str
    points: list[tuple[int, float, str]]  # (year, value, fact_id)
    svg: Markup = Markup("")


def series_of(facts: list[dict], titles: dict[str, str]) -> list[SeriesChart]:
    """Groups of facts that form a series: same indicator, parties, measure and unit, ≥2 distinct years."""
    groups: dict[tuple, list[tuple[int, float, str]]] = {}
    for f in facts:
        year = single_year(f.get("period_start"), f.get("period_end"))
        if year is None or f.get("value") is None:
            continue
        key = (f.get("indicator") or "", f.get("subject") or "", f.get("counterpart") or "",
               f.get("measure") or "", f.get("unit") or "")
        groups.setdefault(key, []).append((year, float(f["value"]), f["fact_id"]))
    out = []
    for key, pts in sorted(groups.items()):
        if len({y for y, _, _ in pts}) >= 2:
            ind, subj, cp, measure, unit = key
            parties = subj + (f" – {cp}" if cp else "")
            out.append(SeriesChart(key, f"{titles.get(ind, ind)} · {parties}".strip(" ·"), sorted(pts)))
    return out


def chart_svg(chart: SeriesChart, colour: str) -> Markup:
    """A small matplotlib line chart of a series, as deterministic inline SVG markup."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    unit = chart.key[4]
    salt = hashlib.sha256(repr(chart.key).encode()).hexdigest()[:12]  # unique, stable ids per chart
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none", "font.size": 9,
                                "font.family": "DejaVu Sans", "axes.spines.top": False,
                                "axes.spines.right": False}):
        fig = Figure(figsize=(4.2, 2.5), dpi=96)
        ax = fig.add_subplot()
        years = sorted({y for y, _, _ in chart.points})
        first = [next(v for y2, v, _ in chart.points if y2 == y) for y in years]
        ax.plot(years, first, color=colour, linewidth=2, marker="o", markersize=6, zorder=3)
        extra = [(y, v) for y, v, _ in chart.points if (y, v) not in zip(years, first)]
        if extra:
            ax.scatter([y for y, _ in extra], [v for _, v in extra], color=colour, marker="D", s=30, zorder=3,
                       label="other statement")
            ax.legend(frameon=False, fontsize=8, loc="best")
        crowded = {y for y, _ in extra}  # years with several statements: labels go left (line) and right (others)
        for y, v in zip(years, first):
            off, ha = ((-7, -3), "right") if y in crowded else ((0, 7), "center")
            ax.annotate(fmt_value(v, unit), (y, v), textcoords="offset points", xytext=off, ha=ha, fontsize=8)
        for y, v in extra:
            ax.annotate(fmt_value(v, unit), (y, v), textcoords="offset points", xytext=(7, -3), ha="left", fontsize=8)
        lo = min(0.0, min(v for _, v, _ in chart.points))
        hi = max(0.0, max(v for _, v, _ in chart.points))
        ax.set_ylim(lo - 0.05 * (hi - lo or 1), hi + 0.22 * (hi - lo or 1))
        pad = 0.6 + (0.38 if crowded else 0.12) * (years[-1] - years[0])
        ax.set_xlim(years[0] - pad, years[-1] + pad)
        if len(years) <= 8:
            ax.set_xticks(years)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_value(v, unit)))
        ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
        ax.set_axisbelow(True)
        fig.tight_layout(pad=0.4)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML declaration and doctype for inlining
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{_attr(chart.title)}" ', 1)
    return Markup(svg)


def _attr(s: str) -> str:
    """Escape a string for a double-quoted XML attribute."""
    return s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
