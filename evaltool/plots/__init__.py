"""Figures (matplotlib, ``ax=None`` convention, colour-blind-safe, no pyplot state).

Every function takes ``ax=None`` and returns the Axes it drew on (a new pyplot-free Figure
when none is given). Files are written by :func:`save_figure`: PNG at 300 dpi and SVG, with
fixed metadata so that re-running an analysis writes identical files. How the outcome figures
scale to large studies is described in :mod:`evaltool.plots.outcomes`, and the theme heatmap's
in :mod:`evaltool.plots.heatmap` (which returns a Figure: it has a colour bar and a legend of its own). :func:`evaltool.analysis.steps.figures.render` lays each figure
out once and draws it once per file (SVG and PNG).
"""

from ._style import OKABE_ITO, save_figure
from .effects import plot_forest, plot_reliable_change
from .flow import plot_flow
from .outcomes import plot_distribution, plot_slopes, plot_trajectories

__all__ = [
    "OKABE_ITO",
    "plot_distribution",
    "plot_flow",
    "plot_forest",
    "plot_reliable_change",
    "plot_slopes",
    "plot_trajectories",
    "save_figure",
]
