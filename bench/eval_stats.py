"""Benchmark of the evaluation core: bootstrap speed, coverage, analysis and rendering.

Run: .venv/bin/python bench/eval_stats.py   (figures go to docs/benchmarks.md by hand)
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from switchover.evaluate.stats import bootstrap_ci, confidence_sequence
from switchover.evaluate.synthetic import synthetic_report


def timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times)


def coverage(n_sims: int, method: str, n_cases: int = 60, repeats: int = 3) -> float:
    rng = np.random.default_rng(2026)
    hit = 0
    for s in range(n_sims):
        effect = rng.gamma(2.0, 0.1, n_cases)  # skewed, true mean 0.2
        obs = np.repeat(effect, repeats) + rng.normal(0, 0.2, n_cases * repeats)
        r = bootstrap_ci(
            obs,
            clusters=np.repeat(np.arange(n_cases), repeats),
            n_resamples=2000,
            method=method,
            seed=s,
        )  # type: ignore[arg-type]
        hit += r.low <= 0.2 <= r.high
    return hit / n_sims


def binary_coverage(n_sims: int, n_cases: int = 200) -> float:
    rng = np.random.default_rng(7)
    hit = 0
    for s in range(n_sims):
        base = rng.random(n_cases) < 0.9
        cand = np.where(rng.random(n_cases) < 0.08, rng.random(n_cases) < 0.5, base)
        true = 0.08 * (0.5 - 0.9)
        r = bootstrap_ci(cand.astype(float) - base, n_resamples=2000, seed=s)
        hit += r.low <= true <= r.high
    return hit / n_sims


def cs_miss_rate(n_sims: int = 200, n: int = 2000) -> float:
    rng = np.random.default_rng(15)
    miss = 0
    for _ in range(n_sims):
        d = (rng.random(n) < 0.8).astype(float) - (rng.random(n) < 0.7)
        lo, hi = confidence_sequence(d, alpha=0.05)
        miss += bool(np.any((lo > 0.1) | (hi < 0.1)))
    return miss / n_sims


def main() -> None:
    d = np.random.default_rng(0).normal(size=10_000)
    w = np.random.default_rng(1).integers(1, 10, size=10_000).astype(float)
    print("bootstrap 10,000 resamples x 10,000 cases (median / max of 3):")
    for label, fn in [
        ("BCa", lambda: bootstrap_ci(d, n_resamples=10_000, seed=0)),
        ("percentile", lambda: bootstrap_ci(d, n_resamples=10_000, method="percentile", seed=0)),
        ("BCa weighted", lambda: bootstrap_ci(d, weights=w, n_resamples=10_000, seed=0)),
        (
            "BCa clustered 3 repeats (30,000 obs)",
            lambda: bootstrap_ci(
                np.repeat(d, 3),
                clusters=np.repeat(np.arange(10_000), 3),
                n_resamples=10_000,
                seed=0,
            ),
        ),
    ]:
        med, mx = timed(fn)
        print(f"  {label:40s} {med:6.2f} s  {mx:6.2f} s")
    t0 = time.perf_counter()
    for n_cases in (100, 60, 30):
        for method in ("bca", "percentile"):
            cov = coverage(300, method, n_cases=n_cases)
            print(
                f"coverage, 300 datasets, nominal 95%, {n_cases} cases x 3 repeats, "
                f"skewed ({method}): {cov:.1%}"
            )
    print(f"coverage, 300 datasets, paired binary flips, n=200 (bca): {binary_coverage(300):.1%}")
    print(
        f"confidence sequence time-uniform miss rate (200 x 2000 steps, alpha 5%): "
        f"{cs_miss_rate():.1%}"
    )
    print(f"  (simulations took {time.perf_counter() - t0:.1f} s)")
    from switchover.evaluate.analysis import analyze, judge_spec
    from switchover.evaluate.checks import default_checks
    from switchover.evaluate.synthetic import synthetic_results

    _, res = synthetic_results(10_000, seed=1, hazards={"fence": 0.2})
    specs = [c.spec() for c in default_checks()] + [judge_spec()]
    med, mx = timed(lambda: analyze(res, specs, n_resamples=10_000), repeat=3)
    print(f"analyze 10,000 cases x 17 metrics, 10,000 shared resamples: {med:.2f} s (max {mx:.2f})")
    for n in (500, 2000):
        t0 = time.perf_counter()
        report = synthetic_report(n, seed=1, hazards={"fence": 0.2}, n_resamples=10_000)
        t_rep = time.perf_counter() - t0
        from switchover.report import render_html, render_junit, render_markdown

        med, _ = timed(lambda r=report: render_html(r), repeat=1)  # type: ignore[misc]
        html = render_html(report)
        print(
            f"{n} cases: synthetic data + checks + analysis (17 metrics, 10,000 resamples) "
            f"{t_rep:.2f} s; render_html {med:.2f} s ({len(html) / 1e6:.1f} MB); "
            f"markdown+junit {timed(lambda r=report: (render_markdown(r), render_junit(r)), 1)[0]:.3f} s"
        )


if __name__ == "__main__":
    main()
