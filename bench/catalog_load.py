"""Catalog load and lookup timings (a measurement, not a timed test).

Run: .venv/bin/python bench/catalog_load.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from switchover.catalog import Catalog, clear_cache, get_catalog
from switchover.catalog.loader import shipped_entries
from switchover.catalog.store import UpdateStore


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, max) in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    store = UpdateStore(Path(tempfile.mkdtemp()) / "catalog")  # no installed update

    def cold() -> object:
        clear_cache()
        return get_catalog(store=store)

    rows = len(cold().entries)  # type: ignore[attr-defined]
    results = {
        "cold load (parse + validate + index)": timed(cold, 30),
        "index build only (Catalog(entries))": timed(lambda: Catalog(shipped_entries()), 30),
        "cached get_catalog()": timed(lambda: get_catalog(store=store), 1000),
    }
    cat = get_catalog(store=store)
    queries = [
        "gpt-4o",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "openai:gpt-4o@azure",
        "claude-sonnet-4-5@20250929",
        "no-such-model",
    ]
    results["5 lookups"] = timed(lambda: [cat.lookup(q) for q in queries], 2000)
    env_python = sys.executable
    start = time.perf_counter()
    for _ in range(5):
        subprocess.run(
            [env_python, "-m", "switchover", "models", "list", "--within", "90d"],
            capture_output=True,
            check=True,
        )
    cli_ms = (time.perf_counter() - start) * 1000 / 5
    print(f"shipped rows: {rows}")
    for name, (median, worst) in results.items():
        print(f"{name:40s} median {median:8.3f} ms   max {worst:8.3f} ms")
    print(f"{'`switchover models list --within 90d`':40s} mean {cli_ms:8.1f} ms (whole process)")


if __name__ == "__main__":
    main()
