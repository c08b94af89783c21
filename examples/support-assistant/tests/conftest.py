"""Offline fixtures: the real OpenAI client over an httpx.MockTransport that plays a script."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import OpenAI

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def completion(message: dict[str, Any], model: str = "gpt-4o-2024-08-06") -> dict[str, Any]:
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1764115200,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
    }


def tool_call(name: str, arguments: dict[str, Any], call_id: str = "call_1") -> dict[str, Any]:
    return {
        "content": None,
        "tool_calls": [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
        ],
    }


def final(reply: str, **fields: Any) -> dict[str, Any]:
    body = {"reply": reply, "order_id": None, "ticket_id": None, "escalate": False, **fields}
    return {"content": json.dumps(body)}


class Script:
    """Replies in order and records every request body."""

    def __init__(self) -> None:
        self.replies: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/chat/completions")
        self.requests.append(json.loads(request.content))
        if not self.replies:
            return httpx.Response(
                500, json={"error": {"message": "script exhausted", "type": "server_error"}}
            )
        return httpx.Response(200, json=completion(self.replies.pop(0)))


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def client(script: Script) -> Iterator[OpenAI]:
    http = httpx.Client(transport=httpx.MockTransport(script.handler))
    with OpenAI(
        api_key="sk-test", base_url="http://fake.local/v1", http_client=http, max_retries=0
    ) as c:
        yield c


ReplyFactory = Callable[..., dict[str, Any]]
