"""The product of an analysis: one typed, complete :class:`Results`.

``analyse()`` returns it; reports, the workbook, ``reproduce.ipynb`` and the CLI summaries are
views of it and compute nothing statistical; ``load_results(folder)`` gives the same object
back from a results folder (docs/architecture.md). This module sits at the bottom of the
analysis package: it imports no pipeline step, so ``evaltool.report`` can import it cheaply.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from ..options import DEFAULT_CONFIDENCE, DEFAULT_MIN_CELL_SIZE, percent
from . import names as N

__all__ = ["Figure", "Options", "Provenance", "Results", "StudySummary"]


@dataclass(frozen=True)
class Options:
    """The analysis options every number was computed with (frozen; from the study file).

    Attributes
    ----------
    confidence
        Level of every interval (0.95 → 95% intervals in every table, figure and report).
    effect_size
        Headline pre/post effect size, ``"d_av"`` or ``"d_z"`` (the other is shown beside it).
    correction
        Multiplicity correction (``"holm"``, ``"BH"`` or ``"none"``) over the confirmatory family.
    family
        Which comparisons form that family, in words.
    min_cell_size
        The smallest group a shareable output shows.
    baseline
        The baseline timepoint.
    contrasts
        Pre/post contrasts as ``(earlier, later)`` pairs (None: every timepoint against baseline).
    reliability_for_rci
        ``"published"`` or ``"baseline_alpha"`` (reliable change).
    cohort_random_effect
        Whether the mixed models add ``(1 | cohort)``.
    group_by_time
        Group columns for group × time type III tables.
    seed
        Seed of every random step (theme suggestions).

    Examples
    --------
    >>> o = Options(confidence=0.9, baseline="T1")
    >>> o.level, o.effect_size, o.min_cell_size
    ('90%', 'd_av', 5)
    """

    confidence: float = DEFAULT_CONFIDENCE
    effect_size: str = "d_av"
    correction: str = "holm"
    family: str = "every primary scale × contrast"
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE
    baseline: str = ""
    contrasts: tuple[tuple[str, str], ...] | None = None
    reliability_for_rci: str = "published"
    cohort_random_effect: bool = False
    group_by_time: tuple[str, ...] = ()
    seed: int = 20251

    @property
    def level(self) -> str:
        """The confidence level as people write it (``"95%"``)."""
        return percent(self.confidence)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["contrasts"] = None if self.contrasts is None else [list(c) for c in self.contrasts]
        d["group_by_time"] = list(self.group_by_time)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Options:
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        if kw.get("contrasts") is not None:
            kw["contrasts"] = tuple(tuple(c) for c in kw["contrasts"])
        kw["group_by_time"] = tuple(kw.get("group_by_time", ()))
        return cls(**kw)


@dataclass(frozen=True)
class StudySummary:
    """What the study is: name, timepoints, groups, questions and counts (no participant data).

    Examples
    --------
    >>> s = StudySummary(name="Pilot", timepoints=("T1", "T2"),
    ...                  timepoint_labels={"T1": "Baseline", "T2": "After the workshop"})
    >>> s.label("T2"), s.label("T9"), s.baseline
    ('After the workshop', 'T9', 'T1')
    """

    name: str = ""
    description: str = ""
    synthetic: bool = False
    timepoints: tuple[str, ...] = ()
    timepoint_labels: Mapping[str, str] = field(default_factory=dict)
    baseline_id: str = ""
    groups: tuple[str, ...] = ()
    cohort_group: str | None = None
    questions: Mapping[str, str] = field(default_factory=dict)
    counts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def baseline(self) -> str:
        return self.baseline_id or (self.timepoints[0] if self.timepoints else "")

    def label(self, timepoint: Any) -> str:
        """The study's label for a timepoint (its id when it has none)."""
        t = str(timepoint)
        return str(self.timepoint_labels.get(t) or t)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["timepoints"] = list(self.timepoints)
        d["groups"] = list(self.groups)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> StudySummary:
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        kw["timepoints"] = tuple(kw.get("timepoints", ()))
        kw["groups"] = tuple(kw.get("groups", ()))
        return cls(**kw)


@dataclass(frozen=True)
class Figure:
    """One figure, rendered once: SVG text and PNG bytes, with caption and alt text.

    The pipeline draws each figure once and keeps the rendered files, so the reports, the
    saved files and a reloaded :class:`Results` all show the same bytes.

    Examples
    --------
    >>> f = Figure(name="flow", caption="Participant flow.", alt="Participant flow.", svg="<svg/>", png=b"")
    >>> f.meta()
    {'name': 'flow', 'caption': 'Participant flow.', 'alt': 'Participant flow.', 'scale': None, 'shareable': True}
    """

    name: str
    caption: str
    alt: str
    svg: str
    png: bytes
    scale: str | None = None
    shareable: bool = True
    """False for a figure that shows individual people's scores (written to research/ only)."""

    def meta(self) -> dict[str, Any]:
        return {"name": self.name, "caption": self.caption, "alt": self.alt, "scale": self.scale,
                "shareable": self.shareable}

    def _repr_svg_(self) -> str:  # pragma: no cover - display only
        return self.svg

    def _repr_png_(self) -> bytes:  # pragma: no cover - display only
        return self.png


@dataclass(frozen=True)
class Provenance:
    """Where the results came from: inputs (by hash), software, time."""

    created: str = ""
    evaltool: str = ""
    python: str = ""
    platform: str = ""
    packages: Mapping[str, str] = field(default_factory=dict)
    study_file: Mapping[str, str] = field(default_factory=dict)
    inputs: tuple[Mapping[str, Any], ...] = ()
    instruments: tuple[Mapping[str, Any], ...] = ()
    codebook: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["inputs"] = [dict(i) for i in self.inputs]
        d["instruments"] = [dict(i) for i in self.instruments]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Provenance:
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        kw["inputs"] = tuple(kw.get("inputs", ()))
        kw["instruments"] = tuple(kw.get("instruments", ()))
        return cls(**kw)


@dataclass(frozen=True)
class Results:
    """Everything an analysis produced, with what it was computed from and with.

    Attributes
    ----------
    tables
        Name → DataFrame at full precision (names in :mod:`evaltool.analysis.names`);
        ``results["prepost"]`` is a shortcut.
    figures
        Name → :class:`Figure` (rendered SVG + PNG, caption).
    options
        :class:`Options`: confidence level, headline effect size, multiplicity, smallest group.
    study
        :class:`StudySummary`: name, timepoints and labels, groups, questions, counts.
    instruments
        Instrument id → the resolved :class:`~evaltool.instruments.Instrument` used to score.
    codebook
        The resolved :class:`~evaltool.qual.Codebook` (None without free text).
    provenance
        :class:`Provenance`: input hashes, software versions, time.
    notes
        Things the run wants a reader to know (a model not fitted, a step that failed softly).
    redaction
        The study's redaction lists (names, places, staff file): research-only, never shown.
    out_dir
        Where the results were written (None if not saved).

    Examples
    --------
    >>> import pandas as pd
    >>> res = Results(tables={"prepost": pd.DataFrame({"scale": ["brs"], "d_av": [0.2]})},
    ...               study=StudySummary(name="Pilot", synthetic=True, timepoints=("T1", "T2")))
    >>> res["prepost"]["d_av"].tolist(), "prepost" in res, list(res)
    ([0.2], True, ['prepost'])
    >>> res.synthetic, res.timepoints, res.options.level
    (True, ['T1', 'T2'], '95%')
    """

    tables: Mapping[str, pd.DataFrame]
    figures: Mapping[str, Figure] = field(default_factory=dict)
    options: Options = field(default_factory=Options)
    study: StudySummary = field(default_factory=StudySummary)
    instruments: Mapping[str, Any] = field(default_factory=dict)
    codebook: Any = None
    provenance: Provenance = field(default_factory=Provenance)
    notes: tuple[str, ...] = ()
    redaction: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    out_dir: Path | None = None

    # --- tables ------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"no table {name!r}; tables: {sorted(self.tables)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __contains__(self, name: object) -> bool:
        return name in self.tables

    def get(self, name: str) -> pd.DataFrame | None:
        """A table, or None when the analysis did not make it (or it is empty)."""
        t = self.tables.get(name)
        return None if t is None or len(t) == 0 else t

    def table(self, name: str, style: str | None = None) -> pd.DataFrame:
        """A table at full precision, or formatted as the study report shows it.

        Parameters
        ----------
        name
            A table name (``list(results)``).
        style
            ``None`` for the table itself; ``"apa"`` for the report's APA-style table (rounded,
            p as ``< .001``, intervals at the study's level, labels instead of ids). Tables the
            report shows: ``flow, attrition, reliability, descriptives, prepost, effect_sizes,
            wilcoxon, change_vs_baseline, model_fit, reliable_change_summary``.

        Examples
        --------
        >>> from evaltool import analyse
        >>> from evaltool.examples import example_study_path
        >>> res = analyse(example_study_path())
        >>> list(res.table("change_vs_baseline", style="apa").columns)[:3]
        ['Scale', 'Timepoint', 'β [95% CI]']
        """
        if style is None:
            return self[name]
        from ..errors import ParameterError

        if style != "apa":
            raise ParameterError(f"The 'style' parameter of Results.table() must be None or 'apa'. Got {style!r} instead.")
        from ..report.apa import apa_table

        return apa_table(self, name)

    def shareable_tables(self) -> dict[str, pd.DataFrame]:
        """The tables that may leave the research team, without their private columns."""
        out = {}
        for name, t in self.tables.items():
            if N.is_shareable(name):
                drop = [c for c in N.private_columns(name) if c in t.columns]
                out[name] = t.drop(columns=drop) if drop else t
        return out

    # --- convenience -------------------------------------------------------------------------
    @property
    def synthetic(self) -> bool:
        return bool(self.study.synthetic)

    @property
    def timepoints(self) -> list[str]:
        return list(self.study.timepoints)

    @property
    def meta(self) -> dict[str, Any]:
        """A flat summary (study name, timepoints, options, counts) for quick looks."""
        return {
            "study_name": self.study.name, "synthetic": self.synthetic, "timepoints": self.timepoints,
            "timepoint_labels": dict(self.study.timepoint_labels), "baseline": self.study.baseline,
            "groups": list(self.study.groups), "counts": dict(self.study.counts),
            **self.options.to_dict(), "notes": list(self.notes),
        }

    def headline(self) -> list[str]:
        """The main findings in one line each (what the console and the index page show)."""
        from ..report.headline import headline_lines

        return headline_lines(self)

    def __repr__(self) -> str:
        synth = " (SYNTHETIC data)" if self.synthetic else ""
        lines = [f"<Results {self.study.name!r}{synth}: {len(self.tables)} tables, {len(self.figures)} figures"]
        lines += [f"  {line}" for line in self.headline()]
        lines.append("  results['prepost'], list(results) for the tables>")
        return "\n".join(lines)

    def _repr_html_(self) -> str:  # pragma: no cover - display only
        from html import escape

        banner = ("<p><b>SYNTHETIC EXAMPLE DATA</b> — not real participants.</p>" if self.synthetic else "")
        items = "".join(f"<li>{escape(line)}</li>" for line in self.headline())
        rows = "".join(
            f"<tr><td>{escape(n)}</td><td>{len(t)}</td><td>{N.table_kind(n)}</td></tr>"
            for n, t in self.tables.items())
        return (f"<div><h4>evaltool results: {escape(self.study.name)}</h4>{banner}<ul>{items}</ul>"
                f"<details><summary>{len(self.tables)} tables</summary><table><tr><th>table</th>"
                f"<th>rows</th><th>kind</th></tr>{rows}</table></details></div>")
