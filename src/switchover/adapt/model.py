"""Result types of the adapter: one :class:`Change` per edit, collected in :class:`Adapted`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from switchover.chat import ChatRequest
from switchover.errors import EXIT_USAGE, SwitchoverError

__all__ = ["API_IDS", "AdaptationError", "Adapted", "Change", "ChangeKind", "Policy"]

API_IDS = ("openai.chat", "openai.responses", "anthropic.messages", "gemini.generate")
Policy = Literal["strict", "lenient"]
ChangeKind = Literal[
    "rename", "drop", "clamp", "default_added", "role_mapped", "translated", "unsupported"
]


class Change(BaseModel):
    """One edit the adapter made, with why, the rule that required it and its source."""

    model_config = ConfigDict(frozen=True)

    kind: ChangeKind
    param: str
    before: Any = None
    after: Any = None
    reason: str
    rule_id: str | None = None
    source_url: str | None = None
    lossy: bool = False

    def summary(self) -> str:
        rule = f" [{self.rule_id}]" if self.rule_id else ""
        return f"{self.kind} {self.param}: {self.reason}{rule}"


class Adapted(BaseModel):
    """The adapted request, what changed, and warnings a person should read."""

    request: ChatRequest
    changes: list[Change] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    target_api: str = "openai.chat"

    @property
    def lossy(self) -> list[Change]:
        return [c for c in self.changes if c.lossy]

    def to_json(self) -> dict[str, Any]:
        return {
            "target_api": self.target_api,
            "changes": [c.model_dump(mode="json") for c in self.changes],
            "warnings": list(self.warnings),
        }


class AdaptationError(SwitchoverError):
    """The strict policy met a lossy change, or the target cannot be adapted to."""

    exit_code = EXIT_USAGE

    def __init__(
        self, message: str, *, changes: list[Change] | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.changes = changes or []
