"""`evaltool init` drafts study files that `evaltool validate` accepts without edits; broken
inputs give one clear message, exit code 1, no traceback, nothing written next to the inputs."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from evaltool.cli import app
from evaltool.examples import example_study_dir
from evaltool.study import link_study, load_study

runner = CliRunner()


@pytest.fixture
def study_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "study"
    shutil.copytree(example_study_dir(), dst)
    return dst


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_init_qualtrics_then_validate_without_edits(study_copy, tmp_path):
    waves = sorted((study_copy / "qualtrics").glob("T*.csv"))
    draft = study_copy / "draft.yaml"
    res = runner.invoke(app, ["init", *map(str, waves), "--out", str(draft)])
    assert res.exit_code == 0, res.output
    spec = yaml.safe_load(draft.read_text())
    assert [t["id"] for t in spec["timepoints"]] == ["T1", "T2", "T3", "T4"]
    assert [e["file"] for e in spec["exports"]] == [f"qualtrics/{w.name}" for w in waves]
    assert {i["id"] for i in spec["instruments"]} == {"brs", "cbi", "coping_confidence", "resilience_knowledge"}
    assert spec["participant_id"]["column"] == "Q_PID"
    assert {g["name"] for g in spec["groups"]} == {"cohort", "profession"}
    assert len(spec["free_text"]) == 5
    out = tmp_path / "checks"
    res = runner.invoke(app, ["validate", str(draft), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "T1 66" in res.output and "T4 32" in res.output  # the T4 near miss is held back
    linked = link_study(draft)
    assert linked.counts["participants_at_T1"] == 66
    assert linked.counts["participants_at_T4"] == 32
    text = draft.read_text()
    assert text.index("Check these guesses first") > text.index("analysis:")
    assert "by structure only" in text  # BRS wording is not shipped: named, and said to be risky


def test_init_redcap_with_dictionary_then_validate(study_copy, tmp_path):
    data = study_copy / "redcap" / "resilience_study_redcap.csv"
    dic = study_copy / "redcap" / "resilience_study_dictionary.csv"
    draft = study_copy / "draft_redcap.yaml"
    res = runner.invoke(app, ["init", str(data), str(dic), "--out", str(draft)])
    assert res.exit_code == 0, res.output
    spec = yaml.safe_load(draft.read_text())
    assert spec["exports"][0]["timepoint_column"] == "redcap_event_name"
    assert list(spec["exports"][0]["timepoint_values"].values()) == ["T1", "T2", "T3", "T4"]
    assert spec["participant_id"]["column"] == "record_id"
    res = runner.invoke(app, ["validate", str(draft), "--out", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    linked = link_study(draft)  # the unfinished T3 form is kept (REDCap Incomplete), with a warning
    assert [linked.counts[f"participants_at_T{i}"] for i in range(1, 5)] == [66, 62, 48, 33]


def test_bundled_study_files_link_as_the_platforms_mean_them():
    """The example's planted rows, read as the platforms mean them (ARCHITECTURE.md §1 gives
    66/62/47/33 usable responses). Qualtrics: a preview, an unfinished response and a
    duplicate are set aside, and the two near-miss ids (typed at T2 and T4) are held back until
    the study links them, so T2 and T4 show one response fewer. REDCap: the unfinished T3
    response is a form marked Incomplete with no survey timestamp, which REDCap also writes
    for complete forms: it is kept, with a warning to check it."""
    from evaltool.examples import example_study_path

    q = link_study(example_study_path("qualtrics"))
    assert [q.counts[f"participants_at_T{i}"] for i in range(1, 5)] == [66, 61, 47, 32]
    assert sorted(q.exclusions["reason"].str.split(r" \(|:").str[0]) == [
        "duplicate", "preview or test response", "unfinished response", "unmatched", "unmatched"]
    held = q.match_report[q.match_report["status"].str.startswith("held back")]
    assert set(held["suggestion"]) == {"may be P013", "may be P018"}
    r = link_study(example_study_path("redcap"))
    assert [r.counts[f"participants_at_T{i}"] for i in range(1, 5)] == [66, 62, 48, 33]
    marked = r.problems[r.problems["rule"] == "marked_incomplete"]
    assert len(marked) == 2 and marked["row"].nunique() == 1  # two forms of one response
    for linked in (q, r):
        c = linked.counts
        assert c["rows_in"] == c["rows_kept"] + c["rows_excluded"]


def test_linking_the_near_misses_gives_the_published_retention(tmp_path):
    from evaltool.examples import example_study_dir

    text = (example_study_dir() / "study.yaml").read_text(encoding="utf-8")
    text = text.replace("  zero_pad: 3            # P12 -> P012",
                        "  zero_pad: 3\n  links: {P0L3: P013, PO18: P018}   # near misses found by validate")
    dst = tmp_path / "study"
    shutil.copytree(example_study_dir(), dst)
    (dst / "study.yaml").write_text(text, encoding="utf-8")
    linked = link_study(dst / "study.yaml")
    assert [linked.counts[f"participants_at_T{i}"] for i in range(1, 5)] == [66, 62, 47, 33]
    assert linked.counts["participants"] == 66


def test_init_refuses_to_overwrite(study_copy):
    draft = study_copy / "study.yaml"  # exists
    res = runner.invoke(app, ["init", str(study_copy / "qualtrics" / "T1_baseline.csv"), "--out", str(draft)])
    assert res.exit_code == 1
    assert "already exists" in res.output and "Traceback" not in res.output


@pytest.mark.parametrize("content, expect", [
    (b"", "empty"),
    (b"\x00\x01\x02\xff\xfe binary junk \x00" * 20, ""),
    (b"a;b;c\n1;2;3\n", ""),
    (b"pid,brs_1,brs_2\nP1,1,2\nP2,3\n", ""),
])
def test_broken_export_gives_one_message_and_writes_nothing(tmp_path, content, expect):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "t1.csv").write_bytes(content)
    (folder / "study.yaml").write_text(
        "name: broken\nexports: [{file: t1.csv, timepoint: T1}]\ntimepoints: [{id: T1}]\n"
        "participant_id: {column: pid}\ninstruments: [{id: brs}]\n")
    before = _hashes(folder)
    res = runner.invoke(app, ["validate", str(folder / "study.yaml"), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    assert res.output.count("Error:") == 1
    assert expect in res.output.lower()
    assert _hashes(folder) == before  # nothing written next to the inputs, inputs unchanged


def test_out_of_range_answers_give_problems_table_and_exit_1(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "t1.csv").write_text("pid,brs_1,brs_2,brs_3,brs_4,brs_5,brs_6\nP1,1,2,3,4,5,9\nP2,3,3,3,3,3,3\n")
    (folder / "study.yaml").write_text(
        "name: oor\nexports: [{file: t1.csv, timepoint: T1}]\ntimepoints: [{id: T1}]\n"
        "participant_id: {column: pid}\ninstruments: [{id: brs}]\n")
    out = tmp_path / "out"
    res = runner.invoke(app, ["validate", str(folder / "study.yaml"), "--out", str(out)])
    assert res.exit_code == 1
    assert "out_of_range" in res.output
    problems = (out / "problems.csv").read_text()
    assert "t1.csv,2,brs_6,9,out_of_range" in problems


def test_study_loader_errors_name_the_field(tmp_path):
    p = tmp_path / "study.yaml"
    p.write_text("name: x\nexports: [{file: a.csv}]\ntimepoints: [{id: T1}]\n")
    res = runner.invoke(app, ["validate", str(p)])
    assert res.exit_code == 1
    assert "exports[0]" in res.output and "timepoint" in res.output
    assert load_study is not None
