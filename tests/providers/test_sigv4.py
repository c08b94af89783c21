"""AWS Signature Version 4 against AWS's published test suite.

The requests, credentials and expected ``Authorization`` values are those of the AWS SigV4
test suite (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html, as shipped in
awslabs/aws-c-auth ``tests/aws-signing-test-suite/v4``): access key ``AKIDEXAMPLE``, region
us-east-1, service ``service``, time 2015-08-30T12:36:00Z, host example.amazonaws.com.
"""

from __future__ import annotations

import calendar

import pytest

from switchover.providers import _sigv4 as sigv4

SUITE = sigv4.AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
SUITE_NOW = float(calendar.timegm((2015, 8, 30, 12, 36, 0)))
SUITE_TOKEN = (
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAe"
    "MicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZam"
    "pKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD"
    "0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
)
SCOPE = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"


@pytest.mark.parametrize(
    ("case", "method", "url", "headers", "body", "creds", "signed", "expected"),
    [
        (
            "get-vanilla",
            "GET",
            "https://example.amazonaws.com/",
            {},
            b"",
            SUITE,
            "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
        (
            "post-vanilla",
            "POST",
            "https://example.amazonaws.com/",
            {},
            b"",
            SUITE,
            "host;x-amz-date",
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        ),
        (
            "get-vanilla-query-order-key-case",
            "GET",
            "https://example.amazonaws.com/?Param2=value2&Param1=value1",
            {},
            b"",
            SUITE,
            "host;x-amz-date",
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        ),
        (
            "post-x-www-form-urlencoded",
            "POST",
            "https://example.amazonaws.com/",
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"Param1=value1",
            SUITE,
            "content-type;host;x-amz-date",
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
        ),
        (
            "post-sts-header-before",
            "POST",
            "https://example.amazonaws.com/",
            {},
            b"",
            sigv4.AwsCredentials(SUITE.access_key_id, SUITE.secret_access_key, SUITE_TOKEN),
            "host;x-amz-date;x-amz-security-token",
            "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
        ),
    ],
)
def test_matches_the_published_test_suite(
    case: str,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    creds: sigv4.AwsCredentials,
    signed: str,
    expected: str,
) -> None:
    out = sigv4.sign(
        method,
        url,
        headers,
        body,
        credentials=creds,
        region="us-east-1",
        service="service",
        now=SUITE_NOW,
    )
    assert out["x-amz-date"] == "20150830T123600Z"
    assert out["host"] == "example.amazonaws.com"
    assert out["authorization"] == (
        f"AWS4-HMAC-SHA256 Credential={SCOPE}, SignedHeaders={signed}, Signature={expected}"
    ), case
    if creds.session_token:
        assert out["x-amz-security-token"] == SUITE_TOKEN
    parsed = sigv4.parse_authorization(out["authorization"])
    assert parsed == {"credential": SCOPE, "signed_headers": signed, "signature": expected}


def test_path_segments_are_encoded_twice_outside_s3() -> None:
    """AWS: "Each path segment must be URI-encoded twice (except for Amazon S3 which only
    gets URI-encoded once)". A Bedrock model id travels as %3A and is signed as %253A."""
    path = "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke"
    assert sigv4.canonical_uri(path) == (
        "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%253A0/invoke"
    )
    assert sigv4.canonical_uri(path, double_encode=False) == path
    assert sigv4.canonical_uri("") == "/"
    creq, signed = sigv4.canonical_request(
        "POST",
        "https://bedrock-runtime.us-east-1.amazonaws.com" + path,
        {"Host": "bedrock-runtime.us-east-1.amazonaws.com", "X-Amz-Date": "20150830T123600Z"},
        b"{}",
    )
    assert creq.splitlines()[1] == "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%253A0/invoke"
    assert signed == "host;x-amz-date"
    # the payload hash is the last line: SHA-256 of "{}"
    assert creq.splitlines()[-1] == (
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    )


def test_header_values_are_trimmed_and_names_lower_cased() -> None:
    a = sigv4.canonical_request("GET", "https://h/", {"Host": "h", "X-Thing": "  a   b  "}, b"")
    b = sigv4.canonical_request("GET", "https://h/", {"host": "h", "x-thing": "a b"}, b"")
    assert a == b
    assert "x-thing:a b\n" in a[0]


def test_credentials_never_show_in_repr() -> None:
    creds = sigv4.AwsCredentials("AKIAEXAMPLEID123", "secret/EXAMPLE+KEY", "token-EXAMPLE-123")
    for text in (repr(creds), str(creds)):
        assert "AKIAEXAMPLEID123" not in text
        assert "secret/EXAMPLE+KEY" not in text
        assert "token-EXAMPLE-123" not in text


def test_credentials_from_env() -> None:
    env = {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET"}
    assert sigv4.AwsCredentials.from_env(env) == sigv4.AwsCredentials("AKID", "SECRET")
    with_token = {**env, "AWS_SESSION_TOKEN": "TOKEN"}
    assert sigv4.AwsCredentials.from_env(with_token) == sigv4.AwsCredentials(
        "AKID", "SECRET", "TOKEN"
    )
    assert sigv4.AwsCredentials.from_env({"AWS_ACCESS_KEY_ID": "AKID"}) is None
    assert sigv4.parse_authorization("Bearer abc") == {}
