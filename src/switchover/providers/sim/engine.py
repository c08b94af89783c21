"""SimEngine: the deterministic simulated model behind the HTTP app and the in-process provider.

Determinism: the answer to a request depends only on (engine seed, the request's content as
:func:`content_key` defines it, how many times this engine has already answered it for that
model id), and hazards additionally on the profile name. Two engines with the same seed and profiles given the same
sequence of requests produce the same responses. Faults are drawn per *attempt*, so a retry
after an injected 429 can succeed and then gets the same answer a first success would have.
Leaving the model id out of the answer key means a baseline and a candidate profile give the
same underlying answer, so differences between them are exactly the planted hazards.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from switchover.chat import ChatRequest, ChatResponse, Usage
from switchover.errors import ModelNotFoundError, ProviderBadRequestError, RateLimitError
from switchover.providers.sim._rng import lognormal_ms, rng_for, short_hash
from switchover.providers.sim.faults import RpmLimiter, pick_fault, raise_fault
from switchover.providers.sim.generate import draw_hazards, generate
from switchover.providers.sim.instructions import answer_basis, follow, is_rewrite_request, rewrite
from switchover.providers.sim.profiles import BUILTIN_PROFILES, SimProfile, match_profile
from switchover.providers.sim.textgen import estimate_tokens

__all__ = ["ID_PREFIX", "SimEngine", "catalog_rules", "content_key"]

ID_PREFIX = {
    "openai.chat": "simchat-",
    "openai.responses": "simresp-",
    "anthropic.messages": "simmsg-",
    "gemini.generate": "simgen-",
}
_CACHE_MIN_TOKENS = 1024


def content_key(req: ChatRequest) -> str:
    """What an answer depends on: the conversation (``developer`` read as ``system``, tool
    call ids left out), tools, tool choice, response format and the ``seed`` parameter. Not
    the model id, sampling parameters or limits, so an adapted request (``max_tokens`` renamed,
    ``temperature`` dropped, ``system`` turned into ``developer``) gets the same answer."""
    messages = [
        {
            "role": "system" if m.role == "developer" else m.role,
            "content": [p.model_dump(mode="json", exclude_defaults=True) for p in m.content],
            "calls": [[c.name, c.arguments_raw] for c in m.tool_calls],
        }
        for m in req.messages
    ]
    data = {
        "messages": messages,
        "tools": [t.model_dump(mode="json", exclude_defaults=True) for t in req.tools],
        "tool_choice": req.tool_choice.model_dump(mode="json") if req.tool_choice else None,
        "parallel": req.parallel_tool_calls,
        "format": req.response_format.model_dump(mode="json") if req.response_format else None,
        "seed": req.seed,
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class _Violation(Protocol):
    @property
    def param(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def status(self) -> int: ...
    @property
    def error_type(self) -> str: ...
    @property
    def code(self) -> str | None: ...


RulesFn = Callable[[str, dict[str, Any], str], Sequence[_Violation]]


def catalog_rules(model: str, body: dict[str, Any], api: str) -> Sequence[_Violation]:
    """The catalog's parameter rules (switchover.catalog.rules.check_request)."""
    from switchover.catalog.rules import check_request

    return check_request(model, body, api)


def _catalog_knows(model: str) -> bool:
    from switchover.catalog import get_catalog

    return get_catalog().lookup(model) is not None


class SimEngine:
    """A deterministic simulated model server (see module docstring).

    ``profiles`` maps model ids or globs (``"gpt-5*"``, ``"*"``) to profiles; exact ids win,
    then the first matching glob. Without it, every model the catalog knows is served with
    the ``baseline`` profile and other ids get a 404. ``time_scale`` overrides every
    profile's ``latency.time_scale``. ``rules`` checks the wire body (default: the catalog's
    parameter rules; ``None`` disables them).
    """

    def __init__(
        self,
        profiles: dict[str, SimProfile] | None = None,
        *,
        seed: int = 0,
        time_scale: float | None = None,
        rules: RulesFn | None = catalog_rules,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.profiles = dict(profiles) if profiles is not None else None
        self.seed = seed
        self.time_scale = time_scale
        self.rules = rules
        self._lock = threading.Lock()
        self._attempts: dict[str, int] = {}
        self._answers: dict[str, int] = {}
        self._prefixes: set[str] = set()
        self._rpm = RpmLimiter(clock)

    # -- lookup ---------------------------------------------------------------------------
    def profile_for(self, model: str) -> SimProfile:
        """The profile serving ``model``; ModelNotFoundError (404) when none does."""
        if self.profiles is None:
            if _catalog_knows(model):
                return BUILTIN_PROFILES["baseline"]
            profile = None
        else:
            profile = match_profile(self.profiles, model)
        if profile is None:
            raise ModelNotFoundError(
                f"The model `{model}` does not exist or you do not have access to it.",
                status=404,
                provider="sim",
            )
        return profile

    def scale_for(self, profile: SimProfile) -> float:
        return profile.latency.time_scale if self.time_scale is None else self.time_scale

    def model_ids(self) -> list[str]:
        """Model ids to list on /v1/models: the exact (non-glob) ids in the profile map,
        or every catalog id when the engine serves the catalog."""
        if self.profiles is None:
            from switchover.catalog import get_catalog

            return sorted({e.id for e in get_catalog().entries})
        return [k for k in self.profiles if not any(ch in k for ch in "*?[")]

    def cost(self, model: str, usage: Usage) -> float | None:
        """USD for ``usage`` at catalog prices: the profile's ``price_as`` model if set,
        else ``model`` itself; ``None`` when the catalog has no price."""
        from switchover.catalog import get_catalog

        try:
            price_model = self.profile_for(model).price_as or model
        except ModelNotFoundError:
            price_model = model
        return get_catalog().cost(price_model, usage)

    # -- answering ------------------------------------------------------------------------
    def check_rules(self, model: str, body: dict[str, Any], api: str) -> None:
        """Raise ProviderBadRequestError with the provider's own message for the first
        catalog rule the wire body violates."""
        if self.rules is None:
            return
        violations = self.rules(model, body, api)
        if violations:
            v = violations[0]
            raise ProviderBadRequestError(
                v.message,
                param=v.param,
                code=v.code,
                status=v.status,
                provider="sim",
                provider_message=v.message,
                body={"type": v.error_type, "param": v.param, "code": v.code},
            )

    def _count(self, table: dict[str, int], key: str) -> int:
        with self._lock:
            n = table.get(key, 0)
            table[key] = n + 1
            return n

    def respond(
        self, req: ChatRequest, *, api: str, wire_body: dict[str, Any] | None = None
    ) -> ChatResponse:
        """Answer ``req`` as the model would on ``api``, or raise the error it would give.

        The returned ``latency_s`` / ``ttft_s`` are the *simulated* (unscaled) values; the
        HTTP app and the provider wait ``latency * time_scale`` for real."""
        profile = self.profile_for(req.model)
        if self.rules is not None:
            if wire_body is None:
                from switchover.providers.sim._codecs import codec_for

                wire_body = codec_for(api).encode_request(req)
            self.check_rules(req.model, wire_body, api)
        # instruction sentences are not part of the answer key (see instructions.py), but
        # they do make the request a different one for counting repeats
        basis = answer_basis(req)
        key = short_hash(self.seed, content_key(basis), length=32)
        seen_as = key if basis is req else short_hash(self.seed, content_key(req), length=32)
        scale = self.scale_for(profile)
        faults = profile.faults
        if faults.rpm_limit is not None:
            wait = self._rpm.check(req.model, faults.rpm_limit, faults.rpm_window_s)
            if wait is not None:
                raise RateLimitError(
                    f"Rate limit reached for {req.model} (simulated): limit "
                    f"{faults.rpm_limit} requests per {faults.rpm_window_s:g}s.",
                    retry_after=round(wait, 3),
                    status=429,
                    provider="sim",
                )
        counter = f"{req.model}\x1f{seen_as}"  # repeats are counted per model id
        attempt = self._count(self._attempts, counter)
        kind = pick_fault(faults, rng_for("fault", profile.name, key, attempt).random())
        if kind is not None:
            raise_fault(kind, faults, model=req.model, time_scale=scale)
        n = self._count(self._answers, counter)
        content_rng = rng_for("content", key, n)
        hazards = draw_hazards(profile, rng_for("hazard", profile.name, key, n))
        obeyed, hazards = follow(req, profile, hazards)  # system-prompt instructions
        resp = generate(req, obeyed, content_rng, hazards, api=api)
        if is_rewrite_request(req):  # switchover tune --generate (see instructions.py)
            resp = resp.model_copy(
                update={
                    "text": rewrite(req),
                    "tool_calls": [],
                    "finish_reason": "stop",
                    "refusal": None,
                }
            )
        lat = rng_for("latency", profile.name, key, n)
        total_ms = lognormal_ms(lat, profile.latency.median_ms, profile.latency.p95_ms)
        ratio = profile.latency.p95_ms / profile.latency.median_ms
        ttft_ms = min(
            total_ms,
            lognormal_ms(
                lat, profile.latency.ttft_ms or 1e-3, ratio * (profile.latency.ttft_ms or 1e-3)
            ),
        )
        usage = resp.usage
        prefix = req.system_text + "".join(t.model_dump_json() for t in req.tools)
        prefix_tokens = estimate_tokens(prefix)
        if prefix_tokens >= _CACHE_MIN_TOKENS:
            pkey = short_hash(req.model, prefix)
            with self._lock:
                seen = pkey in self._prefixes
                self._prefixes.add(pkey)
            if seen:
                cached = min(usage.input_tokens, (prefix_tokens // 128) * 128)
                usage = usage.model_copy(update={"cached_input_tokens": cached})
        return resp.model_copy(
            update={
                "id": ID_PREFIX.get(api, "sim-") + short_hash(key, n, api),
                "usage": usage,
                "latency_s": round(total_ms / 1000.0, 6),
                "ttft_s": round(ttft_ms / 1000.0, 6),
                "provider_request_id": "simreq-" + short_hash("req", key, n, attempt, length=16),
            }
        )
