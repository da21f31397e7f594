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
