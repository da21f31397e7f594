"""Find, load and check instrument files.

Instruments ship as YAML in ``instruments/scales/``; a path to a user's own file works
everywhere a name does, so licensed scales (with the user's own item text) can be brought in.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from .._resources import scales_dir
from .._yaml import FileProblem, read_yaml, resolve_data_file, validate_file_data
from ..errors import InstrumentError
from .schema import Instrument

__all__ = [
    "InstrumentProblem",
    "check_instrument_file",
    "list_instruments",
    "load_instrument",
]


class InstrumentProblem(FileProblem):
    """One schema problem in an instrument file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from evaltool import check_instrument_file
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "my_scale.yaml"
    >>> _ = path.write_text("id: my_scale\\nname: My scale\\n")
    >>> problem = check_instrument_file(path)[0]
    >>> problem.field, problem.message
    ('short_name', 'required field is missing')
    """


def _available() -> dict[str, Path]:
    return {p.stem: p for p in sorted(scales_dir().glob("*.yaml"))}


def _read_yaml(path: Path) -> object:
    return read_yaml(path, InstrumentError)


def _validate(data: object, file: str) -> tuple[Instrument | None, list[InstrumentProblem]]:
    return validate_file_data(Instrument, data, file, InstrumentProblem, "see 'evaltool instruments show brs' for an example")


def check_instrument_file(path: str | Path) -> list[InstrumentProblem]:
    """Return every schema problem in an instrument file (an empty list means it is valid).

    Parameters
    ----------
    path
        Path to a YAML instrument file.

    Returns
    -------
    list of InstrumentProblem
        Each with ``file``, ``field`` (e.g. ``scales[brs].bands``) and ``message``.

    Examples
    --------
    >>> from evaltool._resources import scales_dir
    >>> check_instrument_file(scales_dir() / "brs.yaml")
    []
    """
    path = Path(path)
    data = _read_yaml(path)
    inst, problems = _validate(data, str(path))
    if inst is not None and inst.id != path.stem and path.parent == scales_dir():
        problems.append(InstrumentProblem(str(path), "id", f"id '{inst.id}' must equal the file name '{path.stem}'"))
    return problems


@lru_cache(maxsize=128)
def _load_path(path: Path, mtime: float) -> Instrument:
    data = _read_yaml(path)
    inst, problems = _validate(data, str(path))
    if inst is None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise InstrumentError(
            f"{first.message}{more}.", file=path, field=first.field,
            fix=f"run 'evaltool instruments check {path}' to list every problem.",
        )
    return inst


def load_instrument(name_or_path: str | Path | Instrument) -> Instrument:
    """Load a packaged instrument by name, or a user's instrument file by path.

    Parameters
    ----------
    name_or_path
        A packaged instrument id (``"brs"``, ``"cbi"``, ...; see :func:`list_instruments`),
        a path to a YAML file, or an :class:`Instrument` (returned unchanged).

    Returns
    -------
    Instrument
        The validated instrument.

    Raises
    ------
    InstrumentError
        If the name is unknown (the message lists the known names) or the file is invalid.

    Examples
    --------
    >>> brs = load_instrument("brs")
    >>> brs.short_name, [i.id for i in brs.items if i.reverse]
    ('BRS', ['brs_2', 'brs_4', 'brs_6'])
    """
    if isinstance(name_or_path, Instrument):
        return name_or_path
    p = resolve_data_file(name_or_path, _available(), InstrumentError, "instrument", "'evaltool instruments list'")
    return _load_path(p.resolve(), p.stat().st_mtime)


def list_instruments() -> pd.DataFrame:
    """List the packaged instruments.

    Returns
    -------
    DataFrame
        One row per instrument: ``id``, ``short_name``, ``name``, ``measures``, ``n_items``,
        ``scales`` (comma-separated scale ids), ``licence_tier``, ``item_text`` (shipped or not).

    Examples
    --------
    >>> table = list_instruments()
    >>> "brs" in set(table["id"])
    True
    """
    rows = []
    for name in _available():
        inst = load_instrument(name)
        rows.append(
            {
                "id": inst.id,
                "short_name": inst.short_name,
                "name": inst.name,
                "measures": inst.measures,
                "n_items": len(inst.items),
                "scales": ", ".join(s.id for s in inst.scales),
                "licence_tier": inst.licence.tier,
                "item_text": any(i.text for i in inst.items),
            }
        )
    return pd.DataFrame(rows, columns=["id", "short_name", "name", "measures", "n_items", "scales", "licence_tier", "item_text"])
