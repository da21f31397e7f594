"""Reports: immutable builders rendered to self-contained HTML and PDF.

- :func:`build_study_report` — the researchers' report (APA tables, methods, checklists);
- :func:`build_cohort_report` — a facilitator's report for one cohort (suppressed, redacted);
- :func:`write_apa_docx` — the APA tables as a Word document;
- :func:`build_index` / :func:`write_index` — ``index.html``: the results at a glance;
- :func:`write_reports` — all of them into a results folder (:func:`write_cohort_reports`: the
  cohort reports alone);
- :func:`suppress_counts` — primary and complementary small-cell suppression.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._context import sharing
from ._write import write_all
from .cohort import build_cohort_report, list_cohorts
from .docx import write_apa_docx
from .index import build_index, write_index
from .model import (
    Callout,
    FigureBlock,
    LinkList,
    QuoteBlock,
    Report,
    Section,
    TableBlock,
    TextBlock,
)
from .study import build_study_report
from .suppression import Suppression, suppress_counts

__all__ = [
    "Callout",
    "FigureBlock",
    "LinkList",
    "QuoteBlock",
    "Report",
    "Section",
    "Suppression",
    "TableBlock",
    "TextBlock",
    "build_cohort_report",
    "build_index",
    "build_study_report",
    "list_cohorts",
    "suppress_counts",
    "write_apa_docx",
    "write_index",
    "write_reports",
]


def write_reports(results: Any, out_dir: str | Path, *, pdf: bool = False,
                  template_dirs: Sequence[str | Path] = ()) -> dict[str, Path]:
    """Write the study report, its APA tables, one report per cohort and the index into ``out_dir``.

    Parameters
    ----------
    results
        :class:`evaltool.analysis.Results`. Not modified.
    out_dir
        The folder to write into (created if needed). Files written: ``report.html``,
        ``report.docx``, ``cohort_reports/<cohort>.html`` (plus ``.pdf`` versions when
        ``pdf``) and ``index.html``; cohort file names are the safe, distinct names the
        analysis chose. The reports share one reading of each table of the results; when
        there are many cohorts, the study report, its Word tables and the cohort reports are
        written in parallel across cores (:func:`evaltool.report._write.write_all`).
    pdf
        Also write PDFs (needs WeasyPrint's system libraries).
    template_dirs
        Folders searched first for templates and checklists.

    Returns
    -------
    dict
        ``{"study": …, "docx": …, "index": …, "cohort:<id>": …}`` (and ``"study_pdf"``,
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
    with sharing(results):  # every report reads each table of the results once
        return write_all(results, out, pdf=pdf, template_dirs=template_dirs)
