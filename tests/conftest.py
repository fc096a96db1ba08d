"""Shared fixtures: paths to the seed and gold, and one Prefect test harness per session."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "raw" / "us_russia_relations.txt"
GOLD = Path(__file__).resolve().parent / "gold"

# Prefect reads its settings at import: keep its state out of the user's home for the whole session.
_PREFECT_HOME = tempfile.mkdtemp(prefix="tally-prefect-")
os.environ.setdefault("PREFECT_HOME", _PREFECT_HOME)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# No warm Prefect server outlives a test: every `tally run` a test starts uses Prefect's temporary server
# (TALLY_SERVER_IDLE=0), whatever the developer's shell says; tests/test_server.py sets it explicitly.
os.environ["TALLY_SERVER_IDLE"] = "0"


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed document's decoded text."""
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for every flow test in the session (~10 s to start once)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture(scope="session")
def shared_api_url(prefect_harness) -> str:
    """The session harness's Prefect API URL, for `tally run` subprocesses that are not about Prefect's own
    start-up: each then skips starting a temporary server (most of its 8-10 s here)."""
    from prefect.settings import get_current_settings

    return str(get_current_settings().api.url)


@pytest.fixture(scope="session")
def converted_fixtures(tmp_path_factory) -> dict[str, Path]:
    """The HTML and PDF fixtures of tests/convert_fixtures.py, built once per session (Chromium prints)."""
    from convert_fixtures import build

    return build(tmp_path_factory.mktemp("convert-fixtures"))
