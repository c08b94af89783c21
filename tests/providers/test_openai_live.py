"""Real OpenAI calls (``pytest --run-live`` with OPENAI_API_KEY set); skipped otherwise."""

from __future__ import annotations

import os

import pytest

from switchover.chat import ChatRequest, Message
from switchover.providers import openai_chat, openai_responses
from switchover.providers.base import ProviderSettings

pytestmark = pytest.mark.live

MODEL = os.environ.get("SWITCHOVER_LIVE_OPENAI_MODEL", "gpt-4.1-mini")
REQ = ChatRequest(
    model=MODEL, messages=[Message.user("Reply with the single word: pong")], max_output_tokens=16
)


@pytest.fixture(autouse=True)
def _need_key() -> None:
    if not os.environ.get("OPENAI_API_KEY"):
        pytest.skip("OPENAI_API_KEY is not set")


async def test_live_chat_complete_and_stream() -> None:
    async with openai_chat.create_provider(ProviderSettings(max_retries=1)) as p:
        whole = await p.complete(REQ)
        streamed = await p.complete_streaming(REQ)
    assert "pong" in whole.text.lower()
    assert "pong" in streamed.text.lower()
    assert whole.usage.input_tokens > 0
    assert streamed.usage.output_tokens > 0
    assert whole.provider_request_id


async def test_live_responses_complete_and_stream() -> None:
    async with openai_responses.create_provider(ProviderSettings(max_retries=1)) as p:
        whole = await p.complete(REQ)
        streamed = await p.complete_streaming(REQ)
    assert "pong" in whole.text.lower()
    assert "pong" in streamed.text.lower()
    assert streamed.usage.input_tokens > 0
