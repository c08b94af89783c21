"""Shared rendering helpers for CLI modules: consoles, JSON output, error printing."""

from __future__ import annotations

import gc
import json
import os
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape

from switchover.errors import SwitchoverError, redact

__all__ = ["console", "err_console", "freeze_for_exit", "print_error", "print_json", "process"]


def _width() -> int | None:
    """Full terminal width on a TTY; a generous fixed width when piped (rich would use 80,
    which wraps model IDs and dates mid-word in tables)."""
    if sys.stdout.isatty():
        return None
    try:
        return max(80, int(os.environ.get("COLUMNS", "160")))
    except ValueError:
        return 160


console = Console(highlight=False, width=_width())
err_console = Console(stderr=True, highlight=False, width=_width())


class _Process:
    """What kind of process the CLI runs in: ``console`` is set by the console-script
    entry point (``switchover.cli.app.main()`` reading ``sys.argv``), not when a test or
    another program invokes the typer app, or ``main(argv)``, in-process."""

    console = False


process = _Process()


def freeze_for_exit() -> None:
    """When this process ends after the command, move every live object out of the
    garbage collector's reach (``gc.freeze``): a large result (a 10,000-case report) is then
    not re-scanned by full collections while the command renders it, nor at interpreter
    exit. Never in-process (tests, embedding programs): frozen objects would never be
    freed there."""
    if process.console:
        gc.freeze()


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON to stdout (no colour, no wrapping)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def print_error(exc: SwitchoverError) -> None:
    """Print ``error:`` and ``hint:`` lines; brackets in them are text, not rich markup."""
    err_console.print(
        f"[bold red]error:[/] {escape(redact(exc.message))}", markup=True, soft_wrap=True
    )
    if exc.hint:
        err_console.print(
            f"[yellow]hint:[/] {escape(redact(exc.hint))}", markup=True, soft_wrap=True
        )
