"""Azure OpenAI Chat Completions: the OpenAI codec with Azure's URLs and authentication.

* deployment URL: ``{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=V``
* v1 GA URL (``api_version="v1"``): ``{endpoint}/openai/v1/chat/completions``; the deployment
  name goes in the body's ``model``.
* endpoint: ``base_url`` or ``AZURE_OPENAI_ENDPOINT``; ``api_version``: option or
  ``OPENAI_API_VERSION`` (default :data:`DEFAULT_API_VERSION`); deployment: option
  ``deployment`` or the request's model.
* embeddings: ``{endpoint}/openai/deployments/{model}/embeddings?api-version=V`` (v1:
  ``{endpoint}/openai/v1/embeddings``): the model passed to ``embed`` is the embedding
  deployment's name.
* auth: ``api-key`` header (``AZURE_OPENAI_API_KEY``), or a Microsoft Entra ID token as
  ``Authorization: Bearer`` (option ``azure_ad_token`` or ``AZURE_OPENAI_AD_TOKEN``).
"""

from __future__ import annotations

import os
from typing import Any, ClassVar
from urllib.parse import quote

from switchover.chat import ChatRequest
from switchover.errors import ConfigError, register_secret
from switchover.providers._http import check_base_url
from switchover.providers.base import ProviderSettings
from switchover.providers.openai_chat import OpenAIChatProvider

__all__ = ["DEFAULT_API_VERSION", "AzureOpenAIProvider", "create_provider"]

#: The latest GA data-plane version of the deployment-style API.
DEFAULT_API_VERSION = "2024-10-21"


class AzureOpenAIProvider(OpenAIChatProvider):
    """Azure OpenAI deployments (Chat Completions wire format)."""

    name = "azure"
    default_base_url: ClassVar[str | None] = None
    default_key_env: ClassVar[str | None] = "AZURE_OPENAI_API_KEY"
    request_id_headers: ClassVar[tuple[str, ...]] = ("x-request-id", "apim-request-id")
    read_org_env: ClassVar[bool] = False

    def __init__(self, settings: ProviderSettings | None = None, **kwargs: Any) -> None:
        settings = settings or ProviderSettings()
        opts = settings.options
        token = opts.get("azure_ad_token") or os.environ.get("AZURE_OPENAI_AD_TOKEN") or None
        self.__token: str | None = str(token) if token else None
        if self.__token:
            register_secret(self.__token)
            kwargs.setdefault("key_required", False)
        endpoint = settings.base_url or os.environ.get("AZURE_OPENAI_ENDPOINT")
        if not endpoint:
            raise ConfigError(
                "Azure OpenAI needs an endpoint",
                field="base_url",
                hint="Set base_url or AZURE_OPENAI_ENDPOINT "
                '(e.g. "https://my-resource.openai.azure.com").',
            )
        check_base_url(endpoint)
        super().__init__(settings, **kwargs)
        self.base_url = endpoint.rstrip("/")
        self.api_version = str(
            opts.get("api_version") or os.environ.get("OPENAI_API_VERSION") or DEFAULT_API_VERSION
        )
        self.deployment: str | None = opts.get("deployment")

    def url_for(self, request: ChatRequest) -> str:
        if self.api_version == "v1":
            return f"{self.base_url}/openai/v1/chat/completions"
        deployment = quote(self.deployment or request.model, safe="")
        return (
            f"{self.base_url}/openai/deployments/{deployment}/chat/completions"
            f"?api-version={quote(self.api_version, safe='')}"
        )

    def embeddings_url(self, model: str) -> str:
        """Embeddings go to the deployment named by ``model`` (not the chat deployment)."""
        if self.api_version == "v1":
            return f"{self.base_url}/openai/v1/embeddings"
        return (
            f"{self.base_url}/openai/deployments/{quote(model, safe='')}/embeddings"
            f"?api-version={quote(self.api_version, safe='')}"
        )

    def auth_headers(self, key: str | None) -> dict[str, str]:
        if self.__token:
            return {"Authorization": f"Bearer {self.__token}"}
        return {"api-key": key} if key else {}

    def encode(self, request: ChatRequest) -> dict[str, Any]:
        body = super().encode(request)
        if self.api_version == "v1" and self.deployment:
            body["model"] = self.deployment
        return body


def create_provider(settings: ProviderSettings | None = None, **kwargs: Any) -> AzureOpenAIProvider:
    """Entry point ``azure``."""
    return AzureOpenAIProvider(settings, **kwargs)
