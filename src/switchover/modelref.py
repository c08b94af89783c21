"""Model references: ``provider:model[@platform]``.

``openai:gpt-4o`` names OpenAI's gpt-4o on OpenAI's own platform; ``anthropic:claude-opus-5@bedrock``
names the Bedrock offering. A bare ID (``gpt-4o``) is accepted and its provider guessed from its
shape; the catalog can refine the guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from switchover.errors import UsageError

__all__ = ["PLATFORMS", "PROVIDERS", "ModelRef", "guess_provider", "parse_model_ref"]

PROVIDERS = (
    "openai",
    "anthropic",
    "google",
    "mistral",
    "cohere",
    "meta",
    "amazon",
    "deepseek",
    "xai",
    "ai21",
    "sim",
)
PLATFORMS = (
    "openai",
    "anthropic",
    "gemini-api",
    "vertex",
    "azure",
    "bedrock",
    "mistral",
    "cohere",
    "sim",
)

# Provider names people write that are really API families or platforms.
_PROVIDER_ALIASES = {
    "gemini": ("google", "gemini-api"),
    "google-gla": ("google", "gemini-api"),
    "google-vertex": ("google", "vertex"),
    "vertexai": ("google", "vertex"),
    "azure": ("openai", "azure"),
    "azure-openai": ("openai", "azure"),
    "bedrock": ("", "bedrock"),
    "claude": ("anthropic", "anthropic"),
}

_SHAPES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"^(gpt-|o\d|chatgpt-|text-embedding-|dall-e|whisper|tts-|davinci|babbage|codex|omni-)"
        ),
        "openai",
    ),
    (re.compile(r"^(anthropic\.)?claude"), "anthropic"),
    (re.compile(r"^(gemini|gemma|text-bison|chat-bison|imagen|veo)"), "google"),
    (
        re.compile(
            r"^(mistral|mixtral|codestral|ministral|pixtral|magistral|devstral|open-mistral)"
        ),
        "mistral",
    ),
    (re.compile(r"^(command|embed-|rerank-|cohere\.)"), "cohere"),
    (re.compile(r"^(meta\.|llama)"), "meta"),
    (re.compile(r"^(amazon\.|titan|nova)"), "amazon"),
    (re.compile(r"^sim-"), "sim"),
]


def guess_provider(model_id: str) -> str | None:
    """The provider an ID's shape suggests, or ``None``."""
    mid = model_id.lower()
    for prefix in ("us.", "eu.", "apac.", "jp.", "global."):
        if mid.startswith(prefix):
            mid = mid[len(prefix) :]
    for pat, provider in _SHAPES:
        if pat.search(mid):
            return provider
    return None


@dataclass(frozen=True, slots=True)
class ModelRef:
    provider: str
    model: str
    platform: str | None = None

    def __str__(self) -> str:
        s = f"{self.provider}:{self.model}" if self.provider else self.model
        return f"{s}@{self.platform}" if self.platform else s


def parse_model_ref(text: str) -> ModelRef:
    """Parse ``provider:model[@platform]`` or a bare model ID."""
    raw = text.strip()
    if not raw:
        raise UsageError("empty model reference", hint="Write provider:model, e.g. openai:gpt-4o")
    platform: str | None = None
    if "@" in raw:
        raw, _, platform = raw.rpartition("@")
        if not platform or not raw:
            raise UsageError(f"bad model reference {text!r}", hint="Write provider:model@platform")
    provider = ""
    model = raw
    if ":" in raw:
        head, _, tail = raw.partition(":")
        # Bedrock IDs contain a colon ("...-v1:0"); only treat the head as a provider if known.
        if head in PROVIDERS or head in _PROVIDER_ALIASES:
            provider, model = head, tail
    if provider in _PROVIDER_ALIASES:
        provider, implied = _PROVIDER_ALIASES[provider]
        platform = platform or implied
    if not provider:
        provider = guess_provider(model) or ""
    if not model:
        raise UsageError(f"bad model reference {text!r}: no model ID")
    return ModelRef(provider=provider, model=model, platform=platform)
