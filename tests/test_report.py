"""The review page: escaping, one highlight per mention, one row per fact, charts, and a real headless browser."""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tally import build as lib
from tally.review import report as rp
from tally.publish import warehouse as wh
from tally.model import Conflict, Fact, Mention

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("TALLY_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("TALLY_ARTIFACTS", ROOT / "tests" / "artifacts"))
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--mute-audio"]

TEXT = """Trade and troops
Trade between Russia and the United States fell from $38.1 billion in 2013 to $8.5 billion in 2023.
A note for the reviewer: <script>alert("x")</script> & <b>not bold</b> stays text.
Another source says trade was $40 billion in 2013, while 7 ministers met in 1999.
"""


# ---------------------------------------------------------------------------------------------- helpers

def _mention(doc_id: str, text: str, needle: str, nth: int, **kw) -> Mention:
    """A synthetic mention of the nth occurrence of needle in text."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    fields = {"value": None, "low": None, "high": None, "unit": "USD", "comparator": "=", "change": None, **kw}
    return Mention(doc_id, f"{doc_id[:16]}-m{start:07d}", f"{doc_id[:16]}-p00001", start, start + len(needle),
                   needle, **fields)


def _synthetic(tmp: Path, text: str = TEXT) -> tuple[Path, Path, dict]:
    """A raw folder and published warehouse with hand-made mentions, facts, a conflict and a series."""
    raw = tmp / "raw"
    raw.mkdir()
    (raw / "note.txt").write_text(text, encoding="utf-8")
    found = lib.discover_documents(raw)
    segmented, _ = lib.segment_documents(found.documents)
    doc_id = segmented[0].doc.doc_id
    t = segmented[0].doc.text
    m = [
        _mention(doc_id, t, "$38.1 billion", 0, value=38.1e9, indicator="bilateral_trade_value", measure="level",
                 subject="RUS", counterpart="USA", period_start="2013", period_end="2013"),
        _mention(doc_id, t, "$8.5 billion", 0, value=8.5e9, indicator="bilateral_trade_value", measure="level",
                 subject="RUS", counterpart="USA", period_start="2023", period_end="2023"),
        _mention(doc_id, t, "$40 billion", 0, value=40e9, indicator="bilateral_trade_value", measure="level",
                 subject="RUS", counterpart="USA", period_start="2013", period_end="2013"),
        _mention(doc_id, t, "7", 0, value=7.0, unit="count"),  # unclassified, in no fact
    ]
    facts = [
        Fact("F0001", "bilateral_trade_value", "RUS", "USA", "level", 38.1e9, "USD", "=", "2013", "2013", 1,
             [m[0].mention_id], [doc_id], None),
        Fact("F0002", "bilateral_trade_value", "RUS", "USA", "level", 8.5e9, "USD", "=", "2023", "2023", 1,
             [m[1].mention_id], [doc_id], None),
        Fact("F0003", "bilateral_trade_value", "RUS", "USA", "level", 40e9, "USD", "=", "2013", "2013", 1,
             [m[2].mention_id], [doc_id], "Another source says trade was $40 billion in 2013"),
    ]
    conflicts = [Conflict("C0001", "value", ["F0001", "F0003"], "2013 trade: $38.1 billion vs $40 billion")]
    from tally.columns import mention_table, passage_table

    extracted = [lib.Extracted(segmented[0].doc, passage_table(doc_id, segmented[0].passages), mention_table(m))]
    tables = lib.assemble(extracted, facts, conflicts, [], now="2026-01-01T00:00:00Z")
    wh.publish(tmp / "wh", tables)
    return raw, tmp / "wh", {"mentions": m, "facts": facts, "conflicts": conflicts, "text": t}


class _Collect(HTMLParser):
    """Elements carrying data-mention-id / data-fact-id, the text inside highlights, and script tags."""

    def __init__(self) -> None:
        super().__init__()
        self.mentions: list[str] = []
        self.facts: list[str] = []
        self.scripts = 0
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.mark_text: dict[str, str] = {}
        self._stack: list[tuple[str, str | None, bool]] = []  # (tag, mention id, inside tooltip)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        mid = a.get("data-mention-id")
        if mid:
            self.mentions.append(mid)
            self.mark_text[mid] = ""
        if a.get("data-fact-id") and tag == "tr":
            self.facts.append(a["data-fact-id"])
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and (a.get("href") or "").startswith("#"):
            self.hrefs.append(a["href"][1:])
        self.scripts += tag == "script"
        parent_mid = self._stack[-1][1] if self._stack else None
        in_tip = (self._stack[-1][2] if self._stack else False) or "tip" in (a.get("class") or "").split()
        if tag not in ("br", "meta", "input", "link"):
            self._stack.append((tag, mid or parent_mid, in_tip))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1][1] and not self._stack[-1][2]:
            self.mark_text[self._stack[-1][1]] += data


def _parse(html: str) -> _Collect:
    """Parse a page into its highlights, fact rows, ids and links."""
    p = _Collect()
    p.feed(html)
    return p


# ---------------------------------------------------------------------------------------------- unit tests

@pytest.fixture
def synthetic(tmp_path):
    return _synthetic(tmp_path)


def test_document_text_is_escaped(synthetic):
    raw, warehouse, _ = synthetic
    html = rp.render_report(warehouse, raw)
    assert '&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;' in html or "&lt;script&gt;alert(" in html
    assert "<script>alert" not in html and "<b>not bold</b>" not in html
    assert _parse(html).scripts == 1  # only the page's own script


def test_one_highlight_per_mention_and_one_row_per_fact(synthetic):
    raw, warehouse, data = synthetic
    page = _parse(rp.render_report(warehouse, raw))
    assert sorted(page.mentions) == sorted(m.mention_id for m in data["mentions"])
    assert sorted(page.facts) == [f.fact_id for f in data["facts"]]
    for m in data["mentions"]:  # the highlight wraps exactly the mention's characters
        assert page.mark_text[m.mention_id] == m.text
    ids = set(page.ids)
    assert len(page.ids) == len(ids), "duplicate element ids"
    assert all(h in ids for h in page.hrefs), [h for h in page.hrefs if h not in ids]
    for f in data["facts"]:
        assert all(f"m-{mid}" in ids for mid in f.mention_ids)


def test_tooltip_shows_normalized_reading(synthetic):
    raw, warehouse, data = synthetic
    html = rp.render_report(warehouse, raw)
    m = data["mentions"][0]
    tip = html[html.index(f'id="t-{m.mention_id}"'):]
    tip = tip[: tip.index("</mark>")]
    for expected in ("$38.1 billion", "USD", "RUS", "USA", "2013", "F0001", "exactly"):
        assert expected in tip
    assert 'tabindex="0"' in html[html.index(f'id="m-{m.mention_id}"') - 300:html.index(f'id="m-{m.mention_id}"') + 300]


def test_conflict_shows_both_quotes(synthetic):
    raw, warehouse, _ = synthetic
    html = rp.render_report(warehouse, raw)
    art = html[html.index('data-conflict-id="C0001"'):]
    art = art[: art.index("</article>")]
    assert art.count('class="side"') == 2
    assert "$38.1 billion" in art and "Another source says trade was" in art


def test_series_is_an_inline_matplotlib_svg(synthetic):
    raw, warehouse, _ = synthetic
    html = rp.render_report(warehouse, raw)
    assert html.count('<figure class="chart"') == 1
    fig = html[html.index('<figure class="chart"'):]
    fig = fig[: fig.index("</figure>")]
    assert "<svg " in fig and "Matplotlib" in fig and "<?xml" not in fig
    assert "http://" not in html.replace("http://www.w3.org/", "").replace("http://purl.org/", "").replace(
        "http://creativecommons.org/", "").replace("http://matplotlib.org", "")


def test_same_warehouse_gives_same_bytes(synthetic, tmp_path):
    raw, warehouse, _ = synthetic
    html = rp.render_report(warehouse, raw)
    assert html == rp.render_report(warehouse, raw)
    code = "import sys; from pathlib import Path; from tally.review.report import render_report; " \
           "sys.stdout.buffer.write(render_report(Path(sys.argv[1]), Path(sys.argv[2])).encode())"
    for seed in ("1", "2"):  # other processes, other hash seeds: same bytes
        out = subprocess.run([sys.executable, "-c", code, str(warehouse), str(raw)], capture_output=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}, cwd=ROOT)
        assert out.stdout.decode() == html


def test_missing_raw_falls_back_to_stitched_text(synthetic, tmp_path):
    raw, warehouse, data = synthetic
    (raw / "note.txt").write_text(TEXT.replace("troops", "TROOPS"), encoding="utf-8")  # bytes changed
    html = rp.render_report(warehouse, raw)
    page = _parse(html)
    assert "stitched from the stored passages" in html
    assert sorted(page.mentions) == sorted(m.mention_id for m in data["mentions"])
    assert all(page.mark_text[m.mention_id] == m.text for m in data["mentions"])
    html2 = rp.render_report(warehouse, tmp_path / "nowhere")
    assert "stitched from the stored passages" in html2


def test_coverage_counts_numbers_and_facts(synthetic):
    raw, warehouse, data = synthetic
    ctx = rp.context(warehouse, raw)
    cov = ctx["coverage"]
    text = data["text"]
    assert cov.numbers == len(rp.number_spans(text))
    assert cov.numbers_covered == 4  # 38.1, 8.5, 40, 7
    assert cov.non_year == 4 and cov.non_year_covered == 4  # 2013, 2023, 2013, 1999 are bare years
    assert (cov.mentions, cov.classified, cov.in_facts) == (4, 3, 3)


def test_write_report_goes_into_the_build_with_a_stable_link(synthetic):
    raw, warehouse, _ = synthetic
    out = rp.write_report(warehouse, raw)
    assert out == wh.current_build(warehouse) / "report.html"
    assert (warehouse / "report.html").is_symlink() and (warehouse / "report.html").read_text(encoding="utf-8")
    other = rp.write_report(warehouse, raw, warehouse.parent / "elsewhere" / "page.html")
    assert other.read_bytes() == out.read_bytes()


def test_layout_is_defensive_about_overlaps_and_line_breaks():
    text = "ab 12\n34 cd 56"
    ms = [{"mention_id": "a", "start": 3, "end": 8}, {"mention_id": "b", "start": 4, "end": 5},
          {"mention_id": "c", "start": 12, "end": 14}, {"mention_id": "d", "start": 20, "end": 30}]
    lines = rp.layout(text, ms, [(9, 11)], {})
    firsts = [p.mention["mention_id"] for ln in lines for p in ln.pieces if p.kind == "mark" and p.first]
    assert sorted(firsts) == ["a", "b", "c", "d"]
    assert "".join(p.text for p in lines[0].pieces) == "ab 12" and "".join(p.text for p in lines[1].pieces) == "34 cd 56"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab 1\n", max_size=40),
       st.lists(st.tuples(st.integers(-3, 45), st.integers(0, 8)), max_size=8))
def test_layout_keeps_text_and_one_anchor_per_mention(text, raw_spans):
    ms = [{"mention_id": f"m{i}", "start": s, "end": s + n} for i, (s, n) in enumerate(raw_spans)]
    missed = [sp for sp in rp.number_spans(text) if not rp.covered(sp, [(m["start"], m["end"]) for m in ms])]
    lines = rp.layout(text, ms, missed, {})
    firsts = [p.mention["mention_id"] for ln in lines for p in ln.pieces if p.kind == "mark" and p.first]
    assert sorted(firsts) == sorted(m["mention_id"] for m in ms)
    assert "\n".join("".join(p.text for p in ln.pieces) for ln in lines) == text  # even with overlaps


def test_value_formatting():
    assert rp.fmt_value(38.1e9, "USD") == "$38.1 billion"
    assert rp.fmt_value(-80.0, "percent", signed=True) == "-80%"
    assert rp.fmt_value(47.0, "percent", signed=True) == "+47%"
    assert rp.fmt_value(11000.0, "count") == "11,000"
    assert rp.fmt_value(400.0, "days") == "400 days"
    assert rp.fmt_value(None, "USD") == "—"
    assert rp.single_year("2013", "2013-12-31") == 2013 and rp.single_year("2013-03", "2013-03") is None


def test_cli_report(synthetic, tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    raw, warehouse, data = synthetic
    out = tmp_path / "page.html"
    res = CliRunner().invoke(app, ["report", "--warehouse", str(warehouse), "--raw", str(raw), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert sorted(_parse(out.read_text(encoding="utf-8")).mentions) == sorted(m.mention_id for m in data["mentions"])
    res = CliRunner().invoke(app, ["report", "--warehouse", str(tmp_path / "none"), "--raw", str(raw)])
    assert res.exit_code == 2


# ---------------------------------------------------------------------------------------------- the browser

class Browser:
    """Headless Chromium driven over the DevTools protocol (websockets, already installed with Prefect)."""

    def __init__(self, profile: Path) -> None:
        self.proc = subprocess.Popen([str(CHROMIUM), *CHROME_FLAGS, f"--user-data-dir={profile}",
                                      "--remote-debugging-port=0", "--window-size=1400,3000", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.time() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if time.time() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        from websockets.sync.client import connect

        self.ws = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=20)
        self.next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

    def call(self, method: str, session: bool = False, timeout: float = 60, **params) -> dict:
        """Send one command and wait for its answer, keeping the events that arrive meanwhile."""
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        deadline = time.time() + timeout
        while True:
            reply = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.time())))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 60) -> None:
        """Wait until an event arrives (or has arrived since the last navigation)."""
        deadline = time.time() + timeout
        while not any(e.get("method") == method for e in self.events):
            self.events.append(json.loads(self.ws.recv(timeout=max(0.1, deadline - time.time()))))

    def open(self, url: str) -> None:
        """Navigate and wait for the load event."""
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        self.wait_event("Page.loadEventFired")

    def js(self, expression: str):
        """Evaluate an expression in the page and return its value."""
        res = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        if "exceptionDetails" in res:
            raise RuntimeError(res["exceptionDetails"])
        return res["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads seen since the last navigation."""
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e.get("method") == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                out.append(d.get("exception", {}).get("description") or d.get("text", "exception"))
            elif e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
                out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif e.get("method") == "Log.entryAdded" and p["entry"].get("level") in ("error", "warning"):
                out.append(p["entry"].get("text", ""))
        return out

    def screenshot(self, path: Path, height: int | None = 3000, top: int = 0, left: int = 0, width: int = 1400) -> None:
        """Save a PNG of a page region (default: the first 3000 px at 1400 px wide; height None: the whole page)."""
        full = self.js("document.documentElement.scrollHeight")
        h = min(full - top, height or 16000)
        shot = self.call("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True,
                         clip={"x": left, "y": top, "width": width, "height": h, "scale": 1})
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        """Close the connection and stop this browser process."""
        if getattr(self, "ws", None) is not None:
            self.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is missing: `apt-get install -y chromium` (Debian's package; .ci/run installs it)")
    profile = Path(tempfile.mkdtemp(prefix="tally-chromium-"))
    b = Browser(profile)
    try:
        yield b
    finally:
        b.close()
        shutil.rmtree(profile, ignore_errors=True)


def _seed_warehouse(tmp: Path) -> Path:
    """The seed's warehouse, built with the library (no Prefect)."""
    wh.publish(tmp, lib.build_tables(ROOT / "raw", lib.BuildOptions(now="2026-01-01T00:00:00Z")).tables)
    return tmp


def test_seed_report_in_a_real_browser(browser, tmp_path):
    warehouse = _seed_warehouse(tmp_path / "wh")
    tables = rp.load_tables(warehouse)
    out = rp.write_report(warehouse, ROOT / "raw")
    size = out.stat().st_size
    assert size < 2_000_000, f"report is {size} bytes"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    shutil.copyfile(out, ARTIFACTS / "report.html")

    browser.open(out.resolve().as_uri())
    dom = browser.js("""(() => ({
        highlights: [...document.querySelectorAll('[data-mention-id]')].map(e => e.dataset.mentionId),
        rows: [...document.querySelectorAll('#facts-table tbody tr[data-fact-id]')].map(e => e.dataset.factId),
        focusable: document.querySelectorAll('mark[data-mention-id][tabindex="0"]').length,
        charts: document.querySelectorAll('figure.chart svg').length,
        external: [...document.querySelectorAll('[src],link[href]')].map(e => e.src || e.href),
        badLinks: [...document.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute('href').slice(1))
                     .filter(id => !document.getElementById(id)),
    }))()""")
    errors = browser.errors()
    browser.screenshot(ARTIFACTS / "report.png")
    browser.screenshot(ARTIFACTS / "report-full.png", height=None)
    series_top = browser.js("document.getElementById('series').getBoundingClientRect().top + scrollY")
    browser.screenshot(ARTIFACTS / "report-series.png", height=1000, top=int(series_top))
    at = browser.js("""(() => {
        const m = document.querySelector('mark[data-mention-id]');
        m.focus(); const r = m.getBoundingClientRect();
        return {x: r.left + scrollX, y: r.top + scrollY, shown: getComputedStyle(m.querySelector('.tip')).display};
    })()""")
    browser.screenshot(ARTIFACTS / "report-tooltip.png", height=420, top=max(0, int(at["y"]) - 120),
                       left=max(0, int(at["x"]) - 200), width=900)
    assert at["shown"] == "block"

    assert errors == [], errors
    assert sorted(dom["highlights"]) == sorted(tables["mentions"]["mention_id"])
    assert dom["focusable"] == len(tables["mentions"])
    assert sorted(dom["rows"]) == sorted(tables["facts"]["fact_id"])
    assert dom["external"] == [] and dom["badLinks"] == []
    assert dom["charts"] == len(rp.series_of(rp.records(tables["facts"]), {}))
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def test_browser_sorts_filters_and_shows_tooltips(browser, synthetic):
    raw, warehouse, data = synthetic
    out = rp.write_report(warehouse, raw)
    browser.open(out.resolve().as_uri())
    order = browser.js("""(() => {
        const th = [...document.querySelectorAll('#facts-table th')].find(t => t.textContent.includes('Value'));
        th.querySelector('button').click();
        const asc = [...document.querySelectorAll('#facts-table tbody tr')].map(r => r.dataset.factId);
        th.querySelector('button').click();
        const desc = [...document.querySelectorAll('#facts-table tbody tr')].map(r => r.dataset.factId);
        return {asc, desc, sort: th.getAttribute('aria-sort')};
    })()""")
    assert order == {"asc": ["F0002", "F0001", "F0003"], "desc": ["F0003", "F0001", "F0002"], "sort": "descending"}
    shown = browser.js("""(() => {
        const s = document.getElementById('filter-country'); s.value = 'USA';
        s.dispatchEvent(new Event('change'));
        const t = document.getElementById('filter-text'); t.value = '40 billion';
        t.dispatchEvent(new Event('input'));
        return [...document.querySelectorAll('#facts-table tbody tr')].filter(r => !r.hidden).map(r => r.dataset.factId);
    })()""")
    assert shown == ["F0003"]
    m = data["mentions"][0].mention_id
    tip = browser.js(f"""(() => {{
        const m = document.querySelector('[data-mention-id="{m}"]');
        const tip = m.querySelector('.tip');
        const before = getComputedStyle(tip).display;
        m.focus();
        return {{before, after: getComputedStyle(tip).display, focused: document.activeElement === m,
                 text: tip.innerText}};
    }})()""")
    assert tip["before"] == "none" and tip["after"] == "block" and tip["focused"]
    assert "$38.1 billion" in tip["text"] and "RUS" in tip["text"]
    script = browser.js("document.body.innerText.includes('<script>alert(\"x\")</script>')")
    assert script is True  # the document's <script> shows as text
    assert browser.errors() == []


def test_browser_check_catches_console_errors(browser, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><title>x</title><script>console.error('boom'); undefinedThing();</script>")
    browser.open(page.as_uri())
    errors = browser.errors()
    assert any("boom" in e for e in errors) and any("undefinedThing" in e for e in errors)
