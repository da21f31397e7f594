"""``evaltool analyse study.yaml``: the whole analysis, written to one folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import console, guard


def summarise(results: object, out: Path) -> None:
    """Print the headline findings, the checks (errors and warnings apart) and where things are
    (no participant data)."""
    from ..report.headline import headline_lines, problem_counts

    con = console()
    meta = results.meta  # type: ignore[attr-defined]
    if meta.get("synthetic"):
        con.print("[bold yellow]SYNTHETIC EXAMPLE DATA[/] — not real participants.")
    c = meta.get("counts", {})
    con.print(f"[bold]{_esc(meta.get('study_name'))}[/]: {c.get('participants', '?')} participants, "
              f"{c.get('rows_kept', '?')} responses analysed, {c.get('rows_excluded', 0)} set aside "
              "(see research/tables/exclusions.csv).")
    errors, warnings = problem_counts(results)
    colour = "yellow" if warnings or errors else "green"
    con.print(f"[{colour}]Checks of the data: {_plural(errors, 'error')}, {_plural(warnings, 'warning')}[/]"
              + (" (research/tables/problems.csv lists each with its fix)." if errors or warnings else "."))
    lines = [ln for ln in headline_lines(results)
             if not ln.startswith(("Checks of the data", f"{c.get('participants')} participants"))]
    if lines:
        con.print("Headline findings:")
        for ln in lines:
            con.print(f"  {ln}", markup=False)
    con.print(f"Results folder: {out}", markup=False)
    for name, what in (("index.html", "Everything at a glance (open in a browser)"), ("report.html", "Study report"),
                       ("results.xlsx", "Shareable tables (one workbook)"),
                       ("reproduce.ipynb", "Notebook that re-runs and checks every number")):
        if (out / name).exists():
            con.print(f"  {what}: {out / name}", markup=False)
    cohort_dir = out / "cohort_reports"
    reports = sorted(cohort_dir.glob("*.html")) if cohort_dir.exists() else []
    if reports:
        parts = results.tables.get("participants")  # type: ignore[attr-defined]
        pick = reports[0]
        if parts is not None and "cohort" in parts.columns:  # show the largest cohort's report
            biggest = parts["cohort"].value_counts().index[0]
            pick = next((p for p in reports if p.stem == str(biggest)), pick)
        con.print(f"  Cohort reports ({len(reports)}), e.g.: {pick}", markup=False)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _esc(text: object) -> str:
    from rich.markup import escape

    return escape(str(text))


@guard
def analyse_command(
    study: Annotated[Path, typer.Argument(help="The study file (study.yaml).")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Results folder (default ./evaltool-output/<study>-results).")
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace the contents of a non-empty results folder.")] = False,
) -> None:
    """Run everything: link, score, reliability, flow, pre/post, models, reliable change,
    themes, figures, reports, manifest and a reproduce notebook.

    Refuses to write into a non-empty folder unless --overwrite is given. Stops with a problems
    table (exit code 1) when the data have errors; run 'evaltool validate' first to see them.

    Examples:

      evaltool analyse study.yaml --out results/

      evaltool analyse study.yaml --out results/ --overwrite
    """
    from ..analysis import analyse
    from ..study import load_study
    from ._progress import step_progress
    from .validate import default_out

    sf = load_study(study)
    out_dir = out or default_out(sf.path, "results")
    with step_progress("analyse") as update:
        results = analyse(sf, out=out_dir, overwrite=overwrite, progress=update)
    summarise(results, out_dir)
