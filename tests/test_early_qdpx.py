"""research/free_text.qdpx is started right after coding (evaltool.analysis.write.start_qdpx) in
a lower-priority forked process, written into a hidden staging folder beside the results
folder and moved into research/ by write_results: the same bytes as writing it from the final
results, nothing left beside the folder, and an error or Ctrl-C in a later step stops the
process and removes the staging folder."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing as mp
import os
from pathlib import Path

import pytest

from evaltool import analyse
from evaltool.analysis import pipeline
from evaltool.analysis import write as W
from evaltool.analysis._background import Background
from evaltool.examples import example_study_path

pytestmark = pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="needs fork")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The example analysed into a folder with two CPUs (the .qdpx written early)."""
    mp_env = os.environ.get("EVALTOOL_JOBS")
    os.environ["EVALTOOL_JOBS"] = "2"
    try:
        out = tmp_path_factory.mktemp("early") / "results"
        res = analyse(example_study_path(), out=out)
    finally:
        if mp_env is None:
            os.environ.pop("EVALTOOL_JOBS")
        else:
            os.environ["EVALTOOL_JOBS"] = mp_env
    return res, out


def test_the_early_qdpx_is_the_one_of_the_final_results(written, tmp_path):
    res, out = written
    W._qdpx(res.tables, res.codebook, res.study.name, res.study.groups, tmp_path)
    early = (out / "research" / W.QDPX).read_bytes()
    assert early == (tmp_path / W.QDPX).read_bytes()
    import hashlib

    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert files[f"research/{W.QDPX}"] == hashlib.sha256(early).hexdigest()


def test_nothing_is_left_beside_the_results_folder(written):
    _, out = written
    assert sorted(p.name for p in out.parent.iterdir()) == ["results"]
    assert mp.active_children() == []


def test_serial_run_writes_the_same_file(written, tmp_path, monkeypatch):
    monkeypatch.setenv("EVALTOOL_JOBS", "1")
    _, out = written
    analyse(example_study_path(), out=tmp_path / "serial")
    assert (tmp_path / "serial" / "research" / W.QDPX).read_bytes() == (out / "research" / W.QDPX).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["serial"]


def test_in_memory_analysis_starts_no_qdpx(monkeypatch):
    started = []
    monkeypatch.setattr(W, "_staging", lambda *a: started.append(a))
    analyse(example_study_path())
    assert started == []


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_later_failure_stops_the_qdpx_and_removes_its_staging(tmp_path, monkeypatch, error):
    monkeypatch.setenv("EVALTOOL_JOBS", "2")
    seen: list[tuple[Path, int]] = []

    def failing(run):
        early = run.early["qdpx"]
        assert early.staging.is_dir() and early.staging.parent == tmp_path
        seen.append((early.staging, early.job._proc.pid))
        raise error("a later step failed")

    steps = [dataclasses.replace(s, run=failing) if s.name == "integration" else s for s in pipeline.STEPS]
    monkeypatch.setattr(pipeline, "STEPS", steps)
    with pytest.raises(error, match="later step failed"):
        analyse(example_study_path(), out=tmp_path / "results")
    assert len(seen) == 1
    assert list(tmp_path.iterdir()) == []  # no results folder, no staging folder
    assert mp.active_children() == []


def test_background_after_waits_for_the_other_process(tmp_path, monkeypatch):
    """``after``: the second job starts once the first one's process has ended (Linux pidfd)."""
    import time

    if not hasattr(os, "pidfd_open"):
        pytest.skip("no pidfd")
    monkeypatch.setenv("EVALTOOL_JOBS", "2")
    first_done = tmp_path / "first_done"

    def first():
        time.sleep(1.0)
        first_done.write_text("x")
        return 1

    with Background(first) as a, Background(lambda: first_done.exists(), after=a) as b:
        assert (b.result(), a.result()) == (True, 1)
    assert mp.active_children() == []


def test_background_after_a_collected_process_starts_at_once(monkeypatch):
    monkeypatch.setenv("EVALTOOL_JOBS", "2")
    with Background(lambda: 1) as a:
        assert a.result() == 1
        with Background(lambda: 2, after=a) as b:
            assert b.result() == 2
