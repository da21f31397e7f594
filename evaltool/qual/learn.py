"""Coding by example: learn each code from a person's coding, report how well, then apply.

A researcher codes a sample of answers by hand (in a spreadsheet, in the review sheet, or in a
QDA program exported as REFI-QDA). :func:`train_coder` fits one text classifier per code and
reports — before anything is applied — how well it agrees with the person in cross-validation
(κ, precision, recall, F1). :func:`apply_coder` codes new answers; a hit of the rule coder is
always kept and shown as evidence, and every model decision carries its probability.

scikit-learn is imported only when these functions run.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from .._version import __version__
from ..errors import DataProblemsError, EvaltoolWarning, InputError, ParameterError

__all__ = [
    "LEARNED_CODINGS_COLUMNS",
    "LEARN_REPORT_COLUMNS",
    "LearnedCoder",
    "apply_coder",
    "train_coder",
]

LEARNED_CODER = f"evaltool-learned/{__version__}"
PROBABILITY = "probability"
BASIS = "basis"
LEARN_REPORT_COLUMNS = (
    C.CODE, "n_answers", "n_positive", "n_folds", "kappa", "precision", "recall", "f1",
    "trained", "note",
)
LEARNED_CODINGS_COLUMNS = (*C.CODINGS_COLUMNS, PROBABILITY, BASIS, C.RULE)
MIN_POSITIVE = 5
_METHOD = ("per code: TF-IDF word 1-2-grams + char_wb 2-5-grams (sublinear tf) -> "
           "LogisticRegression(class_weight='balanced', liblinear)")


@dataclass(frozen=True)
class LearnedCoder:
    """Per-code classifiers learned from a person's coding, with their cross-validated report.

    Attributes
    ----------
    codes
        Codes that were trained (in order).
    models
        ``{code: fitted scikit-learn Pipeline}``.
    cv_report
        Cross-validated agreement with the human coding, one row per code requested
        (``LEARN_REPORT_COLUMNS``); refused codes have ``trained = False`` and a ``note``.
    threshold
        Probability from which a model marks a code present.
    seed, cv, method, version
        How it was made.

    Examples
    --------
    >>> import pandas as pd
    >>> texts = ["too much work", "the workload is heavy", "short staffed and busy",
    ...          "work pressure", "heavy workload again", "busy busy workload",
    ...          "lovely group", "the group was kind", "nice people", "liked the room",
    ...          "great facilitator", "good handouts"]
    >>> answers = pd.DataFrame({"response_id": range(12), "text": texts})
    >>> learned = train_coder(answers, pd.DataFrame({"response_id": range(6), "code": "workload"}), cv=3)
    >>> learned.codes, learned.threshold, learned.cv
    (('workload',), 0.5, 3)
    """

    codes: tuple[str, ...]
    models: dict[str, Any] = field(repr=False)
    cv_report: pd.DataFrame = field(repr=False)
    threshold: float = 0.5
    seed: int = 0
    cv: int = 5
    method: str = _METHOD
    version: str = __version__

    @property
    def coder(self) -> str:
        return f"evaltool-learned/{self.version}"


def _pipeline(seed: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    return Pipeline([
        ("features", FeatureUnion([
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                      lowercase=True, token_pattern=r"(?u)\b\w[\w'’]*\b")),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                      lowercase=True)),
        ])),
        ("model", LogisticRegression(class_weight="balanced", solver="liblinear", C=1.0,
                                     max_iter=1000, random_state=seed)),
    ])


# --------------------------------------------------------------------------------------
# reading the human coding (long codings, wide 0/1 table, or a file)
# --------------------------------------------------------------------------------------
_NOT_CODES = {C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT, C.QUESTION, C.TEXT, C.EVIDENCE,
              C.CODER, C.COHORT, "profession", "reviewer_note", "row", "_n_chars"}


def _read_table(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=object)
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                           encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found.", file=path, fix="check the path.") from None
    except Exception as exc:  # pandas/openpyxl raise many types
        raise InputError(f"cannot read the human coding ({type(exc).__name__}).", file=path,
                         fix="give a CSV/XLSX (one row per answer, a 0/1 column per code, or "
                             "response_id + code rows) or a .qdpx project.") from None


def _wide_to_labels(table: pd.DataFrame, codes: list[str] | None, source: str
                    ) -> tuple[pd.Index, np.ndarray, list[str]]:
    if codes is None:
        codes = []
        for col in table.columns:
            if str(col) in _NOT_CODES:
                continue
            vals = pd.to_numeric(table[col], errors="coerce")
            if vals.isna().all() or not vals.dropna().isin([0, 1]).all():
                continue
            codes.append(str(col))
    missing = [c for c in codes if c not in table.columns]
    if missing or not codes:
        raise ParameterError(
            f"the human coding table has no 0/1 column for code(s) {missing or '(none found)'}.",
            fix=f"one column per code holding 0 or 1; columns present: {list(table.columns)}.")
    problems = []
    y = np.zeros((len(table), len(codes)), dtype=bool)
    for k, code in enumerate(codes):
        raw = table[code]
        num = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna() & ~num.isin([0, 1])
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append({C.SOURCE: source, C.ROW: int(i) + 2, C.COLUMN: code,
                             C.VALUE: str(raw.iloc[i]), C.RULE: "not_0_or_1",
                             C.MESSAGE: "a code cell must be 0 or 1 (empty = 0)",
                             C.FIX: "type 1 if the code applies, 0 if not", C.SEVERITY: "error"})
        y[:, k] = (num == 1).to_numpy()
    if problems:
        raise DataProblemsError(f"{len(problems)} cell(s) of the human coding are not 0 or 1.",
                                pd.DataFrame(problems, columns=list(C.PROBLEM_COLUMNS)),
                                fix="see the problems table.")
    ids = pd.Index(table[C.RESPONSE_ID].map(_key), dtype=object)
    return ids, y, codes


def _key(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _labels(answers: pd.DataFrame | None, human: Any, codes: Sequence[str] | None
            ) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """(training answers with 'text', n × k label matrix, codes)."""
    code_list = None if codes is None else _code_ids(codes)
    if isinstance(human, str | Path):
        path = Path(human)
        if path.suffix.lower() == ".qdpx":
            from .qdpx import read_qdpx

            proj = read_qdpx(path)
            human = proj.codings
            answers = proj.answers if answers is None else answers
        else:
            human = _read_table(path)
    if not isinstance(human, pd.DataFrame):
        raise ParameterError("The 'human_codings' parameter of train_coder() must be a DataFrame "
                             f"or a path. Got {type(human).__name__} instead.")
    if C.RESPONSE_ID not in human.columns:
        raise ParameterError("The human coding lacks a 'response_id' column.",
                             fix=f"columns present: {list(human.columns)}.")
    if answers is None:
        if C.TEXT not in human.columns or C.CODE in human.columns:
            raise ParameterError("train_coder() needs the answers (response_id, text).",
                                 fix="pass answers=, or a wide coding table with a 'text' column.")
        answers = human[[C.RESPONSE_ID, C.TEXT]]
    for col in (C.RESPONSE_ID, C.TEXT):
        if col not in answers.columns:
            raise ParameterError(f"The answers lack the column '{col}'.",
                                 fix=f"columns present: {list(answers.columns)}.")
    keys = pd.Index(answers[C.RESPONSE_ID].map(_key), dtype=object)
    if keys.duplicated().any():
        raise ParameterError("response_id is not unique in the answers.",
                             fix="give every answer its own response_id.")
    texts = pd.Series(answers[C.TEXT].fillna("").astype(str).to_numpy(dtype=object), index=keys)
    if C.CODE in human.columns:  # long codings: every answer given is a coded answer
        hk = human[C.RESPONSE_ID].map(_key)
        outside = ~hk.isin(keys)
        if outside.any():
            raise ParameterError(f"{int(outside.sum())} human coding(s) refer to answers that are "
                                 "not in the answers.", fix="pass the answers the person coded.")
        code_list = code_list or sorted(set(human[C.CODE].astype(str)))
        y = np.zeros((len(keys), len(code_list)), dtype=bool)
        ci = pd.Index(code_list).get_indexer(pd.Index(human[C.CODE].astype(str)))
        ui = keys.get_indexer(pd.Index(hk))
        ok = ci >= 0
        y[ui[ok], ci[ok]] = True
        train = pd.DataFrame({C.RESPONSE_ID: keys.to_numpy(), C.TEXT: texts.to_numpy()})
        return train, y, code_list
    ids, y, code_list = _wide_to_labels(human, code_list, "human_codings")
    known = ids.isin(keys)
    if not known.all():
        raise ParameterError(f"{int((~known).sum())} row(s) of the human coding table refer to "
                             "answers that are not in the answers.",
                             fix="pass the answers the person coded.")
    if ids.duplicated().any():
        raise ParameterError("response_id appears twice in the human coding table.",
                             fix="one row per answer.")
    train = pd.DataFrame({C.RESPONSE_ID: ids.to_numpy(), C.TEXT: texts.reindex(ids).to_numpy()})
    return train, y, code_list


def _code_ids(codes: Any) -> list[str]:
    if hasattr(codes, "flat_codes"):
        return [c.id for c in codes.flat_codes() if getattr(c, "codable", True)]
    if isinstance(codes, str):
        return [codes]
    return [str(c) for c in codes]


# --------------------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------------------
def train_coder(
    answers: pd.DataFrame | None,
    human_codings: pd.DataFrame | str | Path,
    codes: Sequence[str] | Any | None = None,
    *,
    cv: int = 5,
    seed: int = 0,
    min_positive: int = MIN_POSITIVE,
) -> LearnedCoder:
    """Learn each code from a person's coding and report cross-validated agreement first.

    Parameters
    ----------
    answers
        The answers the person coded (``response_id, text``). Every one of them counts: an
        answer without a coding for a code is a negative example of that code. May be ``None``
        when ``human_codings`` is a ``.qdpx`` project (its text sources are used) or a wide
        table with a ``text`` column.
    human_codings
        Long codings (``response_id, code``), a wide table (``response_id`` + one 0/1 column
        per code; only its rows are used, an empty cell is 0), or a path to such a CSV/XLSX
        or to a REFI-QDA ``.qdpx``.
    codes
        Codes to learn (ids, or a Codebook's codable codes); default: every code in the coding.
    cv
        Folds of stratified cross-validation (fewer when a code has fewer positives or
        negatives than ``cv``).
    seed
        Seed for the fold split and the classifier; the same inputs and seed give the same
        model and report.
    min_positive
        Codes with fewer positive (or negative) answers are refused, not trained.

    Returns
    -------
    LearnedCoder
        With ``cv_report`` (``LEARN_REPORT_COLUMNS``): ``code``, ``n_answers``,
        ``n_positive``, ``n_folds``, ``kappa`` (Cohen's κ of out-of-fold predictions vs the
        person), ``precision``, ``recall``, ``f1`` (of the code being present), ``trained``,
        ``note`` (why a code was refused, or a warning about weak agreement).

    Notes
    -----
    One scikit-learn pipeline per code: TF-IDF of word 1–2-grams and of character 2–5-grams
    within word boundaries (sublinear tf), concatenated, into a logistic regression with
    ``class_weight="balanced"``. Out-of-fold predictions (threshold 0.5) from
    ``StratifiedKFold(shuffle=True, random_state=seed)`` are compared with the human coding;
    the vectoriser is refitted inside every fold, so nothing of the held-out answers leaks
    into the model. The final model is then fitted on all coded answers. Inputs are not
    modified.

    Examples
    --------
    >>> import pandas as pd
    >>> texts = ["too much work", "the workload is heavy", "short staffed and busy",
    ...          "work pressure", "heavy workload again", "busy busy workload",
    ...          "lovely group", "the group was kind", "nice people", "liked the room",
    ...          "great facilitator", "good handouts"]
    >>> answers = pd.DataFrame({"response_id": range(12), "text": texts})
    >>> human = pd.DataFrame({"response_id": range(6), "code": "workload"})
    >>> learned = train_coder(answers, human, cv=3)
    >>> learned.cv_report[["code", "n_positive", "n_folds", "trained"]]
           code  n_positive  n_folds  trained
    0  workload           6        3     True
    """
    if not (isinstance(cv, int) and cv >= 2):
        raise ParameterError(f"The 'cv' parameter of train_coder() must be an integer >= 2. "
                             f"Got {cv!r} instead.")
    if not (isinstance(min_positive, int) and min_positive >= 2):
        raise ParameterError("The 'min_positive' parameter of train_coder() must be an integer "
                             f">= 2. Got {min_positive!r} instead.")
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from .intercoder import cohen_kappa_table

    train, y, code_list = _labels(answers, human_codings, codes)
    texts = train[C.TEXT].to_numpy(dtype=object)
    base = _pipeline(seed)
    rows, models = [], {}
    for k, code in enumerate(code_list):
        target = y[:, k]
        n_pos, n_neg = int(target.sum()), int((~target).sum())
        row = {C.CODE: code, "n_answers": len(target), "n_positive": n_pos, "n_folds": 0,
               "kappa": np.nan, "precision": np.nan, "recall": np.nan, "f1": np.nan,
               "trained": False, "note": ""}
        if n_pos < min_positive or n_neg < min_positive:
            which = "positive" if n_pos < min_positive else "negative"
            row["note"] = (f"only {min(n_pos, n_neg)} {which} answer(s) (< {min_positive}): not "
                           "trained; code more examples or keep the rule coder for this code")
            rows.append(row)
            continue
        folds = min(cv, n_pos, n_neg)
        split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        pred = cross_val_predict(clone(base), texts, target, cv=split, method="predict_proba")[:, 1]
        hit = pred >= 0.5
        tp, fp = int((hit & target).sum()), int((hit & ~target).sum())
        fn, tn = int((~hit & target).sum()), int((~hit & ~target).sum())
        kappa, _ = cohen_kappa_table(np.array([[tn, fp], [fn, tp]], dtype=float))
        prec = tp / (tp + fp) if tp + fp else np.nan
        rec = tp / (tp + fn)
        f1 = 2 * tp / (2 * tp + fp + fn)
        row.update(n_folds=folds, kappa=float(kappa), precision=prec, recall=rec, f1=f1,
                   trained=True)
        if not np.isfinite(kappa) or kappa < 0.4:
            row["note"] = ("weak cross-validated agreement (kappa < 0.4): check before applying, "
                           "or code more examples")
        models[code] = clone(base).fit(texts, target)
        rows.append(row)
    report = pd.DataFrame(rows, columns=list(LEARN_REPORT_COLUMNS))
    report = report.astype({C.CODE: object, "note": object, "trained": bool})
    return LearnedCoder(codes=tuple(models), models=models, cv_report=report, seed=seed, cv=cv)


# --------------------------------------------------------------------------------------
# applying
# --------------------------------------------------------------------------------------
def apply_coder(learned: LearnedCoder, answers: pd.DataFrame,
                rule_codings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Code answers with a learned coder, combined with the rule coder's hits.

    Parameters
    ----------
    learned
        From :func:`train_coder`.
    answers
        Answers to code (``response_id, text``).
    rule_codings
        Optional codings of the same answers by :func:`evaltool.qual.code`.

    Returns
    -------
    pandas.DataFrame
        One row per evidence span (``LEARNED_CODINGS_COLUMNS``): ``response_id``, ``code``,
        ``start``, ``end``, ``evidence``, ``coder`` (``"evaltool-learned/<version>"``),
        ``probability`` (the model's, missing for codes it was not trained on), ``basis``
        (``"rule"``, ``"model"`` or ``"rule+model"``) and ``rule`` (which rule fired).

    Notes
    -----
    Combined coding = rule OR model (probability ≥ ``learned.threshold``). A rule hit is always
    kept, with its span as evidence, even when the model disagrees; a code found by the model
    alone is evidenced by the whole answer (``start = 0``, ``end = len(text)``). Answers
    without any letter are never coded by the model. Inputs are not modified.

    Examples
    --------
    >>> import pandas as pd
    >>> texts = ["too much work", "the workload is heavy", "short staffed and busy",
    ...          "work pressure", "heavy workload again", "busy busy workload",
    ...          "lovely group", "the group was kind", "nice people", "liked the room",
    ...          "great facilitator", "good handouts"]
    >>> answers = pd.DataFrame({"response_id": range(12), "text": texts})
    >>> learned = train_coder(answers, pd.DataFrame({"response_id": range(6), "code": "workload"}), cv=3)
    >>> new = pd.DataFrame({"response_id": ["n1", "n2"],
    ...                     "text": ["the workload was heavy today", "lovely people"]})
    >>> apply_coder(learned, new)[["response_id", "code", "evidence", "basis"]]
      response_id      code                      evidence  basis
    0          n1  workload  the workload was heavy today  model
    """
    if not isinstance(learned, LearnedCoder):
        raise ParameterError("The 'learned' parameter of apply_coder() must be a LearnedCoder "
                             f"from train_coder(). Got {type(learned).__name__} instead.")
    for col in (C.RESPONSE_ID, C.TEXT):
        if col not in answers.columns:
            raise ParameterError(f"The answers lack the column '{col}'.",
                                 fix=f"columns present: {list(answers.columns)}.")
    keys = pd.Index(answers[C.RESPONSE_ID].map(_key), dtype=object)
    if keys.duplicated().any():
        raise ParameterError("response_id is not unique in the answers.",
                             fix="give every answer its own response_id.")
    rep = learned.cv_report
    weak = rep.loc[rep["trained"] & ~(rep["kappa"] >= 0.4), C.CODE].tolist()
    if weak:
        warnings.warn(f"code(s) {weak} had weak cross-validated agreement with the human coding "
                      "(kappa < 0.4; see learned.cv_report): check their codings.",
                      EvaltoolWarning, stacklevel=2)
    texts = answers[C.TEXT].fillna("").astype(str).to_numpy(dtype=object)
    lettered = pd.Series(texts).str.contains(r"[^\W\d_]", regex=True).to_numpy()
    orig_ids = pd.Series(answers[C.RESPONSE_ID].to_numpy(dtype=object), index=keys)
    key_list = [str(k) for k in keys]
    probs = {}
    for code in learned.codes:
        p = learned.models[code].predict_proba(texts)[:, 1] if len(texts) else np.array([])
        probs[code] = p
    parts = []
    rule_keys: set[tuple[str, str]] = set()
    if rule_codings is not None and len(rule_codings):
        rc = rule_codings
        rk = rc[C.RESPONSE_ID].map(_key)
        outside = ~rk.isin(keys)
        if outside.any():
            raise ParameterError(f"{int(outside.sum())} rule coding(s) refer to answers that are "
                                 "not in the answers.", fix="pass the codings of these answers.")
        pos = keys.get_indexer(pd.Index(rk))
        code_s = rc[C.CODE].astype(str).to_numpy(dtype=object)
        prob = np.full(len(rc), np.nan)
        model_hit = np.zeros(len(rc), dtype=bool)
        for code in learned.codes:
            m = code_s == code
            prob[m] = probs[code][pos[m]]
            model_hit[m] = (prob[m] >= learned.threshold) & lettered[pos[m]]
        parts.append(pd.DataFrame({
            C.RESPONSE_ID: orig_ids.to_numpy()[pos], C.CODE: code_s,
            C.START: rc[C.START].to_numpy(), C.END: rc[C.END].to_numpy(),
            C.EVIDENCE: rc[C.EVIDENCE].to_numpy(dtype=object) if C.EVIDENCE in rc else None,
            PROBABILITY: prob, BASIS: np.where(model_hit, "rule+model", "rule"),
            C.RULE: rc[C.RULE].to_numpy(dtype=object) if C.RULE in rc else None, "_pos": pos,
        }))
        rule_keys = set(zip(rk, code_s, strict=True))
    for code in learned.codes:
        hit = (probs[code] >= learned.threshold) & lettered
        idx = np.flatnonzero(hit)
        idx = np.array([i for i in idx if (key_list[i], code) not in rule_keys], dtype=np.int64)
        if len(idx) == 0:
            continue
        parts.append(pd.DataFrame({
            C.RESPONSE_ID: orig_ids.to_numpy()[idx], C.CODE: code, C.START: 0,
            C.END: [len(texts[i]) for i in idx], C.EVIDENCE: texts[idx],
            PROBABILITY: probs[code][idx], BASIS: "model", C.RULE: None, "_pos": idx,
        }))
    if not parts:
        out = pd.DataFrame({c: pd.Series([], dtype=object) for c in LEARNED_CODINGS_COLUMNS})
        return out.astype({C.START: "int64", C.END: "int64", PROBABILITY: "float64"})
    out = pd.concat(parts, ignore_index=True)
    order = {c: i for i, c in enumerate(dict.fromkeys([*learned.codes, *out[C.CODE]]))}
    out = out.assign(_c=out[C.CODE].map(order)).sort_values(["_pos", "_c", C.START], kind="stable")
    out[C.CODER] = learned.coder
    out = out.astype({C.START: "int64", C.END: "int64", C.CODER: object, BASIS: object,
                      C.RULE: object, C.EVIDENCE: object, C.CODE: object})
    return out.loc[:, list(LEARNED_CODINGS_COLUMNS)].reset_index(drop=True)

