"""Parameter-rule checks and adaptation: per-call cost (run: python bench/rules_adapt_bench.py).

The simulator and the gateway call ``check_request`` per request; eval and the gateway call
``adapt`` per request. Prints median and p95 over repeated timed batches.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from switchover.adapt import adapt
from switchover.catalog.rules import check_request, clear_rules_cache, get_rules
from switchover.chat import ChatRequest, Message, Tool

REJECTED = {"model": "gpt-5", "messages": [{"role": "user", "content": "x"}], "max_tokens": 5,
            "temperature": 0.3}  # fmt: skip
ACCEPTED = {"model": "gpt-5", "messages": [{"role": "user", "content": "x"}],
            "max_completion_tokens": 5}  # fmt: skip
REQUEST = ChatRequest(
    model="gpt-4o",
    messages=[Message.system("Be terse."), Message.user("Hello")],
    tools=[Tool(name="lookup")],
    temperature=0.2,
    max_output_tokens=300,
    max_tokens_field="max_tokens",
)


def _time(fn: Callable[[], object], n: int, batches: int = 15) -> tuple[float, float]:
    per_call = []
    for _ in range(batches):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        per_call.append((time.perf_counter() - t) / n)
    per_call.sort()
    return statistics.median(per_call), per_call[int(0.95 * (len(per_call) - 1))]


def main() -> None:
    t = time.perf_counter()
    clear_rules_cache()
    get_rules()
    print(f"load + validate param_rules.yaml: {(time.perf_counter() - t) * 1e3:.1f} ms")
    rows = [
        ("check_request, rejected body (2 violations)", lambda: check_request("gpt-5", REJECTED, "openai.chat"), 2000),
        ("check_request, accepted body", lambda: check_request("gpt-5", ACCEPTED, "openai.chat"), 2000),
        ("adapt gpt-4o -> gpt-5", lambda: adapt(REQUEST, "gpt-5"), 200),
        ("adapt gpt-4o -> claude-opus-4-7", lambda: adapt(REQUEST, "claude-opus-4-7"), 200),
        ("adapt gpt-4o -> gpt-4o (identity)", lambda: adapt(REQUEST, "gpt-4o"), 200),
    ]  # fmt: skip
    for name, fn, n in rows:
        fn()  # warm the per-model caches
        med, p95 = _time(fn, n)
        print(f"{name}: median {med * 1e6:.0f} us, p95 {p95 * 1e6:.0f} us")


if __name__ == "__main__":
    main()
