"""Resolve model expressions: constants (same module / imported), env vars, Azure deployments."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from switchover.scan.facts import Deployment, EnvValue, Expr, FileFacts, RawSite

__all__ = ["Index", "Resolution", "resolve_site"]

_MAX_DEPTH = 6


@dataclass(slots=True)
class Resolution:
    """Values an expression can take, each with the steps that led there."""

    kind: Literal["literal", "constant", "env", "deployment", "unresolved"]
    values: list[tuple[str, list[str]]] = field(default_factory=list)
    confident: bool = True


class Index:
    """Cross-file tables built from every parsed file's facts."""

    def __init__(self, azure_deployments: dict[str, str] | None = None) -> None:
        self.by_path: dict[str, FileFacts] = {}
        self.modules: dict[str, FileFacts] = {}
        self.names: dict[str, list[tuple[str, Expr]]] = defaultdict(list)
        self.env: dict[str, list[EnvValue]] = defaultdict(list)
        self.deployments: dict[str, list[Deployment]] = defaultdict(list)
        for name, model in (azure_deployments or {}).items():
            self.deployments[name].append(Deployment(name, model, None, "switchover.toml", 0))

    def add(self, facts: FileFacts) -> None:
        self.by_path[facts.path] = facts
        if facts.module:
            self.modules[facts.module] = facts
        for name, expr in facts.constants.items():
            self.names[name].append((facts.path, expr))
        for ev in facts.env:
            self.env[ev.name].append(ev)
        for dep in facts.deployments:
            self.deployments[dep.name].append(dep)

    # -- lookups ---------------------------------------------------------------------------
    def _constant(self, facts: FileFacts, ref: str) -> tuple[Expr, str, bool] | None:
        """(expr, where, confident) for a name or dotted reference seen from ``facts``."""
        parts = ref.split(".")
        if ref in facts.constants:
            return facts.constants[ref], facts.path, True
        head = parts[0]
        if head in facts.imports:
            target = facts.imports[head]
            mod, _, name = target.rpartition(".")
            owner = self._module(mod)
            rest = ".".join([name, *parts[1:]])
            if owner is not None:
                if rest in owner.constants:
                    return owner.constants[rest], owner.path, True
                if parts[-1] in owner.constants:
                    return owner.constants[parts[-1]], owner.path, True
            sub = self._module(target)  # "from app import config" then config.MODEL
            if sub is not None and len(parts) > 1 and parts[-1] in sub.constants:
                return sub.constants[parts[-1]], sub.path, True
        if len(parts) > 1 and parts[-1] in facts.constants and head in {"self", "this", "cls"}:
            return facts.constants[parts[-1]], facts.path, True
        # Last resort: a unique name defined anywhere in the tree (TS imports, settings objects).
        for key in (ref, parts[-1], parts[-1].upper()):
            found = [(p, e) for p, e in self.names.get(key, []) if p != facts.path or key != ref]
            if len({(e.text) for _, e in found}) == 1:
                return found[0][1], found[0][0], False
        return None

    def _module(self, mod: str) -> FileFacts | None:
        if mod in self.modules:
            return self.modules[mod]
        for name, facts in self.modules.items():  # tolerate a different package root
            if name.endswith("." + mod):
                return facts
        return None

    def resolve(self, expr: Expr, facts: FileFacts, depth: int = 0) -> Resolution:
        if expr.literal is not None:
            return Resolution("literal", [(expr.literal, [])])
        if depth >= _MAX_DEPTH:
            return Resolution("unresolved", confident=False)
        if expr.env is not None:
            res = Resolution("env")
            for ev in self.env.get(expr.env, []):
                res.values.append(
                    (ev.value, [f"env {expr.env} = {ev.value!r} ({ev.path}:{ev.line})"])
                )
            if expr.default is not None:
                sub = self.resolve(expr.default, facts, depth + 1)
                for value, via in sub.values:
                    res.values.append((value, [f"default of env {expr.env}", *via]))
            if not res.values:
                return Resolution("unresolved", confident=False)
            return res
        if expr.ref is not None:
            found = self._constant(facts, expr.ref)
            if found is not None:
                target, where, confident = found
                owner = self.by_path.get(where, facts)
                sub = self.resolve(target, owner, depth + 1)
                if sub.values:
                    step = f"{expr.ref} = {target.text[:60]} ({where})"
                    kind: Literal["literal", "constant", "env", "deployment", "unresolved"] = (
                        "env" if sub.kind == "env" else "constant"
                    )
                    return Resolution(
                        kind,
                        [(v, [step, *via]) for v, via in sub.values],
                        confident and sub.confident,
                    )
        if expr.default is not None:
            sub = self.resolve(expr.default, facts, depth + 1)
            if sub.values:
                return Resolution(sub.kind, sub.values, False)
        return Resolution("unresolved", confident=False)

    def deployment(self, name: str) -> list[Deployment]:
        return self.deployments.get(name, [])


def resolve_site(index: Index, site: RawSite) -> Resolution:
    facts = index.by_path.get(site.path) or FileFacts(path=site.path, language="")
    res = index.resolve(site.expr, facts)
    if not site.deployment or not res.values:
        return res
    out = Resolution("deployment", confident=res.confident)
    for value, via in res.values:
        deps = index.deployment(value)
        if deps:
            for dep in deps:
                model = f"{dep.model} {dep.version}" if dep.version else dep.model
                where = f"{dep.path}:{dep.line}" if dep.line else dep.path
                out.values.append(
                    (model, [*via, f"Azure deployment {value!r} -> {model} ({where})"])
                )
        else:
            out.values.append(
                (value, [*via, f"deployment {value!r}: no IaC or [scan.azure_deployments] entry"])
            )
            out.confident = False
    return out
