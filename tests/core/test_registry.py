from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from switchover.chat import ChatRequest, ChatResponse, Message, StreamEvent, Usage
from switchover.errors import UsageError
from switchover.providers.base import (
    Provider,
    ProviderSettings,
    available_providers,
    create_provider,
    register_provider,
)


class EchoProvider(Provider):
    name = "echo"

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings
        self.closed = False

    async def complete(self, request: ChatRequest) -> ChatResponse:
        return ChatResponse(model=request.model, text=request.messages[-1].text)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        for word in request.messages[-1].text.split(" "):
            yield StreamEvent(type="text", text=word + " ")
        yield StreamEvent(type="usage", usage=Usage(output_tokens=2))
        yield StreamEvent(type="finish", finish_reason="stop")

    async def aclose(self) -> None:
        self.closed = True


def test_builtins_are_registered_through_entry_points() -> None:
    names = available_providers()
    for builtin in (
        "openai",
        "openai-responses",
        "openai-compatible",
        "azure",
        "anthropic",
        "gemini",
        "sim",
    ):
        assert builtin in names


def test_unknown_provider_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown provider 'nope'") as info:
        create_provider("nope")
    assert info.value.hint is not None
    assert "openai" in info.value.hint


async def test_registered_provider_streams_and_folds() -> None:
    register_provider("echo", EchoProvider)
    assert "echo" in available_providers()
    provider = create_provider("echo", ProviderSettings(api_key="sk-secret-abcdefgh"))
    assert isinstance(provider, EchoProvider)
    req = ChatRequest(model="m", messages=[Message.user("hello world")])
    async with provider as p:
        whole = await p.complete(req)
        folded = await p.complete_streaming(req)
    assert whole.text == "hello world"
    assert folded.text == "hello world "
    assert folded.usage.output_tokens == 2
    assert provider.closed


def test_settings_repr_hides_key() -> None:
    s = ProviderSettings(api_key="sk-secret-abcdefgh")
    assert "sk-secret" not in repr(s)
    assert "<set>" in repr(s)
