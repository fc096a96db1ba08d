"""What `tally run` does around the flow: configuration checks before Prefect starts, the warm server
(start it first, discover raw/ while it comes up, attach the run to it, fail in one line if it dies),
and the review report after publishing. Errors are RunConfigError with a one-line message (exit 2)."""
from __future__ import annotations

import os
import sys
from pathlib import Path


class RunConfigError(Exception):
    """Configuration that stops a run before it starts (a bad manifest date, catalog, cluster address)."""


def check_published(raw: Path, manifest: dict) -> None:
    """Every `published` in sources.toml is a real date (YYYY, YYYY-MM or YYYY-MM-DD), or stop (exit 2)."""
    import datetime as dt
    import re

    for name, info in manifest.items():
        value = info.published
        m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value or "")
        try:
            if value is not None and m is None:
                raise ValueError
            if m is not None:
                dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
        except ValueError:
            raise RunConfigError(f"{raw / 'sources.toml'}: entry for {name!r}: published = {value!r} is not a date "
                               "(YYYY-MM-DD, YYYY-MM or YYYY)") from None


def check_catalog() -> None:
    """The indicator catalog parses and compiles, or stop with its file and the reason (exit 2)."""
    import re

    import yaml

    from schemas import vocab
    from tally.resolve import indicators
    from tally.resolve.catalog import CatalogError

    path = vocab.HERE / "indicators.yaml"
    try:
        indicators.catalog()
    except CatalogError as exc:  # the catalog check's own one-line reasons, naming the entry
        raise RunConfigError(f"broken indicator catalog: {exc}")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RunConfigError(f"{path}: broken indicator catalog: {where}{getattr(exc, 'problem', None) or exc}")
    except (KeyError, TypeError, AttributeError, re.error) as exc:
        raise RunConfigError(f"{path}: broken indicator catalog: {type(exc).__name__}: {exc}")


def check_dask_address(address: str) -> None:
    """An existing Dask scheduler answers at the address, or stop naming it (exit 2)."""
    import socket
    import urllib.parse

    url = urllib.parse.urlparse(address if "://" in address else f"tcp://{address}")
    try:
        host, port = url.hostname, url.port
    except ValueError:
        host = port = None
    if not host or not port:
        raise RunConfigError(f"--dask-address {address!r}: expected tcp://HOST:PORT")
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as exc:
        raise RunConfigError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}")


# The review page for 1,000 documents (40 MB of highlighted text) takes minutes and over 1 GB to render:
# above this many documents `tally run` leaves it to `tally report` (and `tally release`) instead.
REPORT_MAX_DOCUMENTS = 100


def write_run_report(warehouse: Path, raw: Path, documents: int, changed: bool = True) -> None:
    """Keep WAREHOUSE/report.html (a link to current/report.html) describing the published build; for a
    large build, remove the link instead (it would point at the previous build's page, or nowhere)."""
    if documents > REPORT_MAX_DOCUMENTS:
        link = warehouse / "report.html"
        if link.is_symlink() and not link.exists():
            link.unlink()
        if changed:
            print(f"note: report.html is not rewritten by runs of over {REPORT_MAX_DOCUMENTS} documents "
                  f"({documents}); `tally report` writes it", file=sys.stderr)
        return
    # matplotlib (the report's charts) keeps its font cache under the warehouse, not in the home folder
    os.environ.setdefault("MPLCONFIGDIR", str((warehouse / ".cache" / "matplotlib").resolve()))
    from tally.review.report import write_report

    try:
        write_report(warehouse, raw)
    except (OSError, ValueError) as exc:
        print(f"warning: report.html not written: {exc}", file=sys.stderr)


def warm_server(warehouse: Path):
    """The warm Prefect server's record (started now if need be, without waiting), or None when
    PREFECT_API_URL is set or TALLY_SERVER_IDLE=0 (then Prefect's temporary in-process server is used)."""
    from flows import server as srv

    if os.environ.get("PREFECT_API_URL"):
        return None
    try:
        idle = srv.idle_seconds()
        return srv.ensure(warehouse, idle)[0] if idle else None
    except (srv.ServerError, OSError) as exc:
        raise RunConfigError(str(exc))


def prefetch(fp, raw: Path, warehouse: Path, no_cache: bool, pool=None, batch_size: int | None = None) -> None:
    """Before the flow (while a cold server starts): discover raw/, and when the inputs changed, import the
    publishing stack and, with worker processes (`pool`), start extracting every batch the flow will ask for."""
    from flows import server as srv
    from tally import build as lib
    from tally.publish import builds

    record = srv.read_record(warehouse)
    server_up = bool(os.environ.get("PREFECT_API_URL")) or (record is not None and srv.healthy(record.api_url, 0.5))
    if server_up and pool is None:
        return  # the server is warm: nothing to overlap, the flow discovers raw/ itself
    try:
        found = lib.discover_documents(raw)
    except (FileNotFoundError, ValueError):
        return  # the flow reports it
    fp.prefetched[str(raw)] = found
    if not no_cache and builds.published_inputs(warehouse) == lib.input_fingerprint(found):
        return  # nothing to extract: the flow reports the published build
    if pool is not None:
        cache_dir = None if no_cache else str(warehouse / fp.CACHE_DIR)  # as the flow names it
        pool.submit_ahead(lib.batches_of(found.documents, batch_size or fp.BATCH_SIZE), cache_dir)
    if not server_up:
        import tally.publish.validate  # noqa: F401  (pandas, pandera, DuckDB: seconds)
        import tally.publish.warehouse  # noqa: F401


def wait_server(warehouse: Path, rec):
    """Wait until the warm server is healthy; one fresh start if it died while starting."""
    from flows import server as srv

    try:
        srv.wait(rec)
        return rec
    except srv.ServerError:
        pass
    try:
        return srv.start(warehouse, rec.idle, attempts=1)[0]
    except srv.ServerError as exc:
        raise RunConfigError(f"{exc}; log in {srv.state_dir(warehouse) / 'server.log'}")


def heartbeat(warehouse: Path, warm):
    """Point Prefect at the warm server (its URL may have changed on a restart) and keep its idle clock at
    zero while the run lasts."""
    from contextlib import ExitStack

    from flows import server as srv

    stack = ExitStack()
    if warm:
        import logging

        from prefect.settings import PREFECT_API_URL, temporary_settings

        # Prefect's events service logs an ERROR for every event it cannot send once the server is gone,
        # before the heartbeat notices; events are telemetry, and the run's own one line says what happened.
        events_log = logging.getLogger("prefect._internal.concurrency")
        events_log.addFilter(_drop_event_send_errors)
        stack.callback(events_log.removeFilter, _drop_event_send_errors)

        os.environ["PREFECT_API_URL"] = warm.api_url  # worker processes inherit it
        stack.enter_context(temporary_settings(updates={PREFECT_API_URL: warm.api_url}))
        stack.enter_context(srv.heartbeat(warehouse, warm, abort_run))
    return stack


def no_flow_heartbeats():
    """Prefect's flow-run heartbeat thread off for a `tally run`, unless PREFECT_FLOWS_HEARTBEAT_FREQUENCY is set.

    The engine joins that thread when the flow ends, and the thread sleeps in whole seconds: measured here,
    0.9 s of a 2.2 s empty flow run on the warm server. Heartbeats feed Prefect's crashed-run automations,
    which a local run does not have; `tally serve` deployments keep them. (None cannot be given as an
    environment value, so it is set for the flow call.) Without that pause, the run's last state events are
    still queued when the process exits; Prefect sends them while exiting and logs a "Still processing
    items" warning for it, which is dropped here (the events are sent all the same).
    """
    from contextlib import nullcontext

    if os.environ.get("PREFECT_FLOWS_HEARTBEAT_FREQUENCY") or os.environ.get("PREFECT_RUNNER_HEARTBEAT_FREQUENCY"):
        return nullcontext()
    import logging

    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    logging.getLogger("EventsWorker").addFilter(_drop_exit_drain_notice)  # kept: the drain runs at exit
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


def _drop_exit_drain_notice(record) -> bool:
    """A logging filter: False for Prefect's "Still processing items" notice while it sends its last events."""
    return not record.getMessage().startswith("Still processing items")


def _drop_event_send_errors(record) -> bool:
    """A logging filter: False for Prefect's "Service 'EventsWorker' failed to process item" records."""
    return "EventsWorker" not in record.getMessage()


def abort_run() -> None:
    """Called from the heartbeat thread when the warm server died: silence Prefect's retries and tracebacks
    about the lost API, and stop the run now rather than after minutes of retries."""
    import _thread
    import logging

    logging.disable(logging.CRITICAL)
    sys.stderr = open(os.devnull, "w")
    _thread.interrupt_main()


def server_lost(warm, exc: Exception) -> None:
    """A run whose warm server went away mid-run fails with one line (the next run starts a fresh one)."""
    from flows import server as srv

    if warm is None or srv.healthy(warm.api_url, 1.0):
        return
    sys.stderr = sys.__stderr__
    print(f"tally run: the Prefect server at {warm.api_url} stopped during the run ({type(exc).__name__}); "
          "the warehouse holds the last complete build; the next run starts a fresh server", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)  # Prefect's exit handlers would retry the dead API for minutes
