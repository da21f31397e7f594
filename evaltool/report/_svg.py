"""A small inline SVG for cohort reports: a cohort's means with intervals beside everyone's.

Written directly as a few lines of SVG (no plotting library), so thousands of cohort reports
stay fast and light. Only group summaries are drawn: no individual points or lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from html import escape

__all__ = ["means_svg"]

_BLUE = "#0072B2"
_GREY = "#8C8C8C"
MINUS = "\u2212"


def _fmt(v: float) -> str:
    s = f"{v:g}"
    return s.replace("-", MINUS)


def _lines(label: str, width: int) -> list[str]:
    """A label broken into at most two lines of about ``width`` characters, at spaces (before a
    bracket when the two halves fit)."""
    head, sep, rest = label.partition(" (")
    if sep and len(label) > width and len(head) <= width and len(rest) + 1 <= width:
        return [head, "(" + rest]
    words, lines = label.split(), [""]
    for w in words:
        if lines[-1] and len(lines[-1]) + 1 + len(w) > width and len(lines) < 2:
            lines.append(w)
        else:
            lines[-1] = f"{lines[-1]} {w}".strip()
    return lines


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
    lo, hi = float(score_range[0]), float(score_range[1])
    if not hi > lo:
        hi = lo + 1.0
    g = _Geometry(len(levels), lo, hi)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" '
             f'role="img" font-family="sans-serif" font-size="11">',
             f'<title>{escape(scale_label)}: average with {escape(level)} interval at each survey, '
             f'{escape(cohort_name)} (blue) and all participants (grey)</title>',
             _shared_part(tuple(levels), tuple(everyone.items()), lo, hi)]
    _series(parts, g, levels, cohort, _BLUE, -7.0)
    parts.append(f'<circle cx="{_LEFT + 6}" cy="14" r="4.5" fill="{_BLUE}"/>'
                 f'<text x="{_LEFT + 16}" y="18" fill="#222">{escape(cohort_name)}</text>')
    lx = _LEFT + 28 + 7 * len(cohort_name)
    parts.append(f'<circle cx="{lx}" cy="14" r="4.5" fill="{_GREY}"/>'
                 f'<text x="{lx + 10}" y="18" fill="#222">all participants</text>')
    parts.append("</svg>")
    return "".join(parts)


_W, _H = 520, 250
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 16, 34, 50


class _Geometry:
    """Where a timepoint's column and a score fall in the figure."""

    def __init__(self, n_levels: int, lo: float, hi: float) -> None:
        self.lo, self.hi = lo, hi
        self.step = (_W - _LEFT - _RIGHT) / max(n_levels, 1)

    def x(self, i: int, shift: float) -> float:
        return _LEFT + self.step * (i + 0.5) + shift

    def y(self, v: float) -> float:
        lo, hi = self.lo, self.hi
        return _TOP + (_H - _TOP - _BOTTOM) * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))


def _series(parts: list[str], g: _Geometry, levels: Sequence[str], vals: dict[str, tuple[float, float, float]],
            colour: str, shift: float) -> None:
    """One group's means (joined by a line) with their intervals."""
    x, y = g.x, g.y
    pts = [(i, vals[lab]) for i, lab in enumerate(levels) if lab in vals]
    if len(pts) > 1:
        path = " ".join(f"{x(i, shift):.1f},{y(m):.1f}" for i, (m, _, _) in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for i, (m, a, b) in pts:
        if a == a and b == b:  # not NaN
            parts.append(f'<line x1="{x(i, shift):.1f}" x2="{x(i, shift):.1f}" y1="{y(a):.1f}" y2="{y(b):.1f}" '
                         f'stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<circle cx="{x(i, shift):.1f}" cy="{y(m):.1f}" r="4.5" fill="{colour}"/>')


@lru_cache(maxsize=256)
def _shared_part(levels: tuple[str, ...], everyone: tuple[tuple[str, tuple[float, float, float]], ...],
                 lo: float, hi: float) -> str:
    """The grid, the axis labels and everyone's series: the same in every cohort's figure of a
    scale, so drawn once per run."""
    g = _Geometry(len(levels), lo, hi)
    parts = []
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        yy = g.y(v)
        parts.append(f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#E5E5E5"/>')
        parts.append(f'<text x="{_LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end" fill="#444">{_fmt(round(v, 2))}</text>')
    width = max(int(g.step / 6.4), 6)
    for i, lab in enumerate(levels):
        spans = "".join(f'<tspan x="{g.x(i, 0):.1f}" dy="{0 if j == 0 else 13}">{escape(line)}</tspan>'
                        for j, line in enumerate(_lines(lab, width)))
        parts.append(f'<text x="{g.x(i, 0):.1f}" y="{_H - _BOTTOM + 16}" text-anchor="middle" fill="#222">'
                     f'{spans}</text>')
    mid = _TOP + (_H - _TOP - _BOTTOM) / 2
    parts.append(f'<text x="14" y="{mid:.1f}" text-anchor="middle" fill="#444" '
                 f'transform="rotate(-90 14 {mid:.1f})">Average score</text>')
    _series(parts, g, levels, dict(everyone), _GREY, 7.0)
    return "".join(parts)
