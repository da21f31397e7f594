"""Linking waves by participant: ids, exclusions, duplicates, problems, nothing lost."""

from __future__ import annotations

import hashlib
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaltool.errors import StudyError
from evaltool.study import link_study, load_study
from evaltool.study.ids import near_misses, normalise_ids
from evaltool.study.model import IdSpec

STUDY = """\
name: mini
exports:
  - {file: t1.csv, timepoint: T1}
  - {file: t2.csv, timepoint: T2}
timepoints: [{id: T1}, {id: T2}]
participant_id: {column: pid, zero_pad: 3}
instruments: [{id: brs}]
groups: [{name: cohort, column: cohort}]
free_text: [{id: comment, column: comment}]
"""

T1 = """\
pid,cohort,brs_1,brs_2,brs_3,brs_4,brs_5,brs_6,comment
P001,C1,4,2,4,2,4,2,
p002,C1,3,3,3,3,3,3,
P3 ,C2,5,1,5,1,5,1,
,C2,1,1,1,1,1,1,
P004,C2,,,,,,,
"""

T2 = """\
pid,brs_1,brs_2,brs_3,brs_4,brs_5,brs_6,comment
P001,5,1,5,1,5,1,great workshop
P002,4,2,4,,4,2,"too long, but useful"
P002,4,2,4,2,4,2,second
P0O3,4,2,4,2,4,9,
"""


def _write(tmp: Path, study: str = STUDY, t1: str = T1, t2: str = T2) -> Path:
    (tmp / "t1.csv").write_text(t1, encoding="utf-8")
    (tmp / "t2.csv").write_text(t2, encoding="utf-8")
    (tmp / "study.yaml").write_text(study, encoding="utf-8")
    return tmp / "study.yaml"


def test_ids_normalised_and_linked(tmp_path):
    linked = link_study(_write(tmp_path))
    parts = linked.participants.set_index("participant_id")
    assert list(parts.index) == ["P001", "P002", "P003"]  # 'P0O3' (T2 only) is held back
    assert parts.loc["P002", "T1"] and parts.loc["P002", "T2"]  # 'p002' and 'P002' are one person
    assert parts.loc["P003", "cohort"] == "C2"  # 'P3 ' padded to P003


def test_every_row_accounted_for(tmp_path):
    linked = link_study(_write(tmp_path))
    c = linked.counts
    assert c["rows_in"] == 9
    assert c["rows_in"] == c["rows_kept"] + c["rows_excluded"]
    reasons = linked.exclusions.set_index(["source", "row"])["reason"].to_dict()
    assert reasons == {
        ("t1.csv", 5): "no participant id",
        ("t1.csv", 6): "empty response (no answers)",
        ("t2.csv", 3): "duplicate (kept the most complete response)",
        ("t2.csv", 5): "unmatched: near miss of an earlier id",
    }


def test_duplicate_rules(tmp_path):
    for rule, kept_row in (("first", 3), ("last", 4), ("most_complete", 4)):
        study = STUDY + f"exclusions: {{duplicates: {rule}}}\n"
        linked = link_study(_write(tmp_path, study))
        w = linked.wide
        assert w.loc[(w.participant_id == "P002") & (w.timepoint == "T2"), "row"].tolist() == [kept_row]


def test_duplicates_error_rule_reports_each_row(tmp_path):
    linked = link_study(_write(tmp_path, STUDY + "exclusions: {duplicates: error}\n"))
    dup = linked.problems[linked.problems.rule == "duplicate"]
    assert sorted(dup["row"].tolist()) == [3, 4]
    assert linked.has_errors


def test_near_miss_is_held_back_not_counted_as_new(tmp_path):
    linked = link_study(_write(tmp_path))
    mr = linked.match_report.set_index("participant_id")
    assert mr.loc["P0O3", "status"] == "held back (near miss of P003)"
    assert mr.loc["P0O3", "suggestion"] == "may be P003"
    near = linked.problems[linked.problems.rule == "near_miss_id"].iloc[0]
    assert "participant_id.links" in near["fix"] and near["severity"] == "warning"
    assert "P0O3" not in set(linked.participants["participant_id"])


def test_near_miss_linked_by_the_study(tmp_path):
    study = STUDY.replace("participant_id: {column: pid, zero_pad: 3}",
                          "participant_id: {column: pid, zero_pad: 3, links: {P0O3: P003}}")
    linked = link_study(_write(tmp_path, study))
    parts = linked.participants.set_index("participant_id")
    assert bool(parts.loc["P003", "T2"]) and "P0O3" not in parts.index


def test_new_participants_allowed_at_a_wave(tmp_path):
    study = STUDY.replace("participant_id: {column: pid, zero_pad: 3}",
                          "participant_id: {column: pid, zero_pad: 3, new_participants_at: [T2]}")
    linked = link_study(_write(tmp_path, study))
    mr = linked.match_report.set_index("participant_id")
    assert mr.loc["P0O3", "status"] == "joined at T2"  # never "returned after a gap"
    assert linked.participants.set_index("participant_id").loc["P0O3", "joined"] == "T2"
    assert "joined_later" in set(linked.problems["rule"])


def test_problems_name_file_row_column(tmp_path):
    linked = link_study(_write(tmp_path))
    p = linked.problems
    oor = p[p.rule == "out_of_range"].iloc[0]
    assert (oor["source"], oor["row"], oor["column"], oor["value"]) == ("t2.csv", 5, "brs_6", "9")
    assert oor["severity"] == "error" and oor["fix"]
    assert "straight_lining" in set(p["rule"])  # P002 at T1 answered 3 to all six BRS items


def test_invalid_answer_is_missing_not_clipped(tmp_path):
    study = STUDY.replace("zero_pad: 3}", "zero_pad: 3, links: {P0O3: P003}}")
    linked = link_study(_write(tmp_path, study))
    w = linked.wide.set_index(["participant_id", "timepoint"])
    assert np.isnan(w.loc[("P003", "T2"), "brs_6"])


def test_free_text_tidy(tmp_path):
    ft = link_study(_write(tmp_path)).free_text
    assert list(ft.columns[:5]) == ["response_id", "participant_id", "timepoint", "question", "text"]
    assert ft["text"].tolist() == ["great workshop", "second"]


def test_responses_long(tmp_path):
    r = link_study(_write(tmp_path)).responses
    assert list(r.columns) == ["participant_id", "timepoint", "instrument", "item", "value"]
    assert r["value"].notna().all()


def test_missing_id_column_is_a_clear_error(tmp_path):
    path = _write(tmp_path, STUDY.replace("column: pid", "column: participant"))
    with pytest.raises(StudyError, match="no participant-id column 'participant'") as exc:
        link_study(path)
    assert "t1.csv" in str(exc.value) and "Fix:" in str(exc.value)


def test_two_exports_for_one_wave_refused(tmp_path):
    bad = STUDY.replace("{file: t2.csv, timepoint: T2}", "{file: t2.csv, timepoint: T1}")
    with pytest.raises(StudyError, match="exports\\[0\\] is already for timepoint 'T1'") as exc:
        load_study(_write(tmp_path, bad))
    assert exc.value.field == "exports[1].timepoint"


def test_two_files_of_one_wave_allowed(tmp_path):
    study = STUDY.replace("{file: t2.csv, timepoint: T2}", "{files: [t2.csv, t2b.csv], timepoint: T2}")
    path = _write(tmp_path, study)
    (tmp_path / "t2b.csv").write_text("pid,brs_1,brs_2,brs_3,brs_4,brs_5,brs_6,comment\nP004,3,3,4,2,4,2,\n")
    linked = link_study(path)
    assert linked.participants.set_index("participant_id").loc["P004", "T2"]
    assert linked.counts["rows_in"] == 10


def test_unknown_study_field_names_field(tmp_path):
    with pytest.raises(StudyError) as exc:
        load_study(_write(tmp_path, STUDY + "analysys: {}\n"))
    assert exc.value.field == "analysys" and "did you mean 'analysis'" in str(exc.value)


def test_normalise_ids():
    spec = IdSpec(zero_pad=3)
    got = normalise_ids(pd.Series([" p12", "P012 ", "Jo@NHS.net", "", None, "ab 7"]), spec).tolist()
    assert got[:3] == ["P012", "P012", "jo@nhs.net"]
    assert pd.isna(got[3]) and pd.isna(got[4])
    assert got[5] == "AB007"


def test_near_misses():
    got = near_misses(["P0O5", "P999", "P015", "P105"], ["P005", "P006", "P150", "P015"])
    assert got["P0O5"] == ["P005"]  # the O→0 skeleton match hides weaker one-edit matches (P015)
    assert "P999" not in got
    assert got["P105"] == ["P005", "P015", "P150"]  # substitution, transposition, substitution


# --- property: nothing is lost, inputs are never modified ---------------------------------
ids = st.text(alphabet=string.ascii_letters + string.digits + " ", min_size=0, max_size=5)
answers = st.one_of(st.none(), st.integers(min_value=0, max_value=7), st.sampled_from(["x", "Agree"]))
row = st.tuples(ids, st.lists(answers, min_size=6, max_size=6))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(row, min_size=0, max_size=12), st.lists(row, min_size=0, max_size=12),
       st.sampled_from(["first", "last", "most_complete"]))
def test_rows_in_equal_kept_plus_excluded(tmp_path, w1, w2, rule):
    def csv(rows):
        lines = ["pid,cohort,brs_1,brs_2,brs_3,brs_4,brs_5,brs_6,comment"]
        for pid, vals in rows:
            cells = ["" if v is None else str(v) for v in vals]
            lines.append(",".join([pid, "C1", *cells, ""]))
        return "\n".join(lines) + "\n"

    if not w1 and not w2:
        return
    study = STUDY + f"exclusions: {{duplicates: {rule}}}\n"
    path = _write(tmp_path, study, csv(w1 or [("P1", [1] * 6)]), csv(w2 or [("P1", [1] * 6)]))
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.iterdir()}
    linked = link_study(path)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.iterdir()}
    assert before == after
    c = linked.counts
    assert c["rows_in"] == c["rows_kept"] + c["rows_excluded"]
    assert c["rows_kept"] == len(linked.wide)
    assert not linked.wide.duplicated(["participant_id", "timepoint"]).any()


def test_unknown_mapped_column_is_a_clear_error(tmp_path):
    study = STUDY.replace("instruments: [{id: brs}]",
                          "instruments: [{id: brs, columns: {brs_1: Q9_1, brs_2: brs_2, brs_3: brs_3, "
                          "brs_4: brs_4, brs_5: brs_5, brs_6: brs_6}}]")
    with pytest.raises(StudyError, match=r"no column\(s\) \['Q9_1'\]") as exc:
        link_study(_write(tmp_path, study))
    assert "t1.csv" in str(exc.value) and "Fix:" in str(exc.value)
