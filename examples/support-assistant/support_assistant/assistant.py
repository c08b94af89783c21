"""The support assistant: a tool-calling loop that ends in a structured JSON answer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from openai import OpenAI

from support_assistant.settings import Settings
from support_assistant.tools import TOOLS, SupportDesk

SYSTEM_PROMPT = """You are the support assistant of Northwind Gadgets.
Answer briefly and politely. Use lookup_order for any question about an order; never guess
order details. Open a ticket with create_ticket when the customer reports a defect, asks for a
refund, or is unhappy after your answer. Reply with a JSON object:
{"reply": string, "order_id": string|null, "ticket_id": string|null, "escalate": boolean}"""

ANSWER_FORMAT: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {
        "name": "support_answer",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "reply": {"type": "string"},
                "order_id": {"type": ["string", "null"]},
                "ticket_id": {"type": ["string", "null"]},
                "escalate": {"type": "boolean"},
            },
            "required": ["reply", "order_id", "ticket_id", "escalate"],
            "additionalProperties": False,
        },
    },
}


@dataclass
class Answer:
    reply: str
    order_id: str | None
    ticket_id: str | None
    escalate: bool
    tool_calls: int


class SupportAssistant:
    """Answers one customer message, calling tools as the model asks."""

    def __init__(
        self,
        client: OpenAI,
        settings: Settings,
        desk: SupportDesk | None = None,
        max_rounds: int = 4,
    ):
        self.client = client
        self.settings = settings
        self.desk = desk or SupportDesk()
        self.max_rounds = max_rounds

    def answer(self, message: str) -> Answer:
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": message},
        ]
        tool_calls = 0
        for _ in range(self.max_rounds):
            response = self.client.chat.completions.create(
                model=self.settings.model,
                messages=messages,  # type: ignore[arg-type]
                tools=TOOLS,  # type: ignore[arg-type]
                response_format=ANSWER_FORMAT,  # type: ignore[arg-type]
                max_tokens=self.settings.max_tokens,
                temperature=self.settings.temperature,
            )
            choice = response.choices[0]
            calls = choice.message.tool_calls or []
            if not calls:
                return self._parse(choice.message.content or "", tool_calls)
            messages.append(choice.message.model_dump(exclude_none=True))
            for call in calls:
                tool_calls += 1
                try:
                    args = json.loads(call.function.arguments or "{}")  # type: ignore[union-attr]
                except json.JSONDecodeError:
                    args = {}
                result = self.desk.call(call.function.name, args)  # type: ignore[union-attr]
                messages.append(
                    {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)}
                )
        return Answer(
            "Sorry, I could not finish that. A colleague will follow up.",
            None,
            None,
            True,
            tool_calls,
        )

    @staticmethod
    def _parse(content: str, tool_calls: int) -> Answer:
        text = content.strip()
        if text.startswith("```"):
            text = text.strip("`").removeprefix("json").strip()
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return Answer(content.strip(), None, None, True, tool_calls)
        return Answer(
            reply=str(data.get("reply", "")),
            order_id=data.get("order_id"),
            ticket_id=data.get("ticket_id"),
            escalate=bool(data.get("escalate", False)),
            tool_calls=tool_calls,
        )
