"""Shared request builders for the simulator tests, and a ``sim serve`` subprocess."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

from switchover.chat import ChatRequest, Message, ResponseFormat, Tool
from switchover.providers.sim import BUILTIN_PROFILES, SimEngine, SimProfile

TOPICS = [
    "reset my password",
    "update the billing address on my invoice",
    "cancel my subscription renewal",
    "change the delivery date for my parcel",
    "download last month's receipt",
    "enable two-factor authentication",
    "merge two customer accounts",
    "export my contacts to a spreadsheet",
    "transfer my warranty to a new owner",
    "report a damaged item in my shipment",
]

ORDER_TOOLS = [
    Tool(
        name="get_order_status",
        description="Look up the shipping status of an order by its order id",
        parameters={
            "type": "object",
            "properties": {
                "order_id": {"type": "string", "pattern": "^A\\d{4}$"},
                "customer_id": {"type": "string"},
                "include_history": {"type": "boolean"},
            },
            "required": ["order_id", "customer_id"],
            "additionalProperties": False,
        },
    ),
    Tool(
        name="search_help_center",
        description="Search help articles for a question",
        parameters={
            "type": "object",
            "properties": {"query": {"type": "string"}},
            "required": ["query"],
        },
    ),
]

TICKET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "category": {"type": "string", "enum": ["billing", "shipping", "account", "other"]},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
        "summary": {"type": "string", "minLength": 5},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    },
    "required": ["category", "priority", "summary", "tags"],
    "additionalProperties": False,
}


def question(i: int) -> str:
    topic = TOPICS[i % len(TOPICS)]
    return f"Hi, how do I {topic}? I tried twice this week (case {1000 + i})."


def text_request(i: int, model: str = "gpt-4o") -> ChatRequest:
    return ChatRequest(
        model=model,
        messages=[
            Message.system("You are a helpful support assistant."),
            Message.user(question(i)),
        ],
    )


def json_request(i: int, model: str = "gpt-4o") -> ChatRequest:
    return ChatRequest(
        model=model,
        messages=[Message.user(f"Classify this ticket: {question(i)}")],
        response_format=ResponseFormat(
            type="json_schema", name="ticket", json_schema=TICKET_SCHEMA
        ),
    )


def tool_request(i: int, model: str = "gpt-4o") -> ChatRequest:
    return ChatRequest(
        model=model,
        messages=[Message.user(f"Where is my order A{1000 + i}? Customer C-{5000 + i} here.")],
        tools=ORDER_TOOLS,
    )


def engine(profile: str | SimProfile = "baseline", **kw: Any) -> SimEngine:
    p = BUILTIN_PROFILES[profile] if isinstance(profile, str) else profile
    kw.setdefault("rules", None)
    return SimEngine({"*": p}, **kw)


@contextlib.contextmanager
def sim_serve(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``switchover sim serve --port 0 --time-scale 0 ARGS`` as a subprocess on a loopback
    port: yields (process, base URL); terminated on exit unless it already ended."""
    cmd = [sys.executable, "-m", "switchover", "sim", "serve", "--port", "0", "--time-scale", "0"]
    proc = subprocess.Popen(
        [*cmd, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "not a real model" in first, first
        yield proc, first.rsplit(" on ", 1)[1].strip()
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.communicate(timeout=10)
