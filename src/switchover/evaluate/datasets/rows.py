"""Turning one dataset row (JSONL line, CSV row, capture record) into a :class:`Case`."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from switchover.adapt.wire import decode_wire, detect_api
from switchover.chat import ChatRequest, ChatResponse
from switchover.errors import InputError
from switchover.evaluate.datasets.responses import decode_recorded_response
from switchover.evaluate.results import Assertion, Case

__all__ = ["ROW_KEYS", "build_case", "decode_request_body", "row_to_case"]

#: keys of the wrapper form ``{"request": {...}, ...}``
ROW_KEYS = frozenset(
    {
        "id",
        "request",
        "response",
        "baseline_response",
        "candidate_response",
        "responses",
        "call_site",
        "tags",
        "weight",
        "assertions",
        "metadata",
        "latency_ms",
        "latency_s",
        "candidate_latency_ms",
        "candidate_latency_s",
        "api",
    }
)


def decode_request_body(
    body: dict[str, Any],
    *,
    path: str,
    line: int,
    field: str | None = "request",
    api: str | None = None,
    model: str | None = None,
) -> tuple[ChatRequest, str]:
    """(neutral request, detected API) from a wire or neutral body; errors name the line.

    ``field`` is None for a bare request row. A body without ``model`` takes ``model`` (the
    baseline replaces the row's model anyway, so a dataset of prompts need not name one)."""
    neutral: ChatRequest | None = None
    if api is None:  # what detect_api does first, keeping the request it validates
        try:
            neutral = ChatRequest.model_validate(body)
        except ValidationError:
            fmt = detect_api(body)
        else:
            fmt = "neutral"
    else:
        fmt = api
    if model and body.get("model") in (None, ""):
        body = {**body, "model": model}
        neutral = None
    try:
        req = neutral if neutral is not None else decode_wire(body, fmt, model=model)
    except InputError as exc:
        msg = exc.message
        raise InputError(msg, path=path, line=line, field=field, hint=exc.hint) from None
    if not req.messages:
        where = f"{field}.messages" if field else "messages"
        raise InputError("at least one message is required", path=path, line=line, field=where)
    if not req.model and model:
        req = req.model_copy(update={"model": model})
    return req, fmt


def _latency(row: dict[str, Any], prefix: str = "") -> float | None:
    ms = row.get(f"{prefix}latency_ms")
    if isinstance(ms, (int, float)):
        return float(ms) / 1000.0
    s = row.get(f"{prefix}latency_s")
    return float(s) if isinstance(s, (int, float)) else None


def _tags(value: Any, *, path: str, line: int) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [t.strip() for t in value.replace(",", ";").split(";") if t.strip()]
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return list(value)
    raise InputError(
        "must be a list of strings (or a ';'-separated string)", path=path, line=line, field="tags"
    )


def build_case(
    *,
    case_id: str,
    request: ChatRequest,
    path: str,
    line: int,
    api: str,
    call_site: Any = None,
    tags: Any = None,
    weight: Any = None,
    assertions: Any = None,
    metadata: Any = None,
    baseline: ChatResponse | None = None,
    recorded: dict[str, ChatResponse] | None = None,
) -> Case:
    """A validated :class:`Case`; every problem is an InputError naming path, line, field."""
    if weight is not None and (
        not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight <= 0
    ):
        raise InputError(
            f"must be a positive number, not {weight!r}", path=path, line=line, field="weight"
        )
    if metadata is not None and not isinstance(metadata, dict):
        raise InputError("must be a JSON object", path=path, line=line, field="metadata")
    if call_site is not None and not isinstance(call_site, str):
        raise InputError("must be a string", path=path, line=line, field="call_site")
    parsed: list[Assertion] = []
    if assertions is not None:
        if not isinstance(assertions, list):
            raise InputError(
                "must be a list of assertion objects", path=path, line=line, field="assertions"
            )
        for i, a in enumerate(assertions):
            try:
                parsed.append(Assertion.model_validate(a))
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(str(p) for p in err["loc"])
                raise InputError(
                    err["msg"], path=path, line=line, field=f"assertions[{i}].{where}".rstrip(".")
                ) from None
    meta = dict(metadata or {})
    meta.setdefault("source", f"{path}:{line}")
    meta.setdefault("api", api)
    return Case(
        id=case_id,
        request=request,
        call_site=call_site,
        tags=_tags(tags, path=path, line=line),
        weight=float(weight) if weight is not None else 1.0,
        baseline_response=baseline,
        recorded=dict(recorded or {}),
        assertions=parsed,
        metadata=meta,
    )


def row_to_case(
    row: dict[str, Any], *, path: str, line: int, default_id: str, default_model: str | None = None
) -> Case:
    """One JSONL row: the wrapper form ``{"request": {...}, "response": ..., "tags": ...}``
    or a bare request body (OpenAI chat / Responses, Anthropic, Gemini or neutral)."""
    if isinstance(row.get("request"), dict):
        unknown = sorted(set(row) - ROW_KEYS)
        if unknown:
            raise InputError(
                f"unknown key {unknown[0]!r}",
                path=path,
                line=line,
                field=unknown[0],
                hint="Row keys: " + ", ".join(sorted(ROW_KEYS)),
            )
        api_hint = row.get("api") if isinstance(row.get("api"), str) else None
        request, api = decode_request_body(
            row["request"], path=path, line=line, api=api_hint, model=default_model
        )
        meta_row = row
    elif "request" in row:
        raise InputError(
            "must be a JSON object (a request body)", path=path, line=line, field="request"
        )
    else:
        request, api = decode_request_body(
            row, path=path, line=line, field=None, model=default_model
        )
        meta_row = {}
    case_id = meta_row.get("id", default_id)
    if not isinstance(case_id, (str, int)) or isinstance(case_id, bool) or not str(case_id):
        raise InputError("must be a non-empty string", path=path, line=line, field="id")
    baseline = None
    raw_base = meta_row.get("baseline_response", meta_row.get("response"))
    if raw_base is not None:
        key = "baseline_response" if "baseline_response" in meta_row else "response"
        baseline = decode_recorded_response(
            raw_base,
            path=path,
            line=line,
            field=key,
            model=request.model,
            latency_s=_latency(meta_row),
        )
    recorded: dict[str, ChatResponse] = {}
    if meta_row.get("candidate_response") is not None:
        recorded["candidate"] = decode_recorded_response(
            meta_row["candidate_response"],
            path=path,
            line=line,
            field="candidate_response",
            latency_s=_latency(meta_row, "candidate_"),
        )
    responses = meta_row.get("responses")
    if responses is not None:
        if not isinstance(responses, dict):
            raise InputError(
                "must be an object of label -> response", path=path, line=line, field="responses"
            )
        for label, body in responses.items():
            recorded[str(label)] = decode_recorded_response(
                body, path=path, line=line, field=f"responses.{label}"
            )
    return build_case(
        case_id=str(case_id),
        request=request,
        path=path,
        line=line,
        api=api,
        call_site=meta_row.get("call_site"),
        tags=meta_row.get("tags"),
        weight=meta_row.get("weight"),
        assertions=meta_row.get("assertions"),
        metadata=meta_row.get("metadata"),
        baseline=baseline,
        recorded=recorded,
    )
