"""``evaltool themes code | suggest | agree | export``: qualitative coding from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import ParameterError
from ._common import console, guard, print_table

app = typer.Typer(
    help=(
        "Code free-text answers into themes, suggest new themes, measure agreement between "
        "coders, and export to NVivo/ATLAS.ti/MAXQDA/QualCoder (REFI-QDA).\n\n"
        "INPUT is a study file (its free-text questions are used) or a CSV/XLSX of answers.\n\n"
        "Examples:\n\n"
        "  evaltool themes code study.yaml --out codings.csv --review review.xlsx\n\n"
        "  evaltool themes agree codings.csv review.xlsx --answers answers.csv\n\n"
        "  evaltool themes export study.yaml --out project.qdpx"
    ),
    no_args_is_help=True,
)

Input = Annotated[Path, typer.Argument(help="study.yaml, or a CSV/XLSX with one answer per row.")]
TextOpt = Annotated[str, typer.Option("--text", help="Column holding the answers (CSV/XLSX input).")]
IdOpt = Annotated[str | None, typer.Option("--id", help="Column with answer ids (default: numbered R00001...).")]
CodebookOpt = Annotated[
    str | None, typer.Option("--codebook", help="Codebook name or YAML path (default: the study's, else resilience_training).")
]


def load_answers(path: Path, text: str = "text", id_column: str | None = None) -> tuple[Any, str | None]:
    """Answers as a tidy frame (``response_id, ..., text``) and the study's codebook if any."""
    import pandas as pd

    if path.suffix.lower() in (".yaml", ".yml"):
        from ..study import link_study, load_study

        sf = load_study(path)
        ft = link_study(sf).free_text
        cb = sf.spec.analysis.codebook
        if cb and cb.endswith((".yaml", ".yml")):
            cb = str(sf.resolve(cb))
        return ft, cb
    from ..io import read_export

    data = read_export(path).data
    if text not in data.columns:
        raise ParameterError(
            f"there is no answers column '{text}'.", file=path,
            fix=f"name it with --text; columns: {[c for c in data.columns if c != 'row'][:20]}",
        )
    out = pd.DataFrame({"response_id": data[id_column].astype(str) if id_column else
                        [f"R{i:05d}" for i in range(1, len(data) + 1)]})
    if id_column and id_column not in data.columns:
        raise ParameterError(f"there is no id column '{id_column}'.", file=path)
    for c in ("participant_id", "timepoint", "question", "cohort", "profession"):
        if c in data.columns:
            out[c] = data[c].to_numpy()
    out["text"] = data[text].astype("string").fillna("").to_numpy()
    return out, None


def _codebook(choice: str | None, study_cb: str | None) -> Any:
    from ..qual import load_codebook

    return load_codebook(choice or study_cb or "resilience_training")


def _guard(*inputs: Path | None, codebook: str | None = None) -> Any:
    """An output guard that protects every file this command reads (a study file brings its
    exports, instrument and codebook files; a codebook given as a path is read too)."""
    from ..privacy.paths import OutputGuard, study_inputs

    paths: list[Path] = []
    for p in inputs:
        if p is None:
            continue
        paths.append(Path(p))
        if Path(p).suffix.lower() in (".yaml", ".yml") and Path(p).is_file():
            from ..study import load_study

            paths += study_inputs(load_study(p))
    if codebook and codebook.endswith((".yaml", ".yml")):
        paths.append(Path(codebook))
    return OutputGuard(paths)


def _write(frame: Any, out: Path | None, paths: Any) -> None:
    if out is None:
        return
    from ..output import write_table

    write_table(frame, paths.file(out))
    console().print(f"Written: {out}", markup=False)


@app.command("code")
@guard
def code_command(
    input: Input,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Codings file (.csv or .xlsx).")] = None,
    review: Annotated[Path | None, typer.Option("--review", help="Also write an XLSX review sheet for a second coder.")] = None,
    codebook: CodebookOpt = None,
    text: TextOpt = "text",
    id_column: IdOpt = None,
    learn: Annotated[Path | None, typer.Option("--learn", help="Answers your team coded (review sheet, codings CSV/XLSX, .qdpx): learn from them, then code.")] = None,
) -> None:
    """Code every answer with the codebook's transparent rules (each code keeps the words
    that triggered it) and print how often each code was found. With --learn, train on the
    answers your team coded first: each code is then decided by its rules or a model, as
    cross-validation says (the table shows which).

    Examples:

      evaltool themes code study.yaml --out codings.csv

      evaltool themes code answers.csv --text comment --review review.xlsx
    """
    from ..qual import (
        code,
        code_frequencies,
        code_valence,
        coding_summary,
        export_review_sheet,
        redaction_report,
    )

    paths = _guard(input, codebook=codebook)
    paths.files(out, review)                      # checked before any work
    answers, study_cb = load_answers(input, text, id_column)
    cb = _codebook(codebook, study_cb)
    codings = code(answers, cb)
    if learn is not None:
        from ..qual import apply_coder, train_coder

        learned = train_coder(*_team_coding(answers, learn), cb, codebook=cb)
        rep = learned.decision_table[["code", "decision", "fallback", "kappa", "kappa_rules", "kappa_model"]]
        print_table(rep.round(3), title="Learned from your coding (cross-validated kappa)")
        if learned.fallback:
            console().print(f"Coded by rule (the model was not better): {', '.join(learned.fallback)}", markup=False)
        codings = apply_coder(learned, answers)
    s = coding_summary(answers, codings, cb).iloc[0]
    console().print(f"{int(s['n_answers'])} answers: {int(s['n_coded'])} coded, {int(s['n_uncoded'])} without a code, "
                    f"{int(s['n_empty'])} empty (n/a, -, ...).", markup=False)
    freq = code_frequencies(codings, answers, by=None, codebook=cb)
    print_table(freq[["code", "n_with_code", "percent"]].round(1), title=f"Codes ({cb.id})")
    found = redaction_report(answers["text"])
    found = found[found["n_found"] > 0]
    if len(found):
        print_table(found, title="Identifying details found (redacted from every quote)")
    _write(codings, out, paths)
    if review is not None:
        export_review_sheet(answers, codings, cb, paths.file(review), valence=code_valence(answers, cb))
        console().print(f"Review sheet: {review} (edit the 0/1 cells and the valence, then 'evaltool themes agree' "
                        "or 'evaltool themes code --learn')", markup=False)


@app.command("suggest")
@guard
def suggest_command(
    input: Input,
    n: Annotated[int | None, typer.Option("--n", help="Number of themes (default: chosen by stability).")] = None,
    uncoded_only: Annotated[bool, typer.Option("--uncoded-only", help="Only answers the codebook did not code.")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the suggestions (.csv/.xlsx).")] = None,
    codebook: CodebookOpt = None,
    text: TextOpt = "text",
    id_column: IdOpt = None,
) -> None:
    """Suggest inductive themes (clusters of answers with their top words and redacted
    examples) for you to consider adding to the codebook. Nothing is applied to the data.

    Examples:

      evaltool themes suggest study.yaml --uncoded-only

      evaltool themes suggest answers.csv --text comment --n 5 --out themes.csv
    """
    from ..qual import code, suggest_themes

    paths = _guard(input, codebook=codebook)
    paths.files(out)                              # checked before any work
    answers, study_cb = load_answers(input, text, id_column)
    codings = code(answers, _codebook(codebook, study_cb)) if uncoded_only else None
    themes = suggest_themes(answers, n_themes=n, uncoded_only=uncoded_only, codings=codings)
    for r in themes.itertuples():
        console().print(f"[bold]Theme {r.theme}[/] ({r.n_answers} answers): {r.top_terms}")
        for q in str(r.examples).split(" | ")[:2]:
            console().print(f"    “{q}”", markup=False)
    _write(themes, out, paths)


def _team_coding(answers: Any, path: Path) -> tuple[Any, Any]:
    """(answers, coding) to learn from: a review sheet gives every answer on it (an answer
    without a code is a negative example; its valence column when filled); other files give
    long codings of the answers they name."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        if "instructions" in [s.lower() for s in load_workbook(path, read_only=True).sheetnames]:
            from ..qual.review import read_review_table

            return answers, read_review_table(path)
    human = _read_codings(path, "team")
    if "code" in human.columns and "value" not in human.columns:
        seen = set(human["response_id"].astype(str))
        answers = answers[answers["response_id"].astype(str).isin(seen)]
    return answers, human


def _read_codings(path: Path, coder: str) -> Any:
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".qdpx":
        from ..qual import read_qdpx

        return read_qdpx(path).codings
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        if "instructions" in [s.lower() for s in load_workbook(path, read_only=True).sheetnames]:
            from ..qual import read_review_sheet

            return read_review_sheet(path, coder=coder)
        frame = pd.read_excel(path)
    else:
        frame = pd.read_csv(path)
    if not {"response_id", "code"} <= set(frame.columns):
        raise ParameterError("a codings file needs columns 'response_id' and 'code'.", file=path,
                             fix="use the --out file of 'evaltool themes code', a review sheet or a .qdpx.")
    if "coder" not in frame.columns or frame["coder"].nunique() <= 1:
        frame = frame.assign(coder=coder)
    return frame


@app.command("agree")
@guard
def agree_command(
    codings: Annotated[list[Path], typer.Argument(help="Two or more codings files (.csv, review .xlsx, .qdpx).")],
    answers: Annotated[Path | None, typer.Option("--answers", help="The answers all coders saw (study.yaml or CSV).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the agreement table (.csv/.xlsx).")] = None,
    disagreements_out: Annotated[Path | None, typer.Option("--disagreements", help="Write every disagreement with its text.")] = None,
    text: TextOpt = "text",
    id_column: IdOpt = None,
) -> None:
    """Agreement between coders per code: percent agreement, Cohen's kappa with CI (two
    coders) and Krippendorff's alpha (nominal; two or more coders). Unit = answer × code.

    Examples:

      evaltool themes agree codings.csv review.xlsx --answers study.yaml

      evaltool themes agree project.qdpx --disagreements disagreements.csv
    """
    import pandas as pd

    from ..qual import agreement, disagreements

    paths = _guard(*codings, answers)
    paths.files(out, disagreements_out)           # checked before any work
    frames = [_read_codings(p, f"coder_{i + 1}") for i, p in enumerate(codings)]
    allc = pd.concat(frames, ignore_index=True)
    if allc["coder"].nunique() < 2:
        raise ParameterError("agreement needs at least two coders.",
                             fix="give two codings files, or a .qdpx coded by two users.")
    ans = load_answers(answers, text, id_column)[0] if answers is not None else None
    table = agreement(allc, answers=ans)
    show = table[["code", "n_units", "percent_agreement", "kappa", "alpha"]].round(3)
    print_table(show.rename(columns={"percent_agreement": "agree"}), title="Agreement between coders")
    console().print("kappa: Cohen (two coders; CI in --out); alpha: Krippendorff, nominal.", markup=False)
    _write(table, out, paths)
    if disagreements_out is not None:
        _write(disagreements(allc, answers=ans), disagreements_out, paths)


@app.command("export")
@guard
def export_command(
    input: Input,
    out: Annotated[Path, typer.Option("--out", "-o", help="Project file: .qdpx (project) or .qdc (codebook only).")],
    codebook: CodebookOpt = None,
    text: TextOpt = "text",
    id_column: IdOpt = None,
) -> None:
    """Export coded answers as a REFI-QDA project (.qdpx: participants as cases, one source per
    answer, codings with their coder) or the codebook alone (.qdc), for NVivo, ATLAS.ti,
    MAXQDA or QualCoder.

    Examples:

      evaltool themes export study.yaml --out project.qdpx

      evaltool themes export study.yaml --out codebook.qdc
    """
    from ..qual import code, to_qdc, to_qdpx

    if out.suffix.lower() not in (".qdpx", ".qdc"):
        raise ParameterError(f"cannot export as '{out.suffix or '(none)'}'.", file=out, fix="use .qdpx or .qdc.")
    out = _guard(input, codebook=codebook).file(out)
    answers, study_cb = load_answers(input, text, id_column)
    cb = _codebook(codebook, study_cb)
    if out.suffix.lower() == ".qdc":
        to_qdc(cb, out)
    else:
        to_qdpx(answers, code(answers, cb), cb, out)
    console().print(f"Written: {out}", markup=False)


@app.command("review")
@guard
def review_command(
    input: Input,
    coded: Annotated[Path, typer.Option("--coded", help="Answers your team has coded (review sheet, codings CSV/XLSX, .qdpx).")],
    next_n: Annotated[int, typer.Option("--next", help="How many answers to pick for coding next.")] = 20,
    out: Annotated[Path, typer.Option("--out", "-o", help="Review sheet to write (.xlsx).")] = Path("review_next.xlsx"),
    codebook: CodebookOpt = None,
    text: TextOpt = "text",
    id_column: IdOpt = None,
) -> None:
    """Pick the N uncoded answers that would teach the learned coder most (where it is least
    sure, spread over codes and questions) and write them into a review sheet; code them,
    then run 'evaltool themes code --learn' with all your coded answers.

    Examples:

      evaltool themes review study.yaml --coded review.xlsx --next 30 --out review_next.xlsx
    """
    from ..qual import code, code_valence, export_review_sheet, select_for_review, train_coder

    out = _guard(input, coded, codebook=codebook).file(out)   # checked before any work
    answers, study_cb = load_answers(input, text, id_column)
    cb = _codebook(codebook, study_cb)
    learned = train_coder(*_team_coding(answers, coded), cb, codebook=cb)
    picked = select_for_review(learned, answers, next_n)
    chosen = answers[answers["response_id"].isin(picked["response_id"])]
    chosen = chosen.set_index("response_id").loc[picked["response_id"]].reset_index()
    export_review_sheet(chosen, code(chosen, cb), cb, out, valence=code_valence(chosen, cb))
    print_table(picked[["rank", "response_id", "code", "uncertainty"]].round(2), title=f"Next {len(picked)} to code")
    console().print(f"Review sheet: {out} (code these, then 'evaltool themes code --learn')", markup=False)
