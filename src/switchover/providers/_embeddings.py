"""Embeddings wire formats (pure): OpenAI ``/embeddings`` and Gemini ``batchEmbedContents``.

* OpenAI (also Azure and OpenAI-compatible servers): ``{"model", "input": [texts]}`` ->
  ``{"data": [{"index", "embedding": [floats] | "<base64 float32>"}], "usage":
  {"prompt_tokens"}}``; the data are put back in input order by ``index``.
* Gemini: ``{"requests": [{"model": "models/M", "content": {"parts": [{"text"}]}}]}`` ->
  ``{"embeddings": [{"values": [floats]}]}`` (in request order).

Decoders raise :class:`InputError` on a malformed body (the HTTP provider reports it as a
malformed response).
"""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Sequence
from typing import Any

from switchover.errors import InputError
from switchover.providers.base import Embeddings

__all__ = [
    "decode_gemini_embeddings",
    "decode_openai_embeddings",
    "encode_gemini_embeddings",
    "encode_openai_embeddings",
]


def encode_openai_embeddings(texts: Sequence[str], model: str) -> dict[str, Any]:
    return {"model": model, "input": list(texts)}


def _vector(raw: Any, field: str) -> list[float]:
    if isinstance(raw, str):  # encoding_format "base64": little-endian float32
        try:
            data = base64.b64decode(raw, validate=True)
        except ValueError:
            raise InputError("is not valid base64", field=field) from None
        if len(data) % 4:
            raise InputError("base64 length is not a multiple of 4 bytes", field=field)
        return list(struct.unpack(f"<{len(data) // 4}f", data))
    if (
        isinstance(raw, list)
        and raw
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in raw)
    ):
        out = [float(x) for x in raw]
        if all(math.isfinite(x) for x in out):
            return out
    raise InputError("must be a non-empty list of finite numbers", field=field)


def decode_openai_embeddings(body: dict[str, Any], n: int) -> Embeddings:
    """The vectors of an OpenAI embeddings response for ``n`` inputs."""
    data = body.get("data")
    if not isinstance(data, list) or len(data) != n:
        got = len(data) if isinstance(data, list) else "no"
        raise InputError(f"expected {n} embeddings, got {got}", field="data")
    vectors: list[list[float] | None] = [None] * n
    for pos, item in enumerate(data):
        if not isinstance(item, dict):
            raise InputError("must be an object", field=f"data[{pos}]")
        idx = item.get("index", pos)
        if not isinstance(idx, int) or not 0 <= idx < n or vectors[idx] is not None:
            raise InputError("bad or repeated index", field=f"data[{pos}].index")
        vectors[idx] = _vector(item.get("embedding"), f"data[{pos}].embedding")
    usage = body.get("usage")
    tokens = usage.get("prompt_tokens") if isinstance(usage, dict) else None
    return Embeddings(
        vectors=[v for v in vectors if v is not None],
        model=str(body.get("model") or ""),
        input_tokens=tokens if isinstance(tokens, int) else 0,
    )


def encode_gemini_embeddings(texts: Sequence[str], model: str) -> dict[str, Any]:
    name = "models/" + model.removeprefix("models/")
    return {
        "requests": [{"model": name, "content": {"parts": [{"text": t}]}} for t in texts],
    }


def decode_gemini_embeddings(body: dict[str, Any], n: int) -> Embeddings:
    """The vectors of a Gemini ``batchEmbedContents`` response for ``n`` inputs."""
    items = body.get("embeddings")
    if not isinstance(items, list) or len(items) != n:
        got = len(items) if isinstance(items, list) else "no"
        raise InputError(f"expected {n} embeddings, got {got}", field="embeddings")
    vectors = []
    for i, item in enumerate(items):
        values = item.get("values") if isinstance(item, dict) else None
        vectors.append(_vector(values, f"embeddings[{i}].values"))
    return Embeddings(vectors=vectors)
