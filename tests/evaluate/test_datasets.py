from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from switchover.errors import InputError
from switchover.evaluate.datasets import load_dataset, load_datasets, request_key

OPENAI_BODY = {
    "model": "gpt-4o",
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Where is my order A1001?"},
    ],
    "max_tokens": 100,
    "temperature": 0.2,
}
ANTHROPIC_BODY = {
    "model": "claude-sonnet-4-5",
    "system": "Be brief.",
    "max_tokens": 256,
    "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello there"}]}],
}
NEUTRAL_BODY = {
    "model": "gpt-4o",
    "messages": [{"role": "user", "content": [{"type": "text", "text": "neutral hi"}]}],
}
OPENAI_RESPONSE = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "It shipped."},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
}


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_formats_detected_per_row(tmp_path: Path) -> None:
    p = write_jsonl(
        tmp_path / "d.jsonl",
        [
            OPENAI_BODY,
            {
                "id": "anth",
                "request": ANTHROPIC_BODY,
                "tags": ["greeting"],
                "call_site": "a.py:3",
                "weight": 2.5,
                "metadata": {"team": "x"},
            },
            NEUTRAL_BODY,
            "",
        ],
    )
    ds = load_dataset(p)
    assert [c.id for c in ds.cases] == ["d:1", "anth", "d:3"]
    first, anth, neutral = ds.cases
    assert first.metadata["api"] == "openai.chat"
    assert first.request.max_tokens_field == "max_tokens"
    assert first.request.messages[1].text == "Where is my order A1001?"
    assert anth.metadata["api"] == "anthropic.messages"
    assert anth.request.system_text == "Be brief."
    assert (anth.tags, anth.call_site, anth.weight) == (["greeting"], "a.py:3", 2.5)
    assert anth.metadata["team"] == "x"
    assert anth.metadata["source"].endswith("d.jsonl:2")
    assert neutral.metadata["api"] == "neutral"


def test_recorded_responses_in_several_shapes(tmp_path: Path) -> None:
    anth_resp = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-x",
        "content": [{"type": "text", "text": "Hi!"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 5, "output_tokens": 2},
    }
    p = write_jsonl(
        tmp_path / "r.jsonl",
        [
            {"id": "a", "request": OPENAI_BODY, "response": OPENAI_RESPONSE, "latency_ms": 850},
            {
                "id": "b",
                "request": ANTHROPIC_BODY,
                "baseline_response": anth_resp,
                "candidate_response": "plain text answer",
                "candidate_latency_s": 1.5,
            },
            {
                "id": "c",
                "request": NEUTRAL_BODY,
                "responses": {"new": {"model": "m", "text": "neutral answer"}},
            },
        ],
    )
    a, b, c = load_dataset(p).cases
    assert a.baseline_response is not None
    assert a.baseline_response.text == "It shipped."
    assert a.baseline_response.latency_s == pytest.approx(0.85)
    assert a.baseline_response.usage.input_tokens == 12
    assert b.baseline_response is not None
    assert b.baseline_response.text == "Hi!"
    assert b.recorded["candidate"].text == "plain text answer"
    assert b.recorded["candidate"].latency_s == 1.5
    assert c.recorded["new"].text == "neutral answer"


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("{not json", r"bad\.jsonl:2: invalid JSON at column 2"),
        ('["a"]', r"bad\.jsonl:2: each line must be a JSON object"),
        ('{"request": {"model": "x", "messages": []}}', r"bad\.jsonl:2: request.messages"),
        (
            '{"request": {"model": "x", "messages": [{"role": "user", "content": "hi"}]}, '
            '"weight": -1}',
            r"bad\.jsonl:2: weight: must be a positive number",
        ),
        (
            '{"request": {"model": "x", "messages": [{"role": "user", "content": "hi"}]}, '
            '"colour": 1}',
            r"bad\.jsonl:2: colour: unknown key",
        ),
        (
            '{"request": {"model": "x", "messages": [{"role": "user", "content": "hi"}]}, '
            '"tags": [1]}',
            r"bad\.jsonl:2: tags",
        ),
        (
            '{"request": {"model": "x", "messages": [{"role": "user", "content": "hi"}]}, '
            '"assertions": [{"type": "nope"}]}',
            r"bad\.jsonl:2: assertions\[0\]\.type",
        ),
        (
            '{"request": {"model": "x", "messages": [{"role": "user", "content": "hi"}]}, '
            '"response": 5}',
            r"bad\.jsonl:2: response: a recorded response must be",
        ),
        ('{"request": "text"}', r"bad\.jsonl:2: request: must be a JSON object"),
        ('{"model": "x", "messages": [{"role": "wizard", "content": "hi"}]}', r"bad\.jsonl:2"),
    ],
)
def test_malformed_rows_name_file_and_line(tmp_path: Path, line: str, match: str) -> None:
    p = write_jsonl(tmp_path / "bad.jsonl", [OPENAI_BODY, line])
    with pytest.raises(InputError, match=match) as info:
        load_dataset(p)
    assert info.value.line == 2
    assert info.value.exit_code == 2


def test_missing_file_array_and_empty(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_dataset(tmp_path / "nope.jsonl")
    arr = tmp_path / "arr.json"
    arr.write_text("[\n" + json.dumps(OPENAI_BODY) + "\n]")
    with pytest.raises(InputError, match="JSON array is not a dataset"):
        load_dataset(arr)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    with pytest.raises(InputError, match="no cases"):
        load_dataset(empty)
    with pytest.raises(InputError, match="no dataset given"):
        load_datasets([])


def test_duplicates_merged_reported_or_refused(tmp_path: Path) -> None:
    other = {**OPENAI_BODY, "messages": [{"role": "user", "content": "different"}]}
    p = write_jsonl(
        tmp_path / "dup.jsonl",
        [
            {"id": "x", "request": OPENAI_BODY, "weight": 1},
            {"id": "y", "request": other},
            {"id": "z", "request": OPENAI_BODY, "weight": 2},
        ],
    )
    ds = load_datasets([p])
    assert [c.id for c in ds.cases] == ["x", "y"]
    assert ds.cases[0].weight == 3.0
    assert [(d.case_id, d.same_as) for d in ds.duplicates] == [("z", "x")]
    assert ds.duplicates[0].source.endswith("dup.jsonl:3")
    assert "1 duplicate request(s) merged" in ds.warnings[0]
    assert len(load_datasets([p], duplicates="keep").cases) == 3
    with pytest.raises(InputError, match=r"dup\.jsonl:3: request repeats case 'x'"):
        load_datasets([p], duplicates="error")
    # the same request key whatever the wire format it came in
    assert request_key(ds.cases[0]) == request_key(load_datasets([p]).cases[0])


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [{"id": "same", "request": OPENAI_BODY}])
    b = write_jsonl(tmp_path / "b.jsonl", [{"id": "same", "request": NEUTRAL_BODY}])
    with pytest.raises(InputError, match=r"b\.jsonl:1: id: duplicate case id 'same'"):
        load_datasets([a, b])


def test_csv_templates(tmp_path: Path) -> None:
    p = tmp_path / "prompts.csv"
    p.write_text(
        "id,template,product,tags,weight,expected,system\n"
        'c1,"Describe {product} as JSON like {""name"": ...}",dock,a;b,2,dock,You sell {product}.\n'
        ",Is {product} in stock?,stand,,,,\n"
    )
    ds = load_dataset(p, default_model="gpt-4o")
    c1, c2 = ds.cases
    assert c1.request.messages[-1].text == 'Describe dock as JSON like {"name": ...}'
    assert c1.request.system_text == "You sell dock."
    assert (c1.tags, c1.weight, c1.request.model) == (["a", "b"], 2.0, "gpt-4o")
    assert c1.assertions[0].type == "contains"
    assert c1.assertions[0].value == "dock"
    assert c2.id == "prompts:3"
    assert c2.metadata["variables"] == {"product": "stand"}

    q = tmp_path / "vars.csv"
    q.write_text("city,days\nParis,3\n")
    (case,) = load_dataset(q, template="Weather in {city} for {days} days").cases
    assert case.request.messages[0].text == "Weather in Paris for 3 days"
    with pytest.raises(InputError, match=r"vars\.csv:2: country: the template uses \{country\}"):
        load_dataset(q, template="Weather in {country}")
    with pytest.raises(InputError, match="no 'template' or 'prompt' column"):
        load_dataset(q)
    r = tmp_path / "bad.csv"
    r.write_text("prompt,weight\nhi,heavy\n")
    with pytest.raises(InputError, match=r"bad\.csv:2: weight: not a number"):
        load_dataset(r)
    s = tmp_path / "extra.csv"
    s.write_text("prompt\nhi,there\n")
    with pytest.raises(InputError, match=r"extra\.csv:2: 2 values for 1 columns"):
        load_dataset(s)


def test_gateway_captures(tmp_path: Path) -> None:
    base = {
        "migration": "bot",
        "at": "2026-11-26T10:00:00+00:00",
        "ok": True,
        "shadow": False,
        "model": "gpt-4o-2024-08-06",
        "input_tokens": 12,
        "output_tokens": 3,
    }
    rows = [
        {
            **base,
            "arm": "baseline",
            "request_id": "r1",
            "latency_ms": 420.0,
            "body": {"request": OPENAI_BODY, "response": OPENAI_RESPONSE},
        },
        {
            **base,
            "arm": "candidate",
            "shadow": True,
            "request_id": "r1",
            "latency_ms": 610.0,
            "model": "gpt-6-luna",
            "body": {"response": {**OPENAI_RESPONSE, "model": "gpt-6-luna"}},
        },
        {
            **base,
            "arm": "baseline",
            "request_id": "r2",
            "latency_ms": 100.0,
            "body": {"request": ANTHROPIC_BODY, "api": "anthropic.messages"},
        },
        {**base, "arm": "baseline", "request_id": "r3", "latency_ms": 100.0},
    ]
    ds = load_dataset(write_jsonl(tmp_path / "cap.jsonl", rows))
    assert [c.id for c in ds.cases] == ["r1", "r2"]
    r1, r2 = ds.cases
    assert r1.baseline_response is not None
    assert r1.baseline_response.latency_s == 0.42
    assert r1.recorded["candidate"].latency_s == 0.61
    assert r1.call_site == "bot"
    assert r1.tags == ["migration:bot"]
    assert r2.baseline_response is None
    assert r2.metadata["api"] == "anthropic.messages"
    assert ds.skipped == 1
    assert "without a request body" in ds.warnings[0]
    bad = write_jsonl(
        tmp_path / "badcap.jsonl", [{**base, "arm": "shadow", "request_id": "q", "latency_ms": 1}]
    )
    with pytest.raises(InputError, match=r"badcap\.jsonl:1: arm"):
        load_dataset(bad)
    noid = write_jsonl(tmp_path / "noid.jsonl", [{**base, "arm": "baseline", "latency_ms": 1}])
    with pytest.raises(InputError, match="request_id"):
        load_dataset(noid)


def _attr(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        v: dict[str, Any] = {"boolValue": value}
    elif isinstance(value, int):
        v = {"intValue": str(value)}
    elif isinstance(value, float):
        v = {"doubleValue": value}
    elif isinstance(value, list):
        v = {"arrayValue": {"values": [{"stringValue": x} for x in value]}}
    else:
        v = {"stringValue": value}
    return {"key": key, "value": v}


def _otlp(spans: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", "support")]},
                "scopeSpans": [
                    {"scope": {"name": "opentelemetry.instrumentation.openai"}, "spans": spans}
                ],
            }
        ]
    }


def test_otel_genai_spans(tmp_path: Path) -> None:
    current = {
        "traceId": "t1",
        "spanId": "s1",
        "name": "chat gpt-4o",
        "startTimeUnixNano": "1000000000",
        "endTimeUnixNano": "1750000000",
        "attributes": [
            _attr("gen_ai.operation.name", "chat"),
            _attr("gen_ai.request.model", "gpt-4o"),
            _attr("gen_ai.request.temperature", 0.3),
            _attr("gen_ai.request.max_tokens", 200),
            _attr("gen_ai.request.stop_sequences", ["END"]),
            _attr(
                "gen_ai.system_instructions", json.dumps([{"type": "text", "content": "Be kind."}])
            ),
            _attr(
                "gen_ai.input.messages",
                json.dumps(
                    [
                        {"role": "user", "parts": [{"type": "text", "content": "Where is A1001?"}]},
                        {
                            "role": "assistant",
                            "parts": [
                                {
                                    "type": "tool_call",
                                    "id": "c1",
                                    "name": "lookup_order",
                                    "arguments": {"order_id": "A1001"},
                                }
                            ],
                        },
                        {
                            "role": "tool",
                            "parts": [
                                {
                                    "type": "tool_call_response",
                                    "id": "c1",
                                    "response": {"status": "shipped"},
                                }
                            ],
                        },
                    ]
                ),
            ),
            _attr(
                "gen_ai.output.messages",
                json.dumps(
                    [
                        {
                            "role": "assistant",
                            "parts": [{"type": "text", "content": "It shipped."}],
                            "finish_reason": "stop",
                        }
                    ]
                ),
            ),
            _attr(
                "gen_ai.tool.definitions",
                json.dumps(
                    [{"type": "function", "name": "lookup_order", "parameters": {"type": "object"}}]
                ),
            ),
            _attr("gen_ai.usage.input_tokens", 40),
            _attr("gen_ai.usage.output_tokens", 4),
            _attr("gen_ai.response.finish_reasons", ["stop"]),
        ],
    }
    events = {
        "spanId": "s2",
        "name": "chat",
        "attributes": [_attr("gen_ai.request.model", "gpt-4o-mini")],
        "events": [
            {"name": "gen_ai.system.message", "attributes": [_attr("content", "Sys")]},
            {"name": "gen_ai.user.message", "attributes": [_attr("content", "Hi")]},
            {
                "name": "gen_ai.choice",
                "attributes": [
                    _attr(
                        "gen_ai.event.content",
                        json.dumps(
                            {"index": 0, "message": {"content": "Hello!"}, "finish_reason": "stop"}
                        ),
                    )
                ],
            },
        ],
    }
    indexed = {
        "spanId": "s3",
        "name": "openai.chat",
        "attributes": [
            _attr("gen_ai.request.model", "gpt-4o"),
            _attr("gen_ai.prompt.0.role", "user"),
            _attr("gen_ai.prompt.0.content", "Indexed question"),
            _attr("gen_ai.completion.0.content", "Indexed answer"),
        ],
    }
    http = {"spanId": "s4", "name": "GET /", "attributes": [_attr("http.method", "GET")]}
    p = tmp_path / "traces.json"
    p.write_text(json.dumps(_otlp([current, events, indexed, http]), indent=2))
    ds = load_dataset(p)
    s1, s2, s3 = ds.cases
    assert s1.request.system_text == "Be kind."
    assert [m.role for m in s1.request.messages] == ["system", "user", "assistant", "tool"]
    assert s1.request.messages[2].tool_calls[0].arguments == {"order_id": "A1001"}
    assert s1.request.messages[3].tool_call_id == "c1"
    assert (s1.request.temperature, s1.request.max_output_tokens, s1.request.stop) == (
        0.3,
        200,
        ["END"],
    )
    assert s1.request.tools[0].name == "lookup_order"
    assert s1.baseline_response is not None
    assert s1.baseline_response.text == "It shipped."
    assert s1.baseline_response.latency_s == pytest.approx(0.75)
    assert s1.baseline_response.usage.output_tokens == 4
    assert s1.call_site == "support"
    assert s1.tags == ["operation:chat"]
    assert s2.request.messages[1].text == "Hi"
    assert s2.baseline_response is not None
    assert s2.baseline_response.text == "Hello!"
    assert s3.request.messages[0].text == "Indexed question"
    assert ds.skipped == 1
    # one OTLP document per line (the file exporter)
    q = tmp_path / "traces.jsonl"
    q.write_text(json.dumps(_otlp([indexed])) + "\n" + json.dumps(_otlp([events])) + "\n")
    assert [c.id for c in load_dataset(q).cases] == ["s3", "s2"]


def test_otel_errors(tmp_path: Path) -> None:
    no_content = {"spanId": "s9", "attributes": [_attr("gen_ai.request.model", "gpt-4o")]}
    p = tmp_path / "t.json"
    p.write_text(json.dumps(_otlp([no_content])))
    with pytest.raises(InputError, match="records no prompt messages") as info:
        load_dataset(p)
    assert info.value.hint
    assert "CAPTURE_MESSAGE_CONTENT" in info.value.hint
    bad = {
        "spanId": "s8",
        "attributes": [
            _attr("gen_ai.request.model", "gpt-4o"),
            _attr("gen_ai.input.messages", '{"role": "user"}'),
        ],
    }
    p.write_text(json.dumps(_otlp([bad])))
    with pytest.raises(InputError, match="expected a JSON array"):
        load_dataset(p)
    p.write_text(json.dumps(_otlp([{"spanId": "x", "attributes": []}])))
    with pytest.raises(InputError, match="no GenAI spans"):
        load_dataset(p)


def test_recorded_response_shapes_and_errors() -> None:
    from switchover.chat import ChatResponse
    from switchover.evaluate.datasets import decode_recorded_response
    from switchover.evaluate.datasets.responses import detect_response_api
    from switchover.providers import gemini, openai_responses

    base = ChatResponse(model="m", text="hi there")
    gem = gemini.encode_response(base, model="gemini-2.5-flash")
    resp = openai_responses.encode_response(base, model="gpt-5")
    assert detect_response_api(gem) == "gemini.generate"
    assert detect_response_api(resp) == "openai.responses"
    for body in (gem, resp):
        out = decode_recorded_response(body, path="p", line=1, field="response", latency_s=0.5)
        assert out.text == "hi there"
        assert out.latency_s == 0.5
    neutral = decode_recorded_response({"text": "x"}, path="p", line=1, field="r", model="m2")
    assert neutral.model == "m2"
    with pytest.raises(InputError, match=r"p:3: r\.finish_reason"):
        decode_recorded_response(
            {"text": "x", "finish_reason": "bored"}, path="p", line=3, field="r"
        )
    with pytest.raises(InputError, match=r"p:4: r: choices: expected an array"):
        decode_recorded_response({"choices": "nope"}, path="p", line=4, field="r")


@pytest.mark.parametrize(
    "body",
    [
        {k: v for k, v in OPENAI_BODY.items() if k != "model"},
        {**OPENAI_BODY, "model": None},
        {k: v for k, v in ANTHROPIC_BODY.items() if k != "model"},
        {"request": {k: v for k, v in OPENAI_BODY.items() if k != "model"}, "tags": ["t"]},
    ],
)
def test_rows_without_model_take_the_baseline(tmp_path: Path, body: dict[str, Any]) -> None:
    p = tmp_path / "ds.jsonl"
    p.write_text(json.dumps(body) + "\n")
    ds = load_dataset(p, default_model="gpt-4o-2024-08-06")
    assert [c.request.model for c in ds.cases] == ["gpt-4o-2024-08-06"]


def test_bad_model_in_a_bare_row_names_line_and_field(tmp_path: Path) -> None:
    p = tmp_path / "ds.jsonl"
    p.write_text(json.dumps(OPENAI_BODY) + "\n" + json.dumps({**OPENAI_BODY, "model": 5}) + "\n")
    with pytest.raises(InputError) as exc:
        load_dataset(p, default_model="gpt-4o")
    assert str(exc.value).startswith(f"{p}:2: model: required string")
    assert "(row)" not in str(exc.value)
    p.write_text(json.dumps({**OPENAI_BODY, "messages": []}) + "\n")
    with pytest.raises(InputError, match=r":1: messages: at least one message"):
        load_dataset(p, default_model="gpt-4o")
