"""Locate the data folders that ship with evaltool (instruments, reports, example study).

In a built wheel they live inside the package (``evaltool/_data/...``, put there by hatchling's
``force-include``). In a source checkout they are the top-level folders of the repository.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent


@cache
def data_dir(name: str) -> Path:
    """Return the folder of packaged data called ``name`` ("instruments", "reports", ...)."""
    packaged = Path(str(files("evaltool"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    in_repo = _REPO_ROOT / name
    if in_repo.is_dir():
        return in_repo
    raise FileNotFoundError(  # pragma: no cover - broken installation
        f"evaltool's '{name}' folder is missing from this installation; reinstall evaltool."
    )


def scales_dir() -> Path:
    return data_dir("instruments") / "scales"


def codebooks_dir() -> Path:
    return data_dir("instruments") / "codebooks"


def reports_dir() -> Path:
    return data_dir("reports")
