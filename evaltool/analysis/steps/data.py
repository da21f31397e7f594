"""Steps that turn exports into data: link and validate, then score."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ... import columns as C
from ...errors import DataProblemsError
from ...study import link_study
from .. import names as N
from ..scoring import administered, scale_info, score_study

if TYPE_CHECKING:
    from ..pipeline import Run


def link(run: Run) -> None:
    """Read every export, link waves by participant, validate; stop on data errors."""
    linked = link_study(run.study)
    run.linked = linked
    errors = linked.problems[linked.problems[C.SEVERITY] == "error"]
    if len(errors):
        raise DataProblemsError(
            f"{len(errors)} data problem(s) must be fixed before the analysis can run.",
            linked.problems,
            fix="run 'evaltool validate' to write the problems table, correct a copy of the export, "
                "and point the study file at the corrected copy.",
        )
    run.tables.update({
        N.INPUTS: linked.inputs, N.EXCLUSIONS: linked.exclusions, N.PROBLEMS: linked.problems,
        N.MATCH_REPORT: linked.match_report, N.ITEM_MAP: linked.item_map, N.PARTICIPANTS: linked.participants,
    })


def score(run: Run) -> None:
    """Score every instrument at the timepoints it was given; one row per scale."""
    linked = run.linked
    assert linked is not None
    run.tables[N.SCALES] = scale_info(linked)
    run.tables[N.SCORES] = score_study(linked)
    rows = [{"instrument": inst.id, "scale": s.id, "timepoint": t}
            for inst in linked.instruments.values() for s in inst.scales
            for t in administered(linked, inst)]
    run.tables[N.ADMINISTRATION] = pd.DataFrame(rows, columns=["instrument", "scale", "timepoint"])
