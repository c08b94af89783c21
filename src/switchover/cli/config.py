"""``switchover config``: validate switchover.toml and export its JSON Schema."""

from __future__ import annotations

from pathlib import Path

import typer

from switchover.cli._output import console, print_json
from switchover.config import Config, load_config
from switchover.errors import InputError

__all__ = ["register"]

config_app = typer.Typer(
    help="Validate switchover.toml and export its JSON Schema.", no_args_is_help=True
)


@config_app.command("schema")
def schema(
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the schema to this file."
    ),
) -> None:
    """Print the JSON Schema of switchover.toml (for editor completion and validation)."""
    import json

    text = json.dumps(Config.json_schema(), indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"cannot write the schema: {exc.strerror}",
                path=str(output),
                hint="Pass a writable file path with --output.",
            ) from None
        console.print(f"wrote {output}")


@config_app.command("check")
def check(
    config: Path | None = typer.Option(
        None, "--config", "-c", help="Path to switchover.toml (default: search upwards)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the validated plan as JSON."),
) -> None:
    """Validate switchover.toml; errors name the key and the line."""
    cfg = load_config(config)
    if as_json:
        print_json(cfg.model_dump(mode="json", by_alias=True))
        return
    console.print(
        f"[green]ok[/] {cfg.path}: {len(cfg.migrations)} migration(s), {len(cfg.upstreams)} upstream(s)"
    )
    for m in cfg.migrations:
        deadline = m.deadline.isoformat() if m.deadline else "catalog shutdown date"
        console.print(f"  {m.name}: {m.from_} -> {m.to} (deadline: {deadline})")


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
