"""Keys of ``study.yaml`` that earlier releases spelt differently, read under today's name.

A study file is a file people keep: a key renamed in the API (one name per concept,
docs/architecture.md) is still read from an old file, with a warning saying what to write
instead. Python arguments have no such aliases; only the file format keeps them.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..errors import EvaltoolWarning

__all__ = ["ANALYSIS_RENAMED", "renamed_keys"]

ANALYSIS_RENAMED = {"suppression_threshold": "min_cell_size"}
"""``analysis:`` keys of release 0.1 → their name now."""


def renamed_keys(data: Any, renamed: dict[str, str], section: str) -> Any:
    """``data`` with old keys moved to their new name (a warning for each); unchanged if none.

    Raises
    ------
    ValueError
        When a file gives both the old and the new name (which one is meant is unclear).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     renamed_keys({"suppression_threshold": 10}, ANALYSIS_RENAMED, "analysis")
    {'min_cell_size': 10}
    >>> print(seen[0].message)
    analysis.suppression_threshold is the old name of analysis.min_cell_size; it is read as min_cell_size: 10. Write 'min_cell_size: 10' in the study file.
    """
    if not isinstance(data, dict) or not set(renamed) & set(data):
        return data
    out = dict(data)
    for old, new in renamed.items():
        if old not in out:
            continue
        if new in out:
            raise ValueError(f"gives both '{old}' (the old name) and '{new}'; keep only '{new}'")
        value = out.pop(old)
        out[new] = value
        warnings.warn(f"{section}.{old} is the old name of {section}.{new}; it is read as {new}: {value}. "
                      f"Write '{new}: {value}' in the study file.", EvaltoolWarning, stacklevel=2)
    return out
