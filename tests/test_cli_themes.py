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


def test_code_learn_from_a_review_sheet_trains_on_every_answer_of_it(tmp_path, monkeypatch):
    """--learn with a review sheet: every answer on the sheet is a training example (one
    with no code is a negative of every code), its valence column too; the other answers of
    the input are not. The table says which codes fell back to rules."""
    import evaltool.qual
    import evaltool.qual.learn as learn_module
    from evaltool.qual import code, code_valence, export_review_sheet, load_codebook

    book = load_codebook("resilience_training")
    rows = [(f"a{i:02d}", t) for i, t in enumerate(
        ["The call was useful", "Too long", "was on nights", "thinking traps helped", "n/a",
         "great group", "the call came too late", "more sessions please", "loved the breathing",
         "short staffed again", "nothing", "useful day"] * 3)]
    answers = pd.DataFrame(rows, columns=["response_id", "text"])
    answers["response_id"] = [f"r{i}" for i in range(len(answers))]
    csv = tmp_path / "answers.csv"
    answers.to_csv(csv, index=False)
    sheet_answers = answers.iloc[:30]
    sheet = export_review_sheet(sheet_answers, code(sheet_answers, book), book, tmp_path / "team.xlsx",
                                valence=code_valence(sheet_answers, book))
    seen = {}
    real = learn_module.train_coder

    def spy(answers_, human, *args, **kwargs):
        seen["n"] = len(human)
        seen["valence"] = "valence" in human.columns
        return real(answers_, human, *args, **kwargs)

    monkeypatch.setattr(learn_module, "train_coder", spy)
    # evaltool.qual caches its lazily imported names: an earlier test in this process may have
    # cached the real function there
    monkeypatch.setattr(evaltool.qual, "train_coder", spy, raising=False)
    res = runner.invoke(app, ["themes", "code", str(csv), "--id", "response_id", "--learn", str(sheet)])
    assert res.exit_code == 0, res.output
    assert seen == {"n": 30, "valence": True}
    assert "fallback" in res.output and "36 answers" in res.output
