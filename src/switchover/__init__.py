"""switchover: planned LLM model migrations.

The curated public API. Everything else is internal and may change between releases;
``tests/test_public_api.py`` pins this list.
"""

from switchover._version import __version__
from switchover.chat import (
    ChatRequest,
    ChatResponse,
    ImagePart,
    Message,
    ResponseFormat,
    StreamEvent,
    TextPart,
    Thinking,
    Tool,
    ToolCall,
    ToolChoice,
    Usage,
    fold_stream,
)
from switchover.errors import (
    AuthError,
    ConfigError,
    InputError,
    ModelNotFoundError,
    ModelRetiredError,
    ProviderBadRequestError,
    ProviderError,
    ProviderServerError,
    ProviderTimeoutError,
    RateLimitError,
    SwitchoverError,
    UnknownModelError,
)
from switchover.modelref import ModelRef, parse_model_ref
from switchover.providers.base import (
    Provider,
    ProviderSettings,
    available_providers,
    create_provider,
)

__all__ = [
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
]
