"""Replay data: wire details a neutral request cannot hold, kept so a codec can put them back.

A server-side ``decode_request`` may meet content the neutral model has no slot for: an
Anthropic ``thinking`` block in the history, ``cache_control`` on a system block, a Gemini
``thoughtSignature`` on a ``functionCall`` part. Dropping them would break a gateway that
forwards the request to the same API (thinking blocks must be echoed unmodified, signatures
replayed, cache breakpoints kept). They are stored in ``ChatRequest.extra["_wire"]``::

    {"api": "anthropic.messages",
     "items": [{"at": "messages.3", "index": 0, "insert": {...whole block...}},
               {"at": "system", "index": 1, "type": "text", "fields": {"cache_control": ...}},
               {"at": "messages.2", "index": 0, "type": "tool_result", "replace": {...}}],
     "flags": {...codec-specific spelling choices...}}

``at`` names a list in the wire body; ``index`` is the position the item had there. When the
same API's ``encode_request`` runs, inserts go back at their positions (ascending) and then
extra fields are merged into (or a ``replace`` item swapped for) blocks whose ``type`` still
matches. Other APIs ignore the key,
and the adapter should drop it when it changes the model (thinking blocks are model-bound).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["WIRE_KEY", "ReplayLog", "apply_replay", "merge_extra", "public_extra"]

WIRE_KEY = "_wire"


class ReplayLog:
    """Collects replay items while a wire body is decoded."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.items: list[dict[str, Any]] = []
        self.flags: dict[str, Any] = {}

    def insert(self, at: str, index: int, item: dict[str, Any]) -> None:
        self.items.append({"at": at, "index": index, "insert": item})

    def fields(self, at: str, index: int, type_: str, fields: dict[str, Any]) -> None:
        if fields:
            self.items.append({"at": at, "index": index, "type": type_, "fields": fields})

    def replace(self, at: str, index: int, type_: str, item: dict[str, Any]) -> None:
        """Put ``item`` back whole over the re-encoded block (nested details the neutral
        form loses, such as a tool result's document blocks)."""
        self.items.append({"at": at, "index": index, "type": type_, "replace": item})

    def keep_unknown(
        self, at: str, index: int, type_: str, block: dict[str, Any], known: Iterable[str]
    ) -> None:
        """Record the keys of ``block`` outside ``known`` as extra fields."""
        known_set = set(known)
        self.fields(at, index, type_, {k: v for k, v in block.items() if k not in known_set})

    def store(self, extra: dict[str, Any]) -> None:
        if self.items or self.flags:
            extra[WIRE_KEY] = {"api": self.api, "items": self.items, "flags": self.flags}


def replay_of(extra: dict[str, Any], api: str) -> dict[str, Any]:
    """The replay record in ``extra`` when it was made by ``api``, else an empty one."""
    wire = extra.get(WIRE_KEY)
    if isinstance(wire, dict) and wire.get("api") == api:
        return wire
    return {"api": api, "items": [], "flags": {}}


def apply_replay(
    items: list[dict[str, Any]],
    resolve: Callable[[str], list[Any] | None],
    type_of: Callable[[Any], str | None],
) -> None:
    """Put recorded items back into the lists ``resolve(at)`` returns (in place)."""
    inserts = sorted(
        (it for it in items if "insert" in it), key=lambda it: (str(it["at"]), int(it["index"]))
    )
    for it in inserts:
        target = resolve(str(it["at"]))
        if target is not None:
            target.insert(min(int(it["index"]), len(target)), it["insert"])
    for it in items:
        if "fields" not in it and "replace" not in it:
            continue
        target = resolve(str(it["at"]))
        idx = int(it["index"])
        if target is None or not 0 <= idx < len(target):
            continue
        block = target[idx]
        if not isinstance(block, dict) or type_of(block) != it.get("type"):
            continue
        if "replace" in it:
            target[idx] = it["replace"]
        else:
            for key, value in it["fields"].items():
                block.setdefault(key, value)


def public_extra(extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` without codec-private keys (those starting with ``_``)."""
    return {k: v for k, v in extra.items() if not k.startswith("_")}


def merge_extra(body: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Merge pass-through wire fields into ``body``; computed values win, dicts merge deeply."""
    for key, value in public_extra(extra).items():
        if key not in body:
            body[key] = value
        elif isinstance(body[key], dict) and isinstance(value, dict):
            body[key] = _deep_merge(value, body[key])
    return body


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
