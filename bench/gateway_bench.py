"""Gateway overhead, side by side in one run: direct to a stub upstream, through
switchover, and through a plain nginx reverse proxy (the floor).

    .venv/bin/python bench/gateway_bench.py [--requests 2000] [--duration 10] [--rounds 3]
                                            [--before-src DIR] [--soak 600] [--out FILE]

Needs ``nginx`` and ``wrk`` on PATH (``apt-get install -y nginx wrk``). Every server runs in
its own process on loopback: the stub upstream (raw asyncio, a fixed chat completion or a
short SSE stream), the gateway (``switchover gateway``, one uvicorn worker) and nginx (one
worker, upstream keep-alive). Per-request latency comes from a minimal keep-alive socket
client (concurrency 1); throughput from wrk (concurrency 16). Every measurement is repeated
``--rounds`` times, the targets taking turns within each round, so a busy spell on a
shared machine hits all of them; ``medians`` summarises the rounds. ``--before-src DIR``
adds a second gateway of each kind running the code under ``DIR`` (e.g.
``git archive HEAD~3 src | tar -x -C /tmp/before``, then ``--before-src /tmp/before/src``),
for before/after figures from one run. Results print as JSON (``--out FILE`` also writes
them to a file), with the 1-minute load average before and after; ``--soak 600`` runs the
10-minute memory soak instead (wrk at concurrency 16, the gateway's RSS and the 1-minute
load average sampled every 10 s; total requests, rate and non-2xx count from wrk).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from _tools import ensure_tools  # bench/ is on sys.path when run as a script

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable

COMPLETION = json.dumps(
    {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 1764115200,
        "model": "gpt-4.1",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Your order ships tomorrow."},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18},
    }
).encode()
REQUEST = json.dumps(
    {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Where is my order?"}]}
).encode()
STREAM_REQUEST = json.dumps(
    {
        "model": "gpt-4.1",
        "stream": True,
        "messages": [{"role": "user", "content": "Where is my order?"}],
    }
).encode()


# -- stub upstream (own process) -----------------------------------------------------------
def _sse(delta: dict[str, Any], finish: str | None = None) -> bytes:
    chunk = {
        "id": "chatcmpl-stub",
        "object": "chat.completion.chunk",
        "created": 1764115200,
        "model": "gpt-4.1",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


def _chunked(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class _Stub(asyncio.Protocol):
    STREAM_DELAY_S = 0.005
    DELAY_S = 0.0  # added before every non-streamed answer (a "realistic" upstream)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.t = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            head_end = self.buf.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buf[:head_end].decode("latin-1").lower()
            m = re.search(r"content-length:\s*(\d+)", head)
            length = int(m.group(1)) if m else 0
            if len(self.buf) < head_end + 4 + length:
                return
            body = self.buf[head_end + 4 : head_end + 4 + length]
            self.buf = self.buf[head_end + 4 + length :]
            if b'"stream": true' in body or b'"stream":true' in body:
                asyncio.get_running_loop().create_task(self._stream())
            else:
                answer = (
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(COMPLETION), COMPLETION)
                )
                if self.DELAY_S:
                    asyncio.get_running_loop().call_later(self.DELAY_S, self.t.write, answer)
                else:
                    self.t.write(answer)

    async def _stream(self) -> None:
        self.t.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
            + _chunked(_sse({"role": "assistant", "content": "Your"}))
        )
        await asyncio.sleep(self.STREAM_DELAY_S)
        rest = _sse({"content": " order ships tomorrow."}) + _sse({}, "stop") + b"data: [DONE]\n\n"
        self.t.write(_chunked(rest) + b"0\r\n\r\n")


def run_stub(port_file: str, delay_ms: float = 0.0) -> None:
    _Stub.DELAY_S = delay_ms / 1000.0

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_Stub, "127.0.0.1", 0, backlog=1024)
        port = server.sockets[0].getsockname()[1]
        await asyncio.to_thread(Path(port_file).write_text, str(port))
        await server.serve_forever()

    asyncio.run(main())


# -- process helpers -------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# -- latency client ----------------------------------------------------------------------------
class Conn:
    """A minimal keep-alive HTTP/1.1 client: one socket, no pooling, no parsing overhead."""

    def __init__(self, port: int) -> None:
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.port = port
        self.buf = b""

    def close(self) -> None:
        self.s.close()

    def _fill(self) -> None:
        data = self.s.recv(65536)
        if not data:
            raise ConnectionError("closed")
        self.buf += data

    def request(self, body: bytes, *, first_byte: bool = False) -> tuple[float, float]:
        """Send one POST; returns (seconds to the end of the response, seconds to the first
        body bytes)."""
        req = (
            b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n"
            b"content-type: application/json\r\nauthorization: Bearer sk-bench\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(body), body)
        )
        t0 = time.perf_counter()
        self.s.sendall(req)
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        low = head.lower()
        if not low.startswith(b"http/1.1 200"):
            raise RuntimeError(head.decode("latin-1"))
        m = re.search(rb"content-length:\s*(\d+)", low)
        if m:
            n = int(m.group(1))
            while len(self.buf) < n:
                self._fill()
            t_first = time.perf_counter()
            self.buf = self.buf[n:]
            return time.perf_counter() - t0, t_first - t0
        # chunked: first data chunk, then until the terminating 0-chunk
        while not self.buf:
            self._fill()
        t_first = time.perf_counter()
        while b"\r\n0\r\n\r\n" not in self.buf and not self.buf.startswith(b"0\r\n\r\n"):
            self._fill()
        end = self.buf.find(b"0\r\n\r\n")
        self.buf = self.buf[end + 5 :]
        return time.perf_counter() - t0, t_first - t0


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def latency(port: int, n: int, body: bytes = REQUEST, warm: int = 200) -> dict[str, float]:
    c = Conn(port)
    try:
        for _ in range(warm):
            c.request(body)
        total, first = [], []
        for _ in range(n):
            t, f = c.request(body)
            total.append(t * 1000)
            first.append(f * 1000)
    finally:
        c.close()
    return {
        "p50_ms": pct(total, 0.5),
        "p99_ms": pct(total, 0.99),
        "mean_ms": statistics.fmean(total),
        "ttfb_p50_ms": pct(first, 0.5),
        "ttfb_p99_ms": pct(first, 0.99),
    }


# -- wrk ------------------------------------------------------------------------------------
WRK_LUA = """
wrk.method = "POST"
wrk.body = [[%s]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
"""


def wrk(port: int, lua: Path, duration: int, conns: int = 16) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{conns}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(lua),
            f"http://127.0.0.1:{port}/v1/chat/completions",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def ms(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        v = float(m.group(1))
        return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v

    errors = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    return {
        "rps": rps,
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "non2xx": float(errors.group(1)) if errors else 0.0,
    }


# -- the servers ---------------------------------------------------------------------------------
class Bench:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes]] = []

    def start_stub(self, delay_ms: float = 0.0) -> int:
        pf = self.tmp / f"stub{delay_ms:g}.port"
        cmd = [PY, __file__, "--stub", str(pf), "--stub-delay-ms", str(delay_ms)]
        self.procs.append(subprocess.Popen(cmd))
        deadline = time.monotonic() + 20
        while not pf.exists() or not pf.read_text():
            if time.monotonic() > deadline:
                raise RuntimeError("stub did not start")
            time.sleep(0.05)
        return int(pf.read_text())

    def start_gateway(
        self, stub: int, name: str, src: str | None = None
    ) -> tuple[int, subprocess.Popen[bytes]]:
        port = free_port()
        cfg = self.tmp / f"{name}.toml"
        cfg.write_text(
            f"""
[project]
store = "sqlite:///{self.tmp}/{name}.db"

[upstreams.stub]
provider = "openai-compatible"
base_url = "http://127.0.0.1:{stub}/v1"
max_retries = 0

[[migrations]]
name = "bench"
from = "openai:gpt-4.1"
to = "openai:gpt-5-mini"
aliases = ["bench-bot"]
baseline_upstream = "stub"
candidate_upstream = "stub"
"""
        )
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if src:  # the code to measure (--before-src) ahead of the installed package
            env["PYTHONPATH"] = src
        p = subprocess.Popen(
            [
                PY,
                "-m",
                "switchover",
                "gateway",
                "--config",
                str(cfg),
                "--port",
                str(port),
                "--insecure-dev",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=self.tmp,
            stdout=subprocess.DEVNULL,
        )
        self.procs.append(p)
        wait_port(port)
        return port, p

    def start_nginx(self, stub: int) -> int:
        port = free_port()
        tpl = string.Template((HERE / "nginx.conf").read_text())
        conf = self.tmp / "nginx.conf"
        conf.write_text(tpl.substitute(tmp=self.tmp, listen_port=port, upstream_port=stub))
        self.procs.append(
            subprocess.Popen(
                ["nginx", "-c", str(conf), "-p", str(self.tmp)], stderr=subprocess.DEVNULL
            )
        )
        wait_port(port)
        return port

    def stop(self) -> None:
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def promote(port: int, times: int = 1) -> None:
    for _ in range(times):
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/admin/migrations/bench/promote", method="POST", data=b""
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()


def shadow_counts(port: int) -> dict[str, float]:
    """Served, shadowed (candidate answers) and dropped shadow requests, from /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    out = {"served": 0.0, "shadowed": 0.0, "shadow_dropped": 0.0}
    for line in text.splitlines():
        if line.startswith("switchover_gateway_requests_total{"):
            out["shadowed" if 'arm="candidate"' in line else "served"] += float(line.split()[-1])
        elif line.startswith("switchover_gateway_shadow_dropped_total{"):
            out["shadow_dropped"] += float(line.split()[-1])
    return out


def soak(port: int, pid: int, lua: Path, seconds: int) -> dict[str, Any]:
    """wrk at concurrency 16 for ``seconds``; RSS (KiB) and 1-min load sampled every 10 s."""
    samples: list[tuple[int, int, float]] = []
    proc = subprocess.Popen(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{seconds}s",
            "-s",
            str(lua),
            f"http://127.0.0.1:{port}/v1/chat/completions",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    t0 = time.monotonic()
    while proc.poll() is None:
        samples.append((round(time.monotonic() - t0), rss_kb(pid), os.getloadavg()[0]))
        time.sleep(10)
    out = proc.communicate()[0]
    rate = re.search(r"Requests/sec:\s*([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    return {
        "samples_s_rss_kb_load1": samples,
        "requests": int(total.group(1)) if total else 0,
        "rps": round(float(rate.group(1))) if rate else 0,
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def median_of(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stub")
    ap.add_argument("--stub-delay-ms", type=float, default=0.0)
    ap.add_argument("--shadow-delay-ms", type=float, default=20.0)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--before-src", default=None, help="also measure the code under this src/")
    ap.add_argument("--soak", type=int, default=0, help="seconds of soak (0: skip)")
    ap.add_argument("--out", default=None, help="also write the results as JSON here")
    args = ap.parse_args()
    if args.stub:
        run_stub(args.stub, args.stub_delay_ms)
        return
    ensure_tools("nginx", "wrk")
    tmp = Path(tempfile.mkdtemp(prefix="switchover-bench-"))
    lua = tmp / "post.lua"
    lua.write_text(WRK_LUA % REQUEST.decode())
    b = Bench(tmp)
    results: dict[str, Any] = {
        "requests": args.requests,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "load1_start": os.getloadavg()[0],
    }
    runs: dict[str, list[dict[str, float]]] = {}

    def measure(key: str, fn: Any, *a: Any, **kw: Any) -> None:
        runs.setdefault(key, []).append(fn(*a, **kw))

    # gateways: (label suffix, src); "" is the code in this tree
    codes = [("", None)] + ([("@before", args.before_src)] if args.before_src else [])
    try:
        stub = b.start_stub()
        ng = b.start_nginx(stub)
        gws = {}
        for tag, src in codes:
            gws[tag] = b.start_gateway(stub, f"gw{len(gws)}", src)
        if args.soak:
            port, proc = gws[""]
            results["soak"] = soak(port, proc.pid, lua, args.soak)
        else:
            targets = {"direct": stub, "nginx": ng}
            targets.update({f"switchover{tag}": port for tag, (port, _) in gws.items()})
            rss0 = rss_kb(gws[""][1].pid)
            for _ in range(args.rounds):
                for name, port in targets.items():
                    measure(f"c1 {name}", latency, port, args.requests)
                    measure(f"stream {name}", latency, port, args.requests // 2, STREAM_REQUEST)
                for name, port in targets.items():
                    measure(f"c16 {name}", wrk, port, lua, args.duration)
            results["gateway_rss_kb_after_wrk"] = [rss0, rss_kb(gws[""][1].pid)]
            # shadow: gateways whose migration is in shadow at 100%, against the zero-latency
            # stub and against one with a fixed latency (closer to a real model)
            slow = b.start_stub(args.shadow_delay_ms)
            ms = f"{args.shadow_delay_ms:g}ms"
            fast_shadow: dict[str, int] = {}  # code tag -> gateway in shadow, fast stub
            slow_gws: dict[str, int] = {}  # label -> gateway on the slow stub
            for i, (tag, src) in enumerate(codes):
                fast_shadow[tag] = b.start_gateway(stub, f"shadow{i}", src)[0]
                slow_gws[tag] = b.start_gateway(slow, f"slow{i}", src)[0]
                slow_gws[f"{tag} shadow"] = b.start_gateway(slow, f"slowshadow{i}", src)[0]
                promote(fast_shadow[tag])
                promote(slow_gws[f"{tag} shadow"])
            time.sleep(2)  # let the recorder processes finish starting
            n_slow = max(200, args.requests // 5)
            for _ in range(args.rounds):
                for tag, port in fast_shadow.items():
                    measure(f"c1 switchover{tag} shadow", latency, port, args.requests)
                    measure(f"c16 switchover{tag} shadow", wrk, port, lua, args.duration)
                for label, port in slow_gws.items():
                    measure(f"c1 slow{ms} switchover{label}", latency, port, n_slow, warm=20)
            time.sleep(3)  # shadow work still queued finishes (or was dropped)
            results["shadow_counts"] = {
                f"switchover{tag} shadow": shadow_counts(port) for tag, port in fast_shadow.items()
            }
            for label, port in slow_gws.items():
                if label.endswith("shadow"):
                    results["shadow_counts"][f"slow{ms} switchover{label}"] = shadow_counts(port)
    finally:
        b.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    results["load1_end"] = os.getloadavg()[0]
    results["medians"] = {k: median_of(v) for k, v in runs.items()}
    results["runs"] = runs
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, indent=2))
    shown = {"medians": results["medians"], "shadow_counts": results.get("shadow_counts")}
    print(json.dumps(shown, indent=2))


if __name__ == "__main__":
    main()
