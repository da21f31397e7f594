"""The field corpus (tests/field/, issue 11 item 8): exports the team did not tailor the code to.

Each study runs ``init`` → at most 3 draft edits (given in its expected.yaml) → ``validate``
→ ``analyse``, and is checked against the truth planted by ``tests/field/generate.py``: rows
kept and set aside per wave (with the reason, by data row), who joined when (never "returned
after a gap" for a first appearance), complete pairs per scale, and hand-checked scores.
Every file of the corpus, and the real exports, gives ``init`` exit 0 or a one-line refusal.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from evaltool.analysis.scoring import score_study
from evaltool.cli import app
from evaltool.instruments import load_instrument
from evaltool.io import read_export
from evaltool.study import link_study
from evaltool.study.draft import draft_study

FIELD = Path(__file__).parent / "field"
REAL = Path(__file__).parent / "reference" / "real-exports"
STUDIES = ["study_a", "study_b", "study_c"]


def _expected(study: str) -> dict[str, Any]:
    return yaml.safe_load((FIELD / study / "expected.yaml").read_text(encoding="utf-8"))


def _key(pid: object) -> str:
    """Compare ids whatever zero padding: 'P009' ~ 'P9', '09' ~ '9'."""
    return re.sub(r"0*(\d+)$", lambda m: m.group(1), str(pid).strip().upper())


# --- applying the draft edits of expected.yaml ------------------------------------------------
def _absolute(value: Any, study: str) -> Any:
    value = dict(value)
    if str(value.get("id", "")).endswith((".yaml", ".yml")):
        value["id"] = str((FIELD / study / value["id"]).resolve())
    return value


def _covering(data: dict, cols: list[str], folder: Path) -> int | None:
    """The draft's instrument entry that maps these columns (an entry without a map uses
    columns named after its item ids)."""
    for k, entry in enumerate(data.get("instruments") or []):
        own = entry.get("columns")
        if not isinstance(own, dict):
            ref = str(entry["id"])
            inst = load_instrument(folder / ref if ref.endswith((".yaml", ".yml")) else ref)
            own = {i: i for i in inst.item_ids}
        maps = [own] + [e.get("columns") or {} for e in data["exports"]]
        if any(set(cols) <= set(m.values()) for m in maps if isinstance(m, dict)):
            return k
    return None


def _replace_instrument(data: dict, edit: dict, study: str, folder: Path) -> None:
    value = _absolute(edit["value"], study)
    k = _covering(data, edit["covering_columns"], folder)
    if k is None:
        data.setdefault("instruments", []).append(value)
        return
    old = data["instruments"][k]
    if "keep_draft_columns" in edit and isinstance(old.get("columns"), dict):
        new_ids = [it.id for it in load_instrument(value["id"]).items]
        rename = dict(zip(old["columns"], new_ids, strict=False))
        value["columns"] = {rename[i]: c for i, c in old["columns"].items() if i in rename}
        for e in data["exports"]:
            if isinstance(e.get("columns"), dict):
                e["columns"] = {rename.get(i, i): c for i, c in e["columns"].items()}
    elif isinstance(old.get("columns"), dict):  # the draft's item ids leave with the draft's file
        gone = set(old["columns"])
        for e in data["exports"]:
            if isinstance(e.get("columns"), dict):
                e["columns"] = {i: c for i, c in e["columns"].items() if i not in gone}
                if not e["columns"]:
                    del e["columns"]
    data["instruments"][k] = value


def _apply(data: dict, edits: list[dict], study: str, folder: Path) -> None:
    assert len(edits) <= 3, f"{study}: more than 3 draft edits"
    for edit in edits:
        if edit["op"] == "replace_instrument":
            _replace_instrument(data, edit, study, folder)
        elif edit["op"] == "set_group":
            groups = data.setdefault("groups", [])
            k = next((i for i, g in enumerate(groups) if g.get("column") == edit["column"]), None)
            groups[k if k is not None else len(groups):k + 1 if k is not None else len(groups)] = [edit["value"]]
            names = [g["name"] for g in groups]
            assert len(set(names)) == len(names), names
        elif edit["op"] == "set":
            node = data
            *path, last = edit["path"].split(".")
            for part in path:
                node = node.setdefault(part, {})
            node[last] = edit["value"]
        else:  # pragma: no cover - a new kind of edit in the corpus
            raise AssertionError(f"unknown draft edit {edit['op']}")


@pytest.fixture(scope="module", params=STUDIES)
def field_study(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, dict]:
    study = request.param
    exp = _expected(study)
    folder = tmp_path_factory.mktemp(study)
    out = folder / "study.yaml"
    draft = draft_study([(FIELD / study / p).resolve() for p in exp["init_inputs"]], out=out)
    for name, text in draft.files.items():
        (folder / name).write_text(text, encoding="utf-8")
    data = yaml.safe_load(draft.text)
    _apply(data, exp.get("draft_edits") or [], study, folder)
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return study, out, exp


@pytest.fixture(scope="module")
def linked(field_study: tuple[str, Path, dict]) -> Any:
    return link_study(field_study[1])


# --- checks against the planted truth ---------------------------------------------------------
_REASONS = {
    "preview": ("preview or test response", "test response"),
    "test": ("preview or test response", "test response"),
    "unfinished": ("unfinished response", "progress below"),
    "duplicate": ("duplicate",),
    "no id": ("no participant id",),
    "no answers": ("empty response",),
    "unmatched": ("unmatched: near miss",),
}


def _data_rows(linked: Any, source: str) -> dict[int, int]:
    """Spreadsheet row → data row (1-based, after the header rows) for one export."""
    spec = next(e for e in linked.study.spec.exports if source in e.paths)
    exp = read_export(linked.study.resolve(source), sheet=spec.sheet,
                      dictionary=linked.study.resolve(spec.dictionary) if spec.dictionary else None)
    return {int(r): i + 1 for i, r in enumerate(exp.data["row"])}


def _wave_source(linked: Any, wave: dict, t: str) -> str:
    name = wave.get("file") or ""
    sources = list(linked.inputs["source"])
    return next((s for s in sources if Path(s).name == Path(name).name), sources[0])


def test_kept_and_set_aside_per_wave(field_study, linked):
    study, _out, exp = field_study
    for t, wave in exp["waves"].items():
        kept = linked.wide[linked.wide["timepoint"].astype(str) == t]
        assert len(kept) == wave["kept_count"], f"{study} {t}: kept"
        if "kept" in wave:
            assert sorted(map(_key, kept["participant_id"])) == sorted(map(_key, wave["kept"])), f"{study} {t}"
        source = _wave_source(linked, wave, t)
        rows = _data_rows(linked, source)
        ex = linked.exclusions[(linked.exclusions["source"] == source)
                               & (linked.exclusions["timepoint"].astype(str) == t)]
        got = {rows[int(r)]: str(why) for r, why in zip(ex["row"], ex["reason"], strict=True)}
        want = {int(e["data_row"]): str(e["reason"]) for e in wave.get("excluded") or []}
        assert set(got) == set(want), f"{study} {t}: rows set aside {sorted(got)} != {sorted(want)}"
        for row, why in want.items():
            kind = "unmatched" if why.startswith("unmatched") else why
            assert got[row].startswith(_REASONS[kind]), f"{study} {t} data row {row}: {got[row]!r} for {why!r}"


def test_joined_is_never_returned(field_study, linked):
    study, _out, exp = field_study
    parts = linked.participants.set_index("participant_id")
    tps = linked.study.spec.timepoint_ids
    seen: set[str] = set()
    for i, t in enumerate(tps):
        here = {_key(p) for p in parts.index[parts[t]]}
        flow = exp["flow"][t]
        joined = {_key(p) for p in parts.index[parts["joined"].astype(str) == t]} if i else set()
        assert joined == {_key(p) for p in flow["joined_here_first_time"]}, f"{study} {t}: joined"
        if i:
            before = {_key(p) for p in parts.index[parts[tps[i - 1]]]}
            returned = (here - before) & seen
            assert returned == {_key(p) for p in flow["returned_after_a_gap"]}, f"{study} {t}: returned"
        seen |= here


def test_pairs_and_scores(field_study, linked):
    study, _out, exp = field_study
    scores = score_study(linked)
    scores["key"] = scores["participant_id"].map(_key)
    for contrast, per_scale in exp["pairs"].items():
        a, b = contrast.split("-")
        for scale, n in per_scale.items():
            s = scores[(scores["scale"] == scale) & scores["score"].notna()]
            both = set(s.loc[s["timepoint"].astype(str) == a, "key"]) & set(s.loc[s["timepoint"].astype(str) == b, "key"])
            assert len(both) == n, f"{study} {contrast} {scale}: {len(both)} pairs, expected {n}"
    table = scores.set_index(["key", "timepoint", "scale"])["score"]
    for case in exp["scores"]:
        got = table.get((_key(case["participant"]), case["timepoint"], case["scale"]), np.nan)
        if case["score"] is None:
            assert math.isnan(got), f"{study}: {case['how']} -> {got}"
        else:
            assert got == pytest.approx(float(case["score"]), abs=1e-9), f"{study}: {case['how']} -> {got}"


def test_analyse_end_to_end(field_study, tmp_path):
    import evaltool

    res = evaltool.analyse(field_study[1], out=tmp_path / "results")
    scores = res["scores"] if hasattr(res, "__getitem__") else res.tables["scores"]
    assert len(scores) > 0 and (tmp_path / "results" / "manifest.json").is_file()


# --- every file of the corpus and the real exports: exit 0, or exit 1 with one line -----------
FILES = sorted(p for p in (FIELD / "corpus").rglob("*") if p.is_file()) + sorted(
    p for p in REAL.rglob("*") if p.is_file() and p.suffix.lower() in (".csv", ".tsv", ".xlsx", ".sav"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_init_never_crashes(path, tmp_path):
    res = CliRunner().invoke(app, ["init", str(path), "--out", str(tmp_path / "study.yaml")])
    assert res.exit_code in (0, 1), res.output
    assert "Traceback" not in res.output and not isinstance(res.exception, Exception) or res.exit_code == 1
    if res.exit_code == 1:
        assert res.output.count("Error:") == 1
    assert isinstance(pd.__version__, str)


@pytest.mark.parametrize("study", STUDIES)
def test_init_uses_the_studys_own_files_when_given(study, tmp_path):
    """Given the studies' own instrument files, init needs no 'replace_instrument' edit."""
    exp = _expected(study)
    own = sorted((FIELD / "instruments").glob("*.yaml"))
    draft = draft_study([(FIELD / study / p).resolve() for p in exp["init_inputs"]] + own,
                        out=tmp_path / "study.yaml")
    used = {Path(i["id"]).name for i in yaml.safe_load(draft.text)["instruments"]}
    wanted = {Path(e["value"]["id"]).name for e in exp.get("draft_edits") or [] if e["op"] == "replace_instrument"}
    assert wanted <= used, (wanted, used)
