from __future__ import annotations

import json

import pytest

from switchover.scan.extract_config import ConfigParseError, extract_config
from switchover.scan.literals import ModelMatcher


def test_env_file(matcher: ModelMatcher) -> None:
    facts = extract_config(
        ".env",
        "env",
        '# old: gpt-4-turbo\nexport OPENAI_MODEL="gpt-4o"  # main\nDEPLOY=prod-chat\n',
        matcher,
    )
    assert [(e.name, e.value) for e in facts.env] == [
        ("OPENAI_MODEL", "gpt-4o"),
        ("DEPLOY", "prod-chat"),
    ]
    assert [(s.line, s.context, s.expr.literal) for s in facts.sites] == [
        (1, "comment", "gpt-4-turbo"),
        (2, "config", "gpt-4o"),
    ]


def test_dockerfile_both_env_forms(matcher: ModelMatcher) -> None:
    facts = extract_config(
        "Dockerfile", "dockerfile", "FROM x\nENV MODEL gpt-4o\nARG B=o3-mini\n# gpt-4.1\n", matcher
    )
    assert [(e.name, e.value) for e in facts.env] == [("MODEL", "gpt-4o"), ("B", "o3-mini")]
    assert [s.context for s in facts.sites] == ["config", "config", "comment"]


def test_yaml_contexts(matcher: ModelMatcher) -> None:
    text = """
llm:
  model: gpt-4o
  fallbacks: [o3-mini]
prices:
  gpt-4o-mini: {input: 0.15}
env:
  - name: X
    value: gpt-4.1
services:
  a:
    environment:
      - M=gpt-4o
"""
    facts = extract_config("cfg.yaml", "yaml", text, matcher)
    ctx = {(s.expr.literal, s.context) for s in facts.sites}
    assert ("gpt-4o", "config") in ctx
    assert ("o3-mini", "config") in ctx
    assert ("gpt-4o-mini", "price_table") in ctx
    assert {(e.name, e.value) for e in facts.env} >= {("X", "gpt-4.1"), ("M", "gpt-4o")}
    with pytest.raises(ConfigParseError):
        extract_config("bad.yaml", "yaml", "a: [\n", matcher)


def test_json_arm_template_and_errors(matcher: ModelMatcher) -> None:
    arm = {
        "resources": [
            {
                "type": "Microsoft.CognitiveServices/accounts/deployments",
                "name": "[concat(parameters('account'), '/chat-prod')]",
                "properties": {
                    "model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"}
                },
            }
        ]
    }
    facts = extract_config("azuredeploy.json", "json", json.dumps(arm, indent=2), matcher)
    assert [(d.name, d.model, d.version) for d in facts.deployments] == [
        ("chat-prod", "gpt-4o", "2024-11-20")
    ]
    assert [s.symbol for s in facts.sites] == ["name"]
    with pytest.raises(ConfigParseError):
        extract_config("x.json", "json", "{", matcher)


def test_toml_ini_and_text(matcher: ModelMatcher) -> None:
    facts = extract_config("pyproject.toml", "toml", '[tool.app]\nmodel = "gpt-4o"\n', matcher)
    assert [s.context for s in facts.sites] == ["config"]
    with pytest.raises(ConfigParseError):
        extract_config("x.toml", "toml", "a = ", matcher)
    ini = extract_config("app.ini", "text", "[llm]\nmodel = gpt-4o\n", matcher)
    assert [s.context for s in ini.sites] == ["config"]
    md = extract_config("README.md", "text", "We use gpt-4o.\n", matcher)
    assert [s.context for s in md.sites] == ["comment"]


def test_terraform_tfvars_and_bicep_vars(matcher: ModelMatcher) -> None:
    tf = """
resource "azurerm_cognitive_deployment" "d" {
  name = "emb"
  model {
    format  = "OpenAI"
    name    = "text-embedding-3-large"
    version = "1"
  }
}
"""
    facts = extract_config("main.tf", "terraform", tf, matcher)
    assert [(d.name, d.model, d.version) for d in facts.deployments] == [
        ("emb", "text-embedding-3-large", "1")
    ]
    bicep = """var modelName = 'gpt-4o-mini'
resource d 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  name: 'mini'
  properties: {
    model: {
      name: modelName
      version: '2024-07-18'
    }
  }
}
// legacy: gpt-35-turbo
"""
    bf = extract_config("main.bicep", "bicep", bicep, matcher)
    assert [(d.name, d.model, d.version) for d in bf.deployments] == [
        ("mini", "gpt-4o-mini", "2024-07-18")
    ]
    assert "comment" in {s.context for s in bf.sites}
