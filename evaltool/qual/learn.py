"""Coding by example: learn each code (and valence) from what a team codes, report, apply.

A team codes a sample of answers by hand (100–300 is enough to start: in a spreadsheet, the
review sheet, or a QDA program exported as REFI-QDA). :func:`train_coder` fits one calibrated
classifier per code on the rule coder's hits (with negation), the valence evidence, word and
character n-grams and the question, and decides **per code by cross-validation** how to code:

* ``rules`` — the codebook's rules alone (the model was not better in cross-validation, or
  there were too few examples): the report says so, so a write-up can state which codes were
  coded by rule;
* ``model`` — the classifier's probability at a threshold chosen by cross-validation;
* ``rules_or_model`` — a rule hit or the classifier.

The choice maximises the cross-validated κ with the person's coding, ties going to the rules,
so on the coded answers the combined coder is never worse than the rules. Valence (four
categories) is learned the same way when the coding carries it. :func:`apply_coder` and
:func:`apply_valence` code new answers, every decision with its probability and its basis;
:func:`learning_curve` shows κ per code against the number of coded answers.

scikit-learn is imported only when these functions run.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from .._version import __version__
from ..errors import EvaltoolWarning, ParameterError
from ._learn_apply import BASIS, code_parts, rule_positions
from ._learn_curve import LEARNING_CURVE_COLUMNS, _presence, learning_curve  # noqa: F401 - re-exported
from ._learn_features import Featurizer, rule_features
from ._learn_input import coded_answers, key_of
from ._learn_models import (
    DECISION,
    PROBABILITY,
    VALENCE,
    FoldMatrices,
    _base,  # noqa: F401 - used by the benchmark
    _kappa,  # noqa: F401 - used by the tests
    _train_valence,
)
from ._learn_train import _check_training, _train_code, _Training
from .codebook import Codebook, load_codebook

__all__ = [
    "LEARNED_CODINGS_COLUMNS",
    "LEARNED_VALENCE_COLUMNS",
    "LEARNING_CURVE_COLUMNS",
    "LEARN_REPORT_COLUMNS",
    "LearnedCoder",
    "apply_coder",
    "apply_valence",
    "learning_curve",
    "train_coder",
]

LEARNED_CODER = f"evaltool-learned/{__version__}"
LEARN_REPORT_COLUMNS = (
    C.CODE, "n_answers", "n_positive", "n_folds", "kappa", "precision", "recall", "f1",
    "trained", DECISION, "kappa_rules", "kappa_model", "threshold", "note",
)
"""Columns of ``LearnedCoder.cv_report`` (one row per code, then ``valence`` if learned):
``code``, ``n_answers``, ``n_positive``, ``n_folds``; ``kappa``, ``precision``, ``recall``,
``f1`` of the chosen decision on out-of-fold predictions; ``trained`` (a classifier was fitted);
``decision`` (``rules``, ``model``, ``rules_or_model`` or ``not trained``); ``kappa_rules`` (the
rules alone), ``kappa_model`` (the classifier alone, at its threshold); ``threshold``; ``note``.
The ``valence`` row (when learned) has κ over four categories and ``n_positive`` = the number of
answers valued."""
LEARNED_CODINGS_COLUMNS = (*C.CODINGS_COLUMNS, PROBABILITY, BASIS, C.RULE)
"""Columns of :func:`apply_coder`: ``response_id``, ``code``, ``start``, ``end``, ``evidence``,
``coder`` (``"evaltool-learned/<version>"``), ``probability`` (the classifier's; missing for a
code decided by rule), ``basis`` (``"rule"``, ``"model"`` or ``"rule+model"``) and ``rule``
(which rule fired). Decided by ``rules``: the rule hits, as :func:`evaltool.qual.code` gives
them. By ``model``: a code is present when its probability reaches the code's threshold; rule
spans are its evidence where there are some (``rule+model``), otherwise the whole answer
(``model``); a rule hit the classifier rejects is not kept. ``rules_or_model``: both. Answers
without a letter are never model-coded."""
LEARNED_VALENCE_COLUMNS = (C.RESPONSE_ID, VALENCE, PROBABILITY, BASIS, C.EVIDENCE)
MIN_POSITIVE = 5
Decision = str  # "rules" | "model" | "rules_or_model" | "not trained"
_METHOD = ("per code: LogisticRegression(class_weight='balanced', liblinear) with Platt "
           "scaling fitted on its out-of-fold decision values, on rule hits (+ negated, question context), valence evidence, "
           "TF-IDF word 1-2-grams, char_wb 2-5-grams and the question; threshold and decision "
           "(rules / model / rules_or_model) by cross-validated kappa, ties to the rules")


@dataclass(frozen=True)
class LearnedCoder:
    """Per-code classifiers learned from a team's coding, with the cross-validated report.

    Attributes
    ----------
    codes
        Codes this coder decides, in order (trained, or falling back to the rules).
    decisions
        ``{code: "rules" | "model" | "rules_or_model"}`` — how each code is decided.
    thresholds
        ``{code: probability threshold}`` of the chosen decision (``model`` or
        ``rules_or_model``); NaN for a code decided by rule.
    model_thresholds
        ``{code: probability threshold}`` of the classifier used alone, for every trained
        code (also those that fell back to the rules): what :func:`apply_coder` uses with
        ``mode="model"``.
    cv_report
        One row per code requested, then ``valence`` when learned (``LEARN_REPORT_COLUMNS``).
    models
        ``{code: fitted classifier}``; ``"valence"`` holds the valence classifier if any.
    cv_predictions
        The out-of-fold predictions behind the report: ``response_id``, ``code``,
        ``probability`` (calibrated), ``rule`` (a rule hit), ``predicted`` (the chosen decision),
        ``human`` (the team's coding) — to check any row of the report by hand.
    codebook
        The codebook whose rules are features (None: text only).

    Examples
    --------
    >>> import pandas as pd
    >>> texts = ["too much work", "the workload is heavy", "short staffed and busy",
    ...          "work pressure", "heavy workload again", "busy busy workload",
    ...          "lovely group", "the group was kind", "nice people", "liked the room",
    ...          "great facilitator", "good handouts"]
    >>> answers = pd.DataFrame({"response_id": range(12), "text": texts})
    >>> human = pd.DataFrame({"response_id": range(6), "code": "workload"})
    >>> learned = train_coder(answers, human, cv=3, codebook=None)
    >>> learned.codes, learned.decisions, learned.fallback
    (('workload',), {'workload': 'model'}, ())
    """

    codes: tuple[str, ...]
    decisions: dict[str, str] = field(repr=False)
    thresholds: dict[str, float] = field(repr=False)
    cv_report: pd.DataFrame = field(repr=False)
    models: dict[str, Any] = field(repr=False)
    featurizer: Featurizer = field(repr=False)
    model_thresholds: dict[str, float] = field(default_factory=dict, repr=False)
    cv_predictions: pd.DataFrame | None = field(default=None, repr=False)
    codebook: Codebook | None = field(default=None, repr=False)
    valence_decision: str | None = None
    seed: int = 0
    cv: int = 5
    method: str = _METHOD
    version: str = __version__

    @property
    def coder(self) -> str:
        return f"evaltool-learned/{self.version}"

    @property
    def fallback(self) -> tuple[str, ...]:
        """Codes decided by the codebook's rules (the model was not better, or too few
        examples) — say so when reporting."""
        return tuple(c for c in self.codes if self.decisions[c] == "rules")

    @property
    def decision_table(self) -> pd.DataFrame:
        """One row per code: ``code``, ``decision`` (``rules``, ``model``, ``rules_or_model``
        or ``not trained``), ``fallback`` (decided by the codebook's rules), ``kappa``,
        ``kappa_rules``, ``kappa_model`` (cross-validated) and ``note`` — the table a report
        shows to say which codes fell back to rules."""
        rep = self.cv_report
        rep = rep[rep[C.CODE] != VALENCE]
        out = rep[[C.CODE, DECISION, "kappa", "kappa_rules", "kappa_model", "note"]].copy()
        out.insert(2, "fallback", (out[DECISION] == "rules").to_numpy())
        return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------------------
def train_coder(
    answers: pd.DataFrame | None,
    human_codings: Any,
    codes: Sequence[str] | Any | None = None,
    *,
    codebook: str | Codebook | None = "resilience_training",
    cv: int = 5,
    seed: int = 0,
    min_positive: int = MIN_POSITIVE,
    question: str | None = C.QUESTION,
) -> LearnedCoder:
    """Learn each code (and valence) from a team's coding; report cross-validated agreement.

    Parameters
    ----------
    answers
        The answers the team coded (``response_id, text``, optionally ``question``). Every one
        counts: an answer without a coding for a code is a negative example of that code. May
        be ``None`` when ``human_codings`` is a ``.qdpx`` project or a wide table with ``text``.
    human_codings
        Long codings (``response_id, code``; rows with ``code == "valence"`` and a ``value``
        give the valence), a wide table (``response_id`` + one 0/1 column per code, and
        optionally a ``valence`` column), a review sheet, or a path to a CSV/XLSX/``.qdpx``.
    codes
        Codes to learn (ids, or a Codebook's codable codes); default: every code in the coding.
    codebook
        The codebook whose rules give features and the fallback (default the packaged
        ``resilience_training``); ``None`` learns from the text alone (no fallback).
    cv
        Folds of stratified cross-validation (fewer when a code has fewer positives).
    seed
        Seed for the folds and the classifiers (same inputs and seed: same coder and report).
    min_positive
        A code with fewer positive (or negative) answers is not trained: it is decided by
        its rules if the codebook has it, otherwise not coded.
    question
        Column with the question of each answer (used when present).

    Returns
    -------
    LearnedCoder
        With ``cv_report`` (``LEARN_REPORT_COLUMNS``, described there).

    Notes
    -----
    How the classifiers, thresholds and decisions are chosen is described in
    docs/codebook.md, "Coding by example". Inputs are not modified.

    Examples
    --------
    >>> import pandas as pd
    >>> texts = ["too much work", "the workload is heavy", "short staffed and busy",
    ...          "work pressure", "heavy workload again", "busy busy workload",
    ...          "lovely group", "the group was kind", "nice people", "liked the room",
    ...          "great facilitator", "good handouts"]
    >>> answers = pd.DataFrame({"response_id": range(12), "text": texts})
    >>> human = pd.DataFrame({"response_id": range(6), "code": "workload"})
    >>> learned = train_coder(answers, human, cv=3, codebook=None)
    >>> learned.cv_report[["code", "n_positive", "n_folds", "decision"]]
           code  n_positive  n_folds decision
    0  workload           6        3    model
    """
    _check_training(cv, min_positive)
    book = None if codebook is None else load_codebook(codebook)
    data = coded_answers(answers, human_codings, codes, question)
    texts, questions = data.texts, data.questions
    rules, rule_cols, _ = rule_features(texts, questions, book)
    book_codes = set(book.code_ids) if book is not None else set()
    rule_hit = _rule_hits(rules, rule_cols, data.codes)
    final = Featurizer().fit(texts, questions, rule_cols)
    run = _Training(fold_matrices=FoldMatrices(texts, questions, rules, rule_cols),
                    x_all=final.transform(texts, questions, rules),
                    ids=data.frame[C.RESPONSE_ID].to_numpy(dtype=object), cv=cv, seed=seed,
                    min_positive=min_positive)
    for k, code in enumerate(data.codes):
        _train_code(run, code, data.y[:, k], rule_hit.get(code), code in book_codes)
    valence_decision = _add_valence(run, data, rules, rule_cols, cv, seed, min_positive)
    return _learned_coder(run, data.codes, final, book, valence_decision, seed, cv)


def _add_valence(run: _Training, data: Any, rules: np.ndarray, rule_cols: list[str], cv: int,
                 seed: int, min_positive: int) -> str | None:
    """Train valence when the coding carries it (its report row and model go into ``run``)."""
    if data.valence is None:
        return None
    vrow, vmodel, valence_decision = _train_valence(data, rules, rule_cols, run.x_all, run.fold_matrices,
                                                    cv, seed, min_positive)
    run.rows.append(vrow)
    if vmodel is not None:
        run.models[VALENCE] = vmodel
    return valence_decision


def _learned_coder(run: _Training, codes: Sequence[str], final: Featurizer, book: Codebook | None,
                   valence_decision: str | None, seed: int, cv: int) -> LearnedCoder:
    report = pd.DataFrame(run.rows, columns=list(LEARN_REPORT_COLUMNS)).astype(
        {C.CODE: object, "note": object, "trained": bool, DECISION: object})
    return LearnedCoder(codes=tuple(c for c in codes if c in run.decisions), decisions=run.decisions,
                        thresholds=run.thresholds, cv_report=report, models=run.models, featurizer=final,
                        model_thresholds=run.model_thresholds,
                        codebook=book, valence_decision=valence_decision, seed=seed, cv=cv,
                        cv_predictions=pd.concat(run.preds, ignore_index=True) if run.preds else None)


def _rule_hits(rules: np.ndarray, rule_cols: list[str], codes: Sequence[str]) -> dict[str, np.ndarray]:
    """Per code of the codebook: answers with a rule or question-context hit."""
    return {c: rules[:, rule_cols.index(f"rule:{c}")] + rules[:, rule_cols.index(f"question_context:{c}")] > 0
            for c in codes if f"rule:{c}" in rule_cols}


# --------------------------------------------------------------------------------------
# applying
# --------------------------------------------------------------------------------------
def _prepare(learned: LearnedCoder, answers: pd.DataFrame, caller: str
             ) -> tuple[list[str], list[str] | None, np.ndarray, list[str], pd.DataFrame, Any]:
    if not isinstance(learned, LearnedCoder):
        raise ParameterError(f"The 'learned' parameter of {caller}() must be a LearnedCoder "
                             f"from train_coder(). Got {type(learned).__name__} instead.")
    for col in (C.RESPONSE_ID, C.TEXT):
        if col not in answers.columns:
            raise ParameterError(f"The answers lack the column '{col}'.",
                                 fix=f"columns present: {list(answers.columns)}.")
    keys = answers[C.RESPONSE_ID].map(key_of)
    if keys.duplicated().any():
        raise ParameterError("response_id is not unique in the answers.",
                             fix="give every answer its own response_id.")
    texts = answers[C.TEXT].fillna("").astype(str).tolist()
    questions = (answers[C.QUESTION].fillna("").astype(str).tolist()
                 if C.QUESTION in answers.columns else None)
    rules, cols, rule_codings = rule_features(texts, questions, learned.codebook)
    x = learned.featurizer.transform(texts, questions, rules) if len(texts) else None
    return texts, questions, rules, cols, rule_codings, x


def apply_coder(learned: LearnedCoder, answers: pd.DataFrame,
                rule_codings: pd.DataFrame | None = None, *, mode: str = "chosen") -> pd.DataFrame:
    """Code answers with a learned coder (each code decided as ``learned.decisions`` says).

    Parameters
    ----------
    learned
        From :func:`train_coder`.
    answers
        Answers to code (``response_id, text``, optionally ``question``). Not modified.
    rule_codings
        Codings of the same answers by :func:`evaltool.qual.code` to use as evidence; by
        default they are computed with ``learned.codebook``.
    mode
        ``"chosen"`` (default): each code as ``learned.decisions`` says. ``"model"``: every
        trained classifier alone at its own threshold (``learned.model_thresholds``; rule
        hits stay among its features but are not OR-ed in), codes without a classifier by
        rule — to measure what the model learned. ``"rules"``: the codebook's rules alone.

    Returns
    -------
    pandas.DataFrame
        One row per evidence span; the columns are ``LEARNED_CODINGS_COLUMNS`` (described
        there, with what each decision keeps).

    Examples
    --------
    >>> import pandas as pd
    >>> texts = ["too much work", "the workload is heavy", "short staffed and busy",
    ...          "work pressure", "heavy workload again", "busy busy workload",
    ...          "lovely group", "the group was kind", "nice people", "liked the room",
    ...          "great facilitator", "good handouts"]
    >>> answers = pd.DataFrame({"response_id": range(12), "text": texts})
    >>> learned = train_coder(answers, pd.DataFrame({"response_id": range(6), "code": "workload"}),
    ...                       cv=3, codebook=None)
    >>> new = pd.DataFrame({"response_id": ["n1", "n2"],
    ...                     "text": ["the workload was heavy today", "lovely people"]})
    >>> apply_coder(learned, new)[["response_id", "code", "evidence", "basis"]]
      response_id      code                      evidence  basis
    0          n1  workload  the workload was heavy today  model
    """
    if not isinstance(learned, LearnedCoder):
        raise ParameterError("The 'learned' parameter of apply_coder() must be a LearnedCoder "
                             f"from train_coder(). Got {type(learned).__name__} instead.")
    decisions = _decisions(learned, mode)
    texts, questions, rules, cols, own_rules, x = _prepare(learned, answers, "apply_coder")
    kappa_of = dict(zip(learned.cv_report[C.CODE].astype(str), learned.cv_report["kappa"].astype(float), strict=True))
    weak = [c for c in learned.codes if decisions[c] != "rules" and not kappa_of.get(c, np.nan) >= 0.4]
    if weak and mode == "chosen":
        warnings.warn(f"code(s) {weak} had weak cross-validated agreement with the human coding "
                      "(kappa < 0.4; see learned.cv_report): check their codings.",
                      EvaltoolWarning, stacklevel=2)
    ids = answers[C.RESPONSE_ID].to_numpy(dtype=object)
    if rule_codings is None:
        rc = own_rules.assign(**{C.RESPONSE_ID: ids[own_rules[C.RESPONSE_ID].to_numpy(dtype=np.int64)]}) \
            if len(own_rules) else own_rules
    else:
        rc = rule_codings
    rpos = rule_positions(rc, answers[C.RESPONSE_ID].map(key_of).to_numpy(dtype=object))
    lettered = np.array([any(ch.isalpha() for ch in t) for t in texts], dtype=bool)
    probs = {c: learned.models[c].predict_proba(x)[:, 1] for c in learned.codes
             if c in learned.models and decisions[c] != "rules"} if len(texts) else {}
    parts = []
    for code in learned.codes:
        p = probs.get(code)
        hit = (np.zeros(len(texts), bool) if p is None
               else (p >= _threshold(learned, code, decisions[code])) & lettered)
        parts += code_parts(code, decisions[code], p, hit, rc, rpos, ids, texts)
    return _learned_codings(parts, learned)


def _decisions(learned: LearnedCoder, mode: str) -> dict[str, str]:
    """How :func:`apply_coder` decides each code in ``mode``."""
    if mode not in ("chosen", "model", "rules"):
        raise ParameterError(f"The 'mode' parameter of apply_coder() must be 'chosen', 'model' or "
                             f"'rules'. Got {mode!r} instead.")
    decisions = dict(learned.decisions)
    if mode == "model":
        return {c: ("model" if c in learned.models and c in learned.model_thresholds else d)
                for c, d in decisions.items()}
    if mode == "rules":
        return {c: "rules" for c in decisions}
    return decisions


def _learned_codings(parts: list[pd.DataFrame], learned: LearnedCoder) -> pd.DataFrame:
    """The codings of every code, by answer then code order then start."""
    if not parts:
        out = pd.DataFrame({c: pd.Series([], dtype=object) for c in LEARNED_CODINGS_COLUMNS})
        return out.astype({C.START: "int64", C.END: "int64", PROBABILITY: "float64"})
    out = pd.concat(parts, ignore_index=True)
    order = {c: i for i, c in enumerate(learned.codes)}
    out = out.assign(_c=out[C.CODE].map(order)).sort_values(["_pos", "_c", C.START], kind="stable")
    out[C.CODER] = learned.coder
    out = out.astype({C.START: "int64", C.END: "int64", C.CODER: object, BASIS: object,
                      C.RULE: object, C.EVIDENCE: object, C.CODE: object, PROBABILITY: "float64"})
    return out.loc[:, list(LEARNED_CODINGS_COLUMNS)].reset_index(drop=True)


def _threshold(learned: LearnedCoder, code: str, how: str) -> float:
    """The probability threshold of a code decided ``how`` (the model-alone threshold for
    ``model`` when the chosen decision was another; never NaN for a trained code)."""
    chosen = learned.thresholds.get(code, np.nan)
    alone = learned.model_thresholds.get(code, np.nan)
    if how == "model" and (learned.decisions.get(code) != "model" or not np.isfinite(chosen)):
        return float(alone) if np.isfinite(alone) else 0.5
    if np.isfinite(chosen):
        return float(chosen)
    return float(alone) if np.isfinite(alone) else 0.5


def apply_valence(learned: LearnedCoder, answers: pd.DataFrame) -> pd.DataFrame:
    """Valence of each answer by a learned coder (its classifier, or the rules it fell back to).

    Parameters
    ----------
    learned
        From :func:`train_coder` with a coding that carried valence.
    answers
        Answers (``response_id, text``, optionally ``question``). Not modified.

    Returns
    -------
    pandas.DataFrame
        One row per answer (``LEARNED_VALENCE_COLUMNS``): ``response_id``, ``valence``,
        ``probability`` (of the chosen category; missing by rule), ``basis`` (``"model"`` or
        ``"rule"``), ``evidence`` (the rule coder's, see :func:`evaltool.qual.code_valence`).

    Examples
    --------
    A team valued twelve answers (no codes, only valence); the learned coder values new ones:

    >>> import pandas as pd
    >>> texts = ["loved it, really useful", "brilliant day, thank you", "great session",
    ...          "very helpful and kind", "really enjoyed the group", "so useful for my practice",
    ...          "a waste of time", "too long and boring", "not useful at all",
    ...          "dull slides, far too long", "pointless for my role", "boring and rushed"]
    >>> answers = pd.DataFrame({"response_id": range(12), "text": texts})
    >>> human = pd.DataFrame({"response_id": range(12), "code": "valence",
    ...                       "value": ["positive"] * 6 + ["negative"] * 6})
    >>> learned = train_coder(answers, human, cv=3, codebook=None)
    >>> new = pd.DataFrame({"response_id": ["a", "b"],
    ...                     "text": ["really useful day", "boring and too long"]})
    >>> apply_valence(learned, new)[["response_id", "valence", "basis"]]
      response_id   valence  basis
    0           a  positive  model
    1           b  negative  model
    """
    from .coder import code_valence

    texts, questions, rules, cols, _, x = _prepare(learned, answers, "apply_valence")
    if learned.codebook is None and learned.valence_decision != "model":
        raise ParameterError("this learned coder has neither a valence model nor a codebook.")
    if learned.codebook is not None:
        frame = pd.DataFrame({C.RESPONSE_ID: np.arange(len(texts)), C.TEXT: texts})
        if questions is not None:
            frame[C.QUESTION] = questions
        by_rule = code_valence(frame, learned.codebook)
    else:
        by_rule = pd.DataFrame({VALENCE: ["neutral"] * len(texts), C.EVIDENCE: [""] * len(texts)})
    label = by_rule[VALENCE].to_numpy(dtype=object)
    prob = np.full(len(texts), np.nan)
    basis = np.array(["rule"] * len(texts), dtype=object)
    if learned.valence_decision == "model" and len(texts):
        m = learned.models[VALENCE]
        p = m.predict_proba(x)
        label = m.classes_[p.argmax(axis=1)].astype(object)
        prob = p.max(axis=1)
        basis[:] = "model"
    return pd.DataFrame({C.RESPONSE_ID: answers[C.RESPONSE_ID].to_numpy(dtype=object), VALENCE: label,
                         PROBABILITY: prob, BASIS: basis,
                         C.EVIDENCE: by_rule[C.EVIDENCE].to_numpy(dtype=object)})[list(LEARNED_VALENCE_COLUMNS)]
