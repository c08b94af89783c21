"""Simulator throughput: engine answers, the in-process provider, and HTTP over loopback.

    .venv/bin/python bench/sim_bench.py

The simulator stands in for providers in tests, the demo and evaluation benchmarks, so its
own cost must stay small next to the code it drives.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

import httpx

from switchover.chat import ChatRequest, Message, ResponseFormat, Tool
from switchover.providers.sim import BUILTIN_PROFILES, SimEngine, run_sim_server
from switchover.providers.sim.provider import SimProvider

TOOL = Tool(
    name="lookup_order",
    description="Look up an order by its id",
    parameters={
        "type": "object",
        "properties": {"order_id": {"type": "string"}},
        "required": ["order_id"],
    },
)
SCHEMA = {
    "type": "object",
    "properties": {
        "category": {"type": "string", "enum": ["billing", "shipping", "account"]},
        "summary": {"type": "string"},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
    },
    "required": ["category", "summary", "priority"],
}


def requests(n: int, model: str = "gpt-4o") -> list[ChatRequest]:
    out = []
    for i in range(n):
        q = f"How do I change the shipping address for order A{1000 + i}? It ships tomorrow."
        base = ChatRequest(model=model, messages=[Message.system("Be brief."), Message.user(q)])
        kind = i % 3
        if kind == 1:
            base = base.model_copy(update={"tools": [TOOL]})
        elif kind == 2:
            fmt = ResponseFormat(type="json_schema", name="t", json_schema=SCHEMA)
            base = base.model_copy(update={"response_format": fmt})
        out.append(base)
    return out


def per_call_us(
    fn: Callable[[ChatRequest], object], reqs: list[ChatRequest]
) -> tuple[float, float]:
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        for r in reqs:
            fn(r)
        runs.append((time.perf_counter() - t0) / len(reqs) * 1e6)
    return statistics.median(runs), max(runs)


async def provider_rps(n: int) -> float:
    provider = SimProvider(engine=SimEngine({"*": BUILTIN_PROFILES["baseline"]}, time_scale=0))
    reqs = requests(n)
    t0 = time.perf_counter()
    await asyncio.gather(*(provider.complete(r) for r in reqs))
    return n / (time.perf_counter() - t0)


async def http_rps(base_url: str, n: int, *, stream: bool, concurrency: int = 16) -> float:
    sem = asyncio.Semaphore(concurrency)
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "How do I reset my password for order A1234?"}],
        "stream": stream,
    }
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:

        async def one() -> None:
            async with sem:
                r = await client.post("/v1/chat/completions", json=body)
                r.raise_for_status()
                await r.aread()

        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return n / (time.perf_counter() - t0)


def main() -> None:
    reqs = requests(600)
    no_rules = SimEngine({"*": BUILTIN_PROFILES["baseline"]}, rules=None)
    with_rules = SimEngine({"*": BUILTIN_PROFILES["baseline"]})
    med, mx = per_call_us(lambda r: no_rules.respond(r, api="openai.chat"), reqs)
    print(f"engine.respond, rules off (text/tools/json mix): median {med:.0f} us, max {mx:.0f} us")
    med, mx = per_call_us(lambda r: with_rules.respond(r, api="openai.chat"), reqs)
    print(
        f"engine.respond, catalog rules on (encodes the wire body): median {med:.0f} us, max {mx:.0f} us"
    )
    print(
        f"SimProvider.complete, time_scale 0, 3000 concurrent: {asyncio.run(provider_rps(3000)):.0f} req/s"
    )
    engine = SimEngine({"*": BUILTIN_PROFILES["baseline"]}, time_scale=0)
    with run_sim_server(engine) as url:
        print(
            f"HTTP non-streaming, 16 concurrent: {asyncio.run(http_rps(url, 2000, stream=False)):.0f} req/s"
        )
        print(
            f"HTTP streaming (about 40 chunks each), 16 concurrent: {asyncio.run(http_rps(url, 1000, stream=True)):.0f} req/s"
        )


if __name__ == "__main__":
    main()
