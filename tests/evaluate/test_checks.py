"""Built-in checks: format, tool calls, assertions, usage, and the registry."""

from __future__ import annotations

from typing import Any

import pytest

from switchover.chat import (
    ChatRequest,
    ChatResponse,
    Message,
    ResponseFormat,
    Tool,
    ToolCall,
    Usage,
)
from switchover.errors import InputError, UsageError
from switchover.evaluate.checks import (
    REGISTRY,
    Check,
    check_case,
    compare_calls,
    default_checks,
    evaluate_assertion,
    get_check,
    jsonpath,
    markdown_features,
    normalize_arguments,
    parse_jsonpath,
    passed,
    reference_response,
    register,
    resolve_checks,
    run_checks,
)
from switchover.evaluate.results import ArmOutput, Assertion, Case, CaseResult, ErrorInfo

WEATHER = Tool(
    name="get_weather",
    parameters={
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "days": {"type": "integer", "default": 1},
            "metric": {"type": "boolean"},
        },
        "required": ["city"],
    },
)


def case(**kw: Any) -> Case:
    req = kw.pop("request", None) or ChatRequest(model="m", messages=[Message.user("hi")])
    return Case(id=kw.pop("id", "c1"), request=req, **kw)


def resp(text: str = "", **kw: Any) -> ChatResponse:
    return ChatResponse(model=kw.pop("model", "m"), text=text, **kw)


def run(name: str, c: Case, ref: ChatResponse | None, r: ChatResponse) -> Any:
    return get_check(name)(c, ref, r)


# --- format ---------------------------------------------------------------------------------


def test_json_valid_when_asked_or_when_baseline_was_json() -> None:
    asked = case(
        request=ChatRequest(
            model="m",
            messages=[Message.user("x")],
            response_format=ResponseFormat(type="json_object"),
        )
    )
    assert run("json_valid", asked, None, resp('{"a": 1}')).passed is True
    bad = run("json_valid", asked, None, resp('```json\n{"a": 1}\n```'))
    assert bad.passed is False
    assert "code fence" in bad.detail
    plain = case()
    assert run("json_valid", plain, resp("hello"), resp("hi")).applicable is False
    r = run("json_valid", plain, resp('{"ok": true}'), resp("Sure! here it is"))
    assert r.passed is False
    assert "baseline answered in JSON" in r.detail


def test_json_schema_conformance() -> None:
    schema = {
        "name": "x",
        "schema": {
            "type": "object",
            "properties": {"n": {"type": "integer"}},
            "required": ["n"],
        },
    }
    c = case(
        request=ChatRequest(
            model="m",
            messages=[Message.user("x")],
            response_format=ResponseFormat(type="json_schema", json_schema=schema),
        )
    )
    assert run("json_schema", c, None, resp('{"n": 3}')).passed is True
    r = run("json_schema", c, None, resp('{"n": "3"}'))
    assert r.passed is False
    assert r.detail.startswith("n:")
    assert run("json_schema", c, None, resp("nope")).detail == "not valid JSON"
    assert run("json_schema", case(), None, resp("{}")).applicable is False


def test_json_fence() -> None:
    c = case()
    ref = resp('{"a": 1}')
    assert run("json_fence", c, ref, resp('{"a": 2}')).passed is True
    assert run("json_fence", c, ref, resp('```json\n{"a": 2}\n```')).passed is False
    assert run("json_fence", c, resp("text"), resp("x")).applicable is False


def test_markdown_features_and_drift() -> None:
    md = "# Title\n\n- a\n- b\n1. one\n| a | b |\n|---|---|\n```py\nx\n```\n**bold**"
    f = markdown_features(md)
    assert f == {
        "headings": 1,
        "bullets": 2,
        "numbered": 1,
        "table_rows": 2,
        "code_blocks": 1,
        "emphasis": 1,
    }
    c = case()
    same = run("markdown_drift", c, resp("plain answer"), resp("another plain answer"))
    assert same.score == 1.0
    drift = run("markdown_drift", c, resp("Plain answer."), resp("## Answer\n- one\n- two"))
    assert drift.score == 0.0
    assert "headings 0->1" in drift.detail
    partial = run("markdown_drift", c, resp("- a\n- b"), resp("- a\n- b\n- c\n- d"))
    assert partial.score == pytest.approx(0.5)
    assert run("markdown_drift", c, None, resp("x")).applicable is False
    assert run("markdown_drift", c, resp("[1]"), resp("x")).applicable is False


def test_length_ratio() -> None:
    c = case()
    r = run("length_ratio", c, resp("abcd"), resp("abcdefgh"))
    assert r.value == pytest.approx(2.0)
    assert run("length_ratio", c, resp(""), resp("x")).applicable is False
    assert run("length_ratio", c, None, resp("x")).applicable is False


def test_truncation_and_refusal() -> None:
    c = case()
    assert run("truncation", c, None, resp("x", finish_reason="length")).passed is False
    assert run("truncation", c, None, resp("x")).passed is True
    for text in [
        "I'm sorry, but I can't help with that.",
        "I cannot assist with this request.",
        "As an AI language model, I cannot do that.",
        "Unfortunately, I am unable to provide that.",
    ]:
        assert run("refusal", c, None, resp(text)).passed is False, text
    assert run("refusal", c, None, resp("", refusal="no")).passed is False
    assert run("refusal", c, None, resp("x", finish_reason="content_filter")).passed is False
    assert run("refusal", c, None, resp("Sure, I can help with that. I can't wait!")).passed


# --- tool calls -----------------------------------------------------------------------------


def test_normalize_arguments_fills_defaults_and_coerces() -> None:
    args = normalize_arguments({"city": "Oslo", "metric": "true"}, WEATHER)
    assert args == {"city": "Oslo", "metric": True, "days": 1}
    assert normalize_arguments({"city": "Oslo", "days": "5"}, WEATHER)["days"] == 5
    assert normalize_arguments({"city": 7}, WEATHER)["city"] == "7"
    assert normalize_arguments("raw", WEATHER) == "raw"
    nested = Tool(
        name="t",
        parameters={
            "type": "object",
            "properties": {
                "xs": {"type": "array", "items": {"type": "number"}},
                "o": {"type": "object", "properties": {"k": {"type": "integer"}}},
                "j": {"type": "object"},
            },
        },
    )
    out = normalize_arguments({"xs": ["1.5", 2.0], "o": {"k": "3"}, "j": '{"a": 1}'}, nested)
    assert out == {"xs": [1.5, 2], "o": {"k": 3}, "j": {"a": 1}}


def test_compare_calls_order_insensitive_and_schema_aware() -> None:
    base = [
        ToolCall.from_args("1", "get_weather", {"city": "Oslo", "days": 1}),
        ToolCall.from_args("2", "get_weather", {"city": "Rome"}),
    ]
    cand = [
        ToolCall.from_args("a", "get_weather", {"city": "Rome", "days": "1"}),
        ToolCall.from_args("b", "get_weather", {"city": "Oslo"}),
    ]
    assert compare_calls(base, cand, [WEATHER])["equal"] is True


def test_compare_calls_reports_renames_missing_extra() -> None:
    base = [ToolCall.from_args("1", "get_weather", {"city": "Oslo", "days": 3})]
    cand = [
        ToolCall.from_args("a", "get_weather", {"location": "Oslo", "days": 4, "units": "c"}),
        ToolCall.from_args("b", "search", {"q": "x"}),
    ]
    res = compare_calls(base, cand, [WEATHER])
    assert res["equal"] is False
    d = res["diffs"][0]
    assert d["renames"] == [{"from": "city", "to": "location", "value": "Oslo"}]
    assert d["changed"] == {"days": {"baseline": 3, "candidate": 4}}
    assert d["extra"] == {"units": "c"}
    assert res["extra_calls"] == ["search"]
    res2 = compare_calls(base, [], [WEATHER])
    assert res2["missing_calls"] == ["get_weather"]


def test_tool_call_checks() -> None:
    c = case(request=ChatRequest(model="m", messages=[Message.user("w")], tools=[WEATHER]))
    good = resp(tool_calls=[ToolCall.from_args("1", "get_weather", {"city": "Oslo"})])
    assert run("tool_calls_valid", c, None, good).passed is True
    bad_type = resp(tool_calls=[ToolCall.from_args("1", "get_weather", {"city": 5})])
    r = run("tool_calls_valid", c, None, bad_type)
    assert r.passed is False
    assert "city" in r.detail
    unknown = resp(tool_calls=[ToolCall.from_args("1", "nope", {})])
    assert "no such tool" in run("tool_calls_valid", c, None, unknown).detail
    broken = resp(tool_calls=[ToolCall.from_raw("1", "get_weather", "{oops")])
    assert "not valid JSON" in run("tool_calls_valid", c, None, broken).detail
    assert run("tool_calls_valid", case(), None, good).applicable is False
    assert run("tool_calls_valid", c, None, resp("no calls")).passed is True

    renamed = resp(tool_calls=[ToolCall.from_args("1", "get_weather", {"location": "Oslo"})])
    m = run("tool_calls_match", c, good, renamed)
    assert m.passed is False
    assert "'city' renamed to 'location'" in m.detail
    assert run("tool_calls_match", c, good, good).passed is True
    assert run("tool_calls_match", c, resp("a"), resp("b")).applicable is False
    assert run("tool_calls_match", c, None, good).applicable is False
    missing = run("tool_calls_match", c, good, resp("I will not call it"))
    assert "call get_weather missing" in missing.detail


# --- assertions -----------------------------------------------------------------------------


def test_jsonpath_subset() -> None:
    data = {"a": {"b": [{"c": 1}, {"c": 2}]}, "odd key": 3}
    assert jsonpath(data, "$.a.b[0].c") == [1]
    assert jsonpath(data, "$.a.b[*].c") == [1, 2]
    assert jsonpath(data, "$.a.b[-1].c") == [2]
    assert jsonpath(data, "$['odd key']") == [3]
    assert jsonpath(data, "$.*") == [data["a"], 3]
    assert jsonpath(data, "$.a.x") == []
    assert jsonpath(data, "$.a.b[9]") == []
    assert jsonpath(data, "$") == [data]
    assert parse_jsonpath("$.a[0][*]") == ["a", 0, None]
    with pytest.raises(InputError, match=r"must start with '\$'"):
        parse_jsonpath("a.b")
    with pytest.raises(InputError, match="cannot parse"):
        parse_jsonpath("$.a..b")


def _assert(a: Assertion, text: str) -> tuple[bool, str]:
    return evaluate_assertion(a, resp(text), case())


def test_text_assertions() -> None:
    assert _assert(Assertion(type="equals", value="Paris"), " Paris\n")[0]
    assert not _assert(Assertion(type="equals", value="Paris"), "paris")[0]
    assert _assert(Assertion(type="equals", value="Paris", ignore_case=True), "paris")[0]
    assert _assert(Assertion(type="contains", value="ok"), "it is ok")[0]
    assert not _assert(Assertion(type="contains", value="OK"), "it is ok")[0]
    assert _assert(Assertion(type="not_contains", value="sorry"), "fine")[0]
    assert (
        _assert(Assertion(type="not_contains", value="sorry"), "so sorry")[1] == "contains 'sorry'"
    )
    assert _assert(Assertion(type="regex", value=r"\d{3}"), "code 123")[0]
    assert not _assert(Assertion(type="regex", value=r"^\d+$"), "abc")[0]
    with pytest.raises(InputError, match="bad regex"):
        _assert(Assertion(type="regex", value="("), "x")


def test_json_path_assertions() -> None:
    text = '```json\n{"items": [{"name": "a", "n": 2}]}\n```'
    assert _assert(Assertion(type="json_path", path="$.items[0].name"), text)[0]
    assert _assert(Assertion(type="json_path", path="$.items[0].n", value=2), text)[0]
    ok, detail = _assert(Assertion(type="json_path", path="$.items[0].n", value=3), text)
    assert not ok
    assert "expected 3" in detail
    assert _assert(Assertion(type="json_path", path="$.nope"), text) == (False, "$.nope: not found")
    assert _assert(Assertion(type="equals", path="$.items[0].name", value="a"), text)[0]
    assert _assert(Assertion(type="contains", path="$.items[*].name", value="a"), text)[0]
    assert _assert(Assertion(type="json_path", path="$.a"), "not json")[1].endswith("not JSON")
    with pytest.raises(InputError, match="needs 'path'"):
        _assert(Assertion(type="json_path"), "{}")


def is_short(response: ChatResponse, case: Case) -> bool:
    return len(response.text) < 10


def explain(response: ChatResponse, case: Case) -> tuple[bool, str]:
    return False, f"case {case.id} rejected"


def boom(response: ChatResponse, case: Case) -> bool:
    raise RuntimeError("kaput")


NOT_CALLABLE = 3


def test_python_assertions() -> None:
    mod = __name__
    assert _assert(Assertion(type="python", function=f"{mod}:is_short"), "short")[0]
    assert not _assert(Assertion(type="python", function=f"{mod}:is_short"), "x" * 20)[0]
    assert _assert(Assertion(type="python", function=f"{mod}:explain"), "x") == (
        False,
        "case c1 rejected",
    )
    ok, detail = _assert(Assertion(type="python", function=f"{mod}:boom"), "x")
    assert not ok
    assert "RuntimeError: kaput" in detail
    with pytest.raises(InputError, match=r"package\.module:function"):
        _assert(Assertion(type="python", function="nocolon"), "x")
    with pytest.raises(InputError, match="cannot import"):
        _assert(Assertion(type="python", function="no_such_mod_xyz:f"), "x")
    with pytest.raises(InputError, match="no attribute"):
        _assert(Assertion(type="python", function=f"{mod}:missing"), "x")
    with pytest.raises(InputError, match="not callable"):
        _assert(Assertion(type="python", function=f"{mod}:NOT_CALLABLE"), "x")
    with pytest.raises(InputError, match="needs 'function'"):
        _assert(Assertion(type="python"), "x")


def test_assertions_check_combines() -> None:
    c = case(
        assertions=[
            Assertion(type="contains", value="a", name="has-a"),
            Assertion(type="contains", value="z"),
        ]
    )
    r = get_check("assertions")(c, None, resp("abc"))
    assert r.passed is False
    assert r.detail.startswith("1/2 failed: contains")
    assert r.data["failures"][0]["assertion"] == "contains"
    assert get_check("assertions")(case(), None, resp("abc")).applicable is False
    ok = get_check("assertions")(
        case(assertions=[Assertion(type="contains", value="a")]), None, resp("a")
    )
    assert ok.passed is True


# --- usage metrics & running ----------------------------------------------------------------


def test_value_checks() -> None:
    c = case()
    r = resp("x", latency_s=0.25, ttft_s=0.1, usage=Usage(input_tokens=10, output_tokens=5))
    assert run("latency_s", c, None, r).value == 0.25
    assert run("ttft_s", c, None, r).value == 0.1
    assert run("output_tokens", c, None, r).value == 5
    assert run("input_tokens", c, None, r).value == 10
    bare = resp("x")
    for name in ("latency_s", "ttft_s", "output_tokens", "input_tokens"):
        assert run(name, c, None, bare).applicable is False
    cost = run("cost_usd", c, None, resp("x", model="definitely-unknown-model-xyz"))
    assert cost.applicable is False


def test_run_checks_and_check_case() -> None:
    c = case(assertions=[Assertion(type="contains", value="yes")])
    checks = default_checks()
    ok_out = ArmOutput(
        arm="baseline", model="m", response=resp("yes"), latency_s=0.5, cost_usd=0.01
    )
    res = run_checks(c, checks, None, ok_out)
    assert res["ok"].passed is True
    assert res["latency_s"].value == 0.5
    assert res["cost_usd"].value == 0.01
    assert res["assertions"].passed is True
    err_out = ArmOutput(
        arm="cand", model="m", error=ErrorInfo(type="RateLimitError", message="429")
    )
    res2 = run_checks(c, checks, None, err_out)
    assert res2["ok"].passed is False
    assert res2["ok"].detail == "429"
    assert all(not r.applicable for n, r in res2.items() if n != "ok")
    cr = CaseResult(
        case_id="c1",
        candidate="new",
        baseline=[ok_out],
        candidate_outputs=[ArmOutput(arm="new", model="m2", response=resp("no"))],
    )
    check_case(c, cr, checks)
    assert cr.candidate_outputs[0].checks["assertions"].passed is False
    assert reference_response(c, cr.baseline) is ok_out.response
    recorded = case(baseline_response=resp("rec"))
    assert reference_response(recorded, cr.baseline) is recorded.baseline_response
    assert reference_response(case(), []) is None


def test_registry() -> None:
    assert "json_valid" in REGISTRY
    with pytest.raises(UsageError, match="unknown check 'nope'"):
        get_check("nope")
    assert [c.name for c in resolve_checks(["ok", "refusal", "ok"])] == ["ok", "refusal"]
    custom = register(
        Check("always_pass", "pass", lambda c, ref, r: passed(True), "demo", gate=False)
    )
    try:
        res = custom(case(), None, resp("x"))
        assert (res.name, res.kind, res.passed) == ("always_pass", "pass", True)
        spec = custom.spec()
        assert spec.bounds == (0.0, 1.0)
        assert spec.gate is False
        assert get_check("latency_s").spec().bounds is None
    finally:
        del REGISTRY["always_pass"]


def test_cost_uses_the_catalog() -> None:
    r = resp("x", model="gpt-4o", usage=Usage(input_tokens=1000, output_tokens=500))
    cost = run("cost_usd", case(), None, r)
    assert cost.applicable
    assert cost.value == pytest.approx(1000 * 2.5e-6 + 500 * 10e-6)


def test_check_stamps_name_and_kind_without_touching_shared_results() -> None:
    shared = passed(True, "constant")  # e.g. a module-level result a check returns every time
    const = Check("my_const", "pass", lambda case, ref, resp: shared)
    fresh = Check("my_fresh", "score", lambda case, ref, resp: passed(False, "built"))
    case = Case(id="c", request=ChatRequest(model="m", messages=[Message.user("hi")]))
    resp = ChatResponse(model="m", text="hi")
    a, b = const(case, None, resp), const(case, None, resp)
    assert (a.name, a.kind, b.name) == ("my_const", "pass", "my_const")
    assert a is not shared
    assert b is not a
    assert shared.name == ""  # never mutated
    r = fresh(case, None, resp)
    assert (r.name, r.kind, r.passed, r.detail) == ("my_fresh", "score", False, "built")
    assert r == r.model_copy()


def test_schema_checks_reuse_one_validator_per_schema() -> None:
    schema = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}
    tool = Tool(name="t", parameters=schema)
    req = ChatRequest(model="m", messages=[Message.user("hi")], tools=[tool])
    case = Case(id="c", request=req)
    check = get_check("tool_calls_valid")
    good = ChatResponse(model="m", tool_calls=[ToolCall.from_args("1", "t", {"x": 1})])
    bad = ChatResponse(model="m", tool_calls=[ToolCall.from_args("1", "t", {"x": "no"})])
    for _ in range(3):  # the compiled validator is cached: same answers every time
        assert check(case, None, good).passed is True
        res = check(case, None, bad)
        assert res.passed is False
        assert "x" in res.detail
        assert "integer" in res.detail
