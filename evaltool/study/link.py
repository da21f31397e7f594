"""Read a study's exports, link waves by participant, and account for every input row.

``link_study()`` is the explicit, checked step that every evaluation needs and no common tool
does: each export row ends either in the linked data or in the exclusions table with a reason
(rows in = rows kept + rows excluded, always), duplicates are resolved by the study's rule,
near-miss ids are held back rather than counted as new people, and every data problem is
collected in one problems table. Its steps are named functions in ``_waves.py`` (one export,
row by row) and ``_participants.py`` (from rows to participants).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from .._yaml import FileProblem
from ..errors import StudyError
from ..io._lean import release_memory
from . import _lookup as L
from . import _participants as P
from . import _waves as W
from .ids import normalise_ids, pad_widths
from .load import StudyFile, load_study
from .resolve import ResolvedCodebook, StudyInstrument

__all__ = ["LinkedStudy", "link_study", "MATCH_REPORT_COLUMNS", "ITEM_MAP_COLUMNS", "INPUT_COLUMNS",
           "SOURCES_COLUMNS"]

MATCH_REPORT_COLUMNS = ("participant_id", "status", "n_timepoints", "duplicates_removed",
                        "typed_ids", "suggestion")
"""Match report columns (one boolean column per timepoint follows ``status``)."""
ITEM_MAP_COLUMNS = ("source", "instrument", "item", "column", "how", "similarity", "question_text")
INPUT_COLUMNS = ("source", "path", "format", "encoding", "rows", "sha256", "repairs")
SOURCES_COLUMNS = ("kind", "id", "entry", "path", "sha256", "packaged")
"""The instrument and codebook files a study used (one row each), for the run manifest."""


@dataclass(frozen=True)
class LinkedStudy:
    """Everything the linking step produced (all tables are plain DataFrames).

    Attributes
    ----------
    study
        The loaded study file (with its resolved instruments and codebook).
    instruments
        ``{instrument id: StudyInstrument}``: the instruments as this study uses them (the
        study's ``scales``, ``primary``, ``min_answered`` and ``unanswered`` applied), each
        with ``entry`` (the study's reference), ``source`` and ``sha256``. Use these objects
        downstream; never look an instrument up again by its id.
    wide
        One row per kept response (participant × timepoint): ``participant_id``, ``timepoint``
        (ordered categorical), ``source``, ``row``, then one numeric column per item id.
    participants
        One row per participant: ``participant_id``, one boolean column per timepoint, group
        columns, ``n_timepoints``, ``joined`` (first timepoint with a response).
    free_text
        ``response_id, participant_id, timepoint, question, text`` (+ group columns).
    administered
        ``{instrument id: [timepoints]}``: where each instrument was given (the study's
        ``timepoints:``, else wherever one of its items was answered).
    match_report, exclusions, problems, item_map, inputs, sources
        See :data:`MATCH_REPORT_COLUMNS`, :data:`evaltool.columns.EXCLUSION_COLUMNS`,
        :data:`evaltool.columns.PROBLEM_COLUMNS`, :data:`ITEM_MAP_COLUMNS`,
        :data:`INPUT_COLUMNS`, :data:`SOURCES_COLUMNS`.

    Examples
    --------
    >>> from evaltool.examples import example_study_path
    >>> linked = link_study(example_study_path())
    >>> linked.wide.shape, sorted(linked.instruments)
    ((206, 44), ['brs', 'cbi', 'coping_confidence', 'resilience_knowledge'])
    >>> linked.counts["rows_in"], linked.counts["rows_kept"], linked.counts["rows_excluded"]
    (211, 206, 5)
    >>> linked.administered["cbi"]
    ['T1', 'T4']
    """

    study: StudyFile
    instruments: dict[str, StudyInstrument]
    wide: pd.DataFrame
    participants: pd.DataFrame
    free_text: pd.DataFrame
    match_report: pd.DataFrame
    exclusions: pd.DataFrame
    problems: pd.DataFrame
    item_map: pd.DataFrame
    inputs: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)
    administered: dict[str, list[str]] = field(default_factory=dict)

    @property
    def codebook(self) -> Any:
        """The study's codebook (a :class:`~evaltool.qual.Codebook`), resolved once with the
        study file, or None; :attr:`codebook_source` says which file it came from."""
        return self.study.codebook

    @property
    def codebook_source(self) -> ResolvedCodebook | None:
        return self.study.codebook_source

    @property
    def sources(self) -> pd.DataFrame:
        """The instrument and codebook files used: ``kind, id, entry, path, sha256, packaged``."""
        rows = [{"kind": "instrument", "id": i.id, "entry": i.entry, "path": i.source, "sha256": i.sha256,
                 "packaged": i.packaged} for i in self.instruments.values()]
        cb = self.codebook_source
        if cb is not None:
            rows.append({"kind": "codebook", "id": cb.codebook.id, "entry": self.study.spec.analysis.codebook,
                         "path": cb.source, "sha256": cb.sha256, "packaged": cb.packaged})
        return pd.DataFrame(rows, columns=list(SOURCES_COLUMNS))

    @property
    def responses(self) -> pd.DataFrame:
        """Tidy long Responses: ``participant_id, timepoint, instrument, item, value``."""
        frames = []
        for inst in self.instruments.values():
            items = [i.id for i in inst.items if i.id in self.wide.columns]
            if not items:
                continue
            long = self.wide.melt(
                id_vars=[C.PARTICIPANT_ID, C.TIMEPOINT], value_vars=items,
                var_name=C.ITEM, value_name=C.VALUE,
            ).dropna(subset=[C.VALUE])
            long.insert(2, C.INSTRUMENT, inst.id)
            frames.append(long)
        cols = [C.PARTICIPANT_ID, C.TIMEPOINT, C.INSTRUMENT, C.ITEM, C.VALUE]
        if not frames:
            return pd.DataFrame(columns=cols)
        return pd.concat(frames, ignore_index=True)[cols]

    @property
    def has_errors(self) -> bool:
        return bool((self.problems[C.SEVERITY] == "error").any()) if len(self.problems) else False

    def summary(self) -> dict[str, int]:
        """Counts for a one-screen summary (rows in/kept/excluded, participants, problems)."""
        return dict(self.counts)

    def _repr_html_(self) -> str:  # pragma: no cover - display only
        items = "".join(f"<li>{k.replace('_', ' ')}: {v}</li>" for k, v in self.counts.items())
        return f"<div><h4>Linked study: {self.study.name}</h4><ul>{items}</ul></div>"


# ------------------------------------------------------------------------------------------
# before the rows: ids and the columns the study names
# ------------------------------------------------------------------------------------------
def _links(study: StudyFile) -> dict[str, str]:
    """Typed id → true id from ``participant_id.links`` and the linking table (normalised)."""
    spec = study.spec.participant_id
    pairs: list[tuple[pd.Series, pd.Series]] = []
    if spec.links:
        pairs.append((pd.Series(list(spec.links)), pd.Series(list(spec.links.values()))))
    if spec.linking_table:
        from ..io import read_export

        path = study.resolve(spec.linking_table)
        table = read_export(path, format="plain").data
        if not {"export_id", "participant_id"} <= set(table.columns):
            raise StudyError("the linking table needs columns 'export_id' and 'participant_id'.", file=path,
                             field="participant_id.linking_table",
                             fix="name its first row 'export_id,participant_id' (one typed id and its true id per line).")
        pairs.append((table["export_id"], table["participant_id"]))
    out: dict[str, str] = {}
    for typed, true in pairs:
        out.update(zip(normalise_ids(typed, spec), normalise_ids(true, spec), strict=True))
    return {k: v for k, v in out.items() if isinstance(k, str) and isinstance(v, str)}


def _id_column(wave: W.Wave, study: StudyFile) -> FileProblem | None:
    name = wave.spec.id_column or study.spec.participant_id.column
    where = f"exports[{wave.index}].id_column" if wave.spec.id_column else "participant_id.column"
    if name is None:
        return FileProblem(str(study.path), "participant_id.column",
                           "the study does not say which column holds participant ids",
                           f"set participant_id.column ({W.candidates_text(wave)} in {wave.source})")
    col = W.find_column(wave.data, name)
    if col is None:
        return FileProblem(str(wave.path), where, f"the export has no participant-id column '{name}'",
                           f"set {where} to the column holding participant codes ({W.candidates_text(wave)})")
    wave.id_column = col
    return W.ambiguous(wave, col, where)


def _columns_named(waves: list[W.Wave], study: StudyFile) -> list[FileProblem]:
    """Id and timepoint columns, and group columns: present and unambiguous in each export."""
    tps = study.spec.timepoint_ids
    problems: list[FileProblem] = []
    for wave in waves:
        problems += [p for p in (W.assign_timepoints(wave, tps), _id_column(wave, study)) if p is not None]
        for i, g in enumerate(study.spec.groups):
            col = W.find_column(wave.data, g.column)
            amb = W.ambiguous(wave, col, f"groups[{i}].column") if col else None
            problems += [amb] if amb else []
    return problems


def _raise_all(problems: list[FileProblem], study: StudyFile) -> None:
    if not problems:
        return
    unique = list(dict.fromkeys(problems))
    if len(unique) == 1:
        p = unique[0]
        raise StudyError(f"{p.message}.", file=p.file, field=p.field, fix=f"{p.fix}.")
    lines = [f"{len(unique)} problems between the study file and its exports:"]
    lines += [f"  - {Path(p.file).name}, {p.field}: {p.message}. Fix: {p.fix}." for p in unique]
    raise StudyError("\n".join(lines), file=study.path)


# ------------------------------------------------------------------------------------------
# rows of every export
# ------------------------------------------------------------------------------------------
def _rows(waves: list[W.Wave], study: StudyFile) -> list[FileProblem]:
    spec = study.spec
    links = _links(study)
    widths = None
    if spec.participant_id.zero_pad == "auto":
        widths = pad_widths([w.data[w.id_column] for w in waves if w.id_column] + [pd.Series(list(links))],
                            spec.participant_id)
    problems: list[FileProblem] = []
    for wave in waves:
        W.platform_status(wave, study)
        wave.exclude(pd.isna(wave.tp) | ~np.isin(wave.tp, spec.timepoint_ids),
                     "timepoint not in the study" if wave.spec.timepoint_column else "no timepoint")
        W.participant_ids(wave, study, widths, links)
        W.control_problems(wave)
        for inst in study.instruments.values():
            matches, probs = W.match_instrument(wave, inst, spec.timepoint_ids)
            problems += probs
            W.item_values(wave, inst, matches, spec.scoring.out_of_range)
        problems += W.free_text(wave, study)
    return problems


def _frames(waves: list[W.Wave], study: StudyFile, excluded: list[pd.DataFrame],
            problems: list[dict]) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The rows of every wave kept so far (one frame), and the answers: ``{item: values}``,
    the waves' arrays joined end to end (NaN where a wave lacks the item; a row's answers
    are at its ``_pos``). Excluded rows and problems are appended to the lists.

    Each wave's rows as read are released as soon as its frame is built, so at most one wave
    is held twice (as read and as framed) at any moment; answers are held once, each in the
    smallest float type that holds its values exactly (:func:`~._waves.compact`)."""
    from .checks import date_problems

    kept: list[pd.DataFrame] = []
    parts: dict[Any, Any] = {}
    offset = 0
    for k, wave in enumerate(waves):
        frame = W.frame_of(wave, study, W.exclude_empty(wave, study), offset)
        offset += wave.n_rows
        problems += wave.problems + date_problems(wave.data, wave.source, wave.rows, wave.reason)
        for item, v in wave.values.items():
            parts.setdefault(item, {})[k] = v
        wave.release()
        out = frame["_reason"].notna().to_numpy(dtype=bool)
        excluded.append(frame.loc[out, P.EXCLUDED])
        kept.append((frame.loc[~out] if out.any() else frame).drop(columns=["_reason"]))
        del frame
    whole = pd.concat(kept, ignore_index=True)
    kept.clear()
    release_memory()
    values = {}
    for item in list(parts):
        per_wave = parts.pop(item)
        kind = np.result_type(*per_wave.values())  # the answers' compact type (see W.compact)
        values[item] = np.concatenate([per_wave.pop(k) if k in per_wave else np.full(w.n_rows, np.nan, dtype=kind)
                                       for k, w in enumerate(waves)])
    return whole, values


def _straightlining(kept: pd.DataFrame, values: dict[str, np.ndarray], study: StudyFile,
                    problems: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    from .checks import straightlining

    found = straightlining(kept, study.instruments, values=values, take=kept["_pos"].to_numpy())
    for rec in found:
        problems.append(W.problem(rec["source"], rec["row"], None, None, "straight_lining", rec["message"],
                                  "check the response; exclude it if it was not genuine", "warning"))
    if study.spec.exclusions.straightlining != "exclude" or not found:
        return kept, pd.DataFrame(columns=P.EXCLUDED)
    flagged = {(r["source"], r["row"]) for r in found}
    mask = np.array([(s, r) in flagged for s, r in zip(kept[C.SOURCE], kept[C.ROW], strict=True)], dtype=bool)
    return kept.loc[~mask], kept.loc[mask, P.EXCLUDED[:-1]].assign(_reason="straight-lining")


# ------------------------------------------------------------------------------------------
# tidy outputs
# ------------------------------------------------------------------------------------------
def _free_text(kept: pd.DataFrame, parts: pd.DataFrame, study: StudyFile, tp_type: pd.CategoricalDtype) -> pd.DataFrame:
    spec = study.spec
    tcols = [c for c in kept.columns if c.startswith("_t_")]
    if not tcols:
        return pd.DataFrame(columns=[*C.FREE_TEXT_COLUMNS, *(g.name for g in spec.groups)])
    qorder = {f.id: i for i, f in enumerate(spec.free_text)}
    rows, qs = [], []
    for c in tcols:  # per question: the rows with text (what melt, dropna and a blank filter keep)
        text = kept[c]
        blank = text.isna().to_numpy(dtype=bool) | (text.astype(str).str.strip() == "").to_numpy(dtype=bool)
        rows.append(np.flatnonzero(~blank))
        qs.append(c.removeprefix("_t_"))
    take = np.concatenate(rows)
    ft = pd.DataFrame({
        C.PARTICIPANT_ID: kept[C.PARTICIPANT_ID].take(take).array, C.TIMEPOINT: kept[C.TIMEPOINT].take(take).array,
        C.QUESTION: pd.array(np.repeat(np.array(qs, dtype=object), [len(r) for r in rows]), dtype=L.STR),
        C.TEXT: pd.concat([kept[c].take(r) for c, r in zip(tcols, rows, strict=True)], ignore_index=True).array,
        "_q": np.repeat([qorder.get(q, np.nan) for q in qs], [len(r) for r in rows]),
    })
    ft = ft.sort_values([C.TIMEPOINT, "_q", C.PARTICIPANT_ID]).drop(columns="_q")
    ft.insert(0, C.RESPONSE_ID, L.response_ids(len(ft)))  # type: ignore[arg-type]
    ft[C.TIMEPOINT] = ft[C.TIMEPOINT].astype(tp_type)
    _add_groups(ft, parts, study)
    return ft.reset_index(drop=True)


def _wide(kept: pd.DataFrame, values: dict[str, np.ndarray], parts: pd.DataFrame, study: StudyFile) -> pd.DataFrame:
    """Ids, timepoint, source, row, then each item's answers for the kept rows (taken from
    ``values`` one item at a time, each joined array freed once taken), then groups."""
    items = {it for inst in study.instruments.values() for it in inst.item_ids}
    pos = kept["_pos"].to_numpy()
    columns: dict[str, Any] = {c: kept[c].array for c in (C.PARTICIPANT_ID, C.SOURCE, C.ROW)}
    for c in [c for c in values if c in items]:
        columns[c] = values.pop(c).take(pos).astype(np.float64)  # held compact while linking
    values.clear()
    wide = pd.DataFrame(columns, copy=False)
    wide.insert(1, C.TIMEPOINT, kept[C.TIMEPOINT].array)
    _add_groups(wide, parts, study)
    return wide


def _add_groups(frame: pd.DataFrame, parts: pd.DataFrame, study: StudyFile) -> None:
    """Each row's group values (``parts``' columns) by its participant id: one index lookup
    for all groups (what ``ids.map(dict(zip(parts ids, parts[group])))`` gives, without a
    dictionary of every participant per group)."""
    if not study.spec.groups:
        return
    pos = L.positions(frame[C.PARTICIPANT_ID], parts[C.PARTICIPANT_ID])
    missing = pos < 0
    for g in study.spec.groups:
        col = parts[g.name].take(np.where(missing, 0, pos)) if len(parts) else parts[g.name].reindex(pos)
        col = col.set_axis(frame.index)
        frame[g.name] = col.where(~missing) if missing.any() else col


def _administered(wide: pd.DataFrame, study: StudyFile) -> dict[str, list[str]]:
    tps = study.spec.timepoint_ids
    out: dict[str, list[str]] = {}
    for inst in study.instruments.values():
        if inst.administered_at is not None:
            out[inst.id] = [t for t in tps if t in inst.administered_at]
            continue
        answered = np.zeros(len(wide), dtype=bool)
        for item in [i for i in inst.item_ids if i in wide.columns]:  # column by column: no copy of the block
            answered |= pd.notna(wide[item].to_numpy())
        seen = set(wide[C.TIMEPOINT].to_numpy(dtype=object)[answered])
        out[inst.id] = [t for t in tps if t in seen]
    return out


def _counts(n_in: int, n_files: int, wide: pd.DataFrame, excl: pd.DataFrame, parts: pd.DataFrame,
            free_text: pd.DataFrame, prob: pd.DataFrame, tps: list[str]) -> dict[str, int]:
    counts = {
        "exports": n_files, "rows_in": n_in, "rows_kept": len(wide), "rows_excluded": len(excl),
        "participants": len(parts), **{f"participants_at_{t}": int(parts[t].sum()) for t in tps},
        "participants_all_timepoints": int((parts["n_timepoints"] == len(tps)).sum()),
        "free_text_answers": len(free_text),
        "problems_error": int((prob[C.SEVERITY] == "error").sum()),
        "problems_warning": int((prob[C.SEVERITY] == "warning").sum()),
    }
    if counts["rows_in"] != counts["rows_kept"] + counts["rows_excluded"]:  # pragma: no cover
        raise RuntimeError("internal error: rows in != rows kept + rows excluded")
    return counts


def _participants(framed: tuple[pd.DataFrame, dict[str, np.ndarray]], study: StudyFile, problems: list[dict],
                  id_columns: dict[str, str]) -> tuple[Any, ...]:
    """Duplicates, near misses, straight-lining, then the participants and match report.

    ``framed`` is what :func:`_frames` made (rows, answers); returns the kept rows, the
    answers, the participants, the match report and the rows set aside here."""
    tps = study.spec.timepoint_ids
    kept, values = framed
    del framed
    kept, dups = P.resolve_duplicates(kept, study.spec.exclusions.duplicates, problems)
    kept, held_rows, held = P.hold_back_near_misses(kept, study, problems, id_columns)
    kept, straight = _straightlining(kept, values, study, problems)
    order = {t: i for i, t in enumerate(tps)}
    kept = kept.sort_values([C.PARTICIPANT_ID, C.TIMEPOINT, "_file_order"], kind="stable",
                            key=lambda s: s.map(order) if s.name == C.TIMEPOINT else s)
    kept[C.TIMEPOINT] = L.categorical(kept[C.TIMEPOINT], pd.CategoricalDtype(tps, ordered=True))
    parts = P.participants_table(kept, study, problems)
    report = P.match_report(kept, parts, study, dups, held, held_rows, problems)
    return kept, values, parts, report, pd.concat([dups, held_rows, straight], ignore_index=True)


def link_study(study: StudyFile | str | Path, *, progress: Callable[[str], None] | None = None) -> LinkedStudy:
    """Import every export of a study, link waves by participant id, and validate.

    Parameters
    ----------
    study
        A loaded study (:func:`~evaltool.study.load_study`) or the path of ``study.yaml``.
    progress
        Optional callback receiving a short text per step (used for progress bars).

    Returns
    -------
    LinkedStudy
        Linked data, participants, free text, and the match report, exclusions, problems,
        item map and inputs tables. Input files are only read, never modified.

    Raises
    ------
    StudyError
        When the study refers to something the exports do not have (an id, timepoint, item
        or free-text column) or to a column name an export uses twice: every such problem at
        once, each naming the export, the field and the fix.
    InputError
        When an export cannot be read.

    Notes
    -----
    Exclusion order: the platform's test, spam and unfinished rows (the reader's rules, see
    :func:`evaltool.io.flag_status`: Qualtrics ``Status``/``Finished``, REDCap surveys not
    submitted, test ids, responses before the launch date, progress below
    ``exclusions.min_progress``), timepoint values not in the study, missing id, empty rows,
    duplicates (``most_complete`` keeps the row with most answers, ties go to the later row),
    ids held back as near misses of an earlier id. A REDCap form marked Incomplete is kept
    with a warning. Every excluded row is in ``exclusions`` with its reason.

    Examples
    --------
    >>> from evaltool.examples import example_study_path
    >>> linked = link_study(example_study_path())
    >>> linked.counts["rows_in"] == linked.counts["rows_kept"] + linked.counts["rows_excluded"]
    True
    """
    study = study if isinstance(study, StudyFile) else load_study(study)
    say = progress or (lambda _msg: None)
    waves, inputs = W.read_waves(study, say)
    _raise_all(_columns_named(waves, study), study)
    _raise_all(_rows(waves, study), study)
    say("linking participants")
    excluded: list[pd.DataFrame] = []
    problems: list[dict] = []
    # the frames are passed on, never kept in a name here: each step's input is freed as
    # soon as the step has made its output (one copy of the linked rows at a time)
    held = list(_participants(_frames(waves, study, excluded, problems), study, problems,
                              {w.source: w.id_column for w in waves}))
    release_memory()
    excl: pd.DataFrame = pd.concat(excluded + [held.pop()], ignore_index=True).rename(columns={"_reason": C.REASON})
    excluded.clear()
    return _linked(study, waves, inputs, held, excl, problems)


def _linked(study: StudyFile, waves: list[W.Wave], inputs: list[dict], held: list[Any],
            excl: pd.DataFrame, problems: list[dict]) -> LinkedStudy:
    """The last step: the wide table, free text, problems and counts, as one LinkedStudy.

    ``held`` is ``[kept rows, answers, participants, match report]``; the kept rows and the
    answers are taken out of it and freed once the wide table and the free text are made."""
    tps = study.spec.timepoint_ids
    kept, values, parts, report = held
    held.clear()
    free_text = _free_text(kept, parts, study, pd.CategoricalDtype(tps, ordered=True))
    # only these columns go on into the wide table: the raw ids, texts and groups are freed
    # before its answers are widened to float64
    kept = kept[[C.PARTICIPANT_ID, C.TIMEPOINT, C.SOURCE, C.ROW, "_pos"]]
    release_memory()
    wide = _wide(kept, values, parts, study)
    del kept, values
    prob = pd.DataFrame(problems, columns=list(C.PROBLEM_COLUMNS))
    prob[C.ROW] = prob[C.ROW].astype("Int64")
    counts = _counts(sum(w.n_rows for w in waves), len(waves), wide, excl, parts, free_text, prob, tps)
    return LinkedStudy(
        study=study, instruments=dict(study.instruments), wide=wide, participants=parts,
        free_text=free_text, match_report=report.reset_index(drop=True),
        exclusions=excl[list(C.EXCLUSION_COLUMNS)], problems=prob,
        item_map=pd.DataFrame([r for w in waves for r in w.item_map], columns=list(ITEM_MAP_COLUMNS)),
        inputs=pd.DataFrame(inputs, columns=list(INPUT_COLUMNS)), counts=counts,
        administered=_administered(wide, study),
    )
