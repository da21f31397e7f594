"""Mixed-methods integration step: joint displays, themes by timepoint, quotes by change.

Their numbers are tables in the results (shareable: small groups suppressed, quotes redacted),
so a reviewer can check every number a report shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ... import columns as C
from .. import names as N
from .quotes import quote_pool, redaction_options, source_text

if TYPE_CHECKING:
    from ..pipeline import Run


def integration(run: Run) -> None:
    """Joint display (change by code), themes by timepoint, quotes grouped by reliable change."""
    from ...integrate import joint_display, quotes_by_change, themes_by_timepoint
    from ...integrate.redaction import default_redactor

    codings, answers, matrix = run.table(N.CODINGS), run.table(N.FREE_TEXT), run.table(N.CODE_MATRIX)
    counts, rc = run.table(N.CODE_COUNTS), run.table(N.RELIABLE_CHANGE)
    if codings is None or answers is None or counts is None:
        return
    k, primary = run.options.min_cell_size, run.primary_scales()
    run.tables[N.THEMES_BY_TIMEPOINT] = themes_by_timepoint(
        codings, answers, min_cell_size=k, codes=list(counts[C.CODE]), codebook=run.codebook)
    if matrix is None or rc is None or not primary:
        return
    in_rc = set(pd.unique(rc[C.SCALE]))
    run.tables[N.JOINT_DISPLAY] = joint_display(matrix, rc, min_cell_size=k, scales=[s for s in primary if s in in_rc],
                                                confidence=run.options.confidence)
    red = redaction_options({"names": tuple(run.spec.analysis.redact_names),
                             "places": tuple(run.spec.analysis.redact_places)})
    opts = red if isinstance(red, dict) else {}
    qb = quotes_by_change(quote_pool(codings, answers), rc, scales=primary, min_cell_size=k, per_category=6,
                          text=C.TEXT, redactor=default_redactor(opts.get("names", ()), opts.get("places", ())))
    run.tables[N.QUOTES_BY_CHANGE] = _two_per_category(run, qb)


def _two_per_category(run: Run, qb: pd.DataFrame) -> pd.DataFrame:
    """At most two quotes per scale × category, none repeated across scales; adds ``source``."""
    seen: set[str] = set()
    keep: list[int] = []
    taken: dict[tuple[object, object, object], int] = {}
    for i, r in enumerate(qb.itertuples()):
        key = (r.scale, r.time_to, r.rci_category)
        text = str(r.quote).casefold()
        if r.suppressed or (text not in seen and taken.get(key, 0) < 2):
            keep.append(i)
            seen.add(text)
            taken[key] = taken.get(key, 0) + 1
    out = qb.iloc[keep].reset_index(drop=True)
    questions = {f.id: (f.label or f.id) for f in run.spec.free_text}
    labels = {t.id: (t.label or t.id) for t in run.spec.timepoints}
    out["source"] = ["" if s else source_text(t, q, questions, labels)
                     for s, t, q in zip(out["suppressed"], out[C.TIMEPOINT], out[C.QUESTION], strict=True)]
    return out
