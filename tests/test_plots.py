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


# --- journal quality -------------------------------------------------------------------------

def _texts(ax) -> list[str]:
    from matplotlib.text import Text

    ax.figure.draw_without_rendering()
    return [t.get_text() for t in ax.figure.findobj(Text) if t.get_visible() and t.get_text()]


def _forest_table(confidence=None) -> pd.DataFrame:
    t = pd.DataFrame({"scale": ["brs", "brs", "cbi"], "contrast": ["T2 - T1", "T3 - T1", "T3 - T1"],
                      "time_from": ["T1"] * 3, "time_to": ["T2", "T3", "T3"],
                      "d_av": [0.3, -0.02, -0.5], "d_av_ci_low": [0.1, -0.3, -0.8],
                      "d_av_ci_high": [0.5, 0.25, -0.2]})
    return t if confidence is None else t.assign(confidence=confidence)


def test_png_is_300_dpi_and_svg_is_text(scores, tmp_path):
    from PIL import Image

    png, svg = save_figure(plot_trajectories(scores).figure, tmp_path / "t")
    with Image.open(png) as im:
        assert [round(x) for x in im.info["dpi"]] == [300, 300]
    assert "<text" in svg.read_text(encoding="utf-8")  # text stays text (svg.fonttype none)


def test_numbers_use_real_minus_signs_and_estimates_are_typeset():
    ax = plot_forest(_forest_table())
    texts = _texts(ax)
    values = [t for t in texts if "[" in t and "CI" not in t]
    assert "−0.50 [−0.80, −0.20]" in values and not any("-" in v for v in values)
    assert "−0.02 [−0.30, 0.25]" in values
    tick_labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert any(t.startswith("−") for t in tick_labels) and not any(t.startswith("-") for t in tick_labels)
    assert ax.get_xlabel().startswith(r"$d_{\mathrm{av}}$") and "d_av" not in ax.get_xlabel()
    # the pipeline's hand-written label is typeset too
    assert plot_forest(_forest_table(), xlabel="d_av (mean change) with 95% CI").get_xlabel() == \
        r"$d_{\mathrm{av}}$ (mean change) with 95% CI"


@pytest.mark.parametrize("name", ["$x^2$", "50%_a", r"\alpha $", "cost $5 and $6", "a_b_c {x}"])
def test_user_labels_are_shown_literally_and_never_crash(scores, name):
    from matplotlib.cbook import is_math_text

    s = scores.assign(scale=name)
    axes = [plot_trajectories(s, label=name, timepoint_labels={"T1": name}),
            plot_distribution(s, label=name), plot_slopes(s, label=name),
            plot_reliable_change(np.array([1.0, 2, 3]), np.array([2.0, 2, 1]), 0.3, scale_label=name,
                                 time_labels=(name, "T4")),
            plot_forest(_forest_table().assign(scale=name), label_columns=("scale", "contrast")),
            plot_flow(pd.DataFrame({"timepoint": [name], "stage": ["responded"], "detail": [""], "n": [3]}))]
    for ax in axes:
        shown = [t for t in _texts(ax) if name.split()[0].strip("$\\") in t.replace("\\$", "$")]
        assert shown, f"{name!r} is not on the figure"
        for t in shown:
            assert not is_math_text(t) or "$d_" in t, f"{t!r} would be drawn as math"
        ax.figure.draw_without_rendering()  # lays out every text (mathtext parsed) without error


def test_confidence_level_is_said_as_given_never_95():
    ax = plot_forest(_forest_table(confidence=0.9))
    texts = _texts(ax)
    assert any("90% CI" in t for t in texts) and not any("95" in t for t in texts)
    assert any("90% CI" in t for t in _texts(plot_forest(_forest_table(), confidence=0.9)))
    s = pd.DataFrame({"participant_id": list("abcdef") * 2, "timepoint": ["T1"] * 6 + ["T2"] * 6,
                      "score": np.arange(12.0)})
    texts = _texts(plot_trajectories(s, confidence=0.9))
    assert "90% CI of the mean" in texts and not any("95" in t for t in texts)
    with pytest.raises(ParameterError, match="mixes confidence levels"):
        plot_forest(pd.concat([_forest_table(0.9), _forest_table(0.95)]))


def test_favours_cue_points_to_improvement_for_each_scale():
    ax = plot_forest(_forest_table(), direction={"brs": "higher_better", "cbi": "higher_worse"})
    ax.figure.draw_without_rendering()
    zero = ax.transData.transform([[0, 0]])[0, 0]
    cues = {t.get_text(): t.get_window_extent() for t in ax.texts if "improvement" in t.get_text()}
    assert set(cues) == {"improvement →", "← improvement"}
    assert cues["improvement →"].x0 > zero and cues["← improvement"].x1 < zero
    from matplotlib.collections import PathCollection
    from matplotlib.colors import to_rgb

    colours = [tuple(np.round(c.get_facecolor()[0][:3], 3)) for c in ax.collections if isinstance(c, PathCollection)]

    blue, grey = tuple(np.round(to_rgb("#0072B2"), 3)), tuple(np.round(to_rgb("#8C8C8C"), 3))
    assert colours == [blue, grey, blue]  # the burnout fall is an improvement
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["improvement (CI excludes 0)", "CI includes 0"]
    with pytest.raises(ParameterError, match="direction must be one of"):
        plot_forest(_forest_table(), direction={"brs": "up"})
    # the table's own direction column works too, and no direction means no cue
    assert any("improvement" in t.get_text() for t in
               plot_forest(_forest_table().assign(direction="higher_worse")).texts)
    assert not any("improvement" in t.get_text() for t in plot_forest(_forest_table()).texts)


def test_forest_rows_use_timepoint_labels_without_nested_brackets():
    tpl = {"T1": "Baseline", "T2": "After the workshop", "T3": "Follow-up (4-6 weeks)"}
    labels = [t.get_text() for t in plot_forest(_forest_table(), timepoint_labels=tpl).get_yticklabels()]
    assert labels == ["change from Baseline to", "brs", "After the workshop", "Follow-up (4-6 weeks)", "cbi",
                      "Follow-up (4-6 weeks)"]
    mixed = _forest_table().assign(time_from=["T1", "T2", "T1"])
    labels = [t.get_text().replace("\n", " ") for t in plot_forest(mixed, timepoint_labels=tpl).get_yticklabels()]
    assert "Follow-up (4-6 weeks) vs After the workshop" in labels


def test_reliable_change_axes_name_the_scale_and_timepoints():
    pre, post = np.array([1.0, 2, 3, 4]), np.array([3.0, 2, 3, 1])
    ax = plot_reliable_change(pre, post, 0.5, scale_label="Resilience (BRS)", time_labels=("Baseline", "Follow-up"))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Resilience (BRS) at Baseline", "Resilience (BRS) at Follow-up")
    # the older call (scale only on the x label) still names the scale on both axes
    ax = plot_reliable_change(pre, post, 0.5, labels=("Resilience (BRS) at T1", "at T4"))
    assert ax.get_ylabel() == "Resilience (BRS) at T4"


def test_timepoint_labels_with_n_on_a_second_line(scores):
    tpl = {"T1": "Baseline", "T2": "After the workshop", "T3": "Follow-up (4-6 weeks)"}
    for ax in (plot_trajectories(scores, timepoint_labels=tpl), plot_distribution(scores, timepoint_labels=tpl)):
        labels = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
        assert labels == ["Baseline n = 30", "After the workshop n = 25", "Follow-up (4-6 weeks) n = 20"]
    assert [t.get_text() for t in plot_slopes(scores, timepoint_labels=tpl).get_xticklabels()] == \
        ["Baseline", "Follow-up (4-6 weeks)"]


def test_distribution_and_trajectories_share_the_y_range(scores):
    for rng in ((1.0, 5.0), None):
        a = plot_trajectories(scores, score_range=rng).get_ylim()
        b = plot_distribution(scores, score_range=rng).get_ylim()
        assert a == b
    a = plot_trajectories(scores, individual=False).get_ylim()
    assert a == plot_distribution(scores, individual=False).get_ylim()  # data range, not the means


def test_discrete_scores_are_dodged_not_overplotted():
    rng = np.random.default_rng(0)
    s = pd.DataFrame({"participant_id": [f"p{i}" for i in range(80)] * 2, "timepoint": ["T1"] * 80 + ["T2"] * 80,
                      "score": rng.integers(0, 9, 160).astype(float)})
    for ax in (plot_distribution(s), plot_trajectories(s)):
        pts = np.concatenate([c.get_offsets() for c in ax.collections
                              if len(c.get_offsets()) > 10])
        assert len(np.unique(np.round(pts, 6), axis=0)) == len(pts) == 160


def test_reliable_change_ties_share_a_bigger_marker():
    pre = np.array([2.0, 2, 2, 3, 4])
    post = np.array([4.0, 4, 4, 3, 4])
    from matplotlib.collections import PathCollection

    ax = plot_reliable_change(pre, post, 0.3)
    sizes = {tuple(o): s for c in ax.collections if isinstance(c, PathCollection)
             for o, s in zip(np.asarray(c.get_offsets()).tolist(), np.broadcast_to(c.get_sizes(), len(c.get_offsets())),
                             strict=True)}
    assert sizes[(2.0, 4.0)] == 3 * sizes[(3.0, 3.0)]
    assert "3 people" in [t.get_text() for t in ax.get_legend().get_texts()]


# --- figures that scale ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def big():
    from _plot_data import simulate_scores

    return simulate_scores(5000, scales=("brs", "knowledge"))


def test_large_n_draws_aggregates_not_people(big, tmp_path):
    d = big[big["scale"] == "brs"]
    ax = plot_trajectories(d, score_range=(1, 5))
    assert _individual_segments(ax) == 0
    assert all(len(c.get_offsets()) <= 4 for c in ax.collections)
    assert "middle 50% of scores" in [t.get_text() for t in ax.get_legend().get_texts()]
    ax = plot_distribution(d, score_range=(1, 5))
    assert all(len(c.get_offsets()) <= 4 for c in ax.collections)
    ax = plot_slopes(d)
    assert sum(len(c.get_segments()) for c in ax.collections) <= 21 * 21
    for fig_ax in (plot_trajectories(d), plot_distribution(d), plot_slopes(d)):
        svg = save_figure(fig_ax.figure, tmp_path / "f", formats=("svg",))[0]
        assert svg.stat().st_size < 150_000


def test_same_figure_below_the_limit_shows_people_faintly(big):
    d = big[(big["scale"] == "brs") & big["participant_id"].isin(big["participant_id"].unique()[:150])]
    assert _individual_segments(plot_trajectories(d)) > 100
    assert _individual_segments(plot_trajectories(d, max_individual=100)) == 0


def test_dense_reliable_change_is_rasterised_and_light(tmp_path):
    rng = np.random.default_rng(1)
    pre = rng.normal(50, 15, 50_000)
    post = pre + rng.normal(3, 8, 50_000)
    ax = plot_reliable_change(pre, post, 5.0)
    assert any(c.get_rasterized() for c in ax.collections)
    png, svg = save_figure(ax.figure, tmp_path / "rc")
    assert svg.stat().st_size < 600_000
    again = save_figure(plot_reliable_change(pre, post, 5.0).figure, tmp_path / "again")
    assert [p.read_bytes() for p in again] == [png.read_bytes(), svg.read_bytes()]  # rasters too


@pytest.mark.parametrize("kind", ["trajectories", "distribution", "slopes", "reliable_change", "forest", "flow"])
def test_every_figure_type_saves_identical_files(big, tmp_path, kind):
    d = big[big["scale"] == "knowledge"]

    def make():
        if kind == "reliable_change":
            w = d.pivot_table(index="participant_id", columns="timepoint", values="score", observed=True)
            w = w[["T1", "T4"]].dropna()
            return plot_reliable_change(w["T1"].to_numpy(), w["T4"].to_numpy(), 0.4)
        if kind == "forest":
            return plot_forest(_forest_table(0.9), direction={"brs": "higher_better", "cbi": "higher_worse"})
        if kind == "flow":
            return plot_flow(pd.DataFrame({"timepoint": ["T1", "T2"], "stage": ["responded"] * 2,
                                           "detail": ["", ""], "n": [5, 4]}))
        return {"trajectories": plot_trajectories, "distribution": plot_distribution,
                "slopes": plot_slopes}[kind](d)

    a = save_figure(make().figure, tmp_path / "a")
    b = save_figure(make().figure, tmp_path / "b")
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


def test_study_order_comes_from_the_timepoint_labels_when_timepoints_are_plain_strings():
    s = pd.DataFrame({"participant_id": list("abc") * 3, "timepoint": ["T10"] * 3 + ["T2"] * 3 + ["T9"] * 3,
                      "score": np.arange(9.0)})
    tpl = {"T2": "Start", "T9": "Middle", "T10": "End"}
    labels = [t.get_text().split("\n")[0] for t in plot_trajectories(s, timepoint_labels=tpl).get_xticklabels()]
    assert labels == ["Start", "Middle", "End"]


def test_declared_timepoints_without_data_are_left_out_quietly(scores):
    s = scores.assign(timepoint=pd.Categorical(scores["timepoint"].astype(str), ["T0", "T1", "T2", "T3", "T9"],
                                               ordered=True))
    for ax in (plot_trajectories(s), plot_distribution(s)):
        assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["T1", "T2", "T3"]
