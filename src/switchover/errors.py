"""One exception tree for the whole package.

Every error a user can cause carries a message fit to print and, where possible, a hint
saying what to do. The CLI prints ``message`` and ``hint`` and exits with ``exit_code``;
it never shows a traceback for a :class:`SwitchoverError`.

Provider errors keep the provider's own message verbatim in ``provider_message`` and never
hold an API key: clients redact keys before an error is built (see ``redact``).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "AuthError",
    "CatalogError",
    "ConfigError",
    "InputError",
    "ModelNotFoundError",
    "ModelRetiredError",
    "ProviderBadRequestError",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderServerError",
    "ProviderTimeoutError",
    "RateLimitError",
    "StoreError",
    "SwitchoverError",
    "UnknownModelError",
    "UsageError",
    "redact",
]

# Exit codes, documented in docs/cli.md ("Exit codes").
EXIT_OK = 0
EXIT_FINDINGS = 1  # a check failed: scan --fail-on matched, eval verdict NO-GO
EXIT_USAGE = 2  # bad flags, bad input files, unknown models: the user can fix it
EXIT_ERROR = 3  # provider, network or internal failure


class SwitchoverError(Exception):
    """Base of every error switchover raises on purpose."""

    exit_code: int = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(SwitchoverError):
    """The command line itself is wrong (unknown flag value, missing argument)."""

    exit_code = EXIT_USAGE


class InputError(SwitchoverError):
    """An input file is malformed. Names the file and, when known, the line and field."""

    exit_code = EXIT_USAGE

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = ""
        if path is not None:
            where = path
            if line is not None:
                where += f":{line}"
            where += ": "
        if field is not None:
            message = f"{field}: {message}"
        super().__init__(where + message, hint=hint)
        self.path = path
        self.line = line
        self.field = field


class ConfigError(InputError):
    """``switchover.toml`` (or a flag overriding it) is invalid."""


class CatalogError(InputError):
    """Catalog data failed validation, or an update could not be applied."""


class UnknownModelError(SwitchoverError):
    """A model ID that neither the catalog nor the user's plan knows."""

    exit_code = EXIT_USAGE

    def __init__(self, model: str, *, suggestions: list[str] | None = None) -> None:
        hint = "Check the spelling, or add the model under [catalog] in switchover.toml."
        if suggestions:
            hint = "Did you mean: " + ", ".join(suggestions) + "?"
        super().__init__(f"unknown model {model!r}", hint=hint)
        self.model = model
        self.suggestions = suggestions or []


class StoreError(SwitchoverError):
    """The store (SQLite or PostgreSQL) could not be read or written."""


class ProviderError(SwitchoverError):
    """A provider call failed. ``provider_message`` is the provider's own text, verbatim."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        provider_message: str | None = None,
        request_id: str | None = None,
        body: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(redact(message), hint=hint)
        self.provider = provider
        self.status = status
        self.provider_message = provider_message
        self.request_id = request_id
        self.body = body


class AuthError(ProviderError):
    """401/403: missing, wrong or unauthorised key."""


class ModelNotFoundError(ProviderError):
    """404 or the provider's model-not-found error."""


class ModelRetiredError(ModelNotFoundError):
    """The provider says the model was retired / deprecated and no longer served."""


class ProviderBadRequestError(ProviderError):
    """400/422: the provider rejected the request. ``param`` names the field when given."""

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.param = param
        self.code = code


class RateLimitError(ProviderError):
    """429 (or Anthropic's 529 overloaded). ``retry_after`` is in seconds when given."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ProviderServerError(ProviderError):
    """5xx from the provider."""

    retryable = True


class ProviderTimeoutError(ProviderError):
    """The provider did not answer in time."""

    retryable = True


class ProviderConnectionError(ProviderError):
    """The connection failed or was reset."""

    retryable = True


_KEY_PATTERNS = [
    re.compile(r"sk-(?:proj-|ant-(?:api\d\d-)?)?[A-Za-z0-9_\-]{8,}"),
    re.compile(r"AIza[0-9A-Za-z_\-]{20,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-]{8,}"),
    re.compile(
        r"(?i)((?:api[_-]?key|x-api-key|x-goog-api-key|key)[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._\-]{8,}"
    ),
]
_EXTRA_SECRETS: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a secret value (an API key read from the environment) so that ``redact``
    removes it wherever it appears, whatever its shape."""
    if value and len(value) >= 6:
        _EXTRA_SECRETS.add(value)


def redact(text: str) -> str:
    """Remove anything that looks like an API key, and every registered secret."""
    for secret in _EXTRA_SECRETS:
        if secret in text:
            text = text.replace(secret, "[REDACTED]")
    for pat in _KEY_PATTERNS:
        text = pat.sub(_redacted, text)
    return text


_ENV_VAR_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")


def _redacted(m: re.Match[str]) -> str:
    prefix = m.group(1) if m.re.groups else ""
    value = m.group(0)[len(prefix) :]
    if _ENV_VAR_NAME.fullmatch(value):
        # "API key: OPENAI_API_KEY" names where a key lives; it is not one. Keeping it lets
        # messages tell the user which variable to set.
        return m.group(0)
    return prefix + "[REDACTED]"
