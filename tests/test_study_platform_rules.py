"""Platform rules as the platforms mean them, read by the readers and applied by linking;
what cannot be read unambiguously is refused; nothing of a participant's in a message."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from evaltool.cli import app
from evaltool.errors import InputError, StudyError
from evaltool.io import flag_status, read_export
from evaltool.study import link_study
from evaltool.study.ids import typo_matches

BRS = "brs_1,brs_2,brs_3,brs_4,brs_5,brs_6"


def _study(tmp: Path, files: dict[str, str | bytes], study: str) -> Path:
    for name, content in files.items():
        (tmp / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    (tmp / "study.yaml").write_text(study, encoding="utf-8")
    return tmp / "study.yaml"


ONE_WAVE = "name: x\nexports: [{{file: {f}, timepoint: T1{extra}}}]\ntimepoints: [{{id: T1}}]\n" \
           "participant_id: {{column: {pid}}}\ninstruments: [{{id: brs}}]\n"


def test_google_forms_test_rows_by_id_and_launch_date(tmp_path):
    gf = ("Timestamp,Email Address,Participant code," + BRS + "\n"
          "2024/02/27 9:00:00 AM GMT,me@x.org,TEST,3,3,3,3,3,3\n"
          "2024/03/01 9:15:02 AM GMT,a@x.org,P01,4,2,4,2,4,2\n"
          "2024/03/01 9:20:45 AM GMT,test@x.org,preview,4,2,4,2,4,2\n"
          "2024/02/28 8:00:00 AM GMT,b@x.org,P99,4,2,4,2,4,2\n"
          "2024/03/02 9:20:45 AM GMT,c@x.org,P02,5,1,5,1,5,1\n")
    path = _study(tmp_path, {"gf.csv": gf},
                  ONE_WAVE.format(f="gf.csv", pid="Participant code", extra=", launch_date: 2024-03-01"))
    linked = link_study(path)
    reasons = linked.exclusions.set_index("row")["reason"].to_dict()
    assert reasons[2] == "test response (the participant id marks a test)"
    assert reasons[4] == "test response (the participant id marks a test)"
    assert reasons[5] == "test response (before the launch date 2024-03-01)"
    assert sorted(linked.participants["participant_id"]) == ["P01", "P02"]


def test_qualtrics_preview_distribution_channel():
    path = Path("tests/data/exports/qualtrics_numeric.csv")
    exp = read_export(path)
    assert any(r.column == "DistributionChannel" for r in exp.info.status_rules)
    assert set(flag_status(exp)["kind"]) >= {"test"}


REDCAP = ("record_id,redcap_event_name,wellbeing_survey_timestamp," + BRS + ",wellbeing_survey_complete\n"
          "P01,baseline_arm_1,2024-01-10 09:00:00,4,2,4,2,4,2,0\n"      # submitted, left Incomplete
          "P02,baseline_arm_1,[not completed],4,2,,,,,0\n"              # started, not submitted
          "P03,baseline_arm_1,,4,2,4,2,4,2,0\n"                         # entered by staff, Incomplete
          "P04,baseline_arm_1,2024-01-11 09:00:00,5,1,5,1,5,1,2\n")


def test_redcap_incomplete_is_kept_with_a_warning_and_the_timestamp_decides(tmp_path):
    study = ("name: x\nexports: [{file: r.csv, timepoint_column: redcap_event_name, "
             "timepoint_values: {baseline_arm_1: T1}}]\ntimepoints: [{id: T1}]\n"
             "participant_id: {column: record_id}\ninstruments: [{id: brs}]\n")
    linked = link_study(_study(tmp_path, {"r.csv": REDCAP}, study))
    assert sorted(linked.participants["participant_id"]) == ["P01", "P03", "P04"]
    assert linked.exclusions["reason"].tolist() == [
        "unfinished response (REDCap wellbeing_survey_timestamp)"]
    marked = linked.problems[linked.problems["rule"] == "marked_incomplete"]
    assert marked["row"].tolist() == [4] and (marked["severity"] == "warning").all()


def test_control_characters_cleaned_at_read_time_with_a_problem_row(tmp_path):
    csv = "pid," + BRS + ",comment\nP1,4,2,4,2,4,2,\"first\x0bsecond\x00 line\"\n"
    study = ONE_WAVE.format(f="t.csv", pid="pid", extra="") + "free_text: [{id: comment, column: comment}]\n"
    linked = link_study(_study(tmp_path, {"t.csv": csv}, study))
    assert linked.free_text["text"].tolist() == ["first\nsecond line"]
    row = linked.problems[linked.problems["rule"] == "control_characters"]
    assert row[["row", "column", "severity"]].values.tolist() == [[2, "comment", "warning"]]


def test_duplicate_column_names_are_refused_naming_both(tmp_path):
    csv = "pid,brs_1,brs_2,brs_3,brs_4,brs_5,brs_6,brs_1\nP1,4,2,4,2,4,2,1\n"
    with pytest.raises(StudyError) as exc:
        link_study(_study(tmp_path, {"t.csv": csv}, ONE_WAVE.format(f="t.csv", pid="pid", extra="")))
    msg = str(exc.value)
    assert "columns 2 (B) and 8 (H) are both named 'brs_1'" in msg and "rename one of them" in msg
    res = CliRunner().invoke(app, ["score", str(tmp_path / "t.csv"), "-i", "brs"])
    assert res.exit_code == 1 and "both named 'brs_1'" in " ".join(res.output.split())


def test_unused_duplicate_names_do_not_stop_a_study(tmp_path):
    csv = "pid," + BRS + ",note,note\nP1,4,2,4,2,4,2,a,b\n"
    linked = link_study(_study(tmp_path, {"t.csv": csv}, ONE_WAVE.format(f="t.csv", pid="pid", extra="")))
    assert linked.counts["rows_kept"] == 1


def _workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_workbook_data_sheet_is_chosen_and_said(tmp_path):
    data = [["pid", *BRS.split(",")], ["P1", 4, 2, 4, 2, 4, 2], ["P2", 5, 1, 5, 1, 5, 1]]
    path = tmp_path / "w.xlsx"
    path.write_bytes(_workbook({"Instructions": [["Read me first"], ["Answer every question."]],
                                "Form1": data}))
    exp = read_export(path)
    assert exp.info.sheet == "Form1"
    assert any("read sheet 'Form1'" in w and "'Instructions'" in w for w in exp.info.warnings)


def test_undecidable_workbook_is_refused_listing_its_sheets(tmp_path):
    a = [["pid", "q1", "q2"], ["P1", 1, 2], ["P2", 2, 3]]
    b = [["id", "x", "y"], ["A", 1, 2], ["B", 2, 3]]
    path = tmp_path / "two.xlsx"
    path.write_bytes(_workbook({"Wave A": a, "Wave B": b}))
    with pytest.raises(InputError) as exc:
        read_export(path)
    assert "'Wave A', 'Wave B'" in str(exc.value) and "sheet:" in str(exc.value)


def test_zip_bomb_refused_quickly(tmp_path, monkeypatch):
    monkeypatch.setenv("EVALTOOL_XLSX_MAX_MB", "5")
    path = tmp_path / "bomb.xlsx"
    good = _workbook({"Sheet": [["pid", "q1"], ["P1", 1]]})
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts:
            z.writestr(name, content)
        z.writestr("xl/padding.bin", b"\0" * (40 * 1024 * 1024))
    assert path.stat().st_size < 1024 * 1024
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"unpacks to .* more than the limit of 5 MB") as exc:
        read_export(path)
    assert time.perf_counter() - start < 5 and "EVALTOOL_XLSX_MAX_MB" in str(exc.value)


def test_sheet_row_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("EVALTOOL_XLSX_MAX_ROWS", "3")
    path = tmp_path / "many.xlsx"
    path.write_bytes(_workbook({"Data": [["pid", "q1"]] + [[f"P{i}", 1] for i in range(10)]}))
    with pytest.raises(InputError, match="more than 3 rows"):
        read_export(path)


def test_headerless_file_never_shows_its_first_row(tmp_path):
    csv = "jane.smith@nhs.net,Jane Smith,4,2,4\njohn.doe@nhs.net,John Doe,3,3,3\n"
    path = _study(tmp_path, {"t.csv": csv}, ONE_WAVE.format(f="t.csv", pid="pid", extra=""))
    with pytest.raises(StudyError) as exc:
        link_study(path)
    msg = str(exc.value).lower()
    assert "first row seems to hold answers" in msg
    for secret in ("jane", "smith", "john"):
        assert secret not in msg


@pytest.mark.parametrize("typed, known", [
    ("PO18", "P018"), ("P0l3", "P013"), ("PI7", "P17"), ("C3017", "C3-017"), ("P105", "P015"),
])
def test_typing_slips(typed, known):
    assert typo_matches([typed], [known, "P999"]) == {typed: [known]}


def test_a_different_digit_is_not_a_slip():
    assert typo_matches(["P004"], ["P003"]) == {}


def test_ids_normalised_by_pattern(tmp_path):
    t1 = "pid," + BRS + "\nC3-17,4,2,4,2,4,2\nC3-018,4,2,4,2,4,2\n"
    t2 = "pid," + BRS + "\nc3-017,5,1,5,1,5,1\nC3 - 18,5,1,5,1,5,1\n"
    study = ("name: x\nexports: [{file: t1.csv, timepoint: T1}, {file: t2.csv, timepoint: T2}]\n"
             "timepoints: [{id: T1}, {id: T2}]\nparticipant_id: {column: pid}\ninstruments: [{id: brs}]\n")
    linked = link_study(_study(tmp_path, {"t1.csv": t1, "t2.csv": t2}, study))
    assert linked.participants["participant_id"].tolist() == ["C3-017", "C3-018"]
    assert linked.counts["participants_all_timepoints"] == 2


def test_reader_warnings_say_data_row_and_file_line(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("pid,q\nP1,1\n,\n")
    assert any("data row 2 (file line 3)" in w for w in read_export(path).info.warnings)
    assert isinstance(pd.__version__, str)
