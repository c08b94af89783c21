"""Property tests: identity on the model a request was written for, acceptance by every
target, and OpenAI -> Anthropic -> OpenAI preserving messages, tools and tool results."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from switchover.adapt import adapt, probe_body
from switchover.adapt.wire import encode_wire
from switchover.catalog.rules import check_request
from switchover.chat import (
    ChatRequest,
    Message,
    ResponseFormat,
    Thinking,
    Tool,
    ToolCall,
    ToolChoice,
)
from switchover.providers import anthropic, openai_chat

MODELS = [
    "gpt-4o", "gpt-4.1", "gpt-5", "gpt-5-mini", "gpt-5.6-sol", "gpt-6-luna", "gpt-6.2-sol",
    "o3", "gpt-5-chat-latest", "claude-3-7-sonnet-20250219", "claude-sonnet-4-5",
    "claude-haiku-4-5", "claude-opus-4-6", "claude-opus-4-7", "claude-opus-5",
    "claude-opus-5-5", "claude-fable-5", "claude-mythos-5", "gemini-2.5-pro",
    "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-3.5-flash", "gemini-3.8-flash",
]  # fmt: skip
_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.text(alphabet="abcdefghij XYZ.,?!{}", min_size=1, max_size=20).filter(str.strip)
json_value = st.one_of(st.integers(-5, 5), st.booleans(), text)
arguments = st.dictionaries(st.sampled_from(["q", "n", "flag"]), json_value, max_size=3)
tools = st.lists(
    st.builds(
        Tool,
        name=st.sampled_from(["lookup", "search", "calc"]),
        description=st.one_of(st.none(), text),
        parameters=st.just({"type": "object", "properties": {"q": {"type": "string"}}}),
    ),
    max_size=3,
    unique_by=lambda t: t.name,
)


@st.composite
def conversations(draw: st.DrawFn) -> list[Message]:
    msgs: list[Message] = []
    if draw(st.booleans()):
        msgs.append(Message.system(draw(text)))
    counter = 0
    for _ in range(draw(st.integers(1, 3))):
        msgs.append(Message.user(draw(text)))
        n_calls = draw(st.integers(0, 2))
        if n_calls:
            calls = []
            for _ in range(n_calls):
                counter += 1
                calls.append(ToolCall.from_args(f"call_{counter}", "lookup", draw(arguments)))
            msgs.append(Message.assistant(draw(st.sampled_from(["", "checking"])), calls))
            msgs.extend(Message.tool(c.id, draw(text)) for c in calls)
        msgs.append(Message.assistant(draw(text)))
    msgs.append(Message.user(draw(text)))
    return msgs


@st.composite
def requests(draw: st.DrawFn, model: str | None = None) -> ChatRequest:
    return ChatRequest(
        model=model or draw(st.sampled_from(MODELS)),
        messages=draw(conversations()),
        tools=draw(tools),
        temperature=draw(st.one_of(st.none(), st.sampled_from([0.0, 0.3, 1.0]))),
        top_p=draw(st.one_of(st.none(), st.sampled_from([0.5, 1.0]))),
        max_output_tokens=draw(st.one_of(st.none(), st.integers(1, 3000))),
        max_tokens_field=draw(st.sampled_from([None, "max_tokens", "max_completion_tokens"])),
        stop=draw(st.lists(st.sampled_from(["END", "\n\n"]), max_size=2, unique=True)),
        reasoning_effort=draw(
            st.one_of(st.none(), st.sampled_from(["none", "minimal", "low", "high", "xhigh"]))
        ),
        presence_penalty=draw(st.one_of(st.none(), st.just(0.5))),
        seed=draw(st.one_of(st.none(), st.just(3))),
        response_format=draw(
            st.one_of(
                st.none(),
                st.just(ResponseFormat(type="json_object")),
                st.just(
                    ResponseFormat(type="json_schema", name="o", json_schema={"type": "object"})
                ),
            )
        ),
    )


@_SETTINGS
@given(requests())
def test_adapting_to_the_same_model_is_identity(req: ChatRequest) -> None:
    result = adapt(req, req.model)
    assert result.changes == []
    assert result.request == req


@_SETTINGS
@given(requests(), st.sampled_from(MODELS))
def test_adapted_request_is_accepted_by_the_target(req: ChatRequest, target: str) -> None:
    assume(target != req.model)  # same model: identity, tested above
    result = adapt(req, target)
    assert not [w for w in result.warnings if "still rejected" in w or "cannot encode" in w]
    body = encode_wire(result.request, result.target_api)
    assert body is not None
    assert check_request(result.request.model, body, result.target_api) == []
    assert (
        check_request(target, probe_body(result.request, result.target_api), result.target_api)
        == []
    )
    for change in result.changes:
        assert change.reason
        assert change.source_url
        if change.rule_id:
            assert change.source_url
            assert change.source_url.startswith("https://")


def _calls(msgs: list[Message]) -> list[tuple[str, str, Any]]:
    return [(c.id, c.name, c.arguments) for m in msgs for c in m.tool_calls]


def _results(msgs: list[Message]) -> list[tuple[str | None, str]]:
    return [(m.tool_call_id, m.text) for m in msgs if m.role == "tool"]


def _dialogue(msgs: list[Message]) -> list[tuple[str, str]]:
    return [(m.role, m.text) for m in msgs if m.role in ("user", "assistant")]


@_SETTINGS
@given(
    requests(model="gpt-4.1"),
    st.sampled_from(["claude-sonnet-4-5", "claude-opus-5", "claude-haiku-4-5"]),
)
def test_openai_anthropic_openai_round_trip(req: ChatRequest, claude: str) -> None:
    req = req.model_copy(
        update={
            "response_format": None,
            "tool_choice": ToolChoice(mode="auto") if req.tools else None,
        }
    )
    there = adapt(req, claude)
    wire_a = anthropic.encode_request(there.request)
    back_in = anthropic.decode_request(wire_a)
    home = adapt(back_in, "gpt-4.1", source=claude, source_api="anthropic.messages")
    final = openai_chat.decode_request(openai_chat.encode_request(home.request))

    assert _dialogue(final.messages) == _dialogue(req.messages)
    assert _calls(final.messages) == _calls(req.messages)
    assert _results(final.messages) == _results(req.messages)
    assert final.system_text == req.system_text
    assert [(t.name, t.description, t.parameters) for t in final.tools] == [
        (t.name, t.description, t.parameters) for t in req.tools
    ]
    assert final.tool_choice == req.tool_choice


def test_round_trip_keeps_thinking_free_history_on_a_fixed_example() -> None:
    call = ToolCall.from_args("call_1", "lookup", {"q": "weather"})
    req = ChatRequest(
        model="gpt-4o",
        messages=[
            Message.system("s"),
            Message.user("q"),
            Message.assistant("", [call]),
            Message.tool("call_1", "sunny"),
            Message.user("thanks"),
        ],
        tools=[Tool(name="lookup")],
        thinking=None,
    )
    there = adapt(req, "claude-opus-4-7")
    assert there.request.thinking is None or isinstance(there.request.thinking, Thinking)
    back = adapt(anthropic.decode_request(anthropic.encode_request(there.request)), "gpt-4o",
                 source="claude-opus-4-7", source_api="anthropic.messages")  # fmt: skip
    assert _calls(back.request.messages) == _calls(req.messages)
    assert _results(back.request.messages) == _results(req.messages)
