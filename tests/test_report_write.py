"""Writing all the reports of a run (issue 16): one reading of the results shared by every report,
the study report and its Word tables written beside the cohort reports in forked workers, and
every file the same as the reports built one by one."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from _report_fixtures import cohort_html, example_results, study_html

from evaltool.report._context import make_ctx, sharing, table
from evaltool.report.model import TextTable


def _docx_parts(path: Path) -> dict[str, bytes]:
    """A Word file's parts (the zip's timestamps aside)."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_parallel_write_gives_the_serial_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Study report, Word tables and cohort reports from forked workers: the same files, in the
    same order of paths, as written one after the other, and each report the one built alone."""
    import evaltool.report.cohort as cohort_mod
    from evaltool.report import write_reports

    res = example_results()
    monkeypatch.setattr(cohort_mod, "PARALLEL_FROM", 10_000)
    serial = write_reports(res, tmp_path / "serial")
    monkeypatch.setattr(cohort_mod, "PARALLEL_FROM", 1)  # fork even for the example's 8 cohorts
    monkeypatch.setenv("EVALTOOL_JOBS", "2")
    forked = write_reports(res, tmp_path / "forked")
    assert list(forked) == list(serial) == ["study", "docx", *[k for k in serial if k.startswith("cohort:")], "index"]
    for key, path in serial.items():
        other = forked[key]
        assert other.relative_to(tmp_path / "forked") == path.relative_to(tmp_path / "serial")
        if path.suffix == ".docx":
            assert _docx_parts(other) == _docx_parts(path)
        else:
            assert other.read_bytes() == path.read_bytes(), key
    assert serial["study"].read_text(encoding="utf-8") == study_html()
    assert serial["cohort:C03"].read_text(encoding="utf-8") == cohort_html("C03")


def test_sharing_reads_each_table_once_and_hands_out_copies() -> None:
    """Within sharing() a table is read once; changing a copy changes neither the next reader's
    copy nor the results; outside the block nothing is kept."""
    res = example_results()
    with sharing(res):
        first = table(res, "cohort_scales")
        assert first is not None
        before = first.copy()
        first["mean"] = -1.0
        first.loc[first.index[0], "scale"] = "changed"
        again = table(res, "cohort_scales")
        assert again is not None and again is not first
        pd.testing.assert_frame_equal(again, before)
        assert make_ctx(res) is make_ctx(res)
        with sharing(res):  # nested: the outer block's reading
            assert make_ctx(res) is make_ctx(res)
    assert make_ctx(res) is not make_ctx(res)
    assert "changed" not in set(res.tables["cohort_scales"]["scale"].astype(str))


def test_text_table_frame_is_the_frame_of_its_rows() -> None:
    rows = [{"Survey": "Baseline", "Cohort C01: people": "12", "All participants: people": "66"},
            {"Survey": "After the workshop", "Cohort C01: people": "hidden", "All participants: people": "60"}]
    t = TextTable.of(rows, caption="c", note="n")
    pd.testing.assert_frame_equal(t.frame, pd.DataFrame(rows))
    assert t.display_rows() == (list(rows[0]), [list(r.values()) for r in rows])
    assert TextTable.of([]).frame.shape == (0, 0) and TextTable.of([]).display_rows() == ([], [])
