"""Paired statistics for side-by-side evaluation (pure numpy / scipy).

Every function works on per-observation *differences* ``candidate - baseline`` (already
oriented by the caller when needed), optionally grouped into clusters (a case's repeats) and
weighted per cluster (traffic weights). See docs/evaluation.md for why each test is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats as _st

__all__ = [
    "BootstrapResult",
    "ConfidenceSequence",
    "NonInferiority",
    "bootstrap_ci",
    "bootstrap_many",
    "cluster_means",
    "confidence_sequence",
    "holm",
    "mcnemar_exact",
    "noninferiority",
    "sign_test",
    "weighted_mean",
    "wilcoxon",
]

FloatArray = npt.NDArray[np.float64]
Alternative = Literal["two-sided", "greater", "less"]

_CHUNK_ELEMENTS = 2_000_000  # resample indices held in memory at once


def cluster_means(
    values: npt.ArrayLike,
    clusters: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Collapse observations to one mean per cluster; returns ``(means, cluster_weights)``.

    A cluster's weight is the mean of its observations' weights (they normally agree)."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError("values must be one-dimensional")
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != v.shape:
        raise ValueError("weights must have the same length as values")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite and non-negative")
    if clusters is None:
        return v, w
    c = np.asarray(clusters)
    if c.shape != v.shape:
        raise ValueError("clusters must have the same length as values")
    _, inv = np.unique(c, return_inverse=True)
    counts = np.bincount(inv).astype(np.float64)
    means = np.bincount(inv, weights=v) / counts
    cw = np.bincount(inv, weights=w) / counts
    return means, cw


def weighted_mean(values: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> float:
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return math.nan
    if weights is None:
        return float(v.mean())
    w = np.asarray(weights, dtype=np.float64)
    return float(np.sum(w * v) / np.sum(w))


@dataclass(frozen=True)
class BootstrapResult:
    """A bootstrap of the (weighted) mean of cluster means."""

    estimate: float
    low: float
    high: float
    level: float
    method: str
    distribution: FloatArray
    z0: float
    acceleration: float

    def p_value(self, threshold: float, alternative: Literal["greater", "less"]) -> float:
        """One-sided p-value for H1: mean > threshold ("greater") or < threshold ("less"),
        obtained by inverting the interval (so p < a exactly when the one-sided 1-a bound
        excludes ``threshold``). Smallest possible value is 1 / (B + 1)."""
        dist, est, z0, acc = self.distribution, self.estimate, self.z0, self.acceleration
        if alternative == "less":
            dist, est, threshold, z0, acc = -dist, -est, -threshold, -z0, -acc
        b = dist.size
        floor = 1.0 / (b + 1)
        if np.ptp(dist) == 0.0:
            return floor if est > threshold else 1.0
        q = (
            float(np.count_nonzero(dist < threshold) + 0.5 * np.count_nonzero(dist == threshold))
            / b
        )
        q = min(max(q, floor), 1.0 - floor)
        if self.method == "percentile":
            return float(max(q, floor))
        r = float(_st.norm.ppf(q)) - z0
        denom = 1.0 + acc * r
        if denom <= 0:
            return 1.0
        p = float(_st.norm.cdf(r / denom - z0))
        return min(max(p, floor), 1.0)


def _resample_means(
    means: FloatArray, weights: FloatArray | None, n_resamples: int, rng: np.random.Generator
) -> FloatArray:
    n = means.size
    out = np.empty(n_resamples, dtype=np.float64)
    chunk = max(1, _CHUNK_ELEMENTS // max(n, 1))
    idx_dtype = np.int32 if n < 2**31 else np.int64
    wm = None if weights is None else weights * means
    for start in range(0, n_resamples, chunk):
        k = min(chunk, n_resamples - start)
        idx = rng.integers(0, n, size=(k, n), dtype=idx_dtype)
        if wm is None or weights is None:
            out[start : start + k] = means[idx].mean(axis=1)
        else:
            out[start : start + k] = wm[idx].sum(axis=1) / weights[idx].sum(axis=1)
    return out


def bootstrap_ci(
    values: npt.ArrayLike,
    *,
    clusters: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
    n_resamples: int = 10_000,
    level: float = 0.95,
    method: Literal["bca", "percentile"] = "bca",
    seed: int | np.random.Generator | None = 0,
    expand: bool = True,
) -> BootstrapResult:
    """Case-clustered bootstrap CI of the (weighted) mean paired difference.

    Observations are collapsed to cluster means (a case's repeats stay together), clusters are
    resampled with replacement, and the statistic is the weighted mean of cluster means.
    BCa uses the closed-form jackknife of the weighted mean for the acceleration. With
    ``expand`` the resampled means are spread by sqrt(n / (n - 1)), which corrects the plain
    bootstrap's small-sample under-coverage (its variance estimate divides by n)."""
    if not 0 < level < 1:
        raise ValueError("level must be in (0, 1)")
    if n_resamples < 100:
        raise ValueError("n_resamples must be at least 100")
    means, w = cluster_means(values, clusters, weights)
    n = means.size
    if n == 0:
        raise ValueError("no observations to bootstrap")
    uniform = bool(np.all(w == w[0])) if weights is not None else True
    if not uniform and float(w.sum()) <= 0:
        raise ValueError("weights sum to zero")
    wts = None if uniform else w
    est = weighted_mean(means, wts)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if n > 1:
        dist = _resample_means(means, wts, n_resamples, rng)
    else:
        dist = np.full(n_resamples, est)
    return _finish(est, dist, means, wts, level=level, method=method, expand=expand)


def _finish(
    est: float,
    dist: FloatArray,
    means: FloatArray,
    wts: FloatArray | None,
    *,
    level: float,
    method: str,
    expand: bool,
) -> BootstrapResult:
    """Turn a bootstrap distribution into an interval (percentile or BCa)."""
    n = means.size
    if (
        expand and n > 1
    ):  # undo the bootstrap's n/(n-1) narrowness (Hesterberg's expanded bootstrap)
        dist = est + (dist - est) * math.sqrt(n / (n - 1))
    alpha = 1.0 - level
    z0, acc = 0.0, 0.0
    if np.ptp(dist) == 0.0:
        return BootstrapResult(est, est, est, level, method, dist, 0.0, 0.0)
    if method == "bca":
        b = dist.size
        q0 = float(np.count_nonzero(dist < est) + 0.5 * np.count_nonzero(dist == est)) / b
        q0 = min(max(q0, 0.5 / b), 1 - 0.5 / b)
        z0 = float(_st.norm.ppf(q0))
        acc = _acceleration(means, wts)
        zs = _st.norm.ppf([alpha / 2, 1 - alpha / 2])
        adj = _st.norm.cdf(z0 + (z0 + zs) / (1 - acc * (z0 + zs)))
        lo, hi = np.quantile(dist, adj)
    elif method == "percentile":
        lo, hi = np.quantile(dist, [alpha / 2, 1 - alpha / 2])
    else:
        raise ValueError(f"unknown bootstrap method {method!r}")
    return BootstrapResult(est, float(lo), float(hi), level, method, dist, z0, acc)


def bootstrap_many(
    columns: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    *,
    n_resamples: int = 10_000,
    level: float = 0.95,
    method: Literal["bca", "percentile"] = "bca",
    seed: int | np.random.Generator | None = 0,
    expand: bool = True,
) -> list[BootstrapResult | None]:
    """Bootstrap several metrics at once over one shared resampling of the cases.

    ``columns`` is an (n_cases x n_metrics) array of case-level values, NaN where a metric
    does not apply to a case. Each resample draws cases from all of them (with their weights)
    and each metric's statistic is the weighted mean over the drawn cases where it applies:
    the usual domain (subpopulation) estimator, whose bootstrap includes the randomness of
    how many applicable cases a sample holds. The counts matrix is shared, so M metrics cost
    one matrix product per chunk instead of M separate bootstraps. ``None`` for a metric
    with no data."""
    if not 0 < level < 1:
        raise ValueError("level must be in (0, 1)")
    if n_resamples < 100:
        raise ValueError("n_resamples must be at least 100")
    x = np.asarray(columns, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("columns must be two-dimensional (cases x metrics)")
    n, m = x.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (n,) or np.any(w <= 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be positive, one per case")
    uniform = bool(np.all(w == w[0])) if n else True
    mask = np.isfinite(x)
    a = np.concatenate([np.where(mask, x, 0.0) * w[:, None], mask * w[:, None]], axis=1)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    dists = np.empty((n_resamples, m), dtype=np.float64)
    chunk = max(1, _CHUNK_ELEMENTS // max(n, 1))
    rows = np.arange(chunk, dtype=np.int64)[:, None] * n
    for start in range(0, n_resamples if n else 0, chunk):
        k = min(chunk, n_resamples - start)
        idx = rng.integers(0, n, size=(k, n), dtype=np.int64) + rows[:k]
        counts = np.bincount(idx.ravel(), minlength=k * n).reshape(k, n).astype(np.float64)
        sums = counts @ a
        with np.errstate(invalid="ignore", divide="ignore"):
            dists[start : start + k] = sums[:, :m] / sums[:, m:]
    out: list[BootstrapResult | None] = []
    for j in range(m):
        sel = mask[:, j]
        if not sel.any():
            out.append(None)
            continue
        means = x[sel, j]
        wts = None if uniform else w[sel]
        est = weighted_mean(means, wts)
        dist = dists[:, j]
        dist = dist[np.isfinite(dist)]
        if means.size == 1:
            dist = np.full(n_resamples, est)
        elif means.size < 30 or dist.size < n_resamples:  # rare metric: resample its own cases
            dist = _resample_means(means, wts, n_resamples, rng)
        out.append(_finish(est, dist, means, wts, level=level, method=method, expand=expand))
    return out


def _acceleration(means: FloatArray, weights: FloatArray | None) -> float:
    n = means.size
    if n < 3:
        return 0.0
    w = np.ones_like(means) if weights is None else weights
    sw, swm = float(w.sum()), float((w * means).sum())
    denom = sw - w
    if np.any(denom <= 0):
        return 0.0
    jack = (swm - w * means) / denom
    dev = jack.mean() - jack
    ss = float(np.sum(dev**2))
    if ss == 0.0:
        return 0.0
    return float(np.sum(dev**3) / (6.0 * ss**1.5))


def mcnemar_exact(worse: int, better: int) -> float:
    """Exact two-sided McNemar p-value from the discordant pair counts (binomial, p = 1/2).

    Matches ``statsmodels.stats.contingency_tables.mcnemar(table, exact=True)``."""
    if worse < 0 or better < 0:
        raise ValueError("counts must be non-negative")
    n = worse + better
    if n == 0:
        return 1.0
    return float(min(1.0, 2.0 * _st.binom.cdf(min(worse, better), n, 0.5)))


def sign_test(
    diffs: npt.ArrayLike, alternative: Alternative = "two-sided"
) -> tuple[int, int, float]:
    """Exact sign test on non-zero differences: McNemar generalised to per-case rates.

    Returns ``(n_negative, n_positive, p)``; for 0/1 outcomes it is exactly McNemar."""
    d = np.asarray(diffs, dtype=np.float64)
    neg, pos = int(np.count_nonzero(d < 0)), int(np.count_nonzero(d > 0))
    if neg + pos == 0:
        return neg, pos, 1.0
    if alternative == "two-sided":
        return neg, pos, mcnemar_exact(neg, pos)
    k = pos if alternative == "greater" else neg
    return neg, pos, float(_st.binom.sf(k - 1, neg + pos, 0.5))


def wilcoxon(diffs: npt.ArrayLike, alternative: Alternative = "two-sided") -> tuple[float, float]:
    """Wilcoxon signed-rank test on paired differences (scipy; zero differences dropped).

    Returns ``(statistic, p)``; ``p = 1`` when every difference is zero."""
    d = np.asarray(diffs, dtype=np.float64)
    d = d[np.isfinite(d)]
    if d.size == 0 or not np.any(d != 0):
        return 0.0, 1.0
    res = _st.wilcoxon(d, alternative=alternative, zero_method="wilcox")
    return float(res.statistic), float(res.pvalue)


def holm(pvalues: npt.ArrayLike) -> FloatArray:
    """Holm step-down adjusted p-values (same as statsmodels ``multipletests(method="holm")``)."""
    p = np.asarray(pvalues, dtype=np.float64)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = (m - np.arange(m)) * p[order]
    adj_sorted = np.minimum(np.maximum.accumulate(scaled), 1.0)
    out = np.empty(m, dtype=np.float64)
    out[order] = adj_sorted
    return out


@dataclass(frozen=True)
class NonInferiority:
    """Non-inferiority of the candidate on one metric, oriented so that higher is better.

    ``p_noninferior`` tests H0: diff <= -margin (the candidate must reject it to pass);
    ``p_inferior`` tests H0: diff >= -margin (rejecting it shows it is worse by more than
    the margin)."""

    diff: float
    low: float
    high: float
    margin: float
    p_noninferior: float
    p_inferior: float
    bootstrap: BootstrapResult


def noninferiority(
    diffs: npt.ArrayLike,
    margin: float,
    *,
    direction: Literal["higher", "lower"] = "higher",
    clusters: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
    n_resamples: int = 10_000,
    level: float = 0.95,
    method: Literal["bca", "percentile"] = "bca",
    seed: int | np.random.Generator | None = 0,
) -> NonInferiority:
    """One-sided non-inferiority test of ``candidate - baseline`` against ``margin``.

    ``direction="lower"`` (latency, cost) flips the sign so "worse" always means "more
    negative" internally; the reported ``diff``/``low``/``high`` stay in the metric's own
    orientation (candidate - baseline)."""
    if margin < 0:
        raise ValueError("margin must be >= 0")
    d = np.asarray(diffs, dtype=np.float64)
    sign = 1.0 if direction == "higher" else -1.0
    boot = bootstrap_ci(
        sign * d,
        clusters=clusters,
        weights=weights,
        n_resamples=n_resamples,
        level=level,
        method=method,
        seed=seed,
    )
    p_ni = boot.p_value(-margin, "greater")
    p_inf = boot.p_value(-margin, "less")
    lo, hi = (boot.low, boot.high) if sign > 0 else (-boot.high, -boot.low)
    return NonInferiority(sign * boot.estimate + 0.0, lo + 0.0, hi + 0.0, margin, p_ni, p_inf, boot)


# --- anytime-valid confidence sequences ---------------------------------------------------


def _psi_e(lam: FloatArray) -> FloatArray:
    return (-np.log1p(-lam) - lam) / 4.0


def confidence_sequence(
    values: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    bounds: tuple[float, float] = (-1.0, 1.0),
    c: float = 0.5,
) -> tuple[FloatArray, FloatArray]:
    """Predictable plug-in empirical-Bernstein confidence sequence for the mean of bounded
    observations (Waudby-Smith & Ramdas, 2024, Thm 2), as running intersections.

    Returns ``(low, high)`` arrays: element ``t`` is the interval after ``t + 1`` observations.
    With probability >= 1 - alpha it covers the mean at *every* t simultaneously, so it may
    be monitored after each case and the run stopped whenever a decision is clear."""
    lo_b, hi_b = bounds
    if not hi_b > lo_b:
        raise ValueError("bounds must be (low, high) with low < high")
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    v = np.asarray(values, dtype=np.float64)
    if np.any(v < lo_b) or np.any(v > hi_b):
        raise ValueError(f"observations must lie within bounds {bounds}")
    x = (v - lo_b) / (hi_b - lo_b)
    n = x.size
    if n == 0:
        return np.empty(0), np.empty(0)
    t = np.arange(1, n + 1, dtype=np.float64)
    mu_hat = (0.5 + np.cumsum(x)) / (t + 1)
    mu_prev = np.concatenate(([0.5], mu_hat[:-1]))
    sig2 = (0.25 + np.cumsum((x - mu_hat) ** 2)) / (t + 1)
    sig2_prev = np.concatenate(([0.25], sig2[:-1]))
    log_term = math.log(2.0 / alpha)
    lam = np.minimum(np.sqrt(2.0 * log_term / (sig2_prev * t * np.log1p(t))), c)
    vt = 4.0 * (x - mu_prev) ** 2
    s_lam = np.cumsum(lam)
    center = np.cumsum(lam * x) / s_lam
    width = (log_term + np.cumsum(vt * _psi_e(lam))) / s_lam
    low = np.maximum.accumulate(np.clip(center - width, 0.0, 1.0))
    high = np.minimum.accumulate(np.clip(center + width, 0.0, 1.0))
    scale = hi_b - lo_b
    return lo_b + scale * low, lo_b + scale * high


class ConfidenceSequence:
    """Incremental form of :func:`confidence_sequence` for monitoring a run case by case."""

    def __init__(
        self, *, alpha: float = 0.05, bounds: tuple[float, float] = (-1.0, 1.0), c: float = 0.5
    ) -> None:
        if not bounds[1] > bounds[0]:
            raise ValueError("bounds must be (low, high) with low < high")
        if not 0 < alpha < 1:
            raise ValueError("alpha must be in (0, 1)")
        self.alpha, self.bounds, self.c = alpha, bounds, c
        self.n = 0
        self._sum_x = 0.0
        self._sum_sq = 0.0
        self._mu = 0.5
        self._sig2 = 0.25
        self._s_lam = 0.0
        self._s_lam_x = 0.0
        self._s_v_psi = 0.0
        self._low = 0.0
        self._high = 1.0

    def update(self, value: float) -> tuple[float, float]:
        lo_b, hi_b = self.bounds
        if not lo_b <= value <= hi_b:
            raise ValueError(f"observation {value} outside bounds {self.bounds}")
        x = (value - lo_b) / (hi_b - lo_b)
        self.n += 1
        t = float(self.n)
        log_term = math.log(2.0 / self.alpha)
        lam = min(math.sqrt(2.0 * log_term / (self._sig2 * t * math.log1p(t))), self.c)
        v = 4.0 * (x - self._mu) ** 2
        self._s_lam += lam
        self._s_lam_x += lam * x
        self._s_v_psi += v * (-math.log1p(-lam) - lam) / 4.0
        self._sum_x += x
        self._mu = (0.5 + self._sum_x) / (t + 1)
        self._sum_sq += (x - self._mu) ** 2
        self._sig2 = (0.25 + self._sum_sq) / (t + 1)
        center = self._s_lam_x / self._s_lam
        width = (log_term + self._s_v_psi) / self._s_lam
        self._low = max(self._low, min(max(center - width, 0.0), 1.0))
        self._high = min(self._high, min(max(center + width, 0.0), 1.0))
        return self.interval

    @property
    def interval(self) -> tuple[float, float]:
        lo_b, hi_b = self.bounds
        scale = hi_b - lo_b
        return lo_b + scale * self._low, lo_b + scale * self._high
