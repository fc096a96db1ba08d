"""Hostile input and concurrent use (issue 18): SQL in a release's names, two publishers on one warehouse,
links out of raw/, backtracking regexes, leftovers of killed releases."""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tally.publish import builds
from tally.publish import pull as pl
from tally.publish import release as rl
from tally.publish import warehouse as wh
from tally.review import query as q
from tally.review import report

from test_dimensions import build_warehouse, synthetic_facts
from test_warehouse import _tables

runner = CliRunner()


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A warehouse with one release."""
    path = tmp_path_factory.mktemp("wh")
    tables, _ = _tables()
    build_warehouse(path, synthetic_facts(tables["mentions"]))
    rl.make_release(path, version="1.0", raw=None)
    return path


def reseal(folder: Path, index: Path) -> None:
    """Make a tampered release consistent again: SHA256SUMS and the index's datapackage hash."""
    rl.write_sums(folder)
    data = json.loads(index.read_text())
    for r in data["releases"]:
        if r["path"].strip("/") == folder.name:
            r["datapackage_sha256"] = rl.sha256_file(folder / rl.DATAPACKAGE)
    index.write_text(json.dumps(data))


def _hostile(released: Path, tmp_path: Path, edit) -> Path:
    served = tmp_path / "served"
    shutil.copytree(released / "releases", served)
    folder = served / "1.0"
    dp = json.loads((folder / rl.DATAPACKAGE).read_text())
    edit(dp)
    (folder / rl.DATAPACKAGE).write_text(json.dumps(dp))
    reseal(folder, served / rl.INDEX)
    return served


def _rename_table(target: Path):
    def edit(dp):
        r = next(r for r in dp["resources"] if r["name"] == "units")
        r["name"] = f"units\" AS SELECT 1 AS a; COPY (SELECT 'x') TO '{target}'; CREATE TABLE \"units"
    return edit


def _rename_column(target: Path):
    def edit(dp):
        r = next(r for r in dp["resources"] if r["name"] == "units")
        r["schema"]["fields"][0]["name"] = f"code\" IS 'x'; COPY (SELECT 'x') TO '{target}'; COMMENT ON COLUMN \"units\".\"code"
    return edit


@pytest.mark.parametrize("edit", [_rename_table, _rename_column])
def test_pull_load_refuses_sql_in_a_resealed_release(released, tmp_path, edit):
    target = tmp_path / "pwned.csv"
    served = _hostile(released, tmp_path, edit(target))
    into, db = tmp_path / "got", tmp_path / "t.duckdb"
    res = runner.invoke(app, ["pull", str(served), "--into", str(into), "--load", str(db)])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("tally pull: ") and res.stderr.count("\n") == 1, res.stderr
    assert "units" in res.stderr
    assert not target.exists() and not db.exists()
    assert [p.name for p in into.iterdir() if not p.name.startswith(".")] == []


def test_load_quotes_identifiers_and_checks_names_itself(released, tmp_path):
    """load() on a folder that was not pulled (already there, edited) refuses unexpected names too."""
    folder = tmp_path / "r"
    shutil.copytree(released / "releases" / "1.0", folder)
    dp = json.loads((folder / rl.DATAPACKAGE).read_text())
    _rename_table(tmp_path / "x.csv")(dp)
    (folder / rl.DATAPACKAGE).write_text(json.dumps(dp))
    with pytest.raises(rl.ReleaseError, match="unexpected table"):
        pl.load(folder, tmp_path / "t.duckdb")
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "t.duckdb").exists()
    assert pl.quote_ident('a"b') == '"a""b"'


# ---------------------------------------------------------------- two publishers on one warehouse


def test_two_publishers_on_one_warehouse_both_end_and_current_stays_complete(tmp_path, monkeypatch):
    monkeypatch.setenv("TALLY_TEST_PUBLISH_DELAY", "0.15")
    tables, _ = _tables()
    facts = synthetic_facts(tables["mentions"])
    other = facts.copy()
    other["value"] = other["value"] * 2
    w = tmp_path / "wh"
    build_warehouse(w, facts.iloc[:3])  # something is published before the race starts
    errors: list[str] = []
    stop = threading.Event()
    checks = [0]

    def publisher(f) -> None:
        try:
            build_warehouse(w, f)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"publish: {type(exc).__name__}: {exc}")

    def watcher() -> None:
        while not stop.is_set():
            build = builds.current_build(w)
            try:
                assert build is not None, "current points at nothing"
                meta = json.loads((build / "build.json").read_text())
                assert all((build / p).is_file() for p in meta["sha256"]), "published build is incomplete"
                assert q.query(w, "SELECT count(*) AS n FROM facts").num_rows == 1
            except Exception as exc:  # noqa: BLE001
                errors.append(f"reader: {type(exc).__name__}: {exc}")
                return
            checks[0] += 1
            time.sleep(0.02)

    threads = [threading.Thread(target=publisher, args=(f,)) for f in (facts, other)]
    watch = threading.Thread(target=watcher)
    watch.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    stop.set()
    watch.join(timeout=30)
    assert not errors, errors
    assert checks[0] > 5
    build = builds.current_build(w)
    assert build is not None and len(list((w / "builds").iterdir())) >= 1


def test_lock_without_waiting_names_the_holder(tmp_path):
    with builds.warehouse_lock(tmp_path, "test holder"):
        with pytest.raises(builds.WarehouseBusy) as info:
            with builds.warehouse_lock(tmp_path, "second", wait=False):
                pass
    assert "test holder" in str(info.value) and str(os.getpid()) in str(info.value)
    with builds.warehouse_lock(tmp_path, "third", wait=False):  # released: free again
        pass


def test_a_waiting_publisher_says_so(tmp_path):
    said: list[str] = []
    done = threading.Event()
    with builds.warehouse_lock(tmp_path, "first"):
        t = threading.Thread(target=lambda: (builds.warehouse_lock(tmp_path, "second", notify=said.append).__enter__(),
                                             done.set()))
        t.start()
        time.sleep(0.5)
        assert not done.is_set()
    t.join(timeout=10)
    assert done.is_set() and said and "waiting" in said[0] and "first" in said[0]


# ---------------------------------------------------------------- links out of raw/, ruler lines, leftovers


def test_symlink_out_of_raw_is_quarantined_not_read(tmp_path):
    from tally import build as lib

    raw = tmp_path / "raw"
    raw.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("The secret budget was $9 billion in 2024.\n")
    (raw / "ok.txt").write_text("GDP grew 2% in 2023.\n")
    (raw / "passwd.txt").symlink_to(secret)
    (raw / "inside.txt").symlink_to(raw / "ok.txt")  # inside raw/: allowed (a duplicate of ok.txt)
    (raw / "sub").mkdir()
    (raw / "sub" / "up.txt").symlink_to("../../secret.txt")
    found = lib.discover_documents(raw)
    assert all(b"secret" not in d.read() for d in found.documents)
    q_rows = {r.path: r for r in found.quarantine}
    for name in ("passwd.txt", "sub/up.txt"):
        assert q_rows[name].error_class == "LinkOutsideRaw" and "outside the raw folder" in q_rows[name].message
    assert q_rows["ok.txt" if "ok.txt" in q_rows else "inside.txt"].error_class == "DuplicateDocument"


@pytest.mark.parametrize("line, kind", [
    ("-" * 100_000, "rule"),
    ("-" * 100_000 + "x", "text"),
    ("-=" * 50_000 + "x", "text"),
    ("| " + "- " * 50_000 + "|", "text"),
    ("|---|:---:|", "rule"),
    ("  --- ", "rule"),
    ("+--+--+", "text"),
    ("|--|", "text"),
])
def test_ruler_regex_is_linear_on_100_kb_lines(line, kind):
    t0 = time.perf_counter()
    assert report.line_kind(line) == kind
    assert time.perf_counter() - t0 < 1.0


def test_killed_release_leftovers_are_cleaned(released):
    releases = released / "releases"
    stale = releases / ".tmp-2.0-deadbeef"
    stale.mkdir()
    (stale / "facts.parquet").write_bytes(b"half")
    rl.make_release(released, version="2.0", raw=None, force=True)
    assert not stale.exists()
    assert [p.name for p in releases.iterdir() if p.name.startswith(".tmp")] == []
