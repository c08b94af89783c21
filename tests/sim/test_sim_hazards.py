"""Each hazard and fault appears at roughly its configured rate (binomial tolerance)."""

from __future__ import annotations

import json
import math
from collections import Counter

import jsonschema
import pytest

from switchover.errors import (
    ProviderConnectionError,
    ProviderError,
    ProviderServerError,
    ProviderTimeoutError,
    RateLimitError,
)
from switchover.providers.sim import BUILTIN_PROFILES, FaultProfile, SimProfile
from switchover.providers.sim.faults import RpmLimiter, SimTimeout, pick_fault
from switchover.providers.sim.textgen import extract_facts

from ._helpers import (
    ORDER_TOOLS,
    TICKET_SCHEMA,
    engine,
    json_request,
    question,
    text_request,
    tool_request,
)

N = 600
TICKET = jsonschema.Draft202012Validator(TICKET_SCHEMA)
ORDER_ARGS = jsonschema.Draft202012Validator(ORDER_TOOLS[0].parameters)


def assert_rate(hits: int, n: int, p: float) -> None:
    """Within 4.5 binomial standard deviations (false-alarm odds below 1e-5)."""
    sd = math.sqrt(n * p * (1 - p))
    assert abs(hits - n * p) <= 4.5 * sd + 1, f"{hits}/{n} vs rate {p}"


def test_baseline_is_clean() -> None:
    eng = engine()
    for i in range(100):
        t = eng.respond(text_request(i), api="openai.chat")
        assert "##" not in t.text
        assert "**" not in t.text
        assert t.finish_reason == "stop"
        j = eng.respond(json_request(i), api="openai.chat")
        assert not j.text.startswith("```")
        c = eng.respond(tool_request(i), api="openai.chat").tool_calls[0]
        assert list(c.arguments)[:2] == ["order_id", "customer_id"]


def test_markdown_drift_rate() -> None:
    eng = engine("markdown-drift")
    hits = sum(
        eng.respond(text_request(i), api="openai.chat").text.startswith("## ") for i in range(N)
    )
    assert_rate(hits, N, 0.6)


def test_fenced_json_rate_and_content_still_valid_inside() -> None:
    eng = engine("fenced-json")
    hits = 0
    for i in range(N):
        text = eng.respond(json_request(i), api="openai.chat").text
        if text.startswith("```json\n"):
            hits += 1
            text = text.removeprefix("```json\n").removesuffix("\n```")
        TICKET.validate(json.loads(text))
    assert_rate(hits, N, 0.5)


def test_refusal_rate_and_shape_per_api() -> None:
    eng = engine("refuser")
    hits = 0
    for i in range(N):
        r = eng.respond(text_request(i), api="openai.chat")
        if r.refusal:
            hits += 1
            assert r.finish_reason == "content_filter"
            assert r.text == ""
    assert_rate(hits, N, 0.15)
    eng2 = engine("refuser")
    anth = [eng2.respond(text_request(i), api="anthropic.messages") for i in range(200)]
    refused = [r for r in anth if r.refusal]
    assert refused
    assert all(r.finish_reason == "refusal" and "can't help" in r.text for r in refused)


def test_truncation_rate() -> None:
    eng = engine("truncating")
    full = engine()
    hits = 0
    for i in range(N):
        r = eng.respond(text_request(i), api="openai.chat")
        if r.finish_reason == "length":
            hits += 1
            assert len(r.text) < len(full.respond(text_request(i), api="openai.chat").text)
    assert_rate(hits, N, 0.2)


def test_quality_drop_rate_leaves_out_key_terms() -> None:
    eng = engine("degraded")
    hits = 0
    for i in range(N):
        r = eng.respond(text_request(i), api="openai.chat")
        terms = extract_facts(question(i)).terms[:2]
        if not any(t in r.text for t in terms):
            hits += 1
    assert_rate(hits, N, 0.3)


def test_length_factor() -> None:
    base, terse, verbose = engine(), engine("terse"), engine("verbose")
    ratios_t, ratios_v = [], []
    for i in range(100):
        b = len(base.respond(text_request(i), api="openai.chat").text)
        ratios_t.append(len(terse.respond(text_request(i), api="openai.chat").text) / b)
        ratios_v.append(len(verbose.respond(text_request(i), api="openai.chat").text) / b)
    assert sum(ratios_t) / 100 < 0.6
    assert sum(ratios_v) / 100 > 1.8


def test_renamed_and_reordered_tool_arguments() -> None:
    eng = engine("renamed-tool-args")
    reordered = 0
    for i in range(N):
        call = eng.respond(tool_request(i), api="openai.chat").tool_calls[0]
        assert "orderId" in call.arguments
        assert "order_id" not in call.arguments
        assert call.arguments["orderId"] == f"A{1000 + i}"
        assert not ORDER_ARGS.is_valid(call.arguments)
        keys = list(json.loads(call.arguments_raw))
        if keys[0] != "orderId":
            reordered += 1
    assert_rate(reordered, N, 0.3)


def test_rename_rate_below_one() -> None:
    prof = SimProfile(name="half", tool_arg_renames={"order_id": "id"}, tool_arg_rename_rate=0.5)
    eng = engine(prof)
    hits = sum(
        "id" in eng.respond(tool_request(i), api="openai.chat").tool_calls[0].arguments
        for i in range(N)
    )
    assert_rate(hits, N, 0.5)


def _fault_counts(prof: SimProfile, n: int) -> Counter[str]:
    eng = engine(prof)
    counts: Counter[str] = Counter()
    for i in range(n):
        try:
            eng.respond(text_request(i), api="openai.chat")
            counts["ok"] += 1
        except ProviderError as exc:
            counts[type(exc).__name__] += 1
    return counts


def test_fault_rates() -> None:
    prof = BUILTIN_PROFILES["flaky"]
    n = 2000
    counts = _fault_counts(prof, n)
    assert_rate(counts["ProviderServerError"], n, 0.08)
    assert_rate(counts["SimTimeout"], n, 0.02)
    assert_rate(counts["SimConnectionReset"], n, 0.02)
    assert_rate(counts["ok"], n, 0.88)


def test_rate_limited_profile_and_retry_succeeds() -> None:
    eng = engine("rate-limited")
    errors: list[RateLimitError] = []
    for i in range(N):
        for _attempt in range(20):
            try:
                eng.respond(text_request(i), api="openai.chat")
                break
            except RateLimitError as exc:
                errors.append(exc)
        else:
            pytest.fail("a retry never succeeded")
    assert {(e.retry_after, e.status) for e in errors} == {(1.0, 429)}
    # errors per request ~ geometric: mean p/(1-p) = 0.25
    assert 0.15 < len(errors) / N < 0.35


def test_fault_error_types() -> None:
    scale = 0.5
    for kind, exc_type, status in [
        ("server_error", ProviderServerError, 500),
        ("unavailable", ProviderServerError, 503),
        ("timeout", ProviderTimeoutError, None),
        ("connection_reset", ProviderConnectionError, None),
        ("rate_limit", RateLimitError, 429),
    ]:
        prof = SimProfile(name=kind, faults=FaultProfile(**{kind: 1.0, "timeout_s": 10}))
        with pytest.raises(exc_type) as info:
            engine(prof, time_scale=scale).respond(text_request(0), api="openai.chat")
        assert info.value.status == status
        assert info.value.retryable
        if kind == "timeout":
            assert isinstance(info.value, SimTimeout)
            assert info.value.hang_s == 5.0


def test_pick_fault_stacks_rates_in_order() -> None:
    f = FaultProfile(rate_limit=0.1, server_error=0.2)
    assert pick_fault(f, 0.05) == "rate_limit"
    assert pick_fault(f, 0.25) == "server_error"
    assert pick_fault(f, 0.35) is None


def test_rpm_limit_with_a_fake_clock() -> None:
    now = [0.0]
    limiter = RpmLimiter(lambda: now[0])
    assert [limiter.check("m", 3, 60) for _ in range(3)] == [None, None, None]
    wait = limiter.check("m", 3, 60)
    assert wait == pytest.approx(60.0)
    now[0] = 30.0
    assert limiter.check("m", 3, 60) == pytest.approx(30.0)
    now[0] = 60.5
    assert limiter.check("m", 3, 60) is None
    assert limiter.check("other", 3, 60) is None


def test_rpm_limit_in_engine() -> None:
    now = [0.0]
    prof = SimProfile(name="rpm", faults=FaultProfile(rpm_limit=5, rpm_window_s=1.0))
    eng = engine(prof, clock=lambda: now[0])
    for i in range(5):
        eng.respond(text_request(i), api="openai.chat")
    with pytest.raises(RateLimitError) as exc:
        eng.respond(text_request(9), api="openai.chat")
    assert 0 < (exc.value.retry_after or 0) <= 1.0
    now[0] = 1.5
    assert eng.respond(text_request(9), api="openai.chat").text


def test_hazards_reach_answers_inside_json() -> None:
    schema = {
        "type": "object",
        "properties": {"reply": {"type": "string"}},
        "required": ["reply"],
    }
    md = engine("markdown-drift")
    base = engine()
    verbose = engine("verbose")
    hits = 0
    for i in range(200):
        req = json_request(i).model_copy(
            update={
                "response_format": json_request(i).response_format.model_copy(
                    update={"json_schema": schema}
                )
            }  # type: ignore[union-attr]
        )
        hits += json.loads(md.respond(req, api="openai.chat").text)["reply"].startswith("## ")
        b = json.loads(base.respond(req, api="openai.chat").text)["reply"]
        v = json.loads(verbose.respond(req, api="openai.chat").text)["reply"]
        assert len(v) > 1.5 * len(b)
    assert_rate(hits, 200, 0.6)
