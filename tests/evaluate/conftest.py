"""Helpers for the runner / engine / CLI tests: a plan on the simulator, fake providers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from switchover.chat import ChatRequest, ChatResponse, StreamEvent, Usage
from switchover.providers.base import Provider

PROFILES = """\
[profiles.old]
base = "baseline"
[profiles.old.latency]
time_scale = 0

[profiles.new]
base = "baseline"
fenced_json_rate = 0.5
[profiles.new.latency]
time_scale = 0

[models]
"gpt-4o*" = "old"
"gpt-6*" = "new"
"*" = "old"
"""

PLAN = """\
[project]
store = "sqlite:///state.db"
reports_dir = "reports"

[upstreams.sim]
provider = "sim"
options = {{ profiles = "profiles.toml", seed = 1 }}

[[migrations]]
name = "bot"
from = "openai:gpt-4o-2024-08-06"
to = "openai:gpt-6-luna"
{extra}
[migrations.eval]
datasets = ["data.jsonl"]
{eval_extra}
"""

TOPICS = [
    "billing",
    "shipping",
    "returns",
    "password",
    "invoice",
    "warranty",
    "refund",
    "delivery",
    "account",
    "coupon",
]


def request_body(i: int, *, json_answer: bool = False) -> dict[str, Any]:
    topic = TOPICS[i % len(TOPICS)]
    body: dict[str, Any] = {
        "model": "gpt-4o-2024-08-06",
        "messages": [
            {"role": "system", "content": "You are a helpful support agent."},
            {"role": "user", "content": f"Question {i}: how does {topic} work for case {i}?"},
        ],
        "max_tokens": 2000,
        "temperature": 0.3,
    }
    if json_answer:
        body["response_format"] = {"type": "json_object"}
        body["messages"][0]["content"] += ' Reply in JSON with "answer" and "topic".'
    return body


def write_plan(
    tmp_path: Path, n: int = 24, *, extra: str = "", eval_extra: str = "", json_share: int = 2
) -> Path:
    (tmp_path / "profiles.toml").write_text(PROFILES)
    rows = [
        {
            "id": f"c{i:03d}",
            "request": request_body(i, json_answer=i % json_share == 0),
            "tags": [TOPICS[i % 3]],
        }
        for i in range(n)
    ]
    (tmp_path / "data.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    plan = tmp_path / "switchover.toml"
    plan.write_text(PLAN.format(extra=extra, eval_extra=eval_extra))
    return plan


class FakeProvider(Provider):
    """Answers at once; ``fail(request, call_no)`` may raise to inject errors."""

    name = "fake"

    def __init__(self, fail: Callable[[ChatRequest, int], None] | None = None) -> None:
        self.requests: list[ChatRequest] = []
        self.fail = fail

    async def complete(self, request: ChatRequest) -> ChatResponse:
        self.requests.append(request)
        if self.fail is not None:
            self.fail(request, len(self.requests))
        last = request.messages[-1].text if request.messages else ""
        return ChatResponse(
            model=request.model,
            text=f"Answer about: {last}",
            usage=Usage(input_tokens=20, output_tokens=8),
            latency_s=0.2,
            ttft_s=0.05,
        )

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        if not request.messages:
            yield StreamEvent(type="finish", finish_reason="stop")
        raise NotImplementedError


@pytest.fixture
def fake() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def make_plan() -> Callable[..., Path]:
    return write_plan


@pytest.fixture
def fake_cls() -> type[FakeProvider]:
    return FakeProvider
