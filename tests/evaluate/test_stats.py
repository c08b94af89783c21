"""Statistics verified against scipy / statsmodels reference implementations."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy import stats as st
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.multitest import multipletests

from switchover.evaluate.stats import (
    ConfidenceSequence,
    bootstrap_ci,
    bootstrap_many,
    cluster_means,
    confidence_sequence,
    holm,
    mcnemar_exact,
    noninferiority,
    sign_test,
    weighted_mean,
    wilcoxon,
)


@pytest.mark.parametrize(("b", "c"), [(0, 0), (3, 9), (10, 2), (25, 25), (0, 7), (40, 61)])
def test_mcnemar_matches_statsmodels(b: int, c: int) -> None:
    table = [[50, b], [c, 30]]
    ref = sm_mcnemar(table, exact=True).pvalue
    assert mcnemar_exact(b, c) == pytest.approx(ref, abs=1e-12)


def test_mcnemar_rejects_negative() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        mcnemar_exact(-1, 2)


def test_sign_test_equals_mcnemar_on_binary_and_one_sided() -> None:
    rng = np.random.default_rng(1)
    base = rng.random(200) < 0.8
    cand = rng.random(200) < 0.7
    d = cand.astype(float) - base.astype(float)
    neg, pos, p = sign_test(d)
    assert (neg, pos) == (int(np.sum(d < 0)), int(np.sum(d > 0)))
    assert p == pytest.approx(sm_mcnemar([[0, neg], [pos, 0]], exact=True).pvalue)
    _, _, p_less = sign_test(d, "less")
    assert p_less == pytest.approx(st.binomtest(neg, neg + pos, 0.5, alternative="greater").pvalue)
    _, _, p_greater = sign_test(d, "greater")
    assert p_greater == pytest.approx(
        st.binomtest(pos, neg + pos, 0.5, alternative="greater").pvalue
    )
    assert sign_test(np.zeros(5)) == (0, 0, 1.0)


@pytest.mark.parametrize("alt", ["two-sided", "less", "greater"])
def test_wilcoxon_matches_scipy(alt: str) -> None:
    rng = np.random.default_rng(2)
    d = rng.normal(-0.1, 0.5, size=80)
    stat, p = wilcoxon(d, alt)  # type: ignore[arg-type]
    ref = st.wilcoxon(d, alternative=alt)
    assert stat == pytest.approx(ref.statistic)
    assert p == pytest.approx(ref.pvalue)


def test_wilcoxon_all_zero_and_with_ties() -> None:
    assert wilcoxon(np.zeros(10)) == (0.0, 1.0)
    d = np.array([0.0, 0.5, 0.5, -0.5, 1.0, 0.5, 0.0, 1.0, 0.5, 0.5, 0.5, -0.5] * 3)
    _, p = wilcoxon(d)
    assert p == pytest.approx(st.wilcoxon(d, zero_method="wilcox").pvalue)


def test_holm_matches_statsmodels() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        p = rng.random(rng.integers(1, 12)) ** 3
        ref = multipletests(p, method="holm")[1]
        np.testing.assert_allclose(holm(p), ref, rtol=1e-12)
    assert holm([]).size == 0


def test_cluster_means_keep_repeats_together() -> None:
    means, w = cluster_means(
        [1.0, 0.0, 1.0, 1.0], clusters=["a", "a", "b", "b"], weights=[2, 2, 1, 1]
    )
    np.testing.assert_allclose(means, [0.5, 1.0])
    np.testing.assert_allclose(w, [2.0, 1.0])
    with pytest.raises(ValueError, match="same length"):
        cluster_means([1.0, 2.0], clusters=["a"])
    with pytest.raises(ValueError, match="non-negative"):
        cluster_means([1.0], weights=[-1.0])
    with pytest.raises(ValueError, match="one-dimensional"):
        cluster_means([[1.0]])
    assert weighted_mean([1.0, 3.0], [3.0, 1.0]) == pytest.approx(1.5)
    assert np.isnan(weighted_mean([]))


def test_percentile_bootstrap_matches_scipy_bootstrap() -> None:
    rng = np.random.default_rng(4)
    d = rng.normal(0.3, 1.0, size=400)
    ours = bootstrap_ci(d, method="percentile", n_resamples=20_000, seed=5)
    ref = st.bootstrap((d,), np.mean, method="percentile", n_resamples=20_000, random_state=6)
    assert ours.low == pytest.approx(ref.confidence_interval.low, abs=0.02)
    assert ours.high == pytest.approx(ref.confidence_interval.high, abs=0.02)
    assert ours.estimate == pytest.approx(d.mean())


def test_bca_bootstrap_matches_scipy_bootstrap_on_skewed_data() -> None:
    rng = np.random.default_rng(7)
    d = rng.exponential(1.0, size=150) - 1.0
    ours = bootstrap_ci(d, method="bca", n_resamples=20_000, seed=8)
    ref = st.bootstrap((d,), np.mean, method="BCa", n_resamples=20_000, random_state=9)
    assert ours.low == pytest.approx(ref.confidence_interval.low, abs=0.02)
    assert ours.high == pytest.approx(ref.confidence_interval.high, abs=0.02)
    assert ours.acceleration > 0  # right-skewed data


def test_bootstrap_is_seeded_and_validates() -> None:
    d = np.arange(20.0)
    assert bootstrap_ci(d, seed=1).low == bootstrap_ci(d, seed=1).low
    with pytest.raises(ValueError, match="level"):
        bootstrap_ci(d, level=1.5)
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_ci(d, n_resamples=10)
    with pytest.raises(ValueError, match="no observations"):
        bootstrap_ci([])
    with pytest.raises(ValueError, match="unknown bootstrap method"):
        bootstrap_ci(d, method="normal")  # type: ignore[arg-type]


def test_expanded_bootstrap_is_wider_by_sqrt_n_over_n_minus_1() -> None:
    d = np.random.default_rng(3).normal(size=10)
    plain = bootstrap_ci(d, method="percentile", expand=False, seed=1)
    wide = bootstrap_ci(d, method="percentile", seed=1)
    ratio = (wide.high - wide.low) / (plain.high - plain.low)
    assert ratio == pytest.approx(np.sqrt(10 / 9), rel=1e-9)


def test_bootstrap_degenerate_and_single_case() -> None:
    zero = bootstrap_ci(np.zeros(30))
    assert (zero.low, zero.high) == (0.0, 0.0)
    assert zero.p_value(-0.05, "greater") == pytest.approx(1 / 10_001)
    assert zero.p_value(0.0, "greater") == 1.0
    one = bootstrap_ci([0.4])
    assert one.estimate == one.low == one.high == pytest.approx(0.4)


def test_weighted_bootstrap_targets_weighted_mean() -> None:
    rng = np.random.default_rng(10)
    d = np.concatenate([rng.normal(1.0, 0.2, 100), rng.normal(-1.0, 0.2, 100)])
    w = np.concatenate([np.full(100, 9.0), np.full(100, 1.0)])
    res = bootstrap_ci(d, weights=w, seed=1)
    assert res.estimate == pytest.approx(np.average(d, weights=w))
    assert res.low < 0.8 < res.high
    unweighted = bootstrap_ci(d, seed=1)
    assert unweighted.low < 0.0 < unweighted.high


def test_clustered_bootstrap_is_wider_than_naive_for_correlated_repeats() -> None:
    rng = np.random.default_rng(11)
    case_effect = rng.normal(0, 1, 100)
    d = np.repeat(case_effect, 5) + rng.normal(0, 0.1, 500)
    clusters = np.repeat(np.arange(100), 5)
    clustered = bootstrap_ci(d, clusters=clusters, seed=2)
    naive = bootstrap_ci(d, seed=2)
    assert (clustered.high - clustered.low) > 1.8 * (naive.high - naive.low)


def test_bootstrap_p_value_is_consistent_with_the_interval() -> None:
    rng = np.random.default_rng(12)
    d = rng.normal(0.05, 0.3, size=300)
    res = bootstrap_ci(d, level=0.90, seed=3)
    # the 90% two-sided lower bound is the 95% one-sided bound: p(low) ~= 0.05
    assert res.p_value(res.low, "greater") == pytest.approx(0.05, abs=0.004)
    assert res.p_value(res.high, "less") == pytest.approx(0.05, abs=0.004)
    pct = bootstrap_ci(d, level=0.90, method="percentile", seed=3)
    assert pct.p_value(pct.low, "greater") == pytest.approx(0.05, abs=0.004)


def test_noninferiority_direction_and_decisions() -> None:
    rng = np.random.default_rng(13)
    # pass rate equal: not worse by 5 points -> non-inferior
    base = (rng.random(1000) < 0.9).astype(float)
    ni = noninferiority(base - base * (rng.random(1000) < 0.01), margin=0.05)
    assert ni.p_noninferior < 0.01
    assert ni.p_inferior > 0.5
    # latency 30% slower, margin 0.1s: lower is better -> inferior
    lat = rng.normal(0.3, 0.05, 500)
    ni_lat = noninferiority(lat, margin=0.1, direction="lower")
    assert ni_lat.diff == pytest.approx(lat.mean())
    assert ni_lat.low < ni_lat.diff < ni_lat.high
    assert ni_lat.p_inferior < 0.01
    assert ni_lat.p_noninferior > 0.99
    with pytest.raises(ValueError, match="margin"):
        noninferiority(lat, margin=-1)


def _coverage(n_sims: int, method: str) -> float:
    rng = np.random.default_rng(2026)
    covered = 0
    n_cases, repeats = 100, 3
    for s in range(n_sims):
        # clustered, skewed differences: true mean difference is 0.2
        case_effect = rng.gamma(2.0, 0.1, n_cases)
        obs = np.repeat(case_effect, repeats) + rng.normal(0, 0.2, n_cases * repeats)
        res = bootstrap_ci(
            obs,
            clusters=np.repeat(np.arange(n_cases), repeats),
            n_resamples=2000,
            method=method,  # type: ignore[arg-type]
            seed=s,
        )
        covered += res.low <= 0.2 <= res.high
    return covered / n_sims


@pytest.mark.parametrize("method", ["bca", "percentile"])
def test_bootstrap_coverage_by_simulation(method: str) -> None:
    cov = _coverage(300, method)
    assert 0.92 <= cov <= 0.98, cov


def test_bootstrap_speed_10k_by_10k() -> None:
    d = np.random.default_rng(0).normal(size=10_000)
    t0 = time.perf_counter()
    bootstrap_ci(d, n_resamples=10_000, seed=0)
    assert time.perf_counter() - t0 < 10.0  # measured ~1 s; generous for slow CI machines


def test_confidence_sequence_matches_incremental_and_is_nested() -> None:
    rng = np.random.default_rng(14)
    d = rng.choice([-1.0, 0.0, 0.0, 1.0], size=400)
    low, high = confidence_sequence(d, alpha=0.05)
    cs = ConfidenceSequence(alpha=0.05)
    for i, v in enumerate(d):
        lo_i, hi_i = cs.update(float(v))
        assert lo_i == pytest.approx(low[i])
        assert hi_i == pytest.approx(high[i])
    assert np.all(np.diff(low) >= 0)
    assert np.all(np.diff(high) <= 0)
    assert high[-1] - low[-1] < 0.35
    assert cs.n == 400


def test_confidence_sequence_validates() -> None:
    with pytest.raises(ValueError, match="bounds"):
        confidence_sequence([0.5], bounds=(1.0, 0.0))
    with pytest.raises(ValueError, match="within bounds"):
        confidence_sequence([2.0])
    with pytest.raises(ValueError, match="alpha"):
        confidence_sequence([0.0], alpha=2)
    assert confidence_sequence([])[0].size == 0
    with pytest.raises(ValueError, match="outside bounds"):
        ConfidenceSequence().update(3.0)
    with pytest.raises(ValueError, match="bounds"):
        ConfidenceSequence(bounds=(0, 0))
    with pytest.raises(ValueError, match="alpha"):
        ConfidenceSequence(alpha=0)


def test_confidence_sequence_time_uniform_coverage() -> None:
    rng = np.random.default_rng(15)
    misses = 0
    n_sims = 200
    true_mean = 0.1
    for _ in range(n_sims):
        # differences of two Bernoulli arms: mean 0.1
        d = (rng.random(1500) < 0.8).astype(float) - (rng.random(1500) < 0.7).astype(float)
        low, high = confidence_sequence(d, alpha=0.05)
        misses += bool(np.any((low > true_mean) | (high < true_mean)))
    assert misses / n_sims <= 0.05


def test_bootstrap_many_agrees_with_single_metric_bootstrap() -> None:
    rng = np.random.default_rng(20)
    n = 600
    full = rng.normal(0.1, 1.0, n)
    subset = np.where(rng.random(n) < 0.4, rng.normal(-0.2, 0.5, n), np.nan)
    cols = np.column_stack([full, subset, np.full(n, np.nan)])
    many = bootstrap_many(cols, n_resamples=8000, seed=1)
    assert many[2] is None
    a, b = many[0], many[1]
    assert a is not None
    assert b is not None
    ref_a = bootstrap_ci(full, n_resamples=8000, seed=2)
    sub = subset[np.isfinite(subset)]
    ref_b = bootstrap_ci(sub, n_resamples=8000, seed=3)
    assert a.estimate == pytest.approx(full.mean())
    assert b.estimate == pytest.approx(sub.mean())
    for got, ref in ((a, ref_a), (b, ref_b)):
        width = ref.high - ref.low
        assert got.low == pytest.approx(ref.low, abs=0.06 * width)
        assert got.high == pytest.approx(ref.high, abs=0.06 * width)


def test_bootstrap_many_weighted_rare_and_single() -> None:
    n = 500
    col = np.linspace(-1, 1, n)
    w = np.where(col > 0, 4.0, 1.0)
    rare = np.full(n, np.nan)
    rare[:3] = [0.1, 0.2, 0.3]
    single = np.full(n, np.nan)
    single[7] = 0.5
    res = bootstrap_many(np.column_stack([col, rare, single]), w, n_resamples=1000, seed=0)
    r0, r1, r2 = res
    assert r0 is not None
    assert r0.estimate == pytest.approx(np.average(col, weights=w))
    assert r1 is not None
    assert r1.distribution.size == 1000  # fell back to resampling its own cases
    assert np.all(np.isfinite(r1.distribution))
    assert r1.estimate == pytest.approx(np.average([0.1, 0.2, 0.3], weights=w[:3]))
    assert r2 is not None
    assert (r2.low, r2.high) == (0.5, 0.5)
    with pytest.raises(ValueError, match="two-dimensional"):
        bootstrap_many([1.0, 2.0])
    with pytest.raises(ValueError, match="positive"):
        bootstrap_many(np.ones((3, 1)), [1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="level"):
        bootstrap_many(np.ones((3, 1)), level=0)
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_many(np.ones((3, 1)), n_resamples=5)


def test_bootstrap_many_subset_coverage_by_simulation() -> None:
    rng = np.random.default_rng(21)
    covered = np.zeros(2)
    sims = 200
    for s in range(sims):
        n = 150
        a = rng.gamma(2.0, 0.1, n)  # mean 0.2
        b = np.where(rng.random(n) < 0.35, rng.normal(-0.1, 0.3, n), np.nan)  # mean -0.1
        res = bootstrap_many(np.column_stack([a, b]), n_resamples=1000, seed=s)
        for j, true in enumerate((0.2, -0.1)):
            r = res[j]
            assert r is not None
            covered[j] += r.low <= true <= r.high
    cov = covered / sims
    assert np.all((cov >= 0.91) & (cov <= 0.99)), cov
