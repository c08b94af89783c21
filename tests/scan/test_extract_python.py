from __future__ import annotations

import textwrap

import pytest

from switchover.scan.extract_python import extract_python, module_name
from switchover.scan.facts import RawSite
from switchover.scan.literals import ModelMatcher


def _sites(matcher: ModelMatcher, code: str, rel: str = "app/x.py") -> list[RawSite]:
    return extract_python(rel, textwrap.dedent(code), matcher).sites


def _calls(matcher: ModelMatcher, code: str) -> list[RawSite]:
    return [s for s in _sites(matcher, code) if s.kind == "call"]


def test_sdk_clients_and_apis(matcher: ModelMatcher) -> None:
    calls = _calls(
        matcher,
        """
        import boto3, cohere
        from anthropic import AnthropicBedrock, AnthropicVertex
        from google import genai
        from groq import Groq
        from openai import AsyncOpenAI
        import vertexai
        from vertexai.generative_models import GenerativeModel

        br = boto3.client(service_name="bedrock-runtime")
        s3 = boto3.client("s3")
        ab = AnthropicBedrock()
        av = AnthropicVertex()
        vx = genai.Client(vertexai=True, project="p")
        co = cohere.ClientV2()
        gq = Groq()

        async def go(client: AsyncOpenAI):
            await client.responses.create(model="gpt-4.1", input="x", max_output_tokens=5)
            await client.images.generate(model="dall-e-3", prompt="cat")
            await client.audio.transcriptions.create(model="whisper-1", file=b"")
            br.invoke_model(modelId="anthropic.claude-3-haiku-20240307-v1:0", body="{}")
            s3.get_object(Bucket="b")
            ab.messages.create(model="anthropic.claude-3-5-sonnet-20241022-v2:0", max_tokens=10, messages=[])
            av.messages.create(model="claude-3-5-sonnet-v2@20241022", max_tokens=10, messages=[])
            vx.models.generate_content(model="gemini-2.5-pro", contents="x")
            co.chat(model="command-r-plus", messages=[])
            gq.chat.completions.create(model="llama-3.1-8b-instant", messages=[])
            GenerativeModel("gemini-1.5-pro-002").generate_content("x")
            with AsyncOpenAI() as c2:
                c2.chat.completions.create(model="gpt-4o", messages=[], **extra)
        """,
    )
    got = {(s.sdk, s.api, s.platform, s.expr.literal) for s in calls}
    assert ("openai", "openai.responses", "openai", "gpt-4.1") in got
    assert ("openai", "openai.images", "openai", "dall-e-3") in got
    assert ("openai", "openai.audio", "openai", "whisper-1") in got
    assert (
        "boto3",
        "boto3.invoke_model",
        "bedrock",
        "anthropic.claude-3-haiku-20240307-v1:0",
    ) in got
    assert (
        "anthropic",
        "anthropic.messages",
        "bedrock",
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
    ) in got
    assert ("anthropic", "anthropic.messages", "vertex", "claude-3-5-sonnet-v2@20241022") in got
    assert ("google-genai", "gemini.generate", "vertex", "gemini-2.5-pro") in got
    assert ("cohere", "cohere.chat", "cohere", "command-r-plus") in got
    assert ("groq", "openai.chat", None, "llama-3.1-8b-instant") in got
    assert ("vertexai", "model", "vertex", "gemini-1.5-pro-002") in got
    spread = next(s for s in calls if s.expr.literal == "gpt-4o")
    assert spread.params["**"] == "extra"
    assert not any(s.sdk == "boto3" and s.expr.literal is None for s in calls)


def test_default_model_and_kwargs_only(matcher: ModelMatcher) -> None:
    calls = _calls(
        matcher,
        """
        from langchain_openai import ChatOpenAI
        from openai import OpenAI
        llm = ChatOpenAI(temperature=0)
        OpenAI().chat.completions.create(**params)
        """,
    )
    assert [c.expr.text for c in calls] == ["<SDK default>", "**params"]


def test_constants_env_and_imports(matcher: ModelMatcher) -> None:
    facts = extract_python(
        "src/pkg/sub/mod.py",
        textwrap.dedent(
            """
            import os
            from . import sibling
            from ..config import MODEL as M
            A = os.environ["MODEL_A"]
            B = os.environ.get("MODEL_B", default="gpt-4o")
            C = os.getenv("MODEL_C") or "gpt-4o-mini"
            D = config["model"]
            E = M

            class Worker:
                def __init__(self):
                    self.model = os.getenv("WORKER_MODEL", "o3")
            """
        ),
        matcher,
    )
    c = facts.constants
    assert c["A"].env == "MODEL_A"
    assert c["B"].env == "MODEL_B"
    assert c["B"].default is not None
    assert c["B"].default.literal == "gpt-4o"
    assert c["C"].env == "MODEL_C"
    assert c["C"].default is not None
    assert c["C"].default.literal == "gpt-4o-mini"
    assert c["D"].ref == "config.model"
    assert c["E"].ref == "M"
    assert c["model"].env == "WORKER_MODEL"
    assert facts.imports["M"] == "pkg.config.MODEL"
    assert facts.imports["sibling"] == "pkg.sub.sibling"
    assert facts.module == "pkg.sub.mod"


@pytest.mark.parametrize(
    ("code", "context"),
    [
        ('x = "gpt-4o"', "constant"),
        ('def f(m="gpt-4o"): pass', "constant"),
        ('def f():\n    return "gpt-4o"', "constant"),
        ('ok = m == "gpt-4o"', "other"),
        ('s = f"gpt-4o{x}"', "other"),
        ('CHOICES = ("gpt-4o", "o3")', "ui_list"),
        ('COST = {"gpt-4o": 2.5}', "price_table"),
        ('ALIASES = {"gpt-4o": {"label": "GPT-4o"}}', "constant"),
        ('cfg = {"model": "gpt-4o"}', "constant"),
        ('run(model="gpt-4o")', "call_argument"),
        ('tiktoken.encoding_for_model("gpt-4o")', "call_argument"),
        ('"gpt-4o"', "comment"),
        ("print(x)  # uses gpt-4o", "comment"),
        ('"""Docstring naming gpt-4o."""', "comment"),
    ],
)
def test_literal_contexts(matcher: ModelMatcher, code: str, context: str) -> None:
    sites = [s for s in _sites(matcher, code) if s.expr.literal in {"gpt-4o", "o3"}]
    assert sites
    assert sites[0].context == context


def test_test_paths_are_fixtures_and_suppression(matcher: ModelMatcher) -> None:
    sites = _sites(matcher, 'M = "gpt-4o"\n', rel="tests/test_x.py")
    assert sites[0].context == "test_fixture"
    sites = _sites(matcher, '# switchover: ignore\nM = "gpt-4o"\n')
    assert sites[0].suppressed == "ignored"


def test_syntax_error_raises(matcher: ModelMatcher) -> None:
    with pytest.raises(SyntaxError):
        extract_python("x.py", "def (:\n", matcher)


def test_module_name() -> None:
    assert module_name("src/app/__init__.py") == "app"
    assert module_name("lib/a/b.py") == "a.b"
    assert module_name("a.ipynb") == "a.ipynb"


def test_google_generativeai_and_litellm_prefixes(matcher: ModelMatcher) -> None:
    calls = _calls(
        matcher,
        """
        import google.generativeai as genai
        import litellm
        model = genai.GenerativeModel(model_name="gemini-1.5-flash")
        litellm.acompletion(model="azure/gpt-4o-deploy", messages=[])
        """,
    )
    assert [(c.sdk, c.platform, c.expr.literal) for c in calls] == [
        ("google-generativeai", "gemini-api", "gemini-1.5-flash"),
        ("litellm", None, "azure/gpt-4o-deploy"),
    ]
