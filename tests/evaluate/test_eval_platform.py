"""The evaluation adapts a candidate for the platform it is called on: the ``@platform`` of its
ref, else its upstream's (Azure providers, ``options.platform``), else the migration's
``platform``; first-party candidates keep today's adaptation. Platform-scoped rules (rule 22:
Claude 4.5+ on Bedrock needs an inference profile) apply only there, and a cached adaptation
for one platform is never reused for another."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from switchover.chat import ChatRequest, Message
from switchover.config import load_config
from switchover.evaluate.cache import adapt_key
from switchover.evaluate.engine import EvalOptions, execute, plan_evaluation

from .conftest import FakeProvider

BEDROCK_ID = "anthropic.claude-sonnet-4-5-20250929-v1:0"
PROFILE_ID = "global." + BEDROCK_ID  # rule 22's fix: the global inference profile
RULE_22 = "bedrock-inference-profile"


def _plan(
    tmp_path: Path, make_plan: Callable[..., Path], to: str, upstreams: str = "", extra: str = ""
) -> Path:
    tmp_path.mkdir(exist_ok=True)
    path: Path = make_plan(tmp_path, n=4, extra=extra)
    text = path.read_text().replace('to = "openai:gpt-6-luna"', f'to = "{to}"')
    path.write_text(text.replace("[[migrations]]", upstreams + "\n[[migrations]]", 1))
    return path


async def _candidate_requests(path: Path, **kw: Any) -> tuple[list[ChatRequest], set[str]]:
    """What the candidate upstream received, and the rules of the recorded changes."""
    fake = FakeProvider()
    plan = plan_evaluation(
        load_config(path), EvalOptions(providers={"sim": fake}, n_resamples=100, **kw)
    )
    report = await execute(plan)
    sent = [r for r in fake.requests if not r.model.startswith("gpt-4o")]
    rules = {
        str(ch.get("rule_id"))
        for case in report.cases
        for out in case.candidate_outputs
        for ch in out.changes
    }
    return sent, rules


async def test_bedrock_ref_gets_the_bedrock_rule_first_party_does_not(
    tmp_path: Path, make_plan: Callable[..., Path]
) -> None:
    bedrock = _plan(tmp_path / "b", make_plan, "anthropic:claude-sonnet-4-5@bedrock")
    sent, rules = await _candidate_requests(bedrock, store_url="sqlite://:memory:")
    assert len(sent) == 4
    assert {r.model for r in sent} == {PROFILE_ID}
    assert RULE_22 in rules

    first_party = _plan(tmp_path / "a", make_plan, "anthropic:claude-sonnet-4-5")
    sent, rules = await _candidate_requests(first_party, store_url="sqlite://:memory:")
    assert {r.model for r in sent} == {"claude-sonnet-4-5"}
    assert RULE_22 not in rules


async def test_platform_from_the_upstream_or_the_migration(
    tmp_path: Path, make_plan: Callable[..., Path]
) -> None:
    # an upstream that says it serves Bedrock: the model is called with its Bedrock profile
    path = _plan(tmp_path / "o", make_plan, "anthropic:claude-sonnet-4-5")
    path.write_text(path.read_text().replace("options = {", 'options = { platform = "bedrock",'))
    cfg = load_config(path)
    assert cfg.upstreams["sim"].platform == "bedrock"
    sent, rules = await _candidate_requests(path, store_url="sqlite://:memory:")
    assert {r.model for r in sent} == {PROFILE_ID}
    assert RULE_22 in rules

    # an Azure upstream: the candidate arm adapts for azure; else the migration's platform
    azure = '[upstreams.azure]\nprovider = "azure"\nbase_url = "https://x.openai.azure.com"\n'
    ups = 'baseline_upstream = "sim"\ncandidate_upstream = "azure"'
    path = _plan(tmp_path / "z", make_plan, "openai:gpt-5-mini", upstreams=azure, extra=ups)
    plan = plan_evaluation(load_config(path), EvalOptions(store_url="sqlite://:memory:"))
    await plan.aclose()
    assert [a.platform for a in plan.arms] == [None, "azure"]
    path = _plan(tmp_path / "m", make_plan, "openai:gpt-5-mini", extra='platform = "vertex"')
    plan = plan_evaluation(load_config(path), EvalOptions(store_url="sqlite://:memory:"))
    await plan.aclose()
    assert [a.platform for a in plan.arms] == [None, "vertex"]


async def test_cached_adaptation_is_not_reused_on_another_platform(
    tmp_path: Path, make_plan: Callable[..., Path]
) -> None:
    db = f"sqlite:///{tmp_path / 'st.db'}"
    first_party = _plan(tmp_path, make_plan, "anthropic:claude-sonnet-4-5")
    sent, _ = await _candidate_requests(first_party, store_url=db)
    assert {r.model for r in sent} == {"claude-sonnet-4-5"}
    # same store, same model, now on Bedrock: adapted again, not the first-party adaptation
    bedrock = _plan(tmp_path, make_plan, "anthropic:claude-sonnet-4-5@bedrock")
    sent, rules = await _candidate_requests(bedrock, store_url=db, fresh=True)
    assert {r.model for r in sent} == {PROFILE_ID}
    assert RULE_22 in rules


def test_adaptation_key_includes_the_platform() -> None:
    req = ChatRequest(model="gpt-4o", messages=[Message.user("hi")])
    keys = {
        p: adapt_key(req, target="claude-sonnet-4-5", target_api=None, policy="lenient", platform=p)
        for p in (None, "bedrock", "vertex", "azure")
    }
    assert len(set(keys.values())) == 4
    # first-party keys are those of earlier releases (no platform argument)
    assert keys[None] == adapt_key(
        req, target="claude-sonnet-4-5", target_api=None, policy="lenient"
    )
