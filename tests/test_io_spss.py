"""SPSS reader (pyreadstat): variable labels, value labels, user-missing codes.

Reference: pyreadstat.read_sav's own handling of user-missing values (user_missing=False
turns declared missing codes into NaN) — the reader must give the same values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyreadstat
import pytest

from evaltool.errors import InputError
from evaltool.io import read_export, read_spss

EXPORTS = Path(__file__).parent / "data" / "exports"
SAV = EXPORTS / "spss_labels.sav"


def test_labels_and_missing():
    exp = read_spss(SAV)
    data, info = exp.data, exp.info
    assert info.format == "spss" and info.header_rows == 0
    assert data["row"].tolist() == [1, 2, 3, 4]
    assert info.question_text["brs_1"] == "I tend to bounce back quickly after hard times"
    assert info.question_text["group"] == "Profession"
    assert info.value_labels["brs_1"] == {
        "1": "Strongly disagree", "2": "Disagree", "3": "Neutral", "4": "Agree",
        "5": "Strongly agree", "98": "Don't know", "99": "Refused"}
    assert info.choice_text is False
    assert info.missing_values["brs_1"] == ("99", "98")
    assert info.missing_values["brs_3"] == ("98 thru 99",)
    assert np.isnan(data.loc[1, "brs_1"]) and np.isnan(data.loc[3, "brs_3"])  # 99, 98 (range)
    assert any("set 2 user-missing" in r for r in info.repairs)
    assert data["group"].isna().tolist() == [False, True, False, False]  # "" is missing
    ref, _ = pyreadstat.read_sav(str(SAV))  # pyreadstat applies the missing declarations
    for col in ("brs_1", "brs_2", "brs_3"):
        np.testing.assert_array_equal(data[col].to_numpy(), ref[col].to_numpy())


def test_keep_user_missing():
    exp = read_spss(SAV, keep_user_missing=True)
    assert exp.data["brs_1"].tolist()[1] == 99.0 and exp.data["brs_3"].tolist()[3] == 98.0
    assert exp.info.repairs == ()


def test_detected_by_extension_and_signature(tmp_path):
    assert read_export(SAV).info.format == "spss"
    renamed = tmp_path / "spss_data.csv"
    renamed.write_bytes(SAV.read_bytes())
    assert read_export(renamed).info.format == "spss"


def test_corrupt_sav(tmp_path):
    bad = tmp_path / "cut.sav"
    bad.write_bytes(SAV.read_bytes()[:300])
    with pytest.raises(InputError, match="damaged or incomplete") as err:
        read_export(bad)
    assert "cut.sav" in str(err.value)
    fake = tmp_path / "fake.sav"
    fake.write_text("participant_id,q1\nP001,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="not an SPSS data file"):
        read_spss(fake)
