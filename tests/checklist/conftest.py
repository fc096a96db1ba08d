"""Print the behavioural suite's per-capability pass rates at the end of the test session."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_terminal_summary(terminalreporter) -> None:
    """The CheckList table, when test_checklist ran."""
    mod = sys.modules.get("test_checklist")
    text = mod.summary() if mod is not None else None
    if text:
        terminalreporter.write_sep("-", "checklist: pass rate per capability")
        terminalreporter.write_line(text)
