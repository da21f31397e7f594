"""What the drafting steps share: the exports as read, and the guesses they make."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ...io import ExportInfo

RISK_WORDS = {3: "high", 2: "medium", 1: "low"}


def one_line(text: object, limit: int = 160) -> str:
    """Text safe inside a YAML comment: one line, no control characters, not too long."""
    flat = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", str(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True)
class Guess:
    """One guess ``init`` made: where in the draft, what, and how risky (3 = check first)."""

    risk: int
    where: str
    text: str

    def line(self) -> str:
        return one_line(f"{self.where}: {self.text}", 400)


@dataclass
class Loaded:
    """One export as read for drafting, and the timepoints it holds."""

    rel: str
    path: Path
    data: pd.DataFrame
    info: ExportInfo
    sheet: str | None = None
    timepoints: list[str] = field(default_factory=list)
    id_column: str | None = None

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.data.columns if c != "row"]

    @property
    def qtext(self) -> dict[str, str]:
        return dict(self.info.question_text or {})

    @property
    def label(self) -> str:
        return self.path.name


def slug(text: str, fallback: str = "x", limit: int = 40) -> str:
    """An identifier from free text: lower case, ``_`` between words, starts with a letter."""
    s = re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")[:limit].strip("_")
    if not s:
        return fallback
    return s if s[0].isalpha() else f"{fallback}_{s}"
