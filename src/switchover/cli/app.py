"""The root ``switchover`` command and its entry point."""

from __future__ import annotations

import importlib
import sys

import typer

from switchover._version import __version__
from switchover.cli._output import err_console, print_error, process
from switchover.errors import EXIT_ERROR, SwitchoverError

__all__ = ["app", "main"]

#: the root command with every group registered; resolved lazily by ``__getattr__`` below
app: typer.Typer

_app = typer.Typer(
    name="switchover",
    help="Planned LLM model migrations: inventory, evaluation, adaptation, cut-over.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="markdown",
)

# Command-group modules. Each exposes ``register(app)``. Add one line per module.
COMMAND_MODULES: list[str] = [
    # -- command modules: one line each, keep sorted --
    "switchover.cli.adapt",
    "switchover.cli.catalog",
    "switchover.cli.config",
    "switchover.cli.eval",
    "switchover.cli.gateway",
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


@_app.callback()
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


_loaded: set[str] = set()


def _load_commands(only: str | None = None) -> None:
    """Register command groups. With ``only`` (the command being run), import just that
    module: start-up then pays for what it runs, not for scipy behind ``eval``."""
    for name in COMMAND_MODULES:
        command = name.rpartition(".")[2]
        if command in _loaded or (only is not None and command != only):
            continue
        importlib.import_module(name).register(_app)
        _loaded.add(command)


def _command_in(argv: list[str]) -> str | None:
    """The command named on the command line, when it is one we know."""
    known = {name.rpartition(".")[2] for name in COMMAND_MODULES}
    for arg in argv:
        if arg.startswith("-"):
            return None  # a root option (--help, --version) comes first: load everything
        return arg if arg in known else None
    return None


def __getattr__(name: str) -> typer.Typer:
    # ``from switchover.cli.app import app`` (tests, docgen, embedding) gets every command.
    if name == "app":
        _load_commands()
        return _app
    raise AttributeError(name)


def _interrupted() -> None:
    err_console.print("interrupted: work done so far is kept; re-run to resume.")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: user errors are printed, never shown as tracebacks."""
    args = sys.argv[1:] if argv is None else argv
    # the process ends with the command only when run as the program (argv from sys.argv)
    process.console = argv is None
    only = _command_in(args)
    _load_commands(only)
    try:
        _app(args=args, prog_name="switchover")
    except SwitchoverError as exc:
        print_error(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _interrupted()
        sys.exit(130)
    except SystemExit as exc:
        if exc.code == 130:  # typer turns Ctrl-C into a silent exit 130
            _interrupted()
        raise
    except OSError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":  # pragma: no cover
    main()
