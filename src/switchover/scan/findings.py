"""The scan's output model (versioned JSON schema, documented in docs/scan.md)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SCHEMA_VERSION",
    "Finding",
    "ParamProblem",
    "ResolvedModel",
    "ScanReport",
    "ScanStats",
]

SCHEMA_VERSION = "1.0"
Lifecycle = Literal["active", "deprecated", "retired", "unknown"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResolvedModel(_Model):
    """One model an expression resolves to, and how it got there."""

    value: str = Field(description="The model ID or deployment value as found")
    catalog_id: str | None = Field(
        None, description="Catalog ID the value resolves to (alias -> snapshot)"
    )
    provider: str | None = None
    platform: str | None = None
    via: list[str] = Field(
        default_factory=list, description="Resolution steps, e.g. 'env OPENAI_MODEL (.env:3)'"
    )
    lifecycle: Lifecycle = "unknown"
    shutdown_date: date | None = None
    days_left: int | None = None
    replacement: str | None = None


class ParamProblem(_Model):
    """A parameter the target model rejects, with the provider's message and the fix."""

    target: str
    param: str
    message: str
    rule_id: str
    fix: str | None = None


class Finding(_Model):
    fingerprint: str = Field(
        description="Stable ID: path, context, SDK/API, expression, enclosing symbol, occurrence"
    )
    path: str
    line: int
    column: int
    cell: int | None = Field(
        None, description="Notebook cell (1-based) when the file is a notebook"
    )
    snippet: str
    kind: Literal["call", "literal"]
    context: str
    usage: bool = Field(
        description="Counts as usage (call argument, constant/default, config, UI model list)"
    )
    provider: str | None = None
    platform: str | None = None
    sdk: str | None = None
    api: str | None = None
    model_expression: str
    resolution: Literal["literal", "constant", "env", "deployment", "unresolved"]
    resolved: list[ResolvedModel] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(default_factory=dict)
    lifecycle: Lifecycle = "unknown"
    days_left: int | None = None
    replacement: str | None = None
    target: str | None = None
    param_problems: list[ParamProblem] = Field(default_factory=list)
    confidence: Literal["high", "medium", "low"] = "medium"
    suppressed: str | None = Field(None, description="Reason given in 'switchover: ignore[reason]'")
    baselined: bool = False


class ScanStats(_Model):
    files_seen: int = 0
    files_read: int = 0
    files_matched: int = 0
    files_parsed: int = 0
    skipped: dict[str, int] = Field(default_factory=dict)
    symlink_loops: int = 0
    warnings: list[str] = Field(default_factory=list)
    warnings_total: int = 0
    jobs: int = 1
    elapsed_s: float = 0.0


class ScanReport(_Model):
    schema_version: str = SCHEMA_VERSION
    tool: str = "switchover"
    tool_version: str
    root: str
    today: date
    target: str | None = None
    findings: list[Finding]
    stats: ScanStats
