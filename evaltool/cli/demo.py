"""``evaltool demo``: the full analysis of the bundled synthetic example study."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import console, guard


@guard
def demo_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the demo results.")] = Path("evaltool-demo"),
    variant: Annotated[str, typer.Option(help="'qualtrics' (four wave exports) or 'redcap' (one long export).")] = "qualtrics",
) -> None:
    """Analyse the bundled example study (synthetic data) and say where the report is.

    The example imitates a published evaluation: 66 health professionals, a CBT-informed
    workshop plus a coaching call, four survey waves, free-text feedback. Re-running replaces
    the previous demo folder.

    Examples:

      evaltool demo

      evaltool demo --out /tmp/demo --variant redcap
    """
    from ..analysis import analyse
    from ..examples import example_study_path
    from ._progress import step_progress
    from .analyse import summarise

    out = out.resolve()
    overwrite = out.exists() and (out / "manifest.json").exists()
    with step_progress("demo") as update:
        results = analyse(example_study_path(variant), out=out, overwrite=overwrite, progress=update)
    summarise(results, out)
    console().print("The example data are SYNTHETIC: made up to show what evaltool does.", markup=False)
