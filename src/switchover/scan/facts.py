"""Plain, picklable records that extractors produce per file (before resolution)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "USAGE_CONTEXTS",
    "Context",
    "Deployment",
    "EnvValue",
    "Expr",
    "FileFacts",
    "RawSite",
]

Context = Literal[
    "call_argument",
    "constant",
    "config",
    "ui_list",
    "comment",
    "test_fixture",
    "price_table",
    "other",
]
# Contexts that count as usage by default (the rest need ``--all``).
USAGE_CONTEXTS: frozenset[str] = frozenset({"call_argument", "constant", "config", "ui_list"})


@dataclass(slots=True)
class Expr:
    """A model expression as written: a literal, a name, an environment lookup, or opaque."""

    text: str
    literal: str | None = None  # the string value when the expression is a literal
    ref: str | None = None  # a name to resolve: "NAME", "module.NAME" or "obj.attr"
    env: str | None = None  # environment variable read by the expression
    default: Expr | None = None  # fallback when the env var / name is unset


@dataclass(slots=True)
class RawSite:
    """One call site or model literal, as found in one file."""

    path: str
    line: int
    col: int
    snippet: str
    kind: Literal["call", "literal"]
    context: str
    expr: Expr
    sdk: str | None = None
    api: str | None = None
    provider: str | None = None
    platform: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    cell: int | None = None
    symbol: str = ""  # enclosing function / class / key path, for fingerprints
    suppressed: str | None = None  # reason from ``switchover: ignore[reason]``
    deployment: bool = False  # the expression names an Azure deployment, not a model


@dataclass(slots=True)
class EnvValue:
    """A value given to an environment variable by a .env file, compose, k8s or Dockerfile."""

    name: str
    value: str
    path: str
    line: int


@dataclass(slots=True)
class Deployment:
    """An Azure OpenAI deployment declared in IaC (Terraform / Bicep / ARM)."""

    name: str
    model: str
    version: str | None
    path: str
    line: int


@dataclass(slots=True)
class FileFacts:
    """Everything one file contributes to the scan."""

    path: str
    language: str
    module: str | None = None  # dotted module name (Python) for import resolution
    sites: list[RawSite] = field(default_factory=list)
    constants: dict[str, Expr] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)  # local name -> "module.name"
    env: list[EnvValue] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
