"""Tool-call checks: validity against the tool schemas, and equivalence with the baseline's
calls (order-insensitive, schema-aware: defaults filled, scalar types coerced, argument
renames detected by value and reported)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import jsonschema

from switchover.chat import ChatResponse, Tool, ToolCall
from switchover.evaluate.checks.base import Check, passed, register, schema_validator, skipped
from switchover.evaluate.results import Case, CheckResult

__all__ = ["compare_calls", "normalize_arguments"]


def _schema_props(tool: Tool | None) -> dict[str, Any]:
    if tool is None:
        return {}
    props = tool.parameters.get("properties", {})
    return props if isinstance(props, dict) else {}


def _coerce(value: Any, schema: dict[str, Any]) -> Any:
    types = schema.get("type")
    kinds = set(types) if isinstance(types, list) else {types} if types else set()
    if isinstance(value, str):
        s = value.strip()
        if kinds & {"integer", "number"}:
            try:
                num = float(s)
            except ValueError:
                return value
            return int(num) if num.is_integer() else num
        if "boolean" in kinds and s.lower() in ("true", "false"):
            return s.lower() == "true"
        if kinds & {"object", "array"}:
            try:
                return json.loads(s)
            except ValueError:
                return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if "string" in kinds and not kinds & {"integer", "number"}:
            return str(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
    if isinstance(value, dict) and isinstance(schema.get("properties"), dict):
        return _normalize_obj(value, schema)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_coerce(v, schema["items"]) for v in value]
    return value


def _normalize_obj(args: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = schema.get("properties") or {}
    out = {k: _coerce(v, props.get(k, {})) for k, v in args.items()}
    for k, sub in props.items():
        if k not in out and isinstance(sub, dict) and "default" in sub:
            out[k] = sub["default"]
    return out


def normalize_arguments(args: Any, tool: Tool | None) -> Any:
    """Arguments with schema defaults filled and scalars coerced to the schema's types."""
    if not isinstance(args, dict) or tool is None:
        return args
    return _normalize_obj(args, tool.parameters)


def _diff_args(base: dict[str, Any], cand: dict[str, Any]) -> dict[str, Any]:
    missing = {k: v for k, v in base.items() if k not in cand}
    extra = {k: v for k, v in cand.items() if k not in base}
    renames: list[dict[str, Any]] = []
    for bk, bv in list(missing.items()):
        for ck, cv in list(extra.items()):
            if cv == bv:
                renames.append({"from": bk, "to": ck, "value": bv})
                del missing[bk], extra[ck]
                break
    changed = {
        k: {"baseline": base[k], "candidate": cand[k]}
        for k in base
        if k in cand and base[k] != cand[k]
    }
    return {"missing": missing, "extra": extra, "renames": renames, "changed": changed}


def compare_calls(
    baseline: Iterable[ToolCall], candidate: Iterable[ToolCall], tools: list[Tool]
) -> dict[str, Any]:
    """Match calls order-insensitively (by name, then by normalised arguments) and report.

    Returns ``{"equal": bool, "matched": n, "missing_calls": [...], "extra_calls": [...],
    "diffs": [{"name", "missing", "extra", "renames", "changed"}]}``."""
    by_name = {t.name: t for t in tools}
    base = [(c.name, normalize_arguments(c.arguments, by_name.get(c.name))) for c in baseline]
    cand = [(c.name, normalize_arguments(c.arguments, by_name.get(c.name))) for c in candidate]
    # exact matches first
    remaining: list[tuple[str, Any]] = []
    matched = 0
    for item in base:
        if item in cand:
            cand.remove(item)
            matched += 1
        else:
            remaining.append(item)
    diffs: list[dict[str, Any]] = []
    missing_calls: list[str] = []
    for name, args in remaining:
        partner = next((c for c in cand if c[0] == name), None)
        if partner is None:
            missing_calls.append(name)
            continue
        cand.remove(partner)
        if isinstance(args, dict) and isinstance(partner[1], dict):
            d = _diff_args(args, partner[1])
        else:
            d = {
                "missing": {},
                "extra": {},
                "renames": [],
                "changed": {"(arguments)": {"baseline": args, "candidate": partner[1]}},
            }
        diffs.append({"name": name, **d})
    extra_calls = [name for name, _ in cand]
    equal = not diffs and not missing_calls and not extra_calls
    return {
        "equal": equal,
        "matched": matched,
        "missing_calls": missing_calls,
        "extra_calls": extra_calls,
        "diffs": diffs,
    }


def _validate_call(call: ToolCall, tools: dict[str, Tool]) -> str | None:
    tool = tools.get(call.name)
    if tool is None:
        return f"{call.name}: no such tool"
    if call.arguments is None:
        return f"{call.name}: arguments are not valid JSON"
    validator = schema_validator(tool.parameters)
    if validator.is_valid(call.arguments):
        return None
    err = jsonschema.exceptions.best_match(validator.iter_errors(call.arguments))
    if err is not None:
        where = "/".join(str(p) for p in err.path) or "(root)"
        return f"{call.name}: {where}: {err.message}"
    return None


def _tool_calls_valid(
    case: Case, reference: ChatResponse | None, response: ChatResponse
) -> CheckResult:
    if not case.request.tools:
        return skipped("no tools offered")
    tools = {t.name: t for t in case.request.tools}
    problems = [p for c in response.tool_calls if (p := _validate_call(c, tools))]
    if problems:
        return passed(False, "; ".join(problems[:3]), problems=problems)
    n = len(response.tool_calls)
    return passed(True, f"{n} valid call(s)" if n else "no calls")


def _describe(result: dict[str, Any]) -> str:
    parts: list[str] = []
    for d in result["diffs"]:
        for r in d["renames"]:
            parts.append(f"{d['name']}: argument {r['from']!r} renamed to {r['to']!r}")
        for k in d["missing"]:
            parts.append(f"{d['name']}: argument {k!r} missing")
        for k in d["extra"]:
            parts.append(f"{d['name']}: extra argument {k!r}")
        for k, v in d["changed"].items():
            parts.append(f"{d['name']}: {k} {v['baseline']!r} -> {v['candidate']!r}")
    parts += [f"call {n} missing" for n in result["missing_calls"]]
    parts += [f"unexpected call {n}" for n in result["extra_calls"]]
    return "; ".join(parts) or "same calls"


def _tool_calls_match(
    case: Case, reference: ChatResponse | None, response: ChatResponse
) -> CheckResult:
    if reference is None:
        return skipped("no baseline response")
    if not reference.tool_calls and not response.tool_calls:
        return skipped("no tool calls")
    result = compare_calls(reference.tool_calls, response.tool_calls, case.request.tools)
    return passed(result["equal"], _describe(result), **result)


TOOL_CALLS_VALID = register(
    Check(
        "tool_calls_valid",
        "pass",
        _tool_calls_valid,
        "tool calls name offered tools and match their parameter schemas",
        margin=0.02,
    )
)
TOOL_CALLS_MATCH = register(
    Check(
        "tool_calls_match",
        "pass",
        _tool_calls_match,
        "same tool calls as the baseline (order-insensitive, schema-aware)",
        margin=0.05,
    )
)
