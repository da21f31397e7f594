"""Coding started right after linking (``analysis.steps.qual.start_coding``, issue 16) gives
the tables of coding in the step itself.

The early path forks a process that codes the answers while the statistics run; the step
collects its two tables. Here it is forced on the example study (``EARLY_FROM`` = 0) and
compared, table by table, with the same analysis coding in the step (``EARLY_FROM`` too
large to start). With one CPU the early path is never taken.
"""

from __future__ import annotations

import pytest

from evaltool.analysis import analyse
from evaltool.analysis.steps import qual as Q
from evaltool.examples import example_study_path

_START = Q.start_coding
TABLES = ("codings", "valence", "coding_summary", "code_frequencies", "code_frequencies_by_timepoint",
          "code_matrix", "exemplar_quotes", "code_counts", "quotes", "theme_suggestions", "joint_display")


def _tables(monkeypatch: pytest.MonkeyPatch, early_from: int, started: list[bool]) -> dict:
    def spy(run):  # noqa: ANN001, ANN202
        _START(run)
        started.append("coding" in run.early)

    monkeypatch.setattr(Q, "EARLY_FROM", early_from)
    monkeypatch.setattr(Q, "start_coding", spy)
    from evaltool.analysis import pipeline
    monkeypatch.setattr(pipeline, "STEPS", pipeline._steps())  # the steps read start_coding now
    res = analyse(example_study_path())
    return {name: res[name] for name in TABLES if name in res}


def test_early_coding_gives_the_tables_of_coding_in_the_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALTOOL_JOBS", "2")
    early_started: list[bool] = []
    early = _tables(monkeypatch, 0, early_started)
    late_started: list[bool] = []
    late = _tables(monkeypatch, 10**9, late_started)
    assert early_started == [True] and late_started == [False]
    assert set(early) == set(late) and "codings" in early and len(early["codings"]) > 0
    for name in late:
        assert early[name].equals(late[name]), name
        assert early[name].dtypes.equals(late[name].dtypes), name


def test_no_early_coding_with_one_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALTOOL_JOBS", "1")
    started: list[bool] = []
    _tables(monkeypatch, 0, started)
    assert started == [False]
