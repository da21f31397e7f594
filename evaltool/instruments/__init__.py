"""Instrument files: schema (pydantic) and the packaged library."""

from .library import InstrumentProblem, check_instrument_file, list_instruments, load_instrument
from .schema import Band, Instrument, Item, ResponseSet, Scale

__all__ = [
    "Band",
    "Instrument",
    "InstrumentProblem",
    "Item",
    "ResponseSet",
    "Scale",
    "check_instrument_file",
    "list_instruments",
    "load_instrument",
]
