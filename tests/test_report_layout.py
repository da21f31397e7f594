"""Layout tested as people see it (issue 15): every report rendered by a real browser engine
(headless Chromium) and as PDF (WeasyPrint, what ``--pdf`` writes, and Chromium's print, what a
reader gets from the browser), then measured.

- HTML in Chromium: no element outside its box (its bounding box inside its container's), no
  text overflowing its element, no table wider than the report column, no figure text outside
  its figure and no two figure labels touching, no raw ``d_av``-style subscript in the text;
- PDF pages (pypdfium2): page count, no page more than 60% empty except the last, a last page
  that is more than a stray box, no character outside the printable area, no token split
  across lines (``p < .`` / ``001``, ``--`` / ``cohort``, ``0–`` / ``8``).

Screenshots of cohorts C03, C04, C06 and the study report's pages 1–3 are written as PNG into
``$EVALTOOL_SCREENSHOTS`` when it is set (else into the test's temporary folder). A missing
renderer fails the test with what to install; nothing is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _layout import chromium, chromium_dom_check, chromium_pdf, pdf_pages, split_tokens
from _report_fixtures import example_results

pytestmark = [pytest.mark.xdist_group("report"), pytest.mark.slow]

COHORTS = ["C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08"]
POOLED = "pooled_C04_C06"
MAX_PAGES = {"report": 24, "C06": 1, "index": 6}
SCREENSHOTS = {"C03": 3, "C04": 3, "C06": 1, "report": 3, POOLED: 2, "index": 1}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every report of the example as HTML (as analyse writes them), plus a pooled report and the index."""
    from evaltool.report import build_cohort_report, write_index, write_reports

    chromium()  # fail first, with what to install, if there is no browser
    out = tmp_path_factory.mktemp("layout")
    res = example_results()
    paths = write_reports(res, out)
    pooled = build_cohort_report(res, ["C04", "C06"]).save(out / "cohort_reports" / f"{POOLED}.html")
    html = {"report": paths["study"], POOLED: pooled, "index": write_index(res, out)}
    html.update({c: paths[f"cohort:{c}"] for c in COHORTS})
    return html


def _shots_dir(tmp_path: Path) -> Path:
    d = Path(os.environ.get("EVALTOOL_SCREENSHOTS") or tmp_path / "screenshots")
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.mark.parametrize("name", ["report", "index", POOLED, *COHORTS])
def test_html_in_the_browser_keeps_everything_in_its_box(rendered: dict[str, Path], name: str) -> None:
    check = chromium_dom_check(rendered[name])
    assert check.outside == [], f"{name}: elements outside their box: {check.outside[:5]}"
    assert check.overflow == [], f"{name}: text overflowing its element or table wider than the page: {check.overflow[:5]}"
    assert check.svg == [], f"{name}: figure text outside its figure: {check.svg[:5]}"
    assert check.collide == [], f"{name}: figure labels touching or overlapping: {check.collide[:5]}"
    assert check.raw == [], f"{name}: raw subscripts in the text: {check.raw[:5]}"


def _check_pages(name: str, pdf: Path, shots: Path | None, engine: str) -> None:
    pages = pdf_pages(pdf)
    assert 1 <= len(pages) <= MAX_PAGES.get(name, 8), f"{name} ({engine}): {len(pages)} pages"
    for p in pages[:-1]:
        assert p.filled >= 0.4, f"{name} ({engine}): page {p.number} of {len(pages)} is {1 - p.filled:.0%} empty"
    if len(pages) > 1:
        assert pages[-1].filled >= 0.1, f"{name} ({engine}): the last page holds only a stray box"
    for p in pages:
        assert p.chars_outside == [], f"{name} ({engine}): text outside page {p.number}: {''.join(p.chars_outside)[:60]}"
    splits = [s for p in pages for s in split_tokens(p.lines)]
    assert splits == [], f"{name} ({engine}): tokens split across lines: {splits[:5]}"
    if shots is not None:
        for p in pages[:SCREENSHOTS.get(name, 0)]:
            p.image.save(shots / f"{name}-{engine}-page{p.number}.png")


@pytest.mark.parametrize("name", ["report", "index", POOLED, *COHORTS])
def test_browser_print_pages(rendered: dict[str, Path], name: str, tmp_path: Path) -> None:
    pdf = chromium_pdf(rendered[name], tmp_path / f"{name}.pdf")
    _check_pages(name, pdf, _shots_dir(tmp_path) if name in SCREENSHOTS else None, "chromium")


@pytest.mark.parametrize("name", ["report", "C03", "C04", "C06", POOLED])
def test_pdf_pages(name: str, tmp_path: Path) -> None:
    """The PDFs ``--pdf`` writes (WeasyPrint)."""
    from evaltool.report import build_cohort_report, build_study_report

    res = example_results()
    rep = (build_study_report(res) if name == "report" else
           build_cohort_report(res, ["C04", "C06"]) if name == POOLED else build_cohort_report(res, name))
    pdf = rep.save(tmp_path / f"{name}.pdf")
    _check_pages(name, pdf, _shots_dir(tmp_path) if name in SCREENSHOTS else None, "pdf")


def test_one_synthetic_banner_per_page(tmp_path: Path) -> None:
    """The banner box on page one, the running header on the others: never both on a page."""
    from evaltool.report import build_cohort_report
    from evaltool.report.study import SYNTHETIC_BANNER

    pages = pdf_pages(build_cohort_report(example_results(), "C03").save(tmp_path / "c03.pdf"))
    head = SYNTHETIC_BANNER[:40]
    for p in pages:
        assert sum(head in line for line in p.lines) == 1, (p.number, [ln for ln in p.lines if head in ln])


def test_the_browser_probe_sees_touching_labels_but_not_whitespace_between_glyphs(tmp_path: Path) -> None:
    """The probe itself: two labels on top of each other are found; a label written glyph by
    glyph (matplotlib's mathtext: one <tspan> per glyph, whitespace between them laid out in the
    page's larger font) is measured by its glyphs, so a tick label just above it is not."""
    glyphs = "".join(f'\n       <tspan x="{6 * i}" y="0" style="font-size: 10px">{c}</tspan>'
                     for i, c in enumerate("d av"))
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120" viewBox="0 0 300 120">'
           '<g id="text_1"><text x="20" y="30" style="font-size: 10px">first label</text></g>'
           '<g id="text_2"><text x="30" y="32" style="font-size: 10px">second label</text></g>'
           '<g id="text_3"><text x="150" y="80" style="font-size: 9px">0.5</text></g>'
           f'<g id="text_4"><g transform="translate(140 93)"><text>{glyphs}\n      </text></g></g></svg>')
    page = tmp_path / "probe.html"
    page.write_text(f'<!DOCTYPE html><html><body style="font-size: 40px"><div class="evaltool-report">'
                    f'<figure>{svg}</figure></div></body></html>', encoding="utf-8")
    collide = chromium_dom_check(page).collide
    assert ["first label", "second label"] in collide
    assert not any("0.5" in pair for pair in collide), collide
