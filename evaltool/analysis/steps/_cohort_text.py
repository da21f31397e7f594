"""The free-text answers of cohort members, looked up once for the cohort themes and quotes.

Private to :mod:`evaltool.analysis.steps.cohorts`. Each answer's cohort, participant and
survey, and each coding's answer, become integer codes in one pass over the tables; the
counts per cohort (people answering, people mentioning a code, people answering a survey in
their own words) are then counts of distinct code pairs — the same numbers as grouping and
merging the tables, without copying them. Participant ids are unique in the participants
table (one row per participant) and answer ids in the free text (checked by ``empty_mask``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ... import columns as C
from ...errors import ParameterError

__all__ = ["CohortAnswers", "cohort_answers"]


@dataclass(frozen=True)
class CohortAnswers:
    """Codes of the free-text answers (one entry per answer, in table order) and codings."""

    cohort: np.ndarray
    """Each answer's cohort as a position in ``cohorts`` (-1: not a member of any)."""
    person: np.ndarray
    """Each answer's participant as a code (-1: missing)."""
    survey: np.ndarray
    """Each answer's timepoint, as a position in ``surveys`` (timepoints as strings)."""
    surveys: list[str]
    coding_row: np.ndarray
    """Each coding's answer as a row of the free text (-1: none)."""
    coding_code: np.ndarray
    """Each coding's code, as a position in ``codes``."""
    codes: list[Any]
    """The codes of the codings, each once."""

    def code_positions(self, labels: list[Any]) -> np.ndarray:
        """Each coding's code as a position in ``labels`` (-1: not there)."""
        return positions(self.codes, labels)[self.coding_code] if len(self.codes) else self.coding_code

    def _people(self, use: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The answers in ``use`` with a cohort and a participant, and each participant's cohort."""
        ok = use & (self.cohort >= 0) & (self.person >= 0)
        of = np.full(int(self.person.max(initial=-1)) + 1, -1, dtype=np.int64)
        of[self.person[ok]] = self.cohort[ok]  # one cohort per participant (looked up by id)
        return ok, of

    def respondents(self, use: np.ndarray, n_cohorts: int) -> np.ndarray:
        """Per cohort, the participants with an answer in ``use``."""
        ok, of = self._people(use)
        return np.bincount(of[of >= 0], minlength=n_cohorts)[:n_cohorts]

    def quotable(self, use: np.ndarray, n_cohorts: int, k: int) -> np.ndarray:
        """cohorts × surveys: at least ``k`` participants answered the survey among ``use``."""
        ok, of = self._people(use)
        n_surveys = len(self.surveys)
        seen = np.zeros(n_cohorts * n_surveys, dtype=bool)
        seen[(self.cohort * n_surveys + self.survey)[use & (self.cohort >= 0)]] = True
        answered = np.zeros((len(of), n_surveys), dtype=bool)  # participant × survey
        answered[self.person[ok], self.survey[ok]] = True
        who, survey = np.nonzero(answered)
        counts = np.bincount(of[who] * n_surveys + survey, minlength=n_cohorts * n_surveys)
        return (seen & (counts >= k)).reshape(n_cohorts, n_surveys)

    def people_per_code(self, use: np.ndarray, codes_of_codings: np.ndarray, n_cohorts: int,
                        n_codes: int) -> np.ndarray:
        """cohorts × codes: participants with a coding of the code on an answer in ``use``
        (``codes_of_codings``: each coding's code as a position, -1 for another code)."""
        ok, of = self._people(use)
        r = self.coding_row
        at = np.maximum(r, 0)
        coded = (r >= 0) & (codes_of_codings >= 0) & ok[at]
        mentions = np.zeros((len(of), n_codes), dtype=bool)  # participant × code
        mentions[self.person[at[coded]], codes_of_codings[coded]] = True
        who, code = np.nonzero(mentions)
        out = np.bincount(of[who] * n_codes + code, minlength=n_cohorts * n_codes)
        return out.reshape(n_cohorts, n_codes)


def _as_strings(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes of ``values.astype(object).map(str)`` and its distinct strings, each distinct value
    converted once (missing values one by one: ``str(nan)`` is ``"nan"``)."""
    raw, uni = pd.factorize(values)
    strings = np.array([*(str(v) for v in np.asarray(uni, dtype=object)), ""], dtype=object)[raw]
    if (missing := raw < 0).any():
        strings[missing] = [str(v) for v in values.astype(object).to_numpy()[missing]]
    codes, distinct = pd.factorize(strings)
    return codes, [str(s) for s in distinct]


def cohort_answers(answers: pd.DataFrame, codings: pd.DataFrame, members: pd.DataFrame, group: str,
                   cohorts: list[str]) -> CohortAnswers:
    """:class:`CohortAnswers` of the free text ``answers`` and their ``codings``; ``members``
    (``participant_id``, ``group``) gives each participant's cohort label, one of ``cohorts``."""
    # each distinct participant looked up once (several answers per participant)
    who, people = pd.factorize(answers[C.PARTICIPANT_ID], use_na_sentinel=False)
    member = pd.Index(members[C.PARTICIPANT_ID]).get_indexer(pd.Index(people))
    of = np.append(positions(members[group].to_numpy(dtype=object), cohorts), -1)[member] if len(people) else member
    cohort = of[who]
    person = np.where(pd.isna(np.asarray(people, dtype=object)), -1, np.arange(len(people)))[who]
    survey, surveys = _as_strings(answers[C.TIMEPOINT])
    # each distinct answer id of the codings looked up once (several codings per answer), in
    # one table with the answers' ids: unique ids take the codes 0 .. n-1 in order
    ids = answers[C.RESPONSE_ID].to_numpy(dtype=object)
    at, coded = pd.factorize(codings[C.RESPONSE_ID].to_numpy(dtype=object), use_na_sentinel=False)
    both, _ = pd.factorize(np.concatenate([ids, np.asarray(coded, dtype=object)]), use_na_sentinel=False)
    if len(ids) and both[len(ids) - 1] != len(ids) - 1:
        dup = int(pd.Index(ids).duplicated().sum())
        raise ParameterError(f"{dup} answer id(s) appear more than once in the '{C.RESPONSE_ID}' column.",
                             fix="give every answer its own id (e.g. participant, timepoint and question together).")
    rows = np.where(both[len(ids):] < len(ids), both[len(ids):], -1)[at]
    code, codes = pd.factorize(codings[C.CODE].to_numpy(dtype=object), use_na_sentinel=False)
    return CohortAnswers(cohort=cohort.astype(np.int64), person=person.astype(np.int64),
                         survey=survey.astype(np.int64), surveys=surveys, coding_row=rows.astype(np.int64),
                         coding_code=code.astype(np.int64), codes=list(codes))


def positions(values: Any, labels: list[Any]) -> np.ndarray:
    """Each value's position in ``labels`` (-1: not there)."""
    return pd.Index(labels, dtype=object).get_indexer(pd.Index(values, dtype=object))
