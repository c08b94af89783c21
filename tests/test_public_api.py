"""Pins the public API: adding or removing a name must be a deliberate change here too."""

from __future__ import annotations

import switchover

EXPECTED = {
    "AuthError",
    "ChatRequest",
    "ChatResponse",
    "ConfigError",
    "ImagePart",
    "InputError",
    "Message",
    "ModelNotFoundError",
    "ModelRef",
    "ModelRetiredError",
    "Provider",
    "ProviderBadRequestError",
    "ProviderError",
    "ProviderServerError",
    "ProviderSettings",
    "ProviderTimeoutError",
    "RateLimitError",
    "ResponseFormat",
    "StreamEvent",
    "SwitchoverError",
    "TextPart",
    "Thinking",
    "Tool",
    "ToolCall",
    "ToolChoice",
    "UnknownModelError",
    "Usage",
    "__version__",
    "available_providers",
    "create_provider",
    "fold_stream",
    "parse_model_ref",
}


def test_all_is_pinned() -> None:
    assert set(switchover.__all__) == EXPECTED
    assert len(switchover.__all__) == len(EXPECTED)


def test_every_name_resolves() -> None:
    for name in switchover.__all__:
        assert getattr(switchover, name) is not None
