"""Classifiers, calibration and scores for coding by example (private; see
:mod:`evaltool.qual.learn`).

One logistic regression per code with Platt scaling on its out-of-fold decision values;
thresholds chosen by Cohen's κ; the valence classifier; the fold matrices (vectorisers fitted
on each training fold only). scikit-learn is imported only when these run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ._learn_features import Featurizer

DECISION = "decision"
PROBABILITY = "probability"
VALENCE = "valence"
MARGIN = 0.05
"""A code leaves its rules only when a model beats them by this much in cross-validated κ (the
best of several options on the same folds is optimistic; the margin pays for the choice)."""
_THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.025), 3)


class FoldMatrices:
    """Feature matrices of a fold (vectorisers fitted on its training answers), cached by fold."""

    def __init__(self, texts: list[str], questions: list[str] | None, rules: np.ndarray,
                 rule_cols: list[str]) -> None:
        self.texts, self.questions, self.rules, self.rule_cols = texts, questions, rules, rule_cols
        self.cache: dict[tuple[int, int], Any] = {}

    def __call__(self, train_idx: np.ndarray, test_idx: np.ndarray) -> tuple[Any, Any]:
        key = (hash(train_idx.tobytes()), len(train_idx))
        if key not in self.cache:
            texts, questions = self.texts, self.questions
            tr_t = [texts[i] for i in train_idx]
            tr_q = None if questions is None else [questions[i] for i in train_idx]
            f = Featurizer().fit(tr_t, tr_q, self.rule_cols)
            te_q = None if questions is None else [questions[i] for i in test_idx]
            self.cache[key] = (f.transform(tr_t, tr_q, self.rules[train_idx]),
                               f.transform([texts[i] for i in test_idx], te_q, self.rules[test_idx]))
        return self.cache[key]


def _base(seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(class_weight="balanced", solver="liblinear", C=1.0,
                              max_iter=2000, random_state=seed)


class PlattModel:
    """A classifier with a sigmoid (Platt) calibration fitted on its out-of-fold decision
    values (as ``CalibratedClassifierCV(method="sigmoid", ensemble=False)``, reusing the
    cross-validation that chose the threshold instead of a second one)."""

    def __init__(self, base: Any, a: float, b: float) -> None:
        self.base, self.a, self.b = base, a, b

    def predict_proba(self, x: Any) -> np.ndarray:
        d = self.base.decision_function(x)
        p = 1.0 / (1.0 + np.exp(-(self.a * d + self.b)))
        return np.column_stack([1.0 - p, p])


def _platt(decision: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: a 1-D logistic regression of the labels on the decision values."""
    from sklearn.linear_model import LogisticRegression

    m = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000).fit(decision.reshape(-1, 1), y)
    return float(m.coef_[0, 0]), float(m.intercept_[0])


def _kappa(y: np.ndarray, p: np.ndarray) -> float:
    from .intercoder import cohen_kappa_table

    y, p = np.asarray(y, bool), np.asarray(p, bool)
    t = np.array([[(~y & ~p).sum(), (~y & p).sum()], [(y & ~p).sum(), (y & p).sum()]], float)
    k, _ = cohen_kappa_table(t)
    return float(k) if np.isfinite(k) else (1.0 if (y == p).all() else 0.0)


def _kappa_multi(y: np.ndarray, p: np.ndarray) -> float:
    from .intercoder import cohen_kappa_table

    cats = sorted(set(y.tolist()) | set(p.tolist()))
    index = {c: i for i, c in enumerate(cats)}
    t = np.zeros((len(cats), len(cats)))
    for a, b in zip(y.tolist(), p.tolist(), strict=True):
        t[index[a], index[b]] += 1
    k, _ = cohen_kappa_table(t)
    return float(k) if np.isfinite(k) else 0.0


def _best_threshold(y: np.ndarray, prob: np.ndarray, base: np.ndarray | None = None) -> tuple[float, float]:
    """(threshold, κ) maximising κ of ``prob >= t`` (OR ``base``); ties: closest to 0.5."""
    best = (0.5, -np.inf)
    for t in _THRESHOLDS:
        pred = prob >= t if base is None else (base | (prob >= t))
        k = _kappa(y, pred)
        if k > best[1] + 1e-12 or (abs(k - best[1]) <= 1e-12 and abs(t - 0.5) < abs(best[0] - 0.5)):
            best = (float(t), k)
    return best


def _folds(y: np.ndarray, cv: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    n_min = int(min(y.sum(), (~y).sum())) if y.dtype == bool else int(pd.Series(y).value_counts().min())
    k = max(2, min(cv, n_min))
    return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))



def _honest(y: np.ndarray, prob: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]],
            base: np.ndarray | None) -> np.ndarray:
    """Out-of-fold decisions whose threshold is chosen on the other folds' probabilities."""
    pred = np.zeros(len(y), dtype=bool)
    for tr, te in folds:
        t, _ = _best_threshold(y[tr], prob[tr], None if base is None else base[tr])
        pred[te] = prob[te] >= t if base is None else (base[te] | (prob[te] >= t))
    return pred


def _no_fold_worse(y: np.ndarray, pred: np.ndarray, ref: np.ndarray,
                   folds: list[tuple[np.ndarray, np.ndarray]]) -> bool:
    """Whether ``pred`` agrees with ``y`` at least as well as ``ref`` in every test fold."""
    return all(_kappa(y[te], pred[te]) >= _kappa(y[te], ref[te]) - 1e-9 for _, te in folds)


def _scores(row: dict[str, Any], y: np.ndarray, pred: np.ndarray) -> None:
    pred = np.asarray(pred, bool)
    tp, fp = int((pred & y).sum()), int((pred & ~y).sum())
    fn = int((~pred & y).sum())
    row.update(kappa=_kappa(y, pred), precision=tp / (tp + fp) if tp + fp else np.nan,
               recall=tp / (tp + fn) if tp + fn else np.nan,
               f1=2 * tp / (2 * tp + fp + fn) if tp + fp + fn else np.nan)


def _train_valence(data: Any, rules: np.ndarray, rule_cols: list[str], x_all: Any, fold_matrices: Any,
                   cv: int, seed: int, min_positive: int) -> tuple[dict[str, Any], Any, str | None]:
    from sklearn.linear_model import LogisticRegression

    has = data.valence != ""
    yv = data.valence
    idx = np.flatnonzero(has)
    rule_label = np.array(["neutral"] * len(yv), dtype=object)
    for lab in ("positive", "negative", "mixed", "neutral"):
        col = f"valence_rule:{lab}"
        if col in rule_cols:
            rule_label[rules[:, rule_cols.index(col)] > 0] = lab
    row: dict[str, Any] = {C.CODE: VALENCE, "n_answers": len(yv), "n_positive": int(has.sum()), "n_folds": 0,
                           "kappa": np.nan, "precision": np.nan, "recall": np.nan, "f1": np.nan,
                           "trained": False, DECISION: "rules",
                           "kappa_rules": _kappa_multi(yv[idx], rule_label[idx]) if len(idx) else np.nan,
                           "kappa_model": np.nan, "threshold": np.nan, "note": ""}
    row["kappa"] = row["kappa_rules"]
    counts = pd.Series(yv[idx]).value_counts()
    if len(counts) < 2 or counts.iloc[1] < min_positive:
        row["note"] = "too few valued answers in a second category: valence by the codebook's rules"
        return row, None, "rules"

    def clf(n_min: int) -> Any:
        from sklearn.multiclass import OneVsRestClassifier

        return OneVsRestClassifier(LogisticRegression(class_weight="balanced", solver="liblinear",
                                                      C=1.0, max_iter=2000, random_state=seed))

    folds = _folds(yv[idx], cv, seed)
    pred = np.empty(len(idx), dtype=object)
    for tr, te in folds:
        xtr, xte = fold_matrices(idx[tr], idx[te])
        m = clf(int(pd.Series(yv[idx][tr]).value_counts().min()))
        pred[te] = m.fit(xtr, yv[idx][tr]).predict(xte)
    k_model = _kappa_multi(yv[idx], pred)
    row.update(n_folds=len(folds), trained=True, kappa_model=k_model)
    if k_model > row["kappa_rules"] + MARGIN:
        row[DECISION], row["kappa"] = "model", k_model
    else:
        row["note"] = "the model was not better than the rules in cross-validation: valence by rule"
    model = clf(int(counts.min())).fit(x_all[idx], yv[idx])
    return row, model, row[DECISION]
