"""Serving one model request: raw pass-through to the baseline, decoded + adapted calls to
the candidate (or to any upstream speaking another wire API), fallback, and recording.

Pass-through: when the serving upstream speaks the caller's wire API, the caller's body
bytes go upstream unchanged (only ``model`` is rewritten when it names an alias) and the
answer's bytes come back unchanged, streamed chunk by chunk; nothing is validated or
converted on the way. Otherwise the body is decoded with the caller's codec, adapted for
the target model (``switchover.adapt``: the changes go into the request record and their
count into the ``x-switchover-adapted`` response header), sent through the upstream's
provider client, and encoded back into the caller's wire format.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Send

from switchover.adapt import AdaptationError, adapt
from switchover.chat import ChatRequest, ChatResponse, StreamAccumulator, StreamEvent
from switchover.errors import InputError, ProviderError, ProviderTimeoutError, SwitchoverError
from switchover.gateway.asgi import send_bytes
from switchover.gateway.codecs import CODECS, error_bytes
from switchover.gateway.h1 import UpstreamTimeout, UpstreamUnavailable
from switchover.gateway.metrics import GatewayMetrics
from switchover.gateway.prompting import with_system_prompt
from switchover.gateway.records import Job, JobSink
from switchover.gateway.reshape import (
    unwrap_json_response,
    unwrap_json_stream,
    uses_json_tool,
)
from switchover.gateway.routing import MigrationRoute, Target
from switchover.gateway.upstream import FORWARD_HEADERS, Upstream

__all__ = ["Call", "CandidateFailed", "Prepared", "Proxy", "Served"]

_log = logging.getLogger("switchover.gateway")
_SKIP_RESPONSE_HEADERS = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"transfer-encoding",
        b"content-length",
        b"content-encoding",
        b"server",
        b"date",
        b"set-cookie",
    }
)
SSE_CT = b"text/event-stream"


@dataclass(slots=True)
class Call:
    """One caller request as the proxy sees it."""

    api: str
    route: MigrationRoute
    data: dict[str, Any]
    body: bytes
    headers: dict[str, str]
    request_id: str
    stream: bool
    record: bool
    bucket: int | None = None
    extra_headers: list[tuple[bytes, bytes]] = field(default_factory=list)


@dataclass(slots=True)
class Served:
    """What was sent to the caller (for shadow comparison)."""

    status: int
    raw: bytes | list[bytes] | None
    started: bool


@dataclass(slots=True, frozen=True)
class Prepared:
    """The neutral request for one upstream call. ``json_tool``: the adapter moved JSON
    mode into a tool call that must be unwrapped; ``adaptation``: ``Adapted.to_json()``
    when the request was adapted for the candidate (None for the baseline)."""

    request: ChatRequest
    json_tool: bool = False
    adaptation: dict[str, Any] | None = None

    @property
    def adapted_count(self) -> int | None:
        return None if self.adaptation is None else len(self.adaptation["changes"])


class CandidateFailed(Exception):
    """The candidate failed before anything was sent to the caller."""

    def __init__(
        self, error: SwitchoverError, status: int, adaptation: dict[str, Any] | None = None
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.status = status
        self.adaptation = adaptation


def _failed_adaptation(exc: AdaptationError, target_api: str | None) -> dict[str, Any]:
    return {
        "target_api": target_api or "openai.chat",
        "changes": [c.model_dump(mode="json") for c in exc.changes],
        "warnings": [],
        "error": exc.message,
    }


class ResponseStarted(Exception):
    """Raised internally when an upstream fails after the caller got the first bytes."""


def _status_of(exc: SwitchoverError) -> int:
    if isinstance(exc, ProviderTimeoutError):
        return 504
    if isinstance(exc, ProviderError) and exc.status:
        return exc.status if exc.status >= 400 else 502
    if isinstance(exc, ProviderError):
        return 502
    return 400


def _error_kind(status: int) -> str:
    if status == 504:
        return "timeout"
    if status == 429:
        return "rate_limit"
    return "server" if status >= 500 else "client"


class Proxy:
    """Serves calls; see the module docstring."""

    def __init__(
        self,
        upstreams: dict[str, Upstream],
        metrics: GatewayMetrics,
        pipeline: JobSink,
    ) -> None:
        self.upstreams = upstreams
        self.metrics = metrics
        self.pipeline = pipeline

    # -- recording ------------------------------------------------------------------------
    def _job(self, call: Call, arm: str, target: Target, t0: float, status: int, **kw: Any) -> None:
        elapsed = time.perf_counter() - t0
        self.metrics.observe(call.route.name, arm, status, elapsed)
        if status >= 400:
            self.metrics.error(call.route.name, arm, _error_kind(status))
        self.pipeline.submit(
            Job(
                migration=call.route.name,
                arm=arm,
                api=call.api,
                at=time.time(),
                latency_ms=elapsed * 1000.0,
                status=status,
                ok=kw.pop("ok", status < 400),
                model=target.model,
                request_id=call.request_id,
                record=call.record,
                stream=kw.pop("stream", call.stream),
                bucket=call.bucket,
                body=call.data if call.record else None,
                **kw,
            )
        )

    def _headers_out(
        self, call: Call, arm: str, adapted: int | None = None
    ) -> list[tuple[bytes, bytes]]:
        out = [
            (b"x-switchover-migration", call.route.name.encode()),
            (b"x-switchover-arm", arm.encode()),
            (b"x-switchover-request-id", call.request_id.encode()),
            *call.extra_headers,
        ]
        if adapted is not None:
            out.append((b"x-switchover-adapted", b"%d" % adapted))
        return out

    # -- entry ----------------------------------------------------------------------------
    async def serve(self, call: Call, arm: str, send: Send, *, fallback: bool) -> Served:
        """Answer ``call`` from ``arm``; a failing candidate falls back to the baseline
        when ``fallback`` is set and nothing was sent yet."""
        route = call.route
        if arm == "candidate":
            t0 = time.perf_counter()
            try:
                return await self._decoded(call, "candidate", route.candidate, send, adapt_=True)
            except CandidateFailed as exc:
                self.metrics.error(route.name, "candidate", _error_kind(exc.status))
                self._job(
                    call,
                    "candidate",
                    route.candidate,
                    t0,
                    exc.status,
                    fallback=fallback,
                    error=str(exc.error)[:500],
                    adaptation=exc.adaptation,
                )
                if not fallback:
                    await self._send_error(call, send, exc.status, str(exc.error), "candidate")
                    return Served(exc.status, None, True)
                _log.info("%s: candidate failed (%s); answering from the baseline", route.name, exc)
                call.extra_headers.append((b"x-switchover-fallback", b"true"))
        return await self.baseline(call, send)

    async def baseline(
        self, call: Call, send: Send, *, target: Target | None = None, arm: str = "baseline"
    ) -> Served:
        """Answer from the baseline (or ``target`` under the label ``arm``), passing the
        body through when the upstream speaks the caller's API."""
        target = target or call.route.baseline
        up = self.upstreams[target.upstream]
        path = up.pass_path(call.api)
        if path is None:
            t0 = time.perf_counter()
            try:
                return await self._decoded(call, arm, target, send, adapt_=False)
            except CandidateFailed as exc:  # not a candidate here: answer with the error
                self._job(call, arm, target, t0, exc.status, error=str(exc.error)[:500])
                await self._send_error(call, send, exc.status, str(exc.error), arm)
                return Served(exc.status, None, True)
        return await self._passthrough(call, up, path, target, send, arm)

    async def _send_error(
        self, call: Call, send: Send, status: int, message: str, arm: str
    ) -> None:
        body = error_bytes(call.api, status, message)
        await send_bytes(send, status, body, self._headers_out(call, arm))

    # -- pass-through ---------------------------------------------------------------------
    async def _passthrough(
        self, call: Call, up: Upstream, path: str, target: Target, send: Send, arm: str
    ) -> Served:
        body = call.body
        if call.data.get("model") != target.model:
            call.data["model"] = target.model
            body = json.dumps(call.data, separators=(",", ":"), ensure_ascii=False).encode()
        t0 = time.perf_counter()
        try:
            headers = up.auth_headers()
        except SwitchoverError as exc:
            status = _status_of(exc)
            self._job(call, arm, target, t0, status, error=str(exc))
            await self._send_error(call, send, status, f"gateway: {exc}", arm)
            return Served(status, None, True)
        fwd = [(h, call.headers[h]) for h in FORWARD_HEADERS if h in call.headers]
        if fwd:
            names = {h.encode() for h, _ in fwd}
            headers = [kv for kv in headers if kv[0] not in names]
            headers += [(h.encode(), v.encode("latin-1")) for h, v in fwd]
        try:
            resp = await up.pool.request(b"POST", path, headers, body)
        except UpstreamTimeout as exc:
            msg = f"upstream timed out: {exc}" if exc.args else "upstream timed out"
            return await self._upstream_failed(call, arm, target, t0, send, 504, msg)
        except UpstreamUnavailable as exc:
            msg = f"upstream unreachable: {exc}"
            return await self._upstream_failed(call, arm, target, t0, send, 502, msg)
        try:
            out = self._headers_out(call, arm)
            out += [kv for kv in resp.headers if kv[0] not in _SKIP_RESPONSE_HEADERS]
            status = resp.status
            ctype = resp.header(b"content-type") or b""
            if not (call.stream and status < 400 and ctype.startswith(SSE_CT)):
                try:
                    raw = await resp.read()
                except UpstreamTimeout:
                    return await self._upstream_failed(
                        call, arm, target, t0, send, 504, "upstream timed out"
                    )
                except UpstreamUnavailable as exc:
                    msg = f"upstream closed the connection: {exc}"
                    return await self._upstream_failed(call, arm, target, t0, send, 502, msg)
                out.append((b"content-length", b"%d" % len(raw)))
                await send({"type": "http.response.start", "status": status, "headers": out})
                await send({"type": "http.response.body", "body": raw})
                self._job(call, arm, target, t0, status, raw=raw, stream=False)
                return Served(status, raw, True)
            await send({"type": "http.response.start", "status": status, "headers": out})
            chunks: list[bytes] = []
            error: str | None = None
            try:
                async for chunk in resp.iter_bytes():
                    chunks.append(chunk)
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except (UpstreamTimeout, UpstreamUnavailable) as exc:
                error = f"stream interrupted: {type(exc).__name__} {exc}"
            await send({"type": "http.response.body", "body": b""})
            self._job(
                call, arm, target, t0, status if error is None else 502, raw=chunks, error=error
            )
            return Served(status, chunks, True)
        finally:
            resp.close()

    async def _upstream_failed(
        self, call: Call, arm: str, target: Target, t0: float, send: Send, status: int, msg: str
    ) -> Served:
        self._job(call, arm, target, t0, status, error=msg)
        await self._send_error(call, send, status, msg, arm)
        return Served(status, None, True)

    # -- decoded --------------------------------------------------------------------------
    def prepare(self, call: Call, target: Target, *, adapt_: bool) -> Prepared:
        """The neutral request for ``target``: decoded with the caller's codec, then given
        the migration's system prompt and adapted from the baseline model (candidate), or
        just re-targeted (baseline)."""
        codec = CODECS[call.api]
        data = dict(call.data)
        data["model"] = call.route.baseline.model
        req: ChatRequest = codec.decode_request(data)
        if not adapt_:
            return Prepared(req.model_copy(update={"model": target.model}))
        req = with_system_prompt(req, call.route.migration.system_prompt)
        up = self.upstreams[target.upstream]
        try:
            adapted = adapt(
                req,
                target.model,
                source=call.route.baseline.model,
                source_api=call.api,
                target_api=up.api or None,
                policy=call.route.migration.adaptation,
                platform=target.platform,
            )
        except AdaptationError as exc:
            raise CandidateFailed(exc, 400, _failed_adaptation(exc, up.api)) from None
        if adapted.changes:
            _log.debug(
                "%s: adapted for %s: %s",
                call.route.name,
                target.model,
                "; ".join(c.summary() for c in adapted.changes),
            )
        return Prepared(adapted.request, uses_json_tool(req, adapted.request), adapted.to_json())

    async def send(self, prep: Prepared, target: Target) -> ChatResponse:
        """Call ``target`` with a prepared request, without streaming."""
        up = self.upstreams[target.upstream]
        up.require_key()
        async with asyncio.timeout(up.timeout_s):
            resp = await up.provider.complete(prep.request.model_copy(update={"stream": False}))
        return unwrap_json_response(resp) if prep.json_tool else resp

    async def _decoded(
        self, call: Call, arm: str, target: Target, send: Send, *, adapt_: bool
    ) -> Served:
        t0 = time.perf_counter()
        codec = CODECS[call.api]
        prep: Prepared | None = None
        try:
            prep = self.prepare(call, target, adapt_=adapt_)
            if not call.stream:
                resp = await self.send(prep, target)
            else:
                up = self.upstreams[target.upstream]
                up.require_key()
                events = up.provider.stream(prep.request.model_copy(update={"stream": True}))
                if prep.json_tool:
                    events = unwrap_json_stream(events)
                async with asyncio.timeout(up.timeout_s):
                    first = await anext(aiter(events), None)
        except InputError as exc:
            adaptation = prep.adaptation if prep is not None else None
            if arm == "candidate":
                raise CandidateFailed(exc, 400, adaptation) from None
            self._job(call, arm, target, t0, 400, error=str(exc)[:500])
            await self._send_error(call, send, 400, str(exc), arm)
            return Served(400, None, True)
        except ProviderError as exc:
            adaptation = prep.adaptation if prep is not None else None
            raise CandidateFailed(exc, _status_of(exc), adaptation) from None
        except TimeoutError:
            adaptation = prep.adaptation if prep is not None else None
            timeout = ProviderTimeoutError(f"{target.model} timed out")
            raise CandidateFailed(timeout, 504, adaptation) from None
        if not call.stream:
            raw = json.dumps(codec.encode_response(resp, model=resp.model or target.model))
            body = raw.encode("utf-8")
            hdrs = self._headers_out(call, arm, prep.adapted_count)
            await send_bytes(send, 200, body, hdrs)
            self._job(
                call, arm, target, t0, 200, response=resp, stream=False, adaptation=prep.adaptation
            )
            return Served(200, body, True)
        return await self._stream_out(call, arm, target, send, t0, first, events, prep)

    async def _stream_out(
        self,
        call: Call,
        arm: str,
        target: Target,
        send: Send,
        t0: float,
        first: StreamEvent | None,
        events: AsyncIterator[StreamEvent],
        prep: Prepared,
    ) -> Served:
        codec = CODECS[call.api]
        encoder = codec.StreamEncoder(target.model)
        acc = StreamAccumulator(target.model)
        hdrs = [(b"content-type", SSE_CT), (b"cache-control", b"no-cache")]
        hdrs.extend(self._headers_out(call, arm, prep.adapted_count))
        await send({"type": "http.response.start", "status": 200, "headers": hdrs})
        chunks: list[bytes] = []
        error: str | None = None
        try:
            ev = first
            while ev is not None:
                acc.add(ev)
                frames = encoder.encode(ev)
                if frames:
                    data = b"".join(frames)
                    chunks.append(data)
                    await send({"type": "http.response.body", "body": data, "more_body": True})
                ev = await anext(aiter(events), None)
        except (ProviderError, TimeoutError) as exc:
            error = f"stream interrupted: {exc}"[:500]
        finally:
            closer = getattr(events, "aclose", None)
            if closer is not None:
                await closer()
        tail = b"".join(encoder.close())
        await send({"type": "http.response.body", "body": tail})
        chunks.append(tail)
        self._job(
            call,
            arm,
            target,
            t0,
            200 if error is None else 502,
            response=acc.response(),
            error=error,
            adaptation=prep.adaptation,
        )
        return Served(200, chunks, True)
