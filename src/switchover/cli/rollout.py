"""``switchover rollout``: see and steer a migration's cut-over (works on the store directly;
running gateways pick up every change within a second)."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from switchover.cli._output import console, print_json
from switchover.config import load_config
from switchover.errors import UsageError
from switchover.rollout import (
    AuditEvent,
    RolloutPlan,
    RolloutState,
    behind_schedule,
    compute_schedule,
    default_plan,
    format_duration,
    plan_from_settings,
    required_duration,
)
from switchover.store import DEFAULT_STORE_URL, Store, open_store
from switchover.store.control import ManualAction, apply_action, current_state

__all__ = ["register"]

rollout_app = typer.Typer(
    help="Show and control a migration's rollout: status, promote, pause, rollback, kill.\n\n"
    "Also resume and reset; kill sends all traffic back to the baseline at once.",
    no_args_is_help=True,
)

_MIGRATION = typer.Option(
    None, "--migration", "-m", help="Migration name (default: the only one in switchover.toml)."
)
_STORE = typer.Option(
    None,
    "--store",
    help=f"Store URL (default: project.store in switchover.toml, else {DEFAULT_STORE_URL}).",
)
_CONFIG = typer.Option(None, "--config", "-c", help="Path to switchover.toml.")
_JSON = typer.Option(False, "--json", help="Print JSON.")
_REASON = typer.Option("", "--reason", "-r", help="Why (kept in the audit log).")
_ACTOR = typer.Option(None, "--actor", help="Who acts (default: the login name).")


class _Context:
    def __init__(self, migration: str | None, store_url: str | None, config: Path | None) -> None:
        cfg = load_config(config, required=config is not None)
        mig = None
        if migration is None:
            if not cfg.migrations:
                raise UsageError(
                    "--migration is required",
                    hint="Pass --migration NAME, or define the migration in switchover.toml.",
                )
            mig = cfg.migration(None)
            migration = mig.name
        else:
            mig = next((m for m in cfg.migrations if m.name == migration), None)
        self.migration = migration
        self.store_url = store_url or (
            cfg.project.store if cfg.path is not None else DEFAULT_STORE_URL
        )
        self.store: Store = open_store(self.store_url)
        try:
            self.plan, self.plan_source = self._plan(mig, cfg.migrations, cfg.path)
        except BaseException:
            self.store.close()
            raise

    def _plan(self, mig: Any, migrations: list[Any], path: Path | None) -> tuple[RolloutPlan, str]:
        if mig is not None:
            index = migrations.index(mig)
            plan = plan_from_settings(
                mig.name,
                mig.rollout,
                deadline=mig.deadline,
                source=str(path) if path else None,
                prefix=f"migrations[{index}].rollout",
            )
            return plan, str(path)
        stored = self.store.get_plan(self.migration)
        if stored is not None:
            return stored, "store"
        if migrations and self.store.get_rollout(self.migration) is None:
            # A plan names its migrations; an unknown name there is almost always a typo.
            raise UsageError(
                f"unknown migration {self.migration!r}: not in {path} and not in the store",
                hint="Known: " + ", ".join(m.name for m in migrations) + ".",
            )
        return default_plan(self.migration), "default plan (no switchover.toml entry)"

    def __enter__(self) -> _Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.store.close()


def _actor(name: str | None) -> str:
    if name is None:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):
            name = "unknown"
    return f"user:{name}"


def _event_json(ev: AuditEvent) -> dict[str, Any]:
    return ev.model_dump(mode="json")


def _status_data(ctx: _Context, state: RolloutState, now: datetime, events: int) -> dict[str, Any]:
    plan = ctx.plan
    active = state.effective_status in ("shadow", "canary")
    need = required_duration(state, plan) if active and state.stage >= 0 else None
    return {
        "migration": ctx.migration,
        "store": ctx.store_url,
        "plan_source": ctx.plan_source,
        "stored": state.version > 0,
        "summary": state.describe(),
        "state": state.model_dump(mode="json"),
        "time_in_stage_s": state.time_in_stage(now).total_seconds(),
        "required_s": need.total_seconds() if need is not None else None,
        "deadline": plan.deadline.isoformat() if plan.deadline else None,
        "warning": behind_schedule(state, plan, now),
        "stages": [
            {
                "index": i,
                "label": s.label,
                "kind": s.kind,
                "percent": s.percent,
                "duration_s": s.duration.total_seconds(),
            }
            for i, s in enumerate(plan.stages)
        ],
        "audit": [_event_json(e) for e in ctx.store.list_audit(ctx.migration, limit=events)],
    }


def _render_status(ctx: _Context, state: RolloutState, now: datetime, events: int) -> None:
    plan = ctx.plan
    console.print(f"[bold]{ctx.migration}[/]: {state.describe()}")
    if state.stage >= 0 and state.effective_status in ("shadow", "canary"):
        need = required_duration(state, plan)
        clock = " (clock stopped: paused)" if state.status == "paused" else ""
        console.print(
            f"  in stage {format_duration(state.time_in_stage(now))} of "
            f"{format_duration(need)}{clock}; gate failures {state.failures} of "
            f"{plan.failure_limit}"
        )
    console.print(f"  plan: {ctx.plan_source}", soft_wrap=True)
    console.print(f"  store: {ctx.store_url}", soft_wrap=True)
    if plan.deadline is not None:
        sched = compute_schedule(plan, now)
        console.print(
            f"  deadline {plan.deadline:%Y-%m-%d %H:%M} UTC; a ramp from now: {sched.message}"
        )
    warning = behind_schedule(state, plan, now)
    if warning:
        console.print(f"  [yellow]warning:[/] {warning}")
    table = Table(title="Stages", title_justify="left")
    for col in ("#", "stage", "duration", ""):
        table.add_column(col)
    for i, s in enumerate(plan.stages):
        mark = ""
        if state.status == "complete" or i < state.stage:
            mark = "done"
        elif i == state.stage and state.status not in ("rolled_back", "baseline"):
            mark = "[bold]<- here[/]"
        table.add_row(str(i + 1), s.label, format_duration(s.duration), mark)
    console.print(table)
    audit = ctx.store.list_audit(ctx.migration, limit=events)
    if not audit:
        console.print("No audit events yet.")
        return
    log = Table(title="Recent events", title_justify="left")
    for col in ("when (UTC)", "actor", "action", "to", "reason"):
        log.add_column(col)
    for ev in audit:
        log.add_row(
            f"{ev.at:%Y-%m-%d %H:%M:%S}",
            ev.actor,
            ev.action,
            ev.to_text,
            ev.reason,
        )
    console.print(log)


@rollout_app.command("status")
def status(
    migration: str | None = _MIGRATION,
    store: str | None = _STORE,
    config: Path | None = _CONFIG,
    events: int = typer.Option(10, "--events", "-n", min=0, help="How many audit events."),
    as_json: bool = _JSON,
) -> None:
    """Stage, percentage, time in stage, schedule warnings and the last audit events."""
    with _Context(migration, store, config) as ctx:
        now = datetime.now(UTC)
        state = current_state(ctx.store, ctx.migration, now)
        if as_json:
            print_json(_status_data(ctx, state, now, events))
        else:
            _render_status(ctx, state, now, events)


def _act(
    action: ManualAction,
    migration: str | None,
    store: str | None,
    config: Path | None,
    reason: str,
    actor: str | None,
    as_json: bool,
) -> None:
    with _Context(migration, store, config) as ctx:
        if ctx.plan_source != "store":
            ctx.store.put_plan(ctx.plan)  # replicas and later commands follow the same plan
        t = apply_action(ctx.store, ctx.plan, action, actor=_actor(actor), reason=reason)
        if as_json:
            print_json({"state": t.state.model_dump(mode="json"), "event": _event_json(t.event)})
            return
        console.print(f"{ctx.migration}: {t.event.summary}")
        console.print(f"now {t.state.describe()} (state version {t.state.version})")


def _make(action: ManualAction, doc: str) -> None:
    def command(
        migration: str | None = _MIGRATION,
        store: str | None = _STORE,
        config: Path | None = _CONFIG,
        reason: str = _REASON,
        actor: str | None = _ACTOR,
        as_json: bool = _JSON,
    ) -> None:
        _act(action, migration, store, config, reason, actor, as_json)

    command.__doc__ = doc
    rollout_app.command(action)(command)


_make("promote", "Move to the next stage now (from baseline: start the ramp).")
_make("pause", "Freeze the current stage: traffic split unchanged, no automatic moves.")
_make("resume", "Continue a paused stage (paused time does not count).")
_make("rollback", "Stop the ramp and return all traffic to the baseline.")
_make("kill", "Kill switch: all traffic, served and shadow, to the baseline at once.")
_make("reset", "After a rollback or completion: back to baseline-only, ready to start again.")


def register(app: typer.Typer) -> None:
    app.add_typer(rollout_app, name="rollout")
