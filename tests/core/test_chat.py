from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from switchover.chat import (
    ChatRequest,
    ChatResponse,
    ImagePart,
    Message,
    StreamEvent,
    TextPart,
    ToolCall,
    Usage,
    fold_stream,
)


def test_message_helpers_build_text_parts() -> None:
    m = Message.user("hello")
    assert m.role == "user"
    assert m.content == [TextPart(text="hello")]
    assert m.text == "hello"
    assert Message.assistant().content == []
    tool = Message.tool("call_1", "42", name="calc")
    assert (tool.tool_call_id, tool.name, tool.text) == ("call_1", "calc", "42")
    assert Message.system("s").role == "system"
    assert Message.developer("d").role == "developer"


def test_content_parts_are_discriminated_by_type() -> None:
    m = Message.model_validate(
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "look"},
                {"type": "image", "url": "https://example.com/a.png"},
            ],
        }
    )
    assert isinstance(m.content[1], ImagePart)
    assert m.text == "look"
    with pytest.raises(ValidationError):
        Message.model_validate({"role": "user", "content": [{"type": "video"}]})
    with pytest.raises(ValidationError):
        Message.model_validate({"role": "robot"})


def test_tool_call_parses_arguments_and_keeps_raw() -> None:
    ok = ToolCall.from_raw("c1", "f", '{"a": 1}')
    assert ok.arguments == {"a": 1}
    assert ok.arguments_raw == '{"a": 1}'
    bad = ToolCall.from_raw("c2", "f", '{"a": ')
    assert bad.arguments is None
    assert bad.arguments_raw == '{"a": '
    assert ToolCall.from_raw("c3", "f", "  ").arguments == {}
    built = ToolCall.from_args("c4", "f", {"x": "é"})
    assert json.loads(built.arguments_raw) == {"x": "é"}


def test_canonical_json_is_stable_and_ignores_stream_flag() -> None:
    a = ChatRequest(model="m", messages=[Message.user("hi")], temperature=0.2, stream=True)
    b = ChatRequest(temperature=0.2, messages=[Message.user("hi")], model="m")
    assert a.canonical_json() == b.canonical_json()
    c = ChatRequest(model="m", messages=[Message.user("hi")], temperature=0.3)
    assert a.canonical_json() != c.canonical_json()


def test_system_text_joins_system_and_developer() -> None:
    r = ChatRequest(
        model="m",
        messages=[Message.system("a"), Message.user("u"), Message.developer("b")],
    )
    assert r.system_text == "a\n\nb"


def test_usage_addition_and_total() -> None:
    u = Usage(input_tokens=3, output_tokens=4, cached_input_tokens=1, reasoning_tokens=2)
    v = u + u
    assert (v.input_tokens, v.output_tokens, v.cached_input_tokens, v.reasoning_tokens) == (
        6,
        8,
        2,
        4,
    )
    assert u.total_tokens == 7


def test_fold_stream_equals_whole_response() -> None:
    events = [
        StreamEvent(type="start", id="r1", model="m"),
        StreamEvent(type="text", text="Hel"),
        StreamEvent(type="text", text="lo"),
        StreamEvent(type="reasoning", text="think"),
        StreamEvent(type="tool_call_start", index=0, tool_call_id="c1", name="get"),
        StreamEvent(type="tool_call_delta", index=0, arguments_delta='{"id":'),
        StreamEvent(type="tool_call_delta", index=0, arguments_delta=' "A1"}'),
        StreamEvent(type="tool_call_start", index=1, tool_call_id="c2", name="put"),
        StreamEvent(type="usage", usage=Usage(input_tokens=10)),
        StreamEvent(type="usage", usage=Usage(output_tokens=5)),
        StreamEvent(type="finish", finish_reason="tool_calls"),
    ]
    resp = fold_stream(events)
    assert resp.id == "r1"
    assert resp.model == "m"
    assert resp.text == "Hello"
    assert resp.reasoning_text == "think"
    assert [c.name for c in resp.tool_calls] == ["get", "put"]
    assert resp.tool_calls[0].arguments == {"id": "A1"}
    assert resp.tool_calls[1].arguments == {}
    assert resp.usage == Usage(input_tokens=10, output_tokens=5)
    assert resp.finish_reason == "tool_calls"


def test_fold_stream_defaults_finish_reason_and_refusal() -> None:
    resp = fold_stream([StreamEvent(type="refusal", text="no")], model="m")
    assert resp.finish_reason == "stop"
    assert resp.refusal == "no"
    with_call = fold_stream([StreamEvent(type="tool_call_delta", arguments_delta="{}")])
    assert with_call.finish_reason == "tool_calls"


def test_response_to_message() -> None:
    r = ChatResponse(model="m", text="hi", tool_calls=[ToolCall.from_args("c", "f", {})])
    m = r.to_message()
    assert m.role == "assistant"
    assert m.text == "hi"
    assert m.tool_calls[0].name == "f"


def test_unknown_request_fields_are_rejected() -> None:
    with pytest.raises(ValidationError):
        ChatRequest.model_validate({"model": "m", "messages": [], "bogus": 1})
