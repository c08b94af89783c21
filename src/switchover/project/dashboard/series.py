"""Per-arm time series of the gateway's request records, for the dashboard's charts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from switchover.rollout import summarize
from switchover.store import Store

__all__ = ["arm_series"]


def arm_series(
    store: Store, migration: str, now: datetime, *, minutes: int = 60, step_s: int = 60
) -> dict[str, Any]:
    """Requests, error rate, p95 latency and check pass rate per arm in ``step_s`` buckets over
    the last ``minutes`` (bucket start times in ISO 8601; ``None`` where an arm had no data)."""
    step = timedelta(seconds=step_s)
    n = max(1, int(minutes * 60 // step_s))
    start = now - n * step
    records = store.query_records(migration, start, until=now, limit=100_000)
    out: dict[str, Any] = {"t": [], "baseline": {}, "candidate": {}, "step_s": step_s}
    keys = ("count", "error_rate", "p95_latency_ms", "check_pass_rate", "shadow")
    for arm in ("baseline", "candidate"):
        out[arm] = {k: [] for k in keys}
    i = 0
    for b in range(n):
        lo, hi = start + b * step, start + (b + 1) * step
        chunk = []
        while i < len(records) and records[i].at < hi:
            if records[i].at >= lo:
                chunk.append(records[i])
            i += 1
        w = summarize(chunk, lo, hi)
        out["t"].append(lo.isoformat())
        for arm in ("baseline", "candidate"):
            m = w.baseline if arm == "baseline" else w.candidate
            out[arm]["count"].append(m.count)
            out[arm]["error_rate"].append(m.error_rate)
            out[arm]["p95_latency_ms"].append(m.p95_latency_ms)
            out[arm]["check_pass_rate"].append(m.check_pass_rate)
            out[arm]["shadow"].append(sum(1 for r in chunk if r.arm == arm and r.shadow))
    return out
