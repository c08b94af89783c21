"""The gateway ASGI app: OpenAI- and Anthropic-compatible endpoints, admin API, metrics
and health, in plain ASGI (no framework on the request path)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from switchover.config import Config
from switchover.errors import ConfigError
from switchover.gateway.admin import handle_admin
from switchover.gateway.asgi import BodyTooLarge, read_body, send_bytes, send_json
from switchover.gateway.codecs import error_bytes
from switchover.gateway.metrics import GatewayMetrics
from switchover.gateway.proxy import Call, Proxy
from switchover.gateway.recorder import RecorderLink
from switchover.gateway.records import JobSink, RecordPipeline
from switchover.gateway.rollouts import RolloutView
from switchover.gateway.routing import RouteTable, build_routes, decide, sticky_key
from switchover.gateway.settings import GatewaySettings
from switchover.gateway.shadow import ShadowDispatcher, ShadowTask
from switchover.gateway.upstream import Upstream, build_upstreams
from switchover.rollout import RolloutState
from switchover.store import Store, open_store

__all__ = ["GatewayApp", "create_gateway_app"]

_log = logging.getLogger("switchover.gateway")

ENDPOINTS: dict[str, str] = {
    "/v1/chat/completions": "openai.chat",
    "/v1/responses": "openai.responses",
    "/v1/embeddings": "openai.embeddings",
    "/v1/messages": "anthropic.messages",
    # SDKs configured with a base URL that already ends in /v1 and no /v1 in paths
    "/chat/completions": "openai.chat",
    "/responses": "openai.responses",
    "/embeddings": "openai.embeddings",
}
_ACTIVE = frozenset({"shadow", "canary", "paused"})
UI = "/ui"
WATCH_AFTER_S = 0.02
#: ``thread`` keeps records and shadow calls in the serving process (see use_recorder_process)
RECORDER_ENV = "SWITCHOVER_GATEWAY_RECORDER"


class GatewayApp:
    """One gateway process's app. Use as an ASGI app (uvicorn runs its lifespan), or
    ``async with app.running():`` in tests with ``httpx.ASGITransport``."""

    def __init__(
        self,
        config: Config,
        settings: GatewaySettings | None = None,
        *,
        store: Store | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        upstreams: dict[str, Upstream] | None = None,
    ) -> None:
        self.config = config
        self.settings = settings or GatewaySettings()
        self.routes: RouteTable = build_routes(config)
        if not self.routes.routes:
            raise ConfigError(
                "no migrations to route",
                path=str(config.path) if config.path else None,
                field="migrations",
                hint="Add a [[migrations]] table with from, to and aliases.",
            )
        self.upstreams = upstreams or build_upstreams(
            config.upstreams,
            transport=transport,
            base_dir=config.path.parent if config.path else None,
        )
        self._injected = transport is not None or upstreams is not None
        self.store = store if store is not None else open_store(self.settings.store_url)
        self._own_store = store is None
        self.metrics = GatewayMetrics()
        self.metrics.store_up.set(1)
        self.pipeline: RecordPipeline | None = None
        self.view = RolloutView(
            self.store,
            self.routes,
            poll_interval_s=self.settings.poll_interval_s,
            controller=self.settings.controller,
            tick_s=self.settings.controller_tick_s,
            on_change=self._on_change,
            on_store=lambda ok: self.metrics.store_up.set(1 if ok else 0),
        )
        self.proxy: Proxy | None = None
        self.shadow: ShadowDispatcher | None = None
        self.recorder: RecorderLink | None = None
        self._recorder_config: str | None = None
        self.ready = False
        self.inflight = 0
        self._ids = itertools.count(1)
        self._id_prefix = os.urandom(4).hex()
        self._idle = asyncio.Event()
        self.dashboard: ASGIApp | None = None
        if self.settings.admin_token:
            # imported here: the dashboard package imports gateway.server, which imports us
            from switchover.project.dashboard import create_dashboard_app

            self.dashboard = create_dashboard_app(
                config,
                self.store,
                admin_token=self.settings.admin_token,
                store_url=self.settings.store_url,
                scan=False,
            )

    # -- lifecycle ------------------------------------------------------------------------
    def _on_change(self, old: RolloutState | None, new: RolloutState) -> None:
        st = new.effective_status
        pct = 100.0 if st == "complete" else new.percent if st == "canary" else 0.0
        self.metrics.stage.labels(new.migration).set(pct)

    def use_recorder_process(self) -> bool:
        """Run shadow calls, checks and record writes in a recorder process
        (:mod:`switchover.gateway.recorder`) instead of this one; the server does this
        before starting. Only for an app built from a switchover.toml with its own store
        (not ``:memory:``) and upstreams, and not with ``SWITCHOVER_GATEWAY_RECORDER=thread``.
        Returns whether it will."""
        url = self.settings.store_url
        if (
            os.environ.get(RECORDER_ENV, "process") == "thread"
            or self.config.path is None
            or not self._own_store
            or self._injected
            or ":memory:" in url
        ):
            return False
        self._recorder_config = str(self.config.path)
        return True

    async def startup(self) -> None:
        s = self.settings
        sink: JobSink
        if self._recorder_config is not None:
            self.recorder = RecorderLink(self.metrics, self._recorder_config, s)
            await self.recorder.start()
            sink = self.recorder
        else:
            self.pipeline = RecordPipeline(
                self.store,
                self.metrics,
                capacity=s.record_buffer,
                flush_interval_s=s.flush_interval_s,
                checks=s.pass_checks,
                keep_bodies=s.record_bodies,
            )
            sink = self.pipeline
        self.proxy = Proxy(self.upstreams, self.metrics, sink)
        if self.recorder is None:
            self.shadow = ShadowDispatcher(
                self.proxy, capacity=s.shadow_queue, workers=s.shadow_workers
            )
            self.shadow.start()
        await asyncio.to_thread(self.view.start)
        self._idle.set()
        self.ready = True

    async def shutdown(self) -> None:
        """Stop taking traffic, drain in-flight requests and shadow work, flush records."""
        self.ready = False
        if self.inflight:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.drain_timeout_s):
                    await self._idle.wait()
        if self.shadow is not None:
            await self.shadow.drain(min(5.0, self.settings.drain_timeout_s))
        if self.recorder is not None:  # it drains shadow work (5 s) and flushes records
            await self.recorder.close(self.settings.drain_timeout_s + 10.0)
        self.view.close()
        if self.pipeline is not None:
            await asyncio.to_thread(self.pipeline.close)
        for up in self.upstreams.values():
            await up.aclose()
        if self._own_store:
            self.store.close()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[GatewayApp]:
        await self.startup()
        try:
            yield self
        finally:
            await self.shutdown()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- dispatch -------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            return
        path: str = scope["path"]
        method: str = scope["method"]
        api = ENDPOINTS.get(path)
        if api is not None:
            if method != "POST":
                await send_bytes(send, 405, error_bytes(api, 405, f"use POST for {path}"))
                return
            await self._model_call(api, scope, receive, send)
            return
        if path in ("/v1/models", "/models") and method == "GET":
            await self._models(send)
        elif path == "/healthz":
            await send_json(send, 200, {"status": "ok"})
        elif path == "/readyz":
            ok = self.ready
            await send_json(
                send,
                200 if ok else 503,
                {"ready": ok, "store_ok": self.view.store_ok, "inflight": self.inflight},
            )
        elif path == "/metrics" and method == "GET":
            self._gauges()
            await send_bytes(
                send, 200, self.metrics.render(), content_type=b"text/plain; version=0.0.4"
            )
        elif path.startswith("/admin/"):
            hdrs = _headers(scope)
            await handle_admin(self, method, path, scope.get("query_string", b""), hdrs, send)
        elif path == UI or path.startswith(UI + "/"):
            await self._ui(scope, receive, send)
        else:
            await send_bytes(
                send, 404, error_bytes("openai.chat", 404, f"no route {method} {path}")
            )

    async def _ui(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The dashboard under ``/ui`` (it checks the admin token itself)."""
        if self.dashboard is None:
            msg = "the dashboard needs an admin token: set SWITCHOVER_ADMIN_TOKEN"
            await send_bytes(send, 403, error_bytes("openai.chat", 403, msg))
            return
        root = scope.get("root_path", "")
        if scope["path"] == UI:  # the page's URLs are relative: serve it at /ui/
            qs: bytes = scope.get("query_string", b"")
            location = (root + UI + "/").encode() + (b"?" + qs if qs else b"")
            await send_bytes(send, 308, b"", [(b"location", location)], content_type=b"text/plain")
            return
        await self.dashboard({**scope, "root_path": root + UI}, receive, send)

    def _gauges(self) -> None:
        self.metrics.inflight.set(self.inflight)
        if self.pipeline is not None:
            pending = len(self.pipeline.pending) + self.pipeline.queue.qsize()
            self.metrics.records_pending.set(pending)

    async def _models(self, send: Send) -> None:
        data = [
            {"id": name, "object": "model", "created": 0, "owned_by": "switchover"}
            for name in self.routes.model_names()
        ]
        await send_json(send, 200, {"object": "list", "data": data})

    # -- model calls ----------------------------------------------------------------------
    async def _model_call(self, api: str, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.ready or self.proxy is None:
            await send_bytes(send, 503, error_bytes(api, 503, "the gateway is not ready"))
            return
        headers = _headers(scope)
        try:
            declared = int(headers["content-length"]) if "content-length" in headers else None
            body = await read_body(receive, self.settings.max_body_bytes, declared)
        except BodyTooLarge:
            limit = self.settings.max_body_bytes
            msg = f"request body exceeds the gateway limit of {limit} bytes"
            await send_bytes(send, 413, error_bytes(api, 413, msg))
            return
        except (ValueError, ConnectionResetError):
            return
        try:
            data = json.loads(body)
        except ValueError as exc:
            await send_bytes(send, 400, error_bytes(api, 400, f"malformed JSON body: {exc}"))
            return
        if not isinstance(data, dict):
            await send_bytes(send, 400, error_bytes(api, 400, "the body must be a JSON object"))
            return
        model = data.get("model")
        if not isinstance(model, str) or not model:
            msg = "you must provide a model parameter"
            await send_bytes(send, 400, error_bytes(api, 400, msg, param="model"))
            return
        route = self.routes.lookup(model)
        if route is None:
            msg = f"The model `{model}` is not routed by this gateway (no migration names it)."
            await send_bytes(send, 404, error_bytes(api, 404, msg, param="model"))
            return
        state = self.view.states.get(route.name)
        request_id = f"{self._id_prefix}-{next(self._ids)}"
        # the sticky key only matters in a canary (and hashing an API key costs)
        canary = state is not None and state.effective_status == "canary"
        d = decide(state, route, sticky_key(headers, data) if canary else None, request_id)
        active = state is not None and state.status in _ACTIVE
        rate = self.settings.record_sample if active else self.settings.idle_record_sample
        record = rate >= 1.0 or (rate > 0.0 and random.random() < rate)
        call = Call(
            api=api,
            route=route,
            data=data,
            body=body,
            headers=headers,
            request_id=request_id,
            stream=data.get("stream") is True,
            record=record,
            bucket=d.bucket,
        )
        arm = d.arm
        if api == "openai.embeddings":  # to the candidate once complete, if it has the API
            cand = self.upstreams.get(route.candidate.upstream)
            complete = state is not None and state.status == "complete"
            arm = "candidate" if complete and cand and cand.pass_path(api) else "baseline"
        self.inflight += 1
        self._idle.clear()
        task = asyncio.current_task()
        flags = _Flags()

        async def tracked(msg: Any) -> None:
            await send(msg)
            if msg["type"] == "http.response.body" and not msg.get("more_body", False):
                flags.complete = True

        # Most answers are complete before a watcher task would even run: start it only for
        # requests still in flight after WATCH_AFTER_S (a timer costs less than a task).
        watchers: list[asyncio.Task[None]] = []

        def watch() -> None:
            watchers.append(asyncio.create_task(_watch_disconnect(receive, task, flags)))

        timer = asyncio.get_running_loop().call_later(WATCH_AFTER_S, watch)
        try:
            if api == "openai.embeddings" and arm == "candidate":
                served = await self.proxy.baseline(
                    call, tracked, target=route.candidate, arm="candidate"
                )
            else:
                served = await self.proxy.serve(
                    call, arm, tracked, fallback=route.plan.fallback_on_error
                )
            if d.shadow and served.status < 400:
                shadow = self.recorder or self.shadow
                if shadow is not None:
                    shadow.offer(ShadowTask(call, served.raw, call.stream))
        except asyncio.CancelledError:
            if task is not None and flags.disconnected:
                task.uncancel()
                _log.info("%s: client disconnected; upstream call cancelled", route.name)
                self.metrics.error(route.name, arm, "client_disconnect")
                return
            raise
        finally:
            timer.cancel()
            for w in watchers:
                w.cancel()
            self.inflight -= 1
            if self.inflight == 0:
                self._idle.set()


class _Flags:
    __slots__ = ("complete", "disconnected")

    def __init__(self) -> None:
        self.complete = False
        self.disconnected = False


async def _watch_disconnect(
    receive: Receive, task: asyncio.Task[Any] | None, flags: _Flags
) -> None:
    """Cancel the request's task (and with it the upstream call) when the caller goes
    away before the answer was sent completely."""
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            if task is not None and not task.done() and not flags.complete:
                flags.disconnected = True
                task.cancel()
            return


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def create_gateway_app(
    config: Config,
    settings: GatewaySettings | None = None,
    *,
    store: Store | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> GatewayApp:
    """The gateway for ``config`` (see :class:`GatewayApp`)."""
    return GatewayApp(config, settings, store=store, transport=transport)
