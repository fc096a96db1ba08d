"""The `tally` CLI's two consoles (results to standard output, messages to standard error) and its one-line
failure, shared by every command module."""
from __future__ import annotations

import typer
from rich.console import Console

out = Console()
err = Console(stderr=True)


def reset() -> None:
    """Make the consoles again for the current standard output and error (a forked warm-runner child)."""
    global out, err
    out, err = Console(), Console(stderr=True)


def fail(command: str, message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error (never wrapped) and return the Exit to raise."""
    err.print(f"tally {command}: {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)
