from __future__ import annotations

from switchover.errors import (
    EXIT_USAGE,
    InputError,
    ProviderBadRequestError,
    RateLimitError,
    UnknownModelError,
    redact,
    register_secret,
)


def test_input_error_names_file_line_and_field() -> None:
    e = InputError("must be a number", path="data.jsonl", line=7, field="temperature")
    assert str(e) == "data.jsonl:7: temperature: must be a number"
    assert e.exit_code == EXIT_USAGE
    assert str(InputError("bad")) == "bad"


def test_unknown_model_error_suggests() -> None:
    e = UnknownModelError("gpt-4x", suggestions=["gpt-4o"])
    assert "gpt-4x" in str(e)
    assert e.hint == "Did you mean: gpt-4o?"
    assert UnknownModelError("zzz").hint is not None


def test_redact_removes_key_shapes_and_registered_secrets() -> None:
    text = (
        "key sk-proj-abcdefghijklmnop and sk-ant-api03-ABCDEFGHIJKL and "
        "AIzaSyA1234567890123456789012345 and Authorization: Bearer tok.en-12345678"
    )
    out = redact(text)
    assert "abcdefghijklmnop" not in out
    assert "ABCDEFGHIJKL" not in out
    assert "AIzaSy" not in out
    assert "tok.en-12345678" not in out
    register_secret("plain-secret-value")
    assert "plain-secret-value" not in redact("x plain-secret-value y")
    assert redact('{"api_key": "abcdefgh12345"}') == '{"api_key": "[REDACTED]"}'


def test_provider_errors_redact_their_message() -> None:
    e = ProviderBadRequestError(
        "bad key sk-abcdefghijk123", param="temperature", code="x", status=400
    )
    assert "abcdefghijk123" not in str(e)
    assert (e.param, e.code, e.status) == ("temperature", "x", 400)
    r = RateLimitError("slow down", retry_after=2.5)
    assert r.retryable
    assert r.retry_after == 2.5


def test_redact_keeps_environment_variable_names() -> None:
    msg = "no API key: OPENAI_API_KEY is not set; api_key=AZURE_OPENAI_API_KEY"
    assert redact(msg) == msg
    assert redact("api_key: sk_live_ABCDEFGH123") == "api_key: [REDACTED]"
    assert redact("key=abcdefgh12345") == "key=[REDACTED]"
