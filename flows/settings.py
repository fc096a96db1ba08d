"""Prefect settings for a local run; must be applied before `prefect` is first imported."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def configure_prefect(warehouse: Path, verbose: bool = False, api_url: str | None = None) -> None:
    """Keep Prefect's state under the warehouse folder and quiet, with no server to start by hand.

    With api_url (the warm local server, flows/server.py) runs report there; with neither it nor
    PREFECT_API_URL, Prefect starts a temporary local API server for the run by itself.
    """
    # Dask's own INFO lines (scheduler and worker start-up) only with -v; worker processes inherit it.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "info" if verbose else "warning")
    if "prefect" in sys.modules:
        return  # already configured by the caller (tests, notebooks); settings are read at import
    if api_url:
        os.environ.setdefault("PREFECT_API_URL", api_url)
    home = (warehouse / ".prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "true")
