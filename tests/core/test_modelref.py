from __future__ import annotations

import pytest

from switchover.errors import UsageError
from switchover.modelref import ModelRef, guess_provider, parse_model_ref


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("openai:gpt-4o", ModelRef("openai", "gpt-4o")),
        ("gpt-4o", ModelRef("openai", "gpt-4o")),
        ("anthropic:claude-opus-5@bedrock", ModelRef("anthropic", "claude-opus-5", "bedrock")),
        ("gemini:gemini-2.5-pro", ModelRef("google", "gemini-2.5-pro", "gemini-api")),
        ("azure:gpt-4o", ModelRef("openai", "gpt-4o", "azure")),
        (
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            ModelRef("anthropic", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ),
        ("mystery-model", ModelRef("", "mystery-model")),
    ],
)
def test_parse(text: str, expected: ModelRef) -> None:
    assert parse_model_ref(text) == expected


def test_str_round_trips() -> None:
    for text in ("openai:gpt-4o", "anthropic:claude-opus-5@bedrock"):
        assert str(parse_model_ref(text)) == text
    assert str(ModelRef("", "x")) == "x"


@pytest.mark.parametrize("bad", ["", "  ", "@bedrock", "openai:gpt-4o@", "openai:"])
def test_bad_refs(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_model_ref(bad)


def test_guess_provider_handles_bedrock_prefixes() -> None:
    assert guess_provider("us.anthropic.claude-sonnet-4-5-20250929-v1:0") == "anthropic"
    assert guess_provider("o3-mini") == "openai"
    assert guess_provider("command-r-plus") == "cohere"
    assert guess_provider("unknown") is None
