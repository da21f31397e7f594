"""Reading YAML data files (instruments, codebooks, studies) with errors that say where."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from .errors import EvaltoolError


@dataclass(frozen=True)
class FileProblem:
    """One schema problem in a data file: the file, the field path and what is wrong."""

    file: str
    field: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.file}: field '{self.field}': {self.message}"
        return f"{text}. Fix: {self.fix}" if self.fix else text


Loc = tuple[str | int, ...]


def fail_at(title: str, problems: Sequence[tuple[Loc, str] | tuple[Loc, str, str]]) -> NoReturn:
    """Raise every problem at once, each at its own field (e.g. ``exports.1.timepoint``).

    Each problem is ``(location, message)`` or ``(location, message, fix)``. pydantic
    prefixes the location with the parent's path, so a nested model's problem is reported at
    its own field (``scales[pss10].bands``) rather than at the model as a whole; the fix
    travels in the error's context (``ctx["fix"]``) and is read by :func:`plain_problems`.
    """
    details = []
    for p in problems:
        loc, msg = p[0], p[1]
        fix = p[2] if len(p) > 2 else ""  # type: ignore[misc]
        details.append(InitErrorDetails(
            type=PydanticCustomError("value_error", "{reason}", {"reason": msg, "fix": fix}),
            loc=loc, input=None,
        ))
    raise ValidationError.from_exception_data(title, details)


def read_yaml(path: Path, error: type[EvaltoolError]) -> Any:
    """``yaml.safe_load`` a UTF-8 file; problems become ``error`` naming file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error("file not found.", file=path, fix="check the path.") from None
    except IsADirectoryError:
        raise error("is a folder, not a file.", file=path, fix="give the path of the YAML file.") from None
    except UnicodeDecodeError:
        raise error("file is not UTF-8 text.", file=path, fix="save it as UTF-8.") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = None if mark is None else mark.line + 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise error(
            f"is not valid YAML ({problem}).", file=path, row=row,
            fix="correct the YAML syntax (indentation, colons, quotes) at that line.",
        ) from None


def field_path(loc: tuple[object, ...], data: object) -> str:
    """Turn a pydantic error location into a readable field path (``scales[brs].bands``).

    List positions are shown by the element's ``id`` (or ``name``) when it has one.
    """
    out: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            label = str(part)
            if isinstance(node, list) and 0 <= part < len(node):
                child = node[part]
                if isinstance(child, dict):
                    for key in ("id", "name"):
                        if key in child:
                            label = str(child[key])
                            break
                node = child
            else:
                node = None
            out.append(f"[{label}]")
        else:
            node = node.get(part) if isinstance(node, dict) else None
            out.append(("." if out else "") + str(part))
    return "".join(out) or "(top level)"


def validation_problems(exc: ValidationError, data: object, hint: str = "") -> list[tuple[str, str]]:
    """``(field, message)`` for every error of a pydantic ValidationError."""
    out = []
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling" + (f"; {hint}" if hint else "") + ")"
        elif err["type"] == "missing":
            msg = "required field is missing"
        out.append((field_path(tuple(err["loc"]), data), msg))
    return out


def validate_file_data(model: Any, data: object, file: str, problem: type[FileProblem],
                       hint: str) -> tuple[Any, list[Any]]:
    """Validate parsed YAML against a pydantic ``model``; ``(instance, [])`` or ``(None, problems)``."""
    if not isinstance(data, dict):
        return None, [problem(file, "(top level)", "the file must be a YAML mapping")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [problem(file, f, m) for f, m in validation_problems(exc, data, hint)]


def resolve_data_file(name_or_path: object, available: dict[str, Path], error: type[EvaltoolError],
                      kind: str, list_hint: str) -> Path:
    """The file for a packaged name (``available``) or a user's YAML path, or ``error``.

    Unknown names get close-match suggestions and the list of known names.
    """
    text = str(name_or_path)
    path = Path(text)
    if text.endswith((".yaml", ".yml")) or path.is_file():
        if not path.is_file():
            raise error(f"{kind} file not found.", file=path,
                        fix=f"check the path, or use a packaged name from {list_hint}.")
        return path
    key = text.strip().lower().replace("-", "_")
    if key not in available:
        import difflib

        close = difflib.get_close_matches(key, list(available), n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise error(f"unknown {kind} '{text}'.{hint}",
                    fix=f"use one of: {', '.join(available)}; or give the path to your own YAML file.")
    return available[key]


# ------------------------------------------------------------------------------------------
# plain-language problems from pydantic errors
# ------------------------------------------------------------------------------------------
def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``X``, ``X | None``, ``list[X]`` or ``dict[str, X]``."""
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def model_at(model: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model whose fields live at ``loc`` (list positions and dict keys are skipped)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            continue  # a dict key such as a timepoint id
        current = _inner_model(field.annotation)
    return current


def did_you_mean(word: str, options: Sequence[str]) -> str | None:
    """The closest option to a misspelt ``word`` (case-insensitive), or None."""
    low = {o.casefold(): o for o in options}
    close = difflib.get_close_matches(word.casefold(), list(low), n=1, cutoff=0.6)
    return low[close[0]] if close else None


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


_TYPE_WORDS = {
    "bool": ("must be true or false", "write true or false"),
    "int": ("must be a whole number", "write a whole number such as 5"),
    "float": ("must be a number", "write a number such as 0.95"),
    "string": ("must be text", "write it as text (in quotes if it looks like a number)"),
    "list": ("must be a list", "write a list such as [T1, T2], or one '- item' per line"),
    "dict": ("must be a mapping of 'key: value' lines",
             "write one 'key: value' per line, indented under it"),
    "model": ("must be a mapping of 'key: value' lines",
              "write one 'key: value' per line, indented under it"),
    "date": ("must be a date", "write it as YYYY-MM-DD, e.g. 2024-03-01"),
    "datetime": ("must be a date", "write it as YYYY-MM-DD, e.g. 2024-03-01"),
    "tuple": ("must be a pair", "write it as [first, second]"),
}
_BOUNDS = {
    "greater_than_equal": ("ge", "at least {}", "set it to {} or more"),
    "greater_than": ("gt", "more than {}", "set it above {}"),
    "less_than_equal": ("le", "at most {}", "set it to {} or less"),
    "less_than": ("lt", "less than {}", "set it below {}"),
}


def plain_problem(err: Any, model: type[BaseModel] | None, default_fix: str) -> tuple[str, str]:
    """One pydantic error as ``(message, fix)`` in plain words: no validator jargon, and a fix
    that does not repeat the message."""
    kind = err["type"]
    loc = tuple(err["loc"])
    ctx = err.get("ctx") or {}
    last = str(loc[-1]) if loc else ""
    value = err.get("input")
    if kind == "value_error":
        reason = ctx.get("reason") or str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
        return str(reason), str(ctx.get("fix") or default_fix)
    if kind == "missing":
        return "is missing", f"add '{last}:' here"
    if kind == "extra_forbidden":
        where = model_at(model, loc[:-1]) if model is not None else None
        options = sorted(where.model_fields) if where is not None else []
        close = did_you_mean(last, options) if options else None
        if close:
            return f"'{_shown(last)}' is not an option here", f"did you mean '{close}'? Rename it"
        shown = ", ".join(options) if options else "see 'evaltool init'"
        return f"'{_shown(last)}' is not an option here", f"remove it (options here: {shown})"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace(" or ", ", ")
        return f"'{_shown(value)}' is not one of the choices", f"use one of {expected}"
    if kind in _BOUNDS:
        key, what, fix = _BOUNDS[kind]
        return f"must be {what.format(ctx.get(key))} (it is {_shown(value)})", fix.format(ctx.get(key))
    if kind == "string_pattern_mismatch":
        return (f"'{_shown(value)}' is not a valid id",
                "start with a letter and use only letters, digits, '_', '.' or '-' (e.g. T1)")
    if kind == "string_too_long":
        return f"is longer than {ctx.get('max_length')} characters", "shorten it"
    if kind in ("too_short", "too_long"):
        n = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        return (f"must list at least {n}" if kind == "too_short" else f"must list at most {n}"), \
            ("add an entry" if kind == "too_short" else "remove entries")
    base = kind.split("_")[0]
    if kind.startswith("model_attributes") or kind == "model_type":
        base = "model"
    if base in _TYPE_WORDS:
        return _TYPE_WORDS[base]
    return str(err["msg"]).removeprefix("Value error, "), default_fix


_UNION_TAG = re.compile(r"^(constrained-|literal\[|function-|list\[|dict\[|tuple\[|nullable\[|lax-|strict-)"
                         r"|^(int|str|float|bool|none|date|datetime)$")
_TYPE_KINDS = ("_type", "_parsing", "literal_error")


def _strip_union_tags(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """pydantic adds the union member to a location (``zero_pad.constrained-int``): drop it."""
    return tuple(p for i, p in enumerate(loc) if not (i and isinstance(p, str) and _UNION_TAG.match(p)))


def plain_problems(exc: ValidationError, data: object, model: type[BaseModel] | None = None,
                   default_fix: str = "") -> list[tuple[str, str, str]]:
    """``(field, message, fix)`` for every error of a ValidationError, in plain words.

    Errors of the members of a union (``zero_pad: 40`` is neither a number 1-12 nor
    ``auto``) become one problem: the member whose type fitted says what is wrong.
    """
    by_loc: dict[tuple[Any, ...], list[Any]] = {}
    for err in exc.errors():
        by_loc.setdefault(_strip_union_tags(tuple(err["loc"])), []).append(err)
    out: list[tuple[str, str, str]] = []
    for loc, errs in by_loc.items():
        fitting = [e for e in errs if not e["type"].endswith(_TYPE_KINDS)]
        err = (fitting or errs)[0]
        msg, fix = plain_problem({**err, "loc": loc}, model, default_fix)
        if len(errs) > 1 and not fitting:
            literals = [str(e.get("ctx", {}).get("expected", "")) for e in errs if e["type"] == "literal_error"]
            kinds = [plain_problem({**e, "loc": loc}, model, default_fix)[0] for e in errs
                     if e["type"] != "literal_error"]
            msg = " or ".join(k.removeprefix("must be ") for k in kinds)
            msg = f"must be {msg}" + (f", or one of {', '.join(literals)}" if literals else "")
            fix = "write a value of that kind"
        item = (field_path(loc, data), msg, fix)
        if item not in out:
            out.append(item)
    return out
