"""Azure OpenAI Responses API: the ``openai_responses`` codec with Azure's URLs and auth.

Microsoft documents the Responses API on Azure OpenAI at
https://learn.microsoft.com/azure/ai-foundry/openai/how-to/responses (REST examples) and
https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle (v1 API):

* v1 GA URL (default, ``api_version="v1"``): ``POST {endpoint}/openai/v1/responses``;
  ``api_version="preview"`` adds ``?api-version=preview`` (the v1 preview surface).
* dated preview versions (``api_version="2025-04-01-preview"``): ``POST
  {endpoint}/openai/responses?api-version=V``.
* There is no deployment in the URL: the deployment name goes in the body's ``model``
  (option ``deployment``, else the request's model).
* endpoint: ``base_url`` or ``AZURE_OPENAI_ENDPOINT``; auth: ``api-key`` header
  (``AZURE_OPENAI_API_KEY``) or a Microsoft Entra ID token as ``Authorization: Bearer``
  (option ``azure_ad_token`` or ``AZURE_OPENAI_AD_TOKEN``), as for ``azure``.
* ``OPENAI_API_VERSION`` is not read: it usually names a Chat Completions version, which
  predates the Responses API. Pass ``api_version`` as an option to pin one.
* Request and response bodies, streaming events and error bodies are the OpenAI Responses
  API's (:mod:`switchover.providers.openai_responses`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from switchover.chat import ChatRequest
from switchover.providers.azure import AzureOpenAIProvider
from switchover.providers.base import ProviderSettings
from switchover.providers.openai_responses import OpenAIResponsesProvider

__all__ = ["DEFAULT_API_VERSION", "AzureOpenAIResponsesProvider", "create_provider"]

#: The v1 API: no api-version query parameter, no deployment in the URL.
DEFAULT_API_VERSION = "v1"


class AzureOpenAIResponsesProvider(AzureOpenAIProvider, OpenAIResponsesProvider):
    """Azure OpenAI deployments through the Responses API (endpoint and auth as ``azure``;
    codec, streaming and errors as ``openai-responses``)."""

    name = "azure-responses"

    def __init__(self, settings: ProviderSettings | None = None, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        version = (settings.options if settings else {}).get("api_version")
        self.api_version = str(version or DEFAULT_API_VERSION)

    def url_for(self, request: ChatRequest) -> str:
        if self.api_version == "v1":
            return f"{self.base_url}/openai/v1/responses"
        if self.api_version == "preview":
            return f"{self.base_url}/openai/v1/responses?api-version=preview"
        return f"{self.base_url}/openai/responses?api-version={quote(self.api_version, safe='')}"

    def encode(self, request: ChatRequest) -> dict[str, Any]:
        body = OpenAIResponsesProvider.encode(self, request)
        if self.deployment:
            body["model"] = self.deployment
        return body


def create_provider(
    settings: ProviderSettings | None = None, **kwargs: Any
) -> AzureOpenAIResponsesProvider:
    """Entry point ``azure-responses``."""
    return AzureOpenAIResponsesProvider(settings, **kwargs)
