"""The recorder process: shadow calls and request records away from the serving process.

Why a process: any Python work in a second thread of the serving process takes the GIL
from its event loop (which gives it up on every socket call), and shadow work on the loop
itself (decode, adapt, the candidate call, decoding its answer) runs between served
requests. Measured on the benchmark (docs/benchmarks.md), both delayed served answers by
milliseconds. So ``switchover gateway`` starts one recorder process per worker: the
serving process accounts tokens and cost (~10 us a request) and writes what is to be
recorded or shadowed, as length-prefixed pickled frames, to the recorder's stdin; the
recorder runs the shadow calls (its own upstream clients, the same adaptation), the
checks and the store writes exactly as the in-process pipeline does
(:class:`~switchover.gateway.records.RecordPipeline`,
:class:`~switchover.gateway.shadow.ShadowDispatcher`), and sends its metric updates back
on its stdout; the serving process applies them to its ``/metrics``.

Bounded like the in-process pipeline: at most ``shadow_queue`` shadow requests (settings)
are unfinished in the recorder and at most ``record_buffer`` records unread (it reports
its progress with the metrics, every 0.1 s), and at most ``BUFFER_LIMIT`` bytes wait in
the pipe; beyond that, work is dropped and counted (``shadow_dropped`` /
``records_dropped``), so shadow work never delays or fails a served answer. The recorder leaves when its stdin closes (the gateway
stops, or was killed), after draining queued shadow work (up to 5 s) and flushing the
records. It runs in its own session, so a Ctrl-C meant for the gateway reaches it only
through that end of file, and at a lower scheduling priority (nice 10), so on a busy host
the CPU goes to served requests first.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import pickle
import signal
import sys
import threading
from typing import Any

from switchover.gateway.metrics import GatewayMetrics
from switchover.gateway.records import Accountant, Job
from switchover.gateway.settings import GatewaySettings
from switchover.gateway.shadow import ShadowTask

__all__ = ["BUFFER_LIMIT", "RecorderLink", "ShippedMetrics", "main"]

_log = logging.getLogger("switchover.gateway")

#: Bytes waiting for the recorder beyond which new records and shadow requests are dropped.
BUFFER_LIMIT = 32 * 1024 * 1024
#: GatewayMetrics methods whose calls the recorder ships to the serving process.
SHIPPED = frozenset(
    {"observe", "error", "usage", "shadow_drop", "records_drop", "set_pending", "set_store_up"}
)
SHIP_INTERVAL_S = 0.1
#: The recorder's niceness: on a busy host the scheduler serves the gateway first (and the
#: recorder drops shadow work, counted, rather than slowing served answers).
RECORDER_NICE = 10


def frame(obj: Any) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(4, "big") + data


async def read_frame(reader: asyncio.StreamReader) -> Any:
    """The next frame's object; IncompleteReadError at end of file."""
    size = int.from_bytes(await reader.readexactly(4), "big")
    return pickle.loads(await reader.readexactly(size))  # frames from our own parent/child


# -- serving process side -------------------------------------------------------------------
class RecorderLink:
    """The serving process's end: a :class:`~switchover.gateway.records.JobSink` that
    accounts usage here and forwards recorded jobs and shadow requests to the recorder."""

    def __init__(
        self,
        metrics: GatewayMetrics,
        config_path: str,
        settings: GatewaySettings,
        *,
        buffer_limit: int = BUFFER_LIMIT,
    ) -> None:
        self.metrics = metrics
        self.accountant = Accountant(metrics)
        self.spec = {
            "config": config_path,
            "settings": dataclasses.replace(settings, admin_token=None),
            "log_level": logging.getLogger().getEffectiveLevel(),
        }
        self.buffer_limit = buffer_limit
        self.shadow_limit = settings.shadow_queue
        self.record_limit = settings.record_buffer
        self.proc: asyncio.subprocess.Process | None = None
        self.sent = 0
        self.dropped = 0
        # progress: shadow requests sent / finished by the recorder, records sent / read
        self.shadow_sent = self.shadow_done = 0
        self.jobs_sent = self.jobs_read = 0
        self._reader: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self, timeout_s: float = 60.0) -> None:
        """Start the recorder and wait (bounded) until it has opened the store and built
        its upstream clients."""
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from switchover.gateway.recorder import main; main()",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        self._write(self.spec)
        assert self.proc.stdout is not None
        try:
            async with asyncio.timeout(timeout_s):
                await read_frame(self.proc.stdout)  # "ready"
        except (TimeoutError, asyncio.IncompleteReadError):
            _log.error(
                "the recorder process did not start: records and shadow requests are dropped"
            )
        self._reader = asyncio.create_task(self._read_back(), name="switchover-recorder-link")

    def _write(self, obj: Any) -> bool:
        proc = self.proc
        if proc is None or proc.stdin is None or proc.returncode is not None:
            return False
        stdin = proc.stdin
        if stdin.is_closing() or stdin.transport.get_write_buffer_size() > self.buffer_limit:
            return False
        stdin.write(frame(obj))
        self.sent += 1
        return True

    # -- JobSink / shadow offer (on the event loop) ------------------------------------------
    def submit(self, job: Job) -> None:
        self.accountant.account(job)
        if not job.record:
            return
        if self.jobs_sent - self.jobs_read < self.record_limit and self._write(("job", job)):
            self.jobs_sent += 1
            return
        self.dropped += 1
        self.metrics.records_drop(1)

    def offer(self, task: ShadowTask) -> bool:
        c = task.call
        msg = (
            "shadow",
            c.route.name,
            c.api,
            c.data,
            c.request_id,
            c.stream,
            task.baseline_raw,
            task.baseline_stream,
        )
        if self.shadow_sent - self.shadow_done < self.shadow_limit and self._write(msg):
            self.shadow_sent += 1
            return True
        self.dropped += 1
        self.metrics.shadow_drop(c.route.name)
        return False

    async def _read_back(self) -> None:
        proc = self.proc
        assert proc is not None
        assert proc.stdout is not None
        try:
            while True:
                events = await read_frame(proc.stdout)
                for name, args in events:
                    if name in SHIPPED:
                        getattr(self.metrics, name)(*args)
                    elif name == "progress":
                        self.shadow_done, self.jobs_read = args
        except (asyncio.IncompleteReadError, ConnectionError, pickle.UnpicklingError):
            pass
        if not self._closing:
            code = await proc.wait()
            _log.error(
                "the recorder process exited (code %s): records and shadow requests are "
                "dropped (and counted) until the gateway restarts",
                code,
            )

    async def close(self, timeout_s: float) -> None:
        """End of file for the recorder; wait (bounded) for it to drain and exit."""
        proc = self.proc
        if proc is None:
            return
        self._closing = True
        if proc.stdin is not None and not proc.stdin.is_closing():
            with contextlib.suppress(OSError):
                proc.stdin.write_eof()  # after the buffered frames
        try:
            async with asyncio.timeout(timeout_s):
                await proc.wait()
        except TimeoutError:
            _log.warning("the recorder process did not finish in %.0f s; stopped", timeout_s)
            proc.kill()
            await proc.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


# -- recorder process side ------------------------------------------------------------------
class ShippedMetrics(GatewayMetrics):
    """The recorder's metrics: every update is queued for the serving process."""

    def __init__(self) -> None:
        super().__init__()
        self._events: list[tuple[str, tuple[Any, ...]]] = []
        self._lock = threading.Lock()  # the record thread adds events too

    def _add(self, name: str, *args: Any) -> None:
        with self._lock:
            self._events.append((name, args))

    def take(self) -> list[tuple[str, tuple[Any, ...]]]:
        with self._lock:
            events, self._events = self._events, []
        return events

    def observe(self, migration: str, arm: str, status: int, seconds: float) -> None:
        self._add("observe", migration, arm, status, seconds)

    def error(self, migration: str, arm: str, kind: str) -> None:
        self._add("error", migration, arm, kind)

    def usage(
        self, migration: str, arm: str, input_tokens: int, output_tokens: int, cost: float | None
    ) -> None:
        self._add("usage", migration, arm, input_tokens, output_tokens, cost)

    def shadow_drop(self, migration: str) -> None:
        self._add("shadow_drop", migration)

    def records_drop(self, n: int) -> None:
        self._add("records_drop", n)

    def set_pending(self, n: int) -> None:
        self._add("set_pending", n)

    def set_store_up(self, ok: bool) -> None:
        self._add("set_store_up", ok)

    def progress(self, shadow_done: int, jobs_read: int) -> None:
        self._add("progress", shadow_done, jobs_read)


def _ship(metrics: ShippedMetrics, fd: int) -> None:
    events = metrics.take()
    if events:
        data = memoryview(frame(events))
        while data:
            data = data[os.write(fd, data) :]


async def _serve(reader: asyncio.StreamReader, out_fd: int) -> None:
    from switchover.config import load_config
    from switchover.gateway.proxy import Call, Proxy
    from switchover.gateway.records import RecordPipeline
    from switchover.gateway.routing import build_routes
    from switchover.gateway.shadow import ShadowDispatcher
    from switchover.gateway.upstream import build_upstreams
    from switchover.store import open_store

    spec = await read_frame(reader)
    logging.basicConfig(level=spec["log_level"], format="%(asctime)s %(name)s %(message)s")
    settings: GatewaySettings = spec["settings"]
    config = load_config(spec["config"])
    routes = build_routes(config)
    upstreams = build_upstreams(
        config.upstreams, base_dir=config.path.parent if config.path else None
    )
    store = open_store(settings.store_url)
    metrics = ShippedMetrics()
    pipeline = RecordPipeline(
        store,
        metrics,
        capacity=settings.record_buffer,
        flush_interval_s=settings.flush_interval_s,
        checks=settings.pass_checks,
        keep_bodies=settings.record_bodies,
    )
    shadow = ShadowDispatcher(
        Proxy(upstreams, metrics, pipeline),
        capacity=settings.shadow_queue,
        workers=settings.shadow_workers,
    )
    shadow.start()

    jobs_read = 0

    async def ship() -> None:
        while True:
            await asyncio.sleep(SHIP_INTERVAL_S)
            metrics.progress(shadow.done, jobs_read)
            _ship(metrics, out_fd)

    os.write(out_fd, frame([("ready", ())]))
    shipper = asyncio.create_task(ship())
    try:
        while True:
            msg = await read_frame(reader)
            if msg[0] == "job":
                jobs_read += 1
                pipeline.submit(msg[1])
            elif msg[0] == "shadow":
                _, name, api, data, request_id, stream, raw, raw_stream = msg
                route = routes.routes.get(name)
                if route is None:
                    continue
                call = Call(api, route, data, b"", {}, request_id, stream, True)
                # waiting here leaves the backlog in the pipe and the gateway's bounded
                # buffer, where it is dropped and counted when full
                assert shadow.queue is not None
                await shadow.queue.put(ShadowTask(call, raw, raw_stream))
    except asyncio.IncompleteReadError:
        pass  # the gateway closed our stdin: drain and leave
    finally:
        await shadow.drain(min(5.0, settings.drain_timeout_s))
        await asyncio.to_thread(pipeline.close)
        shipper.cancel()
        _ship(metrics, out_fd)
        for up in upstreams.values():
            await up.aclose()
        store.close()


def main() -> None:
    """Entry point of the recorder process (started by :class:`RecorderLink`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # leave at end of file, after draining
    with contextlib.suppress(OSError):  # background work: the serving process comes first
        os.nice(RECORDER_NICE)
    out_fd = os.dup(1)
    os.dup2(2, 1)  # stray prints must not corrupt the frames on our stdout

    async def run() -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=1 << 26)
        stdin = os.fdopen(0, "rb", buffering=0, closefd=False)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
        await _serve(reader, out_fd)

    asyncio.run(run())
