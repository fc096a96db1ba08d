"""The tally-pipeline Prefect flow end to end, and the `tally run` command in a cold process."""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tally import build as lib
from tally.publish.validate import ValidationFailed

from helpers import query, tree_hashes

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture()
def raw(tmp_path) -> Path:
    d = tmp_path / "raw"
    shutil.copytree(ROOT / "raw", d)
    return d


def test_flow_publishes_and_is_deterministic(prefect_harness, raw, tmp_path):
    from flows.pipeline import tally_pipeline

    w = tmp_path / "wh"
    s1 = tally_pipeline(raw=str(raw), warehouse=str(w))
    assert s1.documents == 1 and s1.passages > 100 and s1.mentions > 50 and s1.changed
    first = tree_hashes(w)
    s2 = tally_pipeline(raw=str(raw), warehouse=str(w))
    assert s2.build_id == s1.build_id and not s2.changed
    assert tree_hashes(w) == first  # byte-identical Parquet (and the DuckDB file was not even rewritten)
    assert query(w, "SELECT count(*) FROM documents WHERE path = 'us_russia_relations.txt' AND title IS NOT NULL") == [(1,)]


def test_the_extracted_hook_runs_once_after_every_batch_and_before_reconcile(prefect_harness, raw, tmp_path,
                                                                             monkeypatch):
    """The CLI stops its worker processes from this hook, so it must come after the last batch, not before."""
    from flows import pipeline as fp

    events: list[str] = []
    real_reconcile = lib.reconcile_facts
    monkeypatch.setattr(lib, "reconcile_facts", lambda docs: (events.append("reconcile"), real_reconcile(docs))[1])
    monkeypatch.setattr(fp, "_gather", lambda futures, stage: (events.append(f"gathered {len(futures)}"),
                                                               [f.result() for f in futures])[1])
    monkeypatch.setattr(fp, "extracted_all", lambda: events.append("extracted"))
    for i in range(3):
        (raw / f"note{i}.txt").write_text(f"Exports to Norway rose to ${i + 2} billion in 201{i}.\n", encoding="utf-8")
    s = fp.tally_pipeline(raw=str(raw), warehouse=str(tmp_path / "wh"), batch_size=1)
    assert s.documents == 4
    assert events == ["gathered 4", "extracted", "reconcile"]


def test_systemic_validation_failure_leaves_last_good_warehouse(prefect_harness, raw, tmp_path, monkeypatch):
    from flows.pipeline import tally_pipeline

    w = tmp_path / "wh"
    tally_pipeline(raw=str(raw), warehouse=str(w))
    before = tree_hashes(w)
    n_before = query(w, "SELECT count(*) FROM mentions")[0][0]
    (raw / "new.txt").write_text("Exports rose 12% to $4 billion in 2024.\n", encoding="utf-8")
    import tally.publish.frames as frames

    real = frames.assemble

    def corrupt(*args, **kwargs):
        tables = real(*args, **kwargs)
        tables["mentions"]["unit"] = "furlongs"  # every document fails: systemic, nothing is published
        tables["mentions"].loc[1, "text"] = "not what the document says"
        return tables

    monkeypatch.setattr(frames, "assemble", corrupt)
    with pytest.raises(ValidationFailed) as info:
        tally_pipeline(raw=str(raw), warehouse=str(w))
    msg = str(info.value)
    assert "unit_in_vocabulary" in msg and "text_equals_document_slice" in msg and "furlongs" in msg
    assert tree_hashes(w) == before
    assert query(w, "SELECT count(*) FROM mentions")[0][0] == n_before


def test_rows_failing_validation_are_rejected_alone_and_their_document_published(prefect_harness, raw, tmp_path,
                                                                               monkeypatch):
    from flows.pipeline import tally_pipeline

    w = tmp_path / "wh"
    (raw / "bad doc é.txt").write_text("Exports rose 12% to $4 billion in 2024.\n", encoding="utf-8")
    real = lib.extract_mentions

    def corrupt(batch):
        ok, bad = real(batch)
        for e in ok:
            if e.doc.path.startswith("bad doc"):
                import pyarrow as pa

                units = e.mentions["unit"].to_pylist()
                e.mentions = e.mentions.set_column(e.mentions.schema.get_field_index("unit"), "unit",
                                                   pa.array(["furlongs"] + units[1:], pa.large_string()))
        return ok, bad

    monkeypatch.setattr(lib, "extract_mentions", corrupt)
    s = tally_pipeline(raw=str(raw), warehouse=str(w))
    assert s.documents == 2 and s.quarantined == []
    rows = query(w, "SELECT r.text, r.checks FROM rejected_rows r JOIN documents d USING (doc_id) "
                    "WHERE d.path LIKE 'bad doc%'")
    assert len(rows) == 1 and "mentions.unit: unit_in_vocabulary" in rows[0][1]
    left = query(w, "SELECT m.text FROM mentions m JOIN documents d USING (doc_id) WHERE d.path LIKE 'bad doc%'")
    assert left and rows[0][0] not in {t for (t,) in left}


def test_library_does_not_import_prefect():
    for path in (ROOT / "tally").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] in ("prefect", "flows") for n in names), f"{path} imports {names}"


def _tally() -> str:
    exe = Path(sys.executable).with_name("tally")
    return str(exe)


def test_cli_run_cold_process_writes_nothing_to_home(raw, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["HOME"] = str(home)
    w = tmp_path / "wh"
    r = subprocess.run([_tally(), "run", "--raw", str(raw), "--warehouse", str(w)], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "1 documents" in r.stdout and "mentions" in r.stdout and " s " in r.stdout
    assert (w / "tally.duckdb").exists() and (w / ".prefect").is_dir()
    assert list(home.iterdir()) == [], list(home.rglob("*"))


def test_cli_run_missing_raw_is_a_clear_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    r = subprocess.run([_tally(), "run", "--raw", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "wh")],
                       env={**env, "HOME": str(tmp_path)}, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    assert "raw folder not found" in r.stderr and "nope" in r.stderr


def test_cli_run_malformed_manifest_fails_fast(raw, tmp_path):
    (raw / "sources.toml").write_text("[[document]\nfile = ", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    r = subprocess.run([_tally(), "run", "--raw", str(raw), "--warehouse", str(tmp_path / "wh")],
                       env={**env, "HOME": str(tmp_path)}, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "sources.toml: malformed manifest" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "wh" / ".prefect").exists()  # stopped before Prefect started
