"""Parameter rules: the data loads, every request-error rule fires on a bad wire body and
stays quiet once its fix is applied, and bad rule files fail with the rule id named."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from switchover.catalog.rules import (
    DATA_FILE,
    RuleSet,
    check_request,
    get_rules,
    load_rules,
    model_names,
    normalize_model_id,
    platform_of,
    rules_for,
)
from switchover.errors import CatalogError

MSGS = [{"role": "user", "content": "hi"}]


@dataclass
class Case:
    number: int
    model: str
    api: str
    bad: dict[str, Any]
    good: dict[str, Any]
    param: str
    message_has: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _chat(**kw: Any) -> dict[str, Any]:
    return {"model": "m", "messages": MSGS, **kw}


def _claude(**kw: Any) -> dict[str, Any]:
    return {"model": "m", "max_tokens": 4096, "messages": MSGS, **kw}


def _gem(**thinking: Any) -> dict[str, Any]:
    return {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "generationConfig": {"thinkingConfig": thinking},
    }


CASES = [
    Case(1, "gpt-5-mini", "openai.chat", _chat(max_tokens=100), _chat(max_completion_tokens=100), "max_tokens", "max_completion_tokens"),
    Case(1, "o3", "openai.chat", _chat(max_tokens=10), _chat(max_completion_tokens=10), "max_tokens"),
    Case(2, "gpt-5", "openai.chat", _chat(temperature=0.9), _chat(temperature=1), "temperature", "does not support 0.9"),
    Case(2, "gpt-6-sol", "openai.responses", {"input": "x", "temperature": 0.2}, {"input": "x"}, "temperature"),
    Case(3, "o4-mini", "openai.chat", _chat(top_p=0.5), _chat(), "top_p", "'top_p'"),
    Case(3, "gpt-5", "openai.chat", _chat(presence_penalty=0.5), _chat(presence_penalty=0), "presence_penalty"),
    Case(3, "gpt-5", "openai.chat", _chat(frequency_penalty=0.5), _chat(), "frequency_penalty"),
    Case(3, "gpt-5", "openai.chat", _chat(logprobs=True), _chat(logprobs=False), "logprobs"),
    Case(3, "gpt-5", "openai.chat", _chat(top_logprobs=3), _chat(), "top_logprobs"),
    Case(3, "gpt-5", "openai.chat", _chat(logit_bias={"50256": -100}), _chat(), "logit_bias"),
    Case(5, "gpt-5-nano", "openai.chat", _chat(stop=["\n"]), _chat(), "stop"),
    Case(6, "gpt-6-luna", "openai.chat", _chat(tools=[{"type": "function"}]), _chat(tools=[{"type": "function"}], reasoning_effort="none"), "reasoning_effort", "gpt-6-luna"),
    Case(7, "gpt-6.2-sol", "openai.responses", {"input": "x", "reasoning": {"effort": "none"}}, {"input": "x", "reasoning": {"effort": "low"}}, "reasoning.effort"),
    Case(8, "gpt-6-sol", "openai.chat", _chat(reasoning_effort="minimal"), _chat(reasoning_effort="low"), "reasoning_effort", "'minimal'"),
    Case(8, "gpt-5", "openai.chat", _chat(reasoning_effort="xhigh"), _chat(reasoning_effort="high"), "reasoning_effort"),
    Case(8, "o3-mini", "openai.responses", {"reasoning": {"effort": "minimal"}}, {"reasoning": {"effort": "low"}}, "reasoning.effort"),
    Case(8, "gpt-5-chat-latest", "openai.chat", _chat(reasoning_effort="low"), _chat(), "reasoning_effort"),
    Case(10, "claude-haiku-4-5", "anthropic.messages", {"messages": MSGS}, _claude(), "max_tokens", "Field required"),
    Case(11, "claude-sonnet-4-5-20250929", "anthropic.messages", _claude(temperature=0.2, top_p=0.9), _claude(temperature=0.2), "top_p", "cannot both"),
    Case(12, "claude-opus-4-7", "anthropic.messages", _claude(temperature=0.0), _claude(), "temperature"),
    Case(12, "claude-sonnet-5", "anthropic.messages", _claude(top_p=0.5), _claude(top_p=1), "top_p"),
    Case(12, "claude-fable-5", "anthropic.messages", _claude(top_k=40), _claude(), "top_k"),
    Case(13, "claude-opus-5", "anthropic.messages", _claude(thinking={"type": "enabled", "budget_tokens": 2048}), _claude(thinking={"type": "adaptive"}, output_config={"effort": "medium"}), "thinking.type", "thinking.type.adaptive"),
    Case(14, "claude-opus-4-5-20251101", "anthropic.messages", _claude(thinking={"type": "adaptive"}), _claude(thinking={"type": "enabled", "budget_tokens": 2048}), "thinking.type"),
    Case(15, "claude-fable-5-1", "anthropic.messages", _claude(thinking={"type": "disabled"}), _claude(), "thinking.type"),
    Case(15, "claude-opus-5", "anthropic.messages", _claude(thinking={"type": "disabled"}, output_config={"effort": "max"}), _claude(thinking={"type": "disabled"}, output_config={"effort": "high"}), "thinking.type"),
    Case(17, "claude-sonnet-4-5", "anthropic.messages", _claude(thinking={"type": "enabled", "budget_tokens": 512}), _claude(thinking={"type": "enabled", "budget_tokens": 1024}), "thinking.budget_tokens"),
    Case(17, "claude-opus-4-1", "anthropic.messages", _claude(max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 4000}), _claude(max_tokens=5000, thinking={"type": "enabled", "budget_tokens": 4000}), "thinking.budget_tokens"),
    Case(18, "claude-sonnet-4-6", "anthropic.messages", _claude(messages=[*MSGS, {"role": "assistant", "content": "{"}]), _claude(system="Start with {"), "messages", "prefill"),
    Case(19, "claude-sonnet-4-5", "anthropic.messages", _claude(tool_choice={"type": "any"}, thinking={"type": "enabled", "budget_tokens": 1024}), _claude(tool_choice={"type": "auto"}, thinking={"type": "enabled", "budget_tokens": 1024}), "tool_choice"),
    Case(19, "claude-opus-5-5", "anthropic.messages", _claude(tool_choice={"type": "tool", "name": "f"}), _claude(tool_choice={"type": "auto"}), "tool_choice"),
    Case(21, "claude-opus-5-5", "anthropic.messages", _claude(tools=[{"type": "computer_20251124", "name": "computer"}]), _claude(tools=[{"name": "f", "input_schema": {}}]), "tools"),
    Case(22, "anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.messages", _claude(), _claude(), "model", "inference profile", extra={"good_model": "global.anthropic.claude-sonnet-4-5-20250929-v1:0"}),
    Case(24, "gemini-3-flash-preview", "gemini.generate", _gem(thinkingBudget=1024, thinkingLevel="low"), _gem(thinkingLevel="low"), "generationConfig.thinkingConfig.thinkingBudget"),
    Case(25, "gemini-2.5-pro", "gemini.generate", _gem(thinkingBudget=0), _gem(thinkingBudget=128), "generationConfig.thinkingConfig.thinkingBudget", "between 128 and 32768"),
    Case(25, "gemini-2.5-flash", "gemini.generate", _gem(thinkingBudget=30000), _gem(thinkingBudget=0), "generationConfig.thinkingConfig.thinkingBudget"),
    Case(25, "gemini-2.5-flash-lite", "gemini.generate", {"generation_config": {"thinking_config": {"thinking_budget": 100}}}, _gem(thinkingBudget=-1), "generation_config.thinking_config.thinking_budget"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"r{c.number}-{c.model}-{c.param}")
def test_rule_fires_on_bad_body_and_not_on_fixed(case: Case) -> None:
    hits = [
        v for v in check_request(case.model, case.bad, case.api) if v.rule.number == case.number
    ]
    assert hits, f"rule {case.number} did not fire on {case.bad}"
    violation = hits[0]
    assert violation.param == case.param
    assert violation.status == 400
    assert case.message_has in violation.message
    assert not any(f"{{{k}}}" in violation.message for k in ("value", "param", "model"))
    good_model = case.extra.get("good_model", case.model)
    assert check_request(good_model, case.good, case.api) == []


def test_every_request_error_rule_has_a_case() -> None:
    covered = {c.number for c in CASES}
    errors = {r.number for r in get_rules().rules if r.kind == "request_error"}
    assert errors <= covered, sorted(errors - covered)


def test_all_27_rules_loaded_with_sources() -> None:
    rules = get_rules().rules
    assert [r.number for r in rules] == list(range(1, 28))
    assert len({r.id for r in rules}) == 27
    advisory = {r.number for r in rules if r.kind == "advisory"}
    assert advisory == {4, 9, 16, 20, 23, 26, 27}
    for rule in rules:
        assert rule.source_url.startswith("https://")


def test_error_shapes_per_provider() -> None:
    (v,) = check_request("gpt-5", _chat(max_tokens=5), "openai.chat")
    assert (v.error_type, v.code) == ("invalid_request_error", "unsupported_parameter")
    assert v.fix is not None
    assert (v.fix.kind, v.fix.new_param) == ("rename", "max_completion_tokens")
    (g,) = check_request("gemini-2.5-pro", _gem(thinkingBudget=0), "gemini.generate")
    assert g.error_type == "INVALID_ARGUMENT"
    assert g.value == 0


@pytest.mark.parametrize(
    ("model", "body"),
    [
        ("gpt-5-chat-latest", _chat(max_tokens=5, temperature=0.3, top_p=0.2, stop=["x"])),
        ("gpt-4o", _chat(max_tokens=5, temperature=0.3, logprobs=True, logit_bias={"1": 2})),
        ("gpt-4.1-2025-04-14", _chat(max_tokens=5, stop=["x"], presence_penalty=1.0)),
        ("gpt-5.1", _chat(temperature=0.2, top_p=0.3, reasoning_effort="none", logprobs=True)),
        ("claude-3-5-sonnet-20241022", _claude(temperature=0.2, top_p=0.9)),
        ("claude-opus-4-6", _claude(thinking={"type": "enabled", "budget_tokens": 2048})),
        (
            "claude-sonnet-5",
            _claude(thinking={"type": "disabled"}, output_config={"effort": "max"}),
        ),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", _claude()),
        ("gemini-2.5-flash", _gem(thinkingBudget=-1)),
        ("gemini-3.5-flash", _gem(thinkingLevel="high")),
        ("some-unknown-model", _chat(max_tokens=5, temperature=2)),
    ],
)
def test_accepted_bodies(model: str, body: dict[str, Any]) -> None:
    api = "anthropic.messages" if "claude" in model else "openai.chat"
    if model.startswith("gemini"):
        api = "gemini.generate"
    assert check_request(model, body, api) == []


def test_rule_only_checks_its_api() -> None:
    # max_tokens on the Anthropic API for an OpenAI model name: no OpenAI chat rule applies.
    assert check_request("gpt-5", _chat(max_tokens=5), "anthropic.messages") == []
    with pytest.raises(ValueError, match="unknown API"):
        check_request("gpt-5", {}, "openai.completions")


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("openai:GPT-5", "gpt-5"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5-20250929-v1:0"),
        ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5-20250929"),
        ("anthropic:claude-opus-5@bedrock", "claude-opus-5"),
        ("models/gemini-2.5-pro", "gemini-2.5-pro"),
        ("global.anthropic.claude-opus-4-6-v1", "claude-opus-4-6-v1"),
    ],
)
def test_normalize_model_id(raw: str, norm: str) -> None:
    assert normalize_model_id(raw) == norm


class _Entry:
    def __init__(self, id: str, aliases: list[str]) -> None:
        self.id = id
        self.aliases = aliases


class _FakeCatalog:
    """Resolves one company-internal alias, like a project override would."""

    def lookup(self, model_id: str, platform: str | None = None) -> _Entry | None:
        if model_id == "house-reasoner":
            return _Entry("gpt-5-2025-08-07", ["gpt-5"])
        if model_id == "broken":
            raise LookupError(model_id)
        return None


def test_catalog_aliases_resolve_rule_ranges() -> None:
    cat = _FakeCatalog()
    assert model_names("house-reasoner", cat) == ["house-reasoner", "gpt-5-2025-08-07", "gpt-5"]
    hits = check_request("house-reasoner", _chat(max_tokens=3), "openai.chat", catalog=cat)
    assert [v.rule.number for v in hits] == [1]
    assert check_request("broken", _chat(max_tokens=3), "openai.chat", catalog=cat) == []
    # Without the catalog the alias is unknown: no rule, no guess.
    assert check_request("house-reasoner", _chat(max_tokens=3), "openai.chat") == []


def test_rules_for_lists_advisories_and_filters_api() -> None:
    numbers = [r.number for r in rules_for("claude-opus-5-5")]
    assert {10, 12, 13, 15, 16, 18, 19, 20, 21, 23} <= set(numbers)
    assert 11 not in numbers
    assert [r.number for r in rules_for("gemini-2.5-pro", "gemini.generate")] == [25, 27]
    assert rules_for("gemini-2.5-pro", "openai.chat") == []
    assert rules_for("gpt-4o") == []


@pytest.mark.parametrize(
    ("model", "platform"),
    [
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock"),
        ("global.anthropic.claude-opus-4-6-v1", "bedrock"),
        ("arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude-x", "bedrock"),
        ("anthropic:claude-opus-5@bedrock", "bedrock"),
        ("bedrock:anthropic.claude-opus-5", "bedrock"),
        ("claude-sonnet-4-5@20250929", "vertex"),
        ("gpt-4o@azure", "azure"),
        ("azure:gpt-4o", "azure"),
        ("claude-sonnet-4-5", None),
        ("anthropic:claude-sonnet-4-5-20250929", None),
        ("gpt-5", None),
        ("models/gemini-2.5-pro", None),
    ],
)
def test_platform_of(model: str, platform: str | None) -> None:
    assert platform_of(model) == platform


def test_platform_scoped_rule_only_on_its_platform() -> None:
    """Rule 22 (Bedrock inference profiles) concerns Bedrock ids only, or a known platform."""

    def numbers(model: str, **kw: Any) -> list[int]:
        return [r.number for r in rules_for(model, **kw)]

    assert 22 in numbers("anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert 22 in numbers("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert 22 in numbers("anthropic:claude-sonnet-4-5@bedrock")
    assert 22 in numbers("claude-sonnet-4-5", platform="bedrock")
    assert 22 not in numbers("claude-sonnet-4-5")
    assert 22 not in numbers("claude-sonnet-4-5-20250929")
    assert 22 not in numbers("claude-sonnet-4-5@20250929")  # Vertex
    assert 22 not in numbers("anthropic.claude-sonnet-4-5-20250929-v1:0", platform="anthropic")
    assert 10 in numbers("claude-sonnet-4-5", platform="vertex")  # unscoped rules stay
    bedrock_id = "anthropic.claude-sonnet-4-5-20250929-v1:0"
    body = _claude()
    assert [v.rule.number for v in check_request(bedrock_id, body, "anthropic.messages")] == [22]
    assert check_request(bedrock_id, body, "anthropic.messages", platform="anthropic") == []
    rules = load_rules()
    assert 22 not in [r.number for r in rules_for("claude-opus-5", rules=rules)]
    assert 22 in [r.number for r in rules_for("claude-opus-5", platform="bedrock", rules=rules)]


def test_reasoning_ranges_exclude_chat_variants() -> None:
    assert 1 in [r.number for r in rules_for("o1-2024-12-17")]
    assert 1 in [r.number for r in rules_for("gpt-6.2-sol")]
    for chat_model in ("gpt-5-chat-latest", "gpt-5.1-chat-latest", "gpt-4o", "gpt-4.1-mini"):
        assert 1 not in [r.number for r in rules_for(chat_model)]


# ------------------------------------------------------------------ loader errors


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _shipped_rule(number: int) -> dict[str, Any]:
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    rule: dict[str, Any] = copy.deepcopy(data["rules"][number - 1])
    return rule


def test_loader_names_rule_and_field(tmp_path: Path) -> None:
    rule = _shipped_rule(1)
    del rule["source_url"]
    path = _write(tmp_path, yaml.safe_dump({"rules": [rule]}))
    with pytest.raises(CatalogError) as exc:
        load_rules(path)
    assert "openai-max-tokens-reasoning" in exc.value.message
    assert exc.value.field == "source_url"
    assert str(path) in exc.value.message


def test_loader_rejects_two_operators(tmp_path: Path) -> None:
    rule = _shipped_rule(1)
    rule["checks"][0]["when"] = {"present": "a", "missing": "b"}
    with pytest.raises(CatalogError, match="exactly one operator") as exc:
        load_rules(_write(tmp_path, yaml.safe_dump({"rules": [rule]})))
    assert exc.value.field is not None
    assert exc.value.field.startswith("checks.0.when")


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda r: r.update(kind="advisory"), "advisory rule"),
        (lambda r: r.update(checks=[]), "at least one check"),
        (lambda r: r["checks"][0].update(apis=["gemini.generate"]), "outside the rule"),
        (
            lambda r: r["checks"][0].update(when={"compare": {"path": "a", "op": "<"}}),
            "exactly one of",
        ),
        (lambda r: r.update(provider="mistral"), "provider"),
        (lambda r: r.update(platforms=["aws"]), "unknown platform 'aws'"),
        (lambda r: r.update(platforms=[]), "at least 1 item"),
    ],
)
def test_loader_validation_errors(tmp_path: Path, mutate: Any, match: str) -> None:
    rule = _shipped_rule(1)
    mutate(rule)
    with pytest.raises(CatalogError, match=match):
        load_rules(_write(tmp_path, yaml.safe_dump({"rules": [rule]})))


def test_loader_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="invalid YAML") as exc:
        load_rules(_write(tmp_path, "rules: [\n  {id: x,\n"))
    assert exc.value.line is not None
    with pytest.raises(CatalogError, match="'rules' list"):
        load_rules(_write(tmp_path, "version: 1\n"))
    rule = _shipped_rule(2)
    with pytest.raises(CatalogError, match="defined twice"):
        load_rules(_write(tmp_path, yaml.safe_dump({"rules": [rule, rule]})))


def test_extra_rules_override_shipped_ones() -> None:
    rule = _shipped_rule(5)
    rule["applies_to"] = ["gpt-4.1*"]
    rules: RuleSet = load_rules(extra=[rule])
    assert len(rules.rules) == 27
    assert rules.get("openai-stop-reasoning").applies_to == ["gpt-4.1*"]
    hits = check_request("gpt-4.1", _chat(stop=["x"]), "openai.chat", rules=rules)
    assert [v.rule.number for v in hits] == [5]
    assert check_request("gpt-5", _chat(stop=["x"]), "openai.chat", rules=rules) == []
    with pytest.raises(KeyError):
        rules.get("nope")


def test_named_ranges() -> None:
    from switchover.catalog.rules import in_range

    assert in_range("gpt-5-mini", "openai_reasoning")
    assert in_range("claude-fable-5-1", "claude_always_thinking")
    assert not in_range("claude-sonnet-5", "claude_always_thinking")
    assert in_range("models/gemini-3.5-flash", "gemini_3")
    with pytest.raises(KeyError, match="no model range"):
        in_range("gpt-5", "nonexistent")


def test_loader_rejects_bad_patterns(tmp_path: Path) -> None:
    text = yaml.safe_dump({"patterns": {"x": "gpt-5*"}, "rules": [_shipped_rule(1)]})
    with pytest.raises(CatalogError, match="model patterns"):
        load_rules(_write(tmp_path, text))


def test_clear_rules_cache_reloads() -> None:
    from switchover.catalog.rules import clear_rules_cache

    first = get_rules()
    assert check_request("gpt-5", _chat(max_tokens=1), "openai.chat")
    clear_rules_cache()
    assert get_rules() is not first
    assert check_request("gpt-5", _chat(max_tokens=1), "openai.chat")
