"""One catalog row: a model on one platform, with its lifecycle, price and provenance.

Status on a date follows the rules in ``docs/catalog.md`` ("Status"):

* **retired** on or after ``shutdown_date``; a row the source labels retired without a date is
  retired on every day.
* **deprecated** from ``deprecation_announced`` until shutdown. A row the source labels
  deprecated or retired but whose announcement date is unknown counts as deprecated before its
  shutdown (a planning tool should rather warn early than late).
* **active** otherwise - including Azure/Vertex rows whose retirement date was scheduled at
  launch, and Anthropic "Legacy" models.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "CAPABILITIES",
    "COLUMNS",
    "NATIVE_PLATFORM",
    "PLATFORMS",
    "SOURCE_KINDS",
    "ModelEntry",
    "Status",
]

Status = Literal["active", "deprecated", "retired"]

#: Platforms a catalog row may name. The first eight are the shipped data's platforms.
PLATFORMS: tuple[str, ...] = (
    "openai",
    "anthropic",
    "gemini-api",
    "vertex",
    "azure",
    "bedrock",
    "mistral",
    "cohere",
    "openai-compatible",
    "sim",
)

#: The platform a provider serves its own models on (the default when an ID is on several).
NATIVE_PLATFORM: dict[str, str] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "gemini-api",
    "mistral": "mistral",
    "cohere": "cohere",
    "sim": "sim",
}

#: Capability vocabulary (derivation rules: scripts/build_catalog.py, docs/catalog.md).
CAPABILITIES = frozenset(
    {
        "chat",
        "tools",
        "json",
        "vision",
        "reasoning",
        "embeddings",
        "audio",
        "image",
        "video",
        "moderation",
        "rerank",
        "completions",
        "ocr",
    }
)

SOURCE_KINDS = frozenset({"official", "official-mirror", "peer", "user"})

#: Column order of the shipped CSV (and of ``catalog update`` CSV files).
COLUMNS: tuple[str, ...] = (
    "provider",
    "platform",
    "id",
    "aliases",
    "status",
    "released",
    "deprecation_announced",
    "shutdown_date",
    "replacement",
    "input_per_mtok",
    "cached_input_per_mtok",
    "output_per_mtok",
    "context_window",
    "max_output_tokens",
    "capabilities",
    "source_url",
    "source_kind",
    "retrieved",
    "price_source_url",
    "note",
    "previous_plan",
)

_LIST_FIELDS = ("aliases", "capabilities")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/ -]*$")


def _split_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


class ModelEntry(BaseModel):
    """A model on one platform. Immutable; build one with ``ModelEntry.model_validate``."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    provider: str = Field(min_length=1)
    platform: str
    id: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    status: Status
    released: date | None = None
    deprecation_announced: date | None = None
    shutdown_date: date | None = None
    replacement: str | None = None
    input_per_mtok: float | None = Field(default=None, ge=0)
    cached_input_per_mtok: float | None = Field(default=None, ge=0)
    output_per_mtok: float | None = Field(default=None, ge=0)
    context_window: int | None = Field(default=None, gt=0)
    max_output_tokens: int | None = Field(default=None, gt=0)
    capabilities: frozenset[str] = frozenset()
    source_url: str = Field(min_length=1)
    source_kind: str
    retrieved: date
    price_source_url: str | None = None
    note: str = ""
    previous_plan: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _blank_to_none(cls, data: Any) -> Any:
        """CSV cells are strings: an empty cell means "not known"."""
        if not isinstance(data, dict):
            return data
        out: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, str) and not value.strip() and key not in ("note",):
                value = None
            if key in _LIST_FIELDS:
                value = _split_list(value)
            if key == "note" and value is None:
                value = ""
            out[key] = value
        return out

    @field_validator("provider")
    @classmethod
    def _check_provider(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", value):
            raise ValueError(f"provider {value!r} must be lower-case letters, digits and '-'")
        return value

    @field_validator("platform")
    @classmethod
    def _check_platform(cls, value: str) -> str:
        if value not in PLATFORMS:
            raise ValueError(f"unknown platform {value!r}; expected one of {', '.join(PLATFORMS)}")
        return value

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"model id {value!r} has characters a model id cannot have")
        return value

    @field_validator("aliases")
    @classmethod
    def _check_aliases(cls, value: list[str]) -> list[str]:
        for alias in value:
            if not _NAME.match(alias):
                raise ValueError(f"alias {alias!r} has characters a model id cannot have")
        return value

    @field_validator("capabilities", mode="before")
    @classmethod
    def _check_capabilities(cls, value: Any) -> Any:
        items = _split_list(value)
        unknown = sorted(set(items) - CAPABILITIES)
        if unknown:
            raise ValueError(
                f"unknown capability {', '.join(unknown)}; expected some of "
                + ", ".join(sorted(CAPABILITIES))
            )
        return frozenset(items)

    @field_validator("source_kind")
    @classmethod
    def _check_source_kind(cls, value: str) -> str:
        if value not in SOURCE_KINDS:
            raise ValueError(f"source_kind must be one of {', '.join(sorted(SOURCE_KINDS))}")
        return value

    @model_validator(mode="after")
    def _check_dates(self) -> ModelEntry:
        if (
            self.shutdown_date
            and self.deprecation_announced
            and self.deprecation_announced > self.shutdown_date
        ):
            raise ValueError("deprecation_announced is after shutdown_date")
        if self.shutdown_date and self.released and self.released > self.shutdown_date:
            raise ValueError("released is after shutdown_date")
        return self

    # -- derived facts -------------------------------------------------------------------

    @property
    def ref(self) -> str:
        """``provider:id@platform``: unambiguous across platforms."""
        return f"{self.provider}:{self.id}@{self.platform}"

    @property
    def names(self) -> list[str]:
        """The ID followed by its aliases."""
        return [self.id, *self.aliases]

    def status_on(self, day: date) -> Status:
        """Lifecycle status on ``day`` (see the module docstring for the rules)."""
        if self.shutdown_date is not None and day >= self.shutdown_date:
            return "retired"
        if self.status == "retired" and self.shutdown_date is None:
            return "retired"
        if self.deprecation_announced is not None:
            return "deprecated" if day >= self.deprecation_announced else "active"
        if self.status in ("deprecated", "retired"):
            return "deprecated"
        return "active"

    def days_left(self, day: date) -> int | None:
        """Days from ``day`` to the shutdown date; negative once past, ``None`` if no date."""
        if self.shutdown_date is None:
            return None
        return (self.shutdown_date - day).days

    def to_row(self) -> dict[str, str]:
        """This entry as one CSV row (strings; lists joined with ``;``)."""
        row: dict[str, str] = {}
        for column in COLUMNS:
            value: Any = getattr(self, column)
            if value is None:
                text = ""
            elif column == "aliases":
                text = ";".join(value)
            elif column == "capabilities":
                text = ";".join(sorted(value))
            elif isinstance(value, float):
                text = f"{value:g}" if value == value else ""
            else:
                text = str(value)
            row[column] = text
        return row

    def to_json(self) -> dict[str, Any]:
        """This entry as JSON-ready data (dates ISO, capabilities sorted)."""
        data = self.model_dump(mode="json")
        data["capabilities"] = sorted(self.capabilities)
        return data
