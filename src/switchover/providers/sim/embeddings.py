"""Deterministic simulated embeddings: a hashed bag of words and word pairs, L2-normalised.

Texts sharing words get similar vectors (cosine similarity tracks word overlap), which is
what a test of an embedding-similarity check needs; the values mean nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import re
import struct
from typing import Any

from switchover.errors import InputError
from switchover.providers.sim.textgen import estimate_tokens

__all__ = ["DEFAULT_DIMENSIONS", "embed", "embeddings_response"]

DEFAULT_DIMENSIONS = 256
_TOKEN = re.compile(r"[a-z0-9]+")


def _slot(feature: str, dim: int) -> tuple[int, float]:
    h = int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "big")
    return h % dim, (1.0 if (h >> 63) & 1 else -1.0)


def embed(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """A unit vector for ``text`` (all zeros but one for empty text)."""
    vec = [0.0] * dimensions
    words = _TOKEN.findall(text.lower())
    features = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    for feat in features or ["<empty>"]:
        i, sign = _slot(feat, dimensions)
        vec[i] += sign
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


def embeddings_response(body: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI ``/v1/embeddings`` response for a request body (float or base64)."""
    raw = body.get("input")
    if isinstance(raw, str):
        inputs = [raw]
    elif isinstance(raw, list) and raw and all(isinstance(x, str) for x in raw):
        inputs = list(raw)
    else:
        raise InputError("must be a string or a non-empty array of strings", field="input")
    dims = body.get("dimensions", DEFAULT_DIMENSIONS)
    if not isinstance(dims, int) or isinstance(dims, bool) or not 1 <= dims <= 4096:
        raise InputError("must be an integer between 1 and 4096", field="dimensions")
    fmt = body.get("encoding_format", "float")
    if fmt not in ("float", "base64"):
        raise InputError("must be 'float' or 'base64'", field="encoding_format")
    data: list[dict[str, Any]] = []
    for i, text in enumerate(inputs):
        vec = embed(text, dims)
        value: Any = vec
        if fmt == "base64":
            value = base64.b64encode(struct.pack(f"<{dims}f", *vec)).decode("ascii")
        data.append({"object": "embedding", "index": i, "embedding": value})
    tokens = sum(max(1, estimate_tokens(t)) for t in inputs)
    return {
        "object": "list",
        "data": data,
        "model": str(body.get("model", "")),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
