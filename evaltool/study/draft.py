"""Draft a ``study.yaml`` from exports: format, ids, timepoints, instruments, free text.

Every guess is written with a ``# guessed: ...`` comment so the user knows what to check.
The draft is validated against the study schema before it is returned.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import yaml

from ..errors import ParameterError
from ..instruments import Instrument, list_instruments, load_instrument
from ..scoring.answers import coerce_answers
from .columns_map import match_items

if TYPE_CHECKING:
    from ..io import ExportInfo

__all__ = ["draft_study"]

_TP_WORDS = (
    (r"\bbaseline\b|\bpre\b|\bbefore\b|\bt0\b|\bwave ?1\b", 0),
    (r"\bpost\b|\bafter\b|\bend\b", 1),
    (r"\bfollow|\bfu\b|\bmonths?\b|\bweeks?\b", 2),
)
_GROUP_WORDS = {
    "cohort": r"cohort|workshop group|\bgroup\b|session date|course date",
    "profession": r"profession|\brole\b|job title|occupation|staff group|discipline",
    "site": r"\bsite\b|hospital|trust|organisation|department|\bteam\b",
}


@dataclass
class _Export:
    rel: str
    path: Path
    data: pd.DataFrame
    info: ExportInfo
    timepoints: list[str] = field(default_factory=list)


def _q(text: str) -> str:
    """A YAML scalar for ``text`` (quoted only when needed)."""
    dumped = yaml.safe_dump(text, default_flow_style=True, width=10_000, allow_unicode=True).strip()
    return dumped.removesuffix("...").strip()


def _guess_tp_order(names: Sequence[str]) -> list[int]:
    """Order of files by timepoint words/numbers in their names (stable otherwise)."""
    keys = []
    for i, n in enumerate(names):
        low = n.casefold()
        m = re.search(r"(?:^|[^a-z])t(?:ime)?[ _-]?(\d+)", low) or re.search(r"wave[ _-]?(\d+)", low)
        if m:
            keys.append((0, int(m.group(1)), i))
            continue
        rank = next((r for pat, r in _TP_WORDS if re.search(pat, low)), None)
        keys.append((1, rank if rank is not None else 9, i))
    return [k[2] for k in sorted(keys)]


def _value_range(series: pd.Series) -> tuple[float, float, float] | None:
    v = pd.to_numeric(series.astype("string").str.strip(), errors="coerce").dropna()
    if v.empty:
        return None
    return float(v.min()), float(v.max()), float(len(v)) / max(series.notna().sum(), 1)


def _rel(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base))
    except ValueError:
        return str(path.resolve())


def _is_bundled_example(paths: Sequence[Path]) -> bool:
    """True when every export is a file of the bundled synthetic example (or a copy of one)."""
    from .._files import sha256_file
    from ..examples import example_study_dir

    bundled = {sha256_file(p) for p in example_study_dir().rglob("*.csv")}
    return all(sha256_file(p) in bundled for p in paths)


def _is_redcap_dictionary(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            head = fh.readline()
    except OSError:
        return False
    return "Variable / Field Name" in head and "Field Type" in head


_ID_WORDS = re.compile(r"participant|pseudonym|study.?code|staff.?(id|number)|identifier|\bid\b|"
                       r"^pid$|_pid$|record_id|your code", re.I)


def _id_candidates(loaded: list[_Export]) -> list[str]:
    """Columns present in every export that look like participant codes, best first.

    Scored on the name and question text (participant code, id ...), how often they are
    filled in, and how unique they are within an export; the reader's own candidates
    (ExternalReference, e-mail ...) follow when they are filled in.
    """
    common = [str(c) for c in loaded[0].data.columns if c != "row" and all(c in e.data.columns for e in loaded)]
    scored = []
    for c in common:
        qt = " ".join(str((getattr(e.info, "question_text", {}) or {}).get(c, "")) for e in loaded)
        named = bool(_ID_WORDS.search(c) or _ID_WORDS.search(qt))
        fill, uniq = [], []
        for e in loaded:
            s = e.data[c].astype("string").str.strip()
            keep = (s.notna() & (s != "")).to_numpy(dtype=bool)
            fill.append(keep.sum() / max(len(e.data), 1))
            tcol = getattr(e.info, "timepoint_column", None)
            key = s[keep] if not tcol else s[keep] + "\x1f" + e.data.loc[keep, tcol].astype("string")
            uniq.append(key.nunique() / max(int(keep.sum()), 1))
        reader = c in (getattr(loaded[0].info, "id_column_candidates", ()) or ())
        if min(fill) < 0.8 or min(uniq) < 0.8 or not (named or reader):
            continue
        if c in ("ResponseId", "ResponseID") and len(loaded) > 1:
            continue  # a new id per response: cannot link waves
        scored.append((named, reader, min(fill), c))
    return [c for *_, c in sorted(scored, key=lambda t: (not t[0], not t[1], -t[2]))]


def _free_text_columns(data: pd.DataFrame, skip: set[str]) -> list[str]:
    out = []
    for c in data.columns:
        if c in skip or c == "row":
            continue
        s = data[c].dropna().astype("string").str.strip()
        s = s[s != ""]
        if len(s) < 3:
            continue
        numeric = pd.to_numeric(s, errors="coerce").notna().mean()
        if numeric > 0.2:
            continue
        tokens: pd.Series = s.str.split()  # lists; pandas-stubs types .str.len() for text only
        words = tokens.str.len().mean()
        distinct = s.nunique() / len(s)
        if words >= 3 and distinct > 0.5:
            out.append(str(c))
    return out


def _instrument_keywords(inst: Instrument) -> set[str]:
    words = {inst.id.casefold(), inst.short_name.casefold()}
    words.update(w for w in re.findall(r"[a-z]{5,}", f"{inst.measures} {inst.name}".casefold())
                 if w not in {"scale", "inventory", "index", "questionnaire", "brief", "short"})
    return words


def _structural_matches(inst: Instrument, exp: _Export, used: set[str]) -> tuple[dict[str, str], str] | None:
    """Map an instrument onto a block of consecutive same-prefix columns (Qualtrics matrix)."""
    info = exp.info
    qtext: dict[str, str] = dict(getattr(info, "question_text", {}) or {})
    items = [it for it in inst.items if any(it.id in s.items for s in inst.scales)]
    k = len(items)
    cols = [str(c) for c in exp.data.columns if c != "row" and str(c) not in used]
    groups: dict[str, list[str]] = {}
    for c in cols:
        m = re.match(r"^(.*?)[_.](\d+)$", c)
        if m:
            groups.setdefault(m.group(1), []).append(c)
    keywords = _instrument_keywords(inst)
    best = None
    for prefix, members in groups.items():
        if len(members) != k:
            continue
        members = sorted(members, key=lambda c: int(re.search(r"(\d+)$", c).group(1)))  # type: ignore[union-attr]
        ok = True
        for it, c in zip(items, members, strict=True):
            rs = inst.response_sets[it.response_set]
            _, _, outset = coerce_answers(exp.data[c], rs)
            vr = _value_range(exp.data[c])
            if outset.any() or vr is None:
                ok = False
                break
        if not ok:
            continue
        text = " ".join(qtext.get(c, "") for c in members).casefold() + " " + prefix.casefold()
        hits = sorted(w for w in keywords if w in text)
        if not hits:
            continue
        score = len(hits)
        if best is None or score > best[0]:
            best = (score, dict(zip((it.id for it in items), members, strict=True)), prefix, hits)
    if best is None:
        return None
    _, mapping, prefix, hits = best
    return mapping, (f"{k} columns {prefix}_1..{prefix}_{k} with answers in the {inst.short_name} range "
                     f"and question text mentioning {', '.join(repr(h) for h in hits)}")


def _recognise(inst: Instrument, exp: _Export, used: set[str]) -> tuple[dict[str, str], str] | None:
    cols = [str(c) for c in exp.data.columns]
    qtext = dict(getattr(exp.info, "question_text", {}) or {})
    scored = [it.id for it in inst.items if any(it.id in s.items for s in inst.scales)]
    matches, _missing = match_items(inst, [c for c in cols if c not in used], qtext, None, auto=True)
    matches = [m for m in matches if m["item"] in scored]
    if matches and len(matches) >= max(2, int(np.ceil(0.6 * len(scored)))):
        mapping = {m["item"]: m["column"] for m in matches}
        hows = {m["how"] for m in matches}
        if hows == {"name"}:
            why = f"{len(matches)} of {len(scored)} columns are named after its item ids"
        else:
            low = min(m["similarity"] for m in matches)
            why = (f"{len(matches)} of {len(scored)} items matched by question text "
                   f"(lowest similarity {low:.2f}) — check the item_map table from 'evaltool validate'")
        return mapping, why
    return _structural_matches(inst, exp, used)


def draft_study(exports: Sequence[str | Path], *, out: str | Path | None = None,
                name: str | None = None) -> str:
    """Draft a study file from survey exports; every guess is marked in a comment.

    Parameters
    ----------
    exports
        One export per wave (ordered by the timepoint words or numbers in their names), or a
        single long export with a timepoint column (REDCap ``redcap_event_name``).
    out
        Where the study file will be written: paths in the draft are relative to its folder.
    name
        Study name (default: from the folder name).

    Returns
    -------
    str
        The YAML text (already validated against the study schema).

    Examples
    --------
    >>> from evaltool.examples import example_study_dir
    >>> d = example_study_dir() / "qualtrics"
    >>> text = draft_study(sorted(d.glob("T*.csv")), out=d.parent / "draft.yaml")
    >>> "id: brs" in text and "timepoint: T4" in text
    True
    """
    from ..io import read_export
    from .model import Study

    if not exports:
        raise ParameterError("give at least one export file.", fix="evaltool init wave1.csv wave2.csv ...")
    paths = [Path(p) for p in exports]
    base = Path(out).resolve().parent if out is not None else Path.cwd()
    dictionary = next((p for p in paths if _is_redcap_dictionary(p)), None)
    if dictionary is not None:
        paths = [p for p in paths if p != dictionary]
        if not paths:
            raise ParameterError("only a REDCap data dictionary was given.", file=dictionary,
                                 fix="give the data export too: evaltool init export.csv dictionary.csv")
    loaded: list[_Export] = []
    for p in paths:
        read = read_export(p, dictionary=dictionary) if dictionary is not None else read_export(p)
        loaded.append(_Export(_rel(p, base), p, read.data, read.info))

    lines: list[str] = []
    add = lines.append
    study_name = name or (base.name.replace("_", " ").replace("-", " ").strip() or "My evaluation")
    add("# evaltool study file, drafted by 'evaltool init'. Lines marked '# guessed' are guesses:")
    add("# check them, then run 'evaltool validate' on this file. Paths are relative to this file.")
    add(f"name: {_q(study_name)}")
    if _is_bundled_example(paths):
        add("synthetic: true  # these are evaltool's bundled synthetic example exports")
    add("")

    # --- exports and timepoints --------------------------------------------------------------
    long_export = loaded[0].info.timepoint_column if len(loaded) == 1 else None  # its wave column
    tp_ids: list[str] = []
    tp_labels: list[str] = []
    add("exports:")
    if long_export:
        exp = loaded[0]
        tcol = long_export
        values = [str(v) for v in pd.unique(exp.data[tcol].dropna().astype(str))]
        tp_ids = [f"T{i + 1}" for i in range(len(values))]
        tp_labels = [v.removesuffix("_arm_1").replace("_", " ") for v in values]
        add(f"  - file: {_q(exp.rel)}")
        add(f"    format: {exp.info.format}  # guessed from the file's layout")
        if dictionary is not None:
            add(f"    dictionary: {_q(_rel(dictionary, base))}")
        add(f"    timepoint_column: {_q(tcol)}")
        add("    timepoint_values:  # guessed: in the order the values first appear; check the order")
        for v, t in zip(values, tp_ids, strict=True):
            add(f"      {_q(v)}: {t}")
            exp.timepoints.append(t)
    else:
        order = _guess_tp_order([e.path.stem for e in loaded])
        loaded = [loaded[i] for i in order]
        for i, exp in enumerate(loaded):
            t = f"T{i + 1}"
            tp_ids.append(t)
            tp_labels.append(re.sub(r"^t\d+[ _-]*", "", exp.path.stem, flags=re.I).replace("_", " ") or t)
            exp.timepoints.append(t)
            add(f"  - file: {_q(exp.rel)}")
            add(f"    timepoint: {t}  # guessed from the file name / order")
            add(f"    format: {exp.info.format}  # guessed from the file's layout")
    add("")
    add("timepoints:  # in study order; the first is the baseline")
    for t, lab in zip(tp_ids, tp_labels, strict=True):
        add(f"  - {{id: {t}, label: {_q(lab.strip().capitalize() or t)}}}")
    add("")

    # --- participant id ----------------------------------------------------------------------
    cands = _id_candidates(loaded)
    add("participant_id:")
    if cands:
        add(f"  column: {_q(cands[0])}  # guessed: present in every export; other candidates: "
            f"{', '.join(cands[1:4]) or 'none'}")
    else:
        add("  column: CHANGE_ME  # no id column found: set the column holding participant codes")
    ids = pd.concat([e.data[cands[0]].dropna().astype(str) for e in loaded]) if cands else pd.Series(dtype=str)
    digits = ids.str.extract(r"(\d+)\s*$")[0].dropna()
    width = int(digits.str.len().max()) if len(digits) else 0
    add("  case: upper")
    if width >= 2 and (digits.str.len() < width).any():
        add(f"  zero_pad: {width}  # guessed: some ids have fewer digits than others (P12 vs P012)")
    add("")

    # --- instruments ---------------------------------------------------------------------------
    catalogue = [load_instrument(i) for i in list_instruments()["id"]]
    used_cols: dict[str, set[str]] = {e.rel: set() for e in loaded}
    for e in loaded:
        used_cols[e.rel].update(str(c) for c in getattr(e.info, "metadata_columns", ()) or ())
        if cands:
            used_cols[e.rel].add(cands[0])
    found: list[tuple[Instrument, dict[str, str], list[str], str]] = []
    for inst in sorted(catalogue, key=lambda i: -len(i.items)):
        mapping: dict[str, str] = {}
        tps_here: list[str] = []
        why = ""
        for e in loaded:
            hit = _recognise(inst, e, used_cols[e.rel])
            if hit is None:
                continue
            m, why = hit
            if mapping and m != mapping:
                continue  # different columns in different waves: keep the first
            mapping = m
            tps_here += e.timepoints
            used_cols[e.rel].update(m.values())
        if mapping:
            found.append((inst, mapping, tps_here, why))
    add("instruments:")
    if not found:
        add("  []  # no packaged instrument recognised: add '- id: <instrument>' with its columns")
    for inst, mapping, tps_here, why in sorted(found, key=lambda f: [e.rel for e in loaded].index(
            next(e.rel for e in loaded if set(f[1].values()) <= set(map(str, e.data.columns))))):
        add(f"  - id: {inst.id}  # guessed ({inst.short_name}): {why}")
        if any(k != v for k, v in mapping.items()):
            add("    columns:")
            for item, col in mapping.items():
                add(f"      {item}: {_q(col)}")
        if len(tps_here) < len(tp_ids):
            add(f"    timepoints: [{', '.join(dict.fromkeys(tps_here))}]  # where its columns were found")
    add("")

    # --- groups -----------------------------------------------------------------------------------
    add("groups:")
    n_groups = 0
    qt_all: dict[str, str] = {}
    for e in loaded:
        qt_all.update(getattr(e.info, "question_text", {}) or {})
    taken = set().union(*used_cols.values())
    for gname, pat in _GROUP_WORDS.items():
        for e in loaded:
            gcol = next((str(c) for c in e.data.columns if str(c) not in taken and str(c) != "row" and
                         re.search(pat, f"{c} {qt_all.get(str(c), '')}", re.I)), None)
            if gcol:
                nun = e.data[gcol].nunique()
                if 1 < nun <= 60:
                    labels = dict(re.findall(r"(\d+)\s*=\s*([^,;()\n]+?)\s*(?=[,;)]|$)", qt_all.get(gcol, "")))
                    codes = {str(v).strip() for v in e.data[gcol].dropna()}
                    if len(labels) >= 2 and codes <= set(labels):
                        add(f"  - name: {gname}  # guessed from its name/question text ({nun} values)")
                        add(f"    column: {_q(gcol)}")
                        add("    labels: {" + ", ".join(f"{_q(k)}: {_q(v)}" for k, v in labels.items())
                            + "}  # guessed: read from the question text")
                    else:
                        add(f"  - {{name: {gname}, column: {_q(gcol)}}}  # guessed from its name/question text ({nun} values)")
                    taken.add(gcol)
                    n_groups += 1
                    break
    if not n_groups:
        lines[-1] = "groups: []  # add cohort/profession columns here for subgroup tables and cohort reports"
    add("")

    # --- free text --------------------------------------------------------------------------------
    add("free_text:")
    texts: dict[str, dict[str, str]] = {}
    for e in loaded:
        for c in _free_text_columns(e.data, taken | used_cols[e.rel]):
            texts.setdefault(c, {}).update({t: c for t in e.timepoints})
    if not texts:
        lines[-1] = "free_text: []  # no free-text answers recognised"
    used_ids: set[str] = set()
    for col, per_tp in texts.items():
        label = qt_all.get(col, col)
        base_id = re.sub(r"[^A-Za-z0-9_]+", "_", col).strip("_").lower() or "text"
        fid = base_id if base_id[0].isalpha() else f"q_{base_id}"
        while fid in used_ids:
            fid += "_"
        used_ids.add(fid)
        add(f"  - id: {fid}  # guessed: mostly sentences of text")
        add(f"    label: {_q(' '.join(str(label).split())[:200])}")
        if long_export or len(per_tp) == len(tp_ids):
            add(f"    column: {_q(col)}")
        else:
            add("    columns: {" + ", ".join(f"{t}: {_q(c)}" for t, c in per_tp.items()) + "}")
    add("")
    add("exclusions:")
    add("  unfinished: exclude    # Qualtrics Finished = false, REDCap forms marked Incomplete")
    add("  preview: exclude       # Qualtrics preview/test/spam responses")
    add("  duplicates: most_complete   # or first / last / error")
    add("")
    add("analysis:")
    add(f"  baseline: {tp_ids[0]}")
    add("  correction: holm       # or BH / none")
    add("  effect_size: d_av      # headline pre/post effect size (d_z is reported beside it)")
    add("  min_cell_size: 5   # smallest group shown in shareable reports")
    add("  codebook: resilience_training")
    text = "\n".join(lines) + "\n"
    Study.model_validate(yaml.safe_load(text))  # the draft must be a valid study file
    return text
