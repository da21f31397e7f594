"""The ``evaltool`` command line: a thin layer over the library (one module per command)."""

from __future__ import annotations

import typer

from .._version import __version__
from . import _help
from . import analyse as _analyse
from . import demo as _demo
from . import init as _init
from . import instruments as _instruments
from . import report as _report
from . import score as _score
from . import themes as _themes
from . import validate as _validate

app = typer.Typer(
    name="evaltool",
    help=(
        "Evaluate resilience-training interventions for healthcare staff.\n\n"
        "Survey exports in; scores, statistics, coded free text and shareable reports out.\n\n"
        "Examples:\n\n"
        "  evaltool demo\n\n"
        "  evaltool instruments list\n\n"
        "  evaltool score survey.csv --instrument brs --out scores.csv"
    ),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"evaltool {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Evaluate resilience-training interventions for healthcare staff."""


app.command("demo")(_demo.demo_command)
app.command("init")(_init.init_command)
app.command("validate")(_validate.validate_command)
app.command("analyse")(_analyse.analyse_command)
app.add_typer(_report.app, name="report")
app.add_typer(_themes.app, name="themes")
app.command("score")(_score.score_command)
app.add_typer(_instruments.app, name="instruments")
_help.plain_value_names()
_help.tidy_help(app)


def main() -> None:
    """Console-script entry point.

    Errors evaltool expects are reported by each command (one line, exit code 1). Anything
    else is a bug: its message may contain participant data, so only its type is printed,
    unless ``EVALTOOL_DEBUG=1`` asks for the full traceback. Ctrl-C stops any command within
    about a second with one line and exit code 130 (see :mod:`evaltool.cli._interrupt`).
    """
    import os
    import sys

    from . import _interrupt

    _interrupt.install()
    if os.environ.get("EVALTOOL_DEBUG"):
        app()
        return
    try:
        app(standalone_mode=True)
    except SystemExit as exc:
        if exc.code == 130 and _interrupt.interrupted():
            _interrupt.leave()  # typer turns Ctrl-C into exit code 130 without a word
        raise
    except KeyboardInterrupt:
        _interrupt.leave()
    except Exception as exc:  # noqa: BLE001 - the last line of defence for privacy
        sys.stderr.write(
            f"Error: evaltool hit an internal error ({type(exc).__name__}). This is a bug, not "
            "a problem with your data; please report it with the command you ran. Run again "
            "with EVALTOOL_DEBUG=1 to see the traceback (it may show participant data).\n"
        )
        raise SystemExit(2) from None
