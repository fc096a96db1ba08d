"""flows/runsetup.py: what a `tally run` sets around its flow call."""
from __future__ import annotations

import logging

from flows import runsetup as rs


def test_flow_heartbeats_are_off_for_a_cli_run_unless_asked_for(monkeypatch) -> None:
    from prefect.settings import get_current_settings

    monkeypatch.delenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", raising=False)
    monkeypatch.delenv("PREFECT_RUNNER_HEARTBEAT_FREQUENCY", raising=False)
    default = get_current_settings().flows.heartbeat_frequency
    assert default is not None  # Prefect's own default: a heartbeat thread every run
    with rs.no_flow_heartbeats():
        assert get_current_settings().flows.heartbeat_frequency is None
    assert get_current_settings().flows.heartbeat_frequency == default
    monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "60")
    with rs.no_flow_heartbeats():  # the user asked for heartbeats: left alone
        assert get_current_settings().flows.heartbeat_frequency == default


def test_only_the_exit_drain_notice_is_dropped() -> None:
    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("EventsWorker", logging.WARNING, __file__, 1, msg, None, None)

    assert not rs._drop_exit_drain_notice(record("Still processing items: 4 items remaining..."))
    assert rs._drop_exit_drain_notice(record("Service 'EventsWorker' failed to process item"))
