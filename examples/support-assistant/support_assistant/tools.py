"""The assistant's tools: order lookup and ticket creation over a small in-memory store."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "lookup_order",
            "description": "Look up an order by its ID and return status, items and dates.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string", "description": "e.g. A1001"}},
                "required": ["order_id"],
                "additionalProperties": False,
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "create_ticket",
            "description": "Open a support ticket for a human agent.",
            "parameters": {
                "type": "object",
                "properties": {
                    "summary": {"type": "string"},
                    "priority": {"type": "string", "enum": ["low", "normal", "high"]},
                    "order_id": {"type": ["string", "null"]},
                },
                "required": ["summary", "priority", "order_id"],
                "additionalProperties": False,
            },
        },
    },
]


@dataclass
class SupportDesk:
    """Orders and tickets the tools read and write."""

    orders: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            "A1001": {"status": "shipped", "items": ["USB-C dock"], "eta": "2026-11-28"},
            "A1002": {"status": "processing", "items": ["Laptop stand", "HDMI cable"], "eta": None},
            "A1003": {"status": "delivered", "items": ["Keyboard"], "eta": "2026-11-20"},
        }
    )
    tickets: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(5001))

    def lookup_order(self, order_id: str) -> dict[str, Any]:
        order = self.orders.get(order_id.strip().upper())
        if order is None:
            return {"found": False, "order_id": order_id}
        return {"found": True, "order_id": order_id.upper(), **order}

    def create_ticket(
        self, summary: str, priority: str = "normal", order_id: str | None = None
    ) -> dict[str, Any]:
        if priority not in {"low", "normal", "high"}:
            priority = "normal"
        ticket = {
            "ticket_id": f"T{next(self._ids)}",
            "summary": summary,
            "priority": priority,
            "order_id": order_id,
        }
        self.tickets.append(ticket)
        return ticket

    def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        if name == "lookup_order":
            return self.lookup_order(str(arguments.get("order_id", "")))
        if name == "create_ticket":
            return self.create_ticket(
                str(arguments.get("summary", "")),
                str(arguments.get("priority", "normal")),
                arguments.get("order_id"),
            )
        return {"error": f"unknown tool {name}"}
