"""Prompt and parameter variants: the variants file, and turning a variant into a prompt.

A variants file (TOML)::

    [[variants]]
    name = "bare-json"
    append = "Return bare JSON with no code fences."   # added on its own line

    [[variants]]
    name = "rewritten"
    system_prompt = \"\"\"You are ...\"\"\"              # replaces the prompt
    params = { temperature = 0.0 }                    # request overrides (None: unset)

Each variant has either ``append`` or ``system_prompt`` (or neither, for a parameter-only
variant), and optional ``params``.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from switchover.errors import InputError

__all__ = ["ORIGINAL", "Variant", "load_variants", "parse_variants", "prompt_diff"]

#: label of the untuned candidate (the migration's own prompt and parameters)
ORIGINAL = "original"
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$"


class Variant(BaseModel):
    """One candidate system prompt and/or parameter set."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=_NAME)
    system_prompt: str | None = None
    append: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    description: str = ""
    source: str = "file"  # "file" | "generated" | "original"

    @model_validator(mode="after")
    def _one_prompt(self) -> Variant:
        if self.system_prompt is not None and self.append is not None:
            raise ValueError("give either system_prompt or append, not both")
        return self

    def prompt(self, base: str | None) -> str | None:
        """The system prompt this variant sends, given the original ``base`` prompt
        (``None`` keeps each case's own prompt)."""
        if self.system_prompt is not None:
            return self.system_prompt
        if self.append is not None:
            return (base.rstrip() + "\n" if base and base.strip() else "") + self.append.strip()
        return base


def parse_variants(data: Any, *, source: str = "<variants>") -> list[Variant]:
    """Validate ``{"variants": [...]}``; errors name the file and the field."""
    if not isinstance(data, dict) or set(data) - {"variants"}:
        raise InputError(
            "expected only a [[variants]] array of tables",
            path=source,
            hint='Write [[variants]] entries with name = "..." and append / system_prompt.',
        )
    raw = data.get("variants")
    if not isinstance(raw, list) or not raw:
        raise InputError(
            "no variants defined",
            path=source,
            field="variants",
            hint='Add at least one [[variants]] table with name = "..."',
        )
    out: list[Variant] = []
    for i, item in enumerate(raw):
        try:
            v = Variant.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise InputError(
                err["msg"].removeprefix("Value error, "),
                path=source,
                field=f"variants[{i}]" + (f".{loc}" if loc else ""),
                hint="A variant has name, and append or system_prompt, and optional params.",
            ) from None
        if v.name == ORIGINAL or v.name in {o.name for o in out}:
            raise InputError(
                f"variant name {v.name!r} is "
                + ("reserved" if v.name == ORIGINAL else "used twice"),
                path=source,
                field=f"variants[{i}].name",
                hint="Give each variant its own name ('original' is the untuned candidate).",
            )
        out.append(v.model_copy(update={"source": "file"}))
    return out


def load_variants(path: str | Path) -> list[Variant]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read variants file: {exc.strerror}", path=str(p)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise InputError(
            f"invalid TOML: {exc}", path=str(p), line=int(m.group(1)) if m else None
        ) from None
    return parse_variants(data, source=str(p))


def prompt_diff(before: str | None, after: str | None, *, name: str = "variant") -> str:
    """A unified diff of two system prompts ('' when equal)."""
    a = (before or "").splitlines(keepends=True)
    b = (after or "").splitlines(keepends=True)
    if a and not a[-1].endswith("\n"):
        a[-1] += "\n"
    if b and not b[-1].endswith("\n"):
        b[-1] += "\n"
    return "".join(difflib.unified_diff(a, b, fromfile=ORIGINAL, tofile=name))
