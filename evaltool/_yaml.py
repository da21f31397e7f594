"""Reading YAML data files (instruments, codebooks, studies) with errors that say where."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import EvaltoolError


@dataclass(frozen=True)
class FileProblem:
    """One schema problem in a data file: the file, the field path and what is wrong."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: field '{self.field}': {self.message}"


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
