"""``evaltool report cohort | study``: reports from a results folder of ``evaltool analyse``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import console, guard

app = typer.Typer(
    help=(
        "Reports from a results folder: a facilitator's report for one cohort, or the study report.\n\n"
        "Cohort reports show group results only: counts under the threshold are hidden (with the "
        "cells that would reveal them), quotes are redacted, and a cohort that is too small gets a "
        "report that says so.\n\n"
        "Examples:\n\n"
        "  evaltool report cohort results/ --cohort C03\n\n"
        "  evaltool report cohort results/ --cohort C03 --pdf --threshold 10\n\n"
        "  evaltool report study results/ --pdf --docx"
    ),
    no_args_is_help=True,
)

ResultsArg = Annotated[Path, typer.Argument(help="The results folder written by 'evaltool analyse' (has manifest.json).")]
TemplatesOpt = Annotated[
    list[Path] | None,
    typer.Option("--templates", help="A folder of your own templates/checklists, searched before evaltool's (repeatable)."),
]


def _with_suffix(path: Path, suffix: str) -> Path:
    return path.with_suffix(suffix) if path.suffix.lower() in (".html", ".htm", ".pdf", ".docx") else path


@app.command("cohort")
@guard
def cohort_command(
    results: ResultsArg,
    cohort: Annotated[str, typer.Option("--cohort", "-c", help="The cohort id, e.g. C03.")],
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write a PDF next to the HTML.")] = False,
    threshold: Annotated[
        int | None,
        typer.Option("--threshold", "-k", min=3, help="Smallest group shown (default: the study file's "
                                                       "suppression_threshold, else 5; never below 3)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Report file (.html or .pdf; default RESULTS/cohort_reports/<cohort>.html)."),
    ] = None,
    templates: TemplatesOpt = None,
) -> None:
    """Write the facilitator report for one cohort (HTML, and PDF with --pdf).

    Plain language, group results only, this cohort next to all participants: what changed,
    what participants said (redacted quotes), what they suggested. An unknown cohort lists the
    cohorts that exist.

    Examples:

      evaltool report cohort results/ --cohort C03

      evaltool report cohort results/ --cohort C03 --pdf --out c03.html
    """
    from ..analysis import load_results
    from ..report import build_cohort_report

    res = load_results(results)
    k = threshold if threshold is not None else int(res.meta.get("suppression_threshold", 5) or 5)
    dirs = [str(p) for p in templates or []]
    rep = build_cohort_report(res, cohort, threshold=k, template_dirs=dirs)
    target = out or Path(results) / "cohort_reports" / f"{cohort}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    written = [rep.save(target, template_dirs=dirs)]
    if pdf and target.suffix.lower() != ".pdf":
        written.append(rep.save(_with_suffix(target, ".pdf"), template_dirs=dirs))
    con = console()
    if res.synthetic:
        con.print("[bold yellow]SYNTHETIC EXAMPLE DATA[/] — not real participants.")
    for p in written:
        con.print(f"Cohort report: {p}", markup=False)


@app.command("study")
@guard
def study_command(
    results: ResultsArg,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write a PDF.")] = False,
    docx: Annotated[bool, typer.Option("--docx", help="Also write the APA tables as a Word document.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Report file (.html or .pdf; default RESULTS/report.html).")
    ] = None,
    templates: TemplatesOpt = None,
) -> None:
    """Write the study report: methods, flow, APA tables, figures, themes, joint displays, checklists.

    Examples:

      evaltool report study results/

      evaltool report study results/ --pdf --docx
    """
    from ..analysis import load_results
    from ..report import build_study_report, write_apa_docx

    res = load_results(results)
    dirs = [str(p) for p in templates or []]
    rep = build_study_report(res, template_dirs=dirs)
    target = out or Path(results) / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    written = [rep.save(target, template_dirs=dirs)]
    if pdf and target.suffix.lower() != ".pdf":
        written.append(rep.save(_with_suffix(target, ".pdf"), template_dirs=dirs))
    if docx:
        written.append(write_apa_docx(res, _with_suffix(target, ".docx")))
    con = console()
    if res.synthetic:
        con.print("[bold yellow]SYNTHETIC EXAMPLE DATA[/] — not real participants.")
    for p in written:
        con.print(f"Study report: {p}", markup=False)
