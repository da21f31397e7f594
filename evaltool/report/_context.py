"""What every report view needs to know about the results: scales, labels, timepoints, options.

Read from the typed :class:`~evaltool.analysis.Results` only (its ``scales`` table, study
summary and options); nothing is recomputed and no file is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd

__all__ = ["Ctx", "at", "check_results", "make_ctx", "remember", "sharing", "table"]

_T = TypeVar("_T")
_SHARED: dict[int, dict[Any, Any]] = {}
"""id(results) → what the reports of one :func:`sharing` block have read from those results."""


@contextmanager
def sharing(results: Any) -> Iterator[None]:
    """Within the block, every report of ``results`` shares what is read from them: each
    shareable table (:func:`table`) and each :func:`remember`-ed view is made once.

    ``results`` are immutable, so what was read stays right for the whole block; outside a
    block nothing is kept. Nested blocks for the same results share the outer one's reading.
    """
    key = id(results)
    if key in _SHARED:
        yield
        return
    _SHARED[key] = {}
    try:
        yield
    finally:
        del _SHARED[key]


def remember(results: Any, key: Any, make: Callable[[], _T]) -> _T:
    """``make()``, made once per :func:`sharing` block of ``results`` (every call outside one)."""
    memo = _SHARED.get(id(results))
    if memo is None:
        return make()
    if key not in memo:
        memo[key] = make()
    value: _T = memo[key]
    return value


def at(frame: pd.DataFrame, row: Any, col: Any) -> Any:
    """``frame.loc[row, col]`` as a plain value (typed ``Any`` for the type checker)."""
    value: Any = frame.loc[row, col]
    return value


def table(results: Any, name: str) -> pd.DataFrame | None:
    """A results table as shareable outputs show it, timepoint-like columns as plain strings
    (None when absent, empty or research-only: reports never show research-only tables).

    Read once per :func:`sharing` block; each caller gets its own (shallow, copy-on-write)
    copy, so changing it changes nothing else."""
    t = remember(results, ("table", name), lambda: _shareable(results, name))
    return None if t is None else t.copy(deep=False)


def _shareable(results: Any, name: str) -> pd.DataFrame | None:
    t = results.shareable(name)
    if t is None or len(t) == 0:
        return None
    t = t.copy()
    for c in ("timepoint", "time_from", "time_to", "baseline"):
        if c in t.columns:
            t[c] = t[c].astype(object).where(t[c].notna(), None).map(lambda v: None if v is None else str(v))
    return t


def check_results(results: Any, caller: str) -> None:
    from ..analysis.results import Results
    from ..errors import ParameterError

    if not isinstance(results, Results):
        raise ParameterError(
            f"The 'results' parameter of {caller}() must be evaltool Results. Got "
            f"{type(results).__name__} instead.",
            fix="pass the return value of evaltool.analyse() or evaltool.load_results(folder).")


@dataclass
class Ctx:
    results: Any
    scales: pd.DataFrame
    primary: list[str]
    tps: list[str]
    tp_labels: dict[str, str]
    baseline: str
    k: int
    level: str
    labels: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    shorts: dict[str, str] = field(default_factory=dict)
    directions: dict[str, str] = field(default_factory=dict)
    views: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """Views of the results already made with this context (:meth:`view`)."""

    def view(self, key: str, make: Callable[[], _T]) -> _T:
        """``make()``, made once for this context (the results never change)."""
        if key not in self.views:
            self.views[key] = make()
        value: _T = self.views[key]
        return value

    @property
    def options(self) -> Any:
        return self.results.options

    def label(self, scale: str) -> str:
        return self.labels.get(scale, scale)

    def short(self, scale: str) -> str:
        """A table-friendly name: the label when short, else the instrument's short name."""
        return self.shorts.get(scale, self.label(scale))

    def tp(self, t: Any) -> str:
        """The study's label for a timepoint (``Baseline``), its id when it has none."""
        t = str(t)
        return self.tp_labels.get(t, t)

    def tp_id(self, t: Any) -> str:
        """``T2: After the workshop`` (id and label, for tables a researcher reads)."""
        t = str(t)
        lab = self.tp_labels.get(t, t)
        return t if lab == t else f"{t}: {lab}"

    def tp_plain(self, t: Any) -> str:
        """Plain words for a facilitator: ``after the workshop``."""
        t = str(t)
        lab = self.tp_labels.get(t, t)
        return lab[0].lower() + lab[1:] if lab and lab != t and not lab[:2].isupper() else lab

    def tp_at(self, t: Any) -> str:
        """``at baseline`` / ``after the workshop`` (for "12 people answered …")."""
        plain = self.tp_plain(t)
        return plain if plain.split(" ")[0] in ("after", "before", "during", "at") else f"at {plain}"

    def order_scales(self, frame: pd.DataFrame, col: str = "scale") -> pd.DataFrame:
        """Primary scales first (in the study's order), then the others."""
        rank = {s: i for i, s in enumerate(list(self.scales["scale"]))}
        prim = set(self.primary)
        key = frame[col].map(lambda s: (0 if s in prim else 1, rank.get(s, 999)))
        return frame.assign(_k=key).sort_values("_k", kind="stable").drop(columns="_k")


def make_ctx(results: Any) -> Ctx:
    """What the reports need to know about ``results`` (made once per :func:`sharing` block)."""
    return remember(results, "ctx", lambda: _make_ctx(results))


def _make_ctx(results: Any) -> Ctx:
    scales = table(results, "scales")
    if scales is None:
        scales = pd.DataFrame(columns=["scale", "label", "primary", "direction", "score_min", "score_max"])
    prim = scales.loc[scales["primary"].astype(bool), "scale"].tolist() if len(scales) else []
    study, opts = results.study, results.options
    labels = {str(r.scale): str(r.label) for r in scales.itertuples()}
    units, shorts, directions = {}, {}, {}
    r: Any
    for r in scales.itertuples():
        try:
            units[str(r.scale)] = f"{float(r.score_min):g}–{float(r.score_max):g}"
        except (TypeError, ValueError, AttributeError):
            pass
        directions[str(r.scale)] = str(getattr(r, "direction", ""))
    if "short_name" in scales.columns:
        sn = scales["short_name"].astype(str)
        for r, short in zip(scales.itertuples(), sn, strict=True):
            lab = str(r.label)
            unique = (sn == short).sum() == 1
            shorts[str(r.scale)] = short if len(lab) > 28 and unique and short not in ("", "nan") else lab
    return Ctx(results=results, scales=scales, primary=prim, tps=list(study.timepoints), shorts=shorts,
               tp_labels={str(k): str(v) for k, v in study.timepoint_labels.items()}, baseline=study.baseline,
               k=int(opts.min_cell_size), level=opts.level, labels=labels, units=units, directions=directions)
