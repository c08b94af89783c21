"""Vertex AI providers (Gemini and Claude) against a loopback wire server: the exact URLs,
the bearer token and where it comes from, the bodies, streaming, and error mapping."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest
from checks_anthropic_gemini import collect, core
from test_anthropic import TOOL_BODY, TOOL_STREAM
from test_anthropic import _simple_request as anthropic_request
from test_gemini import SIMPLE_WIRE, STREAM, STREAM_BODY
from test_gemini import _simple_request as gemini_request
from wire_server import Reply, WireServer

from switchover.chat import ChatRequest, StreamEvent
from switchover.config import UpstreamSettings
from switchover.errors import (
    AuthError,
    ConfigError,
    ModelNotFoundError,
    ProviderBadRequestError,
    ProviderError,
    ProviderServerError,
    RateLimitError,
    UsageError,
)
from switchover.providers import anthropic as ac
from switchover.providers import gemini as gc
from switchover.providers import vertex as vx
from switchover.providers._http import HTTPProvider
from switchover.providers.base import ProviderSettings, available_providers, create_provider

TOKEN = "ya29.a0AfH6SMBstatic-token-0123456789"
PROJECT = "my-proj"
CLAUDE = "claude-sonnet-4-5@20250929"
GEMINI_PATH = f"/v1/projects/{PROJECT}/locations/us-central1/publishers/google/models/"
CLAUDE_PATH = f"/v1/projects/{PROJECT}/locations/global/publishers/anthropic/models/"

# Prints a new token each run and counts the runs in the file named by its argument.
TOKEN_SCRIPT = (
    "import pathlib, sys\n"
    "p = pathlib.Path(sys.argv[1])\n"
    "n = int(p.read_text()) + 1 if p.exists() else 1\n"
    "p.write_text(str(n))\n"
    "print('ya29.command-token-%d' % n)\n"
)
FAILING_SCRIPT = (
    "import sys\n"
    "sys.stderr.write('ERROR: (gcloud.auth.print-access-token) You do not currently have an "
    "active account selected.\\n')\n"
    "sys.exit(1)\n"
)
# What `gcloud auth print-access-token` writes to stderr before any `gcloud auth login`.
GCLOUD_LOGGED_OUT = (
    "import sys\n"
    "sys.stderr.write('ERROR: (gcloud.auth.print-access-token) You do not currently have an "
    "active account selected.\\nPlease run:\\n\\n  $ gcloud auth login\\n\\nto obtain new "
    "credentials.\\n\\nIf you have already logged in with a different account, run:\\n\\n"
    "  $ gcloud config set account ACCOUNT\\n\\nto select an already authenticated account "
    "to use.\\n')\n"
    "sys.exit(1)\n"
)

_ENV = (
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "ANTHROPIC_VERTEX_PROJECT_ID",
    "CLOUD_ML_REGION",
    "GOOGLE_OAUTH_ACCESS_TOKEN",
    "MY_VERTEX_TOKEN",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)


def _command(counter: Path, script: str = TOKEN_SCRIPT) -> list[str]:
    return [sys.executable, "-c", script, str(counter)]


def _settings(srv: WireServer | None = None, **options: Any) -> ProviderSettings:
    return ProviderSettings(
        base_url=srv.base_url if srv is not None else None,
        api_key=options.pop("api_key", TOKEN),
        max_retries=options.pop("max_retries", 0),
        options={"project": PROJECT, **options},
    )


def _gemini(srv: WireServer, **kw: Any) -> vx.VertexGeminiProvider:
    options = kw.pop("options", {})
    return vx.VertexGeminiProvider(_settings(srv, **options), **kw)


def _claude(srv: WireServer, **kw: Any) -> vx.VertexAnthropicProvider:
    options = kw.pop("options", {})
    return vx.VertexAnthropicProvider(_settings(srv, **options), **kw)


def claude_request() -> ChatRequest:
    return anthropic_request().model_copy(update={"model": CLAUDE})


async def _assert_error(
    wire: WireServer,
    provider: HTTPProvider,
    request: ChatRequest,
    status: int,
    body: dict[str, Any],
    exc: type[ProviderError],
    message: str,
) -> None:
    """One error answer raises exactly ``exc`` with the message verbatim and the status."""
    wire.queue(Reply(status=status, json=body))
    async with provider:
        with pytest.raises(exc) as info:
            await provider.complete(request)
    assert type(info.value) is exc
    assert info.value.provider_message == message
    assert info.value.status == status


# The Anthropic Messages body (its exact wire is tested in test_anthropic.py) without
# "model", plus the anthropic_version Vertex requires.
CLAUDE_WIRE = {
    "anthropic_version": "vertex-2023-10-16",
    **{k: v for k, v in ac.encode_request(anthropic_request()).items() if k != "model"},
}
assert {"max_tokens", "system", "messages", "tools"} <= set(CLAUDE_WIRE)

# What Vertex adds to a generateContent answer (createTime, trafficType, token details).
VERTEX_BODY: dict[str, Any] = {
    **STREAM_BODY,
    "createTime": "2026-11-27T04:00:00.123456Z",
    "usageMetadata": {
        **STREAM_BODY["usageMetadata"],
        "trafficType": "ON_DEMAND",
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 12}],
        "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 10}],
    },
}


# ------------------------------------------------------------------ URLs and settings


def test_host_is_regional_or_global() -> None:
    assert vx.vertex_host("us-central1") == "https://us-central1-aiplatform.googleapis.com"
    assert vx.vertex_host("europe-west4") == "https://europe-west4-aiplatform.googleapis.com"
    assert vx.vertex_host("global") == "https://aiplatform.googleapis.com"


def test_urls_without_base_url() -> None:
    gem = vx.VertexGeminiProvider(_settings())
    assert gem.url_for(gemini_request()) == (
        "https://us-central1-aiplatform.googleapis.com/v1/projects/my-proj/locations/"
        "us-central1/publishers/google/models/gemini-2.5-flash:generateContent"
    )
    assert gem.stream_url_for(gemini_request("publishers/google/models/gemini-2.5-pro")) == (
        "https://us-central1-aiplatform.googleapis.com/v1/projects/my-proj/locations/"
        "us-central1/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
    )
    glob = vx.VertexGeminiProvider(_settings(location="global", api_version="v1beta1"))
    assert glob.url_for(gemini_request()) == (
        "https://aiplatform.googleapis.com/v1beta1/projects/my-proj/locations/global/"
        "publishers/google/models/gemini-2.5-flash:generateContent"
    )
    claude = vx.VertexAnthropicProvider(_settings())  # Claude defaults to the global endpoint
    assert claude.url_for(claude_request()) == (
        "https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global/"
        "publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict"
    )
    east = vx.VertexAnthropicProvider(_settings(location="us-east5"))
    assert east.stream_url_for(claude_request()) == (
        "https://us-east5-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-east5/"
        "publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict"
    )


def test_project_and_location_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "env-proj")
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "europe-west1")
    gem = vx.VertexGeminiProvider(ProviderSettings(api_key=TOKEN))
    assert (gem.project, gem.location) == ("env-proj", "europe-west1")
    assert gem.base_url == "https://europe-west1-aiplatform.googleapis.com"
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT")
    monkeypatch.delenv("GOOGLE_CLOUD_LOCATION")
    monkeypatch.setenv("ANTHROPIC_VERTEX_PROJECT_ID", "claude-proj")
    monkeypatch.setenv("CLOUD_ML_REGION", "us-east5")
    claude = vx.VertexAnthropicProvider(ProviderSettings(api_key=TOKEN))
    assert (claude.project, claude.location) == ("claude-proj", "us-east5")
    opts = ProviderSettings(api_key=TOKEN, options={"project": "p2", "location": "global"})
    assert (
        vx.VertexAnthropicProvider(opts).project,
        vx.VertexAnthropicProvider(opts).location,
    ) == (
        "p2",
        "global",
    )


def test_missing_project_and_bad_location_are_config_errors() -> None:
    with pytest.raises(ConfigError) as info:
        vx.VertexGeminiProvider(ProviderSettings(api_key=TOKEN))
    assert info.value.hint is not None
    assert "GOOGLE_CLOUD_PROJECT" in info.value.hint
    with pytest.raises(ConfigError, match="not a Google Cloud location"):
        vx.VertexGeminiProvider(_settings(location="evil.example.com/x"))


def test_registered_and_platform_is_vertex() -> None:
    assert {"vertex-gemini", "vertex-anthropic"} <= set(available_providers())
    assert isinstance(create_provider("vertex-gemini", _settings()), vx.VertexGeminiProvider)
    assert isinstance(create_provider("vertex-anthropic", _settings()), vx.VertexAnthropicProvider)
    for name in ("vertex-gemini", "vertex-anthropic"):
        assert UpstreamSettings(provider=name).platform == "vertex"
    assert vx.VertexGeminiProvider.api == "gemini.generate"
    assert vx.VertexAnthropicProvider.api == "anthropic.messages"


async def test_no_embeddings() -> None:
    async with vx.VertexGeminiProvider(_settings()) as provider:
        assert provider.supports_embeddings is False
        with pytest.raises(UsageError, match="no embeddings API"):
            await provider.embed(["a"], "text-embedding-005")


# ------------------------------------------------------------------ Gemini on Vertex


async def test_gemini_complete_sends_the_exact_request(wire: WireServer) -> None:
    wire.queue(Reply(json=VERTEX_BODY, headers={"x-request-id": "v-req-1"}))
    async with _gemini(wire) as provider:
        resp = await provider.complete(gemini_request())
    rec = wire.last
    assert (rec.method, rec.path, rec.query) == (
        "POST",
        GEMINI_PATH + "gemini-2.5-flash:generateContent",
        {},
    )
    assert rec.headers["authorization"] == f"Bearer {TOKEN}"
    assert "x-goog-api-key" not in rec.headers
    assert rec.headers["content-type"] == "application/json"
    assert rec.json == SIMPLE_WIRE
    assert core(resp) == core(gc.decode_response(STREAM_BODY))
    assert (resp.provider, resp.provider_request_id) == ("vertex-gemini", "v-req-1")


async def test_gemini_stream_uses_alt_sse(wire: WireServer) -> None:
    wire.queue(Reply(sse=STREAM), Reply(json=STREAM_BODY))
    async with _gemini(wire) as provider:
        streamed = await provider.complete_streaming(gemini_request())
        plain = await provider.complete(gemini_request())
    first = wire.requests[0]
    assert first.path == GEMINI_PATH + "gemini-2.5-flash:streamGenerateContent"
    assert first.query == {"alt": ["sse"]}
    assert first.headers["authorization"] == f"Bearer {TOKEN}"
    assert first.json == SIMPLE_WIRE
    assert core(streamed) == core(plain)
    assert streamed.provider == "vertex-gemini"


@pytest.mark.parametrize(
    ("status", "message", "exc"),
    [
        (400, "Request contains an invalid argument.", ProviderBadRequestError),
        (
            404,
            "Publisher Model `projects/my-proj/locations/us-central1/publishers/google/models/"
            "gemini-9` was not found or your project does not have access to it.",
            ModelNotFoundError,
        ),
        (429, "Resource exhausted. Please try again later.", RateLimitError),
        (500, "Internal error encountered.", ProviderServerError),
    ],
)
async def test_gemini_error_mapping(
    wire: WireServer, status: int, message: str, exc: type[ProviderError]
) -> None:
    body = gc.error_body(status, message)
    await _assert_error(wire, _gemini(wire), gemini_request(), status, body, exc, message)


async def test_resource_exhausted_is_retried_after_retry_info(
    wire: WireServer, sleeps: Any
) -> None:
    body = gc.error_body(429, "Resource exhausted. Please try again later.")
    body["error"]["details"] = [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}
    ]
    wire.queue(Reply(status=429, json=body), Reply(json=STREAM_BODY))
    async with _gemini(wire, options={"max_retries": 2}, sleep=sleeps) as provider:
        resp = await provider.complete(gemini_request())
    assert resp.text == "The weather is sunny."
    assert len(wire.requests) == 2
    assert sleeps.delays == [7.0]


# ------------------------------------------------------------------ Claude on Vertex


async def test_claude_complete_sends_the_exact_request(wire: WireServer) -> None:
    wire.queue(Reply(json=TOOL_BODY, headers={"request-id": "req_vtx"}))
    async with _claude(wire) as provider:
        resp = await provider.complete(claude_request())
    rec = wire.last
    assert (rec.method, rec.path) == ("POST", CLAUDE_PATH + f"{CLAUDE}:rawPredict")
    assert rec.raw_path == CLAUDE_PATH + "claude-sonnet-4-5@20250929:rawPredict"
    assert rec.headers["authorization"] == f"Bearer {TOKEN}"
    assert "x-api-key" not in rec.headers
    assert "anthropic-version" not in rec.headers
    assert rec.json == CLAUDE_WIRE  # anthropic_version in, model out
    assert core(resp) == core(ac.decode_response(TOOL_BODY))
    assert (resp.provider, resp.provider_request_id) == ("vertex-anthropic", "req_vtx")


async def test_claude_stream_uses_stream_raw_predict(wire: WireServer) -> None:
    wire.queue(Reply(sse=TOOL_STREAM), Reply(json=TOOL_BODY))
    async with _claude(wire, options={"anthropic_version": "vertex-2099-01-01"}) as provider:
        streamed = await provider.complete_streaming(claude_request())
        plain = await provider.complete(claude_request())
    first, second = wire.requests
    assert first.path == CLAUDE_PATH + f"{CLAUDE}:streamRawPredict"
    assert first.headers["accept"] == "text/event-stream"
    assert first.json == {**CLAUDE_WIRE, "anthropic_version": "vertex-2099-01-01", "stream": True}
    assert second.path == CLAUDE_PATH + f"{CLAUDE}:rawPredict"
    assert "stream" not in second.json
    assert core(streamed) == core(plain)


@pytest.mark.parametrize(
    ("status", "body", "exc", "message"),
    [
        # Vertex itself answers in Google's shape ...
        (
            404,
            gc.error_body(
                404,
                "Publisher Model `projects/my-proj/locations/global/publishers/anthropic/"
                "models/claude-x@1` not found.",
            ),
            ModelNotFoundError,
            "Publisher Model `projects/my-proj/locations/global/publishers/anthropic/"
            "models/claude-x@1` not found.",
        ),
        (
            429,
            gc.error_body(429, "Quota exceeded for aiplatform.googleapis.com/online_prediction"),
            RateLimitError,
            "Quota exceeded for aiplatform.googleapis.com/online_prediction",
        ),
        # ... the model in Anthropic's
        (
            400,
            ac.error_body(400, "max_tokens: Field required", type="invalid_request_error"),
            ProviderBadRequestError,
            "max_tokens: Field required",
        ),
        (
            529,
            ac.error_body(529, "Overloaded", type="overloaded_error"),
            RateLimitError,
            "Overloaded",
        ),
    ],
)
async def test_claude_error_mapping_both_shapes(
    wire: WireServer, status: int, body: dict[str, Any], exc: type[ProviderError], message: str
) -> None:
    await _assert_error(wire, _claude(wire), claude_request(), status, body, exc, message)


async def test_permission_denied_names_the_role(wire: WireServer) -> None:
    wire.queue(
        Reply(
            status=403,
            json=gc.error_body(
                403,
                "Permission 'aiplatform.endpoints.predict' denied on resource "
                "'//aiplatform.googleapis.com/projects/my-proj/locations/global/publishers/"
                "anthropic/models/claude-sonnet-4-5@20250929' (or it may not exist).",
            ),
        )
    )
    async with _claude(wire) as provider:
        with pytest.raises(AuthError) as info:
            await provider.complete(claude_request())
    assert info.value.hint is not None
    assert "roles/aiplatform.user" in info.value.hint
    assert len(wire.requests) == 1


async def test_claude_google_shaped_stream_error(wire: WireServer) -> None:
    err = gc.error_body(429, "Resource exhausted.")
    wire.queue(Reply(sse=[*TOOL_STREAM[:4], f"data: {json.dumps(err)}\n\n".encode()]))
    seen: list[StreamEvent] = []
    async with _claude(wire) as provider:
        with pytest.raises(RateLimitError, match="Resource exhausted"):
            await collect(lambda: provider.stream(claude_request()), seen)
    assert [e.type for e in seen] == ["start", "usage", "text"]


async def test_claude_anthropic_shaped_stream_error(wire: WireServer) -> None:
    frame = (
        "event: error\ndata: "
        + json.dumps({"type": "error", "error": {"type": "overloaded_error", "message": "Busy"}})
        + "\n\n"
    ).encode()
    wire.queue(Reply(sse=[*TOOL_STREAM[:4], frame]))
    async with _claude(wire) as provider:
        with pytest.raises(RateLimitError, match="Busy"):
            await collect(lambda: provider.stream(claude_request()), [])


# ------------------------------------------------------------------ tokens


def _unauthenticated(message: str = "Request had invalid authentication credentials.") -> Reply:
    body = gc.error_body(401, message)
    body["error"]["status"] = "UNAUTHENTICATED"
    return Reply(status=401, json=body)


async def test_token_command_runs_once_and_again_after_a_401(
    wire: WireServer, tmp_path: Path
) -> None:
    counter = tmp_path / "runs"
    wire.queue(Reply(json=TOOL_BODY), _unauthenticated(), Reply(json=TOOL_BODY))
    options = {"api_key": None, "token_command": _command(counter)}
    async with _claude(wire, options=options) as provider:
        await provider.complete(claude_request())
        await provider.complete(claude_request())  # 401, new token, same request again
    assert [r.headers["authorization"] for r in wire.requests] == [
        "Bearer ya29.command-token-1",
        "Bearer ya29.command-token-1",
        "Bearer ya29.command-token-2",
    ]
    assert wire.requests[1].json == wire.requests[2].json
    assert counter.read_text() == "2"


async def test_a_second_401_is_an_auth_error(wire: WireServer, tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    wire.queue(_unauthenticated(), _unauthenticated())
    options = {"api_key": None, "token_command": _command(counter)}
    async with _gemini(wire, options=options) as provider:
        with pytest.raises(AuthError) as info:
            await provider.complete(gemini_request())
    assert len(wire.requests) == 2
    assert counter.read_text() == "2"  # one re-run, not a loop
    assert info.value.status == 401
    assert info.value.hint is not None
    assert "gcloud auth application-default login" in info.value.hint


async def test_token_from_the_command_is_renewed_after_50_minutes(
    wire: WireServer, tmp_path: Path
) -> None:
    counter = tmp_path / "runs"
    clock = [1000.0]
    for _ in range(3):
        wire.queue(Reply(json=STREAM_BODY))
    options = {"api_key": None, "token_command": _command(counter)}
    async with _gemini(wire, options=options, now=lambda: clock[0]) as provider:
        await provider.complete(gemini_request())
        clock[0] += 49 * 60
        await provider.complete(gemini_request())
        clock[0] += 2 * 60
        await provider.complete(gemini_request())
    assert [r.headers["authorization"][-1] for r in wire.requests] == ["1", "1", "2"]


async def test_token_command_as_a_string(wire: WireServer, tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    wire.queue(Reply(json=STREAM_BODY))
    options = {"api_key": None, "token_command": shlex.join(_command(counter))}
    async with _gemini(wire, options=options) as provider:
        await provider.complete(gemini_request())
    assert wire.last.headers["authorization"] == "Bearer ya29.command-token-1"


async def test_environment_token_comes_first_and_is_not_refreshed(
    wire: WireServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = tmp_path / "runs"
    monkeypatch.setenv("GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.from-the-environment")
    wire.queue(Reply(json=STREAM_BODY), _unauthenticated())
    options = {"api_key": None, "token_command": _command(counter)}
    async with _gemini(wire, options=options) as provider:
        await provider.complete(gemini_request())
        with pytest.raises(AuthError) as info:
            await provider.complete(gemini_request())
    assert wire.requests[0].headers["authorization"] == "Bearer ya29.from-the-environment"
    assert len(wire.requests) == 2
    assert not counter.exists()
    assert info.value.hint is not None
    assert "GOOGLE_OAUTH_ACCESS_TOKEN" in info.value.hint


async def test_access_token_env_option(wire: WireServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_VERTEX_TOKEN", "ya29.custom-variable-token")
    monkeypatch.setenv("GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.not-this-one")
    wire.queue(Reply(json=TOOL_BODY))
    options = {"api_key": None, "access_token_env": "MY_VERTEX_TOKEN"}
    async with _claude(wire, options=options) as provider:
        await provider.complete(claude_request())
    assert wire.last.headers["authorization"] == "Bearer ya29.custom-variable-token"


async def test_missing_command_is_an_auth_error_with_a_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no gcloud here
    async with vx.VertexGeminiProvider(_settings(api_key=None)) as provider:
        with pytest.raises(AuthError, match="gcloud auth print-access-token") as info:
            await provider.complete(gemini_request())
    assert info.value.hint is not None
    assert "GOOGLE_OAUTH_ACCESS_TOKEN" in info.value.hint
    assert "gcloud auth application-default login" in info.value.hint
    async with vx.VertexGeminiProvider(_settings(api_key=None, token_command="")) as provider:
        with pytest.raises(AuthError, match="no Google Cloud access token") as info:
            await provider.complete(gemini_request())
    assert info.value.hint is not None
    assert "GOOGLE_OAUTH_ACCESS_TOKEN" in info.value.hint


async def test_failing_command_reports_its_error(tmp_path: Path) -> None:
    settings = _settings(api_key=None, token_command=_command(tmp_path / "x", FAILING_SCRIPT))
    async with vx.VertexAnthropicProvider(settings) as provider:
        with pytest.raises(AuthError, match="You do not currently have an active account") as info:
            await provider.complete(claude_request())
    assert "exited with status 1" in str(info.value)


async def test_failing_gcloud_reports_its_error_line_not_its_advice(tmp_path: Path) -> None:
    settings = _settings(api_key=None, token_command=_command(tmp_path / "x", GCLOUD_LOGGED_OUT))
    async with vx.VertexAnthropicProvider(settings) as provider:
        with pytest.raises(AuthError) as info:
            await provider.complete(claude_request())
    assert str(info.value).endswith(
        "exited with status 1: ERROR: (gcloud.auth.print-access-token) You do not currently "
        "have an active account selected."
    )


async def test_token_never_shows_in_repr_or_errors(wire: WireServer, tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    leaked = "ya29.command-token-1"
    wire.queue(
        _unauthenticated(f"Token {leaked} is expired."),
        _unauthenticated("Token ya29.command-token-2 is expired."),
    )
    options = {"api_key": None, "token_command": _command(counter)}
    async with _claude(wire, options=options) as provider:
        with pytest.raises(AuthError) as info:
            await provider.complete(claude_request())
        shown = repr(provider)
    for token in (leaked, "ya29.command-token-2"):
        assert token not in shown
        assert token not in str(info.value)
        assert token not in str(info.value.provider_message)
        assert token not in json.dumps(info.value.body)
    static = vx.VertexGeminiProvider(_settings())
    assert TOKEN not in repr(static)
    assert "TokenSource(api_key)" in repr(static)
    await static.aclose()
