"""A small customer-support assistant built on the OpenAI Chat Completions API."""

from support_assistant.assistant import Answer, SupportAssistant
from support_assistant.settings import Settings, load_settings

__all__ = ["Answer", "Settings", "SupportAssistant", "load_settings"]
