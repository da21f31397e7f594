"""How well a mixed model fits: REML criterion, log-likelihood, AIC/BIC, ICC and Nakagawa R²."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ... import columns as C
from ._design import cell_rows
from .fit import MixedFit
from .tables import MODEL, as_fits

__all__ = ["MODEL_FIT_COLUMNS", "model_fit_statistics"]

MODEL_FIT_COLUMNS = (
    C.INSTRUMENT, C.SCALE, MODEL, "n_obs", "n_participants", "n_cohorts", "reml_criterion",
    "loglik", "loglik_df", "aic", "bic", "var_fixed", "var_random", "var_residual",
    "icc_adjusted", "icc_unadjusted", "r2_marginal", "r2_conditional", "singular", "method",
    "note",
)
"""Columns of :func:`model_fit_statistics`."""

PERFORMANCE_TOL = 1e-5
"""performance's ``tolerance``: a relative random-effect SD (lme4 ``theta``) below it makes
``icc()`` and ``r2_nakagawa()`` treat the random-effect variances as not computable."""

METHOD = ("REML; logLik, AIC and BIC of the REML fit (df = fixed effects + random-effect SDs "
          "+ residual SD); ICC and R2 of Nakagawa, Johnson & Schielzeth (2017) as "
          "performance::icc / r2_nakagawa")
"""What the ``method`` column says."""

SINGULAR_NOTE = ("singular fit: the random-effect variances are not used, so the ICCs and the "
                 "conditional R2 are undefined and the marginal R2 is var_fixed / (var_fixed + "
                 "var_residual), as performance::icc / r2_nakagawa (\"Can't compute random "
                 "effect variances. Some variance components equal zero.\")")


def model_fit_statistics(fits: MixedFit | Sequence[MixedFit] | Mapping[object, MixedFit],
                         ) -> pd.DataFrame:
    """Model-fit statistics of mixed models, one row per fit (scale).

    Parameters
    ----------
    fits
        One fit from :func:`fit_mixed`, a list of them, or a mapping whose values are fits
        (e.g. one per scale). Not modified.

    Returns
    -------
    pandas.DataFrame
        Columns (:data:`MODEL_FIT_COLUMNS`):

        * ``instrument``, ``scale``, ``model`` (lme4 formula);
        * ``n_obs`` (observations in the model), ``n_participants``, ``n_cohorts`` (missing
          without a cohort random intercept);
        * ``reml_criterion`` — −2 × REML log-likelihood (lme4 ``REMLcrit``);
        * ``loglik`` — REML log-likelihood; ``loglik_df`` — the parameters R counts for it:
          fixed effects + random-intercept SDs + residual SD;
        * ``aic`` = −2 ``loglik`` + 2 ``loglik_df``, ``bic`` = −2 ``loglik`` +
          log(``n_obs``) ``loglik_df`` (R ``AIC()``/``BIC()`` of a REML fit: compare only
          models with the same fixed effects);
        * ``var_fixed`` (variance of the fixed-effect predictions), ``var_random`` (sum of the
          random-intercept variances), ``var_residual`` (σ²);
        * ``icc_adjusted`` = var_random / (var_random + var_residual), ``icc_unadjusted`` =
          var_random / (var_fixed + var_random + var_residual);
        * ``r2_marginal`` = var_fixed / (var_fixed + var_random + var_residual),
          ``r2_conditional`` = (var_fixed + var_random) / (same);
        * ``singular`` (boundary fit, lme4's ``isSingular``), ``method`` (what was computed)
          and ``note`` (why an ICC or R² is missing; else None).

    Notes
    -----
    All at full precision from the REML fit of :func:`fit_mixed`. ``var_fixed`` is
    ``var(X beta)``, the sample variance (n − 1) of the fixed-effect predictions over the
    observations, computed from the model-matrix row of each timepoint (× group) cell and the
    cell counts. As performance 0.10.2, a random-intercept SD below
    :data:`PERFORMANCE_TOL` × σ (a boundary fit) leaves the random-effect variances out: both
    ICCs and the conditional R² are then missing and the marginal R² is
    var_fixed / (var_fixed + var_residual); the reason is in ``note``.

    Checked against R 4.2.2 with lme4 1.1.31 (``REMLcrit``, ``logLik``, ``AIC``, ``BIC``,
    ``nobs``, ``ngrps``), performance 0.10.2 (``icc``, ``r2_nakagawa``) and insight 0.19.0
    (``get_variance``) for ``score ~ time + (1 | id)``, ``+ (1 | cohort)`` and
    ``profession * time`` on ``tests/reference/expected/model_fit.json``: likelihood
    quantities within 1e-6 relative, ICC and R² within 1e-5.

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.stats.mixed import fit_mixed
    >>> scores = pd.DataFrame({
    ...     "participant_id": ["a", "a", "b", "b", "c", "c", "d"],
    ...     "timepoint": pd.Categorical(["pre", "post"] * 3 + ["pre"],
    ...                                 categories=["pre", "post"], ordered=True),
    ...     "score": [3.0, 3.6, 2.5, 3.4, 4.0, 4.1, 3.1]})
    >>> row = model_fit_statistics(fit_mixed(scores)).iloc[0]
    >>> int(row["n_obs"]), int(row["loglik_df"]), bool(row["aic"] == row["reml_criterion"] + 8)
    (7, 4, True)
    >>> round(float(row["icc_adjusted"]), 3), round(float(row["r2_marginal"]), 3)
    (0.707, 0.241)
    """
    rows = [_row(f) for f in as_fits(fits, "model_fit_statistics")]
    out = pd.DataFrame(rows, columns=list(MODEL_FIT_COLUMNS))
    for col in ("n_obs", "n_participants", "n_cohorts", "loglik_df"):
        out[col] = out[col].astype("Int64")
    out["singular"] = out["singular"].astype("boolean")
    return out


def var_fixed(fit: MixedFit) -> float:
    """``var(X beta)`` (n − 1) from the cell means and counts, without the model matrix."""
    n_g = None if fit.group_levels is None else len(fit.group_levels)
    means = cell_rows(len(fit.time_levels), n_g) @ fit.beta  # time-major, group fastest
    counts = fit._cell_counts.T.reshape(-1).astype(float)
    n = counts.sum()
    centre = counts @ means / n
    return float(counts @ (means - centre) ** 2 / (n - 1))


def _row(fit: MixedFit) -> dict[str, object]:
    df = len(fit.beta) + len(fit.theta) + 1
    crit = fit.reml_criterion
    vf = var_fixed(fit)
    vres = fit.sigma ** 2
    nan = float("nan")
    if np.any(fit.theta < PERFORMANCE_TOL):
        vrand = nan
        icc_adj = icc_unadj = r2_cond = nan
        r2_marg = vf / (vf + vres)
        note: str | None = SINGULAR_NOTE
    else:
        vrand = float(np.sum((fit.theta * fit.sigma) ** 2))
        total = vf + vrand + vres
        icc_adj, icc_unadj = vrand / (vrand + vres), vrand / total
        r2_marg, r2_cond = vf / total, (vf + vrand) / total
        note = None
    return {
        C.INSTRUMENT: fit.instrument, C.SCALE: fit.scale, MODEL: fit.formula,
        "n_obs": fit.n_obs, "n_participants": fit.n_participants,
        "n_cohorts": fit.n_cohorts if fit.cohort is not None else pd.NA,
        "reml_criterion": crit, "loglik": fit.loglik_reml, "loglik_df": df,
        "aic": crit + 2.0 * df, "bic": crit + np.log(fit.n_obs) * df,
        "var_fixed": vf, "var_random": vrand, "var_residual": vres,
        "icc_adjusted": icc_adj, "icc_unadjusted": icc_unadj,
        "r2_marginal": r2_marg, "r2_conditional": r2_cond,
        "singular": fit.singular, "method": METHOD, "note": note,
    }
