"""Every figure type, drawn with awkward inputs, has no overlapping or escaping text and no
legend over data (checked with the renderer's text extents, see ``_figure_layout``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _figure_layout import layout_problems
from _plot_data import scale_table, simulate_scores

from evaltool.plots import (
    plot_distribution,
    plot_flow,
    plot_forest,
    plot_reliable_change,
    plot_slopes,
    plot_trajectories,
)
from evaltool.stats import prepost, reliable_change

LONG_TPS = ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8")
LONG_LABELS = {
    "T1": "Baseline (before the workshop)", "T2": "After the workshop", "T3": "After the coaching call",
    "T4": "Follow-up (4-6 weeks)", "T5": "Follow-up (3 months)", "T6": "Follow-up (6 months)",
    "T7": "One year on", "T8": "Two years on (final survey, $x^2$)",
}
SHORT_LABELS = {"T1": "Baseline", "T2": "After the workshop", "T3": "After the coaching call",
                "T4": "Follow-up (4-6 weeks)"}
MATH_LABEL = "Confidence in coping with adverse events at work this month ($x^2$, 50%_a, \\alpha)"
SIZES = [66, 3000]


def _scores(n: int, timepoints: tuple[str, ...]) -> pd.DataFrame:
    return simulate_scores(n, seed=n, timepoints=timepoints)


def _clean(ax) -> None:
    problems = layout_problems(ax.figure)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("tps", ["four", "eight"])
@pytest.mark.parametrize("scale", ["knowledge", "cbi"])
def test_trajectories_and_distribution_layout(n, tps, scale):
    timepoints = LONG_TPS if tps == "eight" else LONG_TPS[:4]
    labels = LONG_LABELS if tps == "eight" else SHORT_LABELS
    s = _scores(n, timepoints)
    info = scale_table().set_index("scale")
    rng = tuple(info.loc[scale, ["score_min", "score_max"]].astype(float))
    _clean(plot_trajectories(s, scale, label=MATH_LABEL, score_range=rng, confidence=0.9,
                             timepoint_labels=labels))
    _clean(plot_distribution(s, scale, label=MATH_LABEL, score_range=rng, timepoint_labels=labels))
    _clean(plot_slopes(s, scale, label=MATH_LABEL, timepoint_labels=labels, higher_is_better=scale != "cbi"))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("scale", ["brs", "cbi"])
def test_reliable_change_layout(n, scale):
    s = _scores(n, LONG_TPS[:4])
    info = scale_table().set_index("scale")
    rc = reliable_change(s, {scale: 0.8}, baseline="T1", scales=[scale],
                         direction={scale: info.loc[scale, "direction"]})
    sub = rc[rc["time_to"] == "T4"]
    ax = plot_reliable_change(sub["score_from"].to_numpy(), sub["score_to"].to_numpy(),
                              float(sub["se_diff"].iloc[0]), higher_is_better=scale != "cbi",
                              scale_label=MATH_LABEL, time_labels=(LONG_LABELS["T1"], LONG_LABELS["T8"]),
                              cutoff=float(np.median(sub["score_from"])))
    _clean(ax)


@pytest.mark.parametrize("with_direction", [True, False])
def test_forest_layout(with_direction):
    s = _scores(300, LONG_TPS)
    pp = prepost(s, baseline="T1", confidence=0.9)
    info = scale_table().set_index("scale")
    pp = pp.assign(label=[f"{info.loc[x, 'label']} ({MATH_LABEL[:20]}…)" if x == "coping" else info.loc[x, "label"]
                          for x in pp["scale"]])
    ax = plot_forest(pp, label_columns=("label", "contrast"), confidence=0.9,
                     direction=info["direction"].to_dict() if with_direction else None,
                     timepoint_labels=LONG_LABELS)
    _clean(ax)
    texts = [t.get_text() for t in ax.figure.findobj(lambda a: hasattr(a, "get_text"))]
    assert not any("95%" in t for t in texts)


def test_forest_layout_between_timepoints_and_one_label_column():
    s = _scores(200, LONG_TPS[:4])
    pp = prepost(s, contrasts=[("T1", "T2"), ("T2", "T3"), ("T3", "T4")])
    _clean(plot_forest(pp, label_columns=("contrast",), timepoint_labels=LONG_LABELS))
    _clean(plot_forest(pp, timepoint_labels=LONG_LABELS, direction=scale_table().set_index("scale")["direction"]))


def test_flow_layout_and_text_inside_boxes():
    reasons = ["preview or test response (Qualtrics Status)", "duplicate (kept the most complete response)",
               "unfinished response (Qualtrics Finished) that stopped before the second block of questions"]
    rows = []
    for i, t in enumerate(LONG_TPS):
        rows += [{"timepoint": t, "stage": "received", "detail": "", "n": 1000 - i},
                 {"timepoint": t, "stage": "excluded", "detail": reasons[i % 3], "n": 3},
                 {"timepoint": t, "stage": "responded", "detail": "", "n": 990 - 50 * i}]
        if i:
            rows += [{"timepoint": t, "stage": "lost since previous", "detail": LONG_TPS[i - 1], "n": 60},
                     {"timepoint": t, "stage": "returned", "detail": "", "n": 2}]
    ax = plot_flow(pd.DataFrame(rows), timepoint_labels=LONG_LABELS)
    _clean(ax)
    fig = ax.figure
    boxes = [p.get_window_extent() for p in ax.patches]
    for t in ax.texts:
        if not t.get_text():
            continue
        bb = t.get_window_extent()
        assert any(b.x0 <= bb.x0 and bb.x1 <= b.x1 and b.y0 <= bb.y0 and bb.y1 <= b.y1 for b in boxes), \
            f"{t.get_text()!r} runs outside its box"
    assert fig.get_figheight() > 8  # eight timepoints: the figure grew instead of squeezing


def test_the_checker_sees_overlaps_escapes_legends_over_data_and_the_zero_line():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.scatter([0.08, 0.9], [0.95, 0.9], label="points")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left")
    ax.text(0.5, 0.5, "first label")
    ax.text(0.52, 0.5, "second label")
    ax.text(0.95, 0.1, "runs off the right edge of the figure")
    ax.axvline(0.55)
    problems = "\n".join(layout_problems(fig))
    assert "'first label' overlaps 'second label'" in problems
    assert "leaves the figure" in problems
    assert "the legend covers 1 data point(s)" in problems
    assert "'second label' is crossed by the line at x = 0.55" in problems
