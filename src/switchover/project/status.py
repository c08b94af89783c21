"""Where each migration stands: deadline, call sites left, evaluation, rollout, next step."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from switchover.catalog import Catalog, get_catalog
from switchover.config import Config, Migration
from switchover.project.evalinfo import latest_eval
from switchover.project.model import (
    CallSite,
    EvalStatus,
    GateReading,
    MigrationStatus,
    ProjectStatus,
    RolloutStatus,
    StageRow,
)
from switchover.rollout import (
    RolloutPlan,
    RolloutState,
    behind_schedule,
    compute_schedule,
    evaluate,
    plan_from_settings,
    required_duration,
)
from switchover.scan.engine import ScanOptions, load_scan_config, scan
from switchover.scan.findings import Finding, ScanReport
from switchover.store import Store
from switchover.store.control import current_state

__all__ = ["build_status", "migration_plan", "old_model_ids", "project_root", "sites_on"]


def project_root(cfg: Config) -> Path:
    """The directory of ``switchover.toml`` (the cwd when there is none)."""
    return cfg.path.parent if cfg.path is not None else Path.cwd()


def migration_plan(cfg: Config, mig: Migration) -> RolloutPlan:
    """The rollout plan of ``mig`` exactly as ``switchover rollout`` builds it (its deadline is
    the configured one; status warnings also use the catalog's shutdown date)."""
    return plan_from_settings(
        mig.name,
        mig.rollout,
        deadline=mig.deadline,
        source=str(cfg.path) if cfg.path else None,
        prefix=f"migrations[{cfg.migrations.index(mig)}].rollout",
    )


def _catalog_shutdown(mig: Migration, catalog: Catalog) -> date | None:
    ref = mig.from_ref
    entry = catalog.lookup(ref.model, ref.platform)
    return entry.shutdown_date if entry is not None else None


def old_model_ids(mig: Migration, catalog: Catalog) -> set[str]:
    """Every spelling that means the migration's old model (id, catalog id, aliases)."""
    ref = mig.from_ref
    ids = {ref.model.lower()}
    entry = catalog.lookup(ref.model, ref.platform)
    if entry is not None:
        ids.add(entry.id.lower())
    return ids


def _on_old(f: Finding, ids: set[str]) -> bool:
    return any(
        (r.catalog_id or r.value).lower() in ids or r.value.lower() in ids for r in f.resolved
    )


def sites_on(report: ScanReport, mig: Migration, catalog: Catalog) -> list[Finding]:
    """Usage findings (not suppressed or baselined) that still resolve to the old model."""
    ids = old_model_ids(mig, catalog)
    return [
        f
        for f in report.findings
        if f.usage and not f.suppressed and not f.baselined and _on_old(f, ids)
    ]


def _call_sites(findings: list[Finding]) -> list[CallSite]:
    return [
        CallSite(
            path=f.path,
            line=f.line,
            kind=f.kind,
            context=f.context,
            expression=f.model_expression,
            params=sorted({p.param for p in f.param_problems}),
        )
        for f in findings
    ]


def _rollout(
    store: Store, plan: RolloutPlan, state: RolloutState, now: datetime, deadline: datetime | None
) -> RolloutStatus:
    active = state.effective_status in ("shadow", "canary") and state.stage >= 0
    rows = []
    for i, s in enumerate(plan.stages):
        if state.status == "complete" or (i < state.stage and state.status != "rolled_back"):
            mark = "done"
        elif i == state.stage and state.status not in ("rolled_back", "baseline"):
            mark = "current"
        else:
            mark = "todo"
        rows.append(
            StageRow(index=i, label=s.label, duration_s=s.duration.total_seconds(), state=mark)
        )
    out = RolloutStatus(
        status=state.status,
        summary=state.describe(),
        stage=state.stage,
        percent=state.percent,
        shadow_percent=state.shadow_percent,
        version=state.version,
        failures=state.failures,
        failure_limit=plan.failure_limit,
        stages=rows,
    )
    if active:
        out.time_in_stage_s = state.time_in_stage(now).total_seconds()
        out.required_s = required_duration(state, plan).total_seconds()
    if state.status in ("shadow", "canary"):
        name = plan.migration
        decision = evaluate(state, plan, lambda since: store.window_metrics(name, since, now), now)
        out.decision = decision.action
        out.decision_reasons = list(decision.reasons)
        out.gates = [
            GateReading(
                gate=g.gate,
                outcome=g.outcome,
                baseline=g.baseline,
                candidate=g.candidate,
                samples=g.samples,
                reason=g.reason,
            )
            for g in decision.gates
        ]
    if deadline is not None and state.status == "baseline":
        out.schedule = compute_schedule(plan, now, deadline).message
    return out


def _next_step(
    m: MigrationStatus, ev: EvalStatus | None, ro: RolloutStatus, *, tuned_prompt: bool = False
) -> str:
    name = m.name
    if ro.status == "complete":
        if m.call_sites:
            return (
                f"the gateway serves {m.to_model} to everyone; apply the change to the code: "
                f"`switchover rewrite --migration {name} --write`"
            )
        if tuned_prompt:
            return (
                f"done: no code on {m.from_model} is left; the gateway serves the plan's "
                "system_prompt in place of the application's, so put it into the code "
                "before removing the gateway route"
            )
        return f"done: no code on {m.from_model} is left; remove the gateway route when ready"
    if ro.status == "rolled_back":
        return (
            "rolled back: read the audit trail and the gate readings, fix the regression, then "
            f"`switchover rollout reset --migration {name}` and start again"
        )
    if ro.status == "paused":
        return f"paused: `switchover rollout resume --migration {name}` (or rollback)"
    if ro.status in ("shadow", "canary"):
        if ro.decision == "promote":
            return "gates pass and the stage time is up: the gateway promotes at its next check"
        if ro.decision == "rollback":
            return "gates fail at the failure limit: the gateway rolls back at its next check"
        why = "; ".join(ro.decision_reasons[:2])
        return f"hold at {ro.summary}" + (f" ({why})" if why else "")
    # baseline: not started
    if ev is None:
        return f"evaluate the candidate: `switchover eval --migration {name}`"
    if ev.verdict is None:
        return f"the evaluation {ev.run_id} has not finished: re-run `switchover eval` to resume it"
    if ev.verdict == "NO-GO":
        return (
            "the candidate regresses: see the report, adapt the requests or tune the prompt "
            f"(`switchover adapt`, `switchover tune`), then `switchover eval --migration {name}`"
        )
    if ev.verdict == "INCONCLUSIVE":
        return "the evaluation cannot decide yet: evaluate more cases or repeats, then re-run it"
    return f"start the rollout through the gateway: `switchover rollout promote --migration {name}`"


def _warnings(
    m: MigrationStatus, plan: RolloutPlan, state: RolloutState, now: datetime
) -> list[str]:
    out: list[str] = []
    if m.days_left is not None and m.days_left < 0 and m.call_sites:
        out.append(f"the deadline {m.deadline} has passed and {len(m.call_sites)} site(s) remain")
    if m.shutdown_date and m.deadline and m.deadline > m.shutdown_date:
        out.append(f"the deadline {m.deadline} is after the old model's shutdown {m.shutdown_date}")
    ev = m.eval
    if ev is not None and ev.verdict == "NO-GO" and state.status in ("shadow", "canary"):
        out.append(f"the rollout is running although the latest evaluation ({ev.run_id}) is NO-GO")
    deadline = _deadline_dt(plan, m.deadline)
    late = behind_schedule(state, plan, now, deadline)
    if late:
        out.append(late)
    elif state.status == "baseline" and deadline is not None:
        sched = compute_schedule(plan, now, deadline)
        if not sched.feasible:
            out.append(sched.message)
    return out


def _deadline_dt(plan: RolloutPlan, day: date | None) -> datetime | None:
    if plan.deadline is not None:
        return plan.deadline
    return datetime.combine(day, datetime.min.time(), UTC) if day else None


def migration_status(
    cfg: Config,
    mig: Migration,
    store: Store,
    *,
    now: datetime,
    report: ScanReport | None,
    catalog: Catalog,
) -> MigrationStatus:
    today = now.date()
    shutdown = _catalog_shutdown(mig, catalog)
    deadline = mig.deadline or shutdown
    plan = migration_plan(cfg, mig)
    state = current_state(store, mig.name, now)
    findings = sites_on(report, mig, catalog) if report is not None else []
    ev = latest_eval(store, mig.name, project_root(cfg) / cfg.project.reports_dir)
    ro = _rollout(store, plan, state, now, _deadline_dt(plan, deadline))
    m = MigrationStatus(
        name=mig.name,
        from_model=mig.from_,
        to_model=mig.to,
        owner=mig.owner,
        deadline=deadline,
        deadline_source="switchover.toml" if mig.deadline else ("catalog" if shutdown else "none"),
        shutdown_date=shutdown,
        days_left=(deadline - today).days if deadline else None,
        call_sites=_call_sites(findings),
        param_problems=sum(len(f.param_problems) for f in findings),
        eval=ev,
        rollout=ro,
        next_step="",
    )
    m.next_step = _next_step(m, ev, ro, tuned_prompt=mig.system_prompt is not None)
    m.warnings = _warnings(m, plan, state, now)
    return m


def run_scan(cfg: Config, today: date) -> ScanReport:
    """A fresh scan of the project directory with its ``[scan]`` settings."""
    root = project_root(cfg)
    opts, _ = load_scan_config(root, ScanOptions(today=today, jobs=1))
    return scan(root, opts)


def build_status(
    cfg: Config,
    store: Store,
    *,
    store_url: str,
    now: datetime | None = None,
    do_scan: bool = True,
    migration: str | None = None,
    scan_report: ScanReport | None = None,
) -> ProjectStatus:
    """The status of every migration (or only ``migration``) in ``cfg``; ``scan_report``
    replaces the fresh scan (the dashboard caches one)."""
    now = now or datetime.now(UTC)
    catalog = get_catalog()
    migs = [cfg.migration(migration)] if migration else list(cfg.migrations)
    report = scan_report
    if report is None and do_scan and migs:
        report = run_scan(cfg, now.date())
    return ProjectStatus(
        project=cfg.project.name,
        config=str(cfg.path) if cfg.path else None,
        store=store_url,
        today=now.date(),
        generated_at=now,
        scanned=report is not None,
        migrations=[
            migration_status(cfg, m, store, now=now, report=report, catalog=catalog) for m in migs
        ],
    )
