"""Property tests: neutral -> wire -> neutral is the identity for the OpenAI codecs, for
requests and responses, streamed and not."""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from switchover.chat import (
    ChatRequest,
    ChatResponse,
    ImagePart,
    Message,
    ResponseFormat,
    StreamEvent,
    TextPart,
    Tool,
    ToolCall,
    ToolChoice,
    Usage,
    fold_stream,
)
from switchover.providers import openai_chat as oc
from switchover.providers import openai_responses as orr
from switchover.providers._replay import public_extra
from switchover.providers._sse import parse_sse_text

words = st.text(alphabet="abcdefghij XYZ.,!\n{}\"'é✓", min_size=1, max_size=12)
names = st.text(alphabet="abcdefgh_", min_size=1, max_size=8)
args = st.dictionaries(names, st.one_of(st.integers(-5, 5), words), max_size=3)
calls = st.lists(
    st.builds(ToolCall.from_args, st.from_regex(r"call_[a-z0-9]{4}", fullmatch=True), names, args),
    min_size=1,
    max_size=3,
)
image = st.one_of(
    st.builds(
        ImagePart,
        url=st.just("https://example.com/i.png"),
        detail=st.sampled_from([None, "low", "high"]),
    ),
    st.builds(
        ImagePart,
        data=st.just("iVBORw0KGgo="),
        media_type=st.sampled_from(["image/png", "image/jpeg"]),
    ),
)


@st.composite
def messages(draw: Any, *, multi_text_system: bool) -> list[Message]:
    out: list[Message] = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["system", "developer", "user", "assistant", "tool"]))
        if kind in ("system", "developer"):
            n = draw(st.integers(1, 2 if multi_text_system else 1))
            out.append(Message(role=kind, content=[TextPart(text=draw(words)) for _ in range(n)]))
        elif kind == "user":
            parts = draw(
                st.lists(st.one_of(st.builds(TextPart, text=words), image), min_size=1, max_size=3)
            )
            out.append(Message(role="user", content=parts))
        elif kind == "assistant":
            text = draw(st.one_of(st.just(""), words))
            tcs = draw(st.one_of(st.just([]), calls))
            out.append(Message.assistant(text, tcs))
        else:
            out.append(
                Message.tool(draw(st.from_regex(r"call_[a-z0-9]{4}", fullmatch=True)), draw(words))
            )
    return out


tools = st.lists(
    st.builds(
        Tool,
        name=names,
        description=st.one_of(st.none(), words),
        parameters=st.just({"type": "object", "properties": {"x": {"type": "string"}}}),
        strict=st.one_of(st.none(), st.booleans()),
    ),
    max_size=2,
)
choices = st.one_of(
    st.none(),
    st.builds(ToolChoice, mode=st.sampled_from(["auto", "none", "required"])),
    st.builds(ToolChoice, mode=st.just("tool"), name=names),
)
formats = st.one_of(
    st.none(),
    st.builds(ResponseFormat, type=st.sampled_from(["text", "json_object"])),
    st.builds(
        ResponseFormat,
        type=st.just("json_schema"),
        name=names,
        json_schema=st.just({"type": "object"}),
        strict=st.one_of(st.none(), st.booleans()),
    ),
)
maybe_float = st.one_of(st.none(), st.floats(0, 2, allow_nan=False).map(lambda x: round(x, 2)))


def _strip(req: ChatRequest) -> dict[str, Any]:
    data = req.model_dump()
    data["extra"] = public_extra(req.extra)
    return data


@settings(max_examples=100, deadline=None)
@given(
    msgs=messages(multi_text_system=True),
    tool_list=tools,
    choice=choices,
    fmt=formats,
    temperature=maybe_float,
    limit=st.one_of(st.none(), st.integers(1, 4096)),
    field=st.sampled_from(["max_tokens", "max_completion_tokens"]),
    stop=st.lists(words, max_size=2),
    seed=st.one_of(st.none(), st.integers(0, 99)),
    stream=st.booleans(),
)
def test_chat_request_round_trip(
    msgs: list[Message],
    tool_list: list[Tool],
    choice: ToolChoice | None,
    fmt: ResponseFormat | None,
    temperature: float | None,
    limit: int | None,
    field: Any,
    stop: list[str],
    seed: int | None,
    stream: bool,
) -> None:
    req = ChatRequest(
        model="gpt-x",
        messages=msgs,
        tools=tool_list,
        tool_choice=choice,
        response_format=fmt,
        temperature=temperature,
        max_output_tokens=limit,
        max_tokens_field=field if limit else None,
        stop=stop,
        seed=seed,
        stream=stream,
        extra={"n": 1},
    )
    wire = json.loads(json.dumps(oc.encode_request(req)))
    back = oc.decode_request(wire)
    expected = _strip(req)
    if stream:
        expected["extra"]["stream_options"] = {"include_usage": True}
    assert _strip(back) == expected
    assert oc.encode_request(back) == wire


@settings(max_examples=100, deadline=None)
@given(
    msgs=messages(multi_text_system=False),
    tool_list=tools,
    choice=choices,
    fmt=formats,
    top_p=maybe_float,
    limit=st.one_of(st.none(), st.integers(1, 4096)),
    effort=st.one_of(st.none(), st.sampled_from(["minimal", "low", "medium", "high"])),
)
def test_responses_request_round_trip(
    msgs: list[Message],
    tool_list: list[Tool],
    choice: ToolChoice | None,
    fmt: ResponseFormat | None,
    top_p: float | None,
    limit: int | None,
    effort: str | None,
) -> None:
    # Two assistant turns in a row are one turn on this wire (calls join the message before).
    assume(not any(a.role == b.role == "assistant" for a, b in itertools.pairwise(msgs)))
    req = ChatRequest(
        model="o-x",
        messages=msgs,
        tools=tool_list,
        tool_choice=choice,
        response_format=fmt,
        top_p=top_p,
        max_output_tokens=limit,
        reasoning_effort=effort,
        extra={"store": False},
    )
    wire = json.loads(json.dumps(orr.encode_request(req)))
    back = orr.decode_request(wire)
    expected = _strip(req)
    expected["tools"] = [{**t, "strict": t["strict"] or False} for t in expected["tools"]]
    for m in expected["messages"]:  # input_image always states its detail (default auto)
        for p in m["content"]:
            if p["type"] == "image" and p["detail"] is None:
                p["detail"] = "auto"
    assert _strip(back) == expected
    assert orr.encode_request(back) == wire


@st.composite
def responses(draw: Any) -> ChatResponse:
    tcs = draw(st.one_of(st.just([]), calls))
    text = draw(st.one_of(st.just(""), words))
    refusal = draw(st.one_of(st.none(), words)) if not tcs else None
    finish = "tool_calls" if tcs else draw(st.sampled_from(["stop", "length", "content_filter"]))
    if refusal and not text and finish == "stop":
        finish = "refusal"
    return ChatResponse(
        model="m",
        text=text,
        tool_calls=tcs,
        refusal=refusal,
        finish_reason=finish,
        reasoning_text=draw(st.one_of(st.none(), words)),
        usage=Usage(
            input_tokens=draw(st.integers(1, 900)),
            cached_input_tokens=draw(st.integers(0, 5)),
            output_tokens=draw(st.integers(1, 900)),
            reasoning_tokens=draw(st.integers(0, 5)),
        ),
    )


def _events(resp: ChatResponse, split: int) -> list[StreamEvent]:
    def chunks(s: str) -> list[str]:
        return [s[i : i + split] for i in range(0, len(s), split)] or []

    evs = [StreamEvent(type="start", model=resp.model)]
    evs += [StreamEvent(type="reasoning", text=c) for c in chunks(resp.reasoning_text or "")]
    evs += [StreamEvent(type="text", text=c) for c in chunks(resp.text)]
    evs += [StreamEvent(type="refusal", text=c) for c in chunks(resp.refusal or "")]
    for i, tc in enumerate(resp.tool_calls):
        parts = chunks(tc.arguments_raw)
        evs.append(StreamEvent(type="tool_call_start", index=i, tool_call_id=tc.id, name=tc.name))
        evs += [StreamEvent(type="tool_call_delta", index=i, arguments_delta=p) for p in parts]
    evs.append(StreamEvent(type="usage", usage=resp.usage))
    evs.append(StreamEvent(type="finish", finish_reason=resp.finish_reason))
    return evs


KEEP = {"text", "tool_calls", "finish_reason", "refusal", "reasoning_text", "usage"}


@settings(max_examples=100, deadline=None)
@given(resp=responses(), split=st.integers(1, 7))
def test_chat_response_and_stream_round_trip(resp: ChatResponse, split: int) -> None:
    assert oc.decode_response(oc.encode_response(resp, model="m")).model_dump(
        include=KEEP
    ) == resp.model_dump(include=KEEP)
    enc = oc.StreamEncoder("m")
    frames = [f for ev in _events(resp, split) for f in enc.encode(ev)] + enc.close()
    dec = oc.StreamDecoder()
    events = [
        e
        for _, d in parse_sse_text(b"".join(frames))
        if d != "[DONE]"
        for e in dec.feed(None, json.loads(d))
    ]
    assert fold_stream(events).model_dump(include=KEEP) == resp.model_dump(include=KEEP)


@settings(max_examples=100, deadline=None)
@given(resp=responses(), split=st.integers(1, 7))
def test_responses_response_and_stream_round_trip(resp: ChatResponse, split: int) -> None:
    body = orr.encode_response(resp, model="m")
    assert orr.decode_response(body).model_dump(include=KEEP) == resp.model_dump(include=KEEP)
    enc = orr.StreamEncoder("m")
    frames = [f for ev in _events(resp, split) for f in enc.encode(ev)] + enc.close()
    dec = orr.StreamDecoder()
    events = [
        e for name, d in parse_sse_text(b"".join(frames)) for e in dec.feed(name, json.loads(d))
    ]
    assert fold_stream(events).model_dump(include=KEEP) == resp.model_dump(include=KEEP)
