"""write_results writes research/ in a forked process (evaltool.analysis._background): the value
comes back, a failure is raised in the caller with its own message, and an error or Ctrl-C in
the caller stops the child before the atomic folder is removed (nothing written after it)."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from pathlib import Path

import pytest

from evaltool.analysis._background import Background

pytestmark = pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="needs fork")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def test_value_comes_back_from_the_child(monkeypatch):
    monkeypatch.setenv("EVALTOOL_JOBS", "2")
    with Background(lambda: (os.getpid(), [1, "two"])) as bg:
        pid, value = bg.result()
    assert value == [1, "two"] and pid != os.getpid()
    assert mp.active_children() == []


def test_serial_with_one_job(monkeypatch):
    monkeypatch.setenv("EVALTOOL_JOBS", "1")
    with Background(os.getpid) as bg:
        assert bg.result() == os.getpid()


def test_a_failing_job_raises_its_own_error_in_the_caller(monkeypatch):
    monkeypatch.setenv("EVALTOOL_JOBS", "2")
    where = []

    def job():
        where.append(os.getpid())  # the child's append is not seen here
        raise ValueError("the research workbook failed")

    with pytest.raises(ValueError, match="research workbook failed"), Background(job) as bg:
        bg.result()
    assert where == [os.getpid()]  # raised by the rerun in the caller


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_leaving_early_stops_the_child_before_it_writes(tmp_path, monkeypatch, error):
    monkeypatch.setenv("EVALTOOL_JOBS", "2")
    late = tmp_path / "written_after_the_error.txt"

    def job():
        time.sleep(3)
        late.write_text("too late")

    with pytest.raises(error), Background(job) as bg:
        pid = bg._proc.pid
        raise error()
    assert not _alive(pid)
    time.sleep(3.5)
    assert not late.exists()


def test_write_results_leaves_nothing_when_interrupted_while_research_is_written(tmp_path, monkeypatch):
    """Ctrl-C in the main process while the child writes research/: no results folder, no
    temporary folder, no child left."""
    from evaltool import analyse
    from evaltool.analysis import write as W
    from evaltool.examples import example_study_path
    from evaltool.study import load_study

    monkeypatch.setenv("EVALTOOL_JOBS", "2")
    res = analyse(example_study_path())
    started = tmp_path / "research_started"
    research = W._research

    def slow_research(*args):
        started.write_text("x")
        time.sleep(2)
        return research(*args)

    def interrupted(*args):
        while not started.exists():
            time.sleep(0.05)
        raise KeyboardInterrupt

    monkeypatch.setattr(W, "_research", slow_research)
    monkeypatch.setattr(W, "_tables", interrupted)
    out = tmp_path / "out" / "results"
    out.parent.mkdir()
    with pytest.raises(KeyboardInterrupt):
        W.write_results(res, load_study(example_study_path()), out)
    assert mp.active_children() == []
    time.sleep(2.5)
    assert list(out.parent.iterdir()) == []
