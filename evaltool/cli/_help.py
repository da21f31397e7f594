"""Help text as people read it: prose reflowed to the terminal, no type placeholders.

Docstrings are wrapped at 100 columns in the source; Typer's rich help keeps those line breaks,
so a sentence breaks wherever the source did. :func:`tidy_help` joins the lines of each prose
paragraph (example lines, indented or starting with ``evaltool``, keep their own lines) for
every command and group of the app. Typer also prints a type placeholder beside every option
(``<bool>``, ``<path>``, ``<list[Path]>``); :func:`plain_value_names` replaces them with the
names click users know (``PATH``, ``TEXT``, ``INTEGER``), or nothing for on/off flags.
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["plain_help", "plain_value_names", "tidy_help", "value_name"]


def _is_example(line: str) -> bool:
    s = line.strip()
    return line.startswith((" ", "\t")) or s.startswith(("evaltool ", "$ ", "- ", "* "))


def plain_help(text: str | None) -> str | None:
    """The help text with each prose paragraph on one line (lists and examples kept as lines).

    Examples
    --------
    >>> plain_help("Write the study report:\\nmethods and tables.\\n\\nExamples:\\n\\n  evaltool report study r/")
    'Write the study report: methods and tables.\\n\\nExamples:\\n\\n  evaltool report study r/'
    """
    if text is None:
        return None
    out = []
    for para in inspect.cleandoc(text).split("\n\n"):
        lines = para.split("\n")
        if len(lines) > 1 and not any(_is_example(ln) for ln in lines) and not para.startswith("\b"):
            para = " ".join(ln.strip() for ln in lines)
        out.append(para)
    return "\n\n".join(out)


def tidy_help(app: Any) -> None:
    """Reflow the help of every command and group registered on a Typer ``app`` (in place)."""
    from typer.main import solve_typer_info_help

    if app.info.help is not None and isinstance(app.info.help, str):
        app.info.help = plain_help(app.info.help)
    for cmd in app.registered_commands:
        cmd.help = plain_help(cmd.help if cmd.help is not None else inspect.getdoc(cmd.callback))
    for group in app.registered_groups:
        group.help = plain_help(solve_typer_info_help(group))
        if group.typer_instance is not None:
            tidy_help(group.typer_instance)


_WORDS = {"Path": "PATH", "str": "TEXT", "int": "INTEGER", "float": "NUMBER", "file": "FILE",
          "directory": "FOLDER", "path": "PATH"}


def value_name(param: Any, ctx: Any) -> str | None:
    """What the help shows after an option: nothing for an on/off flag, else a plain name.

    Examples
    --------
    >>> import typer
    >>> from typer.testing import CliRunner
    >>> app = typer.Typer()
    >>> @app.command()
    ... def go(out: str = typer.Option("x", help="Where."), force: bool = typer.Option(False, help="Replace.")):
    ...     '''Go.'''
    >>> plain_value_names()
    >>> text = CliRunner().invoke(app, ["--help"]).output
    >>> "<bool>" in text or "<str>" in text, "TEXT" in text
    (False, True)
    """
    if getattr(param, "is_flag", False) or getattr(param, "is_bool_flag", False):
        return None
    if param.param_type_name == "option" and param.metavar is not None:
        return str(param.metavar)
    raw = str(param.display_type(ctx)).strip("<>")
    many = raw.startswith("list[") or param.nargs != 1
    raw = raw.removeprefix("list[").removesuffix("]")
    word = _WORDS.get(raw, raw.upper() if "|" not in raw else raw)
    return f"{word} ..." if many else word


_PATCHED = False


def plain_value_names() -> None:
    """Make Typer's help show :func:`value_name` instead of its type placeholders (idempotent)."""
    global _PATCHED
    if _PATCHED:
        return
    from typer.core import TyperArgument, TyperOption

    TyperOption.display_type_rich = value_name  # type: ignore[method-assign,assignment]
    TyperArgument.display_type_rich = value_name  # type: ignore[method-assign,assignment]
    _PATCHED = True
