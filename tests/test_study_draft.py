"""`evaltool init`: drafts are data written by a YAML emitter (any text stays a value), guesses
are honest (named only when items or wording match; said how well; riskiest first), and the
study's own questionnaires are drafted or used."""

from __future__ import annotations

import csv
import io
import json
import string
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from evaltool.cli import app
from evaltool.errors import InputError
from evaltool.instruments import check_instrument_file
from evaltool.study import link_study
from evaltool.study.draft import draft_study
from evaltool.study.model import Study

runner = CliRunner()


def _csv(rows: list[list[object]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _qualtrics(names: list[str], questions: list[str], rows: list[list[object]]) -> str:
    ids = [json.dumps({"ImportId": f"QID{i}"}) for i in range(len(names))]
    return _csv([names, questions, ids, *rows])


# --- property: any text in a file name, header, question, label or group value ----------------
NASTY = string.ascii_letters + string.digits + " ,:?#'\"[]{}-*&!|>%@`\n\t" + "éßø中文🙂"
text = st.text(alphabet=NASTY, min_size=1, max_size=25).filter(lambda s: s.strip() != "")
names = st.lists(text, min_size=4, max_size=4, unique_by=lambda s: s.strip().casefold())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fname=text, cols=names, questions=st.lists(text, min_size=4, max_size=4),
       labels=st.lists(text, min_size=3, max_size=3, unique_by=lambda s: s.strip().casefold()),
       groups=st.lists(text, min_size=2, max_size=2, unique_by=lambda s: s.strip()),
       qualtrics=st.booleans())
def test_any_text_gives_a_draft_that_loads_and_validates(tmp_path_factory, fname, cols, questions, labels,
                                                          groups, qualtrics):
    folder = tmp_path_factory.mktemp("d")
    safe = fname.replace("/", "_").replace("\x00", "_").strip() or "x"
    path = folder / f"{safe[:40]}, November 4, 2024_12.30.csv"
    header = ["participant code", "cohort", *cols[:3], cols[3]]
    rows = [[f"P{i:02d}", groups[i % 2], *(labels[(i + k) % 3] for k in range(3)),
             f"free text answer number {i} with several words"] for i in range(8)]
    if qualtrics:
        content = _qualtrics(header, ["Your participant code", "Which cohort?", *questions[:3], questions[3]], rows)
    else:
        content = _csv([header, *rows])
    path.write_text(content, encoding="utf-8")
    draft = draft_study([path], out=folder / "study.yaml")
    Study.model_validate(yaml.safe_load(draft.text))
    for name, body in draft.files.items():
        (folder / name).write_text(body, encoding="utf-8")
        assert isinstance(yaml.safe_load(body), dict)
        assert check_instrument_file(folder / name) == []


# --- honest guessing ------------------------------------------------------------------------
QUIZ = [("Which best describes wellbeing at work?", ["Feeling cheerful", "A shared responsibility", "Never tired"], 1),
        ("Which team member should you talk to first?", ["Your line manager", "Nobody", "A patient"], 0),
        ("What is a thinking trap?", ["A biased habit of thought", "A memory lapse", "An illness"], 0),
        ("When is a coping plan most useful?", ["When it lists contacts", "When it is secret", "Never"], 0),
        ("What helps after an adverse event?", ["Talking it through", "Hiding it", "Working longer"], 0)]


def _wave(tmp: Path, name: str, n: int, seed: int) -> Path:
    import random

    rnd = random.Random(seed)
    header = ["Timestamp", "Participant code", *(q for q, _, _ in QUIZ), "Confidence 1", "Confidence 2",
              "Confidence 3", "What was most useful?"]
    rows = []
    for i in range(n):
        quiz = [opts[rnd.choice([a, a, 0, 1, 2])] for _, opts, a in QUIZ]
        conf = ["0 - Not at all confident" if v == 0 else "10 - Completely confident" if v == 10 else str(v)
                for v in (rnd.randint(0, 10) for _ in range(3))]
        rows.append([f"2024/03/0{1 + i % 5} 9:00:00 AM GMT", f"P{i:02d}", *quiz, *conf,
                     rnd.choice(["Talking with colleagues about a bad day", "The part on thinking traps was useful",
                                 "Having a plan for after a difficult shift", "Hearing that others feel the same",
                                 "Learning how to ask for help sooner", "The examples from real wards"]) + f" ({i})"])
    path = tmp / name
    path.write_text(_csv([header, *rows]), encoding="utf-8")
    return path


@pytest.fixture
def quiz_waves(tmp_path: Path) -> list[Path]:
    return [_wave(tmp_path, "Baseline survey (Responses).csv", 12, 1),
            _wave(tmp_path, "Post survey (Responses).csv", 10, 2)]


def test_a_quiz_is_never_named_as_a_packaged_scale(quiz_waves, tmp_path):
    draft = draft_study(quiz_waves, out=tmp_path / "study.yaml")
    spec = yaml.safe_load(draft.text)
    entries = [i["id"] for i in spec["instruments"]]
    assert "who5" not in entries and all(e.endswith(".yaml") for e in entries)
    quiz = yaml.safe_load(next(body for body in draft.files.values() if "correct_count" in body))
    assert quiz["scales"][0]["missing"]["unanswered"] == "wrong"
    assert [len(rs["labels"]) for rs in quiz["response_sets"].values()] == [3] * 5
    assert "Which team member should you talk to first?" not in [g["column"] for g in spec["groups"]]
    assert all("timepoints" not in i for i in spec["instruments"])  # never restricted without evidence


def test_numbered_labels_give_the_codes(quiz_waves, tmp_path):
    draft = draft_study(quiz_waves, out=tmp_path / "study.yaml")
    conf = yaml.safe_load(next(body for body in draft.files.values() if "method: mean" in body))
    rs = next(iter(conf["response_sets"].values()))
    assert (rs["min"], rs["max"]) == (0, 10)
    assert rs["labels"] == {0: "Not at all confident", 10: "Completely confident"}


def test_guesses_are_listed_riskiest_first_and_said_how_well(tmp_path):
    from evaltool.examples import example_study_dir

    waves = sorted((example_study_dir() / "qualtrics").glob("T*.csv"))
    draft = draft_study(waves, out=tmp_path / "study.yaml")
    risks = [g.risk for g in draft.guesses]
    assert risks == sorted(risks, reverse=True)
    text = draft.text
    assert "19/19 item texts match" in text and "8/8 columns are named after its item ids" in text
    assert text.rstrip().splitlines()[-len(draft.guesses) - 1] == "# Check these guesses first (riskiest first):"


def test_init_writes_own_instruments_and_validate_runs(quiz_waves, tmp_path):
    out = tmp_path / "study.yaml"
    res = runner.invoke(app, ["init", *map(str, quiz_waves), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Check these guesses first" in res.output
    spec = yaml.safe_load(out.read_text())
    drafted = [tmp_path / i["id"] for i in spec["instruments"]]
    assert all(p.is_file() for p in drafted)
    quiz = next(p for p in drafted if "correct_count" in p.read_text())
    fixed = quiz.read_text()
    for k in range(1, 6):  # the one edit a quiz needs: its answer key
        fixed = fixed.replace("correct: null", f"correct: {[2, 1, 1, 1, 1][k - 1]}", 1)
    quiz.write_text(fixed)
    linked = link_study(out)
    assert linked.counts["participants_at_T1"] == 12 and linked.counts["participants_at_T2"] == 10


def test_the_users_own_instrument_file_is_used(quiz_waves, tmp_path):
    own = tmp_path / "own_quiz.yaml"
    sets = {f"q{k}": {"min": 1, "max": 3, "labels": {j + 1: o for j, o in enumerate(opts)}}
            for k, (_, opts, _) in enumerate(QUIZ, 1)}
    own.write_text(yaml.safe_dump({
        "id": "our_quiz", "name": "Our quiz", "short_name": "Quiz", "measures": "knowledge", "citation": "us",
        "licence": {"tier": "study", "item_text_shippable": True, "terms": "own"}, "response_sets": sets,
        "items": [{"id": f"k{k}", "text": q, "response_set": f"q{k}", "correct": a + 1}
                  for k, (q, _, a) in enumerate(QUIZ, 1)],
        "scales": [{"id": "our_quiz", "label": "Quiz", "items": [f"k{k}" for k in range(1, 6)],
                    "method": "correct_count", "direction": "higher_better", "missing": {"unanswered": "wrong"}}]}))
    draft = draft_study([*quiz_waves, own], out=tmp_path / "study.yaml")
    spec = yaml.safe_load(draft.text)
    assert "own_quiz.yaml" in [i["id"] for i in spec["instruments"]]
    assert "5/5 item texts match" in draft.text


def test_workbook_data_sheet_matched_to_the_other_waves(tmp_path):
    import openpyxl

    t1 = tmp_path / "T1.csv"
    t1.write_text(_csv([["pid", "brs_1", "brs_2", "brs_3", "brs_4", "brs_5", "brs_6"],
                        ["P1", 4, 2, 4, 2, 4, 2], ["P2", 3, 3, 4, 2, 4, 2]]))
    wb = openpyxl.Workbook()
    wb.active.title = "Instructions"
    wb.active.append(["How to read this workbook"])
    wb.active.append(["Answers are on the next sheets", "see below"])
    wb.active.append(["Column A", "the code"])
    other = wb.create_sheet("Lookup")
    for r in (["code", "label"], [1, "Strongly disagree"], [5, "Strongly agree"]):
        other.append(r)
    data = wb.create_sheet("Form1")
    for r in (["pid", "brs_1", "brs_2", "brs_3", "brs_4", "brs_5", "brs_6"], ["P1", 5, 1, 5, 1, 5, 1]):
        data.append(r)
    t2 = tmp_path / "T2.xlsx"
    wb.save(t2)
    draft = draft_study([t1, t2], out=tmp_path / "study.yaml")
    spec = yaml.safe_load(draft.text)
    assert spec["exports"][1]["sheet"] == "Form1"
    assert any("read sheet 'Form1': its header matches the other waves" in g.text for g in draft.guesses)


def test_undecidable_workbook_refused_with_exit_1(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Site A"
    for r in (["pid", "q1", "q2"], ["P1", 1, 2], ["P2", 2, 3]):
        wb.active.append(r)
    b = wb.create_sheet("Site B")
    for r in (["code", "x", "y"], ["A", 1, 2], ["B", 2, 3]):
        b.append(r)
    wb.save(tmp_path / "w.xlsx")
    res = runner.invoke(app, ["init", str(tmp_path / "w.xlsx"), "--out", str(tmp_path / "s.yaml")])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "'Site A', 'Site B'" in " ".join(res.output.split())
    with pytest.raises(InputError):
        draft_study([tmp_path / "w.xlsx"], out=tmp_path / "s.yaml")


def test_init_never_replaces_a_file(quiz_waves, tmp_path):
    (tmp_path / "confidence.yaml").write_text("keep me")
    out = tmp_path / "study.yaml"
    res = runner.invoke(app, ["init", *map(str, quiz_waves), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "confidence.yaml").read_text() == "keep me"
    assert isinstance(pd.__version__, str)
