"""Generate the support assistant's traffic sample (deterministic).

    python examples/support-assistant/make_traffic.py            # writes traffic/requests.jsonl
    python examples/support-assistant/make_traffic.py -n 600 -o /tmp/big.jsonl --seed 7

Each line is one Chat Completions request exactly as ``SupportAssistant.answer`` sends it
(system prompt, tools, strict JSON answer format, ``max_tokens``, ``temperature``), wrapped
with the metadata switchover's evaluation reads: ``id``, ``call_site``, ``tags`` (the
customer's intent) and ``weight``. About one request in five is the assistant's second
round: the model asked for ``lookup_order`` and the conversation carries the tool result.
A few customers ask the very same question twice, as real traffic does (switchover reports
and merges those duplicates).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from support_assistant.assistant import ANSWER_FORMAT, SYSTEM_PROMPT  # noqa: E402
from support_assistant.tools import TOOLS, SupportDesk  # noqa: E402

MODEL = "gpt-4o-2024-08-06"
CALL_SITE = "support_assistant/assistant.py:SupportAssistant.answer"
ITEMS = [
    "USB-C dock",
    "laptop stand",
    "HDMI cable",
    "mechanical keyboard",
    "webcam",
    "wireless mouse",
    "27-inch monitor",
    "noise-cancelling headset",
    "power bank",
]
COUNTRIES = ["Canada", "Germany", "Japan", "Brazil", "Australia", "Ireland", "Mexico"]
NAMES = ["alex", "sam", "maria", "kenji", "priya", "tom", "lena", "omar", "julia", "chen"]

TEMPLATES: dict[str, list[str]] = {
    "order_status": [
        "Where is my order {oid}?",
        "Has order {oid} shipped yet?",
        "Can you check the status of order {oid} for me?",
        "Hi, my order {oid} still hasn't arrived. What's going on?",
        "When will order {oid} be delivered? I need the {item} by Friday.",
    ],
    "refund": [
        "I want a refund for order {oid}, the {item} arrived broken.",
        "Please refund order {oid}. I returned the {item} last week.",
        "The {item} from order {oid} is not what I ordered. I'd like my money back.",
    ],
    "defect": [
        "My {item} stopped working after two days. Can you open a ticket?",
        "The {item} I bought keeps disconnecting every few minutes. It's defective.",
        "Screen flickers on the {item} from order {oid}. Is this a known defect?",
    ],
    "product": [
        "Does the {item} work with a MacBook Pro?",
        "What's the warranty on the {item}?",
        "Is the {item} compatible with Windows 11 and Linux?",
        "How much does the {item} weigh?",
    ],
    "account": [
        "How do I reset my password? I can't log in with {email}.",
        "Please change the email on my account to {email}.",
        "I never received the confirmation email at {email}.",
    ],
    "shipping": [
        "Do you ship to {country}? How long does it take?",
        "What are the shipping costs to {country} for a {item}?",
        "Can I change the delivery address for order {oid}?",
    ],
    "complaint": [
        "This is the third time I ask about {oid}. Nobody answers. Very disappointed.",
        "Your support is useless, my {item} is still broken and order {oid} was a waste.",
    ],
}
WEIGHTS = {
    "order_status": 30,
    "refund": 12,
    "defect": 12,
    "product": 14,
    "account": 10,
    "shipping": 10,
    "complaint": 5,
}


def _order_id(rng: random.Random) -> str:
    return (
        rng.choice(["A1001", "A1002", "A1003"])
        if rng.random() < 0.4
        else f"A{rng.randint(1004, 1999)}"
    )


GREETINGS = ["", "", "Hi, ", "Hello! ", "Good morning. ", "Hey there, ", "Quick question: "]
SIGN_OFFS = [
    "",
    "",
    " Thanks!",
    " Thank you.",
    " Cheers, {name}",
    " Regards, {name}",
    " Please hurry.",
]


def _fill(rng: random.Random, template: str) -> str:
    name = rng.choice(NAMES).capitalize()
    text = rng.choice(GREETINGS) + template + rng.choice(SIGN_OFFS).replace("{name}", name)
    return text.format(
        oid=_order_id(rng),
        item=rng.choice(ITEMS),
        email=f"{rng.choice(NAMES)}{rng.randint(1, 99)}@example.com",
        country=rng.choice(COUNTRIES),
    )


def _request(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "model": MODEL,
        "messages": [{"role": "system", "content": SYSTEM_PROMPT}, *messages],
        "tools": TOOLS,
        "response_format": ANSWER_FORMAT,
        "max_tokens": 500,
        "temperature": 0.2,
    }


def _second_round(rng: random.Random, n: int, desk: SupportDesk) -> dict[str, Any]:
    """The conversation after the model asked for lookup_order."""
    oid = _order_id(rng)
    question = rng.choice(TEMPLATES["order_status"]).format(oid=oid, item=rng.choice(ITEMS))
    call_id = f"call_{n:04d}"
    result = desk.lookup_order(oid)
    return _request(
        [
            {"role": "user", "content": question},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {
                            "name": "lookup_order",
                            "arguments": json.dumps({"order_id": oid}),
                        },
                    }
                ],
            },
            {"role": "tool", "tool_call_id": call_id, "content": json.dumps(result)},
        ]
    )


def make_traffic(n: int = 400, seed: int = 2026, duplicates: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    desk = SupportDesk()
    intents = list(WEIGHTS)
    weights = [WEIGHTS[i] for i in intents]
    rows: list[dict[str, Any]] = []
    for i in range(n - duplicates):
        if rng.random() < 0.2:
            rows.append(
                {
                    "id": f"req-{i:04d}",
                    "call_site": CALL_SITE,
                    "tags": ["order_status", "tool_result"],
                    "request": _second_round(rng, i, desk),
                }
            )
            continue
        intent = rng.choices(intents, weights)[0]
        text = _fill(rng, rng.choice(TEMPLATES[intent]))
        rows.append(
            {
                "id": f"req-{i:04d}",
                "call_site": CALL_SITE,
                "tags": [intent],
                "request": _request([{"role": "user", "content": text}]),
            }
        )
    for j in range(duplicates):  # the same customer asking again
        src = rows[rng.randrange(len(rows))]
        rows.append({**src, "id": f"req-{n - duplicates + j:04d}"})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=400, help="number of requests (default 400)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("-o", "--out", type=Path, default=HERE / "traffic" / "requests.jsonl")
    args = ap.parse_args(argv)
    rows = make_traffic(args.n, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {len(rows)} requests to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
