"""Store benchmark: record ingest, window metrics, cache, compare-and-set, and the latency of
a rollout change notification across processes, on SQLite and PostgreSQL.

    .venv/bin/python bench/store_bench.py [--pg postgresql://root@127.0.0.1:5432/test]

PostgreSQL runs in a throw-away schema that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from datetime import UTC, datetime, timedelta

from switchover.rollout import RequestRecord, default_plan, initial_state, promote
from switchover.store import Store, open_store

T0 = datetime(2026, 11, 26, tzinfo=UTC)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def bench_records(store: Store, n: int = 50_000) -> dict[str, str]:
    recs = [
        RequestRecord(
            migration="bench",
            arm="candidate" if i % 10 == 0 else "baseline",
            at=T0 + timedelta(milliseconds=12 * i),  # 50k records over 10 minutes
            latency_ms=100 + (i * 7919) % 400,
            ok=i % 97 != 0,
            cost=0.0004,
            checks_total=2,
            checks_passed=2 if i % 13 else 1,
        )
        for i in range(n)
    ]
    t = time.perf_counter()
    for i in range(0, n, 500):
        store.append_records(recs[i : i + 500])
    ingest = time.perf_counter() - t
    samples = []
    for _ in range(20):
        t = time.perf_counter()
        store.window_metrics("bench", T0, T0 + timedelta(minutes=10))
        samples.append(time.perf_counter() - t)
    return {
        f"append_records, {n:,} records in batches of 500": f"{n / ingest:,.0f} records/s",
        f"window_metrics over {n:,} records (10 min window), median of 20": _ms(
            statistics.median(samples)
        ),
    }


def bench_cache(store: Store, n: int = 10_000) -> dict[str, str]:
    value = {"text": "x" * 400, "usage": {"input_tokens": 120, "output_tokens": 80}}
    t = time.perf_counter()
    for i in range(n):
        store.cache_put(f"k{i}", value)
    put = time.perf_counter() - t
    t = time.perf_counter()
    for i in range(n):
        store.cache_get(f"k{i}")
    get = time.perf_counter() - t
    t = time.perf_counter()
    store.cache_put_many({f"m{i}": value for i in range(n)})
    put_many = time.perf_counter() - t
    t = time.perf_counter()
    got = store.cache_get_many(f"m{i}" for i in range(n))
    get_many = time.perf_counter() - t
    assert len(got) == n
    return {
        f"cache_put_many, {n:,} values": f"{put_many:.2f} s",
        f"cache_get_many, {n:,} keys": f"{get_many:.2f} s",
        f"cache_put x {n:,} (one transaction each)": f"{put:.2f} s ({n / put:,.0f}/s)",
        f"cache_get x {n:,}": f"{get:.2f} s ({n / get:,.0f}/s)",
    }


def bench_cas(store: Store, n: int = 300) -> dict[str, str]:
    plan = default_plan("cas")
    state = initial_state("cas", T0)
    t = time.perf_counter()
    for _ in range(n):
        if state.status == "complete":
            state = state.model_copy(update={"status": "baseline", "stage": -1})
        nxt = promote(state, plan, T0, actor="user:bench")
        assert store.put_rollout(nxt.state, state.version, audit=nxt.event)
        state = nxt.state
    per = (time.perf_counter() - t) / n
    return {"put_rollout (CAS + audit event), sequential": _ms(per)}


LISTENER = textwrap.dedent(
    """
    import sys, time
    from switchover.store import open_store
    with open_store(sys.argv[1]) as s:
        s.subscribe(lambda m: print(time.time(), flush=True))
        print("ready", flush=True)
        sys.stdin.read()
    """
)


def bench_notify(url: str, rounds: int = 20) -> dict[str, str]:
    plan = default_plan("notify")
    with open_store(url) as store:
        proc = subprocess.Popen(
            [sys.executable, "-c", LISTENER, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        state = initial_state("notify", T0)
        lat = []
        for _ in range(rounds):
            if state.status == "complete":
                state = state.model_copy(update={"status": "baseline", "stage": -1})
            nxt = promote(state, plan, T0, actor="user:bench")
            t = time.time()
            assert store.put_rollout(nxt.state, state.version, audit=nxt.event)
            lat.append(float(proc.stdout.readline()) - t)
            state = nxt.state
            time.sleep(0.05)
        proc.communicate("", timeout=15)
    return {
        f"change notification to another process ({rounds} changes)": (
            f"median {_ms(statistics.median(lat))}, max {_ms(max(lat))}"
        )
    }


def run(label: str, url: str) -> None:
    print(f"\n### {label}\n\n| measurement | result |\n|---|---|")
    with open_store(url) as store:
        for part in (bench_records, bench_cache, bench_cas):
            for k, v in part(store).items():
                print(f"| {k} | {v} |", flush=True)
    for k, v in bench_notify(url).items():
        print(f"| {k} | {v} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", default="postgresql://root@127.0.0.1:5432/test")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite (file, WAL)", f"sqlite:///{tmp}/bench.db")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    url = f"{args.pg}{'&' if '?' in args.pg else '?'}schema={schema}"
    try:
        run("PostgreSQL (loopback)", url)
    finally:
        import psycopg

        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
