"""Small inline SVG charts (no JavaScript, no external assets)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["histogram_svg", "interval_svg"]

BASE_COLOR = "#64748b"
CAND_COLOR = "#2563eb"


def _fmt(x: float, unit: str) -> str:
    if unit == "ms":
        return f"{x * 1000:.0f} ms"
    if unit == "$":
        return f"${x:.6f}" if abs(x) < 0.01 else f"${x:.3f}"
    return f"{x:.3g}"


def histogram_svg(
    baseline: Sequence[float],
    candidate: Sequence[float],
    *,
    title: str,
    unit: str = "",
    bins: int = 24,
    width: int = 340,
    height: int = 180,
) -> Markup:
    """Overlaid step histograms of the two arms, with their medians marked."""
    vals = [v for v in [*baseline, *candidate] if math.isfinite(v)]
    if not vals:
        return Markup("")
    lo, hi = min(vals), max(vals)
    if hi == lo:
        hi = lo + (abs(lo) or 1.0)
    pad_l, pad_r, pad_t, pad_b = 8, 8, 42, 30
    w, h = width - pad_l - pad_r, height - pad_t - pad_b

    def counts(xs: Sequence[float]) -> list[int]:
        c = [0] * bins
        for v in xs:
            if math.isfinite(v):
                c[min(bins - 1, int((v - lo) / (hi - lo) * bins))] += 1
        return c

    cb, cc = counts(baseline), counts(candidate)
    n_b, n_c = max(len(baseline), 1), max(len(candidate), 1)
    top = max(max(cb) / n_b, max(cc) / n_c) or 1.0

    def path(c: list[int], n: int) -> str:
        pts = [f"M{pad_l},{pad_t + h}"]
        for i, k in enumerate(c):
            x0 = pad_l + w * i / bins
            x1 = pad_l + w * (i + 1) / bins
            y = pad_t + h - h * (k / n) / top
            pts.append(f"L{x0:.1f},{y:.1f}L{x1:.1f},{y:.1f}")
        pts.append(f"L{pad_l + w},{pad_t + h}Z")
        return "".join(pts)

    def median(xs: Sequence[float]) -> float | None:
        s = sorted(v for v in xs if math.isfinite(v))
        if not s:
            return None
        m = len(s) // 2
        return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{pad_l}" y="15" class="chart-title">{escape(title)}</text>',
        f'<path d="{path(cb, n_b)}" fill="{BASE_COLOR}" fill-opacity="0.25" stroke="{BASE_COLOR}"/>',
        f'<path d="{path(cc, n_c)}" fill="{CAND_COLOR}" fill-opacity="0.25" stroke="{CAND_COLOR}"/>',
        f'<line x1="{pad_l}" y1="{pad_t + h}" x2="{pad_l + w}" y2="{pad_t + h}" stroke="#94a3b8"/>',
        f'<text x="{pad_l}" y="{height - 12}" class="axis">{escape(_fmt(lo, unit))}</text>',
        f'<text x="{pad_l + w}" y="{height - 12}" class="axis" text-anchor="end">'
        f"{escape(_fmt(hi, unit))}</text>",
    ]
    legend: list[str] = []
    for xs, color, label in (
        (baseline, BASE_COLOR, "baseline"),
        (candidate, CAND_COLOR, "candidate"),
    ):
        m = median(xs)
        if m is None:
            continue
        x = pad_l + w * (m - lo) / (hi - lo)
        parts.append(
            f'<line x1="{x:.1f}" y1="{pad_t}" x2="{x:.1f}" y2="{pad_t + h}" stroke="{color}" '
            'stroke-dasharray="3 2"/>'
        )
        legend.append(f'<tspan fill="{color}">{label} {escape(_fmt(m, unit))}</tspan>')
    if legend:
        parts.append(f'<text x="{pad_l}" y="31" class="legend">median: {" · ".join(legend)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def interval_svg(
    diff: float | None,
    low: float | None,
    high: float | None,
    margin: float,
    *,
    direction: str = "higher",
    verdict: str = "INCONCLUSIVE",
    width: int = 140,
    height: int = 22,
) -> Markup:
    """A one-line forest plot: the CI of the difference, zero, and the margin's edge."""
    if diff is None or low is None or high is None:
        return Markup("")
    edge = -margin if direction == "higher" else margin
    span = max(abs(low), abs(high), abs(edge), 1e-12) * 1.15

    def x(v: float) -> float:
        return width / 2 + (width / 2 - 4) * v / span

    color = {"GO": "#16a34a", "NO-GO": "#dc2626"}.get(verdict, "#d97706")
    bad_x0, bad_x1 = (0.0, x(edge)) if direction == "higher" else (x(edge), float(width))
    return Markup(
        f'<svg class="ci" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<rect x="{bad_x0:.1f}" y="0" width="{max(bad_x1 - bad_x0, 0):.1f}" height="{height}" '
        'fill="#fee2e2"><title>worse than the margin</title></rect>'
        f'<line x1="{x(0):.1f}" y1="2" x2="{x(0):.1f}" y2="{height - 2}" stroke="#94a3b8"/>'
        f'<line x1="{x(edge):.1f}" y1="0" x2="{x(edge):.1f}" y2="{height}" stroke="#dc2626" '
        'stroke-dasharray="2 2"/>'
        f'<line x1="{x(low):.1f}" y1="{height / 2}" x2="{x(high):.1f}" y2="{height / 2}" '
        f'stroke="{color}" stroke-width="3" stroke-linecap="round"/>'
        f'<circle cx="{x(diff):.1f}" cy="{height / 2}" r="4" fill="{color}"/>'
        "</svg>"
    )
