"""Shared, cached inputs for the report and integration tests (one analysis per test worker)."""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

SNAPSHOTS = Path(__file__).parent / "snapshots"

PARTICIPANT_ID_PATTERN = re.compile(r"\bP0\d\d\b")


@cache
def example_results() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from evaltool.analysis import analyse
    from evaltool.examples import example_study_path

    return analyse(example_study_path())


@cache
def example_results_with(**analysis: Any) -> Any:
    """The example analysed with other ``analysis`` options (e.g. ``min_cell_size=10``)."""
    import dataclasses

    from evaltool.analysis import analyse
    from evaltool.examples import example_study_path
    from evaltool.study import load_study

    sf = load_study(example_study_path())
    spec = sf.spec.model_copy(update={"analysis": sf.spec.analysis.model_copy(update=analysis)})
    return analyse(dataclasses.replace(sf, spec=spec))


@cache
def study_report() -> Any:
    from evaltool.report import build_study_report

    return build_study_report(example_results())


@cache
def study_html() -> str:
    return study_report().to_html()


@cache
def cohort_report(cohort: str) -> Any:
    from evaltool.report import build_cohort_report

    return build_cohort_report(example_results(), cohort)


@cache
def cohort_html(cohort: str) -> str:
    return cohort_report(cohort).to_html()


def pii_fragments() -> list[str]:
    """The identifying pieces of the example's planted PII (evaltool/examples/_phrases.py PII)."""
    from evaltool.examples._phrases import PII

    frags: list[str] = []
    for items in PII.values():
        for _kind, sentence in items:
            frags += re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", sentence)                 # e-mails
            frags += re.findall(r"\+?\d[\d ]{8,}\d", sentence)                         # phone / NHS numbers
            frags += re.findall(r"(?:Dr|Sister|Mr|Mrs|Ms)\.? [A-Z][a-z]+", sentence)   # titled names
            frags += re.findall(r"\b[A-Z][a-z]+ (?:Jones|Mercer)\b", sentence)         # first + last names
            frags += re.findall(r"(?:Larkspur Ward|Castlebridge General Hospital)", sentence)
    return sorted(set(frags))


def report_structure(report: Any) -> dict[str, Any]:
    """Ordered section titles with their table captions and figure captions (for snapshots)."""
    out = []
    for s in report.sections:
        out.append({
            "title": s.title, "level": s.level,
            "tables": [b.caption for b in s.blocks if b.kind == "table"],
            "figures": [b.caption for b in s.blocks if b.kind == "figure"],
        })
    return {"title": report.title, "sections": out}


def check_snapshot(name: str, structure: dict) -> None:
    """Compare with tests/snapshots/<name>.json; EVALTOOL_UPDATE_SNAPSHOTS=1 rewrites it."""
    path = SNAPSHOTS / f"{name}.json"
    text = json.dumps(structure, indent=1, ensure_ascii=False) + "\n"
    if os.environ.get("EVALTOOL_UPDATE_SNAPSHOTS") or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == structure, (
        f"report structure changed; if intended, rerun with EVALTOOL_UPDATE_SNAPSHOTS=1 and review {path}")
