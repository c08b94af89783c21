"""Provider overhead: codec speed, SSE parsing, and client throughput over loopback.

    .venv/bin/python bench/providers_bench.py

Measures what switchover adds on top of the network: encoding / decoding Chat Completions
and Responses bodies, parsing a long SSE stream, and requests per second through
``OpenAIChatProvider`` against a local server that answers instantly (so the figure is the
client's own cost: httpx, retries bookkeeping, semaphore, JSON, codec).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from switchover.chat import ChatRequest, ChatResponse, Message, StreamEvent, Tool, ToolCall, Usage
from switchover.providers import openai_chat as oc
from switchover.providers import openai_responses as orr
from switchover.providers._sse import parse_sse_text
from switchover.providers.base import ProviderSettings

REQ = ChatRequest(
    model="gpt-4.1",
    messages=[
        Message.system("You are a support assistant. " * 20),
        *[Message.user(f"question {i} " * 10) for i in range(5)],
        Message.assistant("", [ToolCall.from_args("call_1", "lookup", {"order": 42})]),
        Message.tool("call_1", json.dumps({"status": "shipped", "items": list(range(20))})),
    ],
    tools=[Tool(name=f"tool_{i}", description="d" * 80) for i in range(5)],
    temperature=0.2,
    max_output_tokens=512,
)
RESP = ChatResponse(
    model="gpt-4.1", text="word " * 200, usage=Usage(input_tokens=900, output_tokens=200)
)


def timeit(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - t0) / n)
    return statistics.median(runs) * 1e6, max(runs) * 1e6


def stream_body(n: int) -> bytes:
    enc = oc.StreamEncoder("gpt-4.1")
    frames = [f for i in range(n) for f in enc.encode(StreamEvent(type="text", text=f"tok{i} "))]
    return b"".join(frames + enc.close())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    payload = json.dumps(oc.encode_response(RESP, model="gpt-4.1")).encode()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        self.wfile.write(self.payload)


async def throughput(base_url: str, total: int, concurrency: int) -> float:
    settings = ProviderSettings(
        base_url=base_url, api_key="sk-bench-0000000000", max_concurrency=concurrency
    )
    async with oc.create_provider(settings) as p:
        await p.complete(REQ)  # warm the connection pool
        t0 = time.perf_counter()
        await asyncio.gather(*(p.complete(REQ) for _ in range(total)))
        return total / (time.perf_counter() - t0)


def main() -> None:
    wire_chat = oc.encode_request(REQ)
    wire_resp = orr.encode_request(REQ)
    body_chat = oc.encode_response(RESP, model="gpt-4.1")
    rows = [
        (
            "chat encode_request (8 messages, 5 tools)",
            *timeit(lambda: oc.encode_request(REQ), 2000),
        ),
        ("chat decode_request (same body)", *timeit(lambda: oc.decode_request(wire_chat), 2000)),
        ("responses encode_request", *timeit(lambda: orr.encode_request(REQ), 2000)),
        ("responses decode_request", *timeit(lambda: orr.decode_request(wire_resp), 2000)),
        ("chat decode_response (200 words)", *timeit(lambda: oc.decode_response(body_chat), 5000)),
    ]
    sse = stream_body(1000)
    rows.append(
        (
            "parse + decode a 1,000-chunk SSE stream",
            *timeit(
                lambda: [
                    oc.StreamDecoder().feed(None, json.loads(d))
                    for _, d in parse_sse_text(sse)[:-1]
                ],
                20,
            ),
        )
    )
    print(f"Python {sys.version.split()[0]}")
    print("| measurement | median | max |\n|---|---|---|")
    for name, med, mx in rows:
        print(f"| {name} | {med:.1f} us | {mx:.1f} us |")
    # The server runs in its own process so it does not share the client's GIL.
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        url = f"http://127.0.0.1:{proc.stdout.readline().strip()}/v1"
        for conc in (1, 16):
            rps = asyncio.run(throughput(url, 2000, conc))
            print(
                f"| loopback requests/s through OpenAIChatProvider, concurrency {conc} | {rps:.0f} | |"
            )
    finally:
        proc.terminate()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def serve() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    if "--serve" in sys.argv:
        serve()
    else:
        main()
