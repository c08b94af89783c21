"""Which calls are model calls: SDK method paths and constructors, shared by every language.

Names are compared after :func:`norm` (lower case, no underscores), so ``generate_content``,
``generateContent`` and ``GenerateContent`` are one pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "AI_SDK_FUNCS",
    "AI_SDK_PROVIDERS",
    "CLIENT_TYPES",
    "CallKind",
    "classify_call",
    "classify_constructor",
    "norm",
    "wire_api",
    "wire_param",
]


def norm(name: str) -> str:
    return name.replace("_", "").lower()


@dataclass(frozen=True, slots=True)
class CallKind:
    sdk: str
    api: str
    provider: str | None = None
    platform: str | None = None
    keys: tuple[str, ...] = ("model",)  # keyword / property names holding the model
    pos: int | None = None  # positional index of the model, when passed positionally
    deployment: bool = False  # the model slot names an Azure deployment


_CREATE = {"create", "parse", "stream", "new", "newstreaming", "createasync", "acreate"}
# (suffix of the normalised method path, api, default sdk)
_METHODS: list[tuple[tuple[set[str], ...], str, str]] = [
    (({"chat"}, {"completions"}, _CREATE), "chat.completions", "openai"),
    (({"responses"}, _CREATE), "responses", "openai"),
    (({"embeddings"}, _CREATE), "embeddings", "openai"),
    (({"images"}, {"generate", "edit", "createvariation", "new"}), "images", "openai"),
    (({"transcriptions", "translations", "speech"}, _CREATE), "audio", "openai"),
    (({"completions"}, {"create"}), "completions", "openai"),
    (({"messages"}, _CREATE | {"counttokens"}), "messages", "anthropic"),
    (
        (
            {"models"},
            {
                "generatecontent",
                "generatecontentstream",
                "embedcontent",
                "counttokens",
                "generateimages",
            },
        ),
        "generate_content",
        "google-genai",
    ),
    (({"chats"}, {"create"}), "chats", "google-genai"),
    (({"invokemodel", "invokemodelwithresponsestream"},), "invoke_model", "boto3"),
    (({"converse", "conversestream"},), "converse", "boto3"),
    (({"chat"}, {"complete", "completeasync", "stream", "streamasync"}), "chat", "mistralai"),
    (({"fim"}, {"complete", "completeasync"}), "fim", "mistralai"),
    (
        ({"getchatclient", "getembeddingclient", "getresponsesclient"},),
        "chat.completions",
        "openai",
    ),
]

# Client constructors: normalised type name -> (sdk, platform)
CLIENT_TYPES: dict[str, tuple[str, str | None]] = {
    "openai": ("openai", "openai"),
    "asyncopenai": ("openai", "openai"),
    "azureopenai": ("openai", "azure"),
    "asyncazureopenai": ("openai", "azure"),
    "azureopenaiclient": ("openai", "azure"),
    "openaiclient": ("openai", "openai"),
    "anthropic": ("anthropic", "anthropic"),
    "asyncanthropic": ("anthropic", "anthropic"),
    "anthropicbedrock": ("anthropic", "bedrock"),
    "asyncanthropicbedrock": ("anthropic", "bedrock"),
    "anthropicvertex": ("anthropic", "vertex"),
    "asyncanthropicvertex": ("anthropic", "vertex"),
    "anthropicclient": ("anthropic", "anthropic"),
    "mistral": ("mistralai", "mistral"),
    "mistralclient": ("mistralai", "mistral"),
    "clientv2": ("cohere", "cohere"),
    "asyncclientv2": ("cohere", "cohere"),
    "groq": ("groq", None),
    "asyncgroq": ("groq", None),
    "googlegenai": ("google-genai", "gemini-api"),
    "newclient": ("", None),
}

_LLAMA = {"llama_index"}
# normalised constructor / factory name -> (sdk, provider, platform, api, keys, pos, deployment,
# required import prefix or None)
_CTORS: dict[
    str, tuple[str, str | None, str | None, tuple[str, ...], int | None, bool, str | None]
] = {
    "chatopenai": (
        "langchain",
        "openai",
        "openai",
        ("model", "model_name", "modelName"),
        None,
        False,
        None,
    ),
    "azurechatopenai": (
        "langchain",
        "openai",
        "azure",
        ("azure_deployment", "deployment_name", "azureOpenAIApiDeploymentName", "deploymentName"),
        None,
        True,
        None,
    ),
    "chatanthropic": (
        "langchain",
        "anthropic",
        "anthropic",
        ("model", "model_name", "modelName"),
        None,
        False,
        None,
    ),
    "chatgooglegenerativeai": (
        "langchain",
        "google",
        "gemini-api",
        ("model", "model_name"),
        None,
        False,
        None,
    ),
    "chatvertexai": ("langchain", "google", "vertex", ("model_name", "model"), None, False, None),
    "chatbedrock": ("langchain", None, "bedrock", ("model_id", "model"), None, False, None),
    "chatbedrockconverse": ("langchain", None, "bedrock", ("model", "model_id"), None, False, None),
    "chatmistralai": (
        "langchain",
        "mistral",
        "mistral",
        ("model", "model_name"),
        None,
        False,
        None,
    ),
    "chatcohere": ("langchain", "cohere", "cohere", ("model",), None, False, None),
    "chatgroq": ("langchain", None, None, ("model", "model_name"), None, False, None),
    "chatlitellm": ("langchain", None, None, ("model",), None, False, None),
    "openaiembeddings": ("langchain", "openai", "openai", ("model",), None, False, None),
    "initchatmodel": ("langchain", None, None, ("model",), 0, False, None),
    "generativemodel": (
        "google-generativeai",
        "google",
        "gemini-api",
        ("model_name", "model"),
        0,
        False,
        None,
    ),
    "textgenerationmodel": ("vertexai", "google", "vertex", ("model_name",), 0, False, None),
    "agent": ("pydantic-ai", None, None, ("model", "llm"), 0, False, "pydantic_ai|crewai"),
    "openaimodel": ("pydantic-ai", "openai", "openai", ("model_name",), 0, False, "pydantic_ai"),
    "openaichatmodel": (
        "pydantic-ai",
        "openai",
        "openai",
        ("model_name",),
        0,
        False,
        "pydantic_ai",
    ),
    "openairesponsesmodel": (
        "pydantic-ai",
        "openai",
        "openai",
        ("model_name",),
        0,
        False,
        "pydantic_ai",
    ),
    "anthropicmodel": (
        "pydantic-ai",
        "anthropic",
        "anthropic",
        ("model_name",),
        0,
        False,
        "pydantic_ai",
    ),
    "geminimodel": (
        "pydantic-ai",
        "google",
        "gemini-api",
        ("model_name",),
        0,
        False,
        "pydantic_ai",
    ),
    "googlemodel": (
        "pydantic-ai",
        "google",
        "gemini-api",
        ("model_name",),
        0,
        False,
        "pydantic_ai",
    ),
    "llm": ("crewai", None, None, ("model",), 0, False, "crewai"),
    "openaiembedding": ("llama-index", "openai", "openai", ("model",), None, False, "llama_index"),
    "chatclient": ("openai", "openai", "openai", ("model",), 0, False, None),
}
for _name in ("openai", "anthropic", "gemini", "mistralai", "groq", "bedrock", "bedrockconverse"):
    _CTORS.setdefault(
        _name + "@llama", ("llama-index", None, None, ("model",), None, False, "llama_index")
    )
_CTORS["azureopenai@llama"] = (
    "llama-index",
    "openai",
    "azure",
    ("engine", "deployment_name", "model"),
    None,
    True,
    "llama_index",
)

# Vercel AI SDK
AI_SDK_FUNCS = frozenset(
    {"generatetext", "streamtext", "generateobject", "streamobject", "embed", "embedmany"}
)
AI_SDK_PROVIDERS: dict[str, tuple[str, str | None]] = {
    "openai": ("openai", "openai"),
    "anthropic": ("anthropic", "anthropic"),
    "google": ("google", "gemini-api"),
    "vertex": ("google", "vertex"),
    "azure": ("openai", "azure"),
    "bedrock": ("", "bedrock"),
    "mistral": ("mistral", "mistral"),
    "groq": ("", None),
    "xai": ("xai", None),
    "cohere": ("cohere", "cohere"),
}


def classify_call(
    chain: list[str], root: tuple[str, str | None] | None, imports: frozenset[str]
) -> CallKind | None:
    """The kind of a method call ``a.b.c(...)``; ``root`` is the SDK the receiver was built with."""
    names = [norm(c) for c in chain]
    if not names:
        return None
    sdk_root, platform = root if root else ("", None)
    for parts, api, default_sdk in _METHODS:
        if len(names) < len(parts):
            continue
        tail = names[len(names) - len(parts) :]
        if all(t in p for t, p in zip(tail, parts, strict=True)):
            sdk = sdk_root or _sdk_from_imports(default_sdk, imports)
            if not sdk_root and default_sdk == "anthropic" and "anthropic" not in imports:
                return None
            if api == "chat" and sdk != "mistralai":
                continue
            pos = None
            keys: tuple[str, ...] = ("model",)
            if api in {"invoke_model", "converse"}:
                keys = ("modelId", "model_id")
                platform = platform or "bedrock"
                if not sdk_root:
                    sdk = "boto3"
            elif api == "generate_content":
                pos = 1 if "go" in imports else None
            elif names[-1] in {"getchatclient", "getembeddingclient", "getresponsesclient"}:
                pos = 0
                keys = ("model", "deploymentName")
            return CallKind(
                sdk=sdk,
                api=_api_name(sdk, api),
                platform=platform,
                keys=keys,
                pos=pos,
                deployment=platform == "azure",
            )
    if sdk_root == "cohere" and names[-1] in {"chat", "chatstream", "generate", "embed", "rerank"}:
        return CallKind(
            sdk="cohere", api="cohere." + names[-1], provider="cohere", platform="cohere"
        )
    if names[-1] in {"completion", "acompletion", "embedding", "textcompletion", "aembedding"} and (
        (len(names) > 1 and names[-2] == "litellm") or "litellm" in imports
    ):
        return CallKind(sdk="litellm", api="litellm." + names[-1], pos=0)
    return None


def classify_constructor(
    name: str, imports: frozenset[str], module_of_name: str = ""
) -> CallKind | None:
    """The kind of ``Name(...)`` / ``new Name(...)`` when it builds a model object."""
    key = norm(name)
    if module_of_name.startswith("llama_index") and key + "@llama" in _CTORS:
        key = key + "@llama"
    spec = _CTORS.get(key)
    if spec is None:
        return None
    sdk, provider, platform, keys, pos, deployment, needs = spec
    if needs:
        wanted = needs.split("|")
        source = module_of_name.replace(".", "_")
        hit = [w for w in wanted if source.startswith(w) or (not module_of_name and w in imports)]
        if not hit:
            return None
        if hit[0] == "crewai":
            sdk = "crewai"
    if key == "chatclient" and module_of_name.startswith("langchain"):
        return None
    if key == "generativemodel" and module_of_name.startswith("vertexai"):
        sdk, platform = "vertexai", "vertex"
    return CallKind(
        sdk=sdk,
        api="model",
        provider=provider,
        platform=platform,
        keys=keys,
        pos=pos,
        deployment=deployment,
    )


def _sdk_from_imports(default: str, imports: frozenset[str]) -> str:
    if default == "openai" and "groq" in imports and "openai" not in imports:
        return "groq"
    return default


def _api_name(sdk: str, api: str) -> str:
    if sdk in {"openai", "groq"} and api in {"chat.completions", "responses"}:
        return "openai.chat" if api == "chat.completions" else "openai.responses"
    if api == "messages":
        return "anthropic.messages"
    if api == "generate_content":
        return "gemini.generate"
    return f"{sdk}.{api}" if sdk else api


def wire_api(api: str | None) -> str | None:
    """The wire API id check_request understands, for an SDK API name."""
    if api in {"openai.chat", "openai.responses", "anthropic.messages", "gemini.generate"}:
        return api
    if api and api.startswith(("litellm.completion", "litellm.acompletion", "ai-sdk", "model")):
        return "openai.chat"
    return None


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def wire_param(name: str) -> str:
    """SDK parameter spelling -> wire spelling (``maxTokens`` / ``MaxTokens`` -> ``max_tokens``)."""
    return _CAMEL.sub(r"_\1", name).lower()
