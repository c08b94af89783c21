"""AWS Signature Version 4 for request headers, with ``hmac``/``hashlib`` only.

Follows AWS's "Create a signed AWS API request" (IAM user guide) and is tested against the
published AWS SigV4 test suite (``get-vanilla``, ``post-vanilla``, ``post-sts-header-before``,
...):

1. canonical request: method, canonical URI, canonical query, canonical headers, signed
   header names, hex SHA-256 of the payload, joined by newlines;
2. string to sign: ``AWS4-HMAC-SHA256``, the ``x-amz-date`` timestamp, the credential scope
   ``YYYYMMDD/region/service/aws4_request`` and the hex SHA-256 of the canonical request;
3. signing key: HMAC chain ``"AWS4" + secret`` -> date -> region -> service ->
   ``aws4_request``; the signature is the hex HMAC of the string to sign under it.

Every path segment is URI-encoded a second time in the canonical URI (all services but S3):
a Bedrock model id ``...-v1:0`` travels as ``...-v1%3A0`` and is signed as ``...-v1%253A0``.
Credentials never appear in a ``repr``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

__all__ = [
    "ALGORITHM",
    "AwsCredentials",
    "amz_date",
    "authorization",
    "canonical_request",
    "canonical_uri",
    "credential_scope",
    "parse_authorization",
    "sign",
    "signature",
]

ALGORITHM = "AWS4-HMAC-SHA256"
_UNRESERVED = "-_.~"  # with letters and digits, which quote() never encodes


@dataclass(frozen=True)
class AwsCredentials:
    """An access key pair and an optional session token (temporary credentials)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __repr__(self) -> str:
        token = "set" if self.session_token else "unset"
        return (
            f"AwsCredentials(access_key_id=<set>, secret_access_key=<set>, session_token=<{token}>)"
        )

    __str__ = __repr__

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AwsCredentials | None:
        """``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``, or None
        when either of the first two is unset."""
        env = os.environ if env is None else env
        key_id = env.get("AWS_ACCESS_KEY_ID") or ""
        secret = env.get("AWS_SECRET_ACCESS_KEY") or ""
        if not (key_id and secret):
            return None
        return cls(key_id, secret, env.get("AWS_SESSION_TOKEN") or None)


def amz_date(epoch_s: float) -> str:
    """The ``x-amz-date`` form of a UNIX time: ``20150830T123600Z``."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch_s))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def canonical_uri(path: str, *, double_encode: bool = True) -> str:
    """The canonical URI of ``path`` as it is sent (already percent-encoded once): each
    segment is encoded again unless ``double_encode`` is false (S3)."""
    if not path:
        return "/"
    if not double_encode:
        return path
    return "/".join(quote(seg, safe=_UNRESERVED) for seg in path.split("/"))


def _canonical_query(query: str) -> str:
    pairs: list[tuple[str, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append(
            (quote(unquote(name), safe=_UNRESERVED), quote(unquote(value), safe=_UNRESERVED))
        )
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _canonical_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    merged: dict[str, str] = {}
    for name, value in headers.items():
        key = name.strip().lower()
        clean = " ".join(str(value).split())
        merged[key] = f"{merged[key]},{clean}" if key in merged else clean
    names = sorted(merged)
    return "".join(f"{n}:{merged[n]}\n" for n in names), ";".join(names)


def canonical_request(
    method: str, url: str, headers: Mapping[str, str], payload: bytes, *, double_encode: bool = True
) -> tuple[str, str]:
    """The canonical request and the signed header list for ``headers`` (all of them are
    signed; ``host`` must be among them)."""
    parts = urlsplit(url)
    canon_headers, signed = _canonical_headers(headers)
    text = "\n".join(
        [
            method.upper(),
            canonical_uri(parts.path, double_encode=double_encode),
            _canonical_query(parts.query),
            canon_headers,
            signed,
            _sha256(payload),
        ]
    )
    return text, signed


def credential_scope(date: str, region: str, service: str) -> str:
    """``YYYYMMDD/region/service/aws4_request`` for an ``x-amz-date`` value ``date``."""
    return f"{date[:8]}/{region}/{service}/aws4_request"


def signature(
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload: bytes,
    *,
    secret_access_key: str,
    region: str,
    service: str,
    date: str,
    double_encode: bool = True,
) -> tuple[str, str]:
    """The hex signature and the signed header list; ``date`` is the ``x-amz-date`` value."""
    creq, signed = canonical_request(method, url, headers, payload, double_encode=double_encode)
    scope = credential_scope(date, region, service)
    to_sign = "\n".join([ALGORITHM, date, scope, _sha256(creq.encode("utf-8"))])
    key = _hmac(("AWS4" + secret_access_key).encode("utf-8"), date[:8])
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest(), signed


def authorization(
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload: bytes,
    *,
    credentials: AwsCredentials,
    region: str,
    service: str,
    date: str,
) -> str:
    """The ``Authorization`` header value signing ``headers`` (which must hold ``host`` and
    ``x-amz-date``, and ``x-amz-security-token`` with temporary credentials)."""
    sig, signed = signature(
        method,
        url,
        headers,
        payload,
        secret_access_key=credentials.secret_access_key,
        region=region,
        service=service,
        date=date,
    )
    scope = credential_scope(date, region, service)
    return (
        f"{ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
        f"SignedHeaders={signed}, Signature={sig}"
    )


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload: bytes,
    *,
    credentials: AwsCredentials,
    region: str,
    service: str,
    now: float,
) -> dict[str, str]:
    """``headers`` (lower-cased, ``host`` included) plus ``x-amz-date``, the session token
    when there is one, and ``authorization``; every header returned but ``authorization`` is
    signed, so send exactly these."""
    out = {k.lower(): v for k, v in headers.items()}
    out.pop("authorization", None)
    if "host" not in out:
        out["host"] = urlsplit(url).netloc
    date = amz_date(now)
    out["x-amz-date"] = date
    if credentials.session_token:
        out["x-amz-security-token"] = credentials.session_token
    out["authorization"] = authorization(
        method,
        url,
        out,
        payload,
        credentials=credentials,
        region=region,
        service=service,
        date=date,
    )
    return out


def parse_authorization(value: str) -> dict[str, str]:
    """The parts of a SigV4 ``Authorization`` value: ``credential``, ``signed_headers``,
    ``signature`` (empty dict when it is not one)."""
    if not value.startswith(ALGORITHM + " "):
        return {}
    out: dict[str, str] = {}
    for item in value[len(ALGORITHM) + 1 :].split(","):
        name, _, val = item.strip().partition("=")
        key = {"Credential": "credential", "SignedHeaders": "signed_headers"}.get(name, name)
        out[key.lower()] = val
    return out
