from __future__ import annotations

from pathlib import Path

import pytest
from openai import OpenAI
from support_assistant import Settings, SupportAssistant, load_settings
from support_assistant.assistant import SYSTEM_PROMPT
from support_assistant.tools import SupportDesk

from conftest import Script, final, tool_call


def test_order_question_uses_lookup_tool(client: OpenAI, script: Script) -> None:
    script.replies = [
        tool_call("lookup_order", {"order_id": "A1001"}),
        final("Your USB-C dock has shipped and should arrive on 2026-11-28.", order_id="A1001"),
    ]
    answer = SupportAssistant(client, Settings()).answer("Where is my order A1001?")
    assert answer.order_id == "A1001"
    assert "shipped" in answer.reply
    assert answer.tool_calls == 1
    first, second = script.requests
    assert first["model"] == "gpt-4o-2024-08-06"
    # The output limit and sampling settings reach the API under the names the model accepts
    # (`switchover rewrite` renames max_tokens and drops temperature for gpt-6-luna).
    assert first.get("max_completion_tokens", first.get("max_tokens")) == 600
    assert first.get("temperature", 0.2) == 0.2
    assert first["response_format"]["type"] == "json_schema"
    assert first["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert {t["function"]["name"] for t in first["tools"]} == {"lookup_order", "create_ticket"}
    tool_msg = second["messages"][-1]
    assert tool_msg["role"] == "tool"
    assert '"status": "shipped"' in tool_msg["content"]


def test_defect_opens_ticket(client: OpenAI, script: Script) -> None:
    desk = SupportDesk()
    script.replies = [
        tool_call(
            "create_ticket",
            {"summary": "Keyboard arrived broken", "priority": "high", "order_id": "A1003"},
        ),
        final(
            "Sorry about that! I opened ticket T5001.",
            ticket_id="T5001",
            order_id="A1003",
            escalate=True,
        ),
    ]
    answer = SupportAssistant(client, Settings(), desk).answer("My keyboard from A1003 is broken")
    assert answer.ticket_id == "T5001"
    assert answer.escalate
    assert desk.tickets == [
        {
            "ticket_id": "T5001",
            "summary": "Keyboard arrived broken",
            "priority": "high",
            "order_id": "A1003",
        }
    ]


def test_unknown_order_and_bad_tool_args(client: OpenAI, script: Script) -> None:
    script.replies = [
        {
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "lookup_order", "arguments": "{bad"},
                }
            ],
        },
        final("I could not find that order. Could you check the number?"),
    ]
    answer = SupportAssistant(client, Settings()).answer("order Z9")
    assert answer.order_id is None
    assert '"found": false' in script.requests[1]["messages"][-1]["content"]


def test_fenced_and_plain_text_answers() -> None:
    parsed = SupportAssistant._parse(
        '```json\n{"reply": "hi", "order_id": null, "ticket_id": null, "escalate": false}\n```', 0
    )
    assert parsed.reply == "hi"
    assert not parsed.escalate
    plain = SupportAssistant._parse("Just text", 2)
    assert plain.reply == "Just text"
    assert plain.escalate
    assert plain.tool_calls == 2


def test_gives_up_after_max_rounds(client: OpenAI, script: Script) -> None:
    script.replies = [tool_call("lookup_order", {"order_id": "A1002"}, f"c{i}") for i in range(2)]
    answer = SupportAssistant(client, Settings(), max_rounds=2).answer("status?")
    assert answer.escalate
    assert answer.tool_calls == 2


def test_settings_from_env_and_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\nOPENAI_MODEL='gpt-4o-mini'\nSUPPORT_MAX_TOKENS=300\n", encoding="utf-8"
    )
    s = load_settings({}, dotenv)
    assert s.model == "gpt-4o-mini"
    assert s.max_tokens == 300
    assert s.temperature == 0.2
    s2 = load_settings(
        {"OPENAI_MODEL": "gpt-4.1", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, dotenv
    )
    assert s2.model == "gpt-4.1"
    assert s2.base_url == "http://127.0.0.1:9/v1"
    assert load_settings({}, tmp_path / "missing").model == "gpt-4o-2024-08-06"


@pytest.mark.parametrize(
    ("name", "args", "key"),
    [("lookup_order", {"order_id": "a1002"}, "status"), ("nope", {}, "error")],
)
def test_desk_dispatch(name: str, args: dict[str, str], key: str) -> None:
    assert key in SupportDesk().call(name, args)


def test_ticket_priority_is_normalised() -> None:
    assert SupportDesk().create_ticket("x", "urgent")["priority"] == "normal"
