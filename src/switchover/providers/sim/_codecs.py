"""Typed access to the wire codecs by API identifier (imported lazily)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

from switchover.chat import ChatRequest, ChatResponse, StreamEvent
from switchover.errors import UsageError

__all__ = ["API_MODULES", "Codec", "StreamEncoderLike", "codec_for"]

API_MODULES: dict[str, str] = {
    "openai.chat": "switchover.providers.openai_chat",
    "openai.responses": "switchover.providers.openai_responses",
    "anthropic.messages": "switchover.providers.anthropic",
    "gemini.generate": "switchover.providers.gemini",
}


class StreamEncoderLike(Protocol):
    def encode(self, ev: StreamEvent) -> list[bytes]: ...
    def close(self) -> list[bytes]: ...


@dataclass(frozen=True)
class Codec:
    api: str
    encode_request: Callable[[ChatRequest], dict[str, Any]]
    decode_response: Callable[[dict[str, Any]], ChatResponse]
    decode_request: Callable[[dict[str, Any]], ChatRequest]
    encode_response: Callable[..., dict[str, Any]]
    stream_encoder: Callable[..., StreamEncoderLike]
    error_body: Callable[..., dict[str, Any]]


_cache: dict[str, Codec] = {}


def codec_for(api: str) -> Codec:
    """The codec functions for ``api`` ("openai.chat", "anthropic.messages", ...)."""
    if api in _cache:
        return _cache[api]
    module_name = API_MODULES.get(api)
    if module_name is None:
        raise UsageError(
            f"unknown API {api!r} for the simulator",
            hint="Use one of: " + ", ".join(API_MODULES),
        )
    mod: Any = importlib.import_module(module_name)
    codec = Codec(
        api=api,
        encode_request=cast(Callable[[ChatRequest], dict[str, Any]], mod.encode_request),
        decode_response=cast(Callable[[dict[str, Any]], ChatResponse], mod.decode_response),
        decode_request=cast(Callable[[dict[str, Any]], ChatRequest], mod.decode_request),
        encode_response=cast(Callable[..., dict[str, Any]], mod.encode_response),
        stream_encoder=cast(Callable[..., StreamEncoderLike], mod.StreamEncoder),
        error_body=cast(Callable[..., dict[str, Any]], mod.error_body),
    )
    _cache[api] = codec
    return codec
