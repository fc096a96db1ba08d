"""Releases (Parquet + datapackage + SHA256SUMS + CHANGES) and pulling them back, locally and over HTTP."""
from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app
from schemas.tables import MODELS
from tally.publish import pull as pl
from tally.publish import release as rl
from tally.publish import warehouse as wh

from test_dimensions import SERIES_CASES, build_warehouse, synthetic_facts
from test_warehouse import ROOT, _tables

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc)
runner = CliRunner()


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A warehouse with synthetic facts and two releases: the second changes, adds and removes facts."""
    path = tmp_path_factory.mktemp("wh")
    tables, _ = _tables()
    facts = synthetic_facts(tables["mentions"])
    build_warehouse(path, facts)
    rl.make_release(path, raw=ROOT / "raw", now=NOW)
    changed = facts.copy()
    changed.loc[changed["subject"] == "USA", "value"] = 11.0   # changed value
    changed = changed[changed["subject"] != "FRA"]               # removed
    extra = synthetic_facts(tables["mentions"], [("POL", "2024", "2024", 5.0, True)])
    extra["fact_id"] = "F0099"                                   # added
    build_warehouse(path, pd.concat([changed, extra], ignore_index=True))
    rl.make_release(path, raw=ROOT / "raw", now=NOW)
    return path


def _rel(path: Path, version: str) -> Path:
    return path / "releases" / version


def test_release_layout_versions_and_index(released):
    index = json.loads((released / "releases" / "index.json").read_text())
    assert [r["version"] for r in index["releases"]] == ["2026.11.28", "2026.11.28.1"]
    assert index["latest"] == "2026.11.28.1"
    first = _rel(released, "2026.11.28")
    assert sorted(p.name for p in first.iterdir()) == sorted(
        [f"{t}.parquet" for t in MODELS] + [f"{v}.parquet" for v in rl.VIEW_FILES]
        + ["datapackage.json", "SHA256SUMS", "CHANGES.md", "report.html"])
    assert index["releases"][0]["datapackage_sha256"] == rl.sha256_file(first / "datapackage.json")
    assert not [p for p in (released / "releases").iterdir() if p.name.startswith(".tmp")]


def test_release_parquet_is_the_published_bytes(released):
    build = wh.current_build(released)
    second = _rel(released, "2026.11.28.1")
    for t in MODELS:
        assert (second / f"{t}.parquet").read_bytes() == (build / "parquet" / f"{t}.parquet").read_bytes()


def test_sha256sum_check_passes(released):
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum not installed")
    res = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=_rel(released, "2026.11.28.1"), capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_datapackage_schema_comes_from_the_models(released):
    dp = json.loads((_rel(released, "2026.11.28") / "datapackage.json").read_text())
    assert dp["name"] == "tally" and dp["version"] == "2026.11.28" and dp["created"] == "2026-11-28T09:30:00Z"
    assert dp["sources"][0]["path"] == "raw/us_russia_relations.txt"
    res = {r["name"]: r for r in dp["resources"]}
    assert list(res) == list(MODELS)
    facts = res["facts"]
    assert facts["hash"].startswith("sha256:") and facts["bytes"] > 0
    fields = {f["name"]: f for f in facts["schema"]["fields"]}
    assert facts["schema"]["primaryKey"] == ["fact_id"]
    assert fields["measure"]["constraints"]["enum"] == ["level", "share", "change"]
    assert fields["fact_id"]["constraints"] == {"required": True, "unique": True}
    assert "required" not in fields.get("subject", {}).get("constraints", {})
    assert fields["value"]["type"] == "number" and fields["n_mentions"]["type"] == "integer"
    assert fields["mention_ids"]["type"] == "any" and fields["mention_ids"]["tally:itemType"] == "string"
    assert "USD" in fields["unit"]["constraints"]["enum"]
    docs = {f["name"]: f for f in res["documents"]["schema"]["fields"]}
    assert docs["doc_id"]["constraints"]["pattern"] == "^[0-9a-f]{64}$"


def test_frictionless_validate_passes(released):
    """Valid, except the byte count that frictionless 5 cannot measure for Parquet (stats.bytes is None)."""
    frictionless = pytest.importorskip("frictionless")
    path = str(_rel(released, "2026.11.28.1") / "datapackage.json")
    report = frictionless.validate(path, checklist=frictionless.Checklist(skip_errors=["byte-count"]))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:20]
    raw = frictionless.validate(path)
    assert {e[0] for e in raw.flatten(["type"])} <= {"byte-count"}


def test_changes_lists_added_removed_and_changed_facts(released):
    first = (_rel(released, "2026.11.28") / "CHANGES.md").read_text()
    assert "First release" in first
    text = (_rel(released, "2026.11.28.1") / "CHANGES.md").read_text()
    assert "Compared with release 2026.11.28: 1 facts added, 1 removed, 1 changed values." in text
    added = text.split("## Facts added")[1].split("##")[0]
    removed = text.split("## Facts removed")[1].split("##")[0]
    changed = text.split("## Changed values")[1]
    assert "POL" in added and "F0099" in added
    assert "FRA" in removed
    assert "USA" in changed and "= 10" in changed and "= 11" in changed
    assert f"| facts | {len(SERIES_CASES)} | {len(SERIES_CASES)} | +0 |" in text


def test_default_version_and_explicit_versions():
    assert rl.default_version(set(), NOW) == "2026.11.28"
    assert rl.default_version({"2026.11.28", "2026.11.28.1"}, NOW) == "2026.11.28.2"
    with pytest.raises(rl.ReleaseError):
        rl.check_version("../evil")


def test_release_is_complete_or_absent(released, monkeypatch):
    before = sorted(p.name for p in (released / "releases").iterdir())
    index = (released / "releases" / "index.json").read_bytes()

    def crash(folder: Path) -> None:
        raise OSError("disk full while writing SHA256SUMS")

    monkeypatch.setattr(rl, "write_sums", crash)
    with pytest.raises(OSError):
        rl.make_release(released, version="crash", raw=None, now=NOW, force=True)
    assert sorted(p.name for p in (released / "releases").iterdir()) == before
    assert (released / "releases" / "index.json").read_bytes() == index
    with pytest.raises(rl.ReleaseError, match="already exists"):
        rl.make_release(released, version="2026.11.28", raw=None, now=NOW, force=True)


def test_release_copies_the_review_report_when_there_is_one(tmp_path):
    build_warehouse(tmp_path)
    (wh.current_build(tmp_path) / "report.html").write_text("<h1>review</h1>")
    r = rl.make_release(tmp_path, version="v1", raw=None, now=NOW)
    assert (r.path / "report.html").read_text() == "<h1>review</h1>"
    rl.verify(r.path)


def test_release_cli_and_missing_warehouse(tmp_path):
    res = runner.invoke(app, ["release", "--warehouse", str(tmp_path / "none")])
    assert res.exit_code == 2 and "no published build" in res.stderr
    build_warehouse(tmp_path)
    res = runner.invoke(app, ["release", "--warehouse", str(tmp_path), "--version", "1.0", "--raw", str(ROOT / "raw")])
    assert res.exit_code == 0 and "release 1.0:" in res.stdout and "first release" in res.stdout


class _Quiet(SimpleHTTPRequestHandler):
    fail_first: set[str] = set()

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        # Simulate a flaky network: the first request for a listed file gets a 503.
        if self.path in self.fail_first:
            self.fail_first.discard(self.path)
            self.send_error(503)
            return
        super().do_GET()


@contextmanager
def serve(folder: Path, fail_first: set[str] = frozenset()) -> Iterator[str]:
    """Serve a folder on 127.0.0.1 on a free port for the duration of the block."""
    handler = type("H", (_Quiet,), {"fail_first": set(fail_first)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_pull_over_http_verifies_and_loads(released, tmp_path):
    with serve(released / "releases", fail_first={"/2026.11.28.1/facts.parquet"}) as url:
        res = runner.invoke(app, ["pull", url + "/", "--into", str(tmp_path / "got"), "--load", str(tmp_path / "t.duckdb")])
    assert res.exit_code == 0, res.output
    got = tmp_path / "got" / "2026.11.28.1"
    for p in _rel(released, "2026.11.28.1").iterdir():
        assert (got / p.name).read_bytes() == p.read_bytes()
    assert [p.name for p in (tmp_path / "got").iterdir() if p.name != ".lock"] == ["2026.11.28.1"]
    con = duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True)
    try:
        # the second release: POL added to the one-year facts, FRA (two years) removed
        assert con.sql("SELECT count(*) FROM series").fetchall()[0][0] == sum(c[-1] for c in SERIES_CASES) + 1
        assert con.sql("SELECT comment FROM duckdb_tables() WHERE table_name = 'facts'").fetchall()[0][0]
    finally:
        con.close()


def test_pull_a_chosen_version_from_a_local_folder(released, tmp_path):
    path = pl.pull(str(released / "releases"), "2026.11.28", tmp_path)
    assert path == tmp_path / "2026.11.28"
    rl.verify(path)
    assert pl.pull(str(released / "releases"), "2026.11.28", tmp_path) == path  # already there and intact


def test_pull_refuses_a_tampered_file_and_keeps_nothing(released, tmp_path):
    served = tmp_path / "served"
    shutil.copytree(released / "releases", served)
    target = served / "2026.11.28.1" / "mentions.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    into = tmp_path / "got"
    with serve(served) as url:
        res = runner.invoke(app, ["pull", url, "--into", str(into)])
    assert res.exit_code == 1
    assert "mentions.parquet" in res.stderr and "nothing was kept" in res.stderr
    assert [p.name for p in into.iterdir() if p.name != ".lock"] == []


def test_pull_unknown_version_and_unreachable_source(released, tmp_path):
    with pytest.raises(pl.ReleaseError, match="not found"):
        pl.pull(str(released / "releases"), "9.9", tmp_path)
    with pytest.raises(rl.ReleaseError, match="index.json"):
        pl.pull(str(tmp_path / "nothing"), None, tmp_path / "x")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pull")] == []


class _Hostile(_Quiet):
    """A server that sends far more than declared for one file, or trickles it a byte at a time."""

    mode = "flood"
    target = ""

    def do_GET(self) -> None:
        if self.path != self.target:
            return super().do_GET()
        self.send_response(200)
        self.end_headers()
        try:
            if self.mode == "flood":
                for _ in range(5000):  # 320 MB if nobody stops reading
                    self.wfile.write(b"x" * 65536)
            else:
                for _ in range(600):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            pass


@contextmanager
def serve_hostile(folder: Path, target: str, mode: str) -> Iterator[str]:
    handler = type("H", (_Hostile,), {"mode": mode, "target": target})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_pull_stops_reading_at_the_declared_bytes(released, tmp_path):
    into = tmp_path / "got"
    seen: list[int] = []
    with serve_hostile(released / "releases", "/2026.11.28.1/facts.parquet", "flood") as url:
        with pytest.raises(pl.ReleaseError, match="facts.parquet: larger than"):
            pl.pull(url, None, into, progress=lambda name, done, total: seen.append(done) if name == "facts.parquet" else None)
    declared = (released / "releases" / "2026.11.28.1" / "facts.parquet").stat().st_size
    assert max(seen, default=0) <= declared
    assert [p.name for p in into.iterdir() if p.name != ".lock"] == []


def test_pull_timeout_is_an_overall_deadline(released, tmp_path):
    into = tmp_path / "got"
    t0 = time.monotonic()
    with serve_hostile(released / "releases", "/2026.11.28.1/facts.parquet", "trickle") as url:
        res = runner.invoke(app, ["pull", url, "--into", str(into), "--timeout", "2"])
    assert time.monotonic() - t0 < 15
    assert res.exit_code == 1 and "--timeout of 2 s ran out" in res.stderr and res.stderr.count("\n") == 1, res.stderr
    assert [p.name for p in into.iterdir() if p.name != ".lock"] == []


def test_pull_cleans_partial_folders_of_killed_pulls(released, tmp_path):
    stale = tmp_path / ".pull-deadbeef"
    (stale / "2026.11.28").mkdir(parents=True)
    (stale / "2026.11.28" / "facts.parquet").write_bytes(b"half")
    pl.pull(str(released / "releases"), "2026.11.28", tmp_path)
    assert not stale.exists()


def test_pull_verifies_an_existing_copy_against_the_index(released, tmp_path):
    path = pl.pull(str(released / "releases"), "2026.11.28", tmp_path)
    good = (path / "datapackage.json").read_bytes()
    dp = json.loads(good)
    dp["description"] = "edited locally, then re-sealed"
    (path / "datapackage.json").write_text(json.dumps(dp))
    rl.write_sums(path)
    rl.verify(path)  # consistent in itself...
    assert pl.pull(str(released / "releases"), "2026.11.28", tmp_path) == path
    assert (path / "datapackage.json").read_bytes() == good  # ...but not what the index says: fetched again


@pytest.mark.parametrize("index, dp", [
    ("not json {", None),
    ('{"releases": 5}', None),
    ('{"latest": "1", "releases": [{"version": "1", "path": "../outside/"}]}', None),
    ('{"latest": "1", "releases": [{"version": "1", "path": "/etc/"}]}', None),
    (None, "[1, 2]"),
    (None, '{"resources": [{"name": "facts"}]}'),
    (None, '{"resources": "x"}'),
])
def test_malformed_index_or_datapackage_is_one_line(released, tmp_path, index, dp):
    served = tmp_path / "served"
    shutil.copytree(released / "releases", served)
    (tmp_path / "outside").mkdir()
    if dp is not None:
        (served / "2026.11.28.1" / "datapackage.json").write_text(dp)
        data = json.loads((served / "index.json").read_text())
        data["releases"][-1]["datapackage_sha256"] = rl.sha256_file(served / "2026.11.28.1" / "datapackage.json")
        index = json.dumps(data)
    (served / "index.json").write_text(index)
    res = runner.invoke(app, ["pull", str(served), "--into", str(tmp_path / "got")])
    assert res.exit_code in (1, 2) and res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert res.stderr.startswith("tally pull: ") and res.stderr.count("\n") == 1, res.stderr


def test_local_release_path_may_not_leave_the_source(released, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    shutil.copytree(released / "releases" / "2026.11.28", tmp_path / "elsewhere")
    entry = {"version": "x", "path": "../elsewhere/",
             "datapackage_sha256": rl.sha256_file(tmp_path / "elsewhere" / "datapackage.json")}
    (served / "index.json").write_text(json.dumps({"latest": "x", "releases": [entry]}))
    with pytest.raises(pl.ReleaseRefused, match="unsafe path"):
        pl.pull(str(served), None, tmp_path / "got")
    (served / "link").symlink_to(tmp_path / "elsewhere")
    entry["path"] = "link/"
    (served / "index.json").write_text(json.dumps({"latest": "x", "releases": [entry]}))
    with pytest.raises(pl.ReleaseRefused, match="leaves"):
        pl.pull(str(served), None, tmp_path / "got")


def test_release_holds_the_warehouse_lock_while_it_copies(tmp_path, monkeypatch):
    from tally.publish.builds import WarehouseBusy, warehouse_lock

    build_warehouse(tmp_path)
    copy, seen = rl._copy_tables, []

    def copy_while_a_run_tries_to_publish(build: Path, dest: Path) -> list[str]:
        with pytest.raises(WarehouseBusy, match="tally release"):  # a run's publish and clean-up must wait
            with warehouse_lock(tmp_path, wait=False):
                pass
        seen.append(build.name)
        return copy(build, dest)

    monkeypatch.setattr(rl, "_copy_tables", copy_while_a_run_tries_to_publish)
    r = rl.make_release(tmp_path, version="v1", raw=None, now=NOW)
    assert seen == [wh.current_build(tmp_path).name] and (r.path / "facts.parquet").is_file()
    with warehouse_lock(tmp_path, wait=False):  # released when done
        pass


def test_release_while_a_run_publishes_waits_or_exits_1_naming_it(tmp_path):
    from tally.publish.builds import WarehouseBusy, warehouse_lock

    build_warehouse(tmp_path)
    with warehouse_lock(tmp_path, holder="tally run (test)"):
        with pytest.raises(WarehouseBusy, match=r"tally run \(test\)"):
            rl.make_release(tmp_path, version="v1", raw=None, now=NOW, wait=False)
        res = runner.invoke(app, ["release", "--warehouse", str(tmp_path), "--version", "v1", "--no-wait"])
        assert res.exit_code == 1 and res.stderr.count("\n") == 1 and "tally run (test)" in res.stderr, res.stderr
        assert not (tmp_path / "releases" / "v1").exists()
    # a waiting release goes on once the run has published
    done: list[rl.Release] = []
    with warehouse_lock(tmp_path, holder="tally run (test)"):
        t = threading.Thread(target=lambda: done.append(rl.make_release(tmp_path, version="v2", raw=None, now=NOW,
                                                                        wait=True)))
        t.start()
        time.sleep(0.5)
        assert t.is_alive() and not done
    t.join(30)
    assert done and done[0].path.is_dir()


def test_release_of_a_missing_warehouse_creates_nothing(tmp_path):
    with pytest.raises(rl.ReleaseError, match="no published build"):
        rl.make_release(tmp_path / "typo", raw=None, now=NOW)
    assert not (tmp_path / "typo").exists()
