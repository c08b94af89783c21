"""Provider clients and wire codecs.

Each wire API has a codec module with pure functions in both directions
(``openai_chat``, ``openai_responses``, ``anthropic``, ``gemini``) and an async client built on
:class:`HTTPProvider`. Clients are created by registry name (``create_provider("openai")``)
and the codec modules are imported only when first used.
"""

from typing import TYPE_CHECKING, Any

from switchover.providers.base import (
    Provider,
    ProviderSettings,
    available_providers,
    create_provider,
    register_provider,
)

__all__ = [
    "API_IDS",
    "HTTPProvider",
    "Provider",
    "ProviderSettings",
    "available_providers",
    "create_provider",
    "register_provider",
]

if TYPE_CHECKING:
    from switchover.providers._http import HTTPProvider


def __getattr__(name: str) -> Any:
    # httpx is imported only when a client is needed, not by `import switchover`.
    if name == "HTTPProvider":
        from switchover.providers._http import HTTPProvider

        return HTTPProvider
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: The wire APIs, by identifier, and the codec module implementing each.
API_IDS = {
    "openai.chat": "switchover.providers.openai_chat",
    "openai.responses": "switchover.providers.openai_responses",
    "anthropic.messages": "switchover.providers.anthropic",
    "gemini.generate": "switchover.providers.gemini",
}
