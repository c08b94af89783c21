"""Prometheus metrics of one gateway app (its own CollectorRegistry, so several apps in one
process, as in tests, never collide)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["GatewayMetrics"]

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class GatewayMetrics:
    """Counters and histograms labelled by migration and arm; children are cached so the
    hot path does one dict lookup and one increment. Code outside the app updates them
    only through the methods (the recorder process ships these calls to the serving
    process: :mod:`switchover.gateway.recorder`)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "switchover_gateway_requests",
            "Requests answered, by migration, arm and HTTP status class",
            ["migration", "arm", "status"],
            registry=r,
        )
        self.errors = Counter(
            "switchover_gateway_errors",
            "Failed upstream calls (served, fallback or shadow), by migration and arm",
            ["migration", "arm", "kind"],
            registry=r,
        )
        self.latency = Histogram(
            "switchover_gateway_latency_seconds",
            "Upstream latency as seen by the gateway, by migration and arm",
            ["migration", "arm"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.tokens = Counter(
            "switchover_gateway_tokens",
            "Tokens reported by upstreams, by migration, arm and direction",
            ["migration", "arm", "direction"],
            registry=r,
        )
        self.cost = Counter(
            "switchover_gateway_cost_usd",
            "Cost in USD from catalog prices, by migration and arm",
            ["migration", "arm"],
            registry=r,
        )
        self.shadow_dropped = Counter(
            "switchover_gateway_shadow_dropped",
            "Shadow requests dropped because the shadow queue was full",
            ["migration"],
            registry=r,
        )
        self.records_dropped = Counter(
            "switchover_gateway_records_dropped",
            "Request records dropped because the record buffer was full",
            registry=r,
        )
        self.records_pending = Gauge(
            "switchover_gateway_records_pending",
            "Request records waiting to be written to the store",
            registry=r,
        )
        self.store_up = Gauge(
            "switchover_gateway_store_up", "1 when the last store call succeeded", registry=r
        )
        self.stage = Gauge(
            "switchover_gateway_candidate_percent",
            "Share of users served by the candidate (canary percent; 100 when complete)",
            ["migration"],
            registry=r,
        )
        self.inflight = Gauge(
            "switchover_gateway_inflight", "Requests being served right now", registry=r
        )
        self._children: dict[tuple[str, ...], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (metric._name, *labels)
        child = self._children.get(key)
        if child is None:
            child = metric.labels(*labels)
            self._children[key] = child
        return child

    def observe(self, migration: str, arm: str, status: int, seconds: float) -> None:
        cls = f"{status // 100}xx"
        self._child(self.requests, migration, arm, cls).inc()
        self._child(self.latency, migration, arm).observe(seconds)

    def error(self, migration: str, arm: str, kind: str) -> None:
        self._child(self.errors, migration, arm, kind).inc()

    def usage(
        self, migration: str, arm: str, input_tokens: int, output_tokens: int, cost: float | None
    ) -> None:
        self._child(self.tokens, migration, arm, "input").inc(input_tokens)
        self._child(self.tokens, migration, arm, "output").inc(output_tokens)
        if cost:
            self._child(self.cost, migration, arm).inc(cost)

    def shadow_drop(self, migration: str) -> None:
        self._child(self.shadow_dropped, migration).inc()

    def records_drop(self, n: int) -> None:
        self.records_dropped.inc(n)

    def set_pending(self, n: int) -> None:
        self.records_pending.set(n)

    def set_store_up(self, ok: bool) -> None:
        self.store_up.set(1 if ok else 0)

    def render(self) -> bytes:
        return generate_latest(self.registry)
