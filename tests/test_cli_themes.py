"""`evaltool themes code | suggest | agree | export` over a study file or a CSV of answers."""

from __future__ import annotations

import zipfile

import pandas as pd
from openpyxl import load_workbook
from typer.testing import CliRunner

from evaltool.cli import app
from evaltool.examples import example_study_path

runner = CliRunner()
STUDY = str(example_study_path())


def test_code_study_writes_codings_and_review_sheet(tmp_path):
    out, review = tmp_path / "c.csv", tmp_path / "r.xlsx"
    res = runner.invoke(app, ["themes", "code", STUDY, "--out", str(out), "--review", str(review)])
    assert res.exit_code == 0, res.output
    assert "210 answers" in res.output  # 214 less the 4 of two near-miss ids held back
    c = pd.read_csv(out)
    assert {"response_id", "code", "start", "end", "evidence", "coder"} <= set(c.columns)
    assert review.is_file()


def test_review_roundtrip_gives_agreement(tmp_path):
    out, review = tmp_path / "c.csv", tmp_path / "r.xlsx"
    runner.invoke(app, ["themes", "code", STUDY, "--out", str(out), "--review", str(review)])
    wb = load_workbook(review)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    col = header.index("coaching_call") + 1
    flipped = 0
    for row in range(2, 12):  # the reviewer disagrees on ten answers
        cell = ws.cell(row=row, column=col)
        cell.value = 0 if cell.value == 1 else 1
        flipped += 1
    wb.save(review)
    agree_out = tmp_path / "a.csv"
    res = runner.invoke(app, ["themes", "agree", str(out), str(review), "--answers", STUDY,
                              "--out", str(agree_out), "--disagreements", str(tmp_path / "d.csv")])
    assert res.exit_code == 0, res.output
    a = pd.read_csv(agree_out).set_index("code")
    assert a.loc["coaching_call", "kappa"] < 1 and a.loc["techniques_tools", "kappa"] == 1
    d = pd.read_csv(tmp_path / "d.csv")
    assert len(d[d["code"] == "coaching_call"]) == flipped


def test_code_csv_of_answers_and_export(tmp_path):
    answers = tmp_path / "answers.csv"
    pd.DataFrame({"comment": ["The call wasn't useful", "Thinking traps helped at home with my kids", "n/a"]}).to_csv(answers, index=False)
    res = runner.invoke(app, ["themes", "code", str(answers), "--text", "comment"])
    assert res.exit_code == 0, res.output and "3 answers" in res.output
    res = runner.invoke(app, ["themes", "export", str(answers), "--text", "comment", "--out", str(tmp_path / "p.qdpx")])
    assert res.exit_code == 0, res.output
    assert "project.qde" in zipfile.ZipFile(tmp_path / "p.qdpx").namelist()
    res = runner.invoke(app, ["themes", "code", str(answers)])
    assert res.exit_code == 1 and "--text" in res.output and "Traceback" not in res.output


def test_suggest_and_bad_export_name(tmp_path):
    res = runner.invoke(app, ["themes", "suggest", STUDY, "--n", "3", "--out", str(tmp_path / "t.csv")])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "t.csv")) == 3
    res = runner.invoke(app, ["themes", "export", STUDY, "--out", str(tmp_path / "p.zip")])
    assert res.exit_code == 1 and ".qdpx" in res.output
