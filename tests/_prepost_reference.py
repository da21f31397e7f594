"""The scored reference data of tests/reference (R 4.2.2, ``r/prepost.R``) in evaltool's layout.

``expected/prepost_scores.json`` holds the scored long data every number in
``expected/prepost.json`` was computed from; here it becomes tidy Scores (one row per
participant × timepoint × scale, timepoint an ordered categorical pre < post < follow).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd

EXPECTED = Path(__file__).parent / "reference" / "expected"
MEASURES = ("resilience", "confidence", "burnout")
TIMES = ("pre", "post", "follow")


@cache
def expected() -> dict:
    with open(EXPECTED / "prepost.json", encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _scores() -> pd.DataFrame:
    with open(EXPECTED / "prepost_scores.json", encoding="utf-8") as fh:
        wide = pd.DataFrame(json.load(fh)["scores"])
    long = wide.melt(id_vars=["id", "cohort", "profession", "time"], value_vars=list(MEASURES),
                     var_name="scale", value_name="score")
    long = long.rename(columns={"id": "participant_id", "time": "timepoint"})
    long["timepoint"] = pd.Categorical(long["timepoint"], categories=list(TIMES), ordered=True)
    long["score"] = long["score"].astype("float64")
    return long


def scores() -> pd.DataFrame:
    """A fresh copy of the tidy reference Scores (295 rows × 3 scales)."""
    return _scores().copy()
