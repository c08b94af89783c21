"""Request records and usage metrics.

The request path builds a :class:`Job` after the answer was sent and hands it to
:meth:`RecordPipeline.submit`, which adds tokens and cost to the metrics right there (the
``usage`` object of the answer and a cached catalog price: ~10 us) and puts jobs to be
recorded on a bounded queue (a full queue drops the job and counts it). A worker thread
decodes the answers of recorded jobs, runs the pass/fail checks, and writes the records to
the store in batches. When the store is unreachable the records wait in a bounded buffer
(oldest dropped and counted) and are written when it returns.

Why usage is not left to the thread: any Python work in a second thread takes the GIL
from the event loop, and the loop gives it up on every socket call, so a thread busy for
1 ms stalls the requests in flight by about that much (measured: c=1 p99 5 ms with the
usage in the thread, 0.8 ms without). Unrecorded requests, the common case, give the
thread nothing to do; it sleeps on the queue.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from switchover.chat import ChatResponse, Usage
from switchover.errors import SwitchoverError
from switchover.evaluate.cache import Pricer
from switchover.evaluate.checks import Check, resolve_checks
from switchover.evaluate.results import Case
from switchover.gateway.codecs import CODECS, decode_raw_response, raw_usage
from switchover.gateway.metrics import GatewayMetrics
from switchover.rollout import RequestRecord
from switchover.store import Store

__all__ = ["Accountant", "Job", "JobSink", "RecordPipeline"]

_log = logging.getLogger("switchover.gateway")
_BATCH = 500


@dataclass(slots=True)
class Job:
    """One finished upstream call. ``raw`` is the undecoded body (or SSE chunks) of a
    passed-through answer; ``response`` a decoded one. ``reference`` is the baseline answer
    a shadow candidate is compared with."""

    migration: str
    arm: str
    api: str
    at: float
    latency_ms: float
    status: int
    ok: bool
    model: str
    request_id: str
    record: bool
    stream: bool = False
    shadow: bool = False
    fallback: bool = False
    error: str | None = None
    bucket: int | None = None
    body: dict[str, Any] | None = None
    raw: bytes | list[bytes] | None = None
    response: ChatResponse | None = None
    reference: ChatResponse | None = None
    reference_raw: bytes | list[bytes] | None = None
    reference_stream: bool = False
    adaptation: dict[str, Any] | None = None
    usage: Usage | None = None
    cost: float | None = None
    accounted: bool = False


class JobSink(Protocol):
    """Where the request path hands finished calls: :class:`RecordPipeline` (records in
    a thread of this process) or :class:`switchover.gateway.recorder.RecorderLink`."""

    def submit(self, job: Job) -> None: ...


class Accountant:
    """Adds a finished call's tokens and cost to the metrics, on the caller's thread."""

    def __init__(self, metrics: GatewayMetrics) -> None:
        self.metrics = metrics
        self.pricer = Pricer()

    def account(self, job: Job) -> None:
        if job.accounted:
            return
        job.accounted = True
        usage = job.response.usage if job.response is not None else None
        if usage is None and job.raw is not None and job.ok:
            usage = raw_usage(job.raw, job.stream)
        if usage is None:
            return
        job.usage = usage
        job.cost = self.pricer.cost(job.model, usage)
        self.metrics.usage(
            job.migration, job.arm, usage.input_tokens, usage.output_tokens, job.cost
        )


_SMALL_STR = 64


def _small(value: Any) -> bool:
    """A parameter value safe to keep without ``record_bodies`` (a number, a flag, a short
    string); a structured or long value may quote the request (a schema, a prompt)."""
    if isinstance(value, str):
        return len(value) <= _SMALL_STR
    return value is None or isinstance(value, bool | int | float)


def _change_summary(change: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in change.items() if k not in ("before", "after") and v is not None}
    for k in ("before", "after"):
        v = change.get(k)
        if v is not None:
            out[k] = v if _small(v) else "(omitted: start the gateway with --record-bodies)"
    return out


def record_body(
    job: Job, keep_bodies: bool, response: ChatResponse | None = None
) -> dict[str, Any] | None:
    """The free-form ``body`` of a request record: with ``record_bodies``, the request in
    the caller's wire format, its API id and the answer (neutral JSON, as
    ``switchover eval`` reads captures: evaluate/datasets/captures.py); and, for a
    candidate request, the adaptation changes made for it."""
    body: dict[str, Any] = {}
    if keep_bodies and job.body is not None:
        body["request"] = job.body
        body["api"] = job.api
        if response is not None and job.ok:
            answer = response.model_dump(mode="json", exclude={"raw"}, exclude_defaults=True)
            answer["model"] = response.model or job.model
            body["response"] = answer
    if job.adaptation is not None:
        adaptation = dict(job.adaptation)
        if not keep_bodies:
            adaptation["changes"] = [_change_summary(c) for c in adaptation.get("changes", [])]
        body["adaptation"] = adaptation
    return body or None


class RecordPipeline:
    """Worker thread turning jobs into metrics and store records (see module docstring)."""

    def __init__(
        self,
        store: Store,
        metrics: GatewayMetrics,
        *,
        capacity: int = 10_000,
        flush_interval_s: float = 0.2,
        checks: tuple[str, ...] = (),
        keep_bodies: bool = False,
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.capacity = capacity
        self.flush_interval_s = flush_interval_s
        self.keep_bodies = keep_bodies
        self.checks: list[Check] = resolve_checks(checks)
        self.queue: queue.Queue[Job] = queue.Queue(maxsize=capacity)
        self.pending: deque[RequestRecord] = deque()
        self.dropped = 0
        self.written = 0
        self.store_ok = True
        self.accountant = Accountant(metrics)
        self._busy = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="switchover-records", daemon=True)
        self._thread.start()

    # -- request path ---------------------------------------------------------------------
    def submit(self, job: Job) -> None:
        """Account ``job``'s tokens and cost now, and queue it for a record when sampled."""
        self.accountant.account(job)
        if not job.record:
            return
        try:
            self.queue.put_nowait(job)
        except queue.Full:
            self._drop(1)

    def _drop(self, n: int) -> None:
        self.dropped += n
        self.metrics.records_drop(n)

    # -- worker ---------------------------------------------------------------------------
    def _run(self) -> None:
        # Sleep on the queue while there is nothing to record (no wake-ups at all), else
        # wake every tick and take everything queued in one go: a thread that woke per job
        # would compete for the GIL with the event loop on every request.
        backoff = self.flush_interval_s
        next_flush = 0.0
        tick = min(0.02, self.flush_interval_s)  # small batches: short GIL holds
        while True:
            first: Job | None = None
            if self.pending:
                stopping = self._stop.wait(tick)
            else:
                with contextlib.suppress(queue.Empty):
                    first = self.queue.get(timeout=self.flush_interval_s)
                stopping = self._stop.is_set()
            self._busy = True
            try:
                while True:
                    if first is not None:
                        job, first = first, None
                    else:
                        try:
                            job = self.queue.get_nowait()
                        except queue.Empty:
                            break
                    try:
                        self._process(job)
                    except Exception:  # one bad answer must not stop recording
                        _log.exception("could not process a request record")
                    finally:
                        self.queue.task_done()
                now = time.monotonic()
                if self.pending and (now >= next_flush or stopping):
                    while self.pending and self._flush():
                        pass
                    backoff = self.flush_interval_s if self.store_ok else min(backoff * 2, 5.0)
                    next_flush = now + backoff
            finally:
                self._busy = False
            self.metrics.set_pending(len(self.pending) + self.queue.qsize())
            if stopping:
                return

    def _flush(self) -> bool:
        batch = list(self.pending)[:_BATCH]
        try:
            self.store.append_records(batch)
        except SwitchoverError as exc:
            if self.store_ok:
                _log.warning("store unreachable, buffering records: %s", exc)
            self.store_ok = False
            self.metrics.set_store_up(False)
            return False
        for _ in batch:
            self.pending.popleft()
        self.written += len(batch)
        if not self.store_ok:
            _log.warning("store reachable again; %d records pending", len(self.pending))
        self.store_ok = True
        self.metrics.set_store_up(True)
        return True

    def _process(self, job: Job) -> None:
        resp = job.response
        usage, cost = job.usage, job.cost
        wanted = self.checks or self.keep_bodies
        if resp is None and job.raw is not None and job.ok and job.body and wanted:
            resp = decode_raw_response(job.api, job.raw, job.stream)
        passed = total = 0
        if resp is not None and self.checks and job.body is not None:
            passed, total = self._run_checks(job, resp)
        rec = RequestRecord(
            migration=job.migration,
            arm="candidate" if job.arm == "candidate" else "baseline",
            at=datetime.fromtimestamp(job.at, UTC),
            latency_ms=max(0.0, job.latency_ms),
            ok=job.ok,
            shadow=job.shadow,
            fallback=job.fallback,
            status=job.status,
            error=job.error,
            cost=cost,
            input_tokens=usage.input_tokens if usage is not None else None,
            output_tokens=usage.output_tokens if usage is not None else None,
            checks_passed=passed,
            checks_total=total,
            model=job.model,
            request_id=job.request_id,
            bucket=job.bucket,
            body=record_body(job, self.keep_bodies, resp),
        )
        self.pending.append(rec)
        over = len(self.pending) - self.capacity
        for _ in range(max(0, over)):
            self.pending.popleft()
        if over > 0:
            self._drop(over)

    def _run_checks(self, job: Job, resp: ChatResponse) -> tuple[int, int]:
        codec = CODECS.get(job.api)
        if codec is None or job.api in ("openai.embeddings", "openai.models"):
            return 0, 0
        try:
            request = codec.decode_request(dict(job.body or {}))
        except Exception:
            return 0, 0
        ref = job.reference
        if ref is None and job.reference_raw is not None:
            ref = decode_raw_response(job.api, job.reference_raw, job.reference_stream)
        case = Case(id=job.request_id or "request", request=request)
        passed = total = 0
        for check in self.checks:
            try:
                result = check(case, ref, resp)
            except Exception:
                continue
            if result.applicable and result.kind == "pass" and result.passed is not None:
                total += 1
                passed += int(result.passed)
        return passed, total

    # -- control --------------------------------------------------------------------------
    def idle(self) -> bool:
        return self.queue.unfinished_tasks == 0 and not self._busy and (not self.pending)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every submitted job is written (or the store is down); for tests
        and shutdown."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.queue.unfinished_tasks == 0 and (not self.pending or not self.store_ok):
                return True
            time.sleep(0.01)
        return False

    def close(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
