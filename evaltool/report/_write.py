"""All the reports of a results folder, written in parallel across cores when there are many.

The study report, its Word tables and the cohort reports are independent files: they are
written as one list of tasks by :func:`evaltool._parallel.fork_map`, so the study report and
the Word tables (a fixed cost, the same at any size) run beside the cohort reports instead of
before them (workers from :data:`~evaltool.report.cohort.PARALLEL_FROM` cohorts on). What the
cohort reports share is read and compiled once, before the workers fork
(:func:`~evaltool.report.cohort.cohort_writer`). The files, and the order of the paths
returned, are the same as writing them one after the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import cohort as _cohort
from .docx import write_apa_docx
from .index import write_index
from .study import build_study_report

__all__ = ["write_all"]

Task = tuple[str, ...]
"""``("study",)``, ``("docx",)`` or ``("cohort", id, file stem)``."""


def write_all(results: Any, out: Path, *, pdf: bool = False,
              template_dirs: Sequence[str | Path] = ()) -> dict[str, Path]:
    """Write ``report.html`` (and ``.pdf``), ``report.docx``, ``cohort_reports/*`` and
    ``index.html`` into the existing folder ``out``; see :func:`evaltool.report.write_reports`."""
    from .._parallel import fork_map

    tasks: list[Task] = [("study",), ("docx",)]
    cohort_job: Callable[[Sequence[tuple[str, str]]], list[tuple[str, Path]]] | None = None
    cohorts = results.tables.get("cohorts")
    if cohorts is not None and len(cohorts):
        cdir = out / "cohort_reports"
        cdir.mkdir(exist_ok=True)
        items, cohort_job = _cohort.cohort_writer(results, cdir, pdf=pdf, template_dirs=template_dirs)
        tasks += [("cohort", c, stem) for c, stem in items]

    def job(chunk: Sequence[Task]) -> list[tuple[str, Path]]:
        done: list[tuple[str, Path]] = []
        for task in chunk:
            if task[0] == "study":
                study = build_study_report(results, template_dirs=template_dirs)
                done.append(("study", study.save(out / "report.html", template_dirs=template_dirs)))
                if pdf:
                    done.append(("study_pdf", study.save(out / "report.pdf", template_dirs=template_dirs)))
            elif task[0] == "docx":
                done.append(("docx", write_apa_docx(results, out / "report.docx")))
            else:
                assert cohort_job is not None
                done += cohort_job([(task[1], task[2])])
        return done

    paths = dict(fork_map(job, tasks, min_items=_cohort.PARALLEL_FROM + 2))
    paths["index"] = write_index(results, out)
    return paths
