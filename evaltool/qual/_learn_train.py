"""Training one code of coding by example (private; see :func:`evaltool.qual.learn.train_coder`):
cross-validated decision values, Platt calibration, the choice between rules, model and
rules OR model, the final classifier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError
from ._learn_models import (
    DECISION,
    MARGIN,
    PROBABILITY,
    FoldMatrices,
    PlattModel,
    _base,
    _best_threshold,
    _folds,
    _honest,
    _kappa,
    _no_fold_worse,
    _platt,
    _scores,
)


def _check_training(cv: Any, min_positive: Any) -> None:
    if not (isinstance(cv, int) and cv >= 2):
        raise ParameterError(f"The 'cv' parameter of train_coder() must be an integer >= 2. "
                             f"Got {cv!r} instead.")
    if not (isinstance(min_positive, int) and min_positive >= 2):
        raise ParameterError("The 'min_positive' parameter of train_coder() must be an integer "
                             f">= 2. Got {min_positive!r} instead.")


@dataclass
class _Training:
    """What :func:`train_coder` builds, code by code."""

    fold_matrices: FoldMatrices
    x_all: Any
    ids: np.ndarray
    cv: int
    seed: int
    min_positive: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    models: dict[str, Any] = field(default_factory=dict)
    decisions: dict[str, str] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    model_thresholds: dict[str, float] = field(default_factory=dict)
    preds: list[pd.DataFrame] = field(default_factory=list)


def _train_code(run: _Training, code: str, target: np.ndarray, base: np.ndarray | None, in_book: bool) -> None:
    """Cross-validate one code, choose its decision, fit its final classifier (into ``run``)."""
    n_pos, n_neg = int(target.sum()), int((~target).sum())
    row: dict[str, Any] = {C.CODE: code, "n_answers": len(target), "n_positive": n_pos, "n_folds": 0,
                           "kappa": np.nan, "precision": np.nan, "recall": np.nan, "f1": np.nan,
                           "trained": False, DECISION: "not trained",
                           "kappa_rules": _kappa(target, base) if base is not None else np.nan,
                           "kappa_model": np.nan, "threshold": np.nan, "note": ""}
    run.rows.append(row)
    if n_pos < run.min_positive or n_neg < run.min_positive:
        _too_few(run, row, target, base if in_book else None, n_pos, n_neg)
        return
    folds = _folds(target, run.cv, run.seed)
    dec = np.zeros(len(target))
    for tr, te in folds:
        xtr, xte = run.fold_matrices(tr, te)
        dec[te] = _base(run.seed).fit(xtr, target[tr]).decision_function(xte)
    a, b = _platt(dec, target)
    prob = 1.0 / (1.0 + np.exp(-(a * dec + b)))
    t_model, k_model = _best_threshold(target, prob)
    best = _choose(target, prob, folds, base if in_book else None, row["kappa_rules"], t_model,
                   few=n_pos < 2 * run.min_positive)
    row.update(n_folds=len(folds), trained=True, kappa_model=k_model, threshold=best[2])
    row[DECISION] = best[1]
    _scores(row, target, best[3])
    if best[1] == "rules":
        row["note"] = "the model was not better than the rules in cross-validation: coded by rule"
    elif not best[0] >= 0.4:
        row["note"] = ("weak cross-validated agreement (kappa < 0.4): check before applying, "
                       "or code more examples")
    run.decisions[code] = best[1]
    run.thresholds[code] = best[2] if best[1] != "rules" else np.nan
    run.model_thresholds[code] = t_model
    run.preds.append(pd.DataFrame({C.RESPONSE_ID: run.ids, C.CODE: code, PROBABILITY: prob,
                                   C.RULE: base if base is not None else np.zeros(len(run.ids), bool),
                                   "predicted": np.asarray(best[3], bool), "human": target}))
    run.models[code] = PlattModel(_base(run.seed).fit(run.x_all, target), a, b)


def _too_few(run: _Training, row: dict[str, Any], target: np.ndarray, base: np.ndarray | None,
             n_pos: int, n_neg: int) -> None:
    """A code with too few positive or negative answers: by rule if the codebook has it."""
    which = "positive" if n_pos < run.min_positive else "negative"
    few = f"only {min(n_pos, n_neg)} {which} answer(s) (< {run.min_positive})"
    if base is not None:
        row[DECISION] = "rules"
        _scores(row, target, base)
        row["note"] = f"{few}: coded by the codebook's rules"
        run.decisions[row[C.CODE]] = "rules"
    else:
        row["note"] = f"{few}: not trained; code more examples"


def _choose(target: np.ndarray, prob: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]],
            base: np.ndarray | None, kappa_rules: float, t_model: float, few: bool
            ) -> tuple[float, str, float, np.ndarray]:
    """(κ, decision, threshold, predictions) of the best of rules, model and rules OR model.

    ``base``: the rule hits when the codebook has the code (None: no rule option)."""
    options: list[tuple[float, str, float, np.ndarray]] = []
    if base is not None:
        options.append((kappa_rules, "rules", np.nan, base))
    # the options are compared on honest out-of-fold predictions: each fold's threshold is
    # chosen on the other folds, so the choice of threshold does not flatter a model
    honest = _honest(target, prob, folds, None)
    options.append((_kappa(target, honest), "model", t_model, honest))
    if base is not None:
        t_or, _ = _best_threshold(target, prob, base)
        honest_or = _honest(target, prob, folds, base)
        options.append((_kappa(target, honest_or), "rules_or_model", t_or, honest_or))
    best = options[0]
    if best[1] == "rules" and few:
        options = options[:1]  # too few examples to trust a model over the rules
    for opt in options[1:]:
        if best[1] == "rules" and opt[1] != "rules":
            # leave the rules only for a model that beats them by MARGIN overall and is
            # no worse in any fold (a gain in one lucky fold is noise)
            if opt[0] > best[0] + MARGIN and _no_fold_worse(target, opt[3], best[3], folds):
                best = opt
        elif opt[0] > best[0] + 1e-9 and (best[1] != "rules" or opt[1] == "rules"):
            best = opt
    return best
