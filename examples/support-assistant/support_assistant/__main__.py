"""python -m support_assistant "Where is my order A1001?" """

from __future__ import annotations

import sys

from openai import OpenAI

from support_assistant.assistant import SupportAssistant
from support_assistant.settings import load_settings


def main() -> None:
    settings = load_settings()
    question = " ".join(sys.argv[1:]) or "Where is my order A1001?"
    with OpenAI(base_url=settings.base_url) as client:
        answer = SupportAssistant(client, settings).answer(question)
    print(answer.reply)
    if answer.ticket_id:
        print(f"(ticket {answer.ticket_id} opened)")


if __name__ == "__main__":
    main()
