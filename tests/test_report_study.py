"""The study report: sections, numbers equal to the result tables, privacy, snapshot, PDF, DOCX."""

from __future__ import annotations

import html as _html
import re
from pathlib import Path

import pandas as pd
import pytest
from _report_fixtures import (
    PARTICIPANT_ID_PATTERN,
    check_snapshot,
    example_results,
    pii_fragments,
    report_structure,
    study_html,
    study_report,
)

from evaltool.errors import OutputError, ParameterError
from evaltool.report import _fmt as F
from evaltool.report import build_study_report, write_apa_docx
from evaltool.report.checklists import CHECKLIST_COLUMNS, checklist_frame, load_checklist
from evaltool.report.study import SYNTHETIC_BANNER

pytestmark = pytest.mark.xdist_group("report")  # share one analysed example per worker


def _text(html: str) -> str:
    """Visible text with tags removed and entities decoded (subscript tags dropped: d_av → dav)."""
    body = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    body = re.sub(r"<style.*?</style>", " ", body, flags=re.S)
    body = re.sub(r"</?sub>", "", body)
    return _html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_sections_in_order() -> None:
    titles = [s.title for s in study_report().sections]
    assert titles == [
        "Summary", "Methods", "Participant flow", "Reliability", "Descriptive statistics",
        "Pre/post comparisons", "Change against baseline", "Reliable change", "Figures",
        "Qualitative findings", "Joint displays", "How numbers are protected", "Appendix A. Reporting checklists",
        "Appendix B. Software and reproducibility",
    ]


def test_structure_snapshot() -> None:
    check_snapshot("study_report", report_structure(study_report()))


def test_synthetic_banner() -> None:
    assert SYNTHETIC_BANNER in _text(study_html())
    assert study_report().banner == SYNTHETIC_BANNER


def test_model_table_numbers_equal_the_results() -> None:
    """β [95% CI], d and p as the published study reports them, for every primary scale."""
    res = example_results()
    text = _text(study_html())
    m = res["change_vs_baseline"]
    for r in m.itertuples():
        assert F.est_ci(r.beta, r.ci_low, r.ci_high) in text
        assert F.num(r.d) in text and F.p(r.p) in text
    # the published study's headline row (coping confidence, T2) rendered as in the paper
    row = m[(m["scale"] == "coping_confidence") & (m["timepoint"].astype(str) == "T2")].iloc[0]
    assert f"{row.beta:.2f} [{row.ci_low:.2f}, {row.ci_high:.2f}]" in text


def test_prepost_reliability_descriptives_numbers_equal_the_results() -> None:
    res = example_results()
    text = _text(study_html())
    for r in res["prepost"].itertuples():
        assert F.est_ci(r.mean_diff, r.mean_diff_ci_low, r.mean_diff_ci_high) in text
        assert F.est_ci(r.d_av, r.d_av_ci_low, r.d_av_ci_high) in text
        assert F.est_ci(r.d_z, r.d_z_ci_low, r.d_z_ci_high) in text
        assert F.p(r.p_t) in text
    for r in res["reliability"].itertuples():
        assert F.est_ci(r.alpha, r.alpha_ci_low, r.alpha_ci_high, lead=False) in text
    for r in res["descriptives"].itertuples():
        if r.n > 0:
            assert F.m_sd(r.mean, r.sd) in text
    rc = res.shareable("reliable_change_summary")
    shown = rc[rc["n_improved"].notna()]
    assert len(shown) and len(shown) < len(rc)  # small categories (and their complements) hidden
    for r in shown.itertuples():
        assert f"{int(r.n_improved)} ({r.pct_improved:.0f}%)" in text
    assert not re.search(r"\b[1-4] \(\d+%\)", text)  # no count of 1 to 4 people anywhere


def test_methods_say_what_was_run() -> None:
    """The methods text is read off the result tables, so it names what they say."""
    res = example_results()
    methods = " ".join(b.text for b in study_report().sections[1].blocks)
    pp = res["prepost"]
    assert "Holm" in methods and set(pp.loc[pp["p_t_adj"].notna(), "correction"]) == {"holm"}
    for m in set(pp["wilcoxon_method"].dropna()):
        assert m in methods
    model = res["change_vs_baseline"]
    assert set(model["df_method"]) == {"Satterthwaite"} and "Satterthwaite" in methods
    assert "REML" in methods and model["model"].iloc[0] in methods
    assert "d_av" in methods and "g_av" in methods and "d_z" in methods
    assert f"({int(pp['p_t_adj'].notna().sum())} comparisons)" in methods and "confirmatory family" in methods
    assert "Jacobson–Truax" in methods
    import numpy
    assert f"numpy {numpy.__version__}" in methods


def test_subscripts_render_as_html() -> None:
    h = study_html()
    assert "d<sub>av</sub>" in h and "d<sub>z</sub>" in h and "r<sub>xx</sub>" in h
    assert "participant<sub>" not in h


def test_no_participant_ids() -> None:
    h = study_html()
    assert not PARTICIPANT_ID_PATTERN.search(h)
    ids = set(map(str, example_results()["participants"]["participant_id"]))
    found = [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", h)]
    assert found == []


def test_no_unredacted_pii() -> None:
    h = _text(study_html())
    frags = pii_fragments()
    assert len(frags) >= 15
    assert [f for f in frags if f in h] == []


def test_qualitative_and_joint_sections_have_content() -> None:
    sec = {s.title: s for s in study_report().sections}
    qual = sec["Qualitative findings"]
    assert any(b.kind == "table" and "Codes in the free-text answers" in b.caption for b in qual.blocks)
    joint = sec["Joint displays"]
    # the joint display's groups could single people out with the cohort reports: research only
    assert not [b for b in joint.blocks if b.kind == "table"]
    assert "research/tables/joint_display.csv" in joint.blocks[0].text
    assert any(b.kind == "quote" for b in joint.blocks)  # redacted quotes by reliable change stay


def test_checklists_prefilled_and_todo() -> None:
    from evaltool.report._context import make_ctx

    res = example_results()
    ctx = make_ctx(res)
    sizes = {"trend": 22, "gramms": 6, "coreq": 32}
    for name, n in sizes.items():
        fr = checklist_frame(load_checklist(name), ctx)
        assert tuple(fr.columns) == CHECKLIST_COLUMNS and len(fr) == n
        assert set(fr["status"]) == {"pre-filled", "to do"}
    trend = checklist_frame(load_checklist("trend"), ctx).set_index("item")
    assert trend.loc["12", "status"] == "pre-filled" and "66 at T1" in trend.loc["12", "answer"]
    assert trend.loc["7", "status"] == "to do"  # sample size: the data cannot say


def test_checklist_errors(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="no reporting checklist called 'nope'"):
        load_checklist("nope")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: X\ntitle: X\ncitation: c\nitems:\n  - {id: '1', section: s, topic: t, text: x, answer: magic}\n")
    with pytest.raises(OutputError, match="magic"):
        load_checklist(str(bad))
    bad.write_text("id: x\nname: X\ntitle: X\ncitation: c\nitems: []\n")
    with pytest.raises(OutputError, match="items"):
        load_checklist(str(bad))


def test_user_checklist_folder_is_used(tmp_path: Path) -> None:
    (tmp_path / "checklists").mkdir()
    (tmp_path / "checklists" / "tidier.yaml").write_text(
        "id: tidier\nname: TIDieR\ntitle: Template for intervention description\ncitation: Hoffmann 2014\n"
        "items:\n  - {id: '1', section: Name, topic: Brief name, text: Name the intervention.}\n", encoding="utf-8")
    rep = build_study_report(example_results(), template_dirs=[tmp_path])
    caps = [b.caption for s in rep.sections for b in s.blocks if b.kind == "table"]
    assert any(c.endswith("TIDieR checklist (0 of 1 items pre-filled)") for c in caps)


def test_results_not_modified() -> None:
    res = example_results()
    before = {k: v.copy() for k, v in res.tables.items()}
    build_study_report(res)
    for k, v in before.items():
        pd.testing.assert_frame_equal(res.tables[k], v)


def test_repr_html_is_a_fragment() -> None:
    frag = study_report()._repr_html_()
    assert "<html" not in frag and "Summary" in frag


def test_rejects_non_results() -> None:
    with pytest.raises(ParameterError, match="'results' parameter of build_study_report"):
        build_study_report({"prepost": None})


def test_pdf_renders(tmp_path: Path) -> None:
    p = study_report().save(tmp_path / "report.pdf")
    data = p.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 50_000


def test_apa_docx(tmp_path: Path) -> None:
    from docx import Document

    from evaltool.report._context import make_ctx
    from evaltool.report._tables import study_tables

    res = example_results()
    p = write_apa_docx(res, tmp_path / "tables.docx")
    doc = Document(str(p))
    expected = study_tables(make_ctx(res))
    assert len(doc.tables) == len(expected)
    for t, e in zip(doc.tables, expected, strict=True):
        assert [c.text for c in t.rows[0].cells] == [c.replace("_", "") for c in e.frame.columns]
        assert len(t.rows) == len(e.frame) + 1
        assert [c.text for c in t.rows[1].cells] == [str(v) for v in e.frame.iloc[0]]
    paras = [p.text for p in doc.paragraphs]
    assert "Table 1" in paras and any(x.startswith("Note.") for x in paras)
    subs = [r for t in doc.tables for c in t.rows[0].cells for r in c.paragraphs[0].runs if r.font.subscript]
    assert any(r.text == "av" for r in subs)
    with pytest.raises(OutputError, match="docx"):
        write_apa_docx(res, tmp_path / "tables.pdf")


def test_titles_and_captions_from_the_study_file(tmp_path: Path) -> None:
    """study.yaml's optional ``report:`` section sets the title, subtitle, table titles and figure
    captions of the study report and the DOCX; anything not given keeps evaltool's generic wording."""
    import dataclasses

    from docx import Document

    res = example_results()
    wording = {"title": "Resilience programme 2025", "subtitle": "Evaluation report",
               "table_titles": {"model": "Change from baseline in each outcome"},
               "captions": {"flow": "How many people answered each survey."}}
    custom = dataclasses.replace(res, study=dataclasses.replace(res.study, report=wording))
    rep = build_study_report(custom)
    assert (rep.title, rep.subtitle) == ("Resilience programme 2025", "Evaluation report")
    captions = [b.caption for s in rep.sections for b in s.blocks if b.kind in ("table", "figure")]
    assert any(c.endswith(". Change from baseline in each outcome") for c in captions)
    assert any(c.endswith(". How many people answered each survey.") for c in captions)
    assert any(c.endswith(". Internal consistency of the scales") for c in captions)  # generic
    text = "\n".join(p.text for p in Document(str(write_apa_docx(custom, tmp_path / "t.docx"))).paragraphs)
    assert "Resilience programme 2025: result tables" in text and "Change from baseline in each outcome" in text


def test_report_wording_in_the_study_file_is_checked_and_carried() -> None:
    from evaltool.analysis.pipeline import Run, _summary, options_from_study
    from evaltool.examples import example_study_path
    from evaltool.study import load_study
    from evaltool.study.model import ReportText

    with pytest.raises(ValueError, match="report.table_titles names \\['modle'\\]"):
        ReportText(table_titles={"modle": "x"})
    sf = load_study(example_study_path())
    spec = sf.spec.model_copy(update={"report": ReportText(title="T", table_titles={"model": "M"})})
    run = Run(dataclasses_replace(sf, spec=spec), options_from_study(spec))
    assert _summary(run).report == {"title": "T", "table_titles": {"model": "M"}}


def dataclasses_replace(obj, **kw):  # noqa: ANN001, ANN201 - a tiny helper for the test above
    import dataclasses

    return dataclasses.replace(obj, **kw)


def test_table_titles_are_generic() -> None:
    """No table title speaks of a particular published study (every user's report shows them)."""
    captions = [b.caption for s in study_report().sections for b in s.blocks if b.kind == "table"]
    assert captions and not any("published" in c.casefold() for c in captions)


def test_theme_heatmap_in_the_qualitative_findings() -> None:
    sec = {s.title: s for s in study_report().sections}["Qualitative findings"]
    figs = [b for b in sec.blocks if b.kind == "figure"]
    assert len(figs) == 1 and "Where themes cluster" in figs[0].caption
    assert "theme_heatmap" in " ".join(getattr(b, "text", "") for b in sec.blocks)


def test_docx_is_a4(tmp_path: Path) -> None:
    from docx import Document

    s = Document(str(write_apa_docx(example_results(), tmp_path / "t.docx"))).sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)


def test_methods_explain_prorated_knowledge_scores() -> None:
    """Issue 15: "correct answers, 0-8" beside a mean of 5.71 needs its reason in the methods
    (the packaged knowledge test prorates 1-2 unanswered questions)."""
    text = re.sub(r"<[^>]+>", "", study_html())
    assert ("at least 6 of 8 questions answered; unanswered questions prorated (correct answers ÷ questions "
            "answered × 8), so scores need not be whole numbers") in text
