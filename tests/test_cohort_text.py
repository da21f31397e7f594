"""The cohort answers looked up as integer codes count what merging and grouping the tables counts.

``evaltool.analysis.steps._cohort_text`` replaces merges of the free text with the
participants and the codings (and ``groupby(...).nunique()``) in the cohort summaries; here
both are computed on random tables with the awkward cases (participants in no cohort or not in
the participants table, missing participant ids, empty answers, codings of other codes or of
answers not in the table) and must agree cell for cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaltool import columns as C
from evaltool.analysis.steps._cohort_text import cohort_answers, positions
from evaltool.errors import ParameterError


def _tables(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    n_people, n_answers, n_codings = 60, 300, 700
    pids = [f"P{i:03d}" for i in range(n_people)]
    members = pd.DataFrame({C.PARTICIPANT_ID: pids[:50],  # the last ten in no cohort
                            "cohort": [f"C{int(c)}" for c in rng.integers(0, 6, 50)]})
    who = rng.integers(0, n_people + 5, n_answers)  # some not in the participants table
    answer_pids = pd.Series([f"P{i:03d}" for i in who], dtype="str")
    answer_pids[rng.random(n_answers) < 0.05] = None  # missing participant ids
    answers = pd.DataFrame({
        C.RESPONSE_ID: pd.Series([f"R{i:04d}" for i in range(n_answers)], dtype="str"),
        C.PARTICIPANT_ID: answer_pids,
        C.TIMEPOINT: pd.Categorical(rng.choice(["T1", "T2", "T3"], n_answers), categories=["T1", "T2", "T3"]),
    })
    codings = pd.DataFrame({
        C.RESPONSE_ID: [f"R{int(i):04d}" for i in rng.integers(0, n_answers + 20, n_codings)],  # some unknown
        C.CODE: rng.choice(["a", "b", "c", "other"], n_codings).astype(object),
    })
    said = rng.random(n_answers) > 0.2  # the non-empty answers
    return answers, codings, members, sorted(members["cohort"].unique()), said


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_counts_match_merge_and_groupby(seed: int) -> None:
    answers, codings, members, cohorts, said = _tables(seed)
    codes, k = ["a", "b", "c"], 3
    found = cohort_answers(answers, codings, members, "cohort", cohorts)
    use = said & (found.cohort >= 0)
    # the merges and groupings the cohort summaries used before
    ans = answers[[C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT]].astype(object)[said]
    ans = ans.merge(members, on=C.PARTICIPANT_ID, how="inner")
    ans[C.TIMEPOINT] = ans[C.TIMEPOINT].map(str)
    resp = ans.groupby("cohort")[C.PARTICIPANT_ID].nunique().reindex(cohorts).fillna(0).astype(int)
    assert found.respondents(use, len(cohorts)).tolist() == resp.tolist()
    cod = codings.astype(object).merge(ans[[C.RESPONSE_ID, C.PARTICIPANT_ID, "cohort"]], on=C.RESPONSE_ID)
    people = cod.groupby(["cohort", C.CODE])[C.PARTICIPANT_ID].nunique().unstack(fill_value=0)
    people = people.reindex(index=cohorts, columns=codes).fillna(0).astype(int)
    got = found.people_per_code(use, found.code_positions(codes), len(cohorts), len(codes))
    assert got.tolist() == people.to_numpy().tolist()
    text_resp = ans.groupby(["cohort", C.TIMEPOINT])[C.PARTICIPANT_ID].nunique()
    want = {(c, t) for (c, t), n in text_resp.items() if n >= k}
    ok = found.quotable(use, len(cohorts), k)
    assert {(cohorts[i], found.surveys[j]) for i, j in zip(*np.nonzero(ok), strict=True)} == want
    assert positions(["b", "x"], codes).tolist() == [1, -1]


def test_repeated_answer_ids_are_refused() -> None:
    answers, codings, members, cohorts, _ = _tables(0)
    answers.loc[1, C.RESPONSE_ID] = answers.loc[0, C.RESPONSE_ID]
    with pytest.raises(ParameterError, match="more than once"):
        cohort_answers(answers, codings, members, "cohort", cohorts)


def test_missing_group_values_are_no_cohort_in_every_column_type() -> None:
    """pd.NA (string and Int64 columns), None, NaN and blanks are no cohort (None), as in the
    disclosure control's group_labels: never a cohort called "<NA>" (review of issue 16)."""
    from evaltool.analysis.steps.cohorts import _labels
    from evaltool.privacy.cells import group_labels

    cases = [(pd.Series(["C1", " C2 ", pd.NA, ""], dtype="string"), ["C1", "C2", None, None]),
             (pd.Series([1, pd.NA], dtype="Int64"), ["1", None]),
             (pd.Series(["a", None, float("nan"), 3], dtype=object), ["a", None, None, "3"]),
             (pd.Series(["C1", None], dtype="category"), ["C1", None])]
    for values, expected in cases:
        assert _labels(values).tolist() == expected == group_labels(values).tolist()
