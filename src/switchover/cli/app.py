"""The root ``switchover`` command and its entry point."""

from __future__ import annotations

import importlib
import sys

import typer

from switchover._version import __version__
from switchover.cli._output import err_console, print_error
from switchover.errors import EXIT_ERROR, SwitchoverError

__all__ = ["app", "main"]

app = typer.Typer(
    name="switchover",
    help="Planned LLM model migrations: inventory, evaluation, adaptation, cut-over.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)

# Command-group modules. Each exposes ``register(app)``. Add one line per module.
COMMAND_MODULES: list[str] = [
    # -- command modules: one line each, keep sorted --
    "switchover.cli.adapt",
    "switchover.cli.catalog",
    "switchover.cli.config",
    "switchover.cli.eval",
    "switchover.cli.init",
    "switchover.cli.models",
    "switchover.cli.rewrite",
    "switchover.cli.rollout",
    "switchover.cli.scan",
    "switchover.cli.sim",
    "switchover.cli.status",
    "switchover.cli.tune",
    "switchover.cli.ui",
]


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"switchover {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        callback=_version_callback,
        is_eager=True,
    ),
) -> None:
    """switchover carries a model migration from inventory to cut-over."""


def _load_commands() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(app)


_load_commands()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: user errors are printed, never shown as tracebacks."""
    try:
        app(args=argv, prog_name="switchover")
    except SwitchoverError as exc:
        print_error(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted: work done so far is kept; re-run to resume.")
        sys.exit(130)
    except OSError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":  # pragma: no cover
    main()
