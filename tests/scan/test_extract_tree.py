from __future__ import annotations

import pytest

from switchover.scan.extract_tree import extract_tree, sdk_constant_to_id
from switchover.scan.facts import RawSite
from switchover.scan.literals import ModelMatcher


def _sites(matcher: ModelMatcher, lang: str, code: str, rel: str = "src/x") -> list[RawSite]:
    return extract_tree(rel, lang, code.encode(), matcher).sites


def test_typescript_sdks(matcher: ModelMatcher) -> None:
    code = """
import { ChatOpenAI } from "@langchain/openai";
import { generateObject, embed } from "ai";
import { azure } from "@ai-sdk/azure";
import { anthropic } from "@ai-sdk/anthropic";
import OpenAI from "openai";
const llm = new ChatOpenAI({ modelName: "gpt-4o-mini", temperature: 0 });
const client = new OpenAI();
class Svc { client = new OpenAI(); run() { return this.client.embeddings.create({ model: "text-embedding-3-large", input: "x" }); } }
await generateObject({ model: azure("prod-deploy"), schema, prompt: "x" });
await embed({ model: anthropic.messages("claude-3-5-haiku-20241022"), value: "x" });
const MODEL = import.meta.env.VITE_MODEL || 'gpt-4o';
const tpl = `gpt-4o-${size}`;
switch (m) { case "gpt-4o": break; }
/* block comment about o3-mini */
"""
    sites = _sites(matcher, "typescript", code)
    calls = {
        (s.sdk, s.api, s.platform, s.expr.literal, s.deployment) for s in sites if s.kind == "call"
    }
    assert ("langchain", "model", "openai", "gpt-4o-mini", False) in calls
    assert ("openai", "openai.embeddings", "openai", "text-embedding-3-large", False) in calls
    assert ("ai-sdk", "ai-sdk.generateObject", "azure", "prod-deploy", True) in calls
    assert ("ai-sdk", "ai-sdk.embed", "anthropic", "claude-3-5-haiku-20241022", False) in calls
    lits = {(s.expr.literal, s.context) for s in sites if s.kind == "literal"}
    assert ("gpt-4o", "constant") in lits
    assert ("gpt-4o", "other") in lits
    assert ("o3-mini", "comment") in lits
    facts = extract_tree("x.ts", "typescript", code.encode(), matcher)
    assert facts.constants["MODEL"].env == "VITE_MODEL"


def test_javascript_require_and_tests(matcher: ModelMatcher) -> None:
    code = 'const OpenAI = require("openai");\nconst c = new OpenAI();\nc.chat.completions.create({model: "gpt-4o"});\n'
    sites = _sites(matcher, "javascript", code, rel="src/__tests__/a.test.js")
    assert [(s.kind, s.context) for s in sites] == [("call", "test_fixture")]


def test_go_env_and_java_constants(matcher: ModelMatcher) -> None:
    go = 'package m\nimport "os"\nvar model = os.Getenv("M")\nvar prices = map[string]float64{"gpt-4o": 2.5}\n'
    facts = extract_tree("m.go", "go", go.encode(), matcher)
    assert facts.constants["model"].env == "M"
    assert [s.context for s in facts.sites] == ["price_table"]
    java = 'class A { String m = System.getenv().getOrDefault("LLM", "gpt-4o"); }'
    jf = extract_tree("A.java", "java", java.encode(), matcher)
    assert jf.constants["m"].env == "LLM"


def test_csharp_params_struct_and_parse_errors(matcher: ModelMatcher) -> None:
    cs = """using Anthropic;
var p = new MessageCreateParams { Model = "claude-3-7-sonnet-20250219", MaxTokens = 1024 };
var broken = ( ;
"""
    facts = extract_tree("P.cs", "csharp", cs.encode(), matcher)
    calls = [s for s in facts.sites if s.kind == "call"]
    assert calls[0].api == "anthropic.messages"
    assert calls[0].params == {"MaxTokens": 1024}
    assert facts.warnings


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("ChatModelGPT4o", "gpt-4o"),
        ("ChatModelGPT4_1Mini", "gpt-4.1-mini"),
        ("GPT_4_1_MINI", "gpt-4.1-mini"),
        ("ChatModelO3Mini", "o3-mini"),
        ("O4_MINI", "o4-mini"),
        ("ModelClaudeSonnet4_5_20250929", "claude-sonnet-4-5-20250929"),
        ("CLAUDE_3_5_HAIKU_LATEST", "claude-3-5-haiku-latest"),
    ],
)
def test_sdk_constants(name: str, model: str) -> None:
    assert sdk_constant_to_id(name) == model


def test_sdk_constant_empty() -> None:
    assert sdk_constant_to_id("ChatModel") is None
