"""The packaged questionnaire library (``instruments/scales/*.yaml``).

Every expected value below comes from the instrument reference ``INSTRUMENTS.md`` (the checked
facts: §1 summary table, §3 "rules that are easy to get wrong", §4 per-instrument sections, §5
extra instruments) or from arithmetic done by hand on the rule stated there — never from running
evaltool. Each test's docstring names the section it checks. Scores are computed through the
public scorer :func:`evaltool.score`, so a wrong key in a YAML file fails a test here.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import evaltool
from evaltool._resources import scales_dir
from evaltool.cli import app
from evaltool.instruments import check_instrument_file, list_instruments, load_instrument

SCALES = scales_dir()
PACKAGED = sorted(SCALES.glob("*.yaml"))

#: The item ids are a contract other modules and users' study files build on (issue 2, item 2).
ITEM_IDS = {
    "brs": [f"brs_{i}" for i in range(1, 7)],
    "cbi": [f"cbi_p{i}" for i in range(1, 7)] + [f"cbi_w{i}" for i in range(1, 8)]
    + [f"cbi_c{i}" for i in range(1, 7)],
    "cdrisc10": [f"cdrisc10_{i}" for i in range(1, 11)],
    "coping_confidence": [f"cc_{i}" for i in range(1, 6)],
    "gad7": [f"gad7_{i}" for i in range(1, 8)],
    "miniz_burnout": ["miniz_burnout_1"],
    "olbi": [f"olbi_{i}" for i in range(1, 17)],
    "phq9": [f"phq9_{i}" for i in range(1, 11)],
    "proqol5": [f"proqol5_{i}" for i in range(1, 31)],
    "pss10": [f"pss10_{i}" for i in range(1, 11)],
    "pss4": [f"pss4_{i}" for i in range(1, 5)],
    "resilience_knowledge": [f"rk_{i}" for i in range(1, 9)],
    "scs_sf": [f"scs_sf_{i}" for i in range(1, 13)],
    "swemwbs": [f"swemwbs_{i}" for i in range(1, 8)],
    "wemwbs": [f"wemwbs_{i}" for i in range(1, 15)],
    "who5": [f"who5_{i}" for i in range(1, 6)],
}

#: INSTRUMENTS.md §4.12: SWEMWBS raw score -> Rasch metric score.
SWEMWBS_TABLE = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32,
    15: 15.84, 16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25, 22: 19.98,
    23: 20.73, 24: 21.54, 25: 22.35, 26: 23.21, 27: 24.11, 28: 25.03, 29: 26.02, 30: 27.03,
    31: 28.13, 32: 29.31, 33: 30.70, 34: 32.55, 35: 35.00,
}


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _score(instrument, rows: dict[str, list], **kw) -> pd.DataFrame:
    """Score a small hand-made wide frame; returns the tidy scores."""
    return evaltool.score(pd.DataFrame(rows), instrument, **kw)


def _scores(instrument, rows: dict[str, list], scale: str) -> list[float]:
    return _score(instrument, rows, scales=[scale])["score"].tolist()


def _bands(instrument, rows: dict[str, list], scale: str) -> list[str | None]:
    out = _score(instrument, rows, scales=[scale])
    return [None if pd.isna(b) else str(b) for b in out["band"]]


def _reversed_by_probe(name: str, scale_id: str) -> set[str]:
    """Which items of a scale the *scorer* reverses, found from scores alone.

    Row 0 answers every item with the lowest code; row k answers item k with the highest code
    and every other item with the lowest. A reversed item lowers the score, a plain one raises
    it. Works for sum and mean scales of a single, un-recoded response range.
    """
    inst = load_instrument(name)
    scale = inst.scale(scale_id)
    sets = {inst.item(i).response_set for i in scale.items}
    assert len(sets) == 1
    resp = inst.response_sets[sets.pop()]
    assert resp.recode is None
    k = len(scale.items)
    rows = {item: [resp.min] * (k + 1) for item in scale.items}
    for j, item in enumerate(scale.items, start=1):
        rows[item][j] = resp.max
    s = _scores(name, rows, scale_id)
    return {item for j, item in enumerate(scale.items, start=1) if s[j] < s[0]}


def _write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _raw(name: str) -> dict:
    return yaml.safe_load((SCALES / f"{name}.yaml").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------
# (a) every packaged file is valid and follows the library's conventions
# --------------------------------------------------------------------------------------
def test_the_library_holds_the_issue_2_instruments():
    """Issue 2, item 2: one file per instrument, named after its id."""
    assert sorted(p.stem for p in PACKAGED) == sorted(ITEM_IDS)
    assert sorted(list_instruments()["id"]) == sorted(ITEM_IDS)


@pytest.mark.parametrize("path", PACKAGED, ids=lambda p: p.stem)
def test_packaged_file_is_valid(path):
    """Every packaged file satisfies the schema (INSTRUMENTS.md §6) with no problems."""
    assert check_instrument_file(path) == []
    inst = load_instrument(path.stem)
    assert inst.id == path.stem


@pytest.mark.parametrize("name", sorted(ITEM_IDS))
def test_item_ids_are_the_contract(name):
    """Item ids are ``<id>_<n>`` in questionnaire order (CBI: cbi_p/w/c<n>; templates cc/rk)."""
    assert load_instrument(name).item_ids == ITEM_IDS[name]


@pytest.mark.parametrize("name", sorted(ITEM_IDS))
def test_metadata_is_complete(name):
    """Citation, licence (tier, terms, attribution), a sourced missing rule for every scale,
    sourced bands and reliability where given (INSTRUMENTS.md §6)."""
    inst = load_instrument(name)
    assert len(inst.citation) > 20
    assert inst.licence.terms.strip() and inst.licence.attribution
    used = {i for s in inst.scales for i in s.items}
    for it in inst.items:
        assert (it.id in used) == it.scored, it.id
    for s in inst.scales:
        assert s.missing is not None, s.id
        assert s.missing.source in {"author", "literature", "project_default", "study"}
        assert s.missing.note or s.missing.source != "project_default"
        if s.bands:
            assert s.bands_source, s.id
        if s.reliability is not None:
            assert re.search(r"(19|20)\d\d", s.reliability.source), s.id


@pytest.mark.parametrize("name", sorted(ITEM_IDS))
def test_item_text_follows_the_licence_tier(name):
    """Tier A / A- and study templates ship text for every item; tier B / C ship none, only
    short paraphrased labels (INSTRUMENTS.md §2, "What can be shipped")."""
    inst = load_instrument(name)
    tier = inst.licence.tier
    if tier in ("A", "A-", "study"):
        assert inst.licence.item_text_shippable
        assert all(it.text for it in inst.items)
    else:
        assert tier in ("B", "C")
        assert not inst.licence.item_text_shippable
        assert not any(it.text for it in inst.items)


def test_licence_tiers_match_the_reference():
    """INSTRUMENTS.md §1 / §2 tiers."""
    tiers = {name: load_instrument(name).licence.tier for name in ITEM_IDS}
    assert tiers == {
        "brs": "B", "cbi": "A-", "cdrisc10": "C", "coping_confidence": "study", "gad7": "A",
        "miniz_burnout": "B", "olbi": "B", "phq9": "A", "proqol5": "A", "pss10": "B",
        "pss4": "B", "resilience_knowledge": "study", "scs_sf": "A", "swemwbs": "C",
        "wemwbs": "C", "who5": "A",
    }


def test_cdrisc10_ships_no_text_of_any_kind():
    """CD-RISC is tier C, "keys only, never text" (INSTRUMENTS.md §2, §4.2): no item text,
    no paraphrase and no answer labels."""
    inst = load_instrument("cdrisc10")
    assert all(it.text is None and it.short is None for it in inst.items)
    assert all(not rs.labels for rs in inst.response_sets.values())


def test_proqol_file_carries_the_cvt_notice():
    """ProQOL: credit CVT, link www.ProQOL.org, not for sale (INSTRUMENTS.md §2, §4.9)."""
    lic = load_instrument("proqol5").licence
    assert "Center for Victims of Torture" in lic.attribution
    assert "www.ProQOL.org" in lic.attribution
    assert "not sold" in lic.terms


def test_notice_file_exists_and_names_every_instrument():
    """Item text files are not covered by the OSS licence and carry their own notice
    (INSTRUMENTS.md §1, "How to read the tags")."""
    notice = (SCALES / "NOTICE.md").read_text(encoding="utf-8")
    assert "not covered by evaltool's open-source licence" in notice
    for name in ITEM_IDS:
        assert f"{name}.yaml" in notice
    assert "www.ProQOL.org" in notice and "not sold" in notice


@pytest.mark.parametrize(
    ("name", "scale", "lo", "hi"),
    [
        ("brs", "brs", 1, 5), ("cbi", "cbi_personal", 0, 100), ("cbi", "cbi_work", 0, 100),
        ("cbi", "cbi_client", 0, 100), ("proqol5", "proqol5_burnout", 10, 50),
        ("pss10", "pss10", 0, 40), ("pss4", "pss4", 0, 16), ("swemwbs", "swemwbs", 7, 35),
        ("wemwbs", "wemwbs", 14, 70), ("phq9", "phq9", 0, 27), ("gad7", "gad7", 0, 21),
        ("who5", "who5", 0, 100), ("scs_sf", "scs_sf", 1, 5), ("olbi", "olbi_exhaustion", 1, 4),
        ("miniz_burnout", "miniz_burnout", 1, 5), ("cdrisc10", "cdrisc10", 0, 40),
        ("coping_confidence", "coping_confidence", 0, 10),
        ("resilience_knowledge", "resilience_knowledge", 0, 8),
    ],
)
def test_score_ranges(name, scale, lo, hi):
    """Score ranges from INSTRUMENTS.md §1 (and the template definitions in issue 2)."""
    inst = load_instrument(name)
    assert inst.score_range(inst.scale(scale)) == (lo, hi)


@pytest.mark.parametrize("name", sorted(ITEM_IDS))
def test_bands_cover_the_score_range_exactly(name):
    """Bands are half-open, non-overlapping and span the whole range (INSTRUMENTS.md §3.9)."""
    inst = load_instrument(name)
    for s in inst.scales:
        if not s.bands:
            continue
        lo, hi = inst.score_range(s)
        assert s.bands[0].lower == lo and s.bands[0].contains_lower()
        assert s.bands[-1].upper == hi and s.bands[-1].contains_upper()


@pytest.mark.parametrize("name", sorted(ITEM_IDS))
def test_random_valid_answers_score_within_range(name):
    """Invariant: any valid answers give a score inside the scale's range, and a score exactly
    when at least the minimum number of items is answered (STATISTICS.md, scoring)."""
    inst = load_instrument(name)
    rng = np.random.default_rng(20240601)
    n = 300
    rows = {}
    for it in inst.items:
        rs = inst.response_sets[it.response_set]
        codes = np.array(rs.codes(), dtype=float)
        x = rng.choice(codes, size=n)
        x[rng.random(n) < 0.15] = np.nan
        rows[it.id] = x
    data = pd.DataFrame(rows)
    out = evaltool.score(data, name)
    for s in inst.scales:
        part = out[out["scale"] == s.id]
        lo, hi = inst.score_range(s)
        ok = part["score"].dropna()
        assert ((ok >= lo - 1e-9) & (ok <= hi + 1e-9)).all(), s.id
        assert (part["score"].notna() == (part["n_answered"] >= s.min_answered())).all(), s.id
        if s.bands:
            assert (part["band"].notna() == part["score"].notna()).all(), s.id


# --------------------------------------------------------------------------------------
# (b) keys checked against INSTRUMENTS.md by scoring hand-made frames
# --------------------------------------------------------------------------------------
def test_brs_reverses_2_4_6_and_scores_the_mean():
    """BRS: reverse 2, 4, 6 (6 - x), score = mean 1-5, not the sum (INSTRUMENTS.md §4.1, §3.8)."""
    assert _reversed_by_probe("brs", "brs") == {"brs_2", "brs_4", "brs_6"}
    rows = {f"brs_{i}": [1] for i in range(1, 7)}  # 1,5,1,5,1,5 after reversal -> mean 3
    assert _scores("brs", rows, "brs") == [3.0]


def test_brs_bands_treat_high_as_above_4_30():
    """BRS bands: low < 3.00, normal 3.00-4.30, high > 4.30, so a prorated 4.305 is "high"
    (INSTRUMENTS.md §3.8). A continuous copy of the response set lets a mean of exactly the
    boundary values be entered; the bands are the packaged ones."""
    brs = load_instrument("brs")
    rs = brs.response_sets["agree5"]
    cont = brs.model_copy(update={"response_sets": {"agree5": rs.model_copy(update={"step": None})}})
    means = [4.305, 4.30, 3.0, 2.99, 1.0, 5.0]
    rows = {}
    for i in range(1, 7):
        rev = i in (2, 4, 6)
        rows[f"brs_{i}"] = [6 - m if rev else m for m in means]
    out = evaltool.score(pd.DataFrame(rows), cont)
    assert np.allclose(out["score"], means)
    assert out["band"].astype(str).tolist() == ["high", "normal", "normal", "low", "low", "high"]


def test_cbi_recodes_both_label_sets_to_100():
    """CBI: "Always" and "To a very high degree" = 100, "Never/almost never" and "To a very low
    degree" = 0; scale = mean (INSTRUMENTS.md §4.5, §3.4)."""
    top = {**{f"cbi_p{i}": ["Always"] for i in range(1, 7)},
           **{f"cbi_c{i}": ["To a very high degree"] for i in range(1, 5)},
           **{f"cbi_c{i}": ["Always"] for i in (5, 6)}}
    assert _scores("cbi", top, "cbi_personal") == [100.0]
    assert _scores("cbi", top, "cbi_client") == [100.0]
    bottom = {**{f"cbi_p{i}": ["Never/almost never"] for i in range(1, 7)},
              **{f"cbi_c{i}": ["To a very low degree"] for i in range(1, 5)},
              **{f"cbi_c{i}": ["Never/almost never"] for i in (5, 6)}}
    assert _scores("cbi", bottom, "cbi_personal") == [0.0]
    assert _scores("cbi", bottom, "cbi_client") == [0.0]
    # Middle options: Often / To a high degree = 75, Sometimes / Somewhat = 50, Seldom / low = 25.
    mid = {"cbi_p1": ["Often"], "cbi_p2": ["Sometimes"], "cbi_p3": ["Seldom"],
           "cbi_p4": [None], "cbi_p5": [None], "cbi_p6": [None]}
    assert _scores("cbi", mid, "cbi_personal") == [50.0]  # (75 + 50 + 25) / 3


def test_cbi_work_item_7_is_reversed():
    """CBI work-related item 7 ("energy for family and friends") is reversed (100 - x): all
    "Always"/"To a very high degree" gives (6 x 100 + 0) / 7 (INSTRUMENTS.md §4.5)."""
    rows = {**{f"cbi_w{i}": ["To a very high degree"] for i in (1, 2, 3)},
            **{f"cbi_w{i}": ["Always"] for i in (4, 5, 6, 7)}}
    assert _scores("cbi", rows, "cbi_work") == pytest.approx([600 / 7])
    rows["cbi_w7"] = ["Never/almost never"]
    assert _scores("cbi", rows, "cbi_work") == [100.0]
    inst = load_instrument("cbi")
    assert [i for i in inst.item_ids if inst.item(i).reverse] == ["cbi_w7"]


def test_cbi_response_sets_per_item():
    """CBI label sets per item: personal all frequency; work 1-3 degree, 4-7 frequency; client
    1-4 degree, 5-6 frequency (INSTRUMENTS.md §4.5)."""
    inst = load_instrument("cbi")
    sets = {i: inst.item(i).response_set for i in inst.item_ids}
    degree = {i for i, s in sets.items() if s == "cbi_degree"}
    assert degree == {"cbi_w1", "cbi_w2", "cbi_w3", "cbi_c1", "cbi_c2", "cbi_c3", "cbi_c4"}


def test_cbi_client_items_are_keyed_by_id_not_position():
    """Public CBI versions order the client items differently: key by item id and wording,
    never by position (INSTRUMENTS.md §3.4). Column order must not change any score, and the
    "drain your energy" / "frustrating" items are identified by id."""
    inst = load_instrument("cbi")
    assert "frustrating" in inst.item("cbi_c2").text
    assert "drain your energy" in inst.item("cbi_c3").text
    rows = {f"cbi_c{i}": ["To a very low degree"] for i in range(1, 5)}
    rows.update({"cbi_c5": ["Never/almost never"], "cbi_c6": ["Never/almost never"]})
    rows["cbi_c3"] = ["To a very high degree"]
    forward = pd.DataFrame(rows)
    backward = forward[list(reversed(forward.columns))]
    a = evaltool.score(forward, "cbi", scales=["cbi_client"])["score"].tolist()
    b = evaltool.score(backward, "cbi", scales=["cbi_client"])["score"].tolist()
    assert a == b == [100 / 6]
    mapped = backward.rename(columns={"cbi_c3": "Q_drain"})
    c = evaltool.score(mapped, "cbi", scales=["cbi_client"], columns={"cbi_c3": "Q_drain"})
    assert c["score"].tolist() == [100 / 6]


def test_cbi_minimum_answered_rules():
    """CBI authors' rules: at least 3 of 6 personal, 4 of 7 work-related; client by analogy
    3 of 6 (INSTRUMENTS.md §4.5, §3.4). Score = mean of the answered items."""
    inst = load_instrument("cbi")
    assert inst.scale("cbi_personal").min_answered() == 3
    assert inst.scale("cbi_personal").missing.source == "author"
    assert inst.scale("cbi_work").min_answered() == 4
    assert inst.scale("cbi_work").missing.source == "author"
    assert inst.scale("cbi_client").min_answered() == 3
    assert inst.scale("cbi_client").missing.source == "project_default"
    assert "analogy" in inst.scale("cbi_client").missing.note
    p = {f"cbi_p{i}": [None, None] for i in range(1, 7)}
    p["cbi_p1"] = ["Always", "Always"]
    p["cbi_p2"] = ["Seldom", "Seldom"]
    p["cbi_p3"] = ["Sometimes", None]
    s = _scores("cbi", p, "cbi_personal")
    assert s[0] == pytest.approx((100 + 25 + 50) / 3) and np.isnan(s[1])
    w = {f"cbi_w{i}": [None, None] for i in range(1, 8)}
    w.update({"cbi_w1": [1, 1], "cbi_w4": [1, 1], "cbi_w5": [3, 3], "cbi_w6": [5, None]})
    s = _scores("cbi", w, "cbi_work")
    assert s[0] == pytest.approx((100 + 100 + 50 + 0) / 4) and np.isnan(s[1])


def test_cbi_high_burnout_band_starts_at_50():
    """CBI: "high degree of burnout, defined as 50 points or more" (INSTRUMENTS.md §4.5)."""
    rows = {f"cbi_p{i}": ["Sometimes", "Seldom"] for i in range(1, 7)}
    assert _bands("cbi", rows, "cbi_personal") == ["high", "below_50"]


def test_olbi_identical_answers_give_20_of_32_per_subscale():
    """OLBI self-check: identical answers on all 16 items give 20 of 32 (mean 2.5) on each
    subscale (INSTRUMENTS.md §3.3); subscale membership as in §4.6."""
    rows = {f"olbi_{i}": [1, 2, 3, 4] for i in range(1, 17)}
    out = _score("olbi", rows)
    assert np.allclose(out["score"], 2.5)
    assert np.allclose(out["score"] * 8, 20)
    inst = load_instrument("olbi")
    assert inst.scale("olbi_exhaustion").items == [f"olbi_{i}" for i in (2, 4, 5, 8, 10, 12, 14, 16)]
    assert inst.scale("olbi_disengagement").items == [f"olbi_{i}" for i in (1, 3, 6, 7, 9, 11, 13, 15)]


def test_olbi_reverses_the_negatively_worded_items_with_1_strongly_agree_coding():
    """OLBI with 1 = strongly agree coding: reverse 2, 3, 4, 6, 8, 9, 11, 12 so that higher =
    more burnout (INSTRUMENTS.md §3.3, §4.6)."""
    rev = _reversed_by_probe("olbi", "olbi_exhaustion") | _reversed_by_probe("olbi", "olbi_disengagement")
    assert rev == {f"olbi_{i}" for i in (2, 3, 4, 6, 8, 9, 11, 12)}
    assert load_instrument("olbi").response_sets["agree4_sa1"].labels[1] == "Strongly agree"
    # Maximal burnout: agree strongly with negative items, disagree strongly with positive ones.
    neg = {2, 3, 4, 6, 8, 9, 11, 12}
    rows = {f"olbi_{i}": ["Strongly agree" if i in neg else "Strongly disagree"] for i in range(1, 17)}
    assert _score("olbi", rows)["score"].tolist() == [4.0, 4.0]


def test_olbi_peterson_cutoffs_are_on_the_mean_scale():
    """Peterson et al. (2008): exhaustion mean >= 2.25, disengagement mean >= 2.10
    (INSTRUMENTS.md §4.6, §3.3). Scored values 2,2,2,2,2,2,3,3 give mean 2.25; with one more 2
    instead of a 3 the mean is 2.125 (below 2.25 but above 2.10)."""
    inst = load_instrument("olbi")

    def answers(scale_id, scored):
        s = inst.scale(scale_id)
        return {i: [5 - v if inst.is_reversed(s, i) else v for v in col]
                for i, col in zip(s.items, zip(*scored, strict=True), strict=True)}

    rows = answers("olbi_exhaustion", [[2, 2, 2, 2, 2, 2, 3, 3], [2, 2, 2, 2, 2, 2, 2, 3]])
    assert _scores("olbi", rows, "olbi_exhaustion") == [2.25, 2.125]
    assert _bands("olbi", rows, "olbi_exhaustion") == ["high", "below_cutoff"]
    rows = answers("olbi_disengagement", [[2, 2, 2, 2, 2, 2, 2, 3], [2] * 8])
    assert _scores("olbi", rows, "olbi_disengagement") == [2.125, 2.0]
    assert _bands("olbi", rows, "olbi_disengagement") == ["high", "below_cutoff"]


def test_pss10_reverses_exactly_4_5_7_8():
    """PSS-10 reverses 4, 5, 7, 8 (4 - x), sum 0-40; never the PSS-14 list (INSTRUMENTS.md §3.2)."""
    assert _reversed_by_probe("pss10", "pss10") == {"pss10_4", "pss10_5", "pss10_7", "pss10_8"}
    rows = {f"pss10_{i}": [0, 4] for i in range(1, 11)}
    assert _scores("pss10", rows, "pss10") == [16.0, 24.0]  # 4 x 4 reversed; 6 x 4 plain


def test_pss4_reverses_exactly_2_3():
    """PSS-4 reverses 2, 3; sum 0-16 (INSTRUMENTS.md §3.2, §4.10)."""
    assert _reversed_by_probe("pss4", "pss4") == {"pss4_2", "pss4_3"}
    rows = {"pss4_1": [4], "pss4_2": [0], "pss4_3": [0], "pss4_4": [4]}
    assert _scores("pss4", rows, "pss4") == [16.0]


def test_pss10_bands_are_labelled_non_author():
    """The 0-13 / 14-26 / 27-40 PSS bands are widespread but not from the author: ship only as
    a labelled non-author banding (INSTRUMENTS.md §4.10)."""
    s = load_instrument("pss10").scale("pss10")
    assert not s.bands_authoritative
    assert "NON-AUTHOR" in s.bands_source
    # All 0 gives 16 (four reversed items at 4 - 0). Item 4 answered 3 or 2 gives 13 or 14;
    # plain items adding 10 or 11 give 26 or 27.
    rows = {f"pss10_{i}": [0, 0, 0, 0] for i in range(1, 11)}
    rows["pss10_4"] = [3, 2, 0, 0]
    rows["pss10_1"] = [0, 0, 4, 4]
    rows["pss10_2"] = [0, 0, 4, 4]
    rows["pss10_3"] = [0, 0, 2, 3]
    assert _scores("pss10", rows, "pss10") == [13, 14, 26, 27]
    assert _bands("pss10", rows, "pss10") == ["low", "moderate", "moderate", "high"]


def test_proqol_reverses_only_the_five_burnout_items():
    """ProQOL 5: reverse only burnout items 1, 4, 15, 17, 29 (6 - x); subscale lists as in
    INSTRUMENTS.md §4.9; "I am a very caring person" is item 29 (§3.6)."""
    rev = set()
    for s in ("proqol5_cs", "proqol5_burnout", "proqol5_sts"):
        rev |= _reversed_by_probe("proqol5", s)
    assert rev == {f"proqol5_{i}" for i in (1, 4, 15, 17, 29)}
    inst = load_instrument("proqol5")
    as_numbers = {s.id: sorted(int(i.split("_")[1]) for i in s.items) for s in inst.scales}
    assert as_numbers == {
        "proqol5_cs": [3, 6, 12, 16, 18, 20, 22, 24, 27, 30],
        "proqol5_burnout": [1, 4, 8, 10, 15, 17, 19, 21, 26, 29],
        "proqol5_sts": [2, 5, 7, 9, 11, 13, 14, 23, 25, 28],
    }
    assert inst.item("proqol5_29").text == "I am a very caring person."


def test_proqol_current_form_bands_on_raw_sums():
    """ProQOL 5 current form: 22 or less low, 23-41 moderate, 42 or more high on raw sums
    10-50 (INSTRUMENTS.md §4.9); the YAML states which system it uses (§3.6)."""
    inst = load_instrument("proqol5")
    items = inst.scale("proqol5_sts").items  # no reversed items
    rows = {i: [] for i in items}
    for target in (10, 22, 23, 41, 42, 50):
        vals = [1] * 10
        extra = target - 10
        for k in range(10):
            step = min(4, extra)
            vals[k] += step
            extra -= step
        for i, v in zip(items, vals, strict=True):
            rows[i].append(v)
    assert _scores("proqol5", rows, "proqol5_sts") == [10, 22, 23, 41, 42, 50]
    assert _bands("proqol5", rows, "proqol5_sts") == ["low", "low", "moderate", "moderate", "high", "high"]
    assert "NOT the older standardised-score system" in inst.scale("proqol5_sts").bands_source


def test_scs_sf_subscales_are_not_reversed_but_the_total_is():
    """SCS-SF: subscales are plain means of their two items (self-judgment 11, 12 not
    reversed); the total is the mean of 12 with 1, 4, 8, 9, 11, 12 reversed (INSTRUMENTS.md
    §3.7, §4.16)."""
    rows = {f"scs_sf_{i}": [5] for i in range(1, 13)}
    out = _score("scs_sf", rows).set_index("scale")["score"]
    assert out["scs_sf_self_judgment"] == 5.0
    assert out["scs_sf"] == 3.0  # (6 x 5 + 6 x 1) / 12
    assert _reversed_by_probe("scs_sf", "scs_sf") == {f"scs_sf_{i}" for i in (1, 4, 8, 9, 11, 12)}
    inst = load_instrument("scs_sf")
    membership = {s.id: sorted(int(i.rsplit("_", 1)[1]) for i in s.items) for s in inst.scales[1:]}
    assert membership == {
        "scs_sf_self_kindness": [2, 6], "scs_sf_self_judgment": [11, 12],
        "scs_sf_common_humanity": [5, 10], "scs_sf_isolation": [4, 8],
        "scs_sf_mindfulness": [3, 7], "scs_sf_over_identified": [1, 9],
    }
    for s in inst.scales[1:]:
        assert _reversed_by_probe("scs_sf", s.id) == set(), s.id
        assert not s.primary


def test_swemwbs_conversion_table():
    """SWEMWBS raw 7 -> 7.00, 20 -> 18.59, 35 -> 35.00, and the whole table as printed in
    INSTRUMENTS.md §4.12 (SWEMWBS = WEMWBS items 1, 2, 3, 6, 7, 9, 11; §3.5)."""
    rows = {f"swemwbs_{i}": [1, 3, 5] for i in range(1, 8)}
    rows["swemwbs_7"] = [1, 2, 5]  # raw 7, 20, 35
    assert _scores("swemwbs", rows, "swemwbs") == [7.00, 18.59, 35.00]
    inst = load_instrument("swemwbs")
    assert dict(inst.scale("swemwbs").conversion.table) == SWEMWBS_TABLE
    assert [inst.item(i).number for i in inst.item_ids] == [1, 2, 3, 6, 7, 9, 11]


def test_wemwbs_sum_and_bands():
    """WEMWBS: no reversed items, sum 14-70; <= 40 and 41-44 risk categories, non-authoritative
    (INSTRUMENTS.md §4.11)."""
    rows = {f"wemwbs_{i}": [1, 5, 3, 3, 3, 3] for i in range(1, 15)}
    # row 3-6: raw 42 plus adjustments to 40, 41, 44, 45
    for r, delta in zip(range(2, 6), (-2, -1, 2, 3), strict=True):
        for i in range(1, abs(delta) + 1):
            rows[f"wemwbs_{i}"][r] += 1 if delta > 0 else -1
    assert _scores("wemwbs", rows, "wemwbs") == [14, 70, 40, 41, 44, 45]
    assert _bands("wemwbs", rows, "wemwbs") == [
        "high_risk_depression", "no_increased_risk", "high_risk_depression",
        "increased_risk_depression", "increased_risk_depression", "no_increased_risk",
    ]
    assert not load_instrument("wemwbs").scale("wemwbs").bands_authoritative


def test_phq9_bands_are_half_open_and_15_is_moderately_severe_only():
    """PHQ-9 bands 0-4, 5-9, 10-14, 15-19, 20-27: every total in exactly one band, 15 only in
    "moderately severe" (INSTRUMENTS.md §3.9)."""
    totals = [0, 4, 5, 9, 10, 14, 15, 19, 20, 27]
    rows = {f"phq9_{i}": [] for i in range(1, 10)}
    for t in totals:
        vals = [min(3, max(0, t - 3 * k)) for k in range(9)]
        for i, v in enumerate(vals, start=1):
            rows[f"phq9_{i}"].append(v)
    assert _scores("phq9", rows, "phq9") == totals
    assert _bands("phq9", rows, "phq9") == [
        "minimal", "minimal", "mild", "mild", "moderate", "moderate",
        "moderately_severe", "moderately_severe", "severe", "severe",
    ]
    s = load_instrument("phq9").scale("phq9")
    assert sum(1 for b in s.bands if (b.lower < 15 < b.upper) or (b.lower == 15 and b.contains_lower())
               or (b.upper == 15 and b.contains_upper())) == 1


def test_phq9_difficulty_item_is_never_summed_and_item_9_flags():
    """The 10th "difficulty" item is not scored; item 9 raises a flag on any non-zero answer
    (INSTRUMENTS.md §3.10)."""
    inst = load_instrument("phq9")
    assert not inst.item("phq9_10").scored
    assert "phq9_10" not in inst.scale("phq9").items
    rows = {f"phq9_{i}": [1] for i in range(1, 10)}
    without = _scores("phq9", rows, "phq9")
    rows["phq9_10"] = [3]
    assert _scores("phq9", rows, "phq9") == without == [9.0]
    (flag,) = inst.flags
    assert flag.item == "phq9_9" and flag.at_least == 1


def test_phq9_prorating_rule_from_the_literature():
    """PHQ-9: up to 2 missing items replaced by the person's mean (prorated sum), after Arrieta
    et al. 2017 — literature, not the PHQ authors (INSTRUMENTS.md §4.14, §3.14)."""
    s = load_instrument("phq9").scale("phq9")
    assert s.method == "prorated_sum" and s.min_answered() == 7
    assert s.missing.source == "literature" and "Arrieta" in s.missing.note
    rows = {f"phq9_{i}": [2, 2] for i in range(1, 10)}
    rows["phq9_1"] = [None, None]
    rows["phq9_2"] = [None, None]
    rows["phq9_3"] = [1, None]  # row 0: 7 answered, sum 13 -> 9 x 13/7; row 1: 6 answered
    out = _score("phq9", rows)
    assert out["score"][0] == pytest.approx(9 * 13 / 7)
    assert bool(out["prorated"][0]) and np.isnan(out["score"][1])
    assert str(out["band"][0]) == "moderately_severe"  # 16.71


def test_gad7_bands():
    """GAD-7 bands 0-4, 5-9, 10-14, 15-21 (INSTRUMENTS.md §3.9, §4.13)."""
    totals = [0, 4, 5, 9, 10, 14, 15, 21]
    rows = {f"gad7_{i}": [] for i in range(1, 8)}
    for t in totals:
        for k in range(7):
            rows[f"gad7_{k + 1}"].append(min(3, max(0, t - 3 * k)))
    assert _scores("gad7", rows, "gad7") == totals
    assert _bands("gad7", rows, "gad7") == [
        "minimal", "minimal", "mild", "mild", "moderate", "moderate", "severe", "severe",
    ]


def test_who5_percentage_score():
    """WHO-5: raw 0-25 x 4 = 0-100; all 5s = 100 (INSTRUMENTS.md §5). Raw 7 = 28 is "likely
    depression"; raw 12 = 48 poor; raw 13 = 52 not poor."""
    rows = {"who5_1": [5, 0, 3, 1, 0, 3], "who5_2": [5, 0, 3, 2, 3, 3],
            "who5_3": [5, 0, 3, 2, 3, 3], "who5_4": [5, 0, 3, 2, 3, 2],
            "who5_5": [5, 0, 3, 0, 3, 2]}
    # raw sums by row: 25, 0, 15, 7, 12, 13
    assert _scores("who5", rows, "who5") == [100, 0, 60, 28, 48, 52]
    assert _bands("who5", rows, "who5") == [
        "not_poor", "likely_depression", "not_poor", "likely_depression", "poor_wellbeing", "not_poor",
    ]


def test_miniz_burnout_item_version_1_orientation():
    """Mini Z 1.0 / original single item: higher = more burned out, burnout = 3 or higher; the
    version is stated (INSTRUMENTS.md §3.11, §4.8)."""
    inst = load_instrument("miniz_burnout")
    assert "1.0" in inst.version and inst.scale("miniz_burnout").direction == "higher_worse"
    rows = {"miniz_burnout_1": [1, 2, 3, 5, None]}
    assert _bands("miniz_burnout", rows, "miniz_burnout") == [
        "no_burnout", "no_burnout", "burnout", "burnout", None,
    ]


def test_cdrisc10_is_a_plain_sum():
    """CD-RISC-10: no reversed items, sum 0-40 (INSTRUMENTS.md §4.2)."""
    assert _reversed_by_probe("cdrisc10", "cdrisc10") == set()
    rows = {f"cdrisc10_{i}": [4, 0, 2] for i in range(1, 11)}
    assert _scores("cdrisc10", rows, "cdrisc10") == [40, 0, 20]


def test_coping_confidence_template():
    """Template (issue 2): mean of cc_1..cc_5 (0-10), at least 4 answered, higher = better."""
    rows = {"cc_1": [10, 10, 10], "cc_2": [8, 8, 8], "cc_3": [6, 6, None],
            "cc_4": [4, None, None], "cc_5": [2, 2, 2]}
    s = _scores("coping_confidence", rows, "coping_confidence")
    assert s[0] == 6.0 and s[1] == 6.5 and np.isnan(s[2])
    assert load_instrument("coping_confidence").scale("coping_confidence").direction == "higher_better"


def test_knowledge_quiz_counts_correct_answers():
    """Template (issue 2): rk_1..rk_8 scored against 'correct', count 0-8, at least 6 answered
    (unanswered questions prorated). Answer key written in the template's notes."""
    inst = load_instrument("resilience_knowledge")
    key = {i: inst.item(i).correct for i in inst.item_ids}
    # the key the bundled example study (evaltool/examples/_design.py) was generated with
    assert key == {"rk_1": [2], "rk_2": [4], "rk_3": [1], "rk_4": [3], "rk_5": [2],
                   "rk_6": [1], "rk_7": [4], "rk_8": [3]}
    rows = {
        "rk_1": [2, 2, 1, 2, 1], "rk_2": [4, 1, 4, 4, 4], "rk_3": [1, 2, 2, 1, None],
        "rk_4": [3, 1, 1, None, None], "rk_5": [2, 1, 1, 1, None], "rk_6": [1, 2, 2, 2, 1],
        "rk_7": [4, 1, 1, None, 4], "rk_8": [3, 3, 3, 3, 3],
    }
    out = _score("resilience_knowledge", rows)
    # all correct; only rk_1 and rk_8 correct; rk_2 and rk_8; 6 answered with 4 correct -> 8 x 4/6;
    # 5 answered -> no score
    assert out["score"].tolist()[:4] == [8.0, 2.0, 2.0, pytest.approx(8 * 4 / 6)]
    assert np.isnan(out["score"][4])
    assert out["prorated"].tolist() == [False, False, False, True, False]
    # option labels are accepted as answers
    labels = inst.response_sets["rk_1_options"].labels
    rows2 = {i: [None] for i in inst.item_ids}
    rows2.update({f"rk_{k}": [inst.response_sets[f"rk_{k}_options"].labels[key[f"rk_{k}"][0]]]
                  for k in range(1, 9)})
    assert _scores("resilience_knowledge", rows2, "resilience_knowledge") == [8.0]
    assert len(labels) == 4


# --------------------------------------------------------------------------------------
# (c) a broken copy lists every problem with file and field path
# --------------------------------------------------------------------------------------
def _break_unknown_field(d):
    d["scales"][0]["colour"] = "red"
    return "brs", "scales[brs].colour", "unknown field"


def _break_overlapping_bands(d):
    # The overlap found in one public R package: "moderate" 10-15 and "moderately severe" 15-19
    # both include 15 (INSTRUMENTS.md §3.9).
    d["scales"][0]["bands"][2] = {"label": "moderate", "lower": 10, "upper": 15, "closed": "both"}
    d["scales"][0]["bands"][3] = {"label": "moderately_severe", "lower": 15, "upper": 20, "closed": "left"}
    return "phq9", "scales[phq9].bands", "both include the boundary 15"


def _break_reverse_not_in_scale(d):
    # Reversing a total's item on a subscale it does not belong to.
    sj = next(s for s in d["scales"] if s["id"] == "scs_sf_self_judgment")
    sj["reverse_items"] = ["scs_sf_11", "scs_sf_1"]
    return "scs_sf", "scales[scs_sf_self_judgment].reverse_items", "not items of this scale"


def _break_text_on_tier_c(d):
    d["items"][0]["text"] = "Some licensed wording"
    return "cdrisc10", "items[cdrisc10_1].text", "does not allow shipping item text"


def _break_unscored_item_in_scale(d):
    d["scales"][0]["items"].append("phq9_10")
    return "phq9", "scales[phq9].items", "scored: false"


BREAKERS = {
    "unknown_field": ("brs", _break_unknown_field),
    "overlapping_bands": ("phq9", _break_overlapping_bands),
    "reverse_item_not_in_scale": ("scs_sf", _break_reverse_not_in_scale),
    "text_on_tier_c": ("cdrisc10", _break_text_on_tier_c),
    "unscored_item_in_scale": ("phq9", _break_unscored_item_in_scale),
}


@pytest.mark.parametrize("case", sorted(BREAKERS))
def test_broken_copy_names_file_and_field(tmp_path, case):
    """check_instrument_file lists each problem with the file and the field path (STYLE.md
    convention 6; INSTRUMENTS.md §3.9 for the band overlap)."""
    name, breaker = BREAKERS[case]
    data = _raw(name)
    _, field, phrase = breaker(data)
    path = _write(tmp_path, name, data)
    problems = check_instrument_file(path)
    assert len(problems) == 1, problems
    (p,) = problems
    assert p.file == str(path)
    assert p.field == field
    assert phrase in p.message
    assert str(path) in str(p) and field in str(p)


def test_every_problem_of_one_kind_is_listed(tmp_path):
    """All cross-checks are reported together, each at its own field, not only the first."""
    data = _raw("cdrisc10")
    for k in (0, 4, 9):
        data["items"][k]["text"] = "wording"
    data["items"][2]["response_set"] = "nope"
    path = _write(tmp_path, "cdrisc10", data)
    fields = [p.field for p in check_instrument_file(path)]
    assert fields == ["items[cdrisc10_1].text", "items[cdrisc10_3].response_set",
                      "items[cdrisc10_5].text", "items[cdrisc10_10].text"]


def test_broken_file_cannot_be_loaded(tmp_path):
    """Loading an invalid file raises InstrumentError naming the file and field."""
    data = _raw("cdrisc10")
    data["items"][0]["text"] = "wording"
    path = _write(tmp_path, "mine", data)
    with pytest.raises(evaltool.InstrumentError) as err:
        load_instrument(path)
    assert err.value.field == "items[cdrisc10_1].text" and str(path) in str(err.value)


def test_local_copy_with_own_text_loads_by_path(tmp_path):
    """NOTICE.md recipe: copy, add text, mark the copy's text as the user's own, load by path."""
    data = _raw("wemwbs")
    for it in data["items"]:
        it["text"] = f"My licensed wording of {it['short']}"
    data["licence"]["item_text_shippable"] = True
    data["licence"]["terms"] = "Used under our WEMWBS registration; not for sharing."
    path = _write(tmp_path, "my_wemwbs", data)
    assert check_instrument_file(path) == []
    rows = {f"wemwbs_{i}": [4] for i in range(1, 15)}
    assert _scores(str(path), rows, "wemwbs") == [56]


# --------------------------------------------------------------------------------------
# CLI: evaltool instruments list / show / check
# --------------------------------------------------------------------------------------
runner = CliRunner()
WIDE = {"COLUMNS": "250", "NO_COLOR": "1"}


def test_cli_list_shows_every_instrument():
    """``evaltool instruments list`` lists every packaged instrument with its tier."""
    result = runner.invoke(app, ["instruments", "list"], env=WIDE)
    assert result.exit_code == 0, result.output
    for name in ITEM_IDS:
        assert name in result.output
    assert "keys only" in result.output and "shipped" in result.output


def test_cli_show_cbi():
    """``evaltool instruments show cbi``: items, reversed work item 7, recoding, minimum rule."""
    result = runner.invoke(app, ["instruments", "show", "cbi"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "reversed: cbi_w7" in result.output
    assert "1→100" in result.output and "5→0" in result.output
    assert "at least 4 of 7 answered (author)" in result.output


def test_cli_show_keys_only_instrument_has_no_text():
    """A tier C instrument shows keys only."""
    result = runner.invoke(app, ["instruments", "show", "cdrisc10"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "tier C" in result.output and "sum of 10 items" in result.output


def test_cli_check_valid_file():
    result = runner.invoke(app, ["instruments", "check", str(SCALES / "proqol5.yaml")], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "valid instrument file" in result.output


def test_cli_check_broken_file_exits_1_naming_file_and_field(tmp_path):
    """``evaltool instruments check`` on a broken file: exit code 1, the message names the file
    and field, and no traceback is printed (STYLE.md conventions 6, 10)."""
    data = _raw("phq9")
    _break_overlapping_bands(data)
    path = _write(tmp_path, "broken_phq9", data)
    result = runner.invoke(app, ["instruments", "check", str(path)], env=WIDE)
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert str(path) in out
    assert "field 'scales[phq9].bands'" in out
    assert "1 problem(s) found" in out
    assert "Traceback" not in result.output


@pytest.mark.parametrize("content", ["id: [unclosed\n", None])
def test_cli_check_unreadable_file_exits_1(tmp_path, content):
    """Invalid YAML or a missing file: one error line, exit code 1, no traceback."""
    path = tmp_path / "bad.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["instruments", "check", str(path)], env=WIDE)
    assert result.exit_code == 1
    assert "Error:" in result.output and "bad.yaml" in result.output
    assert "Traceback" not in result.output
