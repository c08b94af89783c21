"""Configuration from the environment (and an optional .env file)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = "gpt-4o-2024-08-06"


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    max_tokens: int = 600
    temperature: float = 0.2
    base_url: str | None = None


def _read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("\"'")
    return values


def load_settings(env: dict[str, str] | None = None, dotenv: Path | None = None) -> Settings:
    """Settings from ``env`` (default: os.environ) layered over a .env file."""
    merged = _read_dotenv(dotenv or Path(".env"))
    merged.update(env if env is not None else os.environ)
    return Settings(
        model=merged.get("OPENAI_MODEL", DEFAULT_MODEL),
        max_tokens=int(merged.get("SUPPORT_MAX_TOKENS", "600")),
        temperature=float(merged.get("SUPPORT_TEMPERATURE", "0.2")),
        base_url=merged.get("OPENAI_BASE_URL") or None,
    )
