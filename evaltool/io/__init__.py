"""Reading survey exports.

PROVISIONAL: only plain CSV/XLSX for now; the platform readers (Qualtrics, REDCap,
SurveyMonkey, Microsoft Forms, Google Forms, SPSS) and format detection come with issue 3.
The contract stays: ``read_export(path) -> Export`` with ``.data`` (a DataFrame with a ``row``
column giving the spreadsheet line number) and ``.info``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError

__all__ = ["Export", "ExportInfo", "read_export"]


@dataclass(frozen=True)
class ExportInfo:
    path: str
    format: str
    encoding: str | None
    header_rows: int
    question_text: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Export:
    data: pd.DataFrame
    info: ExportInfo


def read_export(path: str | Path) -> Export:
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found.", file=path, fix="check the path.")
    if path.suffix.lower() == ".xlsx":
        data = pd.read_excel(path, dtype=object)
        enc = None
    else:
        data = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
        enc = "utf-8"
    data.insert(0, "row", range(2, len(data) + 2))
    return Export(data, ExportInfo(str(path), "plain", enc, 1))
