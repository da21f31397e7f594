"""Learning curve of coding by example: κ per code against the number of coded answers
(see :mod:`evaltool.qual.learn`)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import EvaltoolWarning, ParameterError
from ._learn_input import key_of
from ._learn_models import DECISION, _kappa
from .codebook import Codebook

if TYPE_CHECKING:  # pragma: no cover
    from .learn import LearnedCoder

LEARNING_CURVE_COLUMNS = ("n_coded", "repeat", C.CODE, "kappa", "kappa_rules", DECISION)


def learning_curve(
    answers: pd.DataFrame | None,
    human_codings: Any,
    sizes: Sequence[int] = (25, 50, 100, 150, 200),
    *,
    codes: Sequence[str] | Any | None = None,
    codebook: str | Codebook | None = "resilience_training",
    test_fraction: float = 0.3,
    repeats: int = 3,
    cv: int = 3,
    seed: int = 0,
) -> pd.DataFrame:
    """κ per code on held-out answers against the number of coded answers trained on.

    Parameters
    ----------
    answers, human_codings, codes, codebook
        As for :func:`train_coder`.
    sizes
        Numbers of coded answers to train on (larger than the training pool are dropped).
    test_fraction
        Share of the answers held out for testing in each repeat (never trained on).
    repeats
        Random splits; each uses the same held-out answers for every size.
    cv, seed
        For :func:`train_coder`; repeat ``r`` uses ``seed + r``.

    Returns
    -------
    pandas.DataFrame
        One row per repeat × size × code (``LEARNING_CURVE_COLUMNS``): ``n_coded``, ``repeat``,
        ``code``, ``kappa`` (the learned coder on the held-out answers; a code it could not
        train yet codes nothing, which counts), ``kappa_rules`` (the rules on the same
        answers), ``decision``.

    Notes
    -----
    The training answers of a larger size include those of a smaller one (a team codes more),
    so the curve shows what coding more answers buys. Average over repeats to read it.

    Examples
    --------
    With 12 coded answers the code has too few examples to train; with 24 it is learned:

    >>> import pandas as pd
    >>> texts = ["too much work", "the workload is heavy", "short staffed and busy",
    ...          "work pressure", "heavy workload again", "busy busy workload",
    ...          "lovely group", "the group was kind", "nice people", "liked the room",
    ...          "great facilitator", "good handouts"] * 3
    >>> answers = pd.DataFrame({"response_id": range(36), "text": texts})
    >>> human = pd.DataFrame({"response_id": [i for i in range(36) if i % 12 < 6],
    ...                       "code": "workload"})
    >>> curve = learning_curve(answers, human, sizes=(12, 24), codebook=None, repeats=1, cv=3)
    >>> curve[["n_coded", "code", "kappa", "decision"]]
       n_coded      code  kappa     decision
    0       12  workload    0.0  not trained
    1       24  workload    1.0        model
    """
    from ._learn_input import coded_answers as _coded

    if not (0 < test_fraction < 1):
        raise ParameterError("The 'test_fraction' parameter of learning_curve() must be between 0 and 1. "
                             f"Got {test_fraction!r} instead.")
    data = _coded(answers, human_codings, codes, C.QUESTION)
    n = len(data.frame)
    rows: list[dict[str, Any]] = []
    for r in range(repeats):
        order = np.random.default_rng(seed + r).permutation(n)
        n_test = int(round(test_fraction * n))
        test, pool = order[:n_test], order[n_test:]
        for size in [s for s in sizes if s <= len(pool)]:
            rows += _point(data, pool[:size], test, size, r, codebook, cv, seed + r)
    return pd.DataFrame(rows, columns=list(LEARNING_CURVE_COLUMNS))


def _point(data: Any, train: np.ndarray, test: np.ndarray, size: int, r: int, codebook: Any, cv: int,
           seed: int) -> list[dict[str, Any]]:
    """κ per code on the held-out answers of a coder trained on ``train`` (and of its rules)."""
    from .learn import apply_coder, train_coder

    frame, learned_codes = data.frame, data.codes
    test_frame, y_test = frame.iloc[test], data.y[test]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvaltoolWarning)
        learned = train_coder(frame.iloc[train], data.long_codings(train), learned_codes,
                              codebook=codebook, cv=cv, seed=seed)
        out = apply_coder(learned, test_frame)
        base = (apply_coder(_rules_only(learned), test_frame)
                if learned.codebook is not None else None)
    got = _presence(out, test_frame, learned_codes)
    ref = _presence(base, test_frame, learned_codes) if base is not None else None
    return [{"n_coded": size, "repeat": r, C.CODE: code,
             "kappa": _kappa(y_test[:, k], got[:, k]),
             "kappa_rules": _kappa(y_test[:, k], ref[:, k]) if ref is not None else np.nan,
             DECISION: learned.decisions.get(code, "not trained")}
            for k, code in enumerate(learned_codes)]


def _rules_only(learned: LearnedCoder) -> LearnedCoder:
    from .learn import LearnedCoder

    book_codes = set(learned.codebook.code_ids) if learned.codebook is not None else set()
    codes = tuple(c for c in learned.codes if c in book_codes)
    return LearnedCoder(codes=codes, decisions={c: "rules" for c in codes}, thresholds={},
                        cv_report=learned.cv_report[learned.cv_report[C.CODE].isin(codes)],
                        models={}, featurizer=learned.featurizer, codebook=learned.codebook)


def _presence(codings: pd.DataFrame, answers: pd.DataFrame, codes: list[str]) -> np.ndarray:
    keys = answers[C.RESPONSE_ID].map(key_of).tolist()
    index = {k: i for i, k in enumerate(keys)}
    out = np.zeros((len(keys), len(codes)), dtype=bool)
    cidx = {c: i for i, c in enumerate(codes)}
    for rid, code in zip(codings[C.RESPONSE_ID], codings[C.CODE], strict=True):
        if code in cidx and key_of(rid) in index:
            out[index[key_of(rid)], cidx[code]] = True
    return out
