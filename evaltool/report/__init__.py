"""Reports: immutable builders rendered to self-contained HTML and PDF.

- :func:`build_study_report` — the researchers' report (APA tables, methods, checklists);
- :func:`build_cohort_report` — a facilitator's report for one cohort (suppressed, redacted);
- :func:`write_apa_docx` — the APA tables as a Word document;
- :func:`write_reports` — all of them into a results folder;
- :func:`suppress_counts` — primary and complementary small-cell suppression.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .cohort import build_cohort_report, list_cohorts
from .docx import write_apa_docx
from .model import Callout, FigureBlock, QuoteBlock, Report, Section, TableBlock, TextBlock
from .study import build_study_report
from .suppression import Suppression, suppress_counts

__all__ = [
    "Callout",
    "FigureBlock",
    "QuoteBlock",
    "Report",
    "Section",
    "Suppression",
    "TableBlock",
    "TextBlock",
    "build_cohort_report",
    "build_study_report",
    "list_cohorts",
    "suppress_counts",
    "write_apa_docx",
    "write_reports",
]


def write_reports(results: Any, out_dir: str | Path, *, threshold: int | None = None, pdf: bool = False,
                  template_dirs: Sequence[str | Path] = ()) -> dict[str, Path]:
    """Write the study report, its APA tables and one report per cohort into ``out_dir``.

    Parameters
    ----------
    results
        :class:`evaltool.analysis.Results`. Not modified.
    out_dir
        The results folder (created if needed). Files written: ``report.html``,
        ``report.docx`` and ``cohort_reports/<cohort>.html`` (plus ``.pdf`` versions when
        ``pdf``).
    threshold
        Suppression threshold for the cohort reports (default: the study file's
        ``analysis.suppression_threshold``, else 5).
    pdf
        Also write PDFs (needs WeasyPrint's system libraries).
    template_dirs
        Folders searched first for templates and checklists.

    Returns
    -------
    dict
        ``{"study": …, "docx": …, "cohort:<id>": …}`` (and ``"study_pdf"``,
        ``"cohort_pdf:<id>"``) → paths written.

    Examples
    --------
    >>> from evaltool.analysis import analyse
    >>> from evaltool.examples import example_study_path
    >>> import tempfile
    >>> paths = write_reports(analyse(example_study_path()), tempfile.mkdtemp())
    >>> sorted(paths)[:3]
    ['cohort:C01', 'cohort:C02', 'cohort:C03']
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    k = int(threshold if threshold is not None else results.meta.get("suppression_threshold", 5) or 5)
    paths: dict[str, Path] = {}
    study = build_study_report(results, template_dirs=template_dirs)
    paths["study"] = study.save(out / "report.html", template_dirs=template_dirs)
    if pdf:
        paths["study_pdf"] = study.save(out / "report.pdf", template_dirs=template_dirs)
    paths["docx"] = write_apa_docx(results, out / "report.docx")
    cohorts = list_cohorts(results)
    if cohorts:
        cdir = out / "cohort_reports"
        cdir.mkdir(exist_ok=True)
        for c in cohorts:
            rep = build_cohort_report(results, c, threshold=k, template_dirs=template_dirs)
            paths[f"cohort:{c}"] = rep.save(cdir / f"{_safe(c)}.html", template_dirs=template_dirs)
            if pdf:
                paths[f"cohort_pdf:{c}"] = rep.save(cdir / f"{_safe(c)}.pdf", template_dirs=template_dirs)
    return paths


def _safe(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._") or "cohort"
