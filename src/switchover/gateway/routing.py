"""Routing table and per-request routing decisions (pure).

A request names a model: a migration's alias (``"support-bot"``) or the old model's own id
(``"gpt-4o"``) routes to that migration; anything else is unknown (404). The decision of
which arm serves, and whether the request is mirrored to the candidate, depends only on
the rollout state and a sticky key, so every replica decides the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from switchover.config import Config, Migration, serving_platform
from switchover.errors import ConfigError
from switchover.modelref import ModelRef
from switchover.rollout import (
    RolloutPlan,
    RolloutState,
    bucket,
    in_shadow,
    plan_from_settings,
    threshold,
)

__all__ = [
    "Arm",
    "Decision",
    "MigrationRoute",
    "RouteTable",
    "Target",
    "build_routes",
    "decide",
    "sticky_key",
]

Arm = Literal["baseline", "candidate"]
USER_HEADER = "x-switchover-user"


@dataclass(frozen=True)
class Target:
    """One arm: which configured upstream and which model id it is asked for, and the
    platform it is called on (platform-scoped rules; None = first-party / unknown)."""

    upstream: str
    model: str
    platform: str | None = None


@dataclass(frozen=True)
class MigrationRoute:
    name: str
    migration: Migration
    plan: RolloutPlan
    baseline: Target
    candidate: Target
    names: tuple[str, ...] = field(default=())

    @property
    def salt(self) -> str:
        return self.plan.bucket_salt


@dataclass(frozen=True)
class Decision:
    """``arm`` serves the answer; ``shadow`` mirrors the request to the candidate."""

    arm: Arm
    shadow: bool
    bucket: int | None


class RouteTable:
    """Model name (case-insensitive) -> migration route."""

    def __init__(self, routes: list[MigrationRoute]) -> None:
        self.routes = {r.name: r for r in routes}
        self._by_model: dict[str, MigrationRoute] = {}
        for r in routes:
            for n in r.names:
                self._by_model.setdefault(n.lower(), r)

    def lookup(self, model: str) -> MigrationRoute | None:
        return self._by_model.get(model) or self._by_model.get(model.lower())

    def model_names(self) -> list[str]:
        return sorted(self._by_model)


def _upstream_for(cfg: Config, mig: Migration, index: int, key: str, provider: str) -> str:
    explicit = getattr(mig, key)
    if explicit is not None:
        return str(explicit)
    if provider in cfg.upstreams:
        return provider
    matching = [n for n, u in cfg.upstreams.items() if u.provider == provider]
    if len(matching) == 1:
        return matching[0]
    where = str(cfg.path) if cfg.path else None
    known = ", ".join(sorted(cfg.upstreams)) or "none defined"
    raise ConfigError(
        f"no upstream for the {key.split('_')[0]} of migration {mig.name!r} "
        f"(provider {provider or 'unspecified'!r}; upstreams: {known})",
        path=where,
        field=f"migrations[{index}].{key}",
        hint=f"Set {key} to one of the [upstreams.NAME] tables.",
    )


def _target(cfg: Config, mig: Migration, index: int, key: str, ref: ModelRef) -> Target:
    upstream = _upstream_for(cfg, mig, index, key, ref.provider)
    platform = serving_platform(ref, cfg.upstreams.get(upstream), mig.platform)
    return Target(upstream, ref.model, platform)


def build_routes(cfg: Config) -> RouteTable:
    """Routes for every migration in ``cfg`` (raises ConfigError naming the field)."""
    routes: list[MigrationRoute] = []
    taken: dict[str, str] = {}
    where = str(cfg.path) if cfg.path else None
    for i, mig in enumerate(cfg.migrations):
        frm, to = mig.from_ref, mig.to_ref
        plan = plan_from_settings(
            mig.name,
            mig.rollout,
            deadline=mig.deadline,
            source=where,
            prefix=f"migrations[{i}].rollout",
        )
        names = tuple(dict.fromkeys([*mig.aliases, frm.model]))
        for n in names:
            other = taken.get(n.lower())
            if other is not None and other != mig.name:
                raise ConfigError(
                    f"model name {n!r} is routed by migrations {other!r} and {mig.name!r}",
                    path=where,
                    field=f"migrations[{i}].aliases",
                    hint="Each alias and old model id may belong to one migration only.",
                )
            taken[n.lower()] = mig.name
        routes.append(
            MigrationRoute(
                name=mig.name,
                migration=mig,
                plan=plan,
                baseline=_target(cfg, mig, i, "baseline_upstream", frm),
                candidate=_target(cfg, mig, i, "candidate_upstream", to),
                names=names,
            )
        )
    return RouteTable(routes)


def sticky_key(headers: Mapping[str, str], body: Mapping[str, Any]) -> str | None:
    """The key that keeps one user on one arm: the ``x-switchover-user`` header, the
    request's ``user`` (OpenAI) or ``metadata.user_id`` (Anthropic), else a hash of the
    caller's API key. None when there is nothing to stick to."""
    h = headers.get(USER_HEADER)
    if h:
        return "h:" + h
    user = body.get("user")
    if isinstance(user, str) and user:
        return "u:" + user
    meta = body.get("metadata")
    if isinstance(meta, dict):
        uid = meta.get("user_id")
        if isinstance(uid, str) and uid:
            return "u:" + uid
    auth = headers.get("authorization") or headers.get("x-api-key")
    if auth:
        return "k:" + hashlib.sha256(auth.encode("utf-8")).hexdigest()[:32]
    return None


def decide(
    state: RolloutState | None, route: MigrationRoute, key: str | None, request_id: str
) -> Decision:
    """Which arm serves this request and whether it is mirrored (see module docstring).
    Without a sticky key the request id is used, so such requests spread evenly."""
    if state is None:
        return Decision("baseline", False, None)
    status = state.effective_status
    if status == "complete":
        return Decision("candidate", False, None)
    if status == "canary":
        b = bucket(route.salt, key or request_id)
        arm: Arm = "candidate" if b < threshold(state.percent) else "baseline"
        return Decision(arm, False, b)
    if status == "shadow":
        return Decision("baseline", in_shadow(route.salt, request_id, state.shadow_percent), None)
    return Decision("baseline", False, None)
