"""Small validators shared by the server-side ``decode_request`` of the OpenAI codecs.

Each raises :class:`~switchover.errors.InputError` naming the offending field (a JSON path
such as ``messages[2].content[0].image_url.url``), so a gateway can answer with a 400 that
says exactly what to fix.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from switchover.chat import ImagePart, ResponseFormat, Tool, ToolCall, ToolChoice
from switchover.errors import InputError

__all__ = [
    "arguments_json",
    "as_dict",
    "as_list",
    "data_url",
    "image_from_url",
    "input_error",
    "json_schema_format",
    "list_resolver",
    "metadata_of",
    "new_id",
    "opt_bool",
    "opt_float",
    "opt_int",
    "opt_str",
    "req_str",
    "tool_choice_name",
    "tool_from",
    "unix_now",
]

_DATA_URL = re.compile(
    r"^data:(?P<mt>[\w.+-]+/[\w.+-]+)?(?P<params>(?:;[^;,]*)*?);base64,(?P<data>.*)$", re.S
)


def _kind(v: Any) -> str:
    return "null" if v is None else type(v).__name__


def as_dict(v: Any, field: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise InputError(f"expected an object, got {_kind(v)}", field=field)
    return v


def as_list(v: Any, field: str) -> list[Any]:
    if not isinstance(v, list):
        raise InputError(f"expected an array, got {_kind(v)}", field=field)
    return v


def req_str(obj: dict[str, Any], key: str, field: str) -> str:
    v = obj.get(key)
    if not isinstance(v, str):
        raise InputError(
            f"required string, got {_kind(v)}", field=f"{field}.{key}" if field else key
        )
    return v


def opt_str(obj: dict[str, Any], key: str, field: str = "") -> str | None:
    v = obj.get(key)
    if v is not None and not isinstance(v, str):
        raise InputError(
            f"expected a string, got {_kind(v)}", field=f"{field}.{key}" if field else key
        )
    return v


def opt_float(obj: dict[str, Any], key: str, field: str = "") -> float | None:
    v = obj.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise InputError(
            f"expected a number, got {_kind(v)}", field=f"{field}.{key}" if field else key
        )
    return float(v)


def opt_int(obj: dict[str, Any], key: str, field: str = "") -> int | None:
    v = obj.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise InputError(
            f"expected an integer, got {_kind(v)}", field=f"{field}.{key}" if field else key
        )
    return v


def opt_bool(obj: dict[str, Any], key: str, field: str = "") -> bool | None:
    v = obj.get(key)
    if v is not None and not isinstance(v, bool):
        raise InputError(
            f"expected true or false, got {_kind(v)}", field=f"{field}.{key}" if field else key
        )
    return v


def image_from_url(url: str, detail: Any, field: str) -> ImagePart:
    """An :class:`ImagePart` from an http(s) URL or a ``data:<type>;base64,`` URL."""
    if detail is not None and detail not in ("auto", "low", "high"):
        raise InputError("detail must be auto, low or high", field=f"{field}.detail")
    if url.startswith("data:"):
        m = _DATA_URL.match(url)
        if m is None:
            raise InputError(
                "data URLs must be base64: data:<media type>;base64,<data>", field=f"{field}.url"
            )
        return ImagePart(data=m.group("data"), media_type=m.group("mt") or None, detail=detail)
    return ImagePart(url=url, detail=detail)


def data_url(part: ImagePart) -> str:
    """The URL form of an image part: its URL, or a base64 data URL."""
    if part.url is not None:
        return part.url
    if part.data is None:
        raise InputError("an image part needs a url or data", field="image")
    return f"data:{part.media_type or 'image/png'};base64,{part.data}"


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:24]}"


def unix_now() -> int:
    return int(time.time())


def arguments_json(tc: ToolCall) -> str:
    """The arguments string to send for a tool call: the model's own text when known."""
    if tc.arguments_raw:
        return tc.arguments_raw
    return json.dumps(tc.arguments if tc.arguments is not None else {}, separators=(",", ":"))


def tool_from(fn: dict[str, Any], field: str) -> Tool:
    """A :class:`Tool` from an object with name / description / parameters / strict."""
    params = fn.get("parameters")
    return Tool(
        name=req_str(fn, "name", field),
        description=opt_str(fn, "description", field),
        parameters=as_dict(params, f"{field}.parameters" if field else "parameters")
        if params is not None
        else {"type": "object", "properties": {}},
        strict=opt_bool(fn, "strict", field),
    )


def json_schema_format(obj: dict[str, Any], field: str) -> ResponseFormat:
    """A json_schema :class:`ResponseFormat` from an object with name / schema / strict."""
    schema = obj.get("schema")
    return ResponseFormat(
        type="json_schema",
        name=req_str(obj, "name", field),
        json_schema=as_dict(schema, f"{field}.schema") if schema is not None else None,
        strict=opt_bool(obj, "strict", field),
    )


def metadata_of(body: dict[str, Any]) -> dict[str, str]:
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise InputError("expected an object of string values", field="metadata")
    return metadata


def input_error(exc: ValidationError) -> InputError:
    """The first pydantic validation error as an :class:`InputError` naming its field."""
    first = exc.errors()[0]
    return InputError(first["msg"], field=".".join(str(p) for p in first["loc"]) or "body")


def list_resolver(body: dict[str, Any]) -> Callable[[str], list[Any] | None]:
    """For replay data: find the list at a dotted path (``messages.3.content``) in a wire
    body, creating a missing list and turning string content into one text part."""

    def resolve(at: str) -> list[Any] | None:
        cur: Any = body
        parts = at.split(".")
        for n, key in enumerate(parts):
            last = n == len(parts) - 1
            if isinstance(cur, list):
                idx = int(key)
                if idx >= len(cur):
                    return None
                cur = cur[idx]
            elif isinstance(cur, dict):
                nxt = cur.get(key)
                if last and nxt is None:
                    nxt = cur[key] = []
                elif last and isinstance(nxt, str):
                    nxt = cur[key] = [{"type": "text", "text": nxt}] if nxt else []
                cur = nxt
            else:
                return None
        return cur if isinstance(cur, list) else None

    return resolve


def tool_choice_name(tc: ToolChoice) -> str:
    """The tool a ``tool``-mode choice names; an error when it names none."""
    if not tc.name:
        raise InputError(
            "a tool choice of mode 'tool' needs the tool's name", field="tool_choice.name"
        )
    return tc.name
