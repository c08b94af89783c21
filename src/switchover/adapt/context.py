"""What the adapter knows about a migration: target provider, API, model ranges, and the
record of changes it makes along the way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from switchover.adapt.model import API_IDS, Change, ChangeKind, Policy
from switchover.catalog.rules import (
    RuleSet,
    RuleViolation,
    check_request,
    get_rules,
    in_range,
    model_names,
    platform_of,
)
from switchover.errors import SwitchoverError, UsageError
from switchover.modelref import PLATFORMS, guess_provider

__all__ = [
    "API_DOCS",
    "DEFAULT_API",
    "Ctx",
    "model_id_for",
    "platform_for",
    "resolve_provider",
    "split_provider",
]

DEFAULT_API = {
    "openai": "openai.chat",
    "anthropic": "anthropic.messages",
    "google": "gemini.generate",
}
#: Reference pages of each API: the source of changes that follow from its schema alone.
API_DOCS = {
    "openai.chat": "https://platform.openai.com/docs/api-reference/chat/create",
    "openai.responses": "https://platform.openai.com/docs/api-reference/responses/create",
    "anthropic.messages": "https://platform.claude.com/docs/en/api/messages",
    "gemini.generate": "https://ai.google.dev/api/generate-content",
}
API_PROVIDER = {
    "openai.chat": "openai",
    "openai.responses": "openai",
    "anthropic.messages": "anthropic",
    "gemini.generate": "google",
}


def _lookup(catalog: Any, model_id: str, platform: str | None = None) -> Any:
    if catalog is None:
        return None
    try:
        return catalog.lookup(model_id, platform)
    except (LookupError, ValueError, SwitchoverError):
        return None


_HEADS = {
    "openai": "openai",
    "azure": "openai",
    "anthropic": "anthropic",
    "claude": "anthropic",
    "bedrock": "anthropic",
    "google": "google",
    "gemini": "google",
    "vertex": "google",
}


def split_provider(ref: str) -> tuple[str, str | None]:
    """``"anthropic:claude-opus-5"`` -> ``("claude-opus-5", "anthropic")``; bare ids as is."""
    head, sep, tail = ref.strip().partition(":")
    if sep and tail and head.lower() in _HEADS:
        return tail, _HEADS[head.lower()]
    return ref.strip(), None


def _split_platform(model: str) -> tuple[str, str | None]:
    base, sep, platform = model.rpartition("@")
    if sep and base and platform in PLATFORMS:
        return base, platform
    return model, None


def resolve_provider(model_id: str, catalog: Any) -> tuple[str | None, Any]:
    """(provider, catalog entry or None) for an id or ``provider:model[@platform]`` ref."""
    model, hint = split_provider(model_id)
    entry = _lookup(catalog, *_split_platform(model))
    if entry is not None:
        return str(entry.provider), entry
    return hint or guess_provider(_split_platform(model)[0]), None


def platform_for(ref: str, entry: Any = None) -> str | None:
    """The platform a ref runs on: its ``@platform`` / platform head, a Bedrock or Vertex id's
    shape, else the catalog entry's platform; None when nothing says."""
    return platform_of(ref) or (str(entry.platform) if entry is not None else None)


def model_id_for(ref: str, catalog: Any, on: str | None = None) -> str:
    """The id to send for a ref: provider prefix dropped; ``@bedrock`` / ``@vertex`` (or
    ``on``, the platform it is called on, when the ref names none) resolved through the
    catalog to that platform's id, other ``@platform`` suffixes dropped."""
    model, _ = split_provider(ref)
    base, platform = _split_platform(model)
    if platform is None and on is not None and platform_of(ref) is None:
        platform = on
    if platform not in ("bedrock", "vertex"):
        return base  # Azure and others address deployments/models by the plain name
    entry = _lookup(catalog, base, platform)
    return str(entry.id) if entry is not None else base


@dataclass
class Ctx:
    """One adaptation in progress."""

    target: str
    source: str
    provider: str
    api: str
    source_provider: str | None
    source_api: str | None
    policy: Policy
    entry: Any = None
    catalog: Any = None
    rules: RuleSet = field(default_factory=get_rules)
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: what rule matching is given: None = the shipped catalog / rules (cached lookups)
    match_catalog: Any = None
    match_rules: RuleSet | None = None
    #: the platforms of the target and the source (platform-scoped rules), None = unknown
    platform: str | None = None
    source_platform: str | None = None

    @classmethod
    def build(
        cls,
        *,
        target: str,
        source: str,
        target_api: str | None,
        source_api: str | None,
        policy: Policy,
        catalog: Any,
        rules: RuleSet | None = None,
        default_catalog: bool = False,
        platform: str | None = None,
    ) -> Ctx:
        if target_api is not None and target_api not in API_IDS:
            raise UsageError(
                f"unknown API {target_api!r}", hint="Use one of: " + ", ".join(API_IDS)
            )
        provider, entry = resolve_provider(target, catalog)
        warnings: list[str] = []
        if provider not in DEFAULT_API:
            if target_api is None:
                raise UsageError(
                    f"cannot tell which API serves {target!r}",
                    hint="Pass --api (openai.chat, openai.responses, anthropic.messages, "
                    "gemini.generate) or write provider:model.",
                )
            provider = API_PROVIDER[target_api]
            warnings.append(
                f"{target!r} is not a known {provider} model: the {target_api} defaults are used"
            )
        elif entry is None:
            warnings.append(
                f"{target!r} is not in the catalog: only {provider}'s general rules and "
                "defaults apply; check the model's page for parameter limits"
            )
        api = target_api or DEFAULT_API[provider]
        src_provider, src_entry = resolve_provider(source, catalog)
        return cls(
            target=model_id_for(target, catalog, platform),
            source=model_id_for(source, catalog),
            provider=provider,
            api=api,
            source_provider=src_provider,
            source_api=source_api or DEFAULT_API.get(src_provider or ""),
            policy=policy,
            entry=entry,
            catalog=catalog,
            rules=rules or get_rules(),
            warnings=warnings,
            match_catalog=None if default_catalog else catalog,
            match_rules=rules,
            platform=platform or platform_for(target, entry),
            source_platform=platform or platform_for(source, src_entry),
        )

    # -- model knowledge ---------------------------------------------------------------
    def in_range(self, name: str, model: str | None = None) -> bool:
        return in_range(
            model or self.target, name, catalog=self.match_catalog, rules=self.match_rules
        )

    def rule_url(self, rule_id: str) -> str | None:
        try:
            return self.rules.get(rule_id).source_url
        except KeyError:
            return None

    def violations(self, body: dict[str, Any]) -> list[RuleViolation]:
        return check_request(
            self.target,
            body,
            self.api,
            platform=self.platform,
            catalog=self.match_catalog,
            rules=self.match_rules,
        )

    @property
    def same_model(self) -> bool:
        a = model_names(self.source, self.match_catalog)
        b = model_names(self.target, self.match_catalog)
        return bool(set(a) & set(b))

    @property
    def max_output_tokens(self) -> int | None:
        value = getattr(self.entry, "max_output_tokens", None)
        return value if isinstance(value, int) and value > 0 else None

    # -- recording -----------------------------------------------------------------------
    def record(
        self,
        kind: ChangeKind,
        param: str,
        before: Any,
        after: Any,
        reason: str,
        *,
        rule_id: str | None = None,
        lossy: bool = False,
        source_url: str | None = None,
    ) -> None:
        url = source_url or (self.rule_url(rule_id) if rule_id else None) or API_DOCS[self.api]
        self.changes.append(
            Change(
                kind=kind,
                param=param,
                before=before,
                after=after,
                reason=reason,
                rule_id=rule_id,
                source_url=url,
                lossy=lossy,
            )
        )
        if kind == "unsupported":
            self.warn(f"{param}: {reason}; dropped")

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
