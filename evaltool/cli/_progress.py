"""A progress bar across analysis steps (on stderr, so stdout stays clean)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def step_progress(title: str) -> Iterator[Callable[[str, int, int], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ._common import err_console

    with Progress(
        TextColumn("[bold]{task.fields[title]}[/]"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.description}"), TimeElapsedColumn(),
        console=err_console(), transient=False,
    ) as bar:
        task: dict[str, Any] = {}

        def update(name: str, i: int, n: int) -> None:
            if "id" not in task:
                task["id"] = bar.add_task(name, total=n, title=title)
            bar.update(task["id"], completed=i, description=name)

        yield update
