"""Streaming for the OpenAI Responses API: semantic SSE events <-> neutral stream events.

:class:`StreamEncoder` writes the documented sequence (``response.created``,
``response.in_progress``, ``response.output_item.added``, ``response.content_part.added``,
``response.output_text.delta`` ... ``response.completed``), every frame with
``event:`` and a ``sequence_number``. :class:`StreamDecoder` reads it back. Both are
re-exported by :mod:`switchover.providers.openai_responses`.
"""

from __future__ import annotations

import json
from typing import Any

from switchover.chat import FinishReason, StreamEvent, Usage
from switchover.providers._fields import new_id, unix_now
from switchover.providers._responses_objects import (
    finish_of,
    response_id,
    response_object,
    status_of,
    usage_of,
)
from switchover.providers._sse import format_sse

__all__ = ["StreamDecoder", "StreamEncoder"]


class StreamDecoder:
    """Responses semantic events -> neutral stream events."""

    def __init__(self) -> None:
        self._calls: dict[str, int] = {}  # item id -> neutral tool-call index
        self._args: dict[str, bool] = {}  # item id -> any arguments seen
        self._refusal = False
        self._text = False

    def feed(self, event_name: str | None, data: dict[str, Any]) -> list[StreamEvent]:
        etype = data.get("type") or event_name
        if etype == "response.created":
            r = data.get("response") or {}
            return [StreamEvent(type="start", id=r.get("id"), model=r.get("model"))]
        if etype == "response.output_text.delta" and data.get("delta"):
            self._text = True
            return [StreamEvent(type="text", text=str(data["delta"]))]
        if etype == "response.refusal.delta" and data.get("delta"):
            self._refusal = True
            return [StreamEvent(type="refusal", text=str(data["delta"]))]
        if etype in (
            "response.reasoning_summary_text.delta",
            "response.reasoning_text.delta",
        ) and data.get("delta"):
            return [StreamEvent(type="reasoning", text=str(data["delta"]))]
        if etype == "response.output_item.added":
            return self._item_added(data.get("item") or {})
        if etype == "response.function_call_arguments.delta":
            return self._args_delta(str(data.get("item_id", "")), str(data.get("delta") or ""))
        if etype == "response.function_call_arguments.done":
            return self._args_done(str(data.get("item_id", "")), str(data.get("arguments") or ""))
        if etype == "response.output_item.done":
            item = data.get("item") or {}
            if item.get("type") == "function_call":
                return self._args_done(str(item.get("id", "")), str(item.get("arguments") or ""))
            return []
        if etype in ("response.completed", "response.incomplete", "response.failed"):
            r = data.get("response") or {}
            finish = finish_of(r, bool(self._calls), self._refusal, self._text)
            out = []
            if r.get("usage") is not None:
                out.append(StreamEvent(type="usage", usage=usage_of(r["usage"])))
            out.append(StreamEvent(type="finish", finish_reason=finish))
            return out
        return []

    def _item_added(self, item: dict[str, Any]) -> list[StreamEvent]:
        if item.get("type") != "function_call":
            return []
        item_id = str(item.get("id") or item.get("call_id") or len(self._calls))
        idx = self._calls.setdefault(item_id, len(self._calls))
        args = str(item.get("arguments") or "")
        self._args[item_id] = bool(args)
        return [
            StreamEvent(
                type="tool_call_start",
                index=idx,
                tool_call_id=str(item.get("call_id") or ""),
                name=str(item.get("name") or ""),
                arguments_delta=args or None,
            )
        ]

    def _args_delta(self, item_id: str, delta: str) -> list[StreamEvent]:
        if item_id not in self._calls or not delta:
            return []
        self._args[item_id] = True
        return [
            StreamEvent(type="tool_call_delta", index=self._calls[item_id], arguments_delta=delta)
        ]

    def _args_done(self, item_id: str, arguments: str) -> list[StreamEvent]:
        # Servers that send only the final arguments (no deltas) still give the full call.
        if item_id in self._calls and not self._args.get(item_id) and arguments:
            return self._args_delta(item_id, arguments)
        return []


class StreamEncoder:
    """Neutral stream events -> the documented Responses event sequence (``event:`` +
    ``data:`` frames with ``sequence_number``), ending with ``response.completed`` (or
    ``response.incomplete`` / ``response.failed``)."""

    def __init__(self, model: str, *, id: str | None = None, created: int | None = None) -> None:
        self.model = model
        self.id = response_id(id)
        self.created = unix_now() if created is None else created
        self._seq = 0
        self._started = False
        self._done = False
        self._output: list[dict[str, Any]] = []
        self._msg: dict[str, Any] | None = None  # open message item
        self._part: dict[str, Any] | None = None  # open content part of that message
        self._reasoning: dict[str, Any] | None = None
        self._calls: dict[int, dict[str, Any]] = {}  # neutral index -> open function_call
        self._usage: Usage | None = None

    # -- framing ---------------------------------------------------------------------
    def _ev(self, etype: str, **fields: Any) -> bytes:
        data = {"type": etype, "sequence_number": self._seq, **fields}
        self._seq += 1
        return format_sse(json.dumps(data, ensure_ascii=False, separators=(",", ":")), etype)

    def _snapshot(self, status: str, **kw: Any) -> dict[str, Any]:
        usage = self._usage if status != "in_progress" else None
        return response_object(
            self.id, self.model, self.created, status, list(self._output), usage, **kw
        )

    def _start(self) -> list[bytes]:
        if self._started:
            return []
        self._started = True
        snap = self._snapshot("in_progress")
        return [
            self._ev("response.created", response=snap),
            self._ev("response.in_progress", response=snap),
        ]

    def _add_item(self, item: dict[str, Any]) -> bytes:
        self._output.append(item)
        return self._ev(
            "response.output_item.added", output_index=len(self._output) - 1, item=dict(item)
        )

    def _index(self, item: dict[str, Any]) -> int:
        return next(i for i, it in enumerate(self._output) if it is item)

    # -- closing open items ---------------------------------------------------------
    def _close_part(self) -> list[bytes]:
        msg, part = self._msg, self._part
        if msg is None or part is None:
            return []
        self._part = None
        where = {"item_id": msg["id"], "output_index": self._index(msg)}
        ci = len(msg["content"]) - 1
        if part["type"] == "output_text":
            done = self._ev(
                "response.output_text.done",
                **where,
                content_index=ci,
                text=part["text"],
                logprobs=[],
            )
        else:
            done = self._ev(
                "response.refusal.done", **where, content_index=ci, refusal=part["refusal"]
            )
        return [
            done,
            self._ev("response.content_part.done", **where, content_index=ci, part=dict(part)),
        ]

    def _close_message(self) -> list[bytes]:
        out = self._close_part()
        if self._msg is not None:
            msg, self._msg = self._msg, None
            msg["status"] = "completed"
            out.append(
                self._ev("response.output_item.done", output_index=self._index(msg), item=msg)
            )
        return out

    def _close_reasoning(self) -> list[bytes]:
        r, self._reasoning = self._reasoning, None
        if r is None:
            return []
        where = {"item_id": r["id"], "output_index": self._index(r), "summary_index": 0}
        text = r["summary"][0]["text"]
        return [
            self._ev("response.reasoning_summary_text.done", **where, text=text),
            self._ev("response.reasoning_summary_part.done", **where, part=dict(r["summary"][0])),
            self._ev("response.output_item.done", output_index=self._index(r), item=r),
        ]

    def _close_calls(self) -> list[bytes]:
        out: list[bytes] = []
        for call in self._calls.values():
            oi = self._index(call)
            out.append(
                self._ev(
                    "response.function_call_arguments.done",
                    item_id=call["id"],
                    output_index=oi,
                    name=call["name"],
                    arguments=call["arguments"],
                )
            )
            call["status"] = "completed"
            out.append(self._ev("response.output_item.done", output_index=oi, item=call))
        self._calls = {}
        return out

    def _close_all(self) -> list[bytes]:
        return self._close_reasoning() + self._close_message() + self._close_calls()

    # -- content ---------------------------------------------------------------------
    def _content(self, kind: str, delta: str) -> list[bytes]:
        out = self._close_reasoning() + self._close_calls()
        if self._part is not None and self._part["type"] != kind:
            out += self._close_part()
        if self._msg is None:
            self._msg = {
                "id": new_id("msg_"),
                "type": "message",
                "status": "in_progress",
                "role": "assistant",
                "content": [],
            }
            out.append(self._add_item(self._msg))
        msg = self._msg
        where = {"item_id": msg["id"], "output_index": self._index(msg)}
        if self._part is None:
            if kind == "output_text":
                self._part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            else:
                self._part = {"type": "refusal", "refusal": ""}
            msg["content"].append(self._part)
            out.append(
                self._ev(
                    "response.content_part.added",
                    **where,
                    content_index=len(msg["content"]) - 1,
                    part=dict(self._part),
                )
            )
        ci = len(msg["content"]) - 1
        if kind == "output_text":
            self._part["text"] += delta
            out.append(
                self._ev(
                    "response.output_text.delta",
                    **where,
                    content_index=ci,
                    delta=delta,
                    logprobs=[],
                )
            )
        else:
            self._part["refusal"] += delta
            out.append(self._ev("response.refusal.delta", **where, content_index=ci, delta=delta))
        return out

    def _reason(self, delta: str) -> list[bytes]:
        out: list[bytes] = []
        if self._reasoning is None:
            out += self._close_message() + self._close_calls()
            self._reasoning = {"id": new_id("rs_"), "type": "reasoning", "summary": []}
            out.append(self._add_item(self._reasoning))
            self._reasoning["summary"].append({"type": "summary_text", "text": ""})
            out.append(
                self._ev(
                    "response.reasoning_summary_part.added",
                    item_id=self._reasoning["id"],
                    output_index=self._index(self._reasoning),
                    summary_index=0,
                    part={"type": "summary_text", "text": ""},
                )
            )
        r = self._reasoning
        r["summary"][0]["text"] += delta
        out.append(
            self._ev(
                "response.reasoning_summary_text.delta",
                item_id=r["id"],
                output_index=self._index(r),
                summary_index=0,
                delta=delta,
            )
        )
        return out

    def _call_start(self, ev: StreamEvent) -> list[bytes]:
        out = self._close_reasoning() + self._close_message()
        idx = ev.index if ev.index is not None else len(self._calls)
        call = {
            "id": new_id("fc_"),
            "type": "function_call",
            "status": "in_progress",
            "call_id": ev.tool_call_id or new_id("call_"),
            "name": ev.name or "",
            "arguments": "",
        }
        self._calls[idx] = call
        out.append(self._add_item(call))
        if ev.arguments_delta:
            out += self._call_delta(idx, ev.arguments_delta)
        return out

    def _call_delta(self, idx: int, delta: str) -> list[bytes]:
        call = self._calls.get(idx)
        if call is None:
            return []
        call["arguments"] += delta
        return [
            self._ev(
                "response.function_call_arguments.delta",
                item_id=call["id"],
                output_index=self._index(call),
                delta=delta,
            )
        ]

    # -- public ----------------------------------------------------------------------
    def encode(self, ev: StreamEvent) -> list[bytes]:
        if self._done:
            return []
        if ev.type == "start" and ev.id and ev.id.startswith("resp_") and not self._started:
            self.id = ev.id
        out = self._start()
        t = ev.type
        if t == "text" and ev.text:
            out += self._content("output_text", ev.text)
        elif t == "refusal" and ev.text:
            out += self._content("refusal", ev.text)
        elif t == "reasoning" and ev.text:
            out += self._reason(ev.text)
        elif t == "tool_call_start":
            out += self._call_start(ev)
        elif t == "tool_call_delta" and ev.arguments_delta:
            out += self._call_delta(ev.index or 0, ev.arguments_delta)
        elif t == "usage" and ev.usage is not None:
            self._usage = ev.usage
        elif t == "finish":
            out += self._finish(ev.finish_reason or "stop")
        return out

    def _finish(self, reason: FinishReason) -> list[bytes]:
        out = self._close_all()
        self._done = True
        status, incomplete = status_of(reason)
        error = (
            {"code": "server_error", "message": "The model failed."} if status == "failed" else None
        )
        name = {"completed": "response.completed", "incomplete": "response.incomplete"}.get(
            status, "response.failed"
        )
        snap = self._snapshot(status, incomplete=incomplete, error=error)
        return [*out, self._ev(name, response=snap)]

    def error(
        self, message: str, *, code: str | None = None, param: str | None = None
    ) -> list[bytes]:
        """An ``error`` event; the stream then ends."""
        self._done = True
        return [*self._start(), self._ev("error", code=code, message=message, param=param)]

    def close(self) -> list[bytes]:
        if self._done:
            return []
        out = self._start()
        has_calls = any(it["type"] == "function_call" for it in self._output) or bool(self._calls)
        return out + self._finish("tool_calls" if has_calls else "stop")
