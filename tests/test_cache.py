"""The extraction cache key covers every file extraction reads (tally/extract/cache.py)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_PRINT = "from tally.extract.cache import extractor_version; print(extractor_version())"


def _version(root: Path) -> str:
    """extractor_version() as computed by a copy of the project at `root`."""
    out = subprocess.run([sys.executable, "-c", _PRINT], cwd=root, capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A scratch copy of the library and schemas, so their files can be edited."""
    root = tmp_path_factory.mktemp("proj")
    for part in ("tally", "schemas"):
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.mark.parametrize("rel", ["schemas/groups.yaml", "schemas/units.yaml", "schemas/vocab.py",
                                 "schemas/indicators.yaml", "tally/resolve/entities.py",
                                 "tally/extract/quantities.py", "tally/ingest/segment.py"])
def test_editing_any_file_extraction_reads_changes_the_cache_key(project: Path, rel: str) -> None:
    before = _version(project)
    path = project / rel
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n# edited\n")
        assert _version(project) != before
    finally:
        path.write_bytes(original)
    assert _version(project) == before


def test_report_code_is_not_part_of_the_extraction_key(project: Path) -> None:
    before = _version(project)
    path = project / "tally/review/report.py"
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n# edited\n")
        assert _version(project) == before
    finally:
        path.write_bytes(original)
