"""``switchover.toml``: the one configuration file every command reads.

The schema is pydantic (``Config``); ``switchover config schema`` exports it as JSON Schema for
editors. Validation errors name the key path *and the line* in the file, because a pydantic
location alone (``migrations.0.eval.margins``) is hard to find in a long file. Every problem
(field errors and the cross-section checks) is reported at once, each with a hint
(:class:`ConfigProblems`).

Sections (all optional but ``migrations`` for most commands)::

    [project]            name, store URL, reports directory
    [upstreams.NAME]     how to reach a provider (registry name, base URL, key env var, limits)
    [[migrations]]       from, to, deadline, owner, aliases, eval, rollout, adaptation policy
    [catalog]            [[catalog.models]] entries that add to or override the shipped catalog
    [scan]               include/exclude globs, Azure deployment -> model mapping
"""

from __future__ import annotations

import difflib
import re
import tomllib
import typing
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from switchover.errors import ConfigError, UsageError
from switchover.modelref import PLATFORMS, ModelRef, parse_model_ref

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "Config",
    "ConfigProblem",
    "ConfigProblems",
    "EvalSettings",
    "Migration",
    "ProjectSettings",
    "ScanSettings",
    "UpstreamSettings",
    "find_config",
    "load_config",
    "parse_duration",
    "serving_platform",
]

DEFAULT_CONFIG_NAME = "switchover.toml"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNIT_S = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: Platforms that host other vendors' models (with their own rules and model ids).
_HOSTING_PLATFORMS = ("azure", "bedrock", "vertex")


def parse_duration(text: str | float | int) -> float:
    """``"90s"``, ``"15m"``, ``"24h"``, ``"7d"``, ``"2w"`` or a number of seconds -> seconds."""
    if isinstance(text, (int, float)):
        if text < 0:
            raise ValueError("a duration cannot be negative")
        return float(text)
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"bad duration {text!r}: write e.g. 30s, 15m, 24h or 7d")
    return float(m.group(1)) * _UNIT_S[m.group(2)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ProjectSettings(_Section):
    name: str = "switchover"
    store: str = "sqlite:///.switchover/state.db"
    reports_dir: str = "switchover-reports"


class UpstreamSettings(_Section):
    """One upstream: a registered provider plus how to reach it. Keys come from the
    environment variable named in ``api_key_env``, never from this file."""

    provider: str
    base_url: str | None = None
    api_key_env: str | None = None
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=10)
    max_concurrency: int = Field(default=16, ge=1, le=1024)
    requests_per_minute: int | None = Field(default=None, ge=1)
    tokens_per_minute: int | None = Field(default=None, ge=1)
    options: dict[str, Any] = Field(default_factory=dict)

    def provider_options(self, base: Path | None) -> dict[str, Any]:
        """``options`` as the provider gets them: a simulator ``profiles`` file named by a
        relative path is found next to the plan (``base``), not in the working directory."""
        opts = dict(self.options)
        prof = opts.get("profiles")
        if self.provider == "sim" and isinstance(prof, str) and base is not None:
            opts["profiles"] = str(Path(prof) if Path(prof).is_absolute() else base / prof)
        return opts

    @field_validator("provider")
    @classmethod
    def _registered_provider(cls, v: str) -> str:
        from switchover.providers.base import available_providers

        known = available_providers()
        if known and v not in known:
            raise ValueError(f"unknown provider {v!r}; use one of: {', '.join(known)}")
        return v

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, v: str | None) -> str | None:
        if v is not None and not v.lower().startswith(("http://", "https://")):
            raise ValueError(f"{v!r} is not an http:// or https:// URL")
        return v

    @field_validator("options")
    @classmethod
    def _no_keys_in_file(cls, v: dict[str, Any]) -> dict[str, Any]:
        for k in v:
            if "key" in k.lower() and "env" not in k.lower():
                raise ValueError(
                    f"{k!r}: API keys do not belong in switchover.toml; "
                    "name the environment variable in api_key_env instead"
                )
        return v

    @field_validator("options")
    @classmethod
    def _known_platform(cls, v: dict[str, Any]) -> dict[str, Any]:
        platform = v.get("platform")
        if platform is not None and platform not in PLATFORMS:
            raise ValueError(f"unknown platform {platform!r}; use one of: {', '.join(PLATFORMS)}")
        return v

    @property
    def platform(self) -> str | None:
        """The platform this upstream serves models on when it is not the vendor's own API:
        ``options.platform``, else the provider's name (``azure``, ``azure-responses``: azure;
        a ``bedrock...`` / ``vertex...`` provider); None = first-party."""
        explicit = self.options.get("platform")
        if explicit:
            return str(explicit)
        head = self.provider.split("-", 1)[0]
        return head if head in _HOSTING_PLATFORMS else None


def serving_platform(
    ref: ModelRef, upstream: UpstreamSettings | None, default: str | None = None
) -> str | None:
    """The platform a model is called on, for the platform-scoped parameter rules: the ref's
    ``@platform``, else the upstream's (:attr:`UpstreamSettings.platform`), else ``default``
    (the migration's ``platform``); None = first-party / unknown."""
    return ref.platform or (upstream.platform if upstream is not None else None) or default


class EvalSettings(_Section):
    datasets: list[str] = Field(default_factory=list)
    checks: list[str] = Field(
        default_factory=lambda: [
            "json_valid",
            "tool_calls",
            "refusal",
            "truncation",
            "length_ratio",
        ]
    )
    margins: dict[str, float] = Field(default_factory=dict)
    #: metric name -> counts for the verdict (e.g. ``{semantic_similarity = true}``)
    gates: dict[str, bool] = Field(default_factory=dict)
    repeats: int = Field(default=1, ge=1, le=100)
    sample: int | None = Field(default=None, ge=1)
    stratify_by: Literal["tag", "call_site"] | None = None
    seed: int = 0
    judge: str | None = None
    rubric: str | None = None
    #: embedding model of the semantic_similarity metric: "provider:model" or "local"
    embeddings: str | None = None
    max_cost_usd: float | None = Field(default=None, ge=0)
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    assertions: list[dict[str, Any]] = Field(default_factory=list)
    candidates: list[dict[str, Any]] = Field(default_factory=list)


class Migration(_Section):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    from_: str = Field(alias="from")
    to: str
    platform: str | None = None
    deadline: date | None = None
    owner: str | None = None
    aliases: list[str] = Field(default_factory=list)
    baseline_upstream: str | None = None
    candidate_upstream: str | None = None
    adaptation: Literal["strict", "lenient"] = "lenient"
    system_prompt: str | None = None
    eval: EvalSettings = Field(default_factory=EvalSettings)
    # Validated by switchover.rollout's plan model where it is used (gateway, rollout CLI).
    rollout: dict[str, Any] = Field(default_factory=dict)

    @property
    def from_ref(self) -> ModelRef:
        return parse_model_ref(self.from_)

    @property
    def to_ref(self) -> ModelRef:
        return parse_model_ref(self.to)

    @field_validator("from_", "to")
    @classmethod
    def _model_ref(cls, v: str) -> str:
        try:
            parse_model_ref(v)
        except UsageError as exc:
            raise ValueError(f"{exc.message} (write provider:model, e.g. openai:gpt-4o)") from None
        return v


class ScanSettings(_Section):
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    azure_deployments: dict[str, str] = Field(default_factory=dict)
    respect_gitignore: bool = True


class CatalogSettings(_Section):
    models: list[dict[str, Any]] = Field(default_factory=list)


class Config(_Section):
    project: ProjectSettings = Field(default_factory=ProjectSettings)
    upstreams: dict[str, UpstreamSettings] = Field(default_factory=dict)
    migrations: list[Migration] = Field(default_factory=list)
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)
    scan: ScanSettings = Field(default_factory=ScanSettings)
    #: where the file was read from (not part of the file)
    path: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> Config:
        if isinstance(info.context, dict) and info.context.get("cross_checks") is False:
            return self  # load_config runs them itself, next to the field errors
        keys = {"name", "baseline_upstream", "candidate_upstream"}
        problems = _cross_problems(
            {
                "upstreams": dict.fromkeys(self.upstreams),
                "migrations": [m.model_dump(include=keys) for m in self.migrations],
            }
        )
        if problems:
            raise ValueError("; ".join(p.message for p in problems))
        return self

    def migration(self, name: str | None) -> Migration:
        """The named migration, or the only one when ``name`` is None."""
        if name is None:
            if len(self.migrations) == 1:
                return self.migrations[0]
            where = str(self.path) if self.path else DEFAULT_CONFIG_NAME
            if not self.migrations:
                raise ConfigError(
                    "no migrations defined", path=where, hint="Run `switchover init` to write one."
                )
            raise ConfigError(
                "several migrations defined; choose one",
                path=where,
                hint="Pass --migration NAME: " + ", ".join(m.name for m in self.migrations),
            )
        for m in self.migrations:
            if m.name == name:
                return m
        raise ConfigError(
            f"no migration named {name!r}",
            path=str(self.path) if self.path else None,
            hint="Known: " + (", ".join(m.name for m in self.migrations) or "none"),
        )

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return cls.model_json_schema(by_alias=True)


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ``switchover.toml`` in ``start`` or its parents."""
    here = (start or Path.cwd()).resolve()
    for d in [here, *here.parents]:
        candidate = d / DEFAULT_CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _line_of(text: str, loc: tuple[str | int, ...]) -> int | None:
    """Best-effort line number of a pydantic error location in TOML ``text``.

    Tracks table headers (``[a.b]`` and ``[[a]]`` with their index) and returns the line of
    the deepest key on the location's path that is present in the file.
    """
    path = [str(p) for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
    counters: dict[str, int] = {}
    table: list[str] = []
    best: tuple[int, int] | None = None  # (matched depth, line)
    header = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    keyre = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")
    for no, line in enumerate(text.splitlines(), start=1):
        h = header.match(line)
        if h:
            parts = [p.strip().strip("\"'") for p in h.group(2).split(".")]
            resolved: list[str] = []
            for j, part in enumerate(parts):
                resolved.append(part)
                if h.group(1) == "[[" and j == len(parts) - 1:
                    prefix = ".".join(resolved)
                    counters[prefix] = counters.get(prefix, -1) + 1
                    resolved.append(str(counters[prefix]))
                elif ".".join(resolved) in counters and j < len(parts) - 1:
                    resolved.append(str(counters[".".join(resolved)]))
            table = resolved
            cand = table
        else:
            k = keyre.match(line)
            if not k:
                continue
            cand = table + [p.strip("\"'") for p in k.group(1).split(".")]
        depth = 0
        for a, b in zip(cand, path, strict=False):
            if a != b:
                break
            depth += 1
        if depth == len(cand) and depth > 0 and (best is None or depth > best[0]):
            best = (depth, no)
    return best[1] if best else None


def load_config(path: Path | str | None = None, *, required: bool = True) -> Config:
    """Read and validate ``switchover.toml``. Without ``path``, look upwards from the cwd.

    Returns an empty default ``Config`` when no file exists and ``required`` is false.
    """
    p = Path(path) if path is not None else find_config()
    if p is None or not p.exists():
        if required:
            raise ConfigError(
                f"{DEFAULT_CONFIG_NAME} not found" if p is None else "file not found",
                path=str(p) if p else None,
                hint="Run `switchover init` to create one, or pass --config PATH.",
            )
        return Config()
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text ({exc.reason})", path=str(p)) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read the file: {exc.strerror}",
            path=str(p),
            hint="Pass the path of a switchover.toml file with --config.",
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            f"invalid TOML: {exc}",
            path=str(p),
            line=int(m.group(1)) if m else None,
            hint="Check quoting, brackets and that each key appears once per table.",
        ) from None
    problems: list[ConfigProblem] = []
    cfg: Config | None = None
    try:
        cfg = Config.model_validate(data, context={"cross_checks": False})
    except ValidationError as exc:
        problems.extend(_problem(err) for err in exc.errors())
    problems.extend(_cross_problems(data))
    if problems:
        raise ConfigProblems(problems, path=str(p), text=text)
    assert cfg is not None
    cfg.path = p
    return cfg


# -- reporting every problem at once ------------------------------------------------------

_SCHEMA_HINT = "`switchover config schema` lists every key with its type."


class ConfigProblem(BaseModel):
    """One validation problem: where (key path), what, and what to do."""

    model_config = ConfigDict(frozen=True)

    loc: tuple[str | int, ...]
    message: str
    hint: str

    @property
    def field(self) -> str:
        return ".".join(str(x) for x in self.loc) or "(top level)"


class ConfigProblems(ConfigError):
    """Every problem found in one ``switchover.toml``; ``path`` / ``line`` / ``field`` are
    the first one's, ``problems`` lists them all (in file order) with their lines."""

    def __init__(self, problems: list[ConfigProblem], *, path: str, text: str) -> None:
        located = sorted(
            ((_line_of(text, pr.loc), pr) for pr in problems),
            key=lambda lp: (lp[0] is None, lp[0] or 0),
        )
        self.problems = [pr for _, pr in located]
        self.lines = [line for line, _ in located]
        line, first = located[0]
        if len(located) == 1:
            super().__init__(
                first.message, path=path, line=line, field=first.field, hint=first.hint
            )
            return
        rows = [f"{len(located)} problems in {path}:"]
        for at, pr in located:
            where = f"{path}:{at}" if at is not None else path
            rows.append(f"  {where}: {pr.field}: {pr.message}")
            rows.append(f"      hint: {pr.hint}")
        super().__init__(
            "\n".join(rows), hint="Fix them all, then run the command again. " + _SCHEMA_HINT
        )
        self.path, self.line, self.field = path, line, first.field


def _problem(err: Any) -> ConfigProblem:
    """A pydantic error as a problem with a hint on what to write instead."""
    loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x.startswith("function-")))
    kind = err["type"]
    msg = str(err["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1) if loc else []
        if close:
            hint = f"Did you mean {close[0]!r}?"
        elif known:
            hint = "Check the spelling; keys here: " + ", ".join(known) + "."
        else:
            hint = "Check the spelling. " + _SCHEMA_HINT
        return ConfigProblem(loc=loc, message="unknown key", hint=hint)
    if kind == "missing":
        return ConfigProblem(
            loc=loc, message="required key is missing", hint=f"Add {loc[-1]} = ..."
        )
    if kind in ("literal_error", "enum"):
        return ConfigProblem(loc=loc, message=msg, hint="Use one of the values listed.")
    if kind.endswith(("_type", "_parsing")):
        got = err.get("input")
        return ConfigProblem(
            loc=loc,
            message=f"{msg} (got {got!r})",
            hint="Write a value of that type. " + _SCHEMA_HINT,
        )
    if kind.startswith(("greater", "less", "too_short", "too_long", "string_pattern")):
        return ConfigProblem(loc=loc, message=msg, hint="Change the value to fit. " + _SCHEMA_HINT)
    return ConfigProblem(loc=loc, message=msg, hint="Correct the value. " + _SCHEMA_HINT)


def _known_keys(loc: tuple[str | int, ...]) -> list[str]:
    """The keys the schema allows in the table at ``loc``, or [] when it is free-form."""
    model: Any = Config
    rest = list(loc)
    while True:
        if typing.get_origin(model) in (list, dict):  # an index or a key of a container
            if not rest:
                return []
            rest.pop(0)
            model = typing.get_args(model)[-1]
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        fields = {f.alias or name: f for name, f in model.model_fields.items() if name != "path"}
        if not rest:
            return sorted(fields)
        field = fields.get(str(rest.pop(0)))
        if field is None:
            return []
        model = field.annotation


def _cross_problems(data: Any) -> list[ConfigProblem]:
    """Checks across sections (unique migration names, upstreams that exist), over the raw
    file data so that they are reported next to the field errors."""
    if not isinstance(data, dict):
        return []
    ups = data.get("upstreams")
    upstreams = sorted(ups) if isinstance(ups, dict) else []
    migs = data.get("migrations")
    out: list[ConfigProblem] = []
    seen: set[str] = set()
    for i, m in enumerate(migs if isinstance(migs, list) else []):
        if not isinstance(m, dict):
            continue
        name = m.get("name")
        if isinstance(name, str):
            if name in seen:
                out.append(
                    ConfigProblem(
                        loc=("migrations", i, "name"),
                        message=f"migration names must be unique: {name} is used twice",
                        hint="Rename one of them.",
                    )
                )
            seen.add(name)
        for key in ("baseline_upstream", "candidate_upstream"):
            up = m.get(key)
            if isinstance(up, str) and up not in upstreams:
                out.append(
                    ConfigProblem(
                        loc=("migrations", i, key),
                        message=f"no upstream named {up!r}",
                        hint="Known: "
                        + (", ".join(upstreams) or "none defined")
                        + f"; add [upstreams.{up}] or name one of those.",
                    )
                )
    return out
