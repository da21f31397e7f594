"""The report and figure checks at 10,000 participants (issue 16: "the figures and every cohort
report are still correct ... at the example size and at 10k").

One module fixture generates the example study scaled to 10,000 participants in 400 cohorts
(``python -m evaltool.examples.generate --participants 10000 --cohorts 400``) and runs the
whole ``analyse`` once into a temporary results folder; every test reads that one folder.
What the example-size tests check (tests/test_report_cohort.py, test_report_study.py,
test_plots.py, test_heatmap_scale.py, test_analysis.py) is checked here on the files as
written:

* every cohort has its report (a "too small" one below the minimum cell size), each a
  self-contained HTML file with one light, group-level figure per primary scale whose averages
  are not all hidden, numbers equal to the research tables, no count of 1 to k-1 people, hidden
  cells where the tables hide them, quotes only from the redacted cohort quotes;
* the study report prints the result tables' numbers, hides counts of 1 to k-1, stays small
  (bound :data:`REPORT_MAX_BYTES`; 0.29 MB measured at 10k on 2026-12-06, against 20.8 MB of
  inline SVG before issue 16), and its figures are the aggregate kind the documented rule of
  evaltool/plots/outcomes.py gives above ``MAX_INDIVIDUAL`` people;
* every PNG decodes at 300 dpi and is a picture, not a solid block;
* the folder verifies against its manifest and holds no file the manifest does not list;
* no shareable file (everything outside ``research/``) holds a participant or response id from
  the generated answer key, or any piece of the planted personal details.
"""

from __future__ import annotations

import html as _html
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from _report_fixtures import pii_fragments

from evaltool.report import _fmt as F

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("scale10k")]  # one generate + analyse per module

PARTICIPANTS, COHORTS = 10_000, 400
REPORT_MAX_BYTES = 2_000_000
"""Bound on report.html at 10k: 7x the 0.29 MB measured; the figures' SVG must not grow with n."""
PRIMARY = ("brs", "coping_confidence", "resilience_knowledge")
_TOKEN = re.compile(r"[\w-]+")  # an id is found only as a whole token, as tests/test_analysis.py searches


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(study folder, results folder) of the example scaled to 10,000 people in 400 cohorts."""
    import matplotlib

    matplotlib.use("Agg")
    from evaltool.analysis import analyse
    from evaltool.examples.generate import main as generate

    root = tmp_path_factory.mktemp("scale10k")
    study, out = root / "study", root / "out"
    assert generate(["--participants", str(PARTICIPANTS), "--cohorts", str(COHORTS), "--out", str(study)]) == 0
    analyse(study / "study.yaml", out=out)
    return study, out


@pytest.fixture(scope="module")
def res(run: tuple[Path, Path]):  # noqa: ANN201 - evaltool.analysis.Results
    from evaltool.analysis import load_results

    return load_results(run[1])  # verifies every file against the manifest


def _text(html: str) -> str:
    """Visible text of an HTML page (figures and styles removed, entities decoded)."""
    body = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    body = re.sub(r"<style.*?</style>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", _html.unescape(re.sub(r"<[^>]+>", " ", body)))


def _main(html: str) -> str:
    m = re.search(r"<main>(.*)</main>", html, flags=re.S)
    assert m is not None
    return _text(m.group(1))


def _tables(html: str) -> list[tuple[list[str], list[list[str]]]]:
    """(header, rows) of every HTML table, cells as visible text."""
    out = []
    for t in re.findall(r"<table.*?</table>", html, flags=re.S):
        rows = [[_text(c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, flags=re.S)]
                for r in re.findall(r"<tr.*?</tr>", t, flags=re.S)]
        if rows:
            out.append((rows[0], rows[1:]))
    return out


def _cohort_pages(run: tuple[Path, Path], res) -> dict[str, str]:  # noqa: ANN001
    cohorts = res["cohorts"]
    return {c: (run[1] / "cohort_reports" / f"{f}.html").read_text(encoding="utf-8")
            for c, f in zip(cohorts["cohort"], cohorts["file"], strict=True)}


@pytest.fixture(scope="module")
def pages(run: tuple[Path, Path], res) -> dict[str, str]:  # noqa: ANN001
    return _cohort_pages(run, res)


# --- cohort reports ---------------------------------------------------------------------------
def test_every_cohort_has_its_report_and_no_other(run, res, pages) -> None:
    """One file per cohort of the answer key, named as the cohorts table says; a cohort below the
    minimum cell size gets the "too small" report with no figure, table or quote."""
    truth = pd.read_csv(run[0] / "answer_key" / "participants.csv", dtype=str)
    cohorts = res["cohorts"].set_index("cohort")
    assert sorted(cohorts.index) == sorted(truth["cohort"].unique()) and len(cohorts) == COHORTS
    on_disk = sorted(p.name for p in (run[1] / "cohort_reports").iterdir())
    assert on_disk == sorted(f"{f}.html" for f in cohorts["file"])
    k = res.options.min_cell_size
    size = truth.groupby("cohort").size()
    assert (cohorts["reportable"] == (size.reindex(cohorts.index) >= k)).all()
    for c, h in pages.items():
        small = f"Cohort {c} is too small for a report of its own" in _main(h)
        assert f"<title>Cohort {c}: feedback report</title>" in h, c
        if cohorts.loc[c, "reportable"]:
            assert not small and 'class="quote"' in h, c
        else:
            assert small and "<svg" not in h and "<table" not in h and 'class="quote"' not in h, c


def test_cohort_reports_are_self_contained_pages_with_light_group_level_figures(res, pages) -> None:
    """Each page is whole HTML with its own styles, loads nothing from elsewhere, and carries one
    figure per primary scale where one of the cohort's averages is shown (else a sentence saying
    they are hidden): a few lines of inline SVG, one point per timepoint and group."""
    lv = res["cohort_scales"]
    lv = lv[(lv["scope"] == "cohort") & lv["shown"].astype(bool) & lv["scale"].isin(PRIMARY)]
    shown = lv.groupby("cohort")["scale"].unique().to_dict()
    assert sum(len(v) == len(PRIMARY) for v in shown.values()) > COHORTS // 2
    for c, h in pages.items():
        assert h.startswith("<!DOCTYPE html>") and h.rstrip().endswith("</html>") and "<style>" in h, c
        assert not re.search(r"<(?:link|script|iframe|img)\b", h, flags=re.I), c
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|//|file:)""", h, flags=re.I), c
        svgs = re.findall(r"<svg.*?</svg>", h, flags=re.S)
        if bool(res["cohorts"].set_index("cohort").loc[c, "reportable"]):
            drawn = set(shown.get(c, ()))
            assert len(svgs) == len(drawn), c
            assert h.count("s averages are hidden for this questionnaire") == len(PRIMARY) - len(drawn), c
            for s in svgs:
                assert s.count("<circle") <= 2 * 4 + 2 and len(s) < 6000 and s.count("</text>") > 0, c
        assert len(h) < 100_000, (c, len(h))


def test_cohort_numbers_are_the_research_numbers_and_are_printed(res, pages) -> None:
    """Every shown cohort mean equals descriptives_by_cohort and every shown change equals
    prepost_by_cohort (computed independently), and each is printed in that cohort's report."""
    lv = res["cohort_scales"]
    lv = lv[(lv["scope"] == "cohort") & lv["shown"].astype(bool)]
    d = res["descriptives_by_cohort"].set_index(["cohort", "scale", "timepoint"])
    ch = res["cohort_changes"]
    ch = ch[(ch["scope"] == "cohort") & ch["shown"].astype(bool)]
    pp = res["prepost_by_cohort"].set_index(["cohort", "scale", "contrast"])
    bodies = {c: _main(h) for c, h in pages.items()}
    assert len(lv) > 2000 and len(ch) > 1000
    for r in lv.itertuples():
        assert r.mean == pytest.approx(d.loc[(r.cohort, r.scale, str(r.timepoint)), "mean"], rel=1e-12)
        assert F.est_ci(r.mean, r.ci_low, r.ci_high) in bodies[r.cohort], (r.cohort, r.scale, r.timepoint)
    for r in ch.itertuples():
        ref = pp.loc[(r.cohort, r.scale, r.contrast)]
        assert (r.mean_diff, r.ci_low, r.ci_high) == pytest.approx(
            (ref["mean_diff"], ref["mean_diff_ci_low"], ref["mean_diff_ci_high"]), rel=1e-12)
        assert F.est_ci(r.mean_diff, r.ci_low, r.ci_high) in bodies[r.cohort], (r.cohort, r.scale, r.contrast)


def test_small_cells_are_hidden_in_every_cohort_report(res, pages) -> None:
    """No count of 1 to k-1 people anywhere (text or "people" table columns); each participation
    count the cohort_responses table hides is "a hidden number" in the report, the others are
    the true counts (recomputed from the participants table)."""
    k = res.options.min_cell_size
    resp = res["cohort_responses"]
    parts = res["participants"]
    tps = [str(t) for t in res.timepoints]
    true = parts.groupby(parts["cohort"].astype(str))[tps].sum()
    assert (~resp["shown"].astype(bool)).sum() > 0  # 10k has hidden cells: the check means something
    seen: list[str] = []
    for c, h in pages.items():
        body = _main(h)
        for n in re.findall(r"(\d+) people", body):
            assert int(n) == 0 or int(n) >= k, (c, n)
        for head, rows in _tables(h):
            cols = [i for i, x in enumerate(head) if x.endswith(": people") or "people who mentioned" in x]
            for row in rows:
                for i in cols:
                    v = row[i] if i < len(row) else F.HIDDEN
                    seen.append(v)
                    assert v in (F.HIDDEN, "–") or int(v) == 0 or int(v) >= k, (c, head[i], v)
        mine = resp[resp["cohort"] == c].set_index("timepoint")
        if not len(mine) or not bool(res["cohorts"].set_index("cohort").loc[c, "reportable"]):
            continue
        m = re.search(r"who answered each survey: (.*?)(?:\.|$)", body)
        assert m is not None, c
        said = m.group(1)
        assert said.count("a hidden number") == int((~mine["shown"].astype(bool)).sum()), (c, said)
        for t in tps:
            if t in mine.index and bool(mine.loc[t, "shown"]):
                assert int(mine.loc[t, "n"]) == true.loc[c, t] >= k
                assert re.search(rf"\b{true.loc[c, t]} (?:at|after)\b", said), (c, t, said)
    assert len(seen) > 10 * COHORTS and F.HIDDEN in seen  # the tables were read, hidden cells among them


def test_quotes_are_only_the_redacted_cohort_quotes(res, pages) -> None:
    """Every quote in a cohort report is one of that cohort's redacted quotes, and no raw answer
    holding planted personal details appears in any report (redaction changed all of them)."""
    q = res["cohort_quotes"]
    mine = {c: set(g["quote"].astype(str).str.strip()) for c, g in q.groupby("cohort")}
    frags = pii_fragments()
    raw = res["free_text"]["text"].astype(str).str.strip()
    personal = [t for t in raw.unique() if any(f in t for f in frags)]
    assert personal
    n = 0
    for c, h in pages.items():
        for block in re.findall(r'<blockquote class="quote"><p>(.*?)</p>', h, flags=re.S):
            assert _html.unescape(block).strip() in mine.get(c, set()), (c, block)
            n += 1
        text = _text(h)
        assert [t for t in personal if t in text] == [], c
    assert n > 1000


# --- study report and figures -----------------------------------------------------------------
def test_study_report_is_bounded_and_its_figures_are_aggregates(run) -> None:
    """report.html stays small at 10k; its trajectories are the aggregate figure (bands and means,
    no rasterised layer of one line per person), and above MAX_INDIVIDUAL people the research
    copy "_individual" is that same aggregate figure, as evaltool/plots/outcomes.py documents."""
    from evaltool.plots.outcomes import MAX_INDIVIDUAL

    out = run[1]
    report = out / "report.html"
    assert 50_000 < report.stat().st_size < REPORT_MAX_BYTES
    h = report.read_text(encoding="utf-8")
    svgs = re.findall(r"<svg.*?</svg>", h, flags=re.S)
    assert len(svgs) >= 3 + len(PRIMARY) and all(len(s) < 300_000 for s in svgs)
    assert PARTICIPANTS > MAX_INDIVIDUAL and h.count("middle 50% of scores") >= len(PRIMARY)
    for s in PRIMARY:
        svg = (out / "figures" / f"trajectories_{s}.svg").read_text(encoding="utf-8")
        assert "middle 50% of scores" in svg and "<image" not in svg and svg.count("<path") < 200, s
        assert len(svg) < 150_000
        assert (out / "research" / "figures" / f"trajectories_{s}_individual.svg").read_text(encoding="utf-8") == svg
        dist = (out / "research" / "figures" / f"distribution_{s}.svg").read_text(encoding="utf-8")
        assert "<image" not in dist and dist.count("<path") + dist.count("<use") < 200 and len(dist) < 150_000, s


def test_study_report_numbers_are_the_results_and_hide_small_counts(run, res) -> None:
    """As tests/test_report_study.py at the example size: every pre/post, model, reliability and
    descriptive number of the result tables is printed; reliable-change counts of 1 to k-1 are
    hidden (and some are shown); the theme heatmap of 400 cohorts is the dense image with every
    10th cohort named (evaltool/plots/heatmap.py, above DENSE_ABOVE groups)."""
    from evaltool.plots.heatmap import DENSE_ABOVE

    h = re.sub(r"</?sub>", "", (run[1] / "report.html").read_text(encoding="utf-8"))  # d<sub>av</sub> -> dav
    h = re.sub(r"<svg.*?</svg>|<style.*?</style>", " ", h, flags=re.S)
    text = _html.unescape(re.sub(r"<[^>]+>", " ", h))  # spacing kept: p values use a no-break space
    for r in res["prepost"].itertuples():
        assert F.est_ci(r.mean_diff, r.mean_diff_ci_low, r.mean_diff_ci_high) in text
        assert F.est_ci(r.d_av, r.d_av_ci_low, r.d_av_ci_high) in text and F.p(r.p_t) in text
    for r in res["change_vs_baseline"].itertuples():
        assert F.est_ci(r.beta, r.ci_low, r.ci_high) in text and F.num(r.d) in text
    for r in res["reliability"].itertuples():
        assert F.est_ci(r.alpha, r.alpha_ci_low, r.alpha_ci_high, lead=False) in text
    for r in res["descriptives"].itertuples():
        if r.n > 0:
            assert F.m_sd(r.mean, r.sd) in text
    rc = res.shareable("reliable_change_summary")
    shown = rc[rc["n_improved"].notna()]
    assert len(shown)
    for r in shown.itertuples():
        assert f"{int(r.n_improved):,} ({r.pct_improved:.0f}%)" in text or f"{int(r.n_improved)} ({r.pct_improved:.0f}%)" in text
    k = res.options.min_cell_size
    assert not re.search(rf"(?<![\d,.])[1-{k - 1}] \(\d+%\)", text)
    heat = (run[1] / "figures" / "theme_heatmap.svg").read_text(encoding="utf-8")
    assert COHORTS > DENSE_ABOVE and "<image" in heat and f"{COHORTS} groups in order, every 10th named" in heat


def test_every_png_decodes_at_300_dpi_and_is_not_a_solid_block(run) -> None:
    import numpy as np
    from PIL import Image

    pngs = sorted(run[1].rglob("*.png"))
    assert len(pngs) >= 3 + 4 * len(PRIMARY)
    for p in pngs:
        with Image.open(p) as im:
            im.load()
            assert round(im.info["dpi"][0]) == 300, p
            assert 600 <= im.size[0] <= 6000 and 400 <= im.size[1] <= 6000, (p, im.size)
            a = np.asarray(im.convert("RGB"))
        a = a[::2, ::2].astype(np.uint32)  # every 4th pixel: enough to tell a picture from a block
        colours, counts = np.unique((a[..., 0] << 16) | (a[..., 1] << 8) | a[..., 2], return_counts=True)
        ink = counts[colours != 0xFFFFFF]
        assert a.mean(axis=2).std() > 10 and len(colours) > 50, p
        assert ink.max() / counts.sum() < 0.5, p  # no colour but the white page covers half the picture


# --- the folder ---------------------------------------------------------------------------------
def test_folder_verifies_and_the_manifest_lists_every_file(run, res) -> None:
    from evaltool.privacy import verify_results_folder

    out = run[1]
    files = verify_results_folder(out)["files"]
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != "manifest.json"}
    assert set(files) == on_disk and len(on_disk) > COHORTS
    assert len(res["participants"]) == PARTICIPANTS


def _shareable_texts(out: Path) -> dict[str, str]:
    """Text of every file outside research/ (XML of Word and Excel files, cells of Parquet)."""
    texts = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out)
        if not p.is_file() or rel.parts[0] == "research" or p.suffix == ".png":
            continue
        if p.suffix in (".xlsx", ".docx"):
            with zipfile.ZipFile(p) as z:
                text = " ".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist() if n.endswith(".xml"))
        elif p.suffix == ".parquet":
            t = pd.read_parquet(p)
            text = " ".join([*map(str, t.columns), *(" ".join(map(str, t[c].tolist())) for c in t.columns)])
        else:
            text = p.read_text(encoding="utf-8")
        texts[rel.as_posix()] = text
    return texts


def test_shareable_outputs_hold_no_participant_or_response_id_and_no_personal_details(run) -> None:
    """Ids are the full strings of the generated answer key (participant codes and the exports'
    response ids), searched as whole tokens; the research tables hold them (so the search can
    find them) and the raw free text holds the planted personal details."""
    study, out = run
    key = study / "answer_key"
    ids = set(pd.read_csv(key / "participants.csv", dtype=str)["participant_id"])
    ids |= set(pd.read_csv(key / "responses.csv", dtype=str)["response_id"].dropna())
    assert len(ids) > PARTICIPANTS
    research = _TOKEN.findall((out / "research" / "tables" / "participants.csv").read_text(encoding="utf-8"))
    assert len(ids & set(research)) >= PARTICIPANTS * 0.99
    frags = pii_fragments()
    raw = (out / "research" / "tables" / "free_text.csv").read_text(encoding="utf-8")
    assert [f for f in frags if f in raw]
    texts = _shareable_texts(out)
    assert len(texts) > COHORTS + 50 and "report.html" in texts and "manifest.json" in texts
    for rel, text in texts.items():
        found = ids & set(_TOKEN.findall(text))
        assert found == set(), (rel, sorted(found)[:3])
        assert [f for f in frags if f in text] == [], rel
    json.loads(texts["manifest.json"])
