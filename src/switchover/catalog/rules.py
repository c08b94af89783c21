"""Request-parameter rules between model generations, loaded from ``data/param_rules.yaml``.

``check_request(model, wire_body, api)`` says which rules a wire body breaks on a model (what
the provider would answer with a 400); ``rules_for(model)`` lists every rule, advisory ones
included, that concerns a model. The simulator, the scanner and the adapter share this data.

A rule may be scoped to platforms (``platforms: [bedrock]``): it concerns a model only when
the platform is known to be one of them, passed as ``platform=`` or read from the model id
(``platform_of``: ``@bedrock`` / ``bedrock:`` refs, Bedrock ids such as ``anthropic.claude-...``
or ``us.anthropic.claude-...``, Vertex ids such as ``claude-...@20251101``).
"""

from __future__ import annotations

import fnmatch
import functools
import importlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from switchover.errors import CatalogError, SwitchoverError

__all__ = [
    "API_IDS",
    "Condition",
    "ParamRule",
    "RuleCheck",
    "RuleFix",
    "RuleSet",
    "RuleViolation",
    "check_request",
    "clear_rules_cache",
    "default_catalog",
    "get_rules",
    "in_range",
    "load_rules",
    "model_names",
    "normalize_model_id",
    "platform_of",
    "rules_for",
    "rules_table",
]

API_IDS = ("openai.chat", "openai.responses", "anthropic.messages", "gemini.generate")
ApiId = Literal["openai.chat", "openai.responses", "anthropic.messages", "gemini.generate"]
DATA_FILE = Path(__file__).parent / "data" / "param_rules.yaml"
# libyaml's safe loader when available (about 10x faster than the pure-Python one)
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MISSING: Any = object()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ValuesOp(_Strict):
    path: str
    values: list[Any]


class DefaultOp(_Strict):
    path: str
    default: Any


class RoleOp(_Strict):
    path: str = "messages"
    role: str


class CompareOp(_Strict):
    path: str
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: float | None = None
    other: str | None = None

    @model_validator(mode="after")
    def _one_side(self) -> CompareOp:
        if (self.value is None) == (self.other is None):
            raise ValueError("compare needs exactly one of 'value' or 'other'")
        return self


class ContainsOp(_Strict):
    path: str
    field: str
    values: list[Any]


class PatternsOp(_Strict):
    patterns: list[str]


class Condition(_Strict):
    """One operator over a wire body (see the header of ``param_rules.yaml``)."""

    present: str | None = None
    missing: str | None = None
    in_: ValuesOp | None = Field(default=None, alias="in")
    not_in: ValuesOp | None = None
    not_default: DefaultOp | None = None
    all_present: list[str] | None = None
    last_role: RoleOp | None = None
    compare: CompareOp | None = None
    contains: ContainsOp | None = None
    raw_model: PatternsOp | None = None
    all_: list[Condition] | None = Field(default=None, alias="all")
    any_: list[Condition] | None = Field(default=None, alias="any")
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        used = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(used) != 1:
            raise ValueError(f"a condition needs exactly one operator, got {len(used)}")
        return self

    def holds(self, body: dict[str, Any], raw_model: str) -> bool:
        """True when ``body`` (sent to ``raw_model``) meets this condition."""
        if self.present is not None:
            return _present(_get(body, self.present)[1])
        if self.missing is not None:
            return not _present(_get(body, self.missing)[1])
        if self.in_ is not None:
            value = _get(body, self.in_.path)[1]
            return _present(value) and _member(value, self.in_.values)
        if self.not_in is not None:
            value = _get(body, self.not_in.path)[1]
            return _present(value) and not _member(value, self.not_in.values)
        if self.not_default is not None:
            value = _get(body, self.not_default.path)[1]
            return _present(value) and not _member(value, [self.not_default.default])
        if self.all_present is not None:
            return all(_present(_get(body, p)[1]) for p in self.all_present)
        if self.last_role is not None:
            items = _get(body, self.last_role.path)[1]
            return (
                isinstance(items, list)
                and bool(items)
                and isinstance(items[-1], dict)
                and items[-1].get("role") == self.last_role.role
            )
        if self.compare is not None:
            return _compare(body, self.compare)
        if self.contains is not None:
            items = _get(body, self.contains.path)[1]
            return isinstance(items, list) and any(
                isinstance(it, dict) and _member(it.get(self.contains.field), self.contains.values)
                for it in items
            )
        if self.raw_model is not None:
            raw = raw_model.lower()
            return any(fnmatch.fnmatchcase(raw, p) for p in self.raw_model.patterns)
        if self.all_ is not None:
            return all(c.holds(body, raw_model) for c in self.all_)
        if self.any_ is not None:
            return any(c.holds(body, raw_model) for c in self.any_)
        assert self.not_ is not None
        return not self.not_.holds(body, raw_model)


class RuleFix(_Strict):
    """How to make a request acceptable. ``value`` is a mapping for ``replace_value``."""

    kind: Literal["rename", "drop", "set", "add_default", "replace_value", "translate"]
    param: str
    new_param: str | None = None
    value: Any = None


class RuleCheck(_Strict):
    """One machine-checkable way a request breaks a rule, with the provider's answer."""

    param: str
    when: Condition
    message: str
    status: int = 400
    error_type: str | None = None
    code: str | None = None
    fix: RuleFix | None = None
    apis: list[ApiId] | None = None
    applies_to: list[str] | None = None
    excludes: list[str] = Field(default_factory=list)


class ParamRule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    number: int = Field(ge=1)
    title: str
    provider: Literal["openai", "anthropic", "google"]
    kind: Literal["request_error", "advisory"]
    apis: list[ApiId] = Field(min_length=1)
    applies_to: list[str] = Field(min_length=1)
    excludes: list[str] = Field(default_factory=list)
    #: the platforms the rule is about; None = every platform
    platforms: list[str] | None = Field(default=None, min_length=1)
    checks: list[RuleCheck] = Field(default_factory=list)
    note: str = ""
    source_url: str = Field(pattern=r"^https://")
    source_kind: Literal["official", "official+observed", "observed"]
    wording: Literal["official", "observed", "unverified"]

    @model_validator(mode="after")
    def _consistent(self) -> ParamRule:
        if self.kind == "request_error" and not self.checks:
            raise ValueError("a request_error rule needs at least one check")
        if self.kind == "advisory" and (self.checks or not self.note):
            raise ValueError("an advisory rule has a note and no checks")
        for check in self.checks:
            if check.apis and not set(check.apis) <= set(self.apis):
                raise ValueError(f"check {check.param!r} names apis outside the rule's apis")
        unknown = sorted(set(self.platforms or []) - _PLATFORMS)
        if unknown:
            raise ValueError(
                f"unknown platform {unknown[0]!r}; expected one of {', '.join(sorted(_PLATFORMS))}"
            )
        return self

    def on_platform(self, platform: str | None) -> bool:
        """True when the rule concerns ``platform`` (None = unknown: unscoped rules only)."""
        return self.platforms is None or platform in self.platforms

    def default_error_type(self) -> str:
        return "INVALID_ARGUMENT" if self.provider == "google" else "invalid_request_error"

    def matches(self, names: list[str]) -> bool:
        """True when any of a model's normalised ``names`` falls in this rule's range."""
        return _in_range(names, self.applies_to, self.excludes)


class RuleViolation(BaseModel):
    """A rule a request breaks, shaped like the provider's 400 answer."""

    model_config = ConfigDict(frozen=True)

    rule: ParamRule
    param: str
    message: str
    status: int = 400
    error_type: str = "invalid_request_error"
    code: str | None = None
    fix: RuleFix | None = None
    value: Any = None


class RuleSet(BaseModel):
    model_config = ConfigDict(frozen=True)

    rules: list[ParamRule]
    ranges: dict[str, list[str]] = Field(default_factory=dict)

    def get(self, rule_id: str) -> ParamRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


class _Entry(Protocol):
    id: str
    aliases: list[str]


def load_rules(path: Path | None = None, *, extra: list[dict[str, Any]] | None = None) -> RuleSet:
    """Load and validate a rules file; ``extra`` rules replace shipped ones with the same id."""
    src = path or DATA_FILE
    try:
        data = yaml.load(src.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise CatalogError(f"invalid YAML: {exc}", path=str(src), line=line) from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise CatalogError("expected a mapping with a 'rules' list", path=str(src))
    raw_rules: list[Any] = list(data["rules"])
    if extra:
        replaced = {r.get("id") for r in extra if isinstance(r, dict)}
        raw_rules = [r for r in raw_rules if not (isinstance(r, dict) and r.get("id") in replaced)]
        raw_rules.extend(extra)
    rules: list[ParamRule] = []
    for index, raw in enumerate(raw_rules):
        rid = raw.get("id", f"#{index}") if isinstance(raw, dict) else f"#{index}"
        try:
            rules.append(ParamRule.model_validate(raw))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "(rule)"
            raise CatalogError(
                f"rule {rid!r}: {err['msg']}",
                path=str(src),
                field=where,
                hint="Fix the rule in the YAML file (see its header for the format).",
            ) from exc
    seen: dict[str, int] = {}
    for rule in rules:
        if rule.id in seen:
            raise CatalogError(f"rule {rule.id!r} is defined twice", path=str(src), field="id")
        seen[rule.id] = rule.number
    ranges = data.get("patterns", {})
    if not isinstance(ranges, dict) or not all(
        isinstance(v, list) and all(isinstance(p, str) for p in v) for v in ranges.values()
    ):
        raise CatalogError("expected lists of model patterns", path=str(src), field="patterns")
    return RuleSet(rules=sorted(rules, key=lambda r: (r.number, r.id)), ranges=ranges)


@functools.lru_cache(maxsize=1)
def get_rules() -> RuleSet:
    """The shipped rules, loaded once."""
    return load_rules()


def clear_rules_cache() -> None:
    """Forget the loaded rules and per-model lookups (after a catalog update, in tests)."""
    for cached in (get_rules, _default_names, _default_rules_for, _default_checks):
        cached.cache_clear()


_PROVIDER_HEADS = frozenset(
    {"openai", "anthropic", "google", "gemini", "claude", "azure", "bedrock", "vertex", "sim"}
)
_PLATFORMS = frozenset({"openai", "anthropic", "gemini-api", "vertex", "azure", "bedrock", "sim"})
_REGIONS = ("us.", "eu.", "apac.", "jp.", "au.", "global.")
# Bedrock model ids start with the vendor (after the region of an inference profile)
_BEDROCK_VENDORS = (
    "anthropic.",
    "amazon.",
    "meta.",
    "mistral.",
    "cohere.",
    "ai21.",
    "deepseek.",
    "openai.",
)


def normalize_model_id(model_id: str) -> str:
    """Lower-case id without provider prefix, Bedrock region/vendor prefix or ``@`` suffix."""
    mid = model_id.strip().lower()
    head, sep, tail = mid.partition(":")
    if sep and head in _PROVIDER_HEADS and tail:
        mid = tail
    if "@" in mid:
        base, _, suffix = mid.rpartition("@")
        mid = base if suffix in _PLATFORMS else f"{base}-{suffix}"
    mid = mid.rsplit("/", 1)[-1]  # models/gemini-2.5-pro, publishers/google/models/...
    for region in _REGIONS:
        if mid.startswith(region):
            mid = mid[len(region) :]
            break
    for vendor in ("anthropic.", "google.", "openai."):
        if mid.startswith(vendor):
            mid = mid[len(vendor) :]
    return mid


def default_catalog() -> Any:
    """The shipped catalog when the catalog module is importable and loads, else None."""
    try:
        module = importlib.import_module("switchover.catalog")
        get_catalog = module.get_catalog
    except (ImportError, AttributeError):
        return None
    try:
        return get_catalog()
    except SwitchoverError:
        return None


def model_names(model_id: str, catalog: Any = None) -> list[str]:
    """Every normalised name of a model: as given, plus catalog id and aliases when known."""
    if catalog is None:
        return list(_default_names(model_id))
    return _names(model_id, catalog)


@functools.lru_cache(maxsize=2048)
def _default_names(model_id: str) -> tuple[str, ...]:
    return tuple(_names(model_id, default_catalog()))


def _names(model_id: str, catalog: Any) -> list[str]:
    names = [normalize_model_id(model_id)]
    if catalog is not None:
        try:
            entry: _Entry | None = catalog.lookup(model_id)
        except (SwitchoverError, LookupError, ValueError):
            entry = None
        if entry is not None:
            for name in [entry.id, *entry.aliases]:
                norm = normalize_model_id(name)
                if norm not in names:
                    names.append(norm)
    return names


def in_range(
    model_id: str, name: str, *, catalog: Any = None, rules: RuleSet | None = None
) -> bool:
    """True when ``model_id`` is in the named model range (``patterns`` in the rules file)."""
    ranges = (rules or get_rules()).ranges
    if name not in ranges:
        raise KeyError(f"no model range {name!r} in the parameter rules")
    return _in_range(model_names(model_id, catalog), ranges[name], [])


_VERTEX_VERSION = re.compile(r"@\d{8}$")


def platform_of(model_id: str) -> str | None:
    """The platform a model id or ref names, or None when it does not say.

    ``bedrock:`` / ``vertex:`` / ``azure:`` heads and ``@platform`` suffixes name it; Bedrock
    ids (``anthropic.claude-...``, ``us.anthropic.claude-...``, Bedrock ARNs) and Vertex ids
    (``claude-opus-4-5@20251101``, ``publishers/.../models/...``) are recognised by shape.
    """
    mid = model_id.strip().lower()
    if mid.startswith("arn:aws:bedrock:"):
        return "bedrock"
    head, sep, tail = mid.partition(":")
    if sep and tail and head in ("bedrock", "vertex", "azure"):
        return head
    if sep and tail and head in _PROVIDER_HEADS:
        mid = tail
    base, at, suffix = mid.rpartition("@")
    if at and base and suffix in _PLATFORMS:
        return suffix
    if _VERTEX_VERSION.search(mid) or mid.startswith("publishers/"):
        return "vertex"
    for region in _REGIONS:
        if mid.startswith(region):
            mid = mid[len(region) :]
            break
    if mid.startswith(_BEDROCK_VENDORS):
        return "bedrock"
    return None


def rules_for(
    model_id: str,
    api: str | None = None,
    *,
    platform: str | None = None,
    catalog: Any = None,
    rules: RuleSet | None = None,
) -> list[ParamRule]:
    """Every rule (request errors and advisories) whose range covers ``model_id``.

    Platform-scoped rules count only on their platforms: ``platform`` when given, else the
    one the id names (:func:`platform_of`); unknown = none of them.
    """
    where = platform or platform_of(model_id)
    if catalog is None and rules is None:
        return list(_default_rules_for(model_id, api, where))
    return _rules_for(model_names(model_id, catalog), api, rules or get_rules(), where)


def _rules_for(
    names: list[str], api: str | None, rules: RuleSet, platform: str | None
) -> list[ParamRule]:
    return [
        r
        for r in rules.rules
        if (api is None or api in r.apis) and r.on_platform(platform) and r.matches(names)
    ]


@functools.lru_cache(maxsize=4096)
def _default_rules_for(
    model_id: str, api: str | None, platform: str | None
) -> tuple[ParamRule, ...]:
    return tuple(_rules_for(model_names(model_id), api, get_rules(), platform))


def check_request(
    model_id: str,
    body: dict[str, Any],
    api: str,
    *,
    platform: str | None = None,
    catalog: Any = None,
    rules: RuleSet | None = None,
) -> list[RuleViolation]:
    """The rules ``body`` (a wire body for ``api``) breaks on ``model_id``; empty = accepted.

    ``platform`` as for :func:`rules_for` (default: what the id says).
    """
    if api not in API_IDS:
        raise ValueError(f"unknown API {api!r}; expected one of {', '.join(API_IDS)}")
    head, sep, tail = model_id.strip().partition(":")
    raw = tail if sep and head.lower() in _PROVIDER_HEADS and tail else model_id.strip()
    where = platform or platform_of(model_id)
    checks: Sequence[tuple[ParamRule, RuleCheck]]
    if catalog is None and rules is None:
        checks = _default_checks(model_id, api, where)
    else:
        checks = _checks(model_names(model_id, catalog), api, rules or get_rules(), where)
    out: list[RuleViolation] = []
    for rule, check in checks:
        if not check.when.holds(body, raw):
            continue
        param, value = _get(body, check.param)
        message = check.message.format(value=_fmt(value), param=param, model=model_id)
        out.append(
            RuleViolation(
                rule=rule,
                param=param,
                message=message,
                status=check.status,
                error_type=check.error_type or rule.default_error_type(),
                code=check.code,
                fix=check.fix,
                value=None if value is _MISSING else value,
            )
        )
    return out


def _checks(
    names: list[str], api: str, rules: RuleSet, platform: str | None
) -> list[tuple[ParamRule, RuleCheck]]:
    """The (rule, check) pairs that apply to a model's names on ``api``, in rule order."""
    out: list[tuple[ParamRule, RuleCheck]] = []
    for rule in _rules_for(names, api, rules, platform):
        for check in rule.checks:
            if check.apis is not None and api not in check.apis:
                continue
            if check.applies_to is not None:
                if not _in_range(names, check.applies_to, check.excludes):
                    continue
            elif _in_range(names, check.excludes, []):
                continue
            out.append((rule, check))
    return out


@functools.lru_cache(maxsize=4096)
def _default_checks(
    model_id: str, api: str, platform: str | None
) -> tuple[tuple[ParamRule, RuleCheck], ...]:
    return tuple(_checks(model_names(model_id), api, get_rules(), platform))


def rules_table(rules: RuleSet | None = None) -> str:
    """The rules as a Markdown table (docs/adapt.md embeds it; a test keeps it in sync)."""
    lines = [
        "| # | rule | provider | kind | applies to | fix | wording | source |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in (rules or get_rules()).rules:
        fixes: list[str] = sorted({c.fix.kind for c in r.checks if c.fix is not None}) or ["-"]
        scope = ", ".join(f"`{p}`" for p in r.applies_to[:4])
        if len(r.applies_to) > 4:
            scope += f" (+{len(r.applies_to) - 4})"
        if r.platforms:
            scope += " on " + ", ".join(r.platforms)
        lines.append(
            f"| {r.number} | `{r.id}`: {r.title.replace('|', '/')} | {r.provider} | {r.kind} "
            f"| {scope} | {', '.join(fixes)} | {r.wording} | [{r.source_kind}]({r.source_url}) |"
        )
    return "\n".join(lines) + "\n"


def _in_range(names: list[str], include: list[str], exclude: list[str]) -> bool:
    hit = any(fnmatch.fnmatchcase(n, p) for n in names for p in include)
    return hit and not any(fnmatch.fnmatchcase(n, p) for n in names for p in exclude)


def _get(body: dict[str, Any], path: str) -> tuple[str, Any]:
    """(matched path, value) for a dotted path with ``|`` alternatives; value may be missing."""
    alternatives = path.split("|")
    for alt in alternatives:
        cur: Any = body
        for part in alt.split("."):
            if isinstance(cur, dict) and part in cur:
                cur = cur[part]
            else:
                cur = _MISSING
                break
        if _present(cur):
            return alt, cur
    return alternatives[0], _MISSING


def _present(value: Any) -> bool:
    if value is _MISSING or value is None:
        return False
    return not (isinstance(value, (list, dict)) and not value)


def _member(value: Any, values: list[Any]) -> bool:
    """``value in values`` without treating True as 1."""
    return any(isinstance(value, bool) == isinstance(v, bool) and value == v for v in values)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _compare(body: dict[str, Any], op: CompareOp) -> bool:
    left = _number(_get(body, op.path)[1])
    right = op.value if op.other is None else _number(_get(body, op.other)[1])
    if left is None or right is None:
        return False
    return {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
        "==": left == right,
        "!=": left != right,
    }[op.op]


def _fmt(value: Any) -> str:
    if value is _MISSING or value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
