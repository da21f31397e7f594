"""Mixed-methods integration: joint displays, quotes by reliable change, themes by timepoint."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _report_fixtures import PARTICIPANT_ID_PATTERN, example_results

from evaltool.errors import ParameterError
from evaltool.integrate import (
    JOINT_DISPLAY_COLUMNS,
    QUOTES_BY_CHANGE_COLUMNS,
    THEMES_BY_TIMEPOINT_COLUMNS,
    joint_display,
    quotes_by_change,
    themes_by_timepoint,
)
from evaltool.integrate.redaction import role_masker

# R's `sleep` data (Cushny & Peebles), as in ?t.test
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]

pytestmark = pytest.mark.xdist_group("report")  # share one analysed example per worker


def _sleep_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = [f"s{i}" for i in range(20)]
    matrix = pd.DataFrame({"participant_id": ids, "group_one": [1] * 10 + [0] * 10})
    change = pd.DataFrame({"participant_id": ids, "scale": "x", "time_from": "T1", "time_to": "T2",
                           "change": SLEEP_1 + SLEEP_2})
    return matrix, change


def test_columns_are_pinned() -> None:
    assert JOINT_DISPLAY_COLUMNS == (
        "scale", "time_from", "time_to", "code", "n_with", "mean_with", "ci_low_with", "ci_high_with",
        "n_without", "mean_without", "ci_low_without", "ci_high_without", "difference",
        "difference_ci_low", "difference_ci_high", "df_welch", "suppressed", "method")
    assert THEMES_BY_TIMEPOINT_COLUMNS == ("code", "timepoint", "n_respondents", "n_participants", "percent",
                                           "n_answers", "suppressed")
    assert QUOTES_BY_CHANGE_COLUMNS == ("scale", "time_from", "time_to", "rci_category", "n_category", "code",
                                        "timepoint", "question", "quote", "suppressed")


def test_joint_display_matches_r_t_test_on_sleep() -> None:
    """Golden: R's documented example `t.test(extra ~ group, data = sleep)` (Welch) prints
    t = -1.8608, df = 17.776, 95 percent CI -3.3654832 0.2054832, means 0.75 and 2.33.
    Group CI, hand-worked: group 1 mean 0.75, sd 1.789010, se 0.5657345, t(0.975, 9) = 2.262157,
    so 0.75 ± 1.279780 = [-0.5297804, 2.0297804] (= R `t.test(sleep$extra[1:10])`)."""
    matrix, change = _sleep_case()
    row = joint_display(matrix, change).iloc[0]
    assert row.n_with == 10 and row.n_without == 10
    assert row.mean_with == pytest.approx(0.75, abs=1e-12)
    assert row.mean_without == pytest.approx(2.33, abs=1e-12)
    assert row.difference == pytest.approx(-1.58, abs=1e-12)
    assert row.difference_ci_low == pytest.approx(-3.3654832, abs=5e-8)
    assert row.difference_ci_high == pytest.approx(0.2054832, abs=5e-8)
    assert row.df_welch == pytest.approx(17.776, abs=5e-4)
    assert row.ci_low_with == pytest.approx(-0.5297804, abs=5e-8)
    assert row.ci_high_with == pytest.approx(2.0297804, abs=5e-8)
    assert not row.suppressed and "Welch" in row.method


def test_joint_display_long_form_equals_wide_form() -> None:
    matrix, change = _sleep_case()
    long = matrix[matrix["group_one"] == 1][["participant_id"]].assign(code="group_one")
    # participants in the long table without the code must still count as "without": give them a 0 row
    long = pd.concat([long.assign(present=1),
                      matrix[matrix["group_one"] == 0][["participant_id"]].assign(code="group_one", present=0)])
    a = joint_display(matrix, change)
    b = joint_display(long, change)
    pd.testing.assert_frame_equal(a, b)


def test_joint_display_reads_a_one_row_per_person_matrix_as_its_long_table() -> None:
    """The wide matrix read directly (people × codes) gives the moments of presence()'s long
    table, also with changes of people missing from the matrix, a missing contrast key and
    repeated keys in any order."""
    from evaltool.integrate import _common, joint

    rng = np.random.default_rng(5)
    ids = [f"P{i}" for i in range(120)]
    m = pd.DataFrame({"participant_id": pd.Series(ids[:100], dtype="str"),
                      **{f"c{j}": rng.integers(0, 3, 100) for j in range(4)}})
    rows = [(p, s, "T1", t, float(rng.normal(0.2, 1.0))) for t in ("T3", "T2") for s in ("b", "a")
            for p in rng.permutation(ids)[:90]]
    rows += [(ids[0], "a", None, "T2", 0.5), (ids[1], "b", "T1", "T2", float("nan"))]
    change = pd.DataFrame(rows, columns=["participant_id", "scale", "time_from", "time_to", "change"])
    ch = joint._changes(change, None, "t")
    direct = joint._moments(ch, joint._Presence.of(m, "t", None))
    via_long = joint._moments(ch, _common.presence(m, "t"))
    pd.testing.assert_frame_equal(direct[0], via_long[0])
    for a, b in zip((*direct[1], *direct[2]), (*via_long[1], *via_long[2]), strict=True):
        assert np.array_equal(a, b, equal_nan=True)
    assert np.nansum(direct[1][0]) > 0 and np.nansum(direct[2][0]) > 0


def test_joint_display_suppresses_both_groups_together() -> None:
    """A group below min_cell_size hides the whole row: n_with + n_without is a published total."""
    matrix, change = _sleep_case()
    matrix = matrix.assign(rare=[1, 1, 1] + [0] * 17)
    out = joint_display(matrix, change, min_cell_size=5).set_index("code")
    rare = out.loc["rare"]
    assert rare.suppressed
    assert pd.isna(rare.n_with) and pd.isna(rare.n_without)
    stats = [c for c in JOINT_DISPLAY_COLUMNS[4:16]]
    assert out.loc["rare", stats].isna().all()
    assert not out.loc["group_one"].suppressed


def test_joint_display_on_the_example_and_inputs_unchanged() -> None:
    res = example_results()
    from evaltool.qual.coder import code

    ft = res["free_text"]
    cod = code(ft)
    matrix = cod.merge(ft[["response_id", "participant_id"]], on="response_id")[["participant_id", "code"]]
    rc = res["reliable_change"]
    before = (matrix.copy(), rc.copy())
    jd = joint_display(matrix, rc, scales=["coping_confidence"], min_cell_size=5)
    pd.testing.assert_frame_equal(matrix, before[0])
    pd.testing.assert_frame_equal(rc, before[1])
    assert list(jd.columns) == list(JOINT_DISPLAY_COLUMNS)
    shown = jd[~jd["suppressed"]]
    assert (shown["n_with"] >= 5).all() and (shown["n_without"].fillna(5) >= 5).all()
    # every shown row: the two groups are the coded participants with change at that contrast
    people = set(matrix["participant_id"])
    for r in shown.itertuples():
        sub = rc[(rc["scale"] == r.scale) & (rc["time_to"].astype(str) == r.time_to)].dropna(subset=["change"])
        sub = sub[sub["participant_id"].isin(people)]
        has = set(matrix.loc[matrix["code"] == r.code, "participant_id"])
        w = sub[sub["participant_id"].isin(has)]["change"]
        assert r.n_with == len(w) and r.n_with + r.n_without == len(sub)
        assert r.mean_with == pytest.approx(w.mean(), rel=1e-12)


@pytest.mark.parametrize("bad", [2, 0, 4.5, True])
def test_min_cell_size_floor(bad: object) -> None:
    matrix, change = _sleep_case()
    with pytest.raises(ParameterError, match="'min_cell_size' parameter of joint_display"):
        joint_display(matrix, change, min_cell_size=bad)  # type: ignore[arg-type]


def test_missing_columns_are_named() -> None:
    matrix, change = _sleep_case()
    with pytest.raises(ParameterError, match="time_from"):
        joint_display(matrix, change.drop(columns="time_from"))


def test_themes_by_timepoint_counts_and_suppression() -> None:
    ans = pd.DataFrame({"response_id": [f"r{i}" for i in range(9)],
                        "participant_id": list("abcdefabc"),
                        "timepoint": ["T2"] * 6 + ["T3"] * 3,
                        "text": ["call helped", "good call", "the call", "call ok", "liked call", "n/a",
                                 "call again", "call", "nothing really"]})
    cod = pd.DataFrame({"response_id": ["r0", "r1", "r2", "r3", "r4", "r6", "r7"], "code": "coaching_call"})
    before = ans.copy()
    out = themes_by_timepoint(cod, ans, min_cell_size=3).set_index("timepoint")
    pd.testing.assert_frame_equal(ans, before)
    assert out.loc["T2", "n_respondents"] == 5      # "n/a" does not count as a respondent
    assert out.loc["T2", "n_participants"] == 5 and out.loc["T2", "percent"] == 100.0
    assert out.loc["T3", "n_respondents"] == 2      # "nothing really" is empty under the codebook
    assert out.loc["T3", "suppressed"] and pd.isna(out.loc["T3", "n_participants"])


def test_themes_by_timepoint_same_counts_for_string_and_object_ids() -> None:
    """Answer ids looked up by Arrow (string columns) or by a pandas index (object columns):
    the same table, with codings of unknown or missing answers."""
    rng = np.random.default_rng(3)
    n = 300
    ans = pd.DataFrame({"response_id": [f"r{i}" for i in range(n)],
                        "participant_id": [f"p{i % 120}" for i in range(n)],
                        "timepoint": pd.Categorical(rng.choice(["T1", "T2", "T3"], n), categories=["T1", "T2", "T3", "T4"]),
                        "text": rng.choice(["The call helped a lot", "n/a", "good sessions overall", "-"], n)})
    cod = pd.DataFrame({"response_id": [f"r{i}" for i in rng.integers(0, n + 20, 500)] + [None],
                        "code": list(rng.choice(["a", "b", "c"], 500)) + ["a"]})
    as_text = themes_by_timepoint(cod, ans.astype({"response_id": "str", "participant_id": "str"}), min_cell_size=3)
    as_objects = themes_by_timepoint(cod, ans.astype({"response_id": object, "participant_id": object}), min_cell_size=3)
    pd.testing.assert_frame_equal(as_text, as_objects)
    assert list(as_text["timepoint"].unique()) == ["T1", "T2", "T3"]
    assert as_text["n_participants"].sum() > 0


def test_quotes_by_change_redacts_groups_and_hides_small_categories() -> None:
    q = pd.DataFrame({"participant_id": [f"p{i}" for i in range(12)],
                      "quote": [f"answer number {i} from Sarah" for i in range(12)],
                      "code": "x", "timepoint": "T4", "question": "q"})
    rc = pd.DataFrame({"participant_id": [f"p{i}" for i in range(12)], "scale": "brs", "time_from": "T1",
                       "time_to": "T4", "rci_category": ["improved"] * 6 + ["unchanged"] * 4 + ["deteriorated"] * 2})
    out = quotes_by_change(q, rc, min_cell_size=5, per_category=2, redactor=lambda t: t.replace("Sarah", "[name]"))
    assert "participant_id" not in out.columns
    assert not out["quote"].dropna().str.contains("Sarah").any()
    imp = out[out["rci_category"] == "improved"]
    assert len(imp) == 2 and not imp["suppressed"].any()
    for cat in ("unchanged", "deteriorated"):
        sub = out[out["rci_category"] == cat]
        assert len(sub) == 1 and sub["suppressed"].all() and sub["quote"].isna().all()
        assert sub["n_category"].isna().all()
    # two hidden categories already protect each other; the shown one keeps its n
    assert imp["n_category"].iloc[0] == 6


def test_quotes_by_change_complementary_n() -> None:
    """With one hidden category, the next-smallest count is hidden too (the total n is published)."""
    q = pd.DataFrame({"participant_id": [f"p{i}" for i in range(20)], "quote": "text"})
    rc = pd.DataFrame({"participant_id": [f"p{i}" for i in range(20)], "scale": "s", "time_from": "T1",
                       "time_to": "T2", "rci_category": ["improved"] * 6 + ["unchanged"] * 11 + ["deteriorated"] * 3})
    out = quotes_by_change(q, rc, min_cell_size=5, redactor=str)
    n = out.drop_duplicates("rci_category").set_index("rci_category")["n_category"]
    assert pd.isna(n["deteriorated"]) and pd.isna(n["improved"]) and n["unchanged"] == 11
    assert not out.loc[out["rci_category"] == "improved", "suppressed"].any()  # its quotes still shown


def test_quotes_by_change_latest_timepoint_by_default() -> None:
    q = pd.DataFrame({"participant_id": ["a"], "quote": ["x"]})
    rc = pd.DataFrame({"participant_id": ["a", "a"], "scale": "s", "time_from": "T1",
                       "time_to": pd.Categorical(["T2", "T4"], categories=["T1", "T2", "T3", "T4"], ordered=True),
                       "rci_category": ["improved", "unchanged"]})
    out = quotes_by_change(q, rc, min_cell_size=3, redactor=str)
    assert set(out["time_to"]) == {"T4"}


def test_role_masker() -> None:
    mask = role_masker(["paramedic", "band 6 midwife", "midwife", "A&E"])
    assert mask("As a Band 6  midwife in A&E, the paramedics agreed") == "As a [role] in [role], the [role] agreed"
    assert mask("paramedicine") == "paramedicine"
    assert role_masker([])("unchanged") == "unchanged"


def test_no_participant_ids_in_integration_outputs() -> None:
    res = example_results()
    from evaltool.qual.coder import code

    ft = res["free_text"]
    cod = code(ft)
    tt = themes_by_timepoint(cod, ft)
    text = tt.to_csv()
    assert not PARTICIPANT_ID_PATTERN.search(text)
    assert np.isfinite(tt["n_respondents"].astype(float)).all()
