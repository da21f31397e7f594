"""Figures: ax=None convention, no pyplot state, deterministic files, privacy option."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from evaltool.errors import ParameterError
from evaltool.plots import (
    plot_distribution,
    plot_flow,
    plot_forest,
    plot_reliable_change,
    plot_slopes,
    plot_trajectories,
    save_figure,
)


@pytest.fixture
def scores():
    rng = np.random.default_rng(3)
    ids = [f"P{i:03d}" for i in range(30)]
    rows = []
    for t, shift in (("T1", 0.0), ("T2", 0.4), ("T3", 0.5)):
        for p in ids[: 30 - 5 * ("T1 T2 T3".split().index(t))]:
            rows.append({"participant_id": p, "timepoint": t, "scale": "brs",
                         "score": float(np.clip(3 + shift + rng.normal(0, 0.6), 1, 5))})
    df = pd.DataFrame(rows)
    df["timepoint"] = pd.Categorical(df["timepoint"], ["T1", "T2", "T3"], ordered=True)
    return df


def test_functions_return_axes_on_new_figure_without_pyplot(scores):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    for ax in (plot_trajectories(scores), plot_slopes(scores), plot_distribution(scores)):
        assert isinstance(ax, Axes) and isinstance(ax.figure, Figure)
    assert plt.get_fignums() == before


def test_draws_on_given_axes(scores):
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_trajectories(scores, ax=ax) is ax


def _individual_segments(ax) -> int:
    from matplotlib.collections import LineCollection

    return sum(len(c.get_segments()) for c in ax.collections
               if isinstance(c, LineCollection) and c.get_label() != "_nolegend_" and len(c.get_segments()) > 3)


def test_cohort_level_only_has_no_individual_points(scores):
    ax = plot_trajectories(scores, individual=False)
    n_tp = 3
    assert len(ax.lines) <= 3  # the mean line and the two error-bar cap lines
    assert all(len(line.get_xdata()) <= n_tp for line in ax.lines)
    assert all(len(c.get_offsets()) <= n_tp for c in ax.collections if hasattr(c, "get_offsets"))
    assert _individual_segments(ax) == 0
    # one line per participant with two or more scores (five were seen only at T1)
    assert _individual_segments(plot_trajectories(scores, individual=True)) == 25
    assert not any(len(c.get_offsets()) > n_tp for c in plot_distribution(scores, individual=False).collections)


def test_small_timepoints_suppressed(scores):
    ax = plot_trajectories(scores, individual=False, min_n=22)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[2] == "T3\nn < 22"
    y = ax.lines[0].get_ydata()
    assert np.isnan(y[2]) and not np.isnan(y[0])


def test_slopes_pair_by_id_not_row_order(scores):
    shuffled = scores.sample(frac=1, random_state=1)
    a = plot_slopes(scores, time_from="T1", time_to="T2").get_title(loc="left")
    b = plot_slopes(shuffled, time_from="T1", time_to="T2").get_title(loc="left")
    assert a == b and a.startswith("25 pairs")


def test_forest_and_flow_and_jt():
    t = pd.DataFrame({"scale": ["a", "b"], "contrast": ["T2 - T1"] * 2, "d_av": [0.5, -0.1],
                      "d_av_ci_low": [0.2, -0.4], "d_av_ci_high": [0.8, 0.2]})
    assert [x.get_text() for x in plot_forest(t).get_yticklabels()] == ["a", "T2 − T1", "b", "T2 − T1"]
    with pytest.raises(ParameterError, match="no column 'd_z'"):
        plot_forest(t, estimate="d_z")
    ax = plot_reliable_change(np.array([1.0, 2, 3, 4]), np.array([3.0, 2, 3, 1]), 0.5, higher_is_better=True)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "improved: 1 (25%)" in texts and "deteriorated: 1 (25%)" in texts
    f = pd.DataFrame({"timepoint": ["T1", "T2"], "stage": ["responded", "responded"], "detail": ["", ""], "n": [5, 4]})
    assert plot_flow(f).get_title(loc="left") == "Participant flow"


def test_unknown_scale_is_a_clear_error(scores):
    with pytest.raises(ParameterError, match="no scale 'cbi'"):
        plot_trajectories(scores, "cbi")


def test_saved_files_are_deterministic(scores, tmp_path):
    a = save_figure(plot_distribution(scores).figure, tmp_path / "a")
    b = save_figure(plot_distribution(scores).figure, tmp_path / "b")
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes()
