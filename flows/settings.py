"""Prefect settings for a local run; must be applied before `prefect` is first imported."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def configure_prefect(warehouse: Path, verbose: bool = False) -> None:
    """Keep Prefect's state under the warehouse folder and quiet, with no server to start by hand.

    With no PREFECT_API_URL, Prefect starts a temporary local API server for the run by itself.
    """
    if "prefect" in sys.modules:
        return  # already configured by the caller (tests, notebooks); settings are read at import
    home = (warehouse / ".prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "true")
