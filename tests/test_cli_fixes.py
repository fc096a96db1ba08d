"""The pieces a new user tripped on: configuration errors in one line (exit 2), `tally schema` brackets,
releases (already released, views as Parquet, the report), report.html kept current by `tally run`,
Dask's logs only with -v, and `prefect deploy --all` with a process worker and no extra variables."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tally.publish import release as rl
from tally.publish import warehouse as wh

from test_dimensions import build_warehouse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
runner = CliRunner()


@pytest.fixture()
def raw(tmp_path) -> Path:
    d = tmp_path / "raw"
    shutil.copytree(ROOT / "raw", d)
    return d


def _set_published(raw: Path, value: str) -> None:
    toml = (raw / "sources.toml").read_text(encoding="utf-8")
    lines = [ln for ln in toml.splitlines() if not ln.strip().startswith("published")]
    i = next(i for i, ln in enumerate(lines) if ln.strip().startswith("file"))
    lines.insert(i + 1, f'published = "{value}"')
    (raw / "sources.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("value", ["2024-13-45", "2023-02-30", "last spring", "2024/09/10"])
def test_bad_published_date_stops_in_one_line(raw, tmp_path, value):
    _set_published(raw, value)
    res = runner.invoke(app, ["run", "--raw", str(raw), "--warehouse", str(tmp_path / "wh")])
    assert res.exit_code == 2, res.output
    line = res.stderr.strip()
    assert "\n" not in line and "sources.toml" in line and "'us_russia_relations.txt'" in line and value in line
    assert not (tmp_path / "wh").exists()  # stopped before Prefect or a server started


def test_good_published_dates_pass(raw):
    from flows.runsetup import check_published
    from tally.ingest.discover import read_manifest

    for value in ("2024", "2024-09", "2024-02-29"):
        _set_published(raw, value)
        check_published(raw, read_manifest(raw))


def test_broken_indicator_catalog_stops_in_one_line(raw, tmp_path, monkeypatch):
    from schemas import vocab
    from tally.resolve import indicators

    schemas = tmp_path / "schemas"
    shutil.copytree(vocab.HERE, schemas, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (schemas / "indicators.yaml").write_text("indicators:\n  - code: X\n    measure: [level\n", encoding="utf-8")

    def clear() -> None:
        vocab._load.cache_clear(), vocab.indicators.cache_clear(), indicators.catalog.cache_clear()

    monkeypatch.setattr(vocab, "HERE", schemas)
    clear()
    try:
        res = runner.invoke(app, ["run", "--raw", str(raw), "--warehouse", str(tmp_path / "wh")])
    finally:
        monkeypatch.undo()
        clear()
    assert res.exit_code == 2, res.output
    line = res.stderr.strip()
    assert "\n" not in line and str(schemas / "indicators.yaml") in line and "line 4" in line, line
    assert not (tmp_path / "wh").exists()


def test_unreachable_dask_address_stops_in_one_line(raw, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    address = f"tcp://127.0.0.1:{port}"
    t0 = time.perf_counter()
    res = runner.invoke(app, ["run", "--raw", str(raw), "--warehouse", str(tmp_path / "wh"), "--task-runner", "dask",
                              "--dask-address", address])
    assert res.exit_code == 2, res.output
    line = res.stderr.strip()
    assert "\n" not in line and f"cannot reach the Dask scheduler at {address}" in line
    assert time.perf_counter() - t0 < 10 and not (tmp_path / "wh").exists()
    res = runner.invoke(app, ["run", "--raw", str(raw), "--warehouse", str(tmp_path / "wh"), "--dask-address", "nowhere"])
    assert res.exit_code == 2 and "tcp://HOST:PORT" in res.stderr


def test_schema_keeps_brackets(tmp_path):
    build_warehouse(tmp_path)
    res = runner.invoke(app, ["schema", "mentions", "--warehouse", str(tmp_path)], terminal_width=250)
    assert res.exit_code == 0, res.output
    assert "document[start:end]" in res.stdout


def test_release_of_a_released_build_says_so_unless_forced(tmp_path):
    build_warehouse(tmp_path)
    args = ["release", "--warehouse", str(tmp_path), "--raw", str(ROOT / "raw")]
    assert runner.invoke(app, [*args, "--version", "1.0"]).exit_code == 0
    res = runner.invoke(app, [*args, "--version", "1.1"])
    assert res.exit_code == 1 and "already released as 1.0" in res.stderr and "--force" in res.stderr
    assert not (tmp_path / "releases" / "1.1").exists()
    res = runner.invoke(app, [*args, "--version", "1.1", "--force"])
    assert res.exit_code == 0 and (tmp_path / "releases" / "1.1" / "facts.parquet").is_file()


def test_release_carries_views_and_a_report(tmp_path):
    build_warehouse(tmp_path)
    build = wh.current_build(tmp_path)
    assert not (build / "report.html").exists()
    r = rl.make_release(tmp_path, version="v1", raw=ROOT / "raw")
    rl.verify(r.path)
    assert "<html" in (r.path / "report.html").read_text(encoding="utf-8").lower()
    con = duckdb.connect(str(build / "tally.duckdb"), read_only=True)
    package = json.loads((r.path / "datapackage.json").read_text(encoding="utf-8"))
    views = {v["name"]: v for v in package["tally:views"]}
    assert set(views) == {"series", "facts_full"}
    sums = (r.path / "SHA256SUMS").read_text(encoding="utf-8")
    for name in views:
        table = pq.read_table(r.path / f"{name}.parquet")
        n = con.sql(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        assert table.num_rows == n == views[name]["tally:rows"] and n > 0
        assert table.column_names == [c[0] for c in con.sql(f"DESCRIBE {name}").fetchall()]
        assert f"  {name}.parquet\n" in sums
    con.close()
    again = rl.make_release(tmp_path, version="v2", raw=ROOT / "raw", force=True)
    for name in views:  # deterministic bytes: same build, same files
        assert (again.path / f"{name}.parquet").read_bytes() == (r.path / f"{name}.parquet").read_bytes()


def test_dask_info_logs_only_with_verbose(tmp_path):
    code = ("import logging, sys; from pathlib import Path; from flows.settings import configure_prefect; "
            "configure_prefect(Path(sys.argv[1]), sys.argv[2] == 'v'); import distributed; "
            "print(logging.getLogger('distributed').getEffectiveLevel())")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DASK_"))}
    quiet = subprocess.run([sys.executable, "-c", code, str(tmp_path / "a"), "q"], env=env, capture_output=True,
                           text=True, check=True)
    loud = subprocess.run([sys.executable, "-c", code, str(tmp_path / "b"), "v"], env=env, capture_output=True,
                          text=True, check=True)
    assert quiet.stdout.split() == ["30"] and loud.stdout.split() == ["20"]


def test_large_runs_leave_no_dangling_report_link(tmp_path, capsys):
    from flows import runsetup as rs

    w = tmp_path / "wh"
    w.mkdir()
    (w / "report.html").symlink_to("current/report.html")  # the previous build's page, gone
    rs.write_run_report(w, tmp_path / "raw", rs.REPORT_MAX_DOCUMENTS + 1)
    assert not (w / "report.html").is_symlink() and "tally report" in capsys.readouterr().err


@pytest.mark.slow
def test_run_keeps_report_current(raw, tmp_path, shared_api_url):
    w = tmp_path / "wh"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {"HOME": str(tmp_path),
                                                                                   "PREFECT_API_URL": shared_api_url}
    cmd = [str(BIN / "tally"), "run", "--raw", str(raw), "--warehouse", str(w)]
    assert subprocess.run(cmd, env=env, capture_output=True, timeout=300).returncode == 0
    first = wh.current_build(w)
    assert (w / "report.html").resolve() == (first / "report.html").resolve() and (w / "report.html").is_file()
    (raw / "extra.txt").write_text("Exports to Japan rose 12% to $4 billion in 2024.\n", encoding="utf-8")
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    second = wh.current_build(w)
    assert second != first and (w / "report.html").resolve() == (second / "report.html").resolve()
    assert "extra.txt" in (w / "report.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_prefect_deploy_with_a_process_worker_needs_no_extra_variables(tmp_path):
    from flows import server as srv

    project = tmp_path / "project"
    project.mkdir()
    for part in ("prefect.yaml", "flows", "raw"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, project / part)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "TALLY_HOME"))}
    env["HOME"] = str(tmp_path)
    rec, _ = srv.start(tmp_path / "wh-server", idle=0)
    try:
        env |= {"PREFECT_API_URL": rec.api_url, "PREFECT_HOME": str(tmp_path / "client")}
        prefect = str(BIN / "prefect")
        for cmd in ([prefect, "work-pool", "create", "tally-pool", "--type", "process"],
                    [prefect, "--no-prompt", "deploy", "--all"]):
            r = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=300)
            assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
        # a polling worker, not --run-once: a worker that polls once, before the run below is created, exits
        # and leaves the run Late for ever (seen once on a loaded machine)
        worker = subprocess.Popen([prefect, "worker", "start", "--pool", "tally-pool"], cwd=tmp_path,
                                  env={**env, "PREFECT_WORKER_QUERY_SECONDS": "2"}, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            r = subprocess.run([prefect, "deployment", "run", "tally-pipeline/tally", "--watch"], cwd=tmp_path,
                               env=env, capture_output=True, text=True, timeout=400)
        finally:
            worker.terminate()
            worker.wait(60)
        assert r.returncode == 0 and "Completed" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
        assert (project / "warehouse" / "current" / "build.json").is_file()
    finally:
        srv.stop(tmp_path / "wh-server")
