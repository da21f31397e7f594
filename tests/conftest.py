"""Shared test fixtures.

Reference results from R live in ``tests/reference`` (a vendored copy of the workplace's
``shared/reference``; see its README for the R calls and package versions).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")
# Compiled codebooks go to a cache folder shared by the test workers, not the user's ~/.cache.
os.environ.setdefault("EVALTOOL_CACHE_DIR", str(Path(tempfile.gettempdir()) / "evaltool-test-cache"))

REFERENCE = Path(__file__).parent / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return REFERENCE


def load_expected(name: str) -> dict:
    """Load ``tests/reference/expected/<name>.json`` (exact doubles, NA -> None)."""
    with open(REFERENCE / "expected" / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)
