"""``evaltool score EXPORT --instrument NAME``: score one export without a study file.

The export is read, checked and linked exactly as ``evaltool validate`` would (the same
platform rules for test and unfinished responses, the same id normalisation, duplicates
resolved the same way), by making a one-wave study in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import ParameterError
from ._common import console, guard, print_table


def parse_column_map(text: str | None) -> dict[str, str] | None:
    """``"brs_1=Q1,brs_2=Q2"`` (item=column, as ``item: column`` in study.yaml) or a path to a
    YAML/CSV file of item → column pairs."""
    if not text:
        return None
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml", ".csv") and path.is_file():
        if path.suffix.lower() == ".csv":
            import pandas as pd

            df = pd.read_csv(path, dtype=str)
            if df.shape[1] < 2:
                raise ParameterError("a column-map CSV needs two columns (item id, export column).", file=path,
                                     fix="write one 'item,column' pair per line.")
            return dict(zip(df.iloc[:, 0].str.strip(), df.iloc[:, 1].str.strip(), strict=True))
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ParameterError("a column-map YAML must be a mapping 'item: column'.", file=path,
                                 fix="write one 'item_id: column' per line, as under columns: in study.yaml.")
        return {str(k): str(v) for k, v in data.items()}
    out = {}
    for part in text.split(","):
        if "=" not in part:
            raise ParameterError(f"cannot read the column map entry '{part.strip()}'.",
                                 fix="write --columns 'brs_1=Q1,brs_2=Q2' (item=column) or give a YAML/CSV file.")
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _id_column(export: Path, exp: object, given: str | None) -> tuple[str, str]:
    """The id column (given, or the best candidate) and a note saying why; header names only."""
    from ..study.ids import rank_id_columns

    ranked = rank_id_columns(exp.data, exp.info)  # type: ignore[attr-defined]
    names = [c.column for c in ranked if c.column != "row"]
    if given:
        if given not in exp.data.columns or given == "row":  # type: ignore[attr-defined]
            shown = ", ".join(repr(n) for n in names[:5]) or "none found"
            raise ParameterError(f"there is no column '{given}'.", file=export,
                                 fix=f"choose the column holding participant codes (candidates, best first: {shown}).")
        return given, f"'{given}' (given with --id)"
    if not ranked:  # each row is one respondent, named by its place in the file
        return "row", "their row in the file (no column looks like an id; name one with --id)"
    best = ranked[0]
    others = f"; other candidates: {', '.join(repr(n) for n in names[1:4])}" if len(names) > 1 else ""
    return best.column, f"'{best.column}' ({best.why}){others}"


def _study(export: Path, instrument: str, id_col: str, columns: dict[str, str] | None, invalid: str) -> object:
    """A one-wave study in memory, resolved like a study file."""
    from ..errors import StudyError
    from ..study.load import StudyFile
    from ..study.model import Study
    from ..study.resolve import resolve_instruments

    ref = instrument
    if ref.endswith((".yaml", ".yml")) or Path(ref).is_file():
        ref = str(Path(ref).resolve())
    entry: dict = {"id": ref}
    if columns:
        entry["columns"] = columns
    spec = Study.model_validate({
        "name": export.stem, "exports": [{"file": str(export.resolve()), "timepoint": "T1"}],
        "timepoints": [{"id": "T1"}], "participant_id": {"column": id_col}, "instruments": [entry],
        "scoring": {"out_of_range": "error" if invalid == "raise" else "missing"},
        "analysis": {"codebook": None},
    })
    instruments, problems = resolve_instruments(spec.instruments, spec.exports, Path.cwd())
    if problems:
        _loc, message, fix = problems[0]
        raise StudyError(f"{message}.", fix=f"{fix}." if fix else None)
    return StudyFile(spec, export.resolve(), instruments)


@guard
def score_command(
    export: Annotated[Path, typer.Argument(
        help="A survey export (Qualtrics, REDCap, SurveyMonkey, MS/Google Forms, SPSS .sav, or plain CSV/TSV/XLSX)."
    )],
    instrument: Annotated[str, typer.Option("--instrument", "-i", help="Instrument id or YAML path.")],
    columns: Annotated[
        str | None,
        typer.Option("--columns", "-c", help="Column map item=column ('brs_1=Q1,brs_2=Q2', as in study.yaml) "
                                             "or a YAML/CSV file of pairs."),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="Column that identifies respondents (default: the best candidate).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write scores here (.csv or .xlsx).")
    ] = None,
    invalid: Annotated[
        str, typer.Option(help="'raise': stop on invalid answers; 'missing': treat them as missing.")
    ] = "raise",
) -> None:
    """Score one survey export with one instrument and print a summary.

    Test, preview and unfinished responses are set aside and ids normalised as 'evaltool
    validate' does. Every invalid answer (out of range, not a number, unknown label) is listed
    with its row and column and nothing is scored, unless you choose --invalid missing.

    Examples:

      evaltool score survey.csv --instrument brs

      evaltool score survey.xlsx -i cbi --columns "cbi_p1=Q5_1,cbi_p2=Q5_2" --out scores.csv
    """
    from ..analysis.scoring import score_study
    from ..errors import DataProblemsError
    from ..io import read_export
    from ..output import check_output_file, write_table
    from ..study import link_study

    if invalid not in ("raise", "missing"):
        raise ParameterError(f"--invalid must be 'raise' or 'missing'. Got {invalid!r} instead.")
    if out is not None:
        check_output_file(out, inputs=[export])
    exp = read_export(export)
    study = _study(export, instrument, "row", parse_column_map(columns), invalid)  # the instrument first
    id_col, why = _id_column(export, exp, id_column)
    if id_col != "row":
        study = _study(export, instrument, id_col, parse_column_map(columns), invalid)
    linked = link_study(study)  # type: ignore[arg-type]
    _check_items(export, exp, linked, instrument)
    errors = linked.problems[linked.problems["severity"] == "error"]
    if len(errors):
        raise DataProblemsError(f"{len(errors)} answer(s) are not valid; nothing was scored.", errors,
                                fix="correct or blank them in a copy of the export, or pass --invalid missing.")
    _report(export, instrument, linked, score_study(linked), why)
    if out is not None:
        write_table(score_study(linked).drop(columns=["timepoint"]), out)
        console().print(f"Scores written to {out}", markup=False)


def _check_items(export: Path, exp: object, linked: object, instrument: str) -> None:
    """Refuse when the instrument's items are not (all) in the export, naming what is."""
    from ..io._checks import header_like

    inst = next(iter(linked.instruments.values()))  # type: ignore[attr-defined]
    found = set(linked.item_map["item"])  # type: ignore[attr-defined]
    needed = [i for s in inst.scales for i in s.items]
    missing = list(dict.fromkeys(i for i in needed if i not in found))
    if not missing:
        return
    meta = set(exp.info.metadata_columns)  # type: ignore[attr-defined]
    cols = [str(c) for c in exp.data.columns if c != "row" and c not in meta and header_like(c)]  # type: ignore[attr-defined]
    shown = ", ".join(repr(c) for c in cols[:12]) + (" ..." if len(cols) > 12 else "")
    raise ParameterError(
        f"the export has no column for {inst.short_name} item(s) {missing}.", file=export,
        fix=f"map them with --columns item=column (e.g. --columns '{missing[0]}=<column>'); the export has {shown}.")


def _report(export: Path, instrument: str, linked: object, scores: object, why: str) -> None:
    con = console()
    c = linked.counts  # type: ignore[attr-defined]
    con.print(f"Respondents identified by {why}.", markup=False)
    con.print(f"{c['rows_in']} rows: {c['rows_kept']} scored, {c['rows_excluded']} set aside.", markup=False)
    for reason, n in linked.exclusions["reason"].value_counts().items():  # type: ignore[attr-defined]
        con.print(f"  set aside: {n} × {reason}", markup=False)
    summary = (scores.groupby("scale", observed=True)["score"]  # type: ignore[attr-defined]
               .agg(n="count", mean="mean", sd="std", min="min", max="max").reset_index())
    print_table(summary.round(2), title=f"{instrument}: {export.name}")
    missing = int(scores["score"].isna().sum())  # type: ignore[index]
    if missing:
        con.print(f"{missing} score(s) missing: too few items answered (see n_answered).", markup=False)
    warnings = linked.problems[linked.problems["severity"] == "warning"]  # type: ignore[attr-defined]
    for rule, n in warnings["rule"].value_counts().items():
        con.print(f"  warning: {n} × {rule}", markup=False)
