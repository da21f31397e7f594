"""The facilitator's cohort report: one cohort (or several pooled) beside everyone, in plain language.

A view of the ``cohorts``, ``cohort_responses``, ``cohort_scales``, ``cohort_changes``,
``cohort_themes`` and ``cohort_quotes`` tables, where the analysis already decided (across all
cohorts at once) which numbers may be shown and redacted every quote. A pooled report's rows
come from :func:`evaltool.analysis.steps.pooled.pooled_summaries` (the analysis pools, with the
same disclosure control); nothing is computed here.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..analysis import names as N
from ..errors import EvaltoolError
from ._cohort_tables import CohortTables
from ._cohort_view import VALUES, CohortView, join_words
from ._context import check_results
from .model import Callout, Report, Section, TextBlock
from .study import SYNTHETIC_BANNER

__all__ = ["build_cohort_report", "cohort_report", "list_cohorts", "write_cohort_reports"]

PARALLEL_FROM = 40
"""Fewest cohorts for which :func:`write_cohort_reports` builds the reports in worker processes."""


def list_cohorts(results: Any) -> list[str]:
    """The cohort ids in the results (sorted); empty when the study has no cohort group.

    Parameters
    ----------
    results
        :class:`evaltool.analysis.Results` (its ``cohorts`` table is used).

    Returns
    -------
    list of str
        The cohort ids as the study spells them.

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.analysis import Results
    >>> cohorts = pd.DataFrame({"cohort": ["C01", "C02"], "reportable": [True, False],
    ...                         "reason": ["", "fewer than 5 people took part"], "file": ["C01", "C02"]})
    >>> list_cohorts(Results(tables={"cohorts": cohorts}))
    ['C01', 'C02']
    """
    t = results.tables.get(N.COHORTS)
    return [] if t is None else sorted(map(str, t["cohort"]))


def resolve_cohort(results: Any, cohort: str) -> str:
    """The cohort id as the results spell it (matched case-insensitively), or a clear error."""
    known = list_cohorts(results)
    if not known:
        raise EvaltoolError("these results have no cohorts, so there are no cohort reports.",
                            fix="add a 'cohort' group to the study file (groups: - name: cohort) and re-run analyse.")
    if str(cohort) in known:
        return str(cohort)
    folded = [c for c in known if c.casefold() == str(cohort).strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    raise EvaltoolError(f"there is no cohort '{cohort}' in these results.", fix=f"choose one of: {', '.join(known)}.")


def build_cohort_report(results: Any, cohort: str | Sequence[str], *,
                        template_dirs: Sequence[str | Path] = ()) -> Report:
    """Build the facilitator report for one cohort, or for several cohorts pooled into one group.

    Parameters
    ----------
    results
        :class:`evaltool.analysis.Results` (from ``analyse()`` or ``load_results()``). Not modified.
    cohort
        The cohort id (see :func:`list_cohorts`; matched case-insensitively), or a list of two
        or more ids for a pooled report (``["C06", "C07"]``). A pooled report is summarised by
        the analysis (:func:`evaltool.analysis.steps.pooled.pooled_summaries`) from the
        participant-level tables, so it needs results that still have them (``analyse()``, or
        a results folder with its ``research/`` folder).
    template_dirs
        Folders searched first for templates.

    Returns
    -------
    Report
        Summary (page one, plain language), What changed, What participants said, What they
        suggested, About this report. A cohort (or pool) with fewer people than the study's
        smallest reportable group gets a report that says so, shows no numbers about it and
        names the cohorts it pools best with.

    Raises
    ------
    EvaltoolError
        When a cohort is not in the results (the message lists the cohorts that are), or a
        pooled report is asked of results without their research-only tables.

    Notes
    -----
    Shows only what the analysis's disclosure control allowed (the same decision for every
    cohort report and the study report; a pooled number only when, beside all of those, it
    reveals no hidden number), and quotes redacted with role words masked.

    Examples
    --------
    >>> from evaltool.analysis import analyse
    >>> from evaltool.examples import example_study_path
    >>> res = analyse(example_study_path())
    >>> rep = build_cohort_report(res, "C03")
    >>> [s.title for s in rep.sections][:2], rep.sections[-1].title
    (['Summary', 'What changed'], 'About this report')
    >>> build_cohort_report(res, ["C06", "C04"]).title
    'Cohorts C04 and C06 (pooled): feedback report'
    """
    check_results(results, "build_cohort_report")
    ids = [cohort] if isinstance(cohort, str) else list(cohort)
    if len(ids) == 1:
        cid = resolve_cohort(results, ids[0])
        return cohort_report(CohortTables(results), cid)
    from ..analysis.steps.pooled import pooled_summaries

    pooled = pooled_summaries(results, ids)
    cid = str(pooled[N.COHORTS]["cohort"].iloc[0])
    members = cid.split(" + ")
    res = dataclasses.replace(results, tables={**results.tables, **pooled})
    return cohort_report(CohortTables(res), cid, name=f"Cohorts {join_words(members)}", members=members,
                         results=results)


def cohort_report(tables: CohortTables, cid: str, *, name: str | None = None, members: list[str] | None = None,
                  results: Any = None) -> Report:
    """The report of cohort ``cid`` (as the tables spell it) from tables split once for all the
    reports of a run; ``members`` (two or more) with ``name`` and the original ``results``
    for a pooled report (see :func:`build_cohort_report`)."""
    find = tables.partners if results is None else None  # pooled: partners among the original cohorts
    results = tables.results if results is None else results
    members = [cid] if members is None else members
    name = f"Cohort {cid}" if name is None else name
    ctx = tables.ctx
    title = f"{name}{' (pooled)' if len(members) > 1 else ''}: feedback report"
    rep = Report(title=title, subtitle=results.study.name, template="cohort_report.html.j2")
    rep = rep.with_meta(generated=_dt.date.today().isoformat(), threshold=ctx.k, cohort=cid,
                        pooled=len(members) > 1)
    if results.synthetic:
        rep = rep.with_banner(SYNTHETIC_BANNER)
    if not tables.reportable(cid):
        return _too_small(rep, results, name, members, ctx.k, find)
    view = CohortView(tables, cid, name, pooled=len(members) > 1)
    advice = None
    if view.everything_hidden() or (len(members) > 1 and view.mostly_hidden()):
        advice = _pool_advice(results, members, find)
    rep = rep.add_section(view.summary(advice))
    for sec in (*view.changes(), view.said(), view.suggested(), view.about()):
        rep = rep.add_section(sec)
    return rep


def _partners(results: Any, members: list[str], find: Any = None) -> list[str]:
    from ..analysis.steps.pooled import partner_finder

    find = partner_finder(results) if find is None else find()  # ``find``: gives the run's shared finder
    out: list[str] = []
    for m in members:
        out += [c for c in find(m) if c not in members and c not in out]
    return out


def _pool_advice(results: Any, members: list[str], find: Any = None) -> Callout:
    """What to do when a group's numbers are (mostly) hidden: the pooled report to ask for."""
    partners = _partners(results, members, find)
    one = members[0]
    if len(members) > 1:
        text = ("Most of the pooled numbers are hidden. Pooling helps only where the cohorts' own numbers are hidden "
                "too: where one of them has its own number shown, the pooled number would reveal the others' by "
                "subtraction.")
        if partners:
            text += (f" Cohorts whose numbers are hidden in the same places pool better; for {one}, ask the "
                     f"evaluation team for `evaltool report cohort RESULTS --cohort {one} --with {partners[0]}`.")
        return Callout(text, level="warning")
    text = ("A report that pools this cohort with another can show more, when their hidden numbers fall in the "
            "same places")
    if partners:
        text += (f": ask the evaluation team for `evaltool report cohort RESULTS --cohort {one} --with "
                 f"{partners[0]}`")
    return Callout(text + ".", level="note")


def _too_small(rep: Report, results: Any, name: str, members: list[str], k: int, find: Any = None) -> Report:
    pooled = len(members) > 1
    what = (f"{name} together are too small for a report: fewer than {k} people took part in them."
            if pooled else f"{name} is too small for a report of its own: fewer than {k} people took part.")
    sec = Section("Summary").add(
        Callout(what + " To protect their anonymity this report shows no results, no counts and no quotes for "
                + ("these cohorts." if pooled else "this cohort."), level="warning"))
    partners = _partners(results, members, find)
    pool = (f"`evaltool report cohort RESULTS --cohort {members[0]} --with {partners[0]}`" if partners
            else f"`evaltool report cohort RESULTS --cohort {members[0]} --with` and another cohort")
    sec = sec.add(
        TextBlock("What you can do instead:\n\n"
                  "- Use the study report, which shows everyone's results together.\n"
                  f"- Ask the evaluation team for a report that pools {'them' if pooled else 'this cohort'} with "
                  f"another cohort whose numbers are hidden in the same places ({pool}); the report says when "
                  "pooling cannot be shown safely."),
        Callout(VALUES, level="privacy"),
    )
    return rep.add_section(sec)


def write_cohort_reports(results: Any, cdir: Path, *, pdf: bool = False,
                         template_dirs: Sequence[str | Path] = ()) -> dict[str, Path]:
    """Write one report per cohort into ``cdir`` (``<file>.html``, and ``.pdf`` when ``pdf``).

    The cohort tables are read and split once (:class:`CohortTables`), and the templates
    compiled and the CSS read once (:class:`~evaltool.report.render.Renderer`), before the
    reports are built and written in parallel across cores (:func:`evaltool._parallel.fork_map`,
    from :data:`PARALLEL_FROM` cohorts); each report is the same, byte for byte, as
    :func:`build_cohort_report` would give.

    Returns
    -------
    dict
        ``{"cohort:<id>": path, "cohort_pdf:<id>": path}`` in the cohorts table's order.
    """
    from .._parallel import fork_map

    items, job = cohort_writer(results, cdir, pdf=pdf, template_dirs=template_dirs)
    return dict(fork_map(job, items, min_items=PARALLEL_FROM))


def cohort_writer(results: Any, cdir: Path, *, pdf: bool = False, template_dirs: Sequence[str | Path] = ()
                  ) -> tuple[list[tuple[str, str]], Callable[[Sequence[tuple[str, str]]], list[tuple[str, Path]]]]:
    """``(items, job)``: the cohorts as ``(id, file stem)`` in the cohorts table's order, and the
    job that writes the reports of a slice of them (for :func:`~evaltool._parallel.fork_map`),
    with what they share read, split and compiled once, here, before any worker forks."""
    from .render import Renderer, save_report

    cohorts = results.tables[N.COHORTS]
    items = [(str(c), str(stem)) for c, stem in zip(cohorts["cohort"], cohorts["file"], strict=True)]
    tables = CohortTables(results)
    renderer = Renderer(template_dirs)
    renderer.template("cohort_report.html.j2")

    def job(chunk: Sequence[tuple[str, str]]) -> list[tuple[str, Path]]:
        out: list[tuple[str, Path]] = []
        for c, stem in chunk:
            rep = cohort_report(tables, c)
            out.append((f"cohort:{c}", save_report(rep, cdir / f"{stem}.html", renderer=renderer)))
            if pdf:
                out.append((f"cohort_pdf:{c}", save_report(rep, cdir / f"{stem}.pdf", renderer=renderer)))
        return out

    return items, job
