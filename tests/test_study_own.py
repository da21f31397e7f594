"""A study's own questionnaires: resolved once with the study file, used everywhere as the
objects they are, with the study's options honoured or refused (never ignored)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaltool.analysis.scoring import scale_info, score_study
from evaltool.errors import StudyError
from evaltool.study import link_study, load_study

CONF = """\
id: conf_own
name: Confidence in coping after adverse events (own)
short_name: Confidence
measures: confidence in coping
citation: The study team (2024)
licence: {tier: study, item_text_shippable: true, terms: own}
response_sets:
  c10: {min: 0, max: 10, labels: {0: Not at all confident, 10: Completely confident}}
items:
  - {id: c1, text: I can talk about a mistake with a colleague, response_set: c10}
  - {id: c2, text: I can look after myself after a difficult shift, response_set: c10}
  - {id: c3, text: I know where to get support, response_set: c10}
scales:
  - id: conf_own
    label: Confidence (0-10)
    items: [c1, c2, c3]
    method: mean
    direction: higher_better
    missing: {min_answered: 2}
    reliability: {value: 0.8, statistic: alpha, source: own pilot (2024)}
"""

QUIZ = """\
id: quiz_own
name: Knowledge quiz (own)
short_name: Quiz
measures: knowledge of the strategies taught
citation: The study team (2024)
licence: {tier: study, item_text_shippable: true, terms: own}
response_sets:
  abcd: {min: 1, max: 4}
items:
  - {id: k1, text: "Question 1?", response_set: abcd, correct: 2}
  - {id: k2, text: "Question 2?", response_set: abcd, correct: 4}
  - {id: k3, text: "Question 3?", response_set: abcd, correct: 1}
scales:
  - id: quiz_own
    label: Quiz (correct answers, 0-3)
    items: [k1, k2, k3]
    method: correct_count
    direction: higher_better
    missing: {unanswered: wrong}
"""

# SurveyMonkey-style labels carry their code: "10 - Completely confident"
T1 = """\
pid,cohort,c1,c2,c3,k1,k2,k3
P01,C1,2,3,4,2,4,1
P02,C1,0 - Not at all confident,5,,2,,
P03,C2,6,,,,,
P04,C2,4,4,4,1,1,1
"""
T2 = """\
pid,c1,c2,c3,k1,k2,k3
P01,10 - Completely confident,8,9,2,4,1
P02,5,5,5,,,
P03,7,7,,2,4,
P04,6,6,6,3,3,3
"""

STUDY = """\
name: own instruments only
exports: [{file: t1.csv, timepoint: T1}, {file: t2.csv, timepoint: T2}]
timepoints: [{id: T1}, {id: T2}]
participant_id: {column: pid}
instruments: [{id: own/conf.yaml}, {id: own/quiz.yaml}]
groups: [{name: cohort, column: cohort}]
analysis: {codebook: null}
"""


def _write(tmp: Path, study: str = STUDY, extra: dict[str, str] | None = None) -> Path:
    (tmp / "own").mkdir(exist_ok=True)
    (tmp / "own" / "conf.yaml").write_text(CONF)
    (tmp / "own" / "quiz.yaml").write_text(QUIZ)
    (tmp / "t1.csv").write_text(T1)
    (tmp / "t2.csv").write_text(T2)
    for name, text in (extra or {}).items():
        (tmp / name).write_text(text)
    (tmp / "study.yaml").write_text(study)
    return tmp / "study.yaml"


def test_own_instruments_scored_as_a_hand_calculation(tmp_path):
    linked = link_study(_write(tmp_path))
    scores = score_study(linked).set_index(["participant_id", "timepoint", "scale"])["score"]
    # confidence: mean of answered items, >= 2 of 3 answered
    assert scores[("P01", "T1", "conf_own")] == pytest.approx(3.0)          # (2+3+4)/3
    assert scores[("P02", "T1", "conf_own")] == pytest.approx(2.5)          # (0+5)/2, "0 - Not at all"
    assert np.isnan(scores[("P03", "T1", "conf_own")])                      # 1 of 3 answered
    assert scores[("P01", "T2", "conf_own")] == pytest.approx(9.0)          # (10+8+9)/3
    # quiz: unanswered = wrong, no proration; a test with no answer is missing
    assert scores[("P01", "T1", "quiz_own")] == 3.0
    assert scores[("P02", "T1", "quiz_own")] == 1.0                          # k1 right, 2 blank
    assert np.isnan(scores[("P03", "T1", "quiz_own")])                      # nothing answered
    assert scores[("P04", "T1", "quiz_own")] == 1.0                          # k3 right only
    assert scores[("P03", "T2", "quiz_own")] == 2.0                          # not 3 x 2/2
    assert np.isnan(scores[("P02", "T2", "quiz_own")])


def test_resolved_once_with_source_and_hash(tmp_path):
    sf = load_study(_write(tmp_path))
    conf = sf.instruments["conf_own"]
    assert conf.entry == "own/conf.yaml" and conf.source == str((tmp_path / "own" / "conf.yaml").resolve())
    assert len(conf.sha256) == 64 and not conf.packaged
    linked = link_study(sf)
    assert linked.instruments["conf_own"] is conf
    info = scale_info(linked).set_index("scale")
    assert info.loc["conf_own", "reliability_source"] == "own pilot (2024)"
    assert info.loc["conf_own", "instrument_source"] == conf.source
    assert set(linked.sources["kind"]) == {"instrument"}


def test_own_file_reusing_a_packaged_id_stays_the_users(tmp_path):
    own_brs = CONF.replace("id: conf_own", "id: brs", 1).replace("- id: conf_own", "- id: brs") \
        .replace("direction: higher_better", "direction: higher_worse")
    study = STUDY.replace("own/conf.yaml", "brs_mine.yaml")
    linked = link_study(_write(tmp_path, study, {"brs_mine.yaml": own_brs}))
    info = scale_info(linked).set_index("scale")
    assert info.loc["brs", "direction"] == "higher_worse"  # the packaged BRS says higher_better
    assert not bool(info.loc["brs", "instrument_packaged"])
    assert info.loc["brs", "score_max"] == 10  # the user's 0-10 items, not the BRS 1-5


def test_study_options_are_honoured(tmp_path):
    study = STUDY.replace(
        "instruments: [{id: own/conf.yaml}, {id: own/quiz.yaml}]",
        "instruments:\n  - {id: own/conf.yaml, primary: false, min_answered: 3}\n"
        "  - {id: own/quiz.yaml, unanswered: missing, min_answered: 2}\n  - {id: cbi, scales: [cbi_personal]}")
    sf = load_study(_write(tmp_path, study))
    conf, quiz, cbi = sf.instruments["conf_own"], sf.instruments["quiz_own"], sf.instruments["cbi"]
    assert [s.primary for s in conf.scales] == [False]
    assert conf.scales[0].min_answered() == 3 and conf.scales[0].missing.source == "study"
    assert quiz.scales[0].unanswered == "missing"
    assert [s.id for s in cbi.scales] == ["cbi_personal"]
    scores = score_study(link_study(sf)).set_index(["participant_id", "timepoint", "scale"])["score"]
    assert np.isnan(scores[("P02", "T1", "conf_own")])  # 2 of 3 answered < 3
    assert scores[("P03", "T2", "quiz_own")] == 3.0  # prorated: 3 x 2/2


@pytest.mark.parametrize("entry, field, words", [
    ("{id: cbi, scales: [cbi_persnal]}", "instruments[cbi].scales[0]", "write 'cbi_personal'"),
    ("{id: own/conf.yaml, min_answered: 4}", "instruments[own/conf.yaml].min_answered", "set it to 3 or less"),
    ("{id: own/conf.yaml, unanswered: wrong}", "instruments[own/conf.yaml].unanswered", "only applies to knowledge tests"),
    ("{id: own/quiz.yaml, unanswered: missing, all_unanswered: zero}", "instruments[own/quiz.yaml].all_unanswered",
     "unanswered: wrong"),
    ("{id: own/conf.yaml, columns: {c9: x}}", "instruments[own/conf.yaml].columns.c9", "not an item"),
    ("{id: brss}", "instruments[brss].id", "write 'brs'"),
    ("{id: own/nope.yaml}", "instruments[own/nope.yaml].id", "no instrument file"),
])
def test_unused_or_wrong_options_are_refused(tmp_path, entry, field, words):
    study = STUDY.replace("instruments: [{id: own/conf.yaml}, {id: own/quiz.yaml}]", f"instruments: [{entry}]")
    with pytest.raises(StudyError) as exc:
        load_study(_write(tmp_path, study))
    assert exc.value.field == field and words in str(exc.value)


def test_every_study_file_problem_at_once(tmp_path):
    study = """\
name: x
exports:
  - {file: t1.csv, timepoint: T1}
  - {file: t2.csv, timepont: T2}
  - {file: t3.csv, timepoint: T5, sheet: Data}
timepoints: [{id: T1}, {id: T2}]
participant_id: {column: pid, zero_pad: 40}
instruments: [{id: brss}]
analysis: {min_cell_size: 2, correction: bonf}
analysys: {}
"""
    with pytest.raises(StudyError) as exc:
        load_study(_write(tmp_path, study))
    text = str(exc.value)
    fields = [p.field for p in exc.value.problems]
    assert fields == ["exports[1].timepont", "exports[2].timepoint", "exports[2].sheet", "exports[2].file",
                      "participant_id.zero_pad", "instruments[brss].id", "analysis.correction",
                      "analysis.min_cell_size", "analysys"]
    assert "did you mean 'timepoint'?" in text and "did you mean 'analysis'?" in text
    assert "(top level)" not in text and "and 1 more" not in text
    for raw in ("Input should", "greater than or equal", "Extra inputs", "Value error"):
        assert raw not in text
    for p in exc.value.problems:  # one fix each, not repeating the message
        assert p.fix and p.fix not in p.message


def test_study_file_that_is_a_csv_is_described_not_printed(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("jane.smith@nhs.net,Jane Smith,4\n")
    with pytest.raises(StudyError) as exc:
        load_study(path)
    assert "a CSV file" in str(exc.value) and "jane" not in str(exc.value).lower()


def test_own_instruments_analyse_end_to_end(tmp_path):
    import evaltool

    res = evaltool.analyse(_write(tmp_path), out=tmp_path / "results")
    rc = res.tables["reliable_change_summary"]
    assert set(rc["scale"]) >= {"conf_own"}


def test_hand_data_have_no_hidden_rows(tmp_path):
    linked = link_study(_write(tmp_path))
    assert linked.counts["rows_in"] == 8 and linked.counts["rows_excluded"] == 0
    assert isinstance(linked.participants["joined"].dtype, pd.CategoricalDtype)
