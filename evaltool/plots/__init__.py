"""Figures (matplotlib, ``ax=None`` convention, colour-blind-safe, no pyplot state)."""

from ._style import OKABE_ITO, save_figure
from .effects import plot_flow, plot_forest, plot_reliable_change
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
