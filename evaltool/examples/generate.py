"""Generate the bundled synthetic example study (deterministic).

Run ``python -m evaltool.examples.generate [--out DIR]``. Without ``--out`` the files are
written into the package folder ``evaltool/examples/resilience_study/``. The same seed (and
size) gives the same bytes; no wall-clock dates are used (every date is fixed in 2025).

``--participants N --cohorts K [--waves W] [--free-text-rate R]`` writes the same study scaled
up (for benchmarks, e.g. ``--participants 100000 --cohorts 400 --out DIR``): every proportion
of the example is kept (retention, cohort-size pattern, professions, missing answers, free
text), the planted special cases (preview, duplicate, unfinished response, near-miss codes)
appear once each, and the README describes the scaled study briefly.

The study imitates a published UK evaluation (66 health professionals, a 3.5-hour CBT-informed
group workshop plus a 1:1 coaching call, waves T1-T4, retention 66 -> 62 -> 47 -> 33). All
people, answers and identifying details are invented.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ParameterError
from . import _design as d
from . import _freetext as ft
from . import _phrases as ph
from . import _readme, _writers
from ._simulate import (
    People,
    Response,
    attrition,
    baseline_confidence,
    make_people,
    simulate_items,
    streams,
    wave_times,
)

__all__ = ["DEFAULT_OUT", "Study", "build_study", "main", "normalise_id", "write_study"]

DEFAULT_OUT = Path(__file__).resolve().parent / "resilience_study"

_GROUPS = {
    "brs": d.BRS_ITEMS,
    "cbi": tuple(i.item for i in d.CBI_ITEMS),
    "cc": tuple(i for i, _ in d.CC_ITEMS),
    "rk": tuple(q.item for q in d.QUIZ_ITEMS),
}
_NUMERIC_ITEMS = tuple(i for group in _GROUPS.values() for i in group)
_DURATION = {"T1": (420, 1300), "T2": (300, 900), "T3": (120, 480), "T4": (400, 1100)}
_CITIES = ((53.7965, -1.5478), (53.7938, -1.7564), (53.9590, -1.0815), (53.3811, -1.4701),
           (53.4808, -2.2426), (53.7457, -0.3367), (54.5742, -1.2350))
_IP_BLOCKS = ("192.0.2", "198.51.100", "203.0.113")  # documentation ranges (RFC 5737)
_ID_CHARS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))


@dataclass
class Study:
    """Everything the writers need: people, responses per wave (file order), special cases."""

    people: People
    responses: dict[str, list[Response]]
    special: dict[str, int]
    near_miss: dict[str, tuple[str, str]]  # wave -> (typed id, true id)
    size: d.Size = field(default_factory=d.Size)

    @property
    def cohort_names(self) -> tuple[str, ...]:
        return self.size.cohort_names()


def normalise_id(raw: str) -> str:
    """Strip, upper-case and zero-pad a participant code ("p17 " -> "P017")."""
    s = raw.strip().upper()
    digits = s[1:]
    return f"P{int(digits):03d}" if s.startswith("P") and digits.isdigit() else s


def _answers(wave: str, p: int, people: People, items: dict,
             cohorts: tuple[str, ...] = d.COHORTS) -> dict[str, object]:
    content = d.WAVE_CONTENT[wave]
    out: dict[str, object] = {}
    for group, names in _GROUPS.items():
        if group in content:
            out.update({name: int(items[wave][name][p]) for name in names})
    if "cohort" in content:
        out["cohort"] = cohorts[int(people.cohort[p])]
    if "profession" in content:
        out["profession"] = int(people.profession[p])
    if "attend" in content:
        out["attend"] = (1, 2) if people.call_happened[p] else (1,)
    return out


def _free_text(study_rows: dict[str, list[Response]], people: People,
               rng: np.random.Generator, size: d.Size = d.EXAMPLE_SIZE) -> None:
    seen: set[str] = set()
    p_blank, p_token = size.free_text_blank_rates()
    # the example's answers are all different; a large study runs out of distinct
    # combinations of the templates, so it accepts a repeat after a few tries
    tries = 100 if size.participants <= d.N_PARTICIPANTS else 4
    for question, (wave, _) in d.FREE_TEXT.items():
        rows = [r for r in study_rows[wave] if r.kind == "ok"]
        for r in rows:
            p = int(r.person)  # type: ignore[arg-type]
            empty = ft.blank_or_token(rng, p_blank, p_token)
            if empty is not None:
                r.answers[question] = empty
                continue
            no_call = not people.call_happened[p] and "no_call" in ph.POOLS[question]
            for _ in range(tries):
                if no_call and (question == "fb_coaching" or rng.random() < 0.5):
                    valence = "no_call"
                else:
                    valence = ft.valence_for(question, float(people.cc_gain[p]), rng)
                text = ft.compose(question, valence, int(people.profession[p]), rng)
                if text not in seen:
                    break
            seen.add(text)
            r.answers[question] = text
        answered = [r for r in rows if not ft.is_trivial(str(r.answers[question]))
                    and (question != "fb_coaching" or people.call_happened[int(r.person)])]  # type: ignore[arg-type]
        # at least one blank and one "n/a"-style answer in every free-text column
        if answered and not any(r.answers[question] == "" for r in rows):
            answered.pop(0).answers[question] = ""
        if answered and not any(r.answers[question] in ph.EMPTY_TOKENS for r in rows):
            answered.pop(0).answers[question] = "n/a"
        # planted identifying details, in answers that are kept after cleaning
        n_pii = min(len(ph.PII[question]), len(answered))
        targets = rng.choice(len(answered), size=n_pii, replace=False)
        for t, (_, sentence) in zip(targets, ph.PII[question][:n_pii], strict=True):
            r = answered[int(t)]
            r.answers[question] = ft.add_pii(str(r.answers[question]), sentence, rng)


def _missing(rows: Sequence[Response], rng: np.random.Generator) -> None:
    for r in rows:
        for item in _NUMERIC_ITEMS:
            if item in r.answers and rng.random() < d.ITEM_MISSING_RATE:
                r.answers[item] = None


def _typed_ids(study_rows: dict[str, list[Response]], people: People, near_miss: dict,
               rng: np.random.Generator) -> None:
    for wave, rows in study_rows.items():
        for r in rows:
            if r.kind == "preview":
                continue
            pid = people.pid[int(r.person)]  # type: ignore[arg-type]
            if wave in near_miss and near_miss[wave][1] == pid and r.kind == "ok":
                r.typed_id = near_miss[wave][0]
                continue
            short = f"P{int(pid[1:])}"
            variants = (pid.lower(), pid + " ", " " + pid, short, short.lower(), pid.lower() + " ")
            r.typed_id = str(variants[int(rng.integers(6))]) if rng.random() < 0.14 else pid
            if r.kind == "duplicate_first":
                r.typed_id = pid.lower()


def _metadata(study_rows: dict[str, list[Response]], rng: np.random.Generator) -> None:
    sec = dt.timedelta(seconds=1)
    for wave, rows in study_rows.items():
        lo, hi = _DURATION[wave]
        for r in rows:
            r.response_id = "R_" + "".join(rng.choice(_ID_CHARS, 15))
            if r.duration == 0:
                r.duration = int(rng.integers(lo, hi))
                if rng.random() < 0.03:  # left the tab open
                    r.duration += int(rng.integers(3600, 30000))
            r.end = r.start + r.duration * sec
            if r.recorded is None:
                r.recorded = r.end
            if r.kind != "preview":
                lat, lon = _CITIES[int(rng.integers(len(_CITIES)))]
                r.lat = f"{float(np.float32(lat)):.15g}"
                r.lon = f"{float(np.float32(lon)):.15g}"
                r.ip = f"{_IP_BLOCKS[int(rng.integers(3))]}.{int(rng.integers(1, 255))}"
        rows.sort(key=lambda r: (r.recorded, r.response_id))


def build_study(seed: int = d.SEED, size: d.Size | None = None) -> Study:
    """Simulate the whole study in memory (no files written); ``size`` default: the example."""
    size = size or d.Size()
    cohorts = size.cohort_names()
    rs = streams(seed)
    people = make_people(rs, size)
    items = simulate_items(people, rs["items"], size.cohorts)
    attrition(people, baseline_confidence(items), rs["attrition"], size)
    times = wave_times(people, rs["meta"], size.workshop_dates())

    rows: dict[str, list[Response]] = {}
    for wave in d.WAVES:
        rows[wave] = [Response(wave, p, "ok", _answers(wave, p, people, items, cohorts), start=times[wave][p])
                      for p in np.flatnonzero(people.present[wave]).tolist()]
    _missing([r for wave_rows in rows.values() for r in wave_rows], rs["missing"])

    # special cases: duplicate at T2, unfinished at T3, near-miss ids at T2 and T4
    rng = rs["ids"]
    present = people.present
    idx = np.arange(len(people.pid))
    dup = int(rng.choice(idx[present["T2"]]))
    unfinished = int(rng.choice(idx[present["T2"] & ~present["T3"]]))
    near_a = int(rng.choice(idx[present["T2"] & (idx != dup)]))
    has_one = np.array(["1" in pid[2:] for pid in people.pid])
    near_b = int(rng.choice(idx[present["T4"] & has_one & (idx != near_a)]))
    pid_a, pid_b = people.pid[near_a], people.pid[near_b]
    near_miss = {"T2": ("PO" + pid_a[2:], pid_a), "T4": (pid_b[:2] + pid_b[2:].replace("1", "l", 1), pid_b)}

    # T2 duplicate: a first, less complete submission three hours before the kept one
    second = next(r for r in rows["T2"] if r.person == dup)
    first_answers = dict(second.answers)
    names = [i for i in _NUMERIC_ITEMS if i in first_answers]
    for i in rng.choice(len(names), size=int(0.35 * len(names)), replace=False):
        first_answers[names[int(i)]] = None
    changed = [n for n in names if first_answers[n] is not None][:2]
    for n in changed:
        v = int(first_answers[n])  # type: ignore[call-overload]
        first_answers[n] = v + 1 if v < (10 if n.startswith("cc") else 4) else v - 1
    rows["T2"].append(Response("T2", dup, "duplicate_first", first_answers,
                               start=second.start - dt.timedelta(hours=3)))

    # T3 unfinished: stopped at 40 % (resilience items and two confidence items answered)
    part = _answers("T3", unfinished, people, items, cohorts)
    part = {k: (v if k in d.BRS_ITEMS or k in ("cc_1", "cc_2") else None) for k, v in part.items()}
    part.update({"_complete:confidence_coping": 0, "_complete:coaching_feedback": 0})
    start3 = times["T3"][unfinished]
    rows["T3"].append(Response("T3", unfinished, "unfinished", part, start=start3, progress=40,
                               finished=0, duration=int(rng.integers(120, 200)),
                               recorded=start3 + dt.timedelta(days=7, hours=1)))

    # T1 preview: the survey owner testing the survey before the first workshop
    preview = _answers("T1", 0, people, items, cohorts)
    for k in _NUMERIC_ITEMS:
        if k in preview:
            preview[k] = 0 if k.startswith("cc") and rng.random() < 0.5 else 1
    rows["T1"].append(Response("T1", None, "preview", preview, typed_id="TEST",
                               start=dt.datetime(2025, 1, 20, 16, 2, 41), status=1,
                               channel="preview"))

    _free_text(rows, people, rs["text"], size)
    _typed_ids(rows, people, near_miss, rng)
    _metadata(rows, rs["meta"])
    special = {"duplicate": dup, "unfinished": unfinished, "near_miss_T2": near_a,
               "near_miss_T4": near_b}
    return Study(people, rows, special, near_miss, size)


def write_study(out: Path | str = DEFAULT_OUT, seed: int = d.SEED, size: d.Size | None = None) -> list[Path]:
    """Generate the study and write every file under ``out``; return the paths written.

    Parameters
    ----------
    out
        Folder to write into (created if missing; files in it are replaced).
    seed
        Seed of the simulation; the same seed and size give the same bytes.
    size
        Participants, cohorts, waves and free-text rate (default: the bundled example,
        reproduced byte for byte).

    Returns
    -------
    list of pathlib.Path
        Every file written.
    """
    out = Path(out)
    size = size or d.Size()
    study = build_study(seed, size)
    waves = size.wave_ids
    written: list[Path] = []

    def put(rel: str, text: str, bom: bool = False) -> None:
        path = out / rel
        _writers.write_text(path, text, bom=bom)
        written.append(path)

    for wave in waves:
        put(f"qualtrics/{d.WAVE_FILES[wave]}", _writers.qualtrics_csv(wave, study.responses[wave]), bom=True)

    records = []
    for wave in waves:
        for r in study.responses[wave]:
            if r.kind in ("ok", "unfinished"):
                records.append((study.people.pid[int(r.person)], wave, r))  # type: ignore[arg-type]
    records.sort(key=lambda x: (x[0], d.WAVES.index(x[1])))
    cohorts = study.cohort_names
    put("redcap/resilience_study_redcap.csv",
        _writers.redcap_lines(_writers.redcap_record_rows(records, cohorts)))
    dictionary = _writers.redcap_dictionary(cohorts)
    put("redcap/resilience_study_dictionary.csv", _writers.redcap_lines(
        [list(_writers.DICTIONARY_HEADER)] + [list(r.values()) for r in dictionary]))
    mapping = [["arm_num", "unique_event_name", "form"]] + [
        ["1", d.REDCAP_EVENTS[w], f] for w in waves for f in _writers.REDCAP_DESIGNATION[w]]
    put("redcap/resilience_study_instrument_designation.csv", _writers.redcap_lines(mapping))
    put("answer_key/participants.csv", _readme.participants_csv(study))
    put("answer_key/responses.csv", _readme.responses_csv(study))
    put("README.md", _readme.readme(study, seed) if size.is_example else _readme.scaled_readme(study, seed))
    templates = Path(__file__).parent / "templates"
    for name in ("study.yaml", "study_redcap.yaml"):
        put(name, _readme.study_file((templates / name).read_text(encoding="utf-8"), waves))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evaltool.examples.generate",
        description="Write the synthetic example study (Qualtrics and REDCap exports).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output folder (default: {DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=d.SEED, help=f"seed (default: {d.SEED})")
    parser.add_argument("--participants", type=int, default=d.N_PARTICIPANTS,
                        help=f"people invited; all answer at T1 (default: {d.N_PARTICIPANTS})")
    parser.add_argument("--cohorts", type=int, default=None,
                        help="workshop groups (default: 8 for the example size, else one per ~8 people)")
    parser.add_argument("--waves", type=int, default=len(d.WAVES), choices=range(2, len(d.WAVES) + 1),
                        help=f"waves written, T1 onwards (default: {len(d.WAVES)})")
    parser.add_argument("--free-text-rate", type=float, default=None,
                        help="share of free-text questions answered (default: the example's 0.85)")
    args = parser.parse_args(argv)
    cohorts = args.cohorts
    if cohorts is None:
        cohorts = len(d.COHORTS) if args.participants == d.N_PARTICIPANTS else max(1, args.participants // 8)
    try:
        size = d.Size(args.participants, cohorts, args.waves, args.free_text_rate)
    except ParameterError as exc:
        parser.error(exc.message)
    paths = write_study(args.out, args.seed, size)
    print(f"wrote {len(paths)} files to {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

