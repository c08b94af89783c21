"""User assertions: equals, contains, not_contains, regex, JSON path, Python function."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

from switchover.chat import ChatResponse
from switchover.errors import InputError
from switchover.evaluate.checks.base import Check, passed, register, skipped
from switchover.evaluate.checks.format import extract_json
from switchover.evaluate.results import Assertion, Case, CheckResult

__all__ = ["evaluate_assertion", "jsonpath", "load_function", "parse_jsonpath"]

_TOKEN_RE = re.compile(
    r"""\.(?P<name>[A-Za-z_][\w-]*)|\.(?P<star>\*)|\[(?P<idx>-?\d+)\]|\[(?P<all>\*)\]"""
    r"""|\[(?P<q>'[^']*'|"[^"]*")\]"""
)

PathStep = str | int | None  # key, index, or None for a wildcard


def parse_jsonpath(path: str) -> list[PathStep]:
    """Parse the JSONPath subset ``$.a.b[0].c``, ``$.items[*].id``, ``$['odd key']``."""
    p = path.strip()
    if not p.startswith("$"):
        raise InputError(f"JSON path {path!r} must start with '$'", hint="e.g. $.items[0].name")
    steps: list[PathStep] = []
    pos = 1
    while pos < len(p):
        m = _TOKEN_RE.match(p, pos)
        if m is None:
            raise InputError(
                f"JSON path {path!r}: cannot parse at {p[pos:]!r}",
                hint="Supported: .key, ['key'], [0], [-1], [*], .*",
            )
        if m.group("name") is not None:
            steps.append(m.group("name"))
        elif m.group("idx") is not None:
            steps.append(int(m.group("idx")))
        elif m.group("q") is not None:
            steps.append(m.group("q")[1:-1])
        else:
            steps.append(None)
        pos = m.end()
    return steps


def jsonpath(data: Any, path: str) -> list[Any]:
    """All values at ``path`` in ``data`` (empty when the path does not exist)."""
    current = [data]
    for step in parse_jsonpath(path):
        nxt: list[Any] = []
        for node in current:
            if step is None:
                if isinstance(node, dict):
                    nxt.extend(node.values())
                elif isinstance(node, list):
                    nxt.extend(node)
            elif isinstance(step, int):
                if isinstance(node, list) and -len(node) <= step < len(node):
                    nxt.append(node[step])
            elif isinstance(node, dict) and step in node:
                nxt.append(node[step])
        current = nxt
    return current


def load_function(spec: str) -> Callable[..., Any]:
    """Import ``"pkg.mod:func"``; a clear InputError when it cannot."""
    mod_name, sep, attr = spec.partition(":")
    if not sep or not mod_name or not attr:
        raise InputError(
            f"assertion function {spec!r} is not of the form 'package.module:function'",
            field="function",
        )
    try:
        module = importlib.import_module(mod_name)
    except ImportError as exc:
        raise InputError(
            f"cannot import {mod_name!r} for assertion {spec!r}: {exc}",
            field="function",
            hint="Make sure the module is importable (installed, or on PYTHONPATH).",
        ) from exc
    fn = module
    for part in attr.split("."):
        fn = getattr(fn, part, None)  # type: ignore[assignment]
        if fn is None:
            raise InputError(f"{mod_name!r} has no attribute {attr!r}", field="function")
    if not callable(fn):
        raise InputError(f"{spec!r} is not callable", field="function")
    return fn


def _cmp_text(a: Any, b: Any, ignore_case: bool) -> tuple[str, str]:
    sa = a if isinstance(a, str) else str(a)
    sb = b if isinstance(b, str) else str(b)
    return (sa.lower(), sb.lower()) if ignore_case else (sa, sb)


def evaluate_assertion(a: Assertion, response: ChatResponse, case: Case) -> tuple[bool, str]:
    """Run one assertion; returns ``(passed, detail)``."""
    if a.type == "python":
        if not a.function:
            raise InputError("python assertion needs 'function'", field="function")
        fn = load_function(a.function)
        try:
            out = fn(response, case)
        except Exception as exc:  # a user's function failing is a failed assertion
            return False, f"{a.function} raised {type(exc).__name__}: {exc}"
        if isinstance(out, tuple):
            return bool(out[0]), str(out[1]) if len(out) > 1 else ""
        return bool(out), "" if out else f"{a.function} returned {out!r}"
    targets: list[Any]
    if a.path is not None:
        found, data = extract_json(response.text)
        if not found:
            return False, f"{a.path}: the answer is not JSON"
        targets = jsonpath(data, a.path)
        if not targets:
            return False, f"{a.path}: not found"
    else:
        targets = [response.text]
    if a.type == "json_path":
        if a.path is None:
            raise InputError("json_path assertion needs 'path'", field="path")
        if a.value is None:
            return True, f"{a.path} exists"
        ok = any(t == a.value for t in targets)
        return ok, "" if ok else f"{a.path} = {targets[0]!r}, expected {a.value!r}"
    if a.type == "equals":
        if a.path is not None:
            ok = any(t == a.value or _eq_text(t, a.value, a.ignore_case) for t in targets)
        else:
            ok = _eq_text(str(targets[0]).strip(), a.value, a.ignore_case)
        return ok, "" if ok else f"expected {a.value!r}"
    if a.type in ("contains", "not_contains"):
        pairs = [_cmp_text(t, a.value, a.ignore_case) for t in targets]
        hit = any(needle in hay for hay, needle in pairs)
        ok = hit if a.type == "contains" else not hit
        verb = "does not contain" if a.type == "contains" else "contains"
        return ok, "" if ok else f"{verb} {a.value!r}"
    # regex
    flags = re.IGNORECASE if a.ignore_case else 0
    try:
        pat = re.compile(str(a.value), flags)
    except re.error as exc:
        raise InputError(f"bad regex {a.value!r}: {exc}", field="value") from exc
    ok = any(pat.search(t if isinstance(t, str) else str(t)) for t in targets)
    return ok, "" if ok else f"no match for /{a.value}/"


def _eq_text(a: Any, b: Any, ignore_case: bool) -> bool:
    x, y = _cmp_text(a, b, ignore_case)
    return x.strip() == y.strip()


def _assertions(case: Case, reference: ChatResponse | None, response: ChatResponse) -> CheckResult:
    if not case.assertions:
        return skipped("no assertions")
    failures: list[dict[str, str]] = []
    for a in case.assertions:
        ok, detail = evaluate_assertion(a, response, case)
        if not ok:
            failures.append({"assertion": a.label, "detail": detail})
    n = len(case.assertions)
    if failures:
        text = "; ".join(f"{f['assertion']}: {f['detail']}" for f in failures[:3])
        return passed(False, f"{len(failures)}/{n} failed: {text}", failures=failures)
    return passed(True, f"{n} assertion(s) passed")


ASSERTIONS = register(
    Check("assertions", "pass", _assertions, "the case's own assertions hold", margin=0.02)
)
