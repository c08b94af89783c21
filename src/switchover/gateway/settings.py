"""Gateway run-time settings (command-line flags; upstreams and migrations come from
``switchover.toml``)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GatewaySettings"]


@dataclass
class GatewaySettings:
    """How one gateway process behaves.

    ``admin_token`` guards ``/admin`` (None with ``insecure_dev=False`` disables the admin
    API). ``record_sample`` is the share of requests recorded while a migration is in
    shadow or canary, ``idle_record_sample`` the share otherwise. ``record_bodies`` keeps
    request bodies in the records (keys are always redacted by the store).
    """

    store_url: str = "sqlite:///.switchover/state.db"
    admin_token: str | None = None
    insecure_dev: bool = False
    max_body_bytes: int = 4 * 1024 * 1024
    record_sample: float = 1.0
    idle_record_sample: float = 0.0
    record_bodies: bool = False
    record_buffer: int = 10_000
    flush_interval_s: float = 0.2
    shadow_queue: int = 256
    shadow_workers: int = 8
    poll_interval_s: float = 0.5
    controller: bool = True
    controller_tick_s: float = 0.25
    drain_timeout_s: float = 30.0
    pass_checks: tuple[str, ...] = (
        "json_valid",
        "json_fence",
        "markdown_drift",
        "truncation",
        "refusal",
        "tool_calls_valid",
        "tool_calls_match",
    )
