"""Presets for OpenAI-compatible servers (Chat Completions at ``{base_url}/chat/completions``).

Pick one with ``create_provider("openai-compatible", ProviderSettings(options={"preset":
"groq"}))``; ``base_url`` and ``api_key_env`` in the settings override the preset. Local
servers (vLLM, Ollama) accept requests without a key.
"""

from __future__ import annotations

from dataclasses import dataclass

from switchover.errors import ConfigError

__all__ = ["PRESETS", "Preset", "get_preset"]


@dataclass(frozen=True)
class Preset:
    name: str
    base_url: str
    key_env: str | None
    key_required: bool
    docs_url: str


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "vllm",
            "http://localhost:8000/v1",
            "VLLM_API_KEY",
            False,
            "https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html",
        ),
        Preset(
            "ollama",
            "http://localhost:11434/v1",
            "OLLAMA_API_KEY",
            False,
            "https://github.com/ollama/ollama/blob/main/docs/openai.md",
        ),
        Preset(
            "openrouter",
            "https://openrouter.ai/api/v1",
            "OPENROUTER_API_KEY",
            True,
            "https://openrouter.ai/docs/api-reference/overview",
        ),
        Preset(
            "groq",
            "https://api.groq.com/openai/v1",
            "GROQ_API_KEY",
            True,
            "https://console.groq.com/docs/openai",
        ),
        Preset(
            "together",
            "https://api.together.xyz/v1",
            "TOGETHER_API_KEY",
            True,
            "https://docs.together.ai/docs/openai-api-compatibility",
        ),
    )
}


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (case-insensitive) or a :class:`ConfigError` listing them."""
    preset = PRESETS.get(name.lower())
    if preset is None:
        raise ConfigError(
            f"unknown OpenAI-compatible preset {name!r}",
            field="options.preset",
            hint="Known presets: " + ", ".join(sorted(PRESETS)) + "; or set base_url.",
        )
    return preset
