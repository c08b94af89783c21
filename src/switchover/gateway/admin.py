"""The admin API: rollout status, audit log and manual control (promote, pause, resume,
rollback, kill). Every call needs ``Authorization: Bearer <token>`` (compared in constant
time) unless the gateway runs with ``--insecure-dev``."""

from __future__ import annotations

import asyncio
import hmac
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from starlette.types import Send

from switchover.errors import StoreError, SwitchoverError
from switchover.gateway.asgi import send_json
from switchover.rollout import RolloutState, TransitionError, behind_schedule, initial_state
from switchover.store.control import ManualAction, apply_action

if TYPE_CHECKING:
    from switchover.gateway.app import GatewayApp

__all__ = ["ACTIONS", "authorized", "handle_admin"]

ACTIONS: frozenset[str] = frozenset({"promote", "pause", "resume", "rollback", "kill", "reset"})


def authorized(token: str | None, insecure: bool, header: str | None) -> bool:
    """True when ``header`` is ``Bearer <token>`` (constant-time) or the gateway is insecure."""
    if insecure:
        return True
    if not token or not header:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


def _error(message: str, kind: str, hint: str | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"message": message, "type": kind}
    if hint:
        err["hint"] = hint
    return {"error": err}


def state_json(app: GatewayApp, name: str, state: RolloutState | None) -> dict[str, Any]:
    route = app.routes.routes[name]
    now = datetime.now(UTC)
    st = state or initial_state(name, now)
    data = st.model_dump(mode="json", exclude={"history", "baseline_reference"})
    data["description"] = st.describe()
    data["baseline"] = {"upstream": route.baseline.upstream, "model": route.baseline.model}
    data["candidate"] = {"upstream": route.candidate.upstream, "model": route.candidate.model}
    data["models"] = list(route.names)
    data["stages"] = [s.label for s in route.plan.stages]
    data["behind_schedule"] = behind_schedule(st, route.plan, now)
    last = app.view.decisions.get(name)
    data["last_decision"] = (
        None if last is None else {"action": last.action, "reasons": list(last.reasons)}
    )
    return data


async def handle_admin(
    app: GatewayApp, method: str, path: str, query: bytes, headers: dict[str, str], send: Send
) -> None:
    s = app.settings
    if not s.insecure_dev and not s.admin_token:
        await send_json(
            send,
            403,
            _error(
                "the admin API is disabled: no admin token configured",
                "forbidden",
                "Set the token's environment variable (--admin-token-env) and restart.",
            ),
        )
        return
    if not authorized(s.admin_token, s.insecure_dev, headers.get("authorization")):
        await send_json(
            send,
            401,
            _error("missing or wrong admin bearer token", "unauthorized"),
            [(b"www-authenticate", b"Bearer")],
        )
        return
    parts = [p for p in path.split("/") if p][1:]  # drop "admin"
    if method == "GET" and parts == ["migrations"]:
        items = [state_json(app, n, app.view.states.get(n)) for n in app.routes.routes]
        await send_json(send, 200, {"migrations": items, "store_ok": app.view.store_ok})
        return
    if method == "GET" and parts == ["audit"]:
        q = parse_qs(query.decode("latin-1"))
        mig = q.get("migration", [None])[0]
        try:
            limit = max(1, min(1000, int(q.get("limit", ["50"])[0])))
        except ValueError:
            await send_json(send, 400, _error("limit must be an integer", "invalid_request"))
            return
        try:
            events = await asyncio.to_thread(app.store.list_audit, mig, limit)
        except StoreError as exc:
            await send_json(send, 503, _error(str(exc), "store_unavailable"))
            return
        await send_json(send, 200, {"events": [e.model_dump(mode="json") for e in events]})
        return
    if method == "POST" and len(parts) == 3 and parts[0] == "migrations" and parts[2] in ACTIONS:
        await _act(app, parts[1], parts[2], headers, send)
        return
    await send_json(send, 404, _error(f"no admin route {method} {path}", "not_found"))


async def _act(
    app: GatewayApp, name: str, action: str, headers: dict[str, str], send: Send
) -> None:
    route = app.routes.routes.get(name)
    if route is None:
        known = ", ".join(app.routes.routes) or "none"
        await send_json(send, 404, _error(f"no migration {name!r} (known: {known})", "not_found"))
        return
    who = headers.get("x-switchover-actor", "admin-api").strip() or "admin-api"
    reason = headers.get("x-switchover-reason", f"{action} via the admin API")
    act: ManualAction = action  # type: ignore[assignment]
    try:
        t = await asyncio.to_thread(
            apply_action, app.store, route.plan, act, actor=f"user:{who}", reason=reason
        )
    except TransitionError as exc:
        await send_json(send, 409, _error(str(exc), "conflict", exc.hint))
        return
    except SwitchoverError as exc:
        await send_json(send, 503, _error(str(exc), "store_unavailable", exc.hint))
        return
    app.view.set(t.state)
    await send_json(
        send,
        200,
        {"migration": state_json(app, name, t.state), "event": t.event.model_dump(mode="json")},
    )
