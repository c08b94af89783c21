"""The :class:`Catalog`: indexes over the rows, lookups, replacement chains and prices."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from switchover.catalog.model import NATIVE_PLATFORM, PLATFORMS, ModelEntry
from switchover.chat import Usage
from switchover.errors import UnknownModelError
from switchover.modelref import parse_model_ref

__all__ = ["Catalog", "DataSource", "replacement_candidates"]

_REGION = re.compile(r"^(?:us|eu|apac|jp|au|ca|us-gov|global)\.(?=[a-z0-9-]+\.)")
_BEDROCK_VERSION = re.compile(r"-v\d+(?::\d+)?$")
_DATED = re.compile(r"^(?P<name>.+?)[- ](?P<version>\d{4}-\d{2}-\d{2}|\d{4}|\d{3})$")

# Match kinds, best first.
_EXACT, _ALIAS, _DERIVED, _BARE = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class DataSource:
    """Where some of the catalog's rows came from (shown by ``switchover catalog info``)."""

    kind: str  # "shipped" | "update" | "project" | "overrides"
    path: str
    rows: int


def _platform_rank(entry: ModelEntry) -> int:
    if NATIVE_PLATFORM.get(entry.provider) == entry.platform:
        return 0
    return 1 + PLATFORMS.index(entry.platform)


def _derived_names(entry: ModelEntry) -> list[tuple[str, int]]:
    """Other spellings people use for this row's ID on its platform."""
    mid = entry.id.lower()
    names: list[tuple[str, int]] = []
    if entry.platform == "azure" and " " in mid:
        name, _, version = mid.partition(" ")
        names += [(f"{name}-{version}", _DERIVED), (f"{name}:{version}", _DERIVED), (name, _BARE)]
    if entry.platform == "bedrock":
        base = _BEDROCK_VERSION.sub("", mid)
        if base != mid:
            names.append((base, _DERIVED))
        _vendor, dot, rest = base.partition(".")
        if dot and rest:
            names.append((rest, _DERIVED))
    if entry.platform == "vertex" and "@" in mid:
        names += [(mid.replace("@", "-"), _DERIVED), (mid.partition("@")[0], _BARE)]
    return names


def _normalise(model: str) -> str:
    mid = model.strip().lower()
    if mid.startswith("arn:") and "/" in mid:
        mid = mid.rsplit("/", 1)[1]
    return _REGION.sub("", mid)


def replacement_candidates(text: str) -> list[str]:
    """Model IDs named by a free-text replacement ("gpt-5 or gpt-4.1", "Gemini 3.5 Flash")."""
    cleaned = re.sub(r"\([^)]*\)", " ", text)
    parts = re.split(r"\s+or\s+|,|\s/\s", cleaned)
    out: list[str] = []
    for part in parts:
        part = part.strip()
        if not part or part.lower().startswith("none"):
            continue
        out.append(part)
        if " " in part:
            out.append(re.sub(r"\s+", "-", part.lower()))
    return out


class Catalog:
    """All known models. Build with :func:`switchover.catalog.load_catalog`."""

    def __init__(self, entries: Iterable[ModelEntry], *, sources: list[DataSource] | None = None):
        self.entries: list[ModelEntry] = list(entries)
        self.sources: list[DataSource] = list(sources or [])
        self._index: dict[str, list[tuple[int, ModelEntry]]] = {}
        for entry in self.entries:
            self._add(entry.id.lower(), _EXACT, entry)
            for alias in entry.aliases:
                self._add(alias.lower(), _ALIAS, entry)
            for name, kind in _derived_names(entry):
                self._add(name, kind, entry)
        self._known = frozenset(name for e in self.entries for name in e.names)

    def _add(self, key: str, kind: int, entry: ModelEntry) -> None:
        self._index.setdefault(key, []).append((kind, entry))

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[ModelEntry]:
        return iter(self.entries)

    # -- lookups -------------------------------------------------------------------------

    def _split(self, model_id: str) -> tuple[str | None, str, str | None]:
        """(explicit provider, model, platform) from an ID or a ``provider:model@platform`` ref."""
        text = model_id.strip()
        head, at, tail = text.rpartition("@")
        if not at or tail.lower() not in PLATFORMS:
            # No platform suffix; "claude-sonnet-4-5@20250929" is a Vertex ID.
            head, tail = text, ""
        # Hide a Vertex "@version" from the ref parser, which would read it as a platform.
        hidden = head.replace("@", "\x00")
        ref = parse_model_ref(f"{hidden}@{tail.lower()}" if tail else hidden)
        explicit = ref.provider if ref.model != hidden.strip() else ""
        return explicit or None, ref.model.replace("\x00", "@"), ref.platform

    def _candidates(self, model: str) -> list[tuple[int, ModelEntry]]:
        key = _normalise(model)
        found = self._index.get(key)
        if found:
            return found
        base = _BEDROCK_VERSION.sub("", key)
        if base != key and base in self._index:
            return [(max(kind, _DERIVED), e) for kind, e in self._index[base]]
        dated = _DATED.match(key)
        if dated:
            spaced = f"{dated['name']} {dated['version']}"
            if spaced in self._index:
                return self._index[spaced]
        return []

    def _find(self, provider: str | None, model: str, platform: str | None) -> ModelEntry | None:
        candidates = self._candidates(model)
        if platform:
            candidates = [c for c in candidates if c[1].platform == platform]
        if provider:
            candidates = [c for c in candidates if c[1].provider == provider] or candidates
        if not candidates:
            return None
        best = min((_platform_rank(e), kind) for kind, e in candidates)
        tied = [e for kind, e in candidates if (_platform_rank(e), kind) == best]
        # Several Azure (or Vertex) versions of one name: the newest version.
        return max(tied, key=lambda e: (re.split(r"[ @]", e.id)[-1], e.id))

    def _on_platform(self, entry: ModelEntry, platform: str) -> ModelEntry | None:
        """The row of ``entry``'s model on ``platform`` (the rows "also on" lists)."""
        if entry.platform == platform:
            return entry
        for name in entry.names:  # the ID first, then its aliases
            found = self._find(entry.provider, name, platform)
            if found is not None:
                return found
        return None

    def lookup(self, model_id: str, platform: str | None = None) -> ModelEntry | None:
        """The row for an ID, alias or ref; ``None`` when unknown.

        Without a platform, a provider's own platform wins over Azure/Bedrock/Vertex; a bare
        Azure model name resolves to its newest version. With a platform, a name that is not
        spelled that way on the platform (``claude-sonnet-4-5@bedrock``) is resolved without
        the platform first, then that model's row on the platform is taken.
        """
        provider, model, ref_platform = self._split(model_id)
        platform = platform or ref_platform
        found = self._find(provider, model, platform)
        if found is None and platform:
            home = self._find(provider, model, None)
            if home is not None:
                found = self._on_platform(home, platform)
        return found

    def also_on(self, entry: ModelEntry) -> list[ModelEntry]:
        """The same model's rows on other platforms, in catalog order."""
        return [
            e for e in self.entries if e is not entry and self._on_platform(entry, e.platform) is e
        ]

    def require(self, model_id: str, platform: str | None = None) -> ModelEntry:
        """Like :meth:`lookup` but raises :class:`UnknownModelError` with suggestions.

        When the model is known but not offered on the platform asked for, the error says so
        and names the platforms it is on.
        """
        entry = self.lookup(model_id, platform)
        if entry is not None:
            return entry
        provider, model, ref_platform = self._split(model_id)
        platform = platform or ref_platform
        home = self._find(provider, model, None) if platform else None
        if home is not None and platform is not None:
            platforms = {home.platform} | {e.platform for e in self.also_on(home)}
            platforms |= {
                e.platform for _, e in self._candidates(model) if e.provider == home.provider
            }
            name = f"{provider}:{model}" if provider else model
            exc = UnknownModelError(f"{name}@{platform}")
            exc.message = f"{name} is not offered on {platform} in the catalog"
            known_as = "" if home.id.lower() == model.lower() else f" ({home.id})"
            exc.hint = (
                f"{name}{known_as} is in the catalog on: {', '.join(sorted(platforms))}. Pick"
                " one of those platforms, or add the row under [catalog] in switchover.toml."
            )
            raise exc
        raise UnknownModelError(model_id, suggestions=self.suggest(model_id))

    def suggest(self, model_id: str, n: int = 3) -> list[str]:
        """Close spellings of an unknown ID (difflib)."""
        by_lower: dict[str, str] = {name.lower(): name for name in sorted(self._known)}
        target = _normalise(self._split(model_id)[1])
        matches = difflib.get_close_matches(target, list(by_lower), n=n, cutoff=0.6)
        return [by_lower[m] for m in matches]

    def known_ids(self) -> frozenset[str]:
        """Every ID and alias, as written in the data."""
        return self._known

    def on(self, platform: str) -> list[ModelEntry]:
        return [e for e in self.entries if e.platform == platform]

    # -- lifecycle and money -------------------------------------------------------------

    def resolve_replacement(self, entry: ModelEntry) -> ModelEntry | None:
        """The row ``entry.replacement`` names (same platform first), if any."""
        if not entry.replacement:
            return None
        for name in replacement_candidates(entry.replacement):
            found = self.lookup(name, entry.platform) or self.lookup(name)
            if found is not None and found is not entry:
                return found
        return None

    def replacement_chain(
        self, model_id: str, platform: str | None = None, *, today: date | None = None
    ) -> list[ModelEntry]:
        """The model, then each replacement in turn until one is active on ``today``.

        Stops at a cycle or at a replacement the catalog does not know.
        """
        day = today or date.today()
        current = self.require(model_id, platform)
        chain = [current]
        seen = {current.ref}
        while current.status_on(day) != "active":
            nxt = self.resolve_replacement(current)
            if nxt is None or nxt.ref in seen:
                break
            chain.append(nxt)
            seen.add(nxt.ref)
            current = nxt
        return chain

    def cost(self, model_id: str | ModelEntry, usage: Usage) -> float | None:
        """USD for ``usage``; ``None`` when the model or a needed price is unknown.

        ``usage.cached_input_tokens`` are part of ``input_tokens`` and billed at the cached
        price (the input price when no cached price is known); reasoning tokens are part of
        ``output_tokens``.
        """
        entry = model_id if isinstance(model_id, ModelEntry) else self.lookup(model_id)
        if entry is None:
            return None
        cached = min(max(usage.cached_input_tokens, 0), max(usage.input_tokens, 0))
        fresh = max(usage.input_tokens, 0) - cached
        out = max(usage.output_tokens, 0)
        in_price = entry.input_per_mtok
        cached_price = entry.cached_input_per_mtok
        if cached_price is None:
            cached_price = in_price
        total = 0.0
        for tokens, price in (
            (fresh, in_price),
            (cached, cached_price),
            (out, entry.output_per_mtok),
        ):
            if tokens == 0:
                continue
            if price is None:
                return None
            total += tokens * price / 1_000_000
        return total
