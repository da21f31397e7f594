"""A progress bar across analysis steps (on stderr, so stdout stays clean).

On a terminal it is a live bar; when stderr is a file or a pipe (a log, a CI job, a test
driving the command), each step is one plain line, ``analyse: step 3/16: reliability``,
printed as the step starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def step_progress(title: str) -> Iterator[Callable[[str, int, int], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ._common import err_console

    con = err_console()
    if not con.is_terminal:
        def line(name: str, i: int, n: int) -> None:
            text = f"{title}: {name}" if i >= n else f"{title}: step {i + 1}/{n}: {name}"
            con.print(text, markup=False, highlight=False)

        yield line
        return
    with Progress(
        TextColumn("[bold]{task.fields[title]}[/]"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.description}"), TimeElapsedColumn(),
        console=con, transient=False,
    ) as bar:
        task: dict[str, Any] = {}

        def update(name: str, i: int, n: int) -> None:
            if "id" not in task:
                task["id"] = bar.add_task(name, total=n, title=title)
            bar.update(task["id"], completed=i, description=name)

        yield update
