"""The study report's APA-style tables as DataFrames (for notebooks: ``results.table(name, style="apa")``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import ParameterError
from ._context import make_ctx
from ._tables import study_tables

__all__ = ["APA_KEYS", "apa_table"]

APA_KEYS = {"change_vs_baseline": "model", "reliable_change_summary": "reliable_change"}
"""Results table names whose APA table has another key in the report."""


def apa_table(results: Any, name: str) -> pd.DataFrame:
    """The APA-style display table the study report shows for ``name`` (display strings)."""
    tabs = {t.key: t for t in study_tables(make_ctx(results))}
    key = APA_KEYS.get(name, name)
    if key not in tabs:
        back = {v: k for k, v in APA_KEYS.items()}
        raise ParameterError(f"there is no APA-style table for {name!r} in these results.",
                             fix=f"choose one of: {', '.join(sorted(back.get(k, k) for k in tabs))}.")
    return tabs[key].frame
