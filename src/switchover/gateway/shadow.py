"""Shadow traffic: after the baseline answered, the same request goes to the candidate in
the background and both answers are recorded and compared with the checks.

A bounded queue and a fixed set of worker tasks keep shadow work from ever delaying or
failing a served answer: when the queue is full the shadow request is dropped and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from switchover.errors import SwitchoverError
from switchover.gateway.proxy import Call, CandidateFailed, Proxy
from switchover.gateway.records import Job

__all__ = ["ShadowDispatcher", "ShadowTask"]

_log = logging.getLogger("switchover.gateway")


@dataclass(slots=True)
class ShadowTask:
    call: Call
    baseline_raw: bytes | list[bytes] | None
    baseline_stream: bool


class ShadowDispatcher:
    """Bounded queue + workers on the event loop (started by the app's lifespan)."""

    def __init__(self, proxy: Proxy, *, capacity: int = 256, workers: int = 8) -> None:
        self.proxy = proxy
        self.capacity = capacity
        self.workers = workers
        self.queue: asyncio.Queue[ShadowTask] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.dropped = 0
        self.done = 0
        self.active = 0

    def start(self) -> None:
        self.queue = asyncio.Queue(self.capacity)
        self._tasks = [
            asyncio.create_task(self._worker(), name=f"switchover-shadow-{i}")
            for i in range(self.workers)
        ]

    def offer(self, task: ShadowTask) -> bool:
        """Queue a shadow request; False (and counted) when the queue is full or stopped."""
        if self.queue is None:
            self._drop(task)
            return False
        try:
            self.queue.put_nowait(task)
        except asyncio.QueueFull:
            self._drop(task)
            return False
        return True

    def _drop(self, task: ShadowTask) -> None:
        self.dropped += 1
        self.proxy.metrics.shadow_drop(task.call.route.name)

    async def _worker(self) -> None:
        assert self.queue is not None
        while True:
            task = await self.queue.get()
            self.active += 1
            try:
                await self.run(task)
            except Exception:  # never let one shadow call stop the worker
                _log.exception("shadow request failed unexpectedly")
            finally:
                self.active -= 1
                self.done += 1
                self.queue.task_done()

    async def run(self, task: ShadowTask) -> None:
        call = task.call
        route = call.route
        target = route.candidate
        t0 = time.perf_counter()
        response = None
        adaptation: dict[str, Any] | None = None
        error: str | None = None
        status = 200
        try:
            prep = self.proxy.prepare(call, target, adapt_=True)
            adaptation = prep.adaptation
            response = await self.proxy.send(prep, target)
        except CandidateFailed as exc:  # the adapter refused the request
            error, status, adaptation = str(exc.error)[:500], exc.status, exc.adaptation
        except SwitchoverError as exc:
            error = str(exc)[:500]
            status = getattr(exc, "status", None) or 502
        except TimeoutError:
            error, status = f"{target.model} timed out", 504
        elapsed = time.perf_counter() - t0
        metrics = self.proxy.metrics
        metrics.observe(route.name, "candidate", status, elapsed)
        if error is not None:
            metrics.error(route.name, "candidate", "shadow")
        self.proxy.pipeline.submit(
            Job(
                migration=route.name,
                arm="candidate",
                api=call.api,
                at=time.time(),
                latency_ms=elapsed * 1000.0,
                status=status,
                ok=error is None,
                model=target.model,
                request_id=call.request_id,
                record=True,
                shadow=True,
                error=error,
                body=call.data,
                response=response,
                adaptation=adaptation,
                reference_raw=task.baseline_raw,
                reference_stream=task.baseline_stream,
            )
        )

    async def drain(self, limit_s: float) -> None:
        """Wait (bounded) for queued shadow work, then stop the workers."""
        if self.queue is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(limit_s):
                    await self.queue.join()
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        self._tasks = []
