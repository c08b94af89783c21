"""``switchover adapt``: rewrite a request for another model and list what changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from switchover.adapt import Adapted, adapt
from switchover.adapt.model import API_IDS, Policy
from switchover.adapt.wire import decode_wire, detect_api, encode_wire
from switchover.cli._output import console, print_json
from switchover.errors import InputError, UsageError, redact

__all__ = ["read_request", "register"]

_INPUT_FORMATS = ("auto", "neutral", *API_IDS)


def read_request(path: Path, fmt: str = "auto", *, model: str | None = None) -> tuple[Any, str]:
    """(neutral request, detected format) from a JSON file; errors name line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the request file: {exc.strerror}", path=str(path)) from exc
    except UnicodeDecodeError:
        raise InputError(
            "not UTF-8 text", path=str(path), hint="Pass the request as a JSON file."
        ) from None
    if not text.strip():
        raise InputError("the file is empty", path=str(path), hint="Write the request as JSON.")
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            path=str(path),
            line=exc.lineno,
        ) from exc
    if not isinstance(body, dict):
        raise InputError("the request must be a JSON object", path=str(path))
    api = detect_api(body) if fmt == "auto" else fmt
    request = decode_wire(body, api, path=str(path), model=model)
    if not request.messages:
        raise InputError("at least one message is required", path=str(path), field="messages")
    return request, api


def _policy(strict: bool, migration: Any) -> Policy:
    if strict:
        return "strict"
    if migration is not None and migration.adaptation == "strict":
        return "strict"
    return "lenient"


def _migration(name: str | None, config: Path | None) -> Any:
    if name is None:
        return None
    from switchover.config import load_config

    cfg = load_config(config)
    for mig in cfg.migrations:
        if mig.name == name:
            return mig
    known = ", ".join(m.name for m in cfg.migrations) or "none defined"
    raise UsageError(f"no migration {name!r} in {cfg.path}", hint=f"Known migrations: {known}.")


def _render(result: Adapted, wire: dict[str, Any] | None) -> None:
    console.print(f"[bold]Adapted request[/] ({result.target_api}):")
    body = (
        wire if wire is not None else result.request.model_dump(mode="json", exclude_defaults=True)
    )
    console.print(redact(json.dumps(body, indent=2, ensure_ascii=False)), markup=False)
    if wire is None:
        console.print(f"[dim](neutral form: no {result.target_api} codec available)[/]")
    if not result.changes:
        console.print("No changes needed.")
    else:
        table = Table(title=f"{len(result.changes)} change(s)", show_lines=False)
        table.add_column("kind", no_wrap=True)
        table.add_column("param", overflow="fold")
        table.add_column("before -> after", overflow="fold")
        table.add_column("reason [rule]", overflow="fold", ratio=3)
        for c in result.changes:
            kind = f"[red]{c.kind}*[/]" if c.lossy else c.kind
            rule = f" [dim]\\[{c.rule_id}][/]" if c.rule_id else ""
            table.add_row(
                kind, c.param, f"{_short(c.before)} -> {_short(c.after)}", c.reason + rule
            )
        console.print(table)
        if result.lossy:
            console.print("[red]*[/] lossy: the target cannot express the original exactly")
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {w}", soft_wrap=True)


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def register(app: typer.Typer) -> None:
    @app.command("adapt")
    def adapt_cmd(
        request_file: Path = typer.Argument(
            ...,
            metavar="REQUEST.json",
            help="Request in OpenAI chat, Anthropic, Gemini or neutral JSON.",
        ),
        to: str | None = typer.Option(None, "--to", help="Target model (id or provider:model)."),
        from_: str | None = typer.Option(
            None, "--from", help="Model the request was written for (default: its model field)."
        ),
        api: str | None = typer.Option(
            None, "--api", help="Target API: " + ", ".join(API_IDS) + " (default: the model's)."
        ),
        input_format: str = typer.Option(
            "auto", "--input-format", help="Format of REQUEST.json: " + ", ".join(_INPUT_FORMATS)
        ),
        migration: str | None = typer.Option(
            None, "--migration", help="Take --from, --to and the policy from switchover.toml."
        ),
        config: Path | None = typer.Option(None, "--config", help="Path to switchover.toml."),
        strict: bool = typer.Option(False, "--strict", help="Fail on any lossy change."),
        as_json: bool = typer.Option(False, "--json", help="Print {request, changes, warnings}."),
    ) -> None:
        """Adapt a request to another model: parameters, roles, tools, formats, thinking."""
        if api is not None and api not in API_IDS:
            raise UsageError(f"unknown --api {api!r}", hint="Use one of: " + ", ".join(API_IDS))
        if input_format not in _INPUT_FORMATS:
            raise UsageError(
                f"unknown --input-format {input_format!r}",
                hint="Use one of: " + ", ".join(_INPUT_FORMATS),
            )
        mig = _migration(migration, config)
        target = to or (mig.to if mig is not None else None)
        if target is None:
            raise UsageError("no target model", hint="Pass --to MODEL (or --migration NAME).")
        source = from_ or (mig.from_ if mig is not None else None)
        request, fmt = read_request(request_file, input_format, model=source)
        result = adapt(
            request,
            target,
            source=source,
            target_api=api,
            source_api=None if fmt == "neutral" else fmt,
            policy=_policy(strict, mig),
            platform=mig.platform if mig is not None else None,
        )
        try:
            wire = encode_wire(result.request, result.target_api)
        except InputError:
            wire = None  # already reported among the warnings by adapt's own check
        if as_json:
            print_json({"request": wire, "neutral": result.request.model_dump(mode="json"),
                        **result.to_json()})  # fmt: skip
        else:
            _render(result, wire)
