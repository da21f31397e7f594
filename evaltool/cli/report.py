"""``evaltool report cohort | study``: reports from a results folder of ``evaltool analyse``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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


_REPORTS = ("report.html", "report.pdf", "report.docx")


def _paths(results: Path) -> Any:
    """An output guard for a report: every file of the results folder is an input except the
    reports themselves (study report, cohort_reports/), and so is every input the manifest
    names; reports named after data stay inside the results folder."""
    import json

    from ..privacy.paths import OutputGuard

    root = Path(results)
    inputs: list[Path] = []
    if root.is_dir():
        for p in root.rglob("*"):
            rel = p.relative_to(root).parts
            if p.is_file() and p.name not in _REPORTS and rel[0] != "cohort_reports":
                inputs.append(p)
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        inputs += [Path(i["path"]) for i in manifest.get("inputs", []) if i.get("path")]
        inputs.append(Path(manifest["study_file"]["path"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return OutputGuard(inputs, root=root)


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
    from ..privacy.paths import unique_names
    from ..report import build_cohort_report, list_cohorts

    res = load_results(results)
    k = threshold if threshold is not None else int(res.meta.get("suppression_threshold", 5) or 5)
    dirs = [str(p) for p in templates or []]
    rep = build_cohort_report(res, cohort, threshold=k, template_dirs=dirs)
    paths = _paths(results)
    target = paths.file(out) if out else paths.child(cohort, ".html", folder=Path(results) / "cohort_reports",
                                                     names=unique_names(list_cohorts(res)))
    also = paths.file(_with_suffix(target, ".pdf")) if pdf and target.suffix.lower() != ".pdf" else None
    target.parent.mkdir(parents=True, exist_ok=True)
    written = [rep.save(target, template_dirs=dirs)]
    if also is not None:
        written.append(rep.save(also, template_dirs=dirs))
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
    paths = _paths(results)
    target = paths.file(out or Path(results) / "report.html")
    also_pdf = paths.file(_with_suffix(target, ".pdf")) if pdf and target.suffix.lower() != ".pdf" else None
    also_docx = paths.file(_with_suffix(target, ".docx")) if docx else None
    target.parent.mkdir(parents=True, exist_ok=True)
    written = [rep.save(target, template_dirs=dirs)]
    if also_pdf is not None:
        written.append(rep.save(also_pdf, template_dirs=dirs))
    if also_docx is not None:
        written.append(write_apa_docx(res, also_docx))
    con = console()
    if res.synthetic:
        con.print("[bold yellow]SYNTHETIC EXAMPLE DATA[/] — not real participants.")
    for p in written:
        con.print(f"Study report: {p}", markup=False)
