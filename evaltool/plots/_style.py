"""Shared look of evaltool figures: colour-blind-safe palette, clean axes, no pyplot state."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Okabe & Ito (2008) colour-blind-safe palette
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, YELLOW, BLACK = OKABE_ITO
GREY = "#8C8C8C"
LIGHT = "#D9D9D9"

RC: dict[RcKeyType, Any] = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.8,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "figure.dpi": 100,
    # raster layers inside SVG/PDF (dense point clouds) at 150 dpi keep vector files light;
    # save_figure writes PNG at PNG_DPI
    "savefig.dpi": 150,
    "svg.fonttype": "none",
    "svg.hashsalt": "evaltool",
    "axes.unicode_minus": True,  # tick labels with U+2212, never a hyphen
    "text.parse_math": True,  # evaltool's own markup only: user text goes through _text.escape
}

PNG_DPI = 300  # journals ask for 300 dpi or more
# layers with more elements than this are rasterised in vector files (SVG stays light)
RASTERIZE_ABOVE = 500


@contextmanager
def style() -> Any:
    """Apply evaltool's rc settings for the duration of a plotting call."""
    import matplotlib as mpl

    with mpl.rc_context(RC):
        yield


def new_axes(ax: Any = None, *, figsize: tuple[float, float] = (6.0, 4.0)) -> Any:
    """Return ``ax`` or a fresh Axes on a new (pyplot-free) Figure."""
    if ax is not None:
        return ax
    with style():
        return new_figure(figsize=figsize, layout="constrained").add_subplot()


def new_figure(**kwargs: Any) -> Any:
    """A pyplot-free Figure on an Agg canvas: every layout pass and text measurement reuses the
    canvas's one renderer (and the text sizes it has cached) instead of making a renderer of
    the figure's size for each."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Any, path_stem: Any, formats: tuple[str, ...] = ("png", "svg")) -> list[Any]:
    """Save a Figure as PNG and SVG next to each other; returns the paths written.

    Parameters
    ----------
    fig
        A matplotlib Figure.
    path_stem
        Path without extension; each format's extension is added.
    formats
        File formats to write.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``. PNG (and other bitmaps) at 300 dpi;
        SVG and PDF as vectors, with any dense layer that was rasterised at 150 dpi. Metadata
        are fixed (no date, fixed SVG ids), so re-running an analysis writes identical files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from evaltool.plots import plot_trajectories
    >>> s = pd.DataFrame({"participant_id": ["a", "a", "b", "b"], "timepoint": ["T1", "T2"] * 2,
    ...                   "scale": "brs", "score": [3.0, 3.5, 2.5, 3.2]})
    >>> paths = save_figure(plot_trajectories(s).figure, pathlib.Path(tempfile.mkdtemp()) / "brs")
    >>> [p.name for p in paths]
    ['brs.png', 'brs.svg']
    """
    from pathlib import Path

    from ._png import figure_png

    stem = Path(path_stem)
    out = []
    engine = fig.get_layout_engine()
    with style():
        bbox = freeze_layout(fig, PNG_DPI)
        try:
            for fmt in formats:
                p = stem.with_suffix("." + fmt)
                bitmap = fmt in ("png", "jpg", "jpeg", "tif", "tiff", "webp")
                if fmt == "png":
                    p.write_bytes(figure_png(fig, dpi=PNG_DPI, bbox_inches=bbox, text=_metadata(fmt)))
                else:
                    fig.savefig(p, format=fmt, bbox_inches=bbox, metadata=_metadata(fmt),
                                **({"dpi": PNG_DPI} if bitmap else {}))
                out.append(p)
        finally:
            fig.set_layout_engine(engine)  # the caller's figure lays itself out again when changed
    return out


def freeze_layout(fig: Any, dpi: float = PNG_DPI) -> Any:
    """Lay ``fig`` out once and fix it there; returns its tight bounding box (inches, padded).

    ``savefig(bbox_inches="tight")`` lays a constrained-layout figure out again, and measures
    every text again, for each file it writes. Laid out once here (at ``dpi``, the PNG's: text
    is measured as finely as the PNG shows it) and saved with this box and no layout engine,
    each format only renders: laid out once, drawn once per file, the same crop in both.
    """
    import matplotlib as mpl

    old = fig.dpi
    fig.dpi = dpi
    try:
        lay_out(fig)
        bbox = fig.get_tightbbox().padded(mpl.rcParams["savefig.pad_inches"])
    finally:
        fig.dpi = old
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)
    return bbox


def lay_out(fig: Any) -> None:
    """Place the axes as drawing ``fig`` would (its layout engine measures every text), without
    drawing it: what a layout pass needs before it reads positions and text extents."""
    engine = fig.get_layout_engine()
    if engine is not None and fig.axes:
        engine.execute(fig)


def _metadata(fmt: str) -> dict[str, Any]:
    # fixed metadata so that re-running an analysis writes identical figure files
    if fmt == "svg":
        return {"Date": None, "Creator": "evaltool"}
    if fmt == "png":
        return {"Software": "evaltool"}
    return {}
