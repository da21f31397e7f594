"""Drafting, step 1: read the exports (the data sheet of a workbook; a REDCap dictionary
beside its data) and put the waves in order."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ...errors import ParameterError
from ._common import Guess, Loaded, one_line

_TP_WORDS = (
    (r"\bbaseline\b|\bpre\b|\bbefore\b|\bt0\b|\bintake\b|\bstart\b", 0),
    (r"\bpost\b|\bafter\b|\bend\b|\bexit\b", 1),
    (r"\bfollow|\bfu\b|\bmonths?\b|\bweeks?\b|\blater\b", 2),
)


def _rel(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base))
    except ValueError:
        return str(path.resolve())


def is_redcap_dictionary(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            head = fh.readline()
    except OSError:
        return False
    return "Variable / Field Name" in head and "Field Type" in head


def _header_overlap(header: Sequence[str], others: list[set[str]]) -> float:
    names = {h for h in header if h}
    if not names or not others:
        return 0.0
    return max(len(names & o) / max(len(names | o), 1) for o in others)


def _choose_sheets(paths: list[Path], headers: list[set[str]]) -> tuple[dict[Path, str], list[Guess]]:
    """For workbooks with several sheets: the sheet whose header matches the other waves
    (``headers``: the column names of the exports already read)."""
    from ...io._sheet import choose_sheet, sheet_summaries

    books = {p: sheet_summaries(p) for p in paths if p.suffix.lower() in (".xlsx", ".xlsm")}
    books = {p: s for p, s in books.items() if len(s) > 1}
    chosen: dict[Path, str] = {}
    guesses: list[Guess] = []
    for p, sheets in books.items():
        others = headers + [set(s.header) for q, ss in books.items() if q != p for s in ss if s.table]
        scored = sorted(((_header_overlap(s.header, others), s) for s in sheets if s.table),
                        key=lambda t: -t[0])
        if scored and scored[0][0] >= 0.3 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            best = scored[0][1]
            why = f"its header matches the other waves ({scored[0][0]:.0%} of column names shared)"
        else:
            name, note = choose_sheet(sheets, p)  # refuses when it cannot be decided
            best = next(s for s in sheets if s.name == name)
            why = one_line(note or "the only sheet with a table of responses")
        chosen[p] = best.name
        rest = ", ".join(f"'{s.name}'" for s in sheets if s is not best)
        guesses.append(Guess(2, f"{p.name}: sheet", f"read sheet '{best.name}': {why}; other sheets: {rest}"))
    return chosen, guesses


def _multi_sheet(p: Path) -> bool:
    if p.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    from ...io._sheet import sheet_summaries

    return len(sheet_summaries(p)) > 1


def load_exports(exports: Sequence[str | Path], base: Path) -> tuple[list[Loaded], Path | None, list[Guess]]:
    """Read every export (never changing one); a REDCap data dictionary among them is used
    for the data, not read as a wave; a workbook's sheet is the one matching the other waves."""
    from ...io import read_export

    if not exports:
        raise ParameterError("give at least one export file.", fix="evaltool init wave1.csv wave2.csv ...")
    paths = [Path(p) for p in exports]
    dictionary = next((p for p in paths if is_redcap_dictionary(p)), None)
    if dictionary is not None:
        paths = [p for p in paths if p != dictionary]
        if not paths:
            raise ParameterError("only a REDCap data dictionary was given.", file=dictionary,
                                 fix="give the data export too: evaltool init export.csv dictionary.csv")

    def read(p: Path, sheet: str | None) -> Loaded:
        exp = read_export(p, dictionary=dictionary, sheet=sheet) if dictionary is not None \
            else read_export(p, sheet=sheet)
        return Loaded(_rel(p, base), p, exp.data, exp.info, sheet)

    multi = [p for p in paths if _multi_sheet(p)]
    first = {p: read(p, None) for p in paths if p not in multi}
    sheets, guesses = _choose_sheets(multi, [set(e.columns) for e in first.values()])
    loaded = [first[p] if p in first else read(p, sheets[p]) for p in paths]
    for e in loaded:
        refuse_duplicates(e)
    return loaded, dictionary, guesses


def refuse_duplicates(e: Loaded) -> None:
    """A column name used twice for answers cannot be drafted: which one is meant is unknown."""
    from ...errors import InputError
    from .._waves import column_letters

    for name, where in e.info.duplicate_columns.items():
        if len(where) < 2:
            continue
        names = [name] + [f"{name}.{k}" for k in range(1, len(where))]
        if any(c in e.data.columns and e.data[c].notna().any() for c in names):
            cols = " and ".join(f"{j} ({column_letters(j)})" for j in where)
            raise InputError(f"has two columns named '{name}', columns {cols}, both with answers: "
                             "evaltool cannot tell which one is meant.", file=e.path,
                             fix="rename one of them in a copy of the export (or delete the one that is "
                                 "not used) and give that copy to 'evaltool init'.")


# ------------------------------------------------------------------------------------------
# order of the waves
# ------------------------------------------------------------------------------------------
def _name_key(name: str) -> tuple[int, float] | None:
    low = name.casefold()
    m = (re.search(r"(?:^|[^a-z])t(?:ime)?[ _-]?(\d+)(?![\d])", low) or re.search(r"wave[ _-]?(\d+)", low)
         or re.search(r"(?:survey|round|visit|phase|time ?point)[ _-]?(\d+)", low))
    if m:
        return 0, float(m.group(1))
    rank = next((r for pat, r in _TP_WORDS if re.search(pat, low)), None)
    return (1, float(rank)) if rank is not None else None


def _median_date(e: Loaded) -> pd.Timestamp | None:
    for col in e.info.date_columns:
        when = pd.to_datetime(e.data[col], errors="coerce", format="mixed")
        if when.notna().any():
            return when.dropna().sort_values().iloc[len(when.dropna()) // 2]
    return None


def order_waves(loaded: list[Loaded]) -> tuple[list[Loaded], list[Guess]]:
    """Waves in study order: numbers or words in the file names (T1, wave 2, pre/post), else
    the dates of the responses, else the order given."""
    keys = [_name_key(e.path.stem) for e in loaded]
    if all(k is not None for k in keys) and len(set(keys)) == len(keys):
        order = sorted(range(len(loaded)), key=lambda i: keys[i])  # type: ignore[arg-type, return-value]
        how, risk = "numbers or words in the file names", 1 if all(k[0] == 0 for k in keys if k) else 2
    else:
        dates = [_median_date(e) for e in loaded]
        if all(d is not None for d in dates) and len(set(dates)) == len(dates):
            order = sorted(range(len(loaded)), key=lambda i: dates[i])  # type: ignore[arg-type, return-value]
            how, risk = "the dates of the responses", 2
        else:
            order, how, risk = list(range(len(loaded))), "the order the files were given in", 3
    waves = [loaded[i] for i in order]
    guesses = [Guess(risk, "timepoints", f"waves ordered by {how}: "
                     + ", ".join(f"T{i + 1} = {one_line(e.path.name, 60)}" for i, e in enumerate(waves)))] \
        if len(waves) > 1 else []
    return waves, guesses


_DOWNLOAD = re.compile(r"(_[A-Z][a-z]+ \d{1,2}, \d{4}_\d{2}\.\d{2}|\s*\(Responses\).*|\(\d+-\d+\)"
                       r"|_DATA(_LABELS)?_\d{4}-\d{2}-\d{2}_\d{4}|\s*-\s*Form responses \d+)$")


def _stem(e: Loaded) -> str:
    """The file name without what the platform adds (download date, '(Responses)', '(1-33)')."""
    stem = e.path.stem
    for _ in range(3):
        stem = _DOWNLOAD.sub("", stem)
    return stem


def wave_labels(waves: list[Loaded]) -> list[str]:
    """Readable labels from the file names, without the survey name they share, the download
    date and the T1/T2 they start with: 'Resilience T2 post-workshop_December 9, 2024_08.15.csv'
    → 'Post-workshop'."""
    stems = [_stem(e) for e in waves]
    words = [re.split(r"[ _]+", s) for s in stems]
    common = 0
    if len(words) > 1:
        while all(len(w) > common + 1 for w in words) and len({w[common].casefold() for w in words}) == 1:
            common += 1
    out = []
    for k, w in enumerate(words):
        rest = " ".join(w[common:])
        rest = re.sub(r"^(t|time|wave|survey)[ _-]?\d+[ _-]*", "", rest, flags=re.I).strip(" -_")
        out.append((rest[:1].upper() + rest[1:]) if rest else f"T{k + 1}")
    return out
