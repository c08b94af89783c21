"""The migration's ``system_prompt`` (written by ``switchover tune --apply``) reaches the
candidate in shadow and canary, exactly as the evaluation engine applies it, and never the
baseline."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from switchover.chat import ChatRequest, Message
from switchover.evaluate.runner import apply_overrides
from switchover.gateway import create_gateway_app
from switchover.gateway.prompting import with_system_prompt

from ._helpers import ADMIN, fast_rollout, make_config, settings

TUNED = "You are the support assistant.\nReturn bare JSON with no code fences."
APP_PROMPT = "You are the support assistant."


class _Recorder(BaseHTTPRequestHandler):
    """An OpenAI-compatible upstream on loopback that keeps every request body."""

    bodies: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.bodies.append(body)
        out = json.dumps(
            {
                "id": "chatcmpl-rec",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "Your order ships today."},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    bodies: list[dict[str, Any]] = []
    handler = type("Handler", (_Recorder,), {"bodies": bodies})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", bodies
    finally:
        server.shutdown()
        server.server_close()


CHAT = {
    "model": "support-bot",
    "messages": [
        {"role": "system", "content": APP_PROMPT},
        {"role": "user", "content": "Where is my order A1001?"},
    ],
}


async def _one_request(url: str, kind: str, **mig: Any) -> None:
    """Promote the migration into a 100% ``kind`` stage and send CHAT once."""
    plan = fast_rollout(stages=[{"kind": kind, "percent": 100, "duration": "1h"}])
    app = create_gateway_app(make_config(url, rollout=plan, **mig), settings(controller=False))
    async with app.running():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            r = await c.post("/admin/migrations/support/promote", headers=ADMIN)
            assert r.status_code == 200, r.text
            r = await c.post("/v1/chat/completions", json=CHAT)
            assert r.status_code == 200, r.text
            assert app.shadow is not None
            await app.shadow.drain(5.0)


@pytest.mark.parametrize("kind", ["shadow", "canary"])
async def test_candidate_gets_the_plans_system_prompt_baseline_does_not(
    kind: str, recorder: tuple[str, list[dict[str, Any]]]
) -> None:
    url, bodies = recorder
    await _one_request(url, kind, system_prompt=TUNED)
    by_model = {b["model"]: b for b in bodies}
    candidate = by_model["gpt-5-mini"]
    # the tuned prompt replaces the application's, first, in the role the target takes
    # instructions in (the adapter maps system -> developer for OpenAI reasoning models)
    assert candidate["messages"][0] == {"role": "developer", "content": TUNED}
    assert [m["content"] for m in candidate["messages"]].count(APP_PROMPT) == 0
    assert candidate["messages"][1:] == CHAT["messages"][1:]
    if kind == "shadow":  # the baseline answered the caller, untouched
        assert by_model["gpt-4.1"]["messages"] == CHAT["messages"]
    else:
        assert set(by_model) == {"gpt-5-mini"}


async def test_without_a_system_prompt_the_candidate_keeps_the_callers(
    recorder: tuple[str, list[dict[str, Any]]],
) -> None:
    url, bodies = recorder
    await _one_request(url, "canary")
    (candidate,) = bodies
    assert candidate["messages"][0] == {"role": "developer", "content": APP_PROMPT}


@pytest.mark.parametrize(
    "messages",
    [
        [Message.user("hi")],
        [Message.system("a"), Message.user("hi")],
        [Message.system("a"), Message.developer("b"), Message.user("hi"), Message.system("c")],
    ],
)
def test_same_as_the_evaluation_engine(messages: list[Message]) -> None:
    """What was evaluated is what is served: the gateway's hook and the engine's override
    produce the same request."""
    req = ChatRequest(model="gpt-4o", messages=messages, temperature=0.2)
    assert with_system_prompt(req, TUNED) == apply_overrides(req, TUNED, {})
    assert with_system_prompt(req, None) is req
