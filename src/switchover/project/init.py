"""``switchover init``: scan a repository, list the models at risk, propose a replacement for
each and write a ``switchover.toml`` with sensible defaults."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from switchover.catalog import Catalog, ModelEntry, get_catalog
from switchover.config import load_config
from switchover.errors import ConfigError, UnknownModelError, UsageError
from switchover.scan.engine import ScanOptions, load_scan_config, scan
from switchover.scan.findings import ScanReport

__all__ = [
    "AtRisk",
    "InitPlan",
    "ProposedMigration",
    "find_at_risk",
    "find_datasets",
    "parse_targets",
    "propose",
    "render_toml",
    "write_plan",
]

#: a model shutting down within this many days counts as at risk even if not yet deprecated
RISK_HORIZON_DAYS = 180

#: registered provider (switchover.providers) -> the variable its key is read from
_API_KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "azure": "AZURE_OPENAI_API_KEY",
    "bedrock": "AWS_BEARER_TOKEN_BEDROCK",
}
#: extra lines under an upstream's table, for providers that need more than a key
_UPSTREAM_NOTES = {
    "bedrock": [
        'options = { region = "us-east-1" }  # your AWS region (or drop it and set AWS_REGION)',
        "# auth: the Bedrock API key above, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY",
    ],
}


def upstream_provider(entry: ModelEntry) -> str | None:
    """The registered provider that serves ``entry``, or None (the upstream is then left
    for the user to configure): Claude on Bedrock is ``bedrock``."""
    if entry.platform == "azure" and entry.provider == "openai":
        return "azure"
    if entry.platform == "bedrock" and entry.provider == "anthropic":
        return "bedrock"
    if entry.platform == "openai":
        return "openai"
    if entry.platform == "anthropic":
        return "anthropic"
    if entry.platform == "gemini-api":
        return "gemini"
    return None


@dataclass
class AtRisk:
    """A model the code uses that is deprecated, retired or shutting down soon."""

    entry: ModelEntry
    sites: list[str] = field(default_factory=list)  # "path:line"
    lifecycle: str = "deprecated"
    days_left: int | None = None
    aliases: list[str] = field(default_factory=list)  # the entry's aliases the code names


@dataclass
class ProposedMigration:
    name: str
    old: ModelEntry
    new: ModelEntry
    deadline: date | None
    owner: str | None
    sites: list[str]
    aliases: list[str] = field(default_factory=list)  # routed by the gateway like the old id


@dataclass
class InitPlan:
    project: str
    root: Path
    migrations: list[ProposedMigration]
    datasets: list[str]
    at_risk: list[AtRisk]


def find_at_risk(report: ScanReport, catalog: Catalog, today: date) -> list[AtRisk]:
    """Usage findings grouped by catalog model, keeping models at risk, most urgent first."""
    found: dict[str, AtRisk] = {}
    for f in report.findings:
        if not f.usage or f.suppressed or f.baselined:
            continue
        for r in f.resolved:
            if r.catalog_id is None:
                continue
            entry = catalog.lookup(r.catalog_id, r.platform)
            if entry is None:
                continue
            status = entry.status_on(today)
            left = entry.days_left(today)
            soon = left is not None and left <= RISK_HORIZON_DAYS
            if status == "active" and not soon:
                continue
            item = found.setdefault(
                entry.ref, AtRisk(entry=entry, lifecycle=status, days_left=left)
            )
            where = f"{f.path}:{f.line}"
            if where not in item.sites:
                item.sites.append(where)
            alias = next((a for a in entry.aliases if a.lower() == r.value.lower()), None)
            if alias is not None and alias not in item.aliases:
                item.aliases.append(alias)
    return sorted(
        found.values(),
        key=lambda a: (a.days_left if a.days_left is not None else 10**6, a.entry.id),
    )


def parse_targets(values: list[str]) -> tuple[str | None, dict[str, str]]:
    """``--to`` values: ``NEW`` (every model) or ``OLD=NEW`` (that model)."""
    default: str | None = None
    per_model: dict[str, str] = {}
    for v in values:
        if "=" in v:
            old, _, new = v.partition("=")
            if not old.strip() or not new.strip() or "=" in new:
                raise UsageError(
                    f"--to: bad value {v!r}", hint="Write --to NEW or --to OLD=NEW (one '=')."
                )
            per_model[old.strip().lower()] = new.strip()
        elif default is not None:
            raise UsageError("--to NEW given twice", hint="Use --to OLD=NEW to pick per model.")
        else:
            default = v.strip()
    return default, per_model


def _replacement(catalog: Catalog, entry: ModelEntry, today: date) -> ModelEntry | None:
    chain = catalog.replacement_chain(entry.id, entry.platform, today=today)
    last = chain[-1]
    return None if last is entry else last


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]+", "-", text).strip("-.") or "migration"


def propose(
    at_risk: list[AtRisk],
    catalog: Catalog,
    today: date,
    *,
    to: str | None = None,
    per_model: dict[str, str] | None = None,
    owner: str | None = None,
) -> list[ProposedMigration]:
    """One migration per model at risk: to ``--to`` or else the catalog's replacement."""
    per_model = per_model or {}
    out: list[ProposedMigration] = []
    known = {n.lower() for a in at_risk for n in (a.entry.id, *a.entry.aliases)}
    stray = sorted(k for k in per_model if k not in known)
    if stray:
        raise UsageError(
            f"--to: {stray[0]!r} is not a model at risk in this project",
            hint="Models at risk: " + (", ".join(a.entry.id for a in at_risk) or "none"),
        )
    for item in at_risk:
        e = item.entry
        names = {e.id.lower(), *(a.lower() for a in e.aliases)}
        pick = next((v for k, v in per_model.items() if k in names), None) or to
        if pick is not None:
            try:
                new = catalog.require(pick)
            except UnknownModelError as exc:
                raise UsageError(f"--to: unknown model {pick!r}", hint=exc.hint) from None
        else:
            found = _replacement(catalog, e, today)
            if found is None:
                raise UsageError(
                    f"the catalog names no active replacement for {e.id}",
                    hint=f"Pick one with --to {e.id}=MODEL.",
                )
            new = found
        out.append(
            ProposedMigration(
                name=_slug(f"{e.id}-to-{new.id}"),
                old=e,
                new=new,
                deadline=e.shutdown_date,
                owner=owner,
                sites=list(item.sites),
                aliases=sorted(item.aliases),
            )
        )
    return out


def find_datasets(root: Path) -> list[str]:
    """Recorded traffic to evaluate on: JSONL files under traffic/, captures/ or datasets/."""
    found: list[str] = []
    for sub in ("traffic", "captures", "datasets", "eval"):
        d = root / sub
        if d.is_dir():
            found += sorted(p.relative_to(root).as_posix() for p in d.rglob("*.jsonl"))
    return found


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _ref(e: ModelEntry) -> str:
    ref = f"{e.provider}:{e.id}"
    return ref if e.platform == e.provider else f"{ref}@{e.platform}"


def render_toml(plan: InitPlan) -> str:
    """The plan as a commented ``switchover.toml`` (validated by the caller)."""
    lines = [
        "# switchover plan, written by `switchover init`. Reference: docs/guide.md;",
        "# `switchover config schema` prints the JSON Schema for editors.",
        "",
        "[project]",
        f"name = {_q(plan.project)}",
        'store = "sqlite:///.switchover/state.db"',
        'reports_dir = "switchover-reports"',
    ]
    ups = {upstream_provider(e) for m in plan.migrations for e in (m.old, m.new)}
    for p in sorted(u for u in ups if u is not None):
        lines += [
            "",
            f"[upstreams.{p}]",
            f"provider = {_q(p)}",
            f"api_key_env = {_q(_API_KEY_ENV[p])}",
            *_UPSTREAM_NOTES.get(p, []),
        ]
    for m in plan.migrations:
        lines += [
            "",
            f"# {m.old.id}: {len(m.sites)} site(s) in the code; "
            f"shutdown {m.old.shutdown_date or 'not announced'}",
        ]
        lines += [
            "[[migrations]]",
            f"name = {_q(m.name)}",
            f"from = {_q(_ref(m.old))}",
            f"to = {_q(_ref(m.new))}",
        ]
        if m.deadline is not None:
            lines.append(f"deadline = {m.deadline.isoformat()}  # the old model's shutdown date")
        if m.owner:
            lines.append(f"owner = {_q(m.owner)}")
        if m.aliases:
            lines.append(
                "aliases = ["
                + ", ".join(_q(a) for a in m.aliases)
                + "]  # names the code uses for the old model; the gateway routes them too"
            )
        lines += [
            *_upstream_line("baseline_upstream", m.old),
            *_upstream_line("candidate_upstream", m.new),
            'adaptation = "lenient"  # "strict": refuse lossy parameter changes',
            "",
            "[migrations.eval]",
            "datasets = ["
            + ", ".join(_q(d) for d in plan.datasets)
            + "]"
            + ("" if plan.datasets else "  # add recorded requests (JSONL) to evaluate on"),
            "repeats = 1",
            "seed = 0",
            "alpha = 0.05",
            "# The rollout uses the default ramp (shadow 24h, canary 1/5/25/50/100%) with its",
            "# default gates; add [migrations.rollout] to change it (docs/rollout.md).",
        ]
    return "\n".join(lines) + "\n"


def _upstream_line(key: str, entry: ModelEntry) -> list[str]:
    up = upstream_provider(entry)
    if up is None:
        return [f"# {key}: no built-in provider for {entry.platform}; add an [upstreams] entry"]
    return [f"{key} = {_q(up)}"]


def write_plan(path: Path, text: str, *, force: bool = False) -> None:
    """Validate ``text`` as a plan and write it; refuse to overwrite without ``force``."""
    if path.exists() and not force:
        raise UsageError(
            f"{path} already exists",
            hint="Pass --force to overwrite it, or edit it by hand.",
        )
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(text, encoding="utf-8")
    try:
        load_config(tmp)
    except ConfigError as exc:  # pragma: no cover - render_toml is tested to validate
        tmp.unlink()
        raise ConfigError(f"init produced an invalid plan: {exc.message}") from None
    tmp.replace(path)


def scan_project(root: Path, today: date) -> ScanReport:
    opts, _ = load_scan_config(root, ScanOptions(today=today, jobs=1))
    return scan(root, opts)


def build_plan(
    root: Path,
    today: date,
    *,
    to: list[str] | None = None,
    owner: str | None = None,
    project: str | None = None,
    catalog: Catalog | None = None,
) -> InitPlan:
    """Scan ``root`` and propose the migrations (no prompts, no writes)."""
    cat = catalog or get_catalog()
    report = scan_project(root, today)
    at_risk = find_at_risk(report, cat, today)
    default, per_model = parse_targets(to or [])
    migrations = propose(at_risk, cat, today, to=default, per_model=per_model, owner=owner)
    return InitPlan(
        project=project or _slug(root.resolve().name),
        root=root,
        migrations=migrations,
        datasets=find_datasets(root),
        at_risk=at_risk,
    )
