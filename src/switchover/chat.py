"""The neutral chat model every provider codec maps to and from.

Evaluation, adaptation and the gateway only ever see these types. Provider-specific fields
that have no neutral meaning are kept verbatim in ``ChatRequest.extra`` (for example
``logit_bias`` or Anthropic's ``output_config``), so a codec can round-trip them and the
adapter can decide what to do with them on another provider.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ChatRequest",
    "ChatResponse",
    "ContentPart",
    "FinishReason",
    "ImagePart",
    "Message",
    "ResponseFormat",
    "Role",
    "StreamAccumulator",
    "StreamEvent",
    "TextPart",
    "Thinking",
    "Tool",
    "ToolCall",
    "ToolChoice",
    "Usage",
    "fold_stream",
]

Role = Literal["system", "developer", "user", "assistant", "tool"]
FinishReason = Literal[
    "stop", "length", "tool_calls", "content_filter", "refusal", "error", "other"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class TextPart(_Model):
    type: Literal["text"] = "text"
    text: str


class ImagePart(_Model):
    """An image given by URL or inline base64 ``data`` with its ``media_type``."""

    type: Literal["image"] = "image"
    url: str | None = None
    data: str | None = None
    media_type: str | None = None
    detail: Literal["auto", "low", "high"] | None = None


ContentPart = Annotated[TextPart | ImagePart, Field(discriminator="type")]


class ToolCall(_Model):
    """A call the model asked for. ``arguments`` is the parsed JSON (``None`` when the
    model produced invalid JSON); ``arguments_raw`` is the exact string it produced."""

    id: str
    name: str
    arguments: Any = None
    arguments_raw: str = ""

    @classmethod
    def from_raw(cls, id: str, name: str, arguments_raw: str) -> ToolCall:
        try:
            parsed: Any = json.loads(arguments_raw) if arguments_raw.strip() else {}
        except ValueError:
            parsed = None
        return cls(id=id, name=name, arguments=parsed, arguments_raw=arguments_raw)

    @classmethod
    def from_args(cls, id: str, name: str, arguments: Any) -> ToolCall:
        return cls(
            id=id,
            name=name,
            arguments=arguments,
            arguments_raw=json.dumps(arguments, separators=(",", ":"), ensure_ascii=False),
        )


class Message(_Model):
    role: Role
    content: list[ContentPart] = Field(default_factory=list)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None  # role "tool": the call this message answers
    name: str | None = None  # optional participant name / tool name for role "tool"

    @property
    def text(self) -> str:
        """All text parts joined (images ignored)."""
        return "".join(p.text for p in self.content if isinstance(p, TextPart))

    @classmethod
    def of(cls, role: Role, text: str, **kwargs: Any) -> Message:
        return cls(role=role, content=[TextPart(text=text)] if text else [], **kwargs)

    @classmethod
    def system(cls, text: str) -> Message:
        return cls.of("system", text)

    @classmethod
    def developer(cls, text: str) -> Message:
        return cls.of("developer", text)

    @classmethod
    def user(cls, text: str) -> Message:
        return cls.of("user", text)

    @classmethod
    def assistant(cls, text: str = "", tool_calls: Iterable[ToolCall] = ()) -> Message:
        return cls.of("assistant", text, tool_calls=list(tool_calls))

    @classmethod
    def tool(cls, tool_call_id: str, text: str, name: str | None = None) -> Message:
        return cls.of("tool", text, tool_call_id=tool_call_id, name=name)


class Tool(_Model):
    """A function tool described by a JSON Schema for its parameters."""

    name: str
    description: str | None = None
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None


class ToolChoice(_Model):
    """``auto`` / ``none`` / ``required`` (any tool), or ``tool`` with a ``name``."""

    mode: Literal["auto", "none", "required", "tool"] = "auto"
    name: str | None = None


class ResponseFormat(_Model):
    type: Literal["text", "json_object", "json_schema"] = "text"
    name: str | None = None
    json_schema: dict[str, Any] | None = None
    strict: bool | None = None


class Thinking(_Model):
    """Extended thinking in Anthropic's terms (Gemini's thinking budget maps here too)."""

    mode: Literal["enabled", "adaptive", "disabled"]
    budget_tokens: int | None = None


class ChatRequest(_Model):
    model: str
    messages: list[Message]
    tools: list[Tool] = Field(default_factory=list)
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormat | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    max_output_tokens: int | None = None
    # OpenAI Chat Completions has two spellings for the limit; which one the caller used
    # matters to migrations (reasoning models reject ``max_tokens``). None: codec decides.
    max_tokens_field: Literal["max_tokens", "max_completion_tokens"] | None = None
    stop: list[str] = Field(default_factory=list)
    seed: int | None = None
    reasoning_effort: str | None = None
    thinking: Thinking | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    user: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    stream: bool = False
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def system_text(self) -> str:
        """Text of all system and developer messages, in order, joined by blank lines."""
        return "\n\n".join(m.text for m in self.messages if m.role in ("system", "developer"))

    def canonical_json(self) -> str:
        """A stable serialisation (sorted keys, defaults dropped): the cache key's input."""
        data = self.model_dump(mode="json", exclude_defaults=True)
        data.pop("stream", None)
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Usage(_Model):
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
        )


class ChatResponse(_Model):
    model: str
    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    finish_reason: FinishReason = "stop"
    refusal: str | None = None
    reasoning_text: str | None = None
    usage: Usage = Field(default_factory=Usage)
    id: str | None = None
    provider: str | None = None
    provider_request_id: str | None = None
    latency_s: float | None = None
    ttft_s: float | None = None
    raw: Any = None

    def to_message(self) -> Message:
        return Message.assistant(self.text, self.tool_calls)


StreamEventType = Literal[
    "start",  # id, model
    "text",  # text delta
    "reasoning",  # reasoning/thinking text delta
    "tool_call_start",  # index, tool_call_id, name
    "tool_call_delta",  # index, arguments_delta
    "usage",  # usage (may arrive more than once; later values win field by field)
    "finish",  # finish_reason
    "refusal",  # refusal text delta
]


class StreamEvent(_Model):
    """One neutral streaming event; ``fold_stream`` turns a sequence back into a response."""

    type: StreamEventType
    text: str | None = None
    index: int | None = None
    tool_call_id: str | None = None
    name: str | None = None
    arguments_delta: str | None = None
    usage: Usage | None = None
    finish_reason: FinishReason | None = None
    id: str | None = None
    model: str | None = None
    raw: Any = None


class StreamAccumulator:
    """Folds stream events into a :class:`ChatResponse`, event by event."""

    def __init__(self, model: str = "") -> None:
        self.model = model
        self.id: str | None = None
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._refusal: list[str] = []
        self._calls: dict[int, dict[str, Any]] = {}
        self.usage = Usage()
        self.finish_reason: FinishReason | None = None
        self.events = 0

    def add(self, event: StreamEvent) -> None:
        self.events += 1
        t = event.type
        if t == "text" and event.text:
            self._text.append(event.text)
        elif t == "start":
            self.id = event.id or self.id
            self.model = event.model or self.model
        elif t == "tool_call_start":
            idx = event.index if event.index is not None else len(self._calls)
            call = self._calls.setdefault(idx, {"id": "", "name": "", "args": []})
            call["id"] = event.tool_call_id or call["id"]
            call["name"] = event.name or call["name"]
            if event.arguments_delta:
                call["args"].append(event.arguments_delta)
        elif t == "tool_call_delta":
            idx = event.index if event.index is not None else max(self._calls, default=0)
            call = self._calls.setdefault(idx, {"id": "", "name": "", "args": []})
            if event.arguments_delta:
                call["args"].append(event.arguments_delta)
        elif t == "reasoning" and event.text:
            self._reasoning.append(event.text)
        elif t == "refusal" and event.text:
            self._refusal.append(event.text)
        elif t == "usage" and event.usage is not None:
            u = event.usage
            self.usage = Usage(
                input_tokens=u.input_tokens or self.usage.input_tokens,
                cached_input_tokens=u.cached_input_tokens or self.usage.cached_input_tokens,
                output_tokens=u.output_tokens or self.usage.output_tokens,
                reasoning_tokens=u.reasoning_tokens or self.usage.reasoning_tokens,
            )
        elif t == "finish":
            self.finish_reason = event.finish_reason or self.finish_reason

    def response(self, **kwargs: Any) -> ChatResponse:
        calls = [
            ToolCall.from_raw(c["id"], c["name"], "".join(c["args"]))
            for _, c in sorted(self._calls.items())
        ]
        finish: FinishReason = self.finish_reason or ("tool_calls" if calls else "stop")
        return ChatResponse(
            model=self.model,
            id=self.id,
            text="".join(self._text),
            reasoning_text="".join(self._reasoning) or None,
            refusal="".join(self._refusal) or None,
            tool_calls=calls,
            usage=self.usage,
            finish_reason=finish,
            **kwargs,
        )


def fold_stream(events: Iterable[StreamEvent], model: str = "") -> ChatResponse:
    """Fold a complete event sequence into the response a non-streaming call would give."""
    acc = StreamAccumulator(model)
    for ev in events:
        acc.add(ev)
    return acc.response()
