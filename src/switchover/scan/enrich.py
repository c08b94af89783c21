"""Turn raw sites into findings: catalog lifecycle, replacement, parameter problems, fingerprints."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import date
from typing import Any, Literal

from switchover.catalog import Catalog, ModelEntry
from switchover.catalog.rules import check_request
from switchover.modelref import guess_provider
from switchover.scan.facts import USAGE_CONTEXTS, RawSite
from switchover.scan.findings import Finding, ParamProblem, ResolvedModel
from switchover.scan.literals import normalize_candidate
from switchover.scan.resolver import Index, resolve_site
from switchover.scan.sdk import wire_api, wire_param

__all__ = ["Enricher"]

_RANK = {"retired": 3, "deprecated": 2, "active": 1, "unknown": 0}
_SKIP_PARAMS = {
    "messages",
    "prompt",
    "input",
    "system",
    "contents",
    "**",
    "stream_options",
    "extra_headers",
    "timeout",
}
_GENERIC_APIS = {"model"}
_PROVIDER_API = {
    "openai": "openai.chat",
    "anthropic": "anthropic.messages",
    "google": "gemini.generate",
}
_PREFIX_PLATFORM = {
    "azure": "azure",
    "bedrock": "bedrock",
    "vertex_ai": "vertex",
    "google-vertex": "vertex",
    "gemini": "gemini-api",
    "google-gla": "gemini-api",
}


class Enricher:
    def __init__(self, catalog: Catalog, index: Index, today: date, target: str | None) -> None:
        self.catalog = catalog
        self.index = index
        self.today = today
        self.target = target
        self._occurrences: Counter[str] = Counter()

    def lookup(self, value: str, platform: str | None) -> ModelEntry | None:
        cand = normalize_candidate(value)
        version = None
        if " " in cand:
            head, version = cand.split(" ", 1)
        else:
            head = cand
        for mid, plat in ((cand, platform), (head, platform), (cand, None), (head, None)):
            try:
                entry = self.catalog.lookup(mid, plat)
            except (ValueError, KeyError):
                entry = None
            if entry is not None:
                return entry
        if version is not None:
            return self.catalog.lookup(f"{head} {version}", "azure")
        return None

    def finding(self, site: RawSite) -> Finding:
        res = resolve_site(self.index, site)
        platform = site.platform or _platform_from_prefix(site.expr.literal or "")
        resolved: list[ResolvedModel] = []
        seen: set[str] = set()
        for value, via in res.values:
            if value in seen:
                continue
            seen.add(value)
            entry = self.lookup(value, platform)
            resolved.append(self._resolved(value, via, entry, site, platform))
        worst = max(
            resolved, key=lambda r: (_RANK[r.lifecycle], -(r.days_left or 10**6)), default=None
        )
        target = self.target or (worst.replacement if worst else None)
        problems = self._problems(site, target) if target else []
        provider = site.provider or (worst.provider if worst else None)
        if provider is None and site.expr.literal:
            provider = guess_provider(normalize_candidate(site.expr.literal))
        confidence: Literal["high", "medium", "low"] = "medium"
        known = any(r.catalog_id for r in resolved)
        if res.kind == "unresolved" or (resolved and not known):
            confidence = "low"
        elif (res.kind == "literal" and known) or (
            res.confident and known and res.kind == "constant"
        ):
            confidence = "high"
        return Finding(
            fingerprint=self._fingerprint(site),
            path=site.path,
            line=site.line,
            column=site.col,
            cell=site.cell,
            snippet=site.snippet,
            kind=site.kind,
            context=site.context,
            usage=site.context in USAGE_CONTEXTS,
            provider=provider,
            platform=platform or (worst.platform if worst else None),
            sdk=site.sdk,
            api=site.api,
            model_expression=site.expr.text,
            resolution=res.kind,
            resolved=resolved,
            parameters=_jsonable(site.params),
            lifecycle=worst.lifecycle if worst else "unknown",
            days_left=worst.days_left if worst else None,
            replacement=worst.replacement if worst else None,
            target=target if problems or self.target else None,
            param_problems=problems,
            confidence=confidence,
            suppressed=site.suppressed,
        )

    def _resolved(
        self,
        value: str,
        via: list[str],
        entry: ModelEntry | None,
        site: RawSite,
        platform: str | None,
    ) -> ResolvedModel:
        if entry is None:
            return ResolvedModel(
                value=value,
                via=via,
                provider=site.provider or guess_provider(normalize_candidate(value)),
                platform=platform,
            )
        repl = self.catalog.resolve_replacement(entry)
        replacement = repl.id if repl is not None else entry.replacement
        return ResolvedModel(
            value=value,
            catalog_id=entry.id,
            provider=entry.provider,
            platform=entry.platform,
            via=via,
            lifecycle=entry.status_on(self.today),
            shutdown_date=entry.shutdown_date,
            days_left=entry.days_left(self.today),
            replacement=replacement,
        )

    def _problems(self, site: RawSite, target: str) -> list[ParamProblem]:
        if not site.params:
            return []
        entry = self.lookup(target, None)
        api = wire_api(site.api)
        if (api == "openai.chat" and site.api in _GENERIC_APIS) or (site.api or "").startswith(
            ("ai-sdk", "litellm")
        ):
            api = _PROVIDER_API.get(entry.provider if entry is not None else "", api)
        if api is None:
            return []
        body: dict[str, Any] = {"model": target}
        for name, value in site.params.items():
            if name in _SKIP_PARAMS:
                continue
            body[wire_param(name)] = value
        if "tools" in body and not isinstance(body["tools"], list):
            body["tools"] = [{"type": "function"}]
        body.setdefault("messages", [{"role": "user", "content": "..."}])
        model_id = entry.id if entry is not None else target
        try:
            violations = check_request(model_id, body, api, catalog=self.catalog)
        except (TypeError, ValueError) as exc:  # a value we could not interpret statically
            return [
                ParamProblem(
                    target=target,
                    param="?",
                    message=f"could not check parameters: {exc}",
                    rule_id="check-error",
                )
            ]
        out: list[ParamProblem] = []
        for v in violations:
            fix = None
            if v.fix is not None:
                fix = (
                    v.fix.kind
                    + (f" -> {v.fix.new_param}" if v.fix.new_param else "")
                    + (f" = {v.fix.value!r}" if v.fix.value is not None else "")
                )
            out.append(
                ParamProblem(
                    target=target, param=v.param, message=v.message, rule_id=v.rule.id, fix=fix
                )
            )
        return out

    def _fingerprint(self, site: RawSite) -> str:
        expr = re.sub(r"\s+", " ", site.expr.text.strip())
        base = "|".join(
            [
                site.path,
                str(site.cell or ""),
                site.kind,
                site.context,
                site.sdk or "",
                site.api or "",
                expr,
                site.symbol,
            ]
        )
        self._occurrences[base] += 1
        base += f"|{self._occurrences[base]}"
        return hashlib.sha256(base.encode()).hexdigest()[:20]


def _platform_from_prefix(value: str) -> str | None:
    for sep in (":", "/"):
        if sep in value:
            head = value.split(sep, 1)[0].lower()
            if head in _PREFIX_PLATFORM:
                return _PREFIX_PLATFORM[head]
    return None


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in params.items():
        try:
            text = json.dumps(v)
        except (TypeError, ValueError):
            out[k] = repr(v)[:200]
            continue
        out[k] = v if len(text) <= 300 else text[:200] + "..."
    return out
