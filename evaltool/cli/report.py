"""``evaltool report cohort | study``: reports from a results folder of ``evaltool analyse``.

Reports are views of the results: they are rebuilt from the folder exactly as ``analyse``
wrote them, after the folder is checked against its manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import console, guard

app = typer.Typer(
    help=(
        "Reports from a results folder: a facilitator's report for one cohort, or the study report.\n\n"
        "Reports are rebuilt from the results exactly as 'evaltool analyse' wrote them (the numbers "
        "and what is hidden were decided by the analysis). The folder is checked first: an "
        "incomplete or edited results folder is refused.\n\n"
        "Examples:\n\n"
        "  evaltool report cohort results/ --cohort C03 --out c03.html\n\n"
        "  evaltool report cohort results/ --cohort C03 --pdf --overwrite\n\n"
        "  evaltool report study results/ --pdf --docx --overwrite"
    ),
    no_args_is_help=True,
)

ResultsArg = Annotated[Path, typer.Argument(help="The results folder written by 'evaltool analyse'.")]
TemplatesOpt = Annotated[
    list[Path] | None,
    typer.Option("--templates", help="A folder of your own templates and checklists, searched before "
                                     "evaltool's (repeatable)."),
]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace report files that already exist.")]


def _targets(html: Path, pdf: bool, docx: bool = False) -> list[Path]:
    out = [html]
    if pdf:
        out.append(html.with_suffix(".pdf"))
    if docx:
        out.append(html.with_suffix(".docx"))
    return out


def _check_targets(targets: list[Path], overwrite: bool) -> None:
    from ..errors import OutputError

    for t in targets:
        if t.suffix.lower() not in (".html", ".htm", ".pdf", ".docx"):
            raise OutputError(f"cannot write a report as '{t.suffix or '(no extension)'}'.", file=t,
                              fix="use a .html file name for --out (a .pdf is written beside it with --pdf).")
        if t.is_symlink() or (t.exists() and not t.is_file()):
            raise OutputError("the report path is a link or a folder.", file=t, fix="choose a new file name for --out.")
        if t.exists() and not overwrite:
            raise OutputError("the report file already exists.", file=t,
                              fix="pass --overwrite to replace it, or choose another --out file.")
        if not t.parent.is_dir():
            raise OutputError("the folder for the report does not exist.", file=t,
                              fix=f"create {t.parent} first, or choose another --out file.")


def _record(results_dir: Path, written: list[Path]) -> None:
    """Files written inside the results folder are recorded in its manifest (with their hash)."""
    from ..analysis.load import record_files

    inside = [p for p in written if Path(p).resolve().is_relative_to(results_dir.resolve())]
    if inside:
        record_files(results_dir, inside)


def _load(results: Path):  # type: ignore[no-untyped-def]
    from ..analysis import load_results

    return load_results(results)


@app.command("cohort")
@guard
def cohort_command(
    results: ResultsArg,
    cohort: Annotated[str, typer.Option("--cohort", "-c", help="The cohort id, e.g. C03 (any case).")],
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write a PDF next to the HTML.")] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Report file (.html; default RESULTS/cohort_reports/<cohort>.html)."),
    ] = None,
    overwrite: OverwriteOpt = False,
    templates: TemplatesOpt = None,
) -> None:
    """Write the facilitator report for one cohort (HTML, and PDF with --pdf).

    Plain language, group results only, this cohort next to all participants: what changed,
    what participants said (redacted quotes), what they suggested. An unknown cohort lists the
    cohorts that exist.

    Examples:

      evaltool report cohort results/ --cohort C03 --out c03.html

      evaltool report cohort results/ --cohort c03 --pdf --overwrite
    """
    from ..report import build_cohort_report
    from ..report.cohort import resolve_cohort
    from ._progress import step_progress

    with step_progress("report") as update:
        update("checking the results folder", 0, 3)
        res = _load(results)
        cohort = resolve_cohort(res, cohort)
        cohorts = res.tables["cohorts"].set_index("cohort")
        target = out or Path(results) / "cohort_reports" / f"{cohorts.loc[cohort, 'file']}.html"
        targets = _targets(target, pdf)
        _check_targets(targets, overwrite)
        dirs = [str(p) for p in templates or []]
        update("building the report", 1, 3)
        rep = build_cohort_report(res, cohort, template_dirs=dirs)
        update("writing", 2, 3)
        written = [rep.save(t, template_dirs=dirs) for t in targets]
        _record(Path(results), written)
        update("done", 3, 3)
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
        Path | None, typer.Option("--out", "-o", help="Report file (.html; default RESULTS/report.html).")
    ] = None,
    overwrite: OverwriteOpt = False,
    templates: TemplatesOpt = None,
) -> None:
    """Write the study report: methods, flow, APA tables, figures, themes, joint displays, checklists.

    Examples:

      evaltool report study results/ --out study.html

      evaltool report study results/ --pdf --docx --overwrite
    """
    from ..report import build_study_report, write_apa_docx
    from ._progress import step_progress

    with step_progress("report") as update:
        update("checking the results folder", 0, 3)
        res = _load(results)
        target = out or Path(results) / "report.html"
        targets = _targets(target, pdf, docx)
        _check_targets(targets, overwrite)
        dirs = [str(p) for p in templates or []]
        update("building the report", 1, 3)
        rep = build_study_report(res, template_dirs=dirs)
        update("writing", 2, 3)
        written = []
        for t in targets:
            written.append(write_apa_docx(res, t) if t.suffix.lower() == ".docx" else rep.save(t, template_dirs=dirs))
        _record(Path(results), written)
        update("done", 3, 3)
    con = console()
    if res.synthetic:
        con.print("[bold yellow]SYNTHETIC EXAMPLE DATA[/] — not real participants.")
    for p in written:
        con.print(f"Study report: {p}", markup=False)
