"""Active learning: which uncoded answers would teach a learned coder most if a person coded them.

:func:`select_for_review` ranks the answers nobody has coded yet by how unsure the learned
coder is about them (a code's calibrated probability near its threshold; valence close
between two categories) and picks them in turn for each code, weakest code first, spreading
the picks across questions and never taking the same text twice. The chosen answers go into
the review sheet (``evaltool themes review --next N``); once coded, training again
(:func:`evaltool.qual.learn.train_coder`, or ``themes code --learn``) uses them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError
from ._learn_features import rule_features
from ._learn_input import key_of
from .learn import VALENCE, LearnedCoder

__all__ = ["REVIEW_NEXT_COLUMNS", "select_for_review"]

RARE = 20
"""A code with fewer coded positives counts every answer at or above its threshold as fully
informative (a likely positive of a rare code teaches more than a borderline negative)."""
REVIEW_NEXT_COLUMNS = (C.RESPONSE_ID, C.QUESTION, C.TEXT, C.CODE, "probability", "uncertainty", "rank")
"""Columns of :func:`select_for_review`."""


def _uncertainty(p: np.ndarray, t: float) -> np.ndarray:
    """1 at the threshold, 0 at a probability of 0 or 1 (linear on each side)."""
    t = min(max(t, 1e-6), 1 - 1e-6)
    return np.where(p < t, p / t, (1 - p) / (1 - t))


def select_for_review(
    learned: LearnedCoder,
    answers: pd.DataFrame,
    n: int,
    *,
    exclude: Any = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Pick the ``n`` uncoded answers a person should code next to teach the coder most.

    Parameters
    ----------
    learned
        From :func:`evaltool.qual.learn.train_coder`.
    answers
        All answers (``response_id, text``, optionally ``question``). Not modified.
    n
        How many to pick.
    exclude
        Answer ids already coded (a list, or a codings/answers frame with ``response_id``);
        by default the answers in ``learned.cv_predictions``.
    seed
        Breaks ties the same way every time.

    Returns
    -------
    pandas.DataFrame
        ``n`` rows (fewer if fewer are left), in the order picked (``REVIEW_NEXT_COLUMNS``):
        ``response_id``, ``question``, ``text``, ``code`` (the code, or ``valence``, the answer
        was picked for), ``probability`` (the classifier's for that code), ``uncertainty``
        (1 = on the threshold), ``rank``.

    Notes
    -----
    Uncertainty sampling with diversity (Settles 2009, "Active Learning Literature Survey",
    sections 3.1 and 5.1): for each code a classifier was trained for, uncertainty is
    ``p / t`` below the threshold ``t`` and ``(1 − p) / (1 − t)`` above it; for valence it is
    one minus the gap between the two most probable categories. Codes take turns, the one
    with the lowest cross-validated κ first; within its turn a code takes its most uncertain
    answer not yet picked, its uncertainty divided by one plus the number of answers already
    picked from the same question (so the picks spread across questions). Empty-ish answers
    and texts already picked are skipped.

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.qual import train_coder
    >>> texts = ["too much work", "the workload is heavy", "short staffed and busy",
    ...          "work pressure", "heavy workload again", "busy busy workload",
    ...          "lovely group", "the group was kind", "nice people", "liked the room",
    ...          "great facilitator", "good handouts"]
    >>> coded = pd.DataFrame({"response_id": range(12), "text": texts})
    >>> human = pd.DataFrame({"response_id": range(6), "code": "workload"})
    >>> learned = train_coder(coded, human, cv=3, codebook=None)
    >>> uncoded = pd.DataFrame({"response_id": ["n1", "n2", "n3"],
    ...                         "text": ["the workload never stops", "kind group",
    ...                                  "short staffed again"]})
    >>> select_for_review(learned, uncoded, 2)[["response_id", "code", "rank"]]
      response_id      code  rank
    0          n1  workload     1
    1          n3  workload     2
    """
    _check(learned, answers, n)
    pool = _pool(learned, answers, exclude)
    out_cols = list(REVIEW_NEXT_COLUMNS)
    if pool.empty:
        return pd.DataFrame(columns=out_cols)
    texts = pool[C.TEXT].fillna("").astype(str).tolist()
    questions = pool[C.QUESTION].fillna("").astype(str).tolist() if C.QUESTION in pool.columns else None
    rules, _, _ = rule_features(texts, questions, learned.codebook)
    scores = _scores(learned, learned.featurizer.transform(texts, questions, rules))
    qkey = np.array(questions if questions is not None else [""] * len(pool), dtype=object)
    picked = _pick(scores, texts, qkey, n, seed)
    rows = [{C.RESPONSE_ID: pool[C.RESPONSE_ID].iloc[i], C.QUESTION: qkey[i] if questions is not None else None,
             C.TEXT: texts[i], C.CODE: code, "probability": prob, "uncertainty": unc, "rank": r + 1}
            for r, (i, code, prob, unc) in enumerate(picked)]
    return pd.DataFrame(rows, columns=out_cols)


def _check(learned: Any, answers: pd.DataFrame, n: Any) -> None:
    if not isinstance(learned, LearnedCoder):
        raise ParameterError("The 'learned' parameter of select_for_review() must be a LearnedCoder. "
                             f"Got {type(learned).__name__} instead.")
    if not (isinstance(n, int) and n >= 1):
        raise ParameterError(f"The 'n' parameter of select_for_review() must be a positive integer. Got {n!r} instead.")
    for col in (C.RESPONSE_ID, C.TEXT):
        if col not in answers.columns:
            raise ParameterError(f"The answers lack the column '{col}'.",
                                 fix=f"columns present: {list(answers.columns)}.")


def _pool(learned: LearnedCoder, answers: pd.DataFrame, exclude: Any) -> pd.DataFrame:
    """The answers nobody coded yet that have words."""
    if exclude is None and learned.cv_predictions is not None:
        exclude = learned.cv_predictions[C.RESPONSE_ID]
    if isinstance(exclude, pd.DataFrame):
        exclude = exclude[C.RESPONSE_ID]
    done = {key_of(v) for v in (exclude if exclude is not None else [])}
    keys = answers[C.RESPONSE_ID].map(key_of)
    texts_all = answers[C.TEXT].fillna("").astype(str)
    ok = ~keys.isin(done).to_numpy() & texts_all.str.contains(r"[^\W\d_]{2,}", regex=True).to_numpy()
    pool = answers[ok].reset_index(drop=True)
    return pool


def _scores(learned: LearnedCoder, x: Any) -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    """Per classifier: (code, probability, uncertainty, cross-validated κ), weakest κ first."""
    rep = learned.cv_report
    kappa_of = dict(zip(rep[C.CODE].astype(str), rep["kappa"].astype(float), strict=True))
    npos_of = dict(zip(rep[C.CODE].astype(str), rep["n_positive"].astype(float), strict=True))
    scores: list[tuple[str, np.ndarray, np.ndarray, float]] = []
    for code in learned.codes:
        model = learned.models.get(code)
        if model is None:
            continue
        p = model.predict_proba(x)[:, 1]
        t = learned.thresholds.get(code)
        t = 0.5 if t is None or not np.isfinite(t) else float(t)
        k = kappa_of.get(code, np.nan)
        u = _uncertainty(p, t)
        if npos_of.get(code, 0.0) < RARE:
            u = np.maximum(u, np.minimum(p / t, 1.0))  # rare code: likely positives teach most
        scores.append((code, p, u, float(k) if np.isfinite(k) else -1.0))
    if VALENCE in learned.models:
        pv = np.sort(learned.models[VALENCE].predict_proba(x), axis=1)
        k = kappa_of.get(VALENCE, np.nan)
        scores.append((VALENCE, pv[:, -1], 1.0 - (pv[:, -1] - pv[:, -2]),
                       float(k) if np.isfinite(k) else -1.0))
    if not scores:
        raise ParameterError("the learned coder has no classifier to be unsure with.",
                             fix="code more answers so that train_coder() can train at least one code.")
    scores.sort(key=lambda s: (s[3], s[0]))
    return scores


def _pick(scores: list[tuple[str, np.ndarray, np.ndarray, float]], texts: list[str], qkey: np.ndarray,
          n: int, seed: int) -> list[tuple[int, str, float, float]]:
    """Codes take turns picking their most uncertain answer (spread across questions)."""
    rng = np.random.default_rng(seed)
    jitter = rng.random(len(texts)) * 1e-9
    picked: list[tuple[int, str, float, float]] = []
    taken = np.zeros(len(texts), dtype=bool)
    seen_text: set[str] = set()
    per_question: dict[str, int] = {}
    while len(picked) < min(n, len(texts)):
        progress = False
        for code, p, u, _ in scores:
            if len(picked) >= min(n, len(texts)):
                break
            penalty = np.array([1.0 + per_question.get(q, 0) for q in qkey])
            score = np.where(taken, -np.inf, u / penalty + jitter)
            for i in np.argsort(-score, kind="stable"):
                if not np.isfinite(score[i]):
                    break
                norm = " ".join(texts[i].lower().split())
                if norm in seen_text:
                    taken[i] = True
                    continue
                taken[i] = True
                seen_text.add(norm)
                per_question[qkey[i]] = per_question.get(qkey[i], 0) + 1
                picked.append((int(i), code, float(p[i]), float(u[i])))
                progress = True
                break
        if not progress:
            break
    return picked
