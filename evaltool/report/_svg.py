"""A small inline SVG for cohort reports: a cohort's means with intervals beside everyone's.

Written directly as a few lines of SVG (no plotting library), so thousands of cohort reports
stay fast and light. Only group summaries are drawn: no individual points or lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["means_svg"]

_BLUE = "#0072B2"
_GREY = "#8C8C8C"
MINUS = "\u2212"


def _fmt(v: float) -> str:
    s = f"{v:g}"
    return s.replace("-", MINUS)


def means_svg(levels: Sequence[str], cohort: dict[str, tuple[float, float, float]],
              everyone: dict[str, tuple[float, float, float]], *, score_range: tuple[float, float],
              cohort_name: str, scale_label: str, level: str) -> str:
    """SVG text: one column per timepoint label; a blue point-and-interval for the cohort and
    a grey one for everyone. ``cohort``/``everyone`` map label → (mean, ci_low, ci_high);
    hidden or missing values are simply absent.

    Examples
    --------
    >>> svg = means_svg(["Baseline", "After"], {"After": (6.0, 5.0, 7.0)}, {"Baseline": (5.0, 4.5, 5.5),
    ...                 "After": (6.5, 6.0, 7.0)}, score_range=(0, 10), cohort_name="C03",
    ...                 scale_label="Confidence", level="95%")
    >>> svg.startswith("<svg") and "C03" in svg and svg.count("<circle") == 3 + 2  # 3 means, 2 in the key
    True
    """
    w, h = 520, 240
    left, right, top, bottom = 64, 16, 34, 40
    lo, hi = float(score_range[0]), float(score_range[1])
    if not hi > lo:
        hi = lo + 1.0
    n = max(len(levels), 1)
    step = (w - left - right) / n

    def x(i: int, shift: float) -> float:
        return left + step * (i + 0.5) + shift

    def y(v: float) -> float:
        return top + (h - top - bottom) * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
             f'role="img" font-family="sans-serif" font-size="11">',
             f'<title>{escape(scale_label)}: average with {escape(level)} interval at each survey, '
             f'{escape(cohort_name)} (blue) and all participants (grey)</title>']
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        yy = y(v)
        parts.append(f'<line x1="{left}" x2="{w - right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#E5E5E5"/>')
        parts.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" fill="#444">{_fmt(round(v, 2))}</text>')
    for i, lab in enumerate(levels):
        parts.append(f'<text x="{x(i, 0):.1f}" y="{h - bottom + 16}" text-anchor="middle" fill="#222">'
                     f'{escape(lab)}</text>')
    for vals, colour, shift in ((everyone, _GREY, 7.0), (cohort, _BLUE, -7.0)):
        pts = [(i, vals[lab]) for i, lab in enumerate(levels) if lab in vals]
        if len(pts) > 1:
            path = " ".join(f"{x(i, shift):.1f},{y(m):.1f}" for i, (m, _, _) in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, (m, a, b) in pts:
            if a == a and b == b:  # not NaN
                parts.append(f'<line x1="{x(i, shift):.1f}" x2="{x(i, shift):.1f}" y1="{y(a):.1f}" y2="{y(b):.1f}" '
                             f'stroke="{colour}" stroke-width="2"/>')
            parts.append(f'<circle cx="{x(i, shift):.1f}" cy="{y(m):.1f}" r="4.5" fill="{colour}"/>')
    parts.append(f'<circle cx="{left + 6}" cy="14" r="4.5" fill="{_BLUE}"/>'
                 f'<text x="{left + 16}" y="18" fill="#222">{escape(cohort_name)}</text>')
    lx = left + 28 + 7 * len(cohort_name)
    parts.append(f'<circle cx="{lx}" cy="14" r="4.5" fill="{_GREY}"/>'
                 f'<text x="{lx + 10}" y="18" fill="#222">all participants</text>')
    parts.append("</svg>")
    return "".join(parts)
