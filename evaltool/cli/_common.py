"""What every CLI command shares: the console, error handling and table output."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from ..errors import DataProblemsError, EvaltoolError

F = TypeVar("F", bound=Callable[..., Any])


def console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def err_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _esc(text: object) -> str:
    from rich.markup import escape

    return escape(str(text))


def fail(message: str) -> None:
    """Print one error line (never a traceback) and exit with code 1."""
    err_console().print(f"[bold red]Error:[/] {_esc(message)}", markup=True, emoji=False)
    raise typer.Exit(code=1)


def report_problems(exc: DataProblemsError, out_dir: Path | None = None) -> None:
    """Print a short problems summary (no answer values) and write the full table."""
    con = err_console()
    probs = exc.problems
    con.print(f"[bold red]Error:[/] {_esc(exc)}", markup=True, emoji=False)
    if len(probs):
        show = probs.head(10)
        for rec in show.to_dict("records"):
            where = ", ".join(
                str(x) for x in (
                    rec.get("source"), f"row {rec.get('row')}", f"column '{rec.get('column')}'",
                ) if x and x != "None"
            )
            con.print(f"  - {where}: {rec.get('rule')}: {rec.get('message')}", markup=False)
        if len(probs) > len(show):
            con.print(f"  ... and {len(probs) - len(show)} more.", markup=False)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / "problems.csv"
        probs.to_csv(path, index=False)
        con.print(f"  The full problems table is in {path}", markup=False)


def print_table(frame: Any, title: str | None = None) -> None:
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for col in frame.columns:
        table.add_column(str(col))
    for row in frame.itertuples(index=False):
        table.add_row(*("" if v is None or (isinstance(v, float) and v != v) else str(v) for v in row))
    console().print(table)


def handle_errors(exc: BaseException) -> int:
    """Turn an evaltool error into one message and exit code 1."""
    if isinstance(exc, DataProblemsError):
        report_problems(exc)
        return 1
    if isinstance(exc, EvaltoolError):
        err_console().print(f"[bold red]Error:[/] {_esc(exc)}", markup=True, emoji=False)
        return 1
    raise exc


def guard(func: F) -> F:
    """Decorator: run a command body and convert evaltool errors to exit code 1."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import warnings

        from ..errors import EvaltoolWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EvaltoolWarning)
            try:
                return func(*args, **kwargs)
            except EvaltoolError as exc:
                code = handle_errors(exc)
                raise typer.Exit(code=code) from None
            finally:
                seen: set[str] = set()
                for w in caught:
                    msg = str(w.message)
                    if issubclass(w.category, EvaltoolWarning) and msg not in seen:
                        seen.add(msg)
                        err_console().print(f"[yellow]Note:[/] {_esc(msg)}", markup=True, emoji=False)
                    elif not issubclass(w.category, EvaltoolWarning):
                        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    return wrapper  # type: ignore[return-value]


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
