"""Tests for evaltool.qual.intercoder (STATISTICS.md, "Agreement between coders").

References: Cohen (1960) Table 1; the statpsych::ci.kappa documentation example (Bonett,
CRAN statpsych 1.7.0); Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability",
section C; ``sklearn.metrics.cohen_kappa_score`` and ``krippendorff.alpha(...,
level_of_measurement="nominal")`` on random data; hand-worked 2 × 2 tables.
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from evaltool.errors import EvaltoolWarning, ParameterError
from evaltool.qual.intercoder import (
    AGREEMENT_COLUMNS,
    DISAGREEMENT_COLUMNS,
    OVERALL,
    agreement,
    cohen_kappa_table,
    disagreements,
    krippendorff_alpha_nominal,
)


def _answers(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "response_id": [f"r{i}" for i in range(n)],
        "participant_id": [f"P{i // 2}" for i in range(n)],
        "timepoint": ["T2", "T3"] * (n // 2) + ["T2"] * (n % 2),
        "question": "q1",
        "text": [f"answer number {i} é 😀" for i in range(n)],
    })


def _codings(ids, code: str, coder: str) -> pd.DataFrame:
    ids = list(ids)
    return pd.DataFrame({
        "response_id": ids, "code": code, "start": 0, "end": 3, "evidence": "ans", "coder": coder,
    })


def test_columns_pinned():
    assert AGREEMENT_COLUMNS == (
        "code", "n_coders", "n_units", "n_coded", "percent_agreement", "kappa", "kappa_se",
        "ci_low", "ci_high", "alpha", "method", "note",
    )
    assert DISAGREEMENT_COLUMNS == (
        "response_id", "participant_id", "timepoint", "question", "code", "present_by",
        "absent_by", "evidence", "text",
    )


def test_cohen_1960_table1():
    """Cohen (1960), Table 1: 200 units, three categories, proportions
    [[.44,.07,.09],[.05,.20,.05],[.01,.03,.06]]; p_o = .70,
    p_e = .60·.50 + .30·.30 + .10·.20 = .41, κ = (.70 − .41)/(1 − .41) = .29/.59 = .4915."""
    table = np.array([[88, 14, 18], [10, 40, 10], [2, 6, 12]])
    kappa, se = cohen_kappa_table(table)
    assert kappa == pytest.approx(0.29 / 0.59, abs=1e-12)
    assert round(float(kappa), 3) == 0.492


def test_kappa_se_statpsych_example():
    """statpsych::ci.kappa(.05, 31, 12, 4, 58) documentation example ("Should return"):
    Cohen kappa 0.6756757, SE 0.07344761, LL 0.5317210, UL 0.8196303.
    By hand: n = 105, p_o = 89/105, p_e = (43·35 + 62·70)/105² = 5845/11025,
    κ = (9345 − 5845)/(11025 − 5845) = 3500/5180 = 0.6756757."""
    # f00 = both 0, f01 = coder A 0 / B 1, f10 = A 1 / B 0, f11 = both 1
    ids = [f"r{i}" for i in range(105)]
    a_pos = ids[31 + 12:]                    # f10 + f11
    b_pos = ids[31:31 + 12] + ids[31 + 12 + 4:]  # f01 + f11
    answers = pd.DataFrame({"response_id": ids})
    res = agreement(_codings(a_pos, "c", "A"), _codings(b_pos, "c", "B"), answers=answers)
    row = res.iloc[0]
    assert row["kappa"] == pytest.approx(3500 / 5180, abs=1e-12)
    assert row["kappa_se"] == pytest.approx(0.07344761, abs=5e-9)
    assert row["ci_low"] == pytest.approx(0.5317210, abs=5e-8)
    assert row["ci_high"] == pytest.approx(0.8196303, abs=5e-8)
    assert row["percent_agreement"] == pytest.approx(89 / 105, abs=1e-15)
    assert row["n_units"] == 105 and row["n_coded"] == 31 + 12 + 4 + 58 - 31
    assert row["note"] == ""


def test_krippendorff_2011_worked_example():
    """Krippendorff (2011), section C: 4 coders, 12 units, values 1-5 with missing data.
    Pairable values n = 40 (unit 12 has one value); n_c = (9, 13, 10, 5, 3), Σ n_c² = 384;
    disagreeing units: u2 (2,2,3,2): (16 − 10)/3 = 2; u6 (1,2,3,4): (16 − 4)/3 = 4;
    u8 (1,1,2,1): (16 − 10)/3 = 2 → Σ_{c≠k} o_ck = 8;
    α = 1 − 39 · 8 / (1600 − 384) = 1 − 312/1216 = 0.743421."""
    nan = np.nan
    data = np.array([
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ])
    counts = np.stack([(data == v).sum(axis=0) for v in range(1, 6)], axis=-1)
    alpha = krippendorff_alpha_nominal(counts)
    assert alpha == pytest.approx(1 - 312 / 1216, abs=1e-15)
    assert round(float(alpha), 3) == 0.743
    assert alpha == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), abs=1e-12)


def test_hand_worked_two_by_two():
    """4 answers; A codes r1, r2; B codes r1, r3. Table [[1, 1], [1, 1]]:
    p_o = 2/4, p_e = .5·.5 + .5·.5 = .5, κ = 0. SE: A = .25(1 − 1)² + .25(1 − 1)² = 0,
    B = (1)²(.25·1² + .25·1²) = .5, C = (0 − .5)² = .25, Var = (.5 − .25)/(4 · .25) = .25, SE = .5.
    α: n = 8, n_0 = n_1 = 4; disagreeing units r2, r3 each (4 − 2)/1 = 2 → 4;
    α = 1 − 7 · 4 / (64 − 32) = 0.125."""
    answers = pd.DataFrame({"response_id": ["r1", "r2", "r3", "r4"]})
    res = agreement(_codings(["r1", "r2"], "w", "A"), _codings(["r1", "r3"], "w", "B"),
                    answers=answers)
    row = res.iloc[0]
    assert row["kappa"] == pytest.approx(0.0, abs=1e-15)
    assert row["kappa_se"] == pytest.approx(0.5, abs=1e-15)
    assert row["ci_low"] == pytest.approx(-1.959963984540054 * 0.5, abs=1e-12)
    assert row["alpha"] == pytest.approx(0.125, abs=1e-15)
    assert row["percent_agreement"] == 0.5
    assert row["n_units"] == 4 and row["n_coded"] == 3


def test_missing_units_are_not_absent():
    """B did not see r4, so r4 is missing for B: 3 complete pairs (r1 both, r2 A only,
    r3 B only). p_o = 1/3, p_e = (1/3·1/3 + 2/3·2/3) = 5/9, κ = (3/9 − 5/9)/(4/9) = −0.5.
    α over r1..r3 (r4 has one value, not pairable): n = 6, n_1 = 4, n_0 = 2;
    D = 2 + 2 = 4; α = 1 − 5 · 4 / (36 − 20) = −0.25."""
    units = {"A": ["r1", "r2", "r3", "r4"], "B": ["r1", "r2", "r3"]}
    res = agreement({"A": _codings(["r1", "r2"], "w", "A"), "B": _codings(["r1", "r3"], "w", "B")},
                    units=units)
    row = res.iloc[0]
    assert row["n_units"] == 3
    assert row["kappa"] == pytest.approx(-0.5, abs=1e-15)
    assert row["alpha"] == pytest.approx(-0.25, abs=1e-15)
    # the same units given as a frame
    uf = pd.DataFrame([(r, c) for c, rs in units.items() for r in rs], columns=["response_id", "coder"])
    res2 = agreement(_codings(["r1", "r2"], "w", "A"), _codings(["r1", "r3"], "w", "B"), units=uf)
    pd.testing.assert_frame_equal(res, res2)


def _random_codings(rng, n_answers=60, n_coders=2, codes=("a", "b", "c"), p_missing=0.0):
    ids = [f"r{i}" for i in range(n_answers)]
    truth = rng.random((len(codes), n_answers)) < 0.35
    frames, units, values = [], {}, np.full((len(codes), n_coders, n_answers), np.nan)
    for j in range(n_coders):
        coder = f"coder{j}"
        seen = rng.random(n_answers) >= p_missing
        flip = rng.random((len(codes), n_answers)) < 0.2
        pres = (truth ^ flip) & seen[None]
        units[coder] = [i for i, s in zip(ids, seen, strict=True) if s]
        for k, code in enumerate(codes):
            rows = [i for i, p in zip(ids, pres[k], strict=True) if p]
            frames.append(_codings(rows, code, coder))
            values[k, j] = np.where(seen, pres[k].astype(float), np.nan)
    return pd.concat(frames, ignore_index=True), units, values, ids


@pytest.mark.parametrize("seed", range(6))
def test_random_two_coders_match_sklearn_and_krippendorff(seed):
    """κ equals sklearn.metrics.cohen_kappa_score on complete pairs and α equals
    krippendorff.alpha(level_of_measurement="nominal"), to 1e-12."""
    rng = np.random.default_rng(seed)
    codings, units, values, _ = _random_codings(rng, p_missing=0.1 * (seed % 3))
    res = agreement(codings, units=units).set_index("code")
    for k, code in enumerate(("a", "b", "c")):
        v = values[k]
        both = ~np.isnan(v).any(axis=0)
        ref_k = cohen_kappa_score(v[0, both], v[1, both])
        ref_a = krippendorff.alpha(reliability_data=v, level_of_measurement="nominal")
        assert res.loc[code, "kappa"] == pytest.approx(ref_k, abs=1e-12)
        assert res.loc[code, "alpha"] == pytest.approx(ref_a, abs=1e-12)
        assert res.loc[code, "n_units"] == both.sum()
    pooled = values.transpose(1, 0, 2).reshape(2, -1)
    both = ~np.isnan(pooled).any(axis=0)
    assert res.loc[OVERALL, "kappa"] == pytest.approx(
        cohen_kappa_score(pooled[0, both], pooled[1, both]), abs=1e-12)
    assert res.loc[OVERALL, "alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=pooled, level_of_measurement="nominal"), abs=1e-12)


def test_random_kappa_se_matches_statsmodels():
    """SE (Fleiss, Cohen & Everitt 1969) equals statsmodels cohens_kappa().std_kappa."""
    from statsmodels.stats.inter_rater import cohens_kappa
    rng = np.random.default_rng(11)
    for _ in range(5):
        table = rng.integers(1, 40, size=(3, 3))
        kappa, se = cohen_kappa_table(table)
        ref = cohens_kappa(table)
        assert kappa == pytest.approx(ref.kappa, abs=1e-12)
        assert se == pytest.approx(ref.std_kappa, abs=1e-12)


@pytest.mark.parametrize("n_coders", [3, 4])
def test_random_many_coders_alpha(n_coders):
    rng = np.random.default_rng(100 + n_coders)
    codings, units, values, _ = _random_codings(rng, n_answers=50, n_coders=n_coders, p_missing=0.25)
    res = agreement(codings, units=units).set_index("code")
    for k, code in enumerate(("a", "b", "c")):
        ref = krippendorff.alpha(reliability_data=values[k], level_of_measurement="nominal")
        assert res.loc[code, "alpha"] == pytest.approx(ref, abs=1e-12)
        # percent agreement: all coders who saw the answer agree, over answers seen by >= 2
        v = values[k]
        m = (~np.isnan(v)).sum(0)
        s = np.nansum(v, 0)
        ok = m >= 2
        assert res.loc[code, "percent_agreement"] == pytest.approx(
            np.mean(((s == 0) | (s == m))[ok]), abs=1e-15)
    assert res["kappa"].isna().all()
    assert res["note"].str.contains("kappa is for two coders").all()
    assert (res["n_coders"] == n_coders).all()


def test_degenerate_cases_have_notes():
    answers = _answers(6)
    a = pd.concat([_codings(["r0", "r1"], "perfect", "A"), _codings(answers.response_id, "all", "A")])
    b = pd.concat([_codings(["r0", "r1"], "perfect", "B"), _codings(answers.response_id, "all", "B")])
    res = agreement(a, b, answers=answers, codes=["perfect", "all", "unused"]).set_index("code")
    p = res.loc["perfect"]
    assert p["kappa"] == 1.0 and p["kappa_se"] == 0.0 and p["alpha"] == 1.0
    assert p["ci_low"] == 1.0 and p["ci_high"] == 1.0
    assert p["note"] == "perfect agreement"
    for code in ("all", "unused"):
        r = res.loc[code]
        assert np.isnan(r["kappa"]) and np.isnan(r["kappa_se"]) and np.isnan(r["alpha"])
        assert r["percent_agreement"] == 1.0
    assert "not used by any coder" in res.loc["unused", "note"]
    assert "only one category" in res.loc["all", "note"]
    assert res.loc["unused", "n_coded"] == 0


def test_no_shared_answers():
    units = {"A": ["r1"], "B": ["r2"]}
    res = agreement({"A": _codings(["r1"], "w", "A"), "B": _codings(["r2"], "w", "B")}, units=units)
    assert res.loc[0, "n_units"] == 0
    assert "nothing to compare" in res.loc[0, "note"]
    assert np.isnan(res.loc[0, "percent_agreement"])


def test_disagreements_table():
    answers = _answers(4)
    a = _codings(["r0", "r1"], "w", "A").assign(evidence=["much", "too much"])
    b = pd.concat([_codings(["r0", "r2"], "w", "B"), _codings(["r3"], "x", "B")])
    res = disagreements(a, b, answers=answers)
    assert list(res.columns) == list(DISAGREEMENT_COLUMNS)
    assert res[["response_id", "code", "present_by", "absent_by"]].values.tolist() == [
        ["r1", "w", "A", "B"], ["r2", "w", "B", "A"], ["r3", "x", "B", "A"],
    ]
    assert res.loc[0, "evidence"] == "A: too much"
    assert res.loc[0, "text"] == "answer number 1 é 😀"
    assert res.loc[0, "participant_id"] == "P0" and res.loc[0, "timepoint"] == "T3"


def test_disagreements_many_coders_and_integer_ids():
    answers = pd.DataFrame({"response_id": [1, 2], "text": ["x", "y"]})
    cod = pd.DataFrame({"response_id": ["1", "1", "2"], "code": "c", "coder": ["A", "B", "C"]})
    res = disagreements(cod, answers=answers)
    assert res["response_id"].tolist() == [1, 2]
    assert res["present_by"].tolist() == ["A, B", "C"]
    assert res["absent_by"].tolist() == ["C", "A, B"]


def test_warns_without_answers_or_units():
    with pytest.warns(EvaltoolWarning, match="answers that nobody coded"):
        res = agreement(_codings(["r1"], "w", "A"), _codings(["r2"], "w", "B"))
    assert res.loc[0, "n_units"] == 2


def test_parameter_errors():
    a = _codings(["r1"], "w", "A")
    with pytest.raises(ParameterError, match="at least two coders"):
        agreement(a, answers=_answers(3))
    with pytest.raises(ParameterError, match="more than one codings frame"):
        agreement(a, a, answers=_answers(3))
    with pytest.raises(ParameterError, match="not among the answers"):
        agreement(a, _codings(["zzz"], "w", "B"), answers=_answers(3))
    with pytest.raises(ParameterError, match="lacks the column"):
        agreement(a.drop(columns="coder"), _codings(["r1"], "w", "B"), answers=_answers(3))
    with pytest.raises(ParameterError, match="'confidence'"):
        agreement(a, _codings(["r1"], "w", "B"), answers=_answers(3), confidence=95)
    with pytest.raises(ParameterError, match="says nothing"):
        agreement(a, _codings(["r1"], "w", "B"), units={"A": ["r1"]})


def test_inputs_not_mutated_and_dict_equals_frames():
    answers = _answers(8)
    a = _codings(["r0", "r1", "r5"], "w", "A")
    b = _codings(["r0", "r5", "r6"], "w", "B")
    copies = [x.copy() for x in (answers, a, b)]
    r1 = agreement(a, b, answers=answers)
    r2 = agreement({"A": a.drop(columns="coder"), "B": b.drop(columns="coder")}, answers=answers)
    r3 = agreement(pd.concat([a, b]), answers=answers)
    disagreements(a, b, answers=answers)
    pd.testing.assert_frame_equal(r1, r2)
    pd.testing.assert_frame_equal(r1, r3)
    for x, y in zip((answers, a, b), copies, strict=True):
        pd.testing.assert_frame_equal(x, y)


def test_codebook_object_and_duplicate_spans():
    class _Code:
        def __init__(self, id):
            self.id = id

    class _Book:
        codes = [_Code("w"), _Code("x")]

    answers = _answers(4)
    a = pd.concat([_codings(["r0", "r0"], "w", "A"), _codings(["r1"], "zzz", "A")])
    b = _codings(["r0"], "w", "B")
    res = agreement(a, b, answers=answers, codes=_Book())
    assert res["code"].tolist() == ["w", "x", OVERALL]
    assert res.loc[0, "kappa"] == 1.0     # two spans of the same code on r0 = present once


# --- multi-category codes (valence) through agreement() -----------------------------------------
def _valued(values: dict[str, list], code: str = "valence") -> pd.DataFrame:
    rows = [(f"u{u + 1}", code, str(v), coder) for coder, vs in values.items()
            for u, v in enumerate(vs) if v is not None]
    return pd.DataFrame(rows, columns=["response_id", "code", "value", "coder"])


def test_multi_category_kappa_cohen_1960_table1():
    """Cohen (1960), Table 1 through agreement(): 200 answers, three categories; κ = .29/.59.

    The SE is the large-sample one of Fleiss, Cohen & Everitt (1969), as for two categories
    (checked against ``cohen_kappa_table`` on the same table)."""
    table = np.array([[88, 14, 18], [10, 40, 10], [2, 6, 12]])
    cats = ["psychotic", "neurotic", "organic"]
    a, b = [], []
    for i, j in np.ndindex(3, 3):
        a += [cats[i]] * int(table[i, j])
        b += [cats[j]] * int(table[i, j])
    codings = _valued({"A": a, "B": b})
    answers = pd.DataFrame({"response_id": [f"u{u + 1}" for u in range(200)]})
    row = agreement(codings, answers=answers).set_index("code").loc["valence"]
    assert row["kappa"] == pytest.approx(0.29 / 0.59, abs=1e-12)
    k, se = cohen_kappa_table(table)
    assert row["kappa_se"] == pytest.approx(float(se), abs=1e-12)
    assert row["percent_agreement"] == pytest.approx(0.70, abs=1e-12)
    assert row["n_units"] == 200 and row["method"].startswith("cohen_kappa over 3 categories")
    assert row["kappa"] == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    assert row["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=np.array([[cats.index(x) for x in a], [cats.index(x) for x in b]], float),
                           level_of_measurement="nominal"), abs=1e-12)


def test_multi_category_alpha_krippendorff_2011():
    """Krippendorff (2011), section C worked example through agreement(): 4 coders, 12 units,
    five categories, missing values; α = 1 − 39 · 8 / (1600 − 384) = 0.743421 (the
    coincidence-matrix formula α = 1 − (n − 1) Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k)."""
    values = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    }
    answers = pd.DataFrame({"response_id": [f"u{u + 1}" for u in range(12)]})
    res = agreement(_valued(values), answers=answers).set_index("code")
    row = res.loc["valence"]
    assert row["alpha"] == pytest.approx(1 - 312 / 1216, abs=1e-15)
    assert round(float(row["alpha"]), 3) == 0.743
    assert row["n_units"] == 11                      # unit 12 has one value: not pairable
    assert np.isnan(row["kappa"]) and "use alpha" in row["note"]
    # units 2, 6 and 8 disagree: 8 of 11 pairable units agree
    assert row["percent_agreement"] == pytest.approx(8 / 11, abs=1e-15)


def test_multi_category_codes_beside_binary_codes_and_not_pooled():
    answers = pd.DataFrame({"response_id": ["u1", "u2", "u3", "u4"]})
    val = _valued({"A": ["positive", "negative", "neutral", "mixed"],
                   "B": ["positive", "negative", "neutral", "negative"]})
    binary = pd.concat([_codings(["u1", "u2"], "call", "A"), _codings(["u1"], "call", "B")])
    res = agreement(pd.concat([binary, val]), answers=answers).set_index("code")
    assert list(res.index) == ["call", "valence", OVERALL]
    pooled_binary = agreement(binary, answers=answers).set_index("code")
    assert res.loc[OVERALL, "kappa"] == pytest.approx(pooled_binary.loc[OVERALL, "kappa"])
    assert "not pooled" in res.loc[OVERALL, "note"]
    assert res.loc["valence", "percent_agreement"] == 0.75
    assert res.loc["valence", "kappa"] == pytest.approx(cohen_kappa_score(
        ["positive", "negative", "neutral", "mixed"], ["positive", "negative", "neutral", "negative"]))


def test_multi_category_two_values_for_one_answer_is_an_error():
    codings = pd.DataFrame({"response_id": ["u1", "u1", "u1"], "code": "valence",
                            "value": ["positive", "negative", "positive"], "coder": ["A", "A", "B"]})
    with pytest.raises(ParameterError, match="more than one value"):
        agreement(codings, answers=pd.DataFrame({"response_id": ["u1"]}))
