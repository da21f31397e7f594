"""``evaltool score EXPORT --instrument NAME``: score one export without a study file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import ParameterError
from ._common import console, guard, print_table


def parse_column_map(text: str | None) -> dict[str, str] | None:
    """``"Q1=brs_1,Q2=brs_2"`` or a path to a YAML/CSV file with column → item pairs."""
    if not text:
        return None
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml", ".csv") and path.is_file():
        if path.suffix.lower() == ".csv":
            import pandas as pd

            df = pd.read_csv(path, dtype=str)
            if df.shape[1] < 2:
                raise ParameterError(
                    "a column-map CSV needs two columns (export column, item id).", file=path
                )
            return dict(zip(df.iloc[:, 0].str.strip(), df.iloc[:, 1].str.strip(), strict=True))
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ParameterError("a column-map YAML must be a mapping 'column: item_id'.", file=path)
        return {str(k): str(v) for k, v in data.items()}
    out = {}
    for part in text.split(","):
        if "=" not in part:
            raise ParameterError(
                f"cannot read the column map entry '{part.strip()}'.",
                fix="write --columns 'Q1=brs_1,Q2=brs_2' or give a YAML/CSV file.",
            )
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


@guard
def score_command(
    export: Annotated[Path, typer.Argument(
        help="A survey export (Qualtrics, REDCap, SurveyMonkey, MS/Google Forms, SPSS .sav, or plain CSV/TSV/XLSX)."
    )],
    instrument: Annotated[str, typer.Option("--instrument", "-i", help="Instrument id or YAML path.")],
    columns: Annotated[
        str | None,
        typer.Option("--columns", "-c", help="Column map 'Q1=brs_1,Q2=brs_2' or a YAML/CSV file of pairs."),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="Column that identifies respondents (default: detected).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write scores here (.csv or .xlsx).")
    ] = None,
    invalid: Annotated[
        str, typer.Option(help="'raise': stop on invalid answers; 'missing': treat them as missing.")
    ] = "raise",
) -> None:
    """Score one survey export with one instrument and print a summary.

    Every invalid answer (out of range, not a number, unknown label) is listed with its row
    and column and nothing is scored, unless you choose --invalid missing.

    Examples:

      evaltool score survey.csv --instrument brs

      evaltool score survey.xlsx -i cbi --columns "Q5_1=cbi_p1,Q5_2=cbi_p2" --out scores.csv
    """
    from ..io import read_export
    from ..output import check_output_file, write_table
    from ..scoring import score

    if out is not None:
        check_output_file(out, inputs=[export])
    exp = read_export(export)
    data = exp.data
    filled = [c for c in exp.info.id_column_candidates if data[c].notna().mean() >= 0.8]
    ids = [id_column] if id_column else (filled[:1] or _guess_id(data.columns))
    if id_column and id_column not in data.columns:
        raise ParameterError(
            f"there is no column '{id_column}'.", file=export,
            fix=f"choose one of: {list(data.columns)[:20]}",
        )
    scores = score(
        data, instrument, id_columns=ids + ["row"], columns=parse_column_map(columns),
        invalid=invalid, source=export.name,  # type: ignore[arg-type]
    )
    summary = (
        scores.groupby("scale", observed=True)["score"]
        .agg(n="count", mean="mean", sd="std", min="min", max="max")
        .reset_index()
    )
    summary.insert(1, "rows", len(data))
    print_table(summary.round(2), title=f"{instrument}: {export.name}")
    con = console()
    incomplete = int((scores["score"].isna()).sum())
    if incomplete:
        con.print(f"{incomplete} score(s) missing: too few items answered (see n_answered).", markup=False)
    if out is not None:
        write_table(scores, out)
        con.print(f"Scores written to {out}", markup=False)


def _guess_id(cols: object) -> list[str]:
    names = [str(c) for c in cols]  # type: ignore[attr-defined]
    for cand in ("participant_id", "ParticipantID", "id", "ID", "ResponseId", "Respondent ID", "record_id"):
        if cand in names:
            return [cand]
    return []
