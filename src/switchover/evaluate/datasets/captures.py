"""Gateway captures: exported :class:`~switchover.rollout.metrics.RequestRecord` JSONL.

The gateway writes one record per sampled request and arm; with ``keep_bodies`` the record's
``body`` holds ``{"request": <the caller's wire body>}`` (and, when present, ``"response"``
and ``"api"``). Records sharing a ``request_id`` are one case: the ``baseline`` arm's answer
becomes the recorded baseline and the ``candidate`` arm's (shadow or canary) the recorded
candidate, with the recorded latency and token usage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from switchover.chat import ChatResponse, Usage
from switchover.errors import InputError
from switchover.evaluate.datasets.responses import decode_recorded_response
from switchover.evaluate.datasets.rows import build_case, decode_request_body
from switchover.evaluate.results import Case

__all__ = ["CaptureGroup", "cases_from_captures", "is_capture_record"]


def is_capture_record(row: dict[str, Any]) -> bool:
    """A gateway request record (rather than a dataset row)."""
    return "arm" in row and "migration" in row and ("latency_ms" in row or "body" in row)


@dataclass
class CaptureGroup:
    line: int
    request_id: str
    request: dict[str, Any] | None = None
    api: str | None = None
    model: str | None = None
    migration: str = ""
    arms: dict[str, tuple[dict[str, Any], int]] = field(default_factory=dict)


def _usage(rec: dict[str, Any]) -> Usage | None:
    inp, out = rec.get("input_tokens"), rec.get("output_tokens")
    if inp is None and out is None:
        return None
    return Usage(input_tokens=int(inp or 0), output_tokens=int(out or 0))


def _arm_response(rec: dict[str, Any], *, path: str, line: int) -> ChatResponse | None:
    """The recorded answer of one arm (None when the record kept no response body)."""
    if not rec.get("ok", True):
        return None
    body = rec.get("body")
    raw = body.get("response") if isinstance(body, dict) else None
    if raw is None:
        return None
    latency = rec.get("latency_ms")
    resp = decode_recorded_response(
        raw,
        path=path,
        line=line,
        field="body.response",
        model=str(rec.get("model") or ""),
        latency_s=float(latency) / 1000.0 if isinstance(latency, (int, float)) else None,
    )
    usage = _usage(rec)
    if usage is not None and resp.usage == Usage():
        resp = resp.model_copy(update={"usage": usage})
    return resp


def cases_from_captures(
    records: list[tuple[int, dict[str, Any]]], *, path: str
) -> tuple[list[Case], int]:
    """Cases from capture records; returns (cases, records skipped for lack of a body)."""
    groups: dict[str, CaptureGroup] = {}
    skipped = 0
    for line, rec in records:
        rid = rec.get("request_id")
        if not isinstance(rid, str) or not rid:
            raise InputError(
                "a capture record needs a request_id", path=path, line=line, field="request_id"
            )
        arm = rec.get("arm")
        if arm not in ("baseline", "candidate"):
            raise InputError(
                f"must be 'baseline' or 'candidate', not {arm!r}", path=path, line=line, field="arm"
            )
        g = groups.setdefault(rid, CaptureGroup(line=line, request_id=rid))
        g.arms[str(arm)] = (rec, line)
        g.migration = str(rec.get("migration") or g.migration)
        body = rec.get("body")
        if isinstance(body, dict) and isinstance(body.get("request"), dict) and g.request is None:
            g.request = body["request"]
            g.api = body.get("api") if isinstance(body.get("api"), str) else None
            g.line = line
        if arm == "baseline" or g.model is None:
            g.model = str(rec.get("model") or "") or g.model
    cases: list[Case] = []
    for g in groups.values():
        if g.request is None:
            skipped += len(g.arms)
            continue
        request, api = decode_request_body(
            g.request, path=path, line=g.line, field="body.request", api=g.api, model=g.model
        )
        baseline = recorded = None
        if "baseline" in g.arms:
            rec, line = g.arms["baseline"]
            baseline = _arm_response(rec, path=path, line=line)
        if "candidate" in g.arms:
            rec, line = g.arms["candidate"]
            cand = _arm_response(rec, path=path, line=line)
            recorded = {"candidate": cand} if cand is not None else None
        cases.append(
            build_case(
                case_id=g.request_id,
                request=request,
                path=path,
                line=g.line,
                api=api,
                call_site=g.migration or None,
                tags=[f"migration:{g.migration}"] if g.migration else None,
                baseline=baseline,
                recorded=recorded,
                metadata={"capture": True},
            )
        )
    return cases, skipped
