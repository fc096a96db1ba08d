"""Prefect settings for a local run; must be applied before `prefect` is first imported."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def prefect_env(warehouse: Path, verbose: bool = False, api_url: str | None = None,
                environ: dict[str, str] | None = None) -> dict[str, str]:
    """The Prefect (and Dask logging) settings a run gets: `environ`'s own, else tally's defaults."""
    env = dict(os.environ if environ is None else environ)
    defaults = {
        "DASK_LOGGING__DISTRIBUTED": "info" if verbose else "warning",  # Dask's INFO lines only with -v
        "PREFECT_HOME": str((warehouse / ".prefect").resolve()),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": "INFO" if verbose else "WARNING",
        "PREFECT_LOGGING_TO_API_ENABLED": "true",
    }
    if api_url:
        defaults["PREFECT_API_URL"] = api_url
    for key, value in defaults.items():
        env.setdefault(key, value)
    return {k: v for k, v in env.items() if k.startswith(("PREFECT_", "DASK_"))}


def configure_prefect(warehouse: Path, verbose: bool = False, api_url: str | None = None) -> None:
    """Keep Prefect's state under the warehouse folder and quiet, with no server to start by hand.

    With api_url (the warm local server, flows/server.py) runs report there; with neither it nor
    PREFECT_API_URL, Prefect starts a temporary local API server for the run by itself.
    """
    # Dask's own INFO lines (scheduler and worker start-up) only with -v; worker processes inherit it.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "info" if verbose else "warning")
    if "prefect" in sys.modules:
        return  # already configured by the caller (tests, notebooks); settings are read at import
    (warehouse / ".prefect").resolve().mkdir(parents=True, exist_ok=True)
    for key, value in prefect_env(warehouse, verbose, api_url).items():
        os.environ.setdefault(key, value)
