"""Resolve what a study file refers to, once: instruments, codebook and input files.

An instrument or codebook is named (a packaged id such as ``brs``) or given by path (a YAML
file relative to the study file). Either way it is loaded here, with the study's options for
it applied (``scales``, ``primary``, ``min_answered``, ``unanswered``, ``all_unanswered``), and
the resulting object travels with the study: nothing downstream looks it up again by name,
so a user's own ``brs.yaml`` is never confused with the packaged BRS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from .._files import sha256_file
from .._yaml import Loc, did_you_mean
from ..errors import EvaltoolError
from ..instruments import Instrument
from ..instruments.schema import MissingRule, Scale
from .model import ExportSpec, InstrumentSpec, Study

__all__ = ["ResolvedCodebook", "StudyInstrument", "partial_problems", "resolve_references"]

Problem = tuple[Loc, str, str]
KNOWLEDGE = ("correct_count", "correct_percent")


class StudyInstrument(Instrument):
    """An instrument as this study uses it: the file's instrument with the study's options
    applied, and where it came from.

    It *is* an :class:`~evaltool.instruments.Instrument` (scoring and reliability take it
    as one): ``scales`` holds only the scales the study scores, with the study's
    ``primary``, ``min_answered`` and ``unanswered`` choices already in them. Its
    ``model_dump()`` is that instrument file (the attributes below are left out).

    Attributes
    ----------
    entry
        The study file's reference, as written (``brs`` or ``scales/quiz.yaml``).
    index
        Position of the entry under ``instruments:``.
    source
        The YAML file read (absolute path); ``packaged`` says whether it ships with evaltool.
    sha256
        Hash of that file, for the run manifest.
    administered_at
        The study's ``timepoints:`` for it (None: wherever its columns are answered).
    item_columns
        The study's ``columns:`` map (``item: column``) or ``"auto"``.

    Examples
    --------
    >>> from evaltool.examples import example_study_path
    >>> from evaltool.study import load_study
    >>> brs = load_study(example_study_path()).instruments["brs"]
    >>> brs.entry, [s.id for s in brs.scales], brs.packaged
    ('brs', ['brs'], True)
    """

    # where it came from: not part of the instrument, so never in ``model_dump()`` (a dumped
    # StudyInstrument is the instrument file as this study uses it)
    entry: str = Field(exclude=True)
    index: int = Field(exclude=True)
    source: str = Field(exclude=True)
    sha256: str = Field(exclude=True)
    packaged: bool = Field(exclude=True)
    administered_at: list[str] | None = Field(default=None, exclude=True)
    item_columns: dict[str, str] | str = Field(default="auto", exclude=True)

    def as_instrument(self) -> Instrument:
        """The plain :class:`~evaltool.instruments.Instrument` (what a results folder stores)."""
        return Instrument.model_validate(self.model_dump())

    def __eq__(self, other: object) -> bool:
        """Equal to the plain Instrument it describes (e.g. one restored from a results folder)."""
        if type(other) is Instrument:
            return self.as_instrument() == other
        return super().__eq__(other)

    __hash__ = Instrument.__hash__


@dataclass(frozen=True)
class ResolvedCodebook:
    """The study's codebook (``analysis.codebook``) and the file it was read from.

    Examples
    --------
    >>> from evaltool.examples import example_study_path
    >>> from evaltool.study import load_study
    >>> from evaltool.study.resolve import resolve_codebook
    >>> sf = load_study(example_study_path())
    >>> book, problems = resolve_codebook(sf.spec, example_study_path().parent)
    >>> book.codebook.id, book.packaged, len(book.sha256), problems
    ('resilience_training', True, 64, [])
    """

    codebook: Any
    source: str
    sha256: str
    packaged: bool


def _is_path(ref: str) -> bool:
    return ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref


def _packaged(kind: str) -> dict[str, Path]:
    from .._resources import codebooks_dir, scales_dir

    folder = scales_dir() if kind == "instrument" else codebooks_dir()
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def _find(ref: str, root: Path, kind: str, loc: Loc) -> tuple[Path | None, Problem | None]:
    """The file a reference names: a path relative to the study file, or a packaged id."""
    if _is_path(ref):
        p = Path(ref).expanduser()
        p = p if p.is_absolute() else root / p
        if p.is_file():
            return p, None
        return None, (loc, f"no {kind} file '{ref}' (paths are relative to the study file)",
                      "check the path and the file name")
    available = _packaged(kind)
    key = ref.strip().lower().replace("-", "_")
    if key in available:
        return available[key], None
    own = next((root / f"{ref}{ext}" for ext in (".yaml", ".yml") if (root / f"{ref}{ext}").is_file()), None)
    if own is not None:
        return None, (loc, f"'{ref}' is not a packaged {kind}", f"write '{own.name}' to use your own file")
    close = did_you_mean(key, list(available))
    fix = f"write '{close}'" if close else (f"use a packaged {kind} ({', '.join(available)}) or the "
                                            "path of your own YAML file")
    return None, (loc, f"'{ref}' is not a packaged {kind}", fix)


def _load(path: Path, kind: str, loc: Loc) -> tuple[Any, Problem | None]:
    from ..instruments import load_instrument

    try:
        if kind == "instrument":
            return load_instrument(path), None
        from ..qual.codebook import load_codebook

        return load_codebook(path), None
    except EvaltoolError as exc:
        where = f" (field '{exc.field}')" if exc.field else (f" (line {exc.row})" if exc.row else "")
        check = (f"run 'evaltool instruments check {path}' to list every problem"
                 if kind == "instrument" else exc.fix or "correct the codebook file")
        return None, (loc, f"the {kind} file {path.name} is not valid{where}: {exc.message}", check)


# ------------------------------------------------------------------------------------------
# the study's options for one instrument
# ------------------------------------------------------------------------------------------
def _selected(inst: Instrument, spec: InstrumentSpec, i: int) -> tuple[list[Scale], list[Problem]]:
    if spec.scales is None:
        return list(inst.scales), []
    known = [s.id for s in inst.scales]
    out: list[Scale] = []
    problems: list[Problem] = []
    for k, sid in enumerate(spec.scales):
        if sid in known:
            out.append(inst.scale(sid))
            continue
        close = did_you_mean(sid, known)
        problems.append(((("instruments", i, "scales", k)),
                         f"{inst.short_name} has no scale '{sid}' (its scales: {', '.join(known)})",
                         f"write '{close}'" if close else "remove it"))
    return out, problems


def _missing_rule(scale: Scale, spec: InstrumentSpec, i: int) -> tuple[MissingRule | None, list[Problem]]:
    """The scale's missing-item rule with the study's overrides (``min_answered``, and for
    knowledge tests ``unanswered``/``all_unanswered``); problems naming the study's field."""
    knowledge = scale.method in KNOWLEDGE
    fields = scale.missing.model_dump() if scale.missing is not None else {}
    changed = False
    if spec.min_answered is not None:
        fields.update(min_answered=spec.min_answered, min_answered_prop=None)
        changed = True
    if knowledge and spec.unanswered is not None:
        fields["unanswered"] = spec.unanswered
        if spec.unanswered == "missing":
            fields["all_unanswered"] = "missing"
        changed = True
    if knowledge and spec.all_unanswered is not None:
        fields["all_unanswered"] = spec.all_unanswered
        changed = True
    if not changed:
        return scale.missing, []
    if fields.get("min_answered") is None and fields.get("min_answered_prop") is None \
            and fields.get("unanswered") != "wrong":
        fields["min_answered"] = len(scale.items)  # as before: every item
    fields.update(source="study", note="set in the study file")
    k = len(scale.items)
    n = fields.get("min_answered")
    if spec.min_answered is not None and n is not None and n > k:
        return None, [(("instruments", i, "min_answered"), f"is {n}, but scale '{scale.id}' has only {k} items",
                       f"set it to {k} or less")]
    if spec.min_answered is not None and scale.method == "sum" and n is not None and n < k:
        return None, [(("instruments", i, "min_answered"), f"scale '{scale.id}' is a plain sum and needs all {k} items",
                       "remove min_answered for this instrument (a sum cannot be prorated)")]
    try:
        return MissingRule.model_validate(fields), []
    except ValidationError:
        return None, [(("instruments", i, "all_unanswered"), "'zero' needs 'unanswered: wrong'",
                       "remove it, or write 'unanswered: wrong'")]


def _apply_options(inst: Instrument, spec: InstrumentSpec, i: int) -> tuple[list[Scale], list[Problem]]:
    scales, problems = _selected(inst, spec, i)
    out: list[Scale] = []
    for s in scales:
        rule, probs = _missing_rule(s, spec, i)
        problems += probs
        out.append(s.model_copy(update={"primary": bool(s.primary and spec.primary), "missing": rule}))
    knowledge = [s for s in out if s.method in KNOWLEDGE]
    for key in ("unanswered", "all_unanswered"):
        if getattr(spec, key) is not None and not knowledge:
            problems.append((("instruments", i, key), f"only applies to knowledge tests, and {inst.short_name} has none",
                             "remove it"))
    if isinstance(spec.columns, dict):
        for key, value in spec.columns.items():
            if key in inst.item_ids:
                continue
            close = did_you_mean(key, inst.item_ids)
            if value in inst.item_ids:
                fix = f"the item comes first: write '{value}: {key}' (on the command line '{value}={key}')"
            elif close:
                fix = f"write '{close}'"
            else:
                fix = "map item ids to columns (item: column); the items are " + ", ".join(inst.item_ids)
            problems.append((("instruments", i, "columns", key), f"'{key}' is not an item of {inst.short_name}", fix))
    return out, problems


def _study_instrument(inst: Instrument, spec: InstrumentSpec, i: int, path: Path) -> tuple[StudyInstrument | None, list[Problem]]:
    scales, problems = _apply_options(inst, spec, i)
    if problems or not scales:
        return None, problems
    data = inst.model_dump()
    data["scales"] = [s.model_dump() for s in scales]
    from .._resources import scales_dir

    packaged = path.resolve().parent == scales_dir().resolve()
    obj = StudyInstrument.model_validate({
        **data, "entry": spec.id, "index": i, "source": str(path.resolve()), "sha256": sha256_file(path),
        "packaged": packaged, "administered_at": spec.timepoints,
        "item_columns": dict(spec.columns) if isinstance(spec.columns, dict) else "auto",
    })
    return obj, []


def _clashes(found: list[StudyInstrument]) -> list[Problem]:
    out: list[Problem] = []
    owner: dict[tuple[str, str], StudyInstrument] = {}
    for inst in found:
        keys = [("instrument id", inst.id)] + [("item id", it) for it in inst.item_ids] \
            + [("scale id", s.id) for s in inst.scales]
        for what, key in keys:
            first = owner.get((what, key))
            if first is not None and first is not inst:
                out.append((("instruments", inst.index, "id"),
                            f"{what} '{key}' is used by both '{first.entry}' and '{inst.entry}'",
                            "give one of the two files different ids (copy it and rename them)"))
                break
            owner[(what, key)] = inst
    return out


def resolve_instruments(specs: Sequence[InstrumentSpec | None], exports: Sequence[ExportSpec | None],
                        root: Path) -> tuple[dict[str, StudyInstrument], list[Problem]]:
    """Load every instrument of the study once, with the study's options applied.

    ``None`` entries (invalid in the schema, reported there) are skipped, so a study file's
    other problems are still found.
    """
    found: list[StudyInstrument] = []
    problems: list[Problem] = []
    failed = False
    for i, ins in enumerate(specs):
        if ins is None:
            failed = True
            continue
        loc: Loc = ("instruments", i, "id")
        path, prob = _find(ins.id, root, "instrument", loc)
        if prob is not None or path is None:
            problems.append(prob)  # type: ignore[arg-type]
            failed = True
            continue
        inst, prob = _load(path, "instrument", loc)
        if prob is not None:
            problems.append(prob)
            failed = True
            continue
        obj, probs = _study_instrument(inst, ins, i, path)
        problems += probs
        if obj is not None:
            found.append(obj)
    problems += _clashes(found)
    items = {it for inst in found for it in inst.item_ids}
    for i, e in enumerate(exports):
        for key in (e.columns if e is not None else {}):
            if found and not failed and key not in items:
                close = did_you_mean(key, sorted(items))
                problems.append((("exports", i, "columns", key), f"'{key}' is not an item of the study's instruments",
                                 f"write '{close}'" if close else "map item ids to columns (item: column)"))
    return {inst.id: inst for inst in found}, problems


def resolve_codebook(spec: Study, root: Path) -> tuple[ResolvedCodebook | None, list[Problem]]:
    """The study's codebook, loaded once (None when ``analysis.codebook`` is null)."""
    ref = spec.analysis.codebook
    if ref is None:
        return None, []
    loc: Loc = ("analysis", "codebook")
    path, prob = _find(ref, root, "codebook", loc)
    if prob is not None or path is None:
        return None, [prob]  # type: ignore[list-item]
    book, prob = _load(path, "codebook", loc)
    if prob is not None:
        return None, [prob]
    from .._resources import codebooks_dir

    return ResolvedCodebook(book, str(path.resolve()), sha256_file(path),
                            path.resolve().parent == codebooks_dir().resolve()), []


def file_problems(exports: Sequence[ExportSpec | None], linking_table: str | None, root: Path) -> list[Problem]:
    """Input files the study names that do not exist (exports, dictionary, linking table)."""
    out: list[Problem] = []

    def check(rel: str, loc: Loc, what: str) -> None:
        p = Path(rel).expanduser()
        p = p if p.is_absolute() else root / p
        if not p.exists():
            out.append((loc, f"{what} '{rel}' not found (paths are relative to the study file)",
                        "check the path and the file name"))
        elif p.is_dir():
            out.append((loc, f"'{rel}' is a folder", f"give the {what} itself"))

    for i, e in enumerate(exports):
        if e is None:
            continue
        if e.file is not None:
            check(e.file, ("exports", i, "file"), "export")
        for k, f in enumerate(e.files or []):
            check(f, ("exports", i, "files", k), "export")
        if e.dictionary:
            check(e.dictionary, ("exports", i, "dictionary"), "data dictionary")
    if linking_table:
        check(linking_table, ("participant_id", "linking_table"), "linking table")
    return out


def resolve_references(spec: Study, root: Path) -> tuple[dict[str, StudyInstrument], ResolvedCodebook | None, list[Problem]]:
    """Instruments, codebook and input files of a study: resolved objects and every problem."""
    problems = file_problems(spec.exports, spec.participant_id.linking_table, root)
    instruments, probs = resolve_instruments(spec.instruments, spec.exports, root)
    problems += probs
    codebook, probs = resolve_codebook(spec, root)
    problems += probs
    return instruments, codebook, problems


def _valid(model: type[Any], data: object) -> Any:
    try:
        return model.model_validate(data)
    except (ValidationError, TypeError):
        return None


def partial_problems(raw: dict[str, Any], root: Path) -> list[Problem]:
    """The reference problems of a study file whose schema is not valid: the valid parts
    (instrument entries, exports, codebook) are still resolved, so every problem is found."""
    exports = [_valid(ExportSpec, e) for e in raw.get("exports") or [] ] if isinstance(raw.get("exports"), list) else []
    specs = [_valid(InstrumentSpec, e) for e in raw.get("instruments") or []] \
        if isinstance(raw.get("instruments"), list) else []
    pid = raw.get("participant_id")
    table = pid.get("linking_table") if isinstance(pid, dict) else None
    problems = file_problems(exports, table if isinstance(table, str) else None, root)
    problems += resolve_instruments(specs, exports, root)[1]
    analysis = raw.get("analysis")
    ref = analysis.get("codebook", "resilience_training") if isinstance(analysis, dict) else "resilience_training"
    if isinstance(ref, str):
        path, prob = _find(ref, root, "codebook", ("analysis", "codebook"))
        if prob is None and path is not None:
            prob = _load(path, "codebook", ("analysis", "codebook"))[1]
        problems += [prob] if prob is not None else []
    return problems
