"""Fit a linear mixed model of change over time for one scale: :func:`fit_mixed`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ... import columns as C
from ...errors import ParameterError
from . import _reml
from ._design import INTERCEPT, Design, build

__all__ = ["DF_METHOD", "MixedFit", "fit_mixed"]

DF_METHOD = "Satterthwaite"
"""Name of the denominator-df method written into every output row."""


@dataclass(frozen=True, eq=False, repr=False)
class MixedFit:
    """A fitted linear mixed model (REML) with what is needed for Satterthwaite tests.

    Build it with :func:`fit_mixed`; turn it into tables with :func:`tidy_mixed`,
    :func:`variance_components`, :func:`anova_type3`, :func:`emmeans`,
    :func:`emmeans_contrasts` and :func:`change_vs_baseline`. Arrays must not be modified.

    Attributes
    ----------
    formula
        The model in lme4 notation, e.g. ``"score ~ timepoint + (1 | participant_id)"``.
    instrument, scale
        Taken from the ``instrument``/``scale`` columns of the scores, if present (else None).
    dv, time, subject, group, cohort
        The column names used.
    all_time_levels
        Every declared timepoint, baseline first.
    time_levels
        Timepoints with data, baseline first; ``empty_time_levels`` the declared ones without.
    group_levels
        Levels of ``group`` (reference first), or None.
    column_names, column_terms, terms
        Fixed-effect coefficient names, the model term of each, and the terms (R's order).
    beta, vcov
        Fixed-effect estimates and their covariance ``sigma^2 (X'H^-1 X)^-1``.
    sigma
        Residual SD.
    theta
        Random-intercept SDs relative to ``sigma`` (lme4's ``theta``), subject then cohort.
    reml_criterion
        lme4's REML criterion (−2 × REML log-likelihood); ``loglik_reml`` is −½ of it.
    singular
        Whether the fit is on the boundary (a random-intercept SD below lme4's
        ``isSingular`` tolerance 1e-4 × sigma); ``messages`` says which.
    converged
        Whether the optimiser converged.
    n_obs, n_participants, n_cohorts
        Observations used, participants and cohorts.
    n_per_time
        Observations at each of ``time_levels``.
    sd_baseline, n_baseline
        Sample SD (n − 1) and number of the baseline scores used in the model.
    n_missing, n_incomplete
        Rows dropped because the score was missing, or the group/cohort value was.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({
    ...     "participant_id": ["a", "a", "b", "b", "c", "c", "d"],
    ...     "timepoint": pd.Categorical(["pre", "post"] * 3 + ["pre"],
    ...                                 categories=["pre", "post"], ordered=True),
    ...     "score": [3.0, 3.6, 2.5, 3.4, 4.0, 4.1, 3.1]})
    >>> fit = fit_mixed(scores, scale=None)
    >>> fit.formula, fit.n_obs, fit.n_participants, [round(float(b), 4) for b in fit.beta]
    ('score ~ timepoint + (1 | participant_id)', 7, 4, [3.15, 0.5382])
    """

    formula: str
    instrument: object
    scale: object
    dv: str
    time: str
    subject: str
    group: str | None
    cohort: str | None
    all_time_levels: tuple
    time_levels: tuple
    empty_time_levels: tuple
    group_levels: tuple | None
    column_names: tuple[str, ...]
    column_terms: tuple[str, ...]
    terms: tuple[str, ...]
    beta: np.ndarray
    vcov: np.ndarray
    sigma: float
    theta: np.ndarray
    reml_criterion: float
    singular: bool
    converged: bool
    messages: tuple[str, ...]
    n_obs: int
    n_participants: int
    n_cohorts: int
    n_per_time: tuple[int, ...]
    sd_baseline: float
    n_baseline: int
    n_missing: int
    n_incomplete: int
    _jac: tuple[np.ndarray, ...] = field(default=(), repr=False)
    _vcov_varpar: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    _cell_counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)

    @property
    def loglik_reml(self) -> float:
        return -0.5 * self.reml_criterion

    @property
    def baseline(self) -> object:
        return self.time_levels[0]

    @property
    def random_groups(self) -> tuple[str, ...]:
        return (self.subject,) if self.cohort is None else (self.subject, self.cohort)

    def __repr__(self) -> str:
        label = " / ".join(str(x) for x in (self.instrument, self.scale) if x is not None)
        flag = ", singular" if self.singular else ""
        return (f"MixedFit({self.formula!r}{', ' + label if label else ''}: "
                f"n_obs={self.n_obs}, n_participants={self.n_participants}, "
                f"REML criterion={self.reml_criterion:.4f}{flag})")


def fit_mixed(
    scores: pd.DataFrame, *, dv: str = C.SCORE, time: str = C.TIMEPOINT,
    subject: str = C.PARTICIPANT_ID, group: str | None = None, cohort: str | None = None,
    baseline: object = None, scale: str | None = C.SCALE,
) -> MixedFit:
    """Fit ``score ~ time + (1 | participant)`` by REML on all available scores of one scale.

    The random-intercept model uses every observed score, so participants lost to follow-up
    still count. Time is treatment-coded against the baseline; optionally a second random
    intercept for ``cohort`` and a ``group * time`` interaction are added. The input is not
    modified. The estimation and its R references are in docs/statistics.md, section 4.

    Parameters
    ----------
    scores
        Long scores of one scale: one row per participant × timepoint. If it has an
        ``instrument`` or ``scale`` column, each must hold one value (they label the output).
    dv, time, subject
        Columns of the score, the timepoint and the participant id. The timepoint order is
        the categorical's category order; a non-categorical timepoint column needs
        ``baseline=`` and is then ordered by first appearance.
    group, cohort
        Optional columns of a between-participant factor (e.g. profession: ``score ~ group *
        time + (1 | participant)``, reference level the first category, as R's ``factor``) and
        of the cohort (workshop group: adds ``+ (1 | cohort)``; one cohort per participant).
    baseline, scale
        The reference timepoint (default the first category of ``time``); the column naming
        the scale (used only to label the output; None or absent = unlabelled).

    Returns
    -------
    MixedFit
        Estimates, covariance, variance components and counts; see :class:`MixedFit`.

    Raises
    ------
    ParameterError
        For a missing column, an unknown baseline, several scales, rows without a participant
        id or timepoint, or data that cannot support the model (the message says why).

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"participant_id": list("aabbccd"),
    ...     "timepoint": pd.Categorical(["pre", "post"] * 3 + ["pre"],
    ...                                 categories=["pre", "post"], ordered=True),
    ...     "score": [3.0, 3.6, 2.5, 3.4, 4.0, 4.1, 3.1]})
    >>> fit = fit_mixed(scores)
    >>> fit.formula
    'score ~ timepoint + (1 | participant_id)'
    >>> fit.column_names
    ('(Intercept)', 'timepoint[post]')
    >>> round(float(fit.beta[1]), 4)
    0.5382
    """
    d: Design = build(scores, dv=dv, time=time, subject=subject, group=group, cohort=cohort, baseline=baseline,
                      scale=scale if scale in getattr(scores, "columns", ()) else None)
    y_mean = float(d.y.mean())
    yc = d.y - y_mean  # centred for accuracy; the intercept absorbs the mean
    st = _reml.sums(d.X, yc, d.subject, d.n_subjects, d.cohort_of_subject, d.n_cohorts)
    _check_estimable(st, yc)
    opt = _optimised(st)
    s, sigma, beta, vcov = _fixed_effects(st, opt, y_mean)
    sat = _reml.satterthwaite(st, opt.phi, sigma)
    singular = bool(np.any(opt.phi < _reml.SINGULAR_TOL))
    rhs = f"{group} * {time}" if group is not None else time
    return MixedFit(
        formula=f"{dv} ~ {rhs} + (1 | {subject})" + (f" + (1 | {cohort})" if cohort else ""),
        instrument=d.instrument, scale=d.scale, dv=dv, time=time, subject=subject, group=group,
        cohort=cohort, all_time_levels=d.all_time_levels, time_levels=d.time_levels,
        empty_time_levels=d.empty_time_levels, group_levels=d.group_levels,
        column_names=d.column_names, column_terms=d.column_terms, terms=d.terms, beta=beta,
        vcov=vcov, sigma=sigma, theta=opt.phi.copy(),
        reml_criterion=float(_reml.reml_criterion(st, s)), singular=singular,
        converged=opt.converged, messages=_messages(opt, sat, d, subject, cohort, singular),
        n_obs=st.n_obs, n_participants=d.n_subjects, n_cohorts=d.n_cohorts,
        n_per_time=d.n_per_time, sd_baseline=d.sd_baseline, n_baseline=d.n_baseline,
        n_missing=d.n_missing, n_incomplete=d.n_incomplete, _jac=sat.jac,
        _vcov_varpar=sat.vcov_varpar, _cell_counts=d.cell_counts,
    )


def _check_estimable(st: _reml.Sums, yc: np.ndarray) -> None:
    """The fixed-effect design must be of full rank and leave residual variance."""
    s0 = _reml.state(st, np.zeros(st.n_re))
    if s0 is None:  # pragma: no cover - factor designs with data in every cell are full rank
        raise ParameterError("fit_mixed(): the fixed-effect design is rank deficient.")
    if not s0.Q > 1e-12 * max(float(yc @ yc), 1e-300) or st.n_obs <= st.p:
        raise ParameterError(
            "fit_mixed(): the scores do not vary once the fixed effects are accounted for "
            "(zero residual variance), so no variance components can be estimated.",
            fix="check the scoring; a scale whose scores are all equal has nothing to model.")


def _optimised(st: _reml.Sums) -> _reml.Optimum:
    """The REML optimum; a residual variance at its upper limit means a degenerate model."""
    opt = _reml.optimise(st)
    if not opt.converged and "upper limit" in opt.message:
        raise ParameterError(
            "fit_mixed(): the residual variance is estimated as zero: the scores do not change "
            "within participants beyond the fixed effects, so the model is degenerate.",
            fix="check the scoring and the timepoint column (are the timepoints' scores "
                "copies of each other?).")
    return opt


def _fixed_effects(st: _reml.Sums, opt: _reml.Optimum, y_mean: float,
                   ) -> tuple[_reml.State, float, np.ndarray, np.ndarray]:
    """The solution at the optimum, σ, β (intercept back on the scale of the scores), cov(β)."""
    s = _reml.solve(st, opt.phi)
    sigma = float(np.sqrt(s.Q / (st.n_obs - st.p)))
    beta = s.beta.copy()
    beta[0] += y_mean
    vcov = sigma ** 2 * np.linalg.inv(s.M)
    vcov = 0.5 * (vcov + vcov.T)
    return s, sigma, beta, vcov


def _messages(opt: _reml.Optimum, sat: _reml.Satterthwaite, d: Design, subject: str,
              cohort: str | None, singular: bool) -> tuple[str, ...]:
    """What the reader of the fit must know: optimiser messages, a boundary (singular) fit,
    a Hessian that is not positive definite, timepoints left out."""
    messages = []
    if opt.message:
        messages.append(opt.message)
    if singular:
        groups = (subject,) if cohort is None else (subject, cohort)
        at0 = [g for g, ph in zip(groups, opt.phi, strict=True) if ph < _reml.SINGULAR_TOL]
        messages.append("boundary (singular) fit: the random-intercept variance of "
                        + " and ".join(f"'{g}'" for g in at0) + " is estimated as (nearly) 0")
    if sat.n_negative_eigen:
        messages.append(f"Hessian of the REML deviance has {sat.n_negative_eigen} negative "
                        "eigenvalue(s): the model may not have converged")
    if d.empty_time_levels:
        messages.append("no scores at timepoint(s) "
                        + ", ".join(repr(x) for x in d.empty_time_levels) + "; left out")
    return tuple(messages)


def _intercept_index(fit: MixedFit) -> int:
    return fit.column_names.index(INTERCEPT)
