"""The figures step's rendering (issue 16): each figure drawn once, in forked workers when there
are several, with the serial bytes; a figure kept under two names is drawn once; a figure that
fails is a note, not a stop."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from evaltool.analysis.steps import figures as step


@dataclass
class _Run:
    figures: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def soft_failure(self, what: str, exc: BaseException) -> None:
        self.notes.append(f"{what}: {type(exc).__name__}")


def _line(k: int):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(range(k + 2), [(i * k) % 5 for i in range(k + 2)])
    ax.set_title(f"figure {k}")
    return ax


def _queue() -> step._Queue:
    q = step._Queue()
    for k in range(4):
        q.draw(f"f{k}", f"caption {k}", lambda k=k: _line(k), scale="s")
    q.copy_of("f0_copy", "f0", "the same figure", shareable=False)
    q.draw("broken", "never drawn", lambda: 1 / 0)
    return q


@pytest.mark.parametrize("parallel", [False, True])
def test_every_figure_once_in_order_copies_and_failures(parallel: bool, monkeypatch) -> None:
    monkeypatch.setenv("EVALTOOL_JOBS", "2" if parallel else "1")
    monkeypatch.setattr(step, "PARALLEL_FROM", 2)
    run = _Run()
    step._render_all(run, _queue())  # type: ignore[arg-type]
    assert list(run.figures) == ["f0", "f1", "f2", "f3", "f0_copy"]
    assert run.notes == ["figure 'broken': ZeroDivisionError"]
    a, b = run.figures["f0"], run.figures["f0_copy"]
    assert (a.svg, a.png, a.scale) == (b.svg, b.png, b.scale) and a.shareable and not b.shareable
    assert b.caption == b.alt == "the same figure" and "figure 0" in a.svg and "figure 3" in run.figures["f3"].svg


def test_workers_give_the_serial_bytes(monkeypatch) -> None:
    monkeypatch.setattr(step, "PARALLEL_FROM", 2)
    out = []
    for jobs in ("1", "2"):
        monkeypatch.setenv("EVALTOOL_JOBS", jobs)
        run = _Run()
        step._render_all(run, _queue())  # type: ignore[arg-type]
        out.append({k: (f.svg, f.png) for k, f in run.figures.items()})
    assert out[0] == out[1]


def _trajectories():
    import pandas as pd

    from evaltool.plots import plot_trajectories

    s = pd.DataFrame({"participant_id": [f"p{i}" for i in range(30) for _ in range(3)],
                      "timepoint": ["T1", "T2", "T3"] * 30, "scale": "brs",
                      "score": [2.0 + (i * 7 + t) % 9 / 3 for i in range(30) for t in range(3)]})
    return plot_trajectories(s, label="Brief Resilience Scale score (higher: more resilient)",
                             timepoint_labels={"T1": "Baseline", "T2": "After the workshop",
                                               "T3": "Follow-up (4-6 weeks)"})


def test_png_is_matplotlibs_own_pixels_at_300_dpi() -> None:
    """The figures' PNG encoder (evaltool.plots._png) writes exactly the pixels matplotlib's own
    PNG writer would, at the same crop and resolution, with the fixed metadata."""
    import io

    import numpy as np
    from PIL import Image

    from evaltool.plots._style import _metadata, freeze_layout, style

    fig = step.render(_trajectories(), "t", "caption")
    ref = _trajectories().figure
    with style():
        bbox = freeze_layout(ref, 300)
        buf = io.BytesIO()
        ref.savefig(buf, format="png", dpi=300, bbox_inches=bbox, metadata=_metadata("png"))
    with Image.open(io.BytesIO(fig.png)) as ours, Image.open(buf) as theirs:
        assert ours.size == theirs.size and round(ours.info["dpi"][0]) == 300
        assert ours.info["Software"] == "evaltool"
        assert np.array_equal(np.asarray(ours.convert("RGBA")), np.asarray(theirs.convert("RGBA")))
    assert fig.svg.startswith("<svg") and "Baseline" in fig.svg


def test_rendering_leaves_the_collector_as_it_was() -> None:
    import gc

    assert gc.isenabled()
    out = step._render_batch([step._Pending("t", "c", _trajectories), step._Pending("x", "c", lambda: 1 / 0)])
    assert isinstance(out[0], step.Figure) and out[1] == "ZeroDivisionError"
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_wrap_to_width_is_the_word_by_word_greedy() -> None:
    """Bisection finds the same lines as growing each line one word at a time."""
    import random

    from evaltool.plots._layout import text_width_pt, wrap_to_width

    def greedy(text: str, width: float, size: float, weight: str) -> str:
        out = []
        for para in text.split("\n"):
            line = ""
            for w in para.split(" "):
                trial = f"{line} {w}" if line else w
                if line and text_width_pt(trial, size, weight=weight) > 0.97 * width:
                    out.append(line)
                    line = w
                else:
                    line = trial
            out.append(line)
        return "\n".join(out)

    rng = random.Random(7)
    words = ["the", "Brief", "Resilience", "Scale", "(BRS)", r"$d_{\mathrm{av}}$", "95%", "CI", "n = 1,234",
             "→", "Follow-up", "(4-6", "weeks)", "", "x", "Wellbeing-and-burnout", "supercalifragilistic"]
    for _ in range(400):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 25)))
        text = text.replace(" ", "\n", 1) if rng.random() < 0.2 else text
        width, size, weight = rng.uniform(20, 400), rng.choice([8.0, 9.0, 11.0]), rng.choice(["normal", "bold"])
        assert wrap_to_width(text, width, size, weight=weight) == greedy(text, width, size, weight), text
