"""``adapt``: turn a request written for one model into one another model accepts."""

from __future__ import annotations

from typing import Any

from switchover.adapt.context import Ctx
from switchover.adapt.fixes import apply_rule_fixes
from switchover.adapt.model import AdaptationError, Adapted, Policy
from switchover.adapt.probe import probe_body
from switchover.adapt.reasoning import translate_reasoning
from switchover.adapt.translate import (
    WIRE_KEY,
    convert_legacy_functions,
    foreign_extra,
    map_roles,
    strip_model_bound_history,
    translate_images,
    translate_response_format,
    unsupported_params,
)
from switchover.adapt.wire import encode_wire
from switchover.catalog.rules import RuleSet, default_catalog, rules_for
from switchover.chat import ChatRequest
from switchover.errors import InputError

__all__ = ["adapt"]

# Advisory rules the adapter already acts on (exemption built into rules 2/3; history stripped).
_NOT_ADVICE = frozenset(
    {
        "openai-sampling-effort-none",
        "anthropic-thinking-blocks-replay",
        "gemini-3-thought-signatures",
    }
)


def _source_api(request: ChatRequest) -> str | None:
    wire = request.extra.get(WIRE_KEY)
    api = wire.get("api") if isinstance(wire, dict) else None
    return str(api) if api else None


def _verify(req: ChatRequest, ctx: Ctx) -> None:
    """Encode with the real codec (when present) and re-check the rules on that body."""
    try:
        body = encode_wire(req, ctx.api)
    except InputError as exc:
        problem = f"the {ctx.api} codec cannot encode the adapted request: {exc.message}"
        if ctx.policy == "strict":
            raise AdaptationError(problem, hint=exc.hint) from exc
        ctx.warn(problem)
        return
    if body is not None:
        for v in ctx.violations(body):
            ctx.warn(
                f"{v.param}: still rejected by rule {v.rule.number} ({v.rule.id}): {v.message}"
            )


def _advise(ctx: Ctx) -> None:
    """Advisory rules that are new with this migration (the source is not subject to them)."""
    match: dict[str, Any] = {"catalog": ctx.match_catalog, "rules": ctx.match_rules}
    known = {r.id for r in rules_for(ctx.source, platform=ctx.source_platform, **match)}
    for rule in rules_for(ctx.target, ctx.api, platform=ctx.platform, **match):
        if rule.kind == "advisory" and rule.id not in known and rule.id not in _NOT_ADVICE:
            ctx.warn(f"rule {rule.number} ({rule.id}): {rule.note}")


def adapt(
    request: ChatRequest,
    target: str,
    *,
    source: str | None = None,
    target_api: str | None = None,
    source_api: str | None = None,
    policy: Policy = "lenient",
    catalog: Any = None,
    rules: RuleSet | None = None,
    platform: str | None = None,
) -> Adapted:
    """Adapt ``request`` (written for ``source``, default ``request.model``) to ``target``.

    Pure: the input is not modified. Every edit is listed in ``Adapted.changes``; with
    ``policy="strict"`` any lossy edit raises :class:`AdaptationError` instead. ``rules``
    replaces the shipped parameter rules (e.g. ``load_rules(extra=[...])``). ``platform``
    (e.g. the migration's, or the upstream's: ``bedrock``) decides platform-scoped rules;
    default: what the model refs and the catalog say.
    """
    if policy not in ("strict", "lenient"):
        raise AdaptationError(f"unknown policy {policy!r}", hint="Use 'strict' or 'lenient'.")
    ctx = Ctx.build(
        target=target,
        source=source or request.model,
        target_api=target_api,
        source_api=source_api or _source_api(request),
        policy=policy,
        catalog=catalog if catalog is not None else default_catalog(),
        rules=rules,
        default_catalog=catalog is None,
        platform=platform,
    )
    if ctx.same_model and ctx.source_api in (None, ctx.api):
        # The model it was written for: identity. Say so if the model itself refuses it.
        for v in ctx.violations(probe_body(request, ctx.api)):
            ctx.warn(f"{v.param}: {target} rejects this request ({v.rule.id}): {v.message}")
        return Adapted(request=request, changes=[], warnings=ctx.warnings, target_api=ctx.api)

    req = request.model_copy(deep=True)
    req.model = ctx.target
    strip_model_bound_history(req, ctx)
    convert_legacy_functions(req, ctx)
    foreign_extra(req, ctx)
    map_roles(req, ctx)
    translate_reasoning(req, ctx)
    unsupported_params(req, ctx)
    translate_response_format(req, ctx)
    translate_images(req, ctx)
    apply_rule_fixes(req, ctx)
    adapted = ChatRequest.model_validate(req.model_dump())
    _verify(adapted, ctx)
    _advise(ctx)
    lossy = [c for c in ctx.changes if c.lossy]
    if policy == "strict" and lossy:
        listing = "; ".join(c.summary() for c in lossy)
        raise AdaptationError(
            f"adapting to {target} loses information ({len(lossy)} change(s)): {listing}",
            changes=lossy,
            hint="Change the request, or use the lenient policy to accept these changes.",
        )
    return Adapted(request=adapted, changes=ctx.changes, warnings=ctx.warnings, target_api=ctx.api)
