"""Every command's ``--help`` reads as prose (issue 15): no type placeholders such as ``<bool>``
or ``<list[Path]>``, and no line break in the middle of a sentence (the terminal wraps)."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from evaltool.cli import app


def _commands() -> list[tuple[tuple[str, ...], object]]:
    out = []

    def walk(cmd: object, path: tuple[str, ...]) -> None:
        out.append((path, cmd))
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return out


COMMANDS = _commands()
PLACEHOLDER = re.compile(r"<(bool|str|int|float|path|file|directory|list\[[^\]]*\]|[A-Za-z]+\|[A-Za-z|]+)>")


def _prose(text: str) -> list[str]:
    """The prose paragraphs of a help text (example lines and lists are not prose)."""
    paras = [p for p in (text or "").split("\n\n") if p.strip()]
    return [p for p in paras if not any(ln.startswith((" ", "evaltool ", "- ")) for ln in p.split("\n"))]


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[" ".join(p) or "evaltool" for p, _ in COMMANDS])
def test_help_has_no_type_placeholders_and_no_hard_breaks(path, cmd) -> None:
    res = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "120"}, terminal_width=120)
    assert res.exit_code == 0, res.output
    assert not PLACEHOLDER.search(res.output), f"evaltool {' '.join(path)}: {PLACEHOLDER.search(res.output)}"
    for para in _prose(cmd.help):
        assert "\n" not in para, f"evaltool {' '.join(path)}: a line break inside {para!r}"
    for param in getattr(cmd, "params", []):
        assert "\n" not in (getattr(param, "help", None) or ""), (path, param.name)


def test_flags_show_no_value_and_options_a_plain_name() -> None:
    out = CliRunner().invoke(app, ["report", "study", "--help"], env={"COLUMNS": "120"}, terminal_width=120).output
    line = next(ln for ln in out.splitlines() if "--overwrite" in ln)
    assert "PATH" not in line and "bool" not in line.casefold()
    assert re.search(r"--out\s+-o\s+PATH\b", out)
