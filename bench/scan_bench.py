"""Benchmark ``switchover scan`` against ripgrep on a generated tree (not a timed test).

Generates a realistic tree (default 50,000 files: Python, TypeScript, Go, Java, Markdown,
JSON/YAML config, binaries, a vendored node_modules and a .gitignore'd build dir; about 1.5%
of files use a model SDK) in a temporary directory, then runs, side by side and alternately:

- ``rg --hidden -l -F -f patterns.txt ROOT``: ripgrep listing the files that contain any of
  the same literals the scanner's prefilter looks for (catalog IDs, aliases, SDK markers):
  the physical floor for reading the tree;
- ``switchover scan ROOT --format json``: walk, prefilter, parse, resolve and report;
- the same scan through the engine API in a bare interpreter (``engine``), which separates
  the scanning work from the CLI's start-up.

Also timed: ``python -c "import switchover.scan"`` (start-up), and with ``--before SRC`` the
engine of an older checkout's ``src`` (``git archive <commit> src | tar -x -C DIR``), run
alternately with the others so before/after see the same machine load. ``load1`` is the
median one-minute load average during the runs (the machine is shared).

Wall and CPU (user+sys of the whole process tree) times are medians of ``--repeat`` runs; peak
RSS is the largest resident set of the process tree (getrusage of reaped children, measured in
a fresh wrapper per run).

    .venv/bin/python bench/scan_bench.py [--files 50000] [--repeat 3] [--jobs 0]
        [--tree DIR] [--before DIR/src]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _tools import ensure_tools  # bench/ is on sys.path when run as a script
from switchover.catalog import get_catalog
from switchover.scan.literals import SDK_MARKERS

WORDS = [
    "account",
    "order",
    "invoice",
    "customer",
    "shipment",
    "payment",
    "refund",
    "ticket",
    "report",
    "user",
    "session",
    "cache",
    "queue",
    "worker",
    "retry",
    "backoff",
    "config",
    "parser",
    "render",
    "widget",
    "layout",
    "button",
    "table",
    "column",
    "index",
    "metric",
    "counter",
    "gauge",
    "histogram",
    "request",
    "response",
    "handler",
    "router",
    "service",
    "client",
    "server",
]
USAGE_PY = """import os
from openai import OpenAI

MODEL = os.getenv("CHAT_MODEL", "{model}")
client = OpenAI()


def answer_{n}(question: str) -> str:
    resp = client.chat.completions.create(
        model=MODEL, messages=[{{"role": "user", "content": question}}], max_tokens=300, temperature=0.2
    )
    return resp.choices[0].message.content or ""
"""
USAGE_TS = """import OpenAI from "openai";
const client = new OpenAI();
export async function run{n}(input: string) {{
  return client.responses.create({{ model: "{model}", input, max_output_tokens: 400 }});
}}
"""
MODELS = [
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "o3-mini",
    "claude-3-5-haiku-20241022",
    "gemini-2.0-flash",
]


def _ident(rng: random.Random) -> str:
    return "_".join(rng.choice(WORDS) for _ in range(2))


def _python(rng: random.Random) -> str:
    out = ["from __future__ import annotations", "", "import json", "import logging", ""]
    for _ in range(rng.randint(3, 12)):
        name = _ident(rng)
        out += [
            f"def {name}(data: dict, limit: int = {rng.randint(1, 99)}) -> list:",
            f'    """Return the {rng.choice(WORDS)} entries for {rng.choice(WORDS)}."""',
            f"    items = [x for x in data.get('{rng.choice(WORDS)}', []) if x]",
            "    logging.debug('%s items', len(items))",
            "    return items[:limit]",
            "",
        ]
    return "\n".join(out) + "\n"


def _typescript(rng: random.Random) -> str:
    out = ['import { useState } from "react";', ""]
    for _ in range(rng.randint(3, 10)):
        name = _ident(rng).replace("_", "")
        out += [
            f"export function {name}(props: {{ id: string; count: number }}) {{",
            f"  const [value, setValue] = useState(props.count * {rng.randint(1, 9)});",
            f"  return `{rng.choice(WORDS)}-${{props.id}}-${{value}}`;",
            "}",
            "",
        ]
    return "\n".join(out)


def _go(rng: random.Random) -> str:
    body = [
        f"func {_ident(rng).title().replace('_', '')}(n int) int {{ return n * {rng.randint(2, 9)} }}"
        for _ in range(rng.randint(3, 10))
    ]
    return "package util\n\n" + "\n\n".join(body) + "\n"


def _java(rng: random.Random) -> str:
    cls = _ident(rng).title().replace("_", "")
    methods = [
        f"    public int {rng.choice(WORDS)}{i}(int x) {{ return x + {i}; }}"
        for i in range(rng.randint(3, 10))
    ]
    return f"package com.acme;\n\npublic class {cls} {{\n" + "\n".join(methods) + "\n}\n"


def _markdown(rng: random.Random) -> str:
    return (
        "# "
        + " ".join(rng.choice(WORDS) for _ in range(4))
        + "\n\n"
        + " ".join(rng.choice(WORDS) for _ in range(200))
        + "\n"
    )


def _config(rng: random.Random) -> str:
    return json.dumps({w: rng.randint(0, 1000) for w in rng.sample(WORDS, 10)}, indent=2)


def generate(root: Path, files: int, seed: int = 7) -> int:
    """Write the tree; returns how many files use a model SDK."""
    rng = random.Random(seed)
    (root / ".gitignore").write_text("build/\n*.log\n")
    kinds = [
        ("py", _python, 30),
        ("ts", _typescript, 20),
        ("go", _go, 8),
        ("java", _java, 7),
        ("md", _markdown, 15),
        ("json", _config, 10),
        ("png", None, 5),
        ("log", None, 5),
    ]
    weights = [k[2] for k in kinds]
    usage = 0
    for i in range(files):
        top = "node_modules" if i % 50 == 0 else "build" if i % 53 == 0 else f"pkg{i % 40}"
        d = root / top / f"mod{(i // 40) % 60}"
        d.mkdir(parents=True, exist_ok=True)
        ext, gen, _ = rng.choices(kinds, weights)[0]
        path = d / f"f{i}.{ext}"
        if i % 67 == 3 and ext in {"py", "ts"} and top.startswith("pkg"):
            model = rng.choice(MODELS)
            path.write_text(
                USAGE_PY.format(model=model, n=i)
                if ext == "py"
                else USAGE_TS.format(model=model, n=i)
            )
            usage += 1
        elif gen is None:
            path.write_bytes(
                bytes(rng.randrange(256) for _ in range(512)) if ext == "png" else b"INFO ok\n" * 40
            )
        else:
            path.write_text(gen(rng))
    return usage


_WRAPPER = (
    "import resource, subprocess, sys, time, json\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "w = time.perf_counter() - t\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'rc': p.returncode, 'wall': w, 'cpu': u.ru_utime + u.ru_stime, 'rss_kb': u.ru_maxrss}))\n"
)


# The scan engine alone (no CLI start-up: the CLI imports every command group).
_ENGINE = (
    "import sys; from datetime import date; from pathlib import Path\n"
    "from switchover.scan.engine import ScanOptions, scan\n"
    "from switchover.scan.report import render_json\n"
    "r = scan(Path(sys.argv[1]), ScanOptions(today=date(2026, 11, 26), jobs=int(sys.argv[2])))\n"
    "sys.stdout.write(render_json(r))\n"
)


def measure(cmd: list[str], pythonpath: str | None = None) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": pythonpath} if pythonpath else None
    out = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def compare(
    root: Path, label: str, repeat: int, jobs: int, patterns: Path, before: str | None = None
) -> dict[str, object]:
    rg = shutil.which("rg")
    switchover = str(Path(sys.executable).parent / "switchover")
    scan_cmd = [
        switchover,
        "scan",
        str(root),
        "--format",
        "json",
        "--today",
        "2026-11-26",
        "--jobs",
        str(jobs),
    ]
    rg_cmd = [rg or "rg", "--hidden", "-l", "-F", "-f", str(patterns), str(root)]
    engine_cmd = [sys.executable, "-c", _ENGINE, str(root), str(jobs)]
    import_cmd = [sys.executable, "-c", "import switchover.scan"]
    runs: dict[str, list[dict[str, float]]] = {
        "rg": [],
        "scan": [],
        "engine": [],
        "import": [],
        "before": [],
    }
    loads = [os.getloadavg()[0]]
    for _ in range(repeat):
        if rg:
            runs["rg"].append(measure(rg_cmd))
        runs["engine"].append(measure(engine_cmd))
        if before:
            runs["before"].append(measure(engine_cmd, before))
        runs["scan"].append(measure(scan_cmd))
        runs["import"].append(measure(import_cmd))
        loads.append(os.getloadavg()[0])
    res: dict[str, object] = {"tree": label, "load1": round(statistics.median(loads), 1)}
    for tool, rs in runs.items():
        if rs:
            res[f"{tool}_wall_s"] = round(statistics.median(r["wall"] for r in rs), 3)
            res[f"{tool}_rss_mb"] = round(max(r["rss_kb"] for r in rs) / 1024, 1)
            res[f"{tool}_cpu_s"] = round(statistics.median(r["cpu"] for r in rs), 3)
    if runs["rg"]:
        rg_wall = float(res["rg_wall_s"])  # type: ignore[arg-type]
        res["ratio"] = round(float(res["scan_wall_s"]) / rg_wall, 2)  # type: ignore[arg-type]
        res["engine_ratio"] = round(float(res["engine_wall_s"]) / rg_wall, 2)  # type: ignore[arg-type]
        if runs["before"]:
            res["before_ratio"] = round(float(res["before_wall_s"]) / rg_wall, 2)  # type: ignore[arg-type]
    scan_json = subprocess.run(scan_cmd, capture_output=True, text=True, check=True).stdout
    stats = json.loads(scan_json)["stats"]
    res["files_seen"] = stats["files_seen"]
    res["files_parsed"] = stats["files_parsed"]
    res["findings"] = len(json.loads(scan_json)["findings"])
    return res


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--files", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument("--tree", type=Path, help="reuse (or create once) the generated tree here")
    ap.add_argument("--before", help="src/ of an older checkout: time its engine too")
    ap.add_argument(
        "--real",
        nargs="*",
        default=["examples", "tests/corpus"],
        help="real-size trees to compare too",
    )
    args = ap.parse_args()
    ensure_tools("rg")
    words = sorted(set(get_catalog().known_ids()) | set(SDK_MARKERS))
    rows = []
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as tmp:
        patterns = Path(tmp) / "patterns.txt"
        patterns.write_text("\n".join(words) + "\n")
        root = args.tree or Path(tmp) / "tree"
        if not root.exists() or not any(root.iterdir()):
            root.mkdir(parents=True, exist_ok=True)
            t = time.perf_counter()
            usage = generate(root, args.files)
            print(
                f"generated {args.files} files ({usage} using a model SDK)"
                f" in {time.perf_counter() - t:.1f}s",
                file=sys.stderr,
            )
        rows.append(
            compare(
                root,
                f"generated {args.files:,} files",
                args.repeat,
                args.jobs,
                patterns,
                args.before,
            )
        )
        for real in args.real:
            if Path(real).exists():
                rows.append(
                    compare(Path(real), real, args.repeat, args.jobs, patterns, args.before)
                )
    cols = [
        "tree",
        "load1",
        "import_wall_s",
        "rg_wall_s",
        "scan_wall_s",
        "ratio",
        "engine_wall_s",
        "engine_ratio",
        "before_wall_s",
        "before_ratio",
        "rg_cpu_s",
        "scan_cpu_s",
        "engine_cpu_s",
        "before_cpu_s",
        "rg_rss_mb",
        "scan_rss_mb",
        "before_rss_mb",
        "files_seen",
        "files_parsed",
        "findings",
    ]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")


if __name__ == "__main__":
    main()
