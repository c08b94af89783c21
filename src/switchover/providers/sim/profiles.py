"""Simulated-model profiles: the hazards and behaviour of one simulated model.

A profile is data (pydantic, ``extra="forbid"`` so typos in a profile file are errors).
Rates are probabilities per request in [0, 1]. Built-in presets reproduce the migration
hazards switchover's checks look for; a profile file maps model-id globs to profiles.
"""

from __future__ import annotations

import fnmatch
import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from switchover.errors import InputError

__all__ = [
    "BUILTIN_PROFILES",
    "FaultProfile",
    "LatencyProfile",
    "SimProfile",
    "load_profiles",
    "match_profile",
    "parse_profiles",
]

Rate = Field(default=0.0, ge=0.0, le=1.0)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LatencyProfile(_Strict):
    """Simulated latency. Totals are lognormal with the given median and 95th percentile;
    streaming waits ``ttft_ms`` then ``inter_token_ms`` per chunk. Every real wait is
    multiplied by ``time_scale`` (0.001 makes a 600 ms answer take 0.6 ms) while the
    *reported* latency stays the unscaled simulated value."""

    median_ms: float = Field(default=600.0, gt=0)
    p95_ms: float = Field(default=1500.0, gt=0)
    ttft_ms: float = Field(default=250.0, ge=0)
    inter_token_ms: float = Field(default=12.0, ge=0)
    time_scale: float = Field(default=1.0, ge=0)


class FaultProfile(_Strict):
    """Injected failures, each at its rate per attempt (independent of the answer)."""

    rate_limit: float = Rate  # 429 with retry-after
    server_error: float = Rate  # 500
    unavailable: float = Rate  # 503 (OpenAI) / 529 overloaded (Anthropic)
    timeout: float = Rate  # the server hangs for timeout_s (scaled), then gives up
    connection_reset: float = Rate  # the connection drops mid-response
    retry_after_s: float = Field(default=1.0, ge=0)
    timeout_s: float = Field(default=120.0, ge=0)
    rpm_limit: int | None = Field(default=None, gt=0)  # requests per window, else 429
    rpm_window_s: float = Field(default=60.0, gt=0)


class SimProfile(_Strict):
    """Behaviour of one simulated model (see docs/simulator.md for every knob)."""

    name: str = "custom"
    description: str = ""
    markdown_rate: float = Rate  # headings / bullets / bold where the baseline is plain
    fenced_json_rate: float = Rate  # JSON answers wrapped in ```json fences
    length_factor: float = Field(default=1.0, gt=0, le=5)  # terser < 1 < longer
    tool_arg_renames: dict[str, str] = Field(default_factory=dict)  # old name -> new name
    tool_arg_rename_rate: float = Field(default=1.0, ge=0, le=1)
    tool_arg_reorder_rate: float = Rate  # argument keys in reverse order
    refusal_rate: float = Rate  # "I'm sorry, but I can't help with that."
    truncation_rate: float = Rate  # cut short, finish_reason "length"
    quality_drop_rate: float = Rate  # a worse answer: key terms and a step left out
    reasoning: bool | None = None  # reasoning tokens; None: decided from the model id
    price_as: str | None = None  # catalog model whose prices apply (default: the model)
    latency: LatencyProfile = Field(default_factory=LatencyProfile)
    faults: FaultProfile = Field(default_factory=FaultProfile)


def _p(name: str, description: str, **kw: Any) -> SimProfile:
    return SimProfile(name=name, description=description, **kw)


BUILTIN_PROFILES: dict[str, SimProfile] = {
    p.name: p
    for p in (
        _p("baseline", "clean answers: plain text, bare JSON, faithful tool calls"),
        _p(
            "markdown-drift",
            "markdown headings and bullets in 60% of text answers",
            markdown_rate=0.6,
        ),
        _p(
            "fenced-json",
            "JSON wrapped in ```json code fences in 50% of answers",
            fenced_json_rate=0.5,
        ),
        _p("terse", "answers about 40% as long, fewer steps", length_factor=0.4),
        _p("verbose", "answers about 2.2 times as long", length_factor=2.2),
        _p(
            "renamed-tool-args",
            "tool arguments renamed (order_id->orderId, customer_id->customerId, "
            "query->search_query) and reordered in 30% of calls",
            tool_arg_renames={
                "order_id": "orderId",
                "customer_id": "customerId",
                "query": "search_query",
            },
            tool_arg_reorder_rate=0.3,
        ),
        _p("refuser", "refuses 15% of requests", refusal_rate=0.15),
        _p(
            "degraded",
            "30% of answers are worse: key terms and a step missing (an LLM judge notices)",
            quality_drop_rate=0.3,
        ),
        _p(
            "truncating",
            "20% of answers cut short with finish_reason length",
            truncation_rate=0.2,
        ),
        _p(
            "flaky",
            "5% 500s, 3% 503s, 2% timeouts, 2% connection resets; slower tail",
            faults=FaultProfile(
                server_error=0.05, unavailable=0.03, timeout=0.02, connection_reset=0.02
            ),
            latency=LatencyProfile(median_ms=900, p95_ms=4000),
        ),
        _p(
            "rate-limited",
            "20% of attempts get 429 with retry-after: 1",
            faults=FaultProfile(rate_limit=0.2, retry_after_s=1.0),
        ),
    )
}


def match_profile(profiles: dict[str, SimProfile], model: str) -> SimProfile | None:
    """The profile for ``model``: an exact key first, then the first glob that matches
    (case-insensitive, in the mapping's order)."""
    if model in profiles:
        return profiles[model]
    low = model.lower()
    for pattern, profile in profiles.items():
        if fnmatch.fnmatchcase(low, pattern.lower()):
            return profile
    return None


def parse_profiles(data: Any, *, source: str = "<profiles>") -> dict[str, SimProfile]:
    """Resolve ``{"profiles": {name: {base?, ...}}, "models": {glob: name}}`` into a
    glob -> profile mapping. A profile may extend a built-in or earlier one with ``base``."""
    if not isinstance(data, dict):
        raise InputError("expected a table with [profiles] and [models]", path=source)
    unknown = set(data) - {"profiles", "models"}
    if unknown:
        raise InputError(
            f"unknown top-level key(s) {sorted(unknown)}",
            path=source,
            hint="A profile file has two tables: [profiles.NAME] and [models].",
        )
    defined: dict[str, SimProfile] = dict(BUILTIN_PROFILES)
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise InputError("must be a table of profiles", path=source, field="profiles")
    for name, spec in raw_profiles.items():
        if not isinstance(spec, dict):
            raise InputError("must be a table", path=source, field=f"profiles.{name}")
        spec = dict(spec)
        base_name = spec.pop("base", "baseline")
        base = defined.get(str(base_name))
        if base is None:
            raise InputError(
                f"unknown base profile {base_name!r}",
                path=source,
                field=f"profiles.{name}.base",
                hint="Known: " + ", ".join(sorted(defined)),
            )
        merged = base.model_dump()
        for key, value in spec.items():
            if key in ("latency", "faults") and isinstance(value, dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        merged["name"] = name
        merged.setdefault("description", f"{base.name} with overrides")
        try:
            defined[name] = SimProfile.model_validate(merged)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"])
            raise InputError(
                err["msg"],
                path=source,
                field=f"profiles.{name}.{loc}",
                hint="See docs/simulator.md.",
            ) from None
    models = data.get("models", {"*": "baseline"})
    if not isinstance(models, dict) or not models:
        raise InputError(
            "must map model-id globs to profile names",
            path=source,
            field="models",
            hint='For example: [models] "gpt-4o*" = "baseline"',
        )
    mapping: dict[str, SimProfile] = {}
    for pattern, pname in models.items():
        profile = defined.get(str(pname))
        if profile is None:
            raise InputError(
                f"unknown profile {pname!r}",
                path=source,
                field=f"models.{pattern}",
                hint="Known: " + ", ".join(sorted(defined)),
            )
        mapping[str(pattern)] = profile
    return mapping


def load_profiles(path: str | Path) -> dict[str, SimProfile]:
    """Read a TOML or JSON profile file (see :func:`parse_profiles`)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read profile file: {exc.strerror}", path=str(p)) from None
    try:
        if p.suffix.lower() == ".json":
            data: Any = json.loads(raw)
        else:
            data = tomllib.loads(raw.decode("utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=str(p), line=exc.lineno) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"invalid TOML: {exc}", path=str(p)) from None
    return parse_profiles(data, source=str(p))
