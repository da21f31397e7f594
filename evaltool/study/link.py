"""Read a study's exports, link waves by participant, and account for every input row.

``link_study()`` is the explicit, checked step that every evaluation needs and no common tool
does: each export row ends either in the linked data or in the exclusions table with a reason
(rows in = rows kept + rows excluded, always), duplicates are resolved by the study's rule,
near-miss ids are *suggested*, and every data problem is collected in one problems table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from .. import columns as C
from .._files import sha256_file
from ..errors import StudyError
from ..instruments import Instrument
from ..scoring.answers import coerce_answers
from .checks import date_problems, straightlining
from .columns_map import match_items
from .ids import near_misses, normalise_ids
from .load import StudyFile, load_study

if TYPE_CHECKING:
    from ..io import Export, ExportFormat
    from .model import InstrumentSpec

__all__ = ["LinkedStudy", "link_study", "MATCH_REPORT_COLUMNS", "ITEM_MAP_COLUMNS", "INPUT_COLUMNS"]

MATCH_REPORT_COLUMNS_FIXED = ("participant_id", "status", "n_timepoints", "duplicates_removed",
                              "typed_ids", "suggestion")
ITEM_MAP_COLUMNS = ("source", "instrument", "item", "column", "how", "similarity", "question_text")
INPUT_COLUMNS = ("source", "path", "format", "encoding", "rows", "sha256", "repairs")
MATCH_REPORT_COLUMNS = MATCH_REPORT_COLUMNS_FIXED  # timepoint columns are inserted after id



@dataclass(frozen=True)
class LinkedStudy:
    """Everything the linking step produced (all tables are plain DataFrames).

    Attributes
    ----------
    study
        The loaded study file.
    instruments
        ``{instrument id: Instrument}`` as used.
    wide
        One row per kept response (participant × timepoint): ``participant_id``, ``timepoint``
        (ordered categorical), ``source``, ``row``, then one numeric column per item id.
    participants
        One row per participant: ``participant_id``, group columns, one boolean column per
        timepoint, ``n_timepoints``.
    free_text
        ``response_id, participant_id, timepoint, question, text`` (+ group columns).
    match_report, exclusions, problems, item_map, inputs
        See :data:`MATCH_REPORT_COLUMNS`, :data:`evaltool.columns.EXCLUSION_COLUMNS`,
        :data:`evaltool.columns.PROBLEM_COLUMNS`, :data:`ITEM_MAP_COLUMNS`,
        :data:`INPUT_COLUMNS`.

    Examples
    --------
    >>> from evaltool.examples import example_study_path
    >>> linked = link_study(example_study_path())
    >>> linked.wide.shape, sorted(linked.instruments)
    ((208, 44), ['brs', 'cbi', 'coping_confidence', 'resilience_knowledge'])
    >>> linked.counts["rows_in"], linked.counts["rows_kept"], linked.counts["rows_excluded"]
    (211, 208, 3)
    """

    study: StudyFile
    instruments: dict[str, Instrument]
    wide: pd.DataFrame
    participants: pd.DataFrame
    free_text: pd.DataFrame
    match_report: pd.DataFrame
    exclusions: pd.DataFrame
    problems: pd.DataFrame
    item_map: pd.DataFrame
    inputs: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)

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




def _problem(source: object, row: object, column: object, value: object, rule: str, message: str,
             fix: str, severity: str = "error") -> dict:
    return {C.SOURCE: source, C.ROW: row, C.COLUMN: column, C.VALUE: value, C.RULE: rule,
            C.MESSAGE: message, C.FIX: fix, C.SEVERITY: severity}


def _column(data: pd.DataFrame, name: str) -> str | None:
    if name in data.columns:
        return name
    low = {str(c).casefold(): c for c in data.columns}
    return low.get(name.casefold())


def _redcap_incomplete(data: pd.DataFrame) -> np.ndarray:
    """Rows with a REDCap form that holds answers but is marked Incomplete (``<form>_complete`` 0).

    REDCap exports each form's fields followed by its ``<form>_complete`` column, so the fields
    of a form are the columns since the previous ``_complete`` column. A form with no answers
    also shows 0 (it was not used at that event) and does not count.
    """
    out = np.zeros(len(data), dtype=bool)
    fields: list[str] = []
    for col in data.columns:
        name = str(col)
        if name in (C.ROW, "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance"):
            continue
        if not name.endswith("_complete"):
            fields.append(name)
            continue
        if fields:
            block = data[fields].astype("string").apply(lambda s: s.str.strip())
            has_data = (block.notna() & (block != "")).any(axis=1).to_numpy(dtype=bool)
            status = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            out |= has_data & (status == 0)
        fields = []
    return out


def _read(study: StudyFile, spec_idx: int, rel: str) -> tuple[str, Path, Export]:
    from ..io import read_export

    spec = study.spec.exports[spec_idx]
    path = study.resolve(rel)
    # the study file's format is free text: read_export checks it (ParameterError if unknown)
    fmt = cast("ExportFormat | None", spec.format or None)
    exp = read_export(path, format=fmt, encoding=spec.encoding or None, sheet=spec.sheet or None,
                      dictionary=study.resolve(spec.dictionary) if spec.dictionary else None)
    return rel, path, exp


def link_study(
    study: StudyFile | str | Path,
    *,
    progress: Callable[[str], None] | None = None,
) -> LinkedStudy:
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
        When the study refers to something the exports do not have (a file, an id column,
        an item column): the message names the export, the column and the fix.
    InputError
        When an export cannot be read.

    Notes
    -----
    Exclusion order: preview/test/spam rows (Qualtrics ``Status``), unfinished (``Finished``
    false or ``Progress`` below ``exclusions.min_progress``), timepoint values not in the study,
    missing id, empty rows (no answer to any mapped item or free-text question), duplicates
    (participant × timepoint; ``most_complete`` keeps the row with most answers, ties go to the
    later row). Every excluded row is in ``exclusions`` with its reason.

    Examples
    --------
    >>> from evaltool.examples import example_study_path
    >>> linked = link_study(example_study_path())
    >>> linked.counts["rows_in"] == linked.counts["rows_kept"] + linked.counts["rows_excluded"]
    True
    """
    if not isinstance(study, StudyFile):
        study = load_study(study)
    spec = study.spec
    say = progress or (lambda _msg: None)
    tps = spec.timepoint_ids
    tp_type = pd.CategoricalDtype(tps, ordered=True)

    instruments: dict[str, Instrument] = dict(study.instruments)
    used: list[tuple[InstrumentSpec, Instrument]] = [
        (spec.instruments[inst.index], inst) for inst in study.instruments.values()]
    owner = {it: inst.id for inst in instruments.values() for it in inst.item_ids}

    linking: dict[str, str] | None = None
    if spec.participant_id.linking_table:
        lt_path = study.resolve(spec.participant_id.linking_table)
        from ..io import read_export

        lt = read_export(lt_path, format="plain").data
        need = {"export_id", "participant_id"}
        if not need <= set(lt.columns):
            raise StudyError("the linking table needs columns 'export_id' and 'participant_id'.",
                             file=lt_path, fix=f"rename its columns; it has {list(lt.columns)}.")
        export_ids = normalise_ids(lt["export_id"], spec.participant_id)
        study_ids = normalise_ids(lt["participant_id"], spec.participant_id)
        linking = dict(zip(export_ids, study_ids, strict=True))

    problems: list[dict] = []
    excl_frames: list[pd.DataFrame] = []
    kept_frames: list[pd.DataFrame] = []
    item_map_rows: list[dict] = []
    input_rows: list[dict] = []
    rows_in = 0

    for ei, espec in enumerate(spec.exports):
        for rel in espec.paths:
            say(f"reading {rel}")
            source, path, exp = _read(study, ei, rel)
            data = exp.data
            info = exp.info
            n = len(data)
            rows_in += n
            input_rows.append({
                "source": source, "path": str(path), "format": info.format,
                "encoding": info.encoding, "rows": n, "sha256": sha256_file(path),
                "repairs": "; ".join(getattr(info, "repairs", []) or []),
            })
            rownum = data[C.ROW].to_numpy() if C.ROW in data.columns else np.arange(2, n + 2)
            reason = np.full(n, None, dtype=object)

            def exclude(mask: np.ndarray, why: str, reason: np.ndarray = reason) -> None:
                sel = mask & pd.isna(reason)
                reason[sel] = why

            # --- timepoint of each row -------------------------------------------------
            if espec.timepoint is not None:
                tp = pd.Series([espec.timepoint] * n, dtype=object)
            else:
                col = _column(data, espec.timepoint_column or "")
                if col is None:
                    raise StudyError(
                        f"export has no timepoint column '{espec.timepoint_column}'.", file=path,
                        fix=f"set exports[{ei}].timepoint_column to one of {list(data.columns)[:15]}.",
                    )
                raw_tp = data[col].astype("string").str.strip()
                mapping = espec.timepoint_values or {t: t for t in tps}
                tp = raw_tp.map(mapping).astype(object)
            # --- platform exclusions (the reader's status rules; REDCap forms handled below) ---
            from ..io import flag_status

            flags = flag_status(exp)
            fmt = str(info.format)
            pos = pd.Series(np.arange(n), index=rownum)
            for kind, why, setting in (("test", "preview or test response", spec.exclusions.preview),
                                       ("spam", "spam response", spec.exclusions.preview),
                                       ("incomplete", "unfinished response", spec.exclusions.unfinished)):
                if setting != "exclude" or (kind == "incomplete" and fmt == "redcap"):
                    continue
                f = flags[flags["kind"] == kind]
                if len(f):
                    mask = np.zeros(n, dtype=bool)
                    mask[pos.reindex(f[C.ROW]).dropna().to_numpy(dtype=int)] = True
                    exclude(mask, f"{why} (Qualtrics {f[C.COLUMN].iloc[0]})" if fmt.startswith("qualtrics") else why)
            if fmt.startswith("qualtrics"):
                prog = _column(data, "Progress")
                if prog is not None and spec.exclusions.min_progress is not None:
                    pv = pd.to_numeric(data[prog], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
                    exclude(pv < spec.exclusions.min_progress,
                            f"progress below {spec.exclusions.min_progress:g}%")
            if fmt == "redcap" and spec.exclusions.unfinished == "exclude":
                exclude(_redcap_incomplete(data), "unfinished response (a REDCap form with answers is marked Incomplete)")
            exclude(pd.isna(tp.to_numpy(dtype=object)) | ~tp.isin(tps).to_numpy(dtype=bool),
                    "timepoint not in the study" if espec.timepoint_column else "no timepoint")
            # --- participant ids -----------------------------------------------------------
            id_name = espec.id_column or spec.participant_id.column
            if id_name is None:
                raise StudyError(
                    "the study does not say which column holds participant ids.", file=study.path,
                    field="participant_id.column",
                    fix=f"set participant_id.column (candidates in {source}: "
                        f"{getattr(info, 'id_column_candidates', [])[:5]}).",
                )
            idcol = _column(data, id_name)
            if idcol is None:
                raise StudyError(
                    f"export has no participant-id column '{id_name}'.", file=path,
                    fix=f"set exports[{ei}].id_column to the right column; candidates: "
                        f"{getattr(info, 'id_column_candidates', [])[:5] or list(data.columns)[:10]}.",
                )
            pid = normalise_ids(data[idcol], spec.participant_id)
            if linking is not None:
                pid = pid.map(lambda x: linking.get(x, x) if isinstance(x, str) else x)
            exclude(pd.isna(pid.to_numpy(dtype=object)), "no participant id")
            # --- items -----------------------------------------------------------------------
            cols = [str(c) for c in data.columns]
            qtext = dict(getattr(info, "question_text", {}) or {})
            values: dict[str, np.ndarray] = {}
            tp_arr = tp.to_numpy(dtype=object)
            for ins, inst in used:
                explicit = dict(ins.columns) if isinstance(ins.columns, dict) else {}
                explicit.update({k: v for k, v in espec.columns.items() if k in inst.item_ids})
                matches, missing = match_items(inst, cols, qtext, explicit, auto=ins.columns == "auto")
                present_tps = set(ins.timepoints or tps)
                here = {t for t in set(tp_arr) if isinstance(t, str)} & present_tps
                if not matches:
                    expected_here = ins.timepoints is not None and here and espec.timepoint is not None
                    if expected_here:
                        raise StudyError(
                            f"export has none of the {inst.short_name} items, but the study says it "
                            f"was given at {sorted(here)}.", file=path,
                            fix=f"map the columns under instruments[{inst.id}].columns or exports[{ei}].columns.",
                        )
                    continue
                if missing and explicit and any(m in explicit for m in missing):
                    bad = [explicit[m] for m in missing if m in explicit]
                    raise StudyError(
                        f"export has no column(s) {bad} mapped to {inst.short_name} items.", file=path,
                        fix=f"check the column names; the export has {cols[:20]}{' ...' if len(cols) > 20 else ''}.",
                    )
                scored_missing = [m for m in missing if any(m in s.items for s in inst.scales)]
                if scored_missing:
                    problems.append(_problem(
                        source, None, None, None, "missing_items",
                        f"{inst.short_name}: {len(matches)} of {len(matches) + len(scored_missing)} items "
                        f"found; no column for {scored_missing}",
                        f"map them in the study file (instruments[{inst.id}].columns), or check the export",
                    ))
                for m in matches:
                    item_map_rows.append({
                        "source": source, "instrument": inst.id, "item": m["item"], "column": m["column"],
                        "how": m["how"], "similarity": m["similarity"], "question_text": qtext.get(m["column"], ""),
                    })
                    rs = inst.response_sets[inst.item(m["item"]).response_set]
                    vals, nonnum, outset = coerce_answers(data[m["column"]], rs)
                    for mask, check, what in ((nonnum, "not_numeric", "is not a number or a known answer label"),
                                              (outset, "out_of_range", f"is outside {rs.min:g}..{rs.max:g}")):
                        for i in np.flatnonzero(mask & pd.isna(reason)):
                            problems.append(_problem(
                                source, int(rownum[i]), m["column"], str(data[m["column"]].iloc[i]), check,
                                f"{inst.short_name} item '{m['item']}' {what}",
                                "correct the answer in a copy of the export (or blank it) and re-run",
                            ))
                    if ins.timepoints is not None:
                        vals = np.where(np.isin(tp_arr, list(ins.timepoints)), vals, np.nan)
                    values[m["item"]] = vals
            # --- free text -----------------------------------------------------------------------
            texts: dict[str, pd.Series] = {}
            for fspec in spec.free_text:
                colname = fspec.column
                if fspec.columns is not None:
                    cands = [fspec.columns[t] for t in set(tp_arr) if isinstance(t, str) and t in fspec.columns]
                    colname = cands[0] if cands else None
                if colname is None:
                    continue
                c = _column(data, colname)
                if c is None:
                    if fspec.columns is not None and espec.timepoint is not None:
                        raise StudyError(
                            f"export has no free-text column '{colname}' (free_text '{fspec.id}').", file=path,
                            fix="correct free_text[].columns in the study file.",
                        )
                    continue
                texts[fspec.id] = data[c].astype("string")
            # --- empty rows -------------------------------------------------------------------
            answered = np.zeros(n, dtype="int32")
            for v in values.values():
                answered += ~np.isnan(v)
            has_text = np.zeros(n, dtype=bool)
            for s in texts.values():
                has_text |= (s.str.strip().fillna("") != "").to_numpy(dtype=bool)
            if spec.exclusions.empty == "exclude":
                exclude((answered == 0) & ~has_text, "empty response (no answers)")
            # --- assemble rows ------------------------------------------------------------------
            frame = pd.DataFrame({
                C.SOURCE: source, C.ROW: rownum, "_raw_id": data[idcol].astype("string").to_numpy(),
                C.PARTICIPANT_ID: pid.to_numpy(dtype=object), C.TIMEPOINT: tp_arr,
                "_answered": answered, "_order": np.arange(n), "_reason": reason,
            })
            for k, v in values.items():
                frame[k] = v
            for g in spec.groups:
                gc = _column(data, g.column)
                if gc is not None:
                    gv = data[gc].astype("string").str.strip()
                    labels = g.labels or {str(k).removesuffix(".0"): v for k, v in
                                          (getattr(info, "value_labels", {}) or {}).get(gc, {}).items()}
                    if labels:
                        gv = gv.map(lambda x, lab=labels: lab.get(str(x).removesuffix(".0"), x) if pd.notna(x) else x)
                    frame["_g_" + g.name] = gv.to_numpy(dtype=object)
            for k, s in texts.items():
                frame["_t_" + k] = s.to_numpy(dtype=object)
            excl_frames.append(frame.loc[frame["_reason"].notna(), [C.SOURCE, C.ROW, C.PARTICIPANT_ID, C.TIMEPOINT, "_reason"]])
            kept_frames.append(frame.loc[frame["_reason"].isna()].drop(columns=["_reason"]))
            problems += date_problems(data, source, rownum, reason)

    say("linking participants")
    kept = pd.concat(kept_frames, ignore_index=True) if kept_frames else pd.DataFrame()
    # --- duplicates -----------------------------------------------------------------------------
    rule = spec.exclusions.duplicates
    kept["_file_order"] = np.arange(len(kept))
    dup_mask = kept.duplicated([C.PARTICIPANT_ID, C.TIMEPOINT], keep=False)
    dups_removed = pd.DataFrame(columns=[C.SOURCE, C.ROW, C.PARTICIPANT_ID, C.TIMEPOINT, "_reason"])
    if dup_mask.any():
        if rule == "error":
            d = kept[dup_mask]
            recs = [_problem(r[C.SOURCE], int(r[C.ROW]), None, None, "duplicate",
                             f"participant has {int(c)} responses at {r[C.TIMEPOINT]}",
                             "remove the extra submission, or choose exclusions.duplicates: first/last/most_complete")
                    for (_, r), c in zip(d.iterrows(), d.groupby([C.PARTICIPANT_ID, C.TIMEPOINT])[C.ROW].transform("size"), strict=True)]
            problems += recs
        else:
            if rule == "first":
                order = kept.sort_values("_file_order")
            elif rule == "last":
                order = kept.sort_values("_file_order", ascending=False)
            else:
                order = kept.sort_values(["_answered", "_file_order"], ascending=[False, False])
            keep_idx = order.drop_duplicates([C.PARTICIPANT_ID, C.TIMEPOINT], keep="first").index
            drop = kept.index.difference(keep_idx)
            why = {"first": "duplicate (kept the first response)", "last": "duplicate (kept the last response)",
                   "most_complete": "duplicate (kept the most complete response)"}[rule]
            dups_removed = kept.loc[drop, [C.SOURCE, C.ROW, C.PARTICIPANT_ID, C.TIMEPOINT]].assign(_reason=why)
            kept = kept.loc[kept.index.isin(keep_idx)]
    excl = pd.concat(excl_frames + [dups_removed], ignore_index=True)
    excl = excl.rename(columns={"_reason": C.REASON})[list(C.EXCLUSION_COLUMNS)]
    kept = kept.sort_values([C.PARTICIPANT_ID, C.TIMEPOINT, "_file_order"], kind="stable",
                            key=lambda s: s.map({t: i for i, t in enumerate(tps)}) if s.name == C.TIMEPOINT else s)

    # --- straight-lining ----------------------------------------------------------------------
    sl = straightlining(kept, instruments)
    for rec in sl:
        problems.append(_problem(rec["source"], rec["row"], None, None, "straight_lining",
                                 rec["message"], "check the response; exclude it if it was not genuine",
                                 severity="warning"))
    if spec.exclusions.straightlining == "exclude" and sl:
        flagged = {(r["source"], r["row"]) for r in sl}
        sl_mask = np.array([(s, r) in flagged for s, r in zip(kept[C.SOURCE], kept[C.ROW], strict=True)], dtype=bool)
        extra = kept.loc[sl_mask, [C.SOURCE, C.ROW, C.PARTICIPANT_ID, C.TIMEPOINT]].assign(reason="straight-lining")
        excl = pd.concat([excl, extra], ignore_index=True)
        kept = kept.loc[~sl_mask]

    # --- participants & match report ------------------------------------------------------------
    kept[C.TIMEPOINT] = kept[C.TIMEPOINT].astype(tp_type)
    pid_codes, pid_uniques = pd.factorize(kept[C.PARTICIPANT_ID], sort=True)
    mat = np.zeros((len(pid_uniques), len(tps)), dtype=bool)
    mat[pid_codes, kept[C.TIMEPOINT].cat.codes.to_numpy()] = True
    present = pd.DataFrame(mat, columns=tps, index=pd.Index(pid_uniques, name=C.PARTICIPANT_ID))
    participants = present.reset_index().rename_axis(columns=None)
    for g in spec.groups:
        gcol = "_g_" + g.name
        if gcol not in kept.columns:
            participants[g.name] = pd.NA
            continue
        gk = kept[[C.PARTICIPANT_ID, C.TIMEPOINT, gcol, C.SOURCE, C.ROW]].dropna(subset=[gcol])
        if g.timepoint is not None:
            gk = gk[gk[C.TIMEPOINT] == g.timepoint]
        first = gk.sort_values(C.TIMEPOINT).drop_duplicates(C.PARTICIPANT_ID)
        participants[g.name] = participants[C.PARTICIPANT_ID].map(dict(zip(first[C.PARTICIPANT_ID], first[gcol], strict=True)))
        nun = gk.groupby(C.PARTICIPANT_ID)[gcol].nunique()
        conflicted = gk[gk[C.PARTICIPANT_ID].isin(nun[nun > 1].index)].drop_duplicates(C.PARTICIPANT_ID, keep="last")
        for src, rw in zip(conflicted[C.SOURCE], conflicted[C.ROW], strict=True):
            problems.append(_problem(src, int(rw), g.column, None, "group_conflict",
                                     f"a participant has different '{g.name}' values at different waves "
                                     f"(the first wave's value is used)",
                                     "correct the group value in the export or the linking table", "warning"))
    participants["n_timepoints"] = present.sum(axis=1).to_numpy()
    typed = pd.DataFrame({C.PARTICIPANT_ID: kept[C.PARTICIPANT_ID].to_numpy(),
                          "raw": kept["_raw_id"].astype("string").str.strip().to_numpy()}).drop_duplicates()
    multi = typed.duplicated(C.PARTICIPANT_ID, keep=False).to_numpy()
    raw_ids = pd.Series(typed.loc[~multi, "raw"].to_numpy(), index=typed.loc[~multi, C.PARTICIPANT_ID].to_numpy())
    if multi.any():  # few participants typed their code in more than one way
        joined = typed[multi].sort_values("raw").groupby(C.PARTICIPANT_ID)["raw"].agg(", ".join)
        raw_ids = pd.concat([raw_ids, joined])
    dup_counts = dups_removed.groupby(C.PARTICIPANT_ID).size() if len(dups_removed) else pd.Series(dtype=int)
    base = spec.baseline
    with_base = set(participants.loc[participants[base], C.PARTICIPANT_ID]) if base in participants else set()
    no_base = [p for p in participants[C.PARTICIPANT_ID] if p not in with_base]
    sugg = near_misses(no_base, with_base)
    mr = participants[[C.PARTICIPANT_ID] + tps].copy()
    mr["n_timepoints"] = participants["n_timepoints"]
    mr["status"] = np.select(
        [mr["n_timepoints"] == len(tps), ~mr[C.PARTICIPANT_ID].isin(with_base), mr["n_timepoints"] == 1],
        ["all timepoints", f"no {base} (unmatched)", f"{base} only"], default="some timepoints",
    )
    mr["duplicates_removed"] = mr[C.PARTICIPANT_ID].map(dup_counts).fillna(0).astype(int)
    mr["typed_ids"] = mr[C.PARTICIPANT_ID].map(raw_ids)
    mr["suggestion"] = mr[C.PARTICIPANT_ID].map(lambda p: ("may be " + " or ".join(sugg[p])) if p in sugg else "")
    first_row = kept.drop_duplicates(C.PARTICIPANT_ID).set_index(C.PARTICIPANT_ID)[[C.SOURCE, C.ROW]]
    for p_id, cands in sugg.items():
        src, rw = first_row[C.SOURCE].loc[p_id], int(first_row[C.ROW].loc[p_id])
        problems.append(_problem(src, rw, spec.participant_id.column, f"{p_id} → {' or '.join(cands)}", "near_miss_id",
                                 f"an id found only after {base} is close to {len(cands)} baseline id(s); not merged",
                                 "if it is the same person, add the pair to a linking table "
                                 "(participant_id.linking_table) or correct the id", "warning"))
    unmatched_plain = [p for p in no_base if p not in sugg]
    if unmatched_plain:
        problems.append(_problem(None, None, None, None, "no_baseline",
                                 f"{len(unmatched_plain)} participant(s) have no {base} response and no close baseline id",
                                 "check the ids in the match report; they are kept for the timepoints they have",
                                 "warning"))
    match_report = mr[[C.PARTICIPANT_ID, "status", *tps, "n_timepoints", "duplicates_removed", "typed_ids", "suggestion"]]

    # --- tidy outputs -----------------------------------------------------------------------------
    item_cols = [c for c in kept.columns if c in owner]
    wide = kept[[C.PARTICIPANT_ID, C.TIMEPOINT, C.SOURCE, C.ROW, *item_cols]].reset_index(drop=True)
    for g in spec.groups:
        wide[g.name] = wide[C.PARTICIPANT_ID].map(dict(zip(participants[C.PARTICIPANT_ID], participants[g.name], strict=True)))
    tcols = [c for c in kept.columns if c.startswith("_t_")]
    if tcols:
        ft = kept.melt(id_vars=[C.PARTICIPANT_ID, C.TIMEPOINT], value_vars=tcols,
                       var_name=C.QUESTION, value_name=C.TEXT)
        ft[C.QUESTION] = ft[C.QUESTION].str.removeprefix("_t_")
        ft = ft.dropna(subset=[C.TEXT])
        ft = ft[ft[C.TEXT].astype(str).str.strip() != ""]
        qorder = {f.id: i for i, f in enumerate(spec.free_text)}
        ft = ft.assign(_q=ft[C.QUESTION].map(qorder)).sort_values([C.TIMEPOINT, "_q", C.PARTICIPANT_ID]).drop(columns="_q")
        ft.insert(0, C.RESPONSE_ID, [f"R{i:05d}" for i in range(1, len(ft) + 1)])
        ft[C.TIMEPOINT] = ft[C.TIMEPOINT].astype(tp_type)
        for g in spec.groups:
            ft[g.name] = ft[C.PARTICIPANT_ID].map(dict(zip(participants[C.PARTICIPANT_ID], participants[g.name], strict=True)))
        free_text = ft.reset_index(drop=True)
    else:
        free_text = pd.DataFrame(columns=[*C.FREE_TEXT_COLUMNS, *(g.name for g in spec.groups)])
    prob = pd.DataFrame(problems, columns=list(C.PROBLEM_COLUMNS))
    prob[C.ROW] = prob[C.ROW].astype("Int64")
    counts = {
        "exports": len(input_rows),
        "rows_in": rows_in,
        "rows_kept": len(wide),
        "rows_excluded": len(excl),
        "participants": len(participants),
        **{f"participants_at_{t}": int(participants[t].sum()) for t in tps},
        "participants_all_timepoints": int((participants["n_timepoints"] == len(tps)).sum()),
        "free_text_answers": len(free_text),
        "problems_error": int((prob[C.SEVERITY] == "error").sum()),
        "problems_warning": int((prob[C.SEVERITY] == "warning").sum()),
    }
    if counts["rows_in"] != counts["rows_kept"] + counts["rows_excluded"]:  # pragma: no cover
        raise RuntimeError("internal error: rows in != rows kept + rows excluded")
    return LinkedStudy(
        study=study, instruments=instruments, wide=wide, participants=participants,
        free_text=free_text, match_report=match_report.reset_index(drop=True), exclusions=excl,
        problems=prob, item_map=pd.DataFrame(item_map_rows, columns=list(ITEM_MAP_COLUMNS)),
        inputs=pd.DataFrame(input_rows, columns=list(INPUT_COLUMNS)), counts=counts,
    )
