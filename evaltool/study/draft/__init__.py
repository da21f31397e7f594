"""Draft a ``study.yaml`` from exports: format, ids, timepoints, instruments, groups, free text.

The study is built as data and written with a YAML emitter; every guess is marked
``# guessed`` where it is made and listed again at the end, riskiest first ("check these
guesses first"). Instruments are named only when their items match; other answer blocks are
drafted as the study's own instrument files, next to the study file. The draft is checked
against the study schema before it is returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ...errors import EvaltoolError, InputError
from ._common import Guess, Loaded, one_line
from ._emit import dump, guesses_footer
from ._exports import load_exports, order_waves, wave_labels
from ._instruments import Used, find_instruments
from ._other import choose_ids, find_free_text, find_groups

__all__ = ["StudyDraft", "draft_study"]

_HEADER = [
    "evaltool study file, drafted by 'evaltool init'. Lines marked '# guessed' are guesses:",
    "check them (the riskiest are listed at the end), then run 'evaltool validate' on this file.",
    "Paths are relative to this file.",
]


@dataclass(frozen=True)
class StudyDraft:
    """A drafted study file, the instrument files drafted beside it, and every guess.

    Attributes
    ----------
    text
        The study file (YAML, with ``# guessed`` comments).
    files
        ``{file name: YAML text}``: instrument files of the study's own, to be written next
        to the study file (the study refers to them by these names).
    guesses
        Every guess, riskiest first.
    """

    text: str
    files: dict[str, str] = field(default_factory=dict)
    guesses: list[Guess] = field(default_factory=list)

    def __str__(self) -> str:
        return self.text

    def __contains__(self, part: str) -> bool:
        return part in self.text

    def check_first(self, n: int = 5) -> list[str]:
        """The riskiest guesses, as lines to show the user."""
        return [g.line() for g in self.guesses[:n]]


def _is_bundled_example(paths: Sequence[Path]) -> bool:
    from ..._files import sha256_file
    from ...examples import example_study_dir

    bundled = {sha256_file(p) for p in example_study_dir().rglob("*.csv")}
    return all(sha256_file(p) in bundled for p in paths)


def _exports(waves: list[Loaded], dictionary: str | None, id_default: str | None, long_values: list[str],
             c: dict[tuple, str]) -> list[dict[str, Any]]:
    out = []
    for i, e in enumerate(waves):
        entry: dict[str, Any] = {"file": e.rel, "format": e.info.format}
        c[("exports", i, "format")] = "guessed from the file's layout"
        if e.sheet:
            entry["sheet"] = e.sheet
            c[("exports", i, "sheet")] = "guessed: the sheet holding the responses"
        if dictionary:
            entry["dictionary"] = dictionary
        if long_values:
            entry["timepoint_column"] = e.info.timepoint_column
            entry["timepoint_values"] = {v: f"T{k + 1}" for k, v in enumerate(long_values)}
            c[("exports", i, "timepoint_values")] = "guessed: in the order the values first appear; check the order"
        else:
            entry["timepoint"] = e.timepoints[0]
            c[("exports", i, "timepoint")] = "guessed from the file name / order"
        if e.id_column and e.id_column != id_default:
            entry["id_column"] = e.id_column
            c[("exports", i, "id_column")] = "guessed: this wave's participant codes"
        out.append(entry)
    return out


def _instrument_entries(used: list[Used], waves: list[Loaded], exports: list[dict[str, Any]],
                        c: dict[tuple, str]) -> list[dict[str, Any]]:
    out = []
    def first_seen(u: Used) -> tuple[int, int]:
        i = min(i for i, w in enumerate(waves) if w.rel in u.per_wave)
        cols = waves[i].columns
        return i, min(cols.index(c) for c in u.per_wave[waves[i].rel].values() if c in cols)

    for k, u in enumerate(sorted(used, key=first_seen)):
        entry: dict[str, Any] = {"id": u.entry}
        c[("instruments", k, "id")] = f"guessed ({u.inst.short_name}): {u.why}"
        maps = [u.per_wave[w.rel] for w in waves if w.rel in u.per_wave]
        first = maps[0]
        if any(item != col for item, col in first.items()) or u.draft is not None:
            entry["columns"] = dict(first)
        for i, w in enumerate(waves):
            m = u.per_wave.get(w.rel)
            if m and m != first and "columns" in entry:
                exports[i].setdefault("columns", {}).update({it: col for it, col in m.items() if first.get(it) != col})
                c[("exports", i, "columns")] = "guessed: this wave names the items differently"
        out.append(entry)
    return out


def _long_values(waves: list[Loaded]) -> list[str]:
    if len(waves) != 1 or not waves[0].info.timepoint_column:
        return []
    import pandas as pd

    e = waves[0]
    values = [str(v) for v in pd.unique(e.data[e.info.timepoint_column].dropna().astype(str))]
    e.timepoints = [f"T{k + 1}" for k in range(len(values))]
    return values


def _timepoints(waves: list[Loaded], long_values: list[str]) -> list[dict[str, str]]:
    if long_values:
        labels = [v.removesuffix("_arm_1").replace("_", " ") for v in long_values]
        return [{"id": f"T{k + 1}", "label": one_line(lab, 80).capitalize() or f"T{k + 1}"}
                for k, lab in enumerate(labels)]
    out = []
    for k, (e, label) in enumerate(zip(waves, wave_labels(waves), strict=True)):
        e.timepoints = [f"T{k + 1}"]
        out.append({"id": f"T{k + 1}", "label": one_line(label, 80) or f"T{k + 1}"})
    return out


def _skip(waves: list[Loaded]) -> dict[str, set[str]]:
    out = {}
    for e in waves:
        skip = set(e.info.metadata_columns or ()) | {c for c in (e.id_column, e.info.timepoint_column) if c}
        skip |= {c for c in e.columns if c.startswith(("Points - ", "Feedback - "))}
        skip |= {c for boxes in (e.info.checkbox_groups or {}).values() for c in boxes}  # ticks, not ratings
        out[e.rel] = skip
    return out


def _study_data(waves: list[Loaded], dictionary: str | None, name: str, synthetic: bool,
                c: dict[tuple, str], existing: set[str], own: dict[str, Any]) -> tuple[dict[str, Any], list[Used], list[Guess]]:
    long_values = _long_values(waves)
    tps = _timepoints(waves, long_values)
    id_default, guesses = choose_ids(waves)
    skip = _skip(waves)
    groups = find_groups(waves, skip, by_text=False)
    used, g2 = find_instruments(waves, skip, existing, own)
    for u in used:
        for rel, m in u.per_wave.items():
            skip[rel] |= set(m.values())
    groups += find_groups(waves, skip, by_text=True, found=tuple(g.name for g in groups))
    free = find_free_text(waves, skip)
    data: dict[str, Any] = {"name": name}
    if synthetic:
        data["synthetic"] = True
        c[("synthetic",)] = "these are evaltool's bundled synthetic example exports"
    data["exports"] = _exports(waves, dictionary, id_default, long_values, c)
    data["timepoints"] = tps
    data["participant_id"] = {"column": id_default or "CHANGE_ME"}
    c[("participant_id", "column")] = "guessed: see the list at the end" if id_default else \
        "CHANGE: no column looks like a participant code"
    data["instruments"] = _instrument_entries(used, waves, data["exports"], c)
    data["groups"] = [{"name": g.name, "column": g.column, **({"labels": g.labels} if g.labels else {})}
                      for g in groups]
    for k, g in enumerate(groups):
        c[("groups", k, "column")] = f"guessed from its name or question ({g.n_values} values)"
    data["free_text"] = free
    data["exclusions"] = {"unfinished": "exclude", "preview": "exclude", "duplicates": "most_complete"}
    data["analysis"] = {"baseline": "T1", "correction": "holm", "effect_size": "d_av",
                        "min_cell_size": 5, "codebook": "resilience_training"}
    guesses += g2 + [Guess(2, f"groups: {g.name}", f"column '{one_line(g.column, 60)}' ({g.n_values} values)")
                     for g in groups]
    return data, used, guesses


def _flow(data: dict[str, Any]) -> set[tuple]:
    flow: set[tuple] = {("timepoints", k) for k in range(len(data["timepoints"]))}
    flow |= {("groups", k, "labels") for k in range(len(data["groups"]))}
    flow |= {("free_text", k, "columns") for k in range(len(data["free_text"]))}
    return flow


def _instrument_file(u: Used) -> str:
    assert u.draft is not None
    flow: set[tuple] = {("items", k) for k in range(len(u.draft["items"]))}
    flow |= {("response_sets", n, "labels") for n in u.draft["response_sets"]}
    flow.add(("scales", 0, "items"))
    flow.add(("licence",))
    comments = dict(u.comments)
    for k in range(len(u.draft["items"])):
        note = comments.pop(("items", k, "correct"), None)
        if note:
            comments[("items", k)] = note
    header = ["Drafted by 'evaltool init' from the export's columns: the study's own questionnaire.",
              "Check every line marked '# guessed' (and CHANGE), then run 'evaltool instruments check' on it."]
    return dump(u.draft, comments, flow, header)


def _own_instruments(paths: Sequence[Path], base: Path) -> dict[str, Any]:
    """The user's instrument files, by the path the study will use for them."""
    from ...instruments import load_instrument
    from ._exports import _rel

    out = {}
    for p in paths:
        try:
            out[_rel(p, base)] = load_instrument(p)
        except EvaltoolError as exc:
            where = f"field '{exc.field}': " if exc.field else ""
            raise InputError(f"is a YAML file but not a valid instrument file ({where}{exc.message.rstrip('.')}).",
                             file=p, fix=f"run 'evaltool instruments check {p}' to list its problems, or "
                                         "leave it out of 'evaltool init'.") from None
    return out


def draft_study(exports: Sequence[str | Path], *, out: str | Path | None = None, name: str | None = None,
                instruments: Sequence[str | Path] = ()) -> StudyDraft:
    """Draft a study file from survey exports; every guess is marked and listed.

    Parameters
    ----------
    exports
        One export per wave (ordered by the timepoint words or numbers in their names, or
        the dates of the responses), or a single long export with a timepoint column
        (REDCap ``redcap_event_name``); a REDCap data dictionary may be among them.
    out
        Where the study file will be written: paths in the draft are relative to its folder,
        and drafted instrument files go beside it.
    name
        Study name (default: from the folder name).
    instruments
        The study's own instrument files (YAML). They are matched first, by item ids,
        wording or structure; YAML files among ``exports`` are taken as instrument files too.

    Returns
    -------
    StudyDraft
        ``text`` (the study file, valid against the study schema), ``files`` (drafted
        instrument files of the study's own) and ``guesses`` (riskiest first).

    Raises
    ------
    InputError
        When an export cannot be read unambiguously (a workbook whose data sheet cannot be
        decided, duplicate headers are only refused when the study uses them).

    Examples
    --------
    >>> from evaltool.examples import example_study_dir
    >>> d = example_study_dir() / "qualtrics"
    >>> draft = draft_study(sorted(d.glob("T*.csv")), out=d.parent / "draft.yaml")
    >>> "id: brs" in draft.text and "timepoint: T4" in draft.text
    True
    """
    from ..model import Study

    base = Path(out).resolve().parent if out is not None else Path.cwd()
    yamls = [Path(p) for p in exports if Path(p).suffix.lower() in (".yaml", ".yml")]
    own = _own_instruments([*yamls, *map(Path, instruments)], base)
    exports = [p for p in exports if Path(p).suffix.lower() not in (".yaml", ".yml")]
    loaded, dictionary, guesses = load_exports(exports, base)
    waves, g_order = order_waves(loaded)
    study_name = name or (base.name.replace("_", " ").replace("-", " ").strip() or "My evaluation")
    from ._exports import _rel

    c: dict[tuple, str] = {}
    data, used, g_study = _study_data(waves, _rel(dictionary, base) if dictionary else None, study_name,
                                      _is_bundled_example([w.path for w in waves]), c,
                                      {p.stem for p in base.glob("*.y*ml")} if base.is_dir() else set(), own)
    all_guesses = sorted(guesses + g_order + g_study, key=lambda g: -g.risk)
    text = dump(data, c, _flow(data), _HEADER, guesses_footer(guesses + g_order + g_study))
    Study.model_validate(yaml.safe_load(text))  # the draft must be a valid study file
    files = {u.entry: _instrument_file(u) for u in used if u.draft is not None}
    return StudyDraft(text, files, all_guesses)
