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


def _where(rec: dict[str, Any]) -> str:
    """``file, row 3, column 'Q5'`` from a problems row, leaving out what is missing."""
    import pandas as pd

    def given(v: Any) -> bool:
        return v is not None and not (isinstance(v, float) and pd.isna(v)) and str(v) not in ("", "None", "nan")

    parts = []
    if given(rec.get("source")):
        parts.append(str(rec["source"]))
    if given(rec.get("row")):
        parts.append(f"row {rec['row']}")
    if given(rec.get("column")):
        parts.append(f"column '{rec['column']}'")
    return ", ".join(parts)


def report_problems(exc: DataProblemsError, out_dir: Path | None = None) -> None:
    """Print a short problems summary (no answer values), errors and warnings counted and
    marked apart (errors first), and write the full table."""
    con = err_console()
    probs = exc.problems
    con.print(f"[bold red]Error:[/] {_esc(exc)}", markup=True, emoji=False)
    if len(probs):
        sev = probs["severity"].astype(str) if "severity" in probs.columns else None
        n_err = int((sev == "error").sum()) if sev is not None else len(probs)
        n_warn = int((sev == "warning").sum()) if sev is not None else 0
        order = probs.assign(_e=(sev != "error").to_numpy() if sev is not None else False)
        order = order.sort_values("_e", kind="stable").drop(columns="_e")
        show = order.head(10)
        for rec in show.to_dict("records"):
            kind = str(rec.get("severity") or "error")
            where = _where({str(k): v for k, v in rec.items()})
            con.print(f"  - {kind}: {where + ': ' if where else ''}{rec.get('rule')}: {rec.get('message')}",
                      markup=False)
        if len(probs) > len(show):
            con.print(f"  ... and {len(probs) - len(show)} more.", markup=False)
        con.print(f"  In all: {n_err} error{'' if n_err == 1 else 's'} to fix and {n_warn} "
                  f"warning{'' if n_warn == 1 else 's'} to check.", markup=False)
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
