"""`tally add`: a local file or a URL (served by http.server on 127.0.0.1) into raw/ with its manifest entry."""
from __future__ import annotations

import hashlib
import http.server
import shutil
import threading
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tally.ingest import add as add_mod
from tally.ingest import discover as disc

runner = CliRunner()


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the folder; /flaky/... fails twice with 503 before answering; /big is over any small limit."""

    failures: dict[str, int] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path.startswith("/flaky/"):
            n = self.failures.get(self.path, 0)
            if n < 2:
                self.failures[self.path] = n + 1
                self.send_error(503, "try again")
                return
            self.path = self.path[len("/flaky"):]
        if self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(5 * 2**20))
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def server(tmp_path, converted_fixtures):
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(converted_fixtures["dev_html"], site / "digest.html")
    (site / "reports").mkdir()
    shutil.copy(converted_fixtures["seed_html"], site / "reports" / "index.html")

    def handler(*a, **k):
        return _Handler(*a, directory=str(site), **k)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture()
def raw(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "sources.toml").write_text('# my sources\n[[document]]\nfile = "notes.txt"\ntitle = "Notes"\n')
    (folder / "notes.txt").write_text("Exports rose 7% in 2023.\n")
    return folder


def _state(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_add_a_url_twice(server, raw):
    url = f"{server}/digest.html"
    first = runner.invoke(app, ["add", url, "--raw", str(raw)])
    assert first.exit_code == 0, first.output
    assert "added as digest.html" in first.output
    entries = tomllib.loads((raw / "sources.toml").read_text())["document"]
    assert entries[0] == {"file": "notes.txt", "title": "Notes"}
    assert entries[1] == {"file": "digest.html", "title": "Federal Statistics Digest",
                          "publisher": "Congressional Research Service", "published": "2024-03-12"}
    assert disc.read_manifest(raw)["digest.html"].published == "2024-03-12"
    before = _state(raw)
    again = runner.invoke(app, ["add", url, "--raw", str(raw)])
    assert again.exit_code == 0 and "already in raw/ as digest.html (same bytes); nothing changed" in again.output
    assert _state(raw) == before


def test_add_a_local_pdf_twice(raw, converted_fixtures):
    if "seed_pdf" not in converted_fixtures:
        pytest.skip("Chromium is missing: no PDF fixture (`apt-get install -y chromium`)")
    first = runner.invoke(app, ["add", str(converted_fixtures["seed_pdf"]), "--raw", str(raw)])
    assert first.exit_code == 0, first.output
    assert (raw / "seed.pdf").read_bytes() == converted_fixtures["seed_pdf"].read_bytes()
    entry = disc.read_manifest(raw)["seed.pdf"]
    assert entry.title.startswith("U.S.–Russia Relations") and entry.published is None  # a browser's print date is no date
    before = _state(raw)
    copy = raw.parent / "elsewhere" / "renamed.pdf"
    copy.parent.mkdir()
    shutil.copy(converted_fixtures["seed_pdf"], copy)
    again = runner.invoke(app, ["add", str(copy), "--raw", str(raw)])
    assert again.exit_code == 0 and "same bytes" in again.output
    assert _state(raw) == before


def test_a_name_taken_by_other_bytes_gets_a_suffix_and_a_scan_gets_a_note(raw, converted_fixtures, tmp_path):
    other = tmp_path / "x" / "notes.txt"
    other.parent.mkdir()
    other.write_text("Imports fell 3% in 2022.\n")
    assert "added as notes-2.txt" in runner.invoke(app, ["add", str(other), "--raw", str(raw)]).output
    done = add_mod.add(str(converted_fixtures["scan_pdf"]), raw)
    assert done.added and "quarantine" in done.note and "no text layer" in done.note
    assert set(disc.read_manifest(raw)) == {"notes.txt", "notes-2.txt", "scan.pdf"}


def test_retries_then_downloads(server, raw):
    done = add_mod.add(f"{server}/flaky/reports/index.html", raw, backoff=0.01)
    assert done.added and done.file == "index.html"


def test_url_without_a_file_name_and_errors(server, raw):
    done = add_mod.add(f"{server}/reports/", raw)
    assert done.added and done.file == "reports.html"  # text/html: the name says so
    before = _state(raw)
    result = runner.invoke(app, ["add", f"{server}/missing.pdf", f"{server}/big", "nowhere.pdf",
                                 "--raw", str(raw), "--max-mb", "1"])
    assert result.exit_code == 2
    assert "HTTP 404" in result.output and "more than the limit" in result.output and "nowhere.pdf: no such file" in result.output
    assert _state(raw) == before


def test_file_names():
    assert add_mod.file_name("https://x.org/a/Budget%20Outlook.pdf?v=2", "application/pdf", b"%PDF-1.7") == "Budget Outlook.pdf"
    assert add_mod.file_name("https://x.org/report", "text/html", b"<html>") == "report.html"
    assert add_mod.file_name("https://x.org/get", "application/octet-stream", b"%PDF-1.4") == "get.pdf"
    assert add_mod.file_name("../../etc/pass wd.txt", None, b"x") == "pass wd.txt"
