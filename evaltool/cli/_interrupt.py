"""One Ctrl-C stops any command within about a second, leaving nothing half-written.

:func:`install` (called first by the command line's :func:`~evaltool.cli.main`) sets the
SIGINT handler:

* the first Ctrl-C raises ``KeyboardInterrupt`` in the main thread: the run unwinds, the
  results folder being written (:func:`evaltool.privacy.atomic.atomic_folder`) is removed,
  worker processes (:func:`evaltool._parallel.fork_map`) are terminated, and the command
  line prints one line and exits with code 130;
* a watchdog makes sure of it: if the process is still running :data:`GRACE` seconds later
  (the interrupt landed in C code that does not return soon, or inside a finaliser, where
  Python ignores it), it terminates the workers, removes the unfinished results folder,
  prints the same line and ends the process (code 130). A second Ctrl-C does so at once;
* a ``KeyboardInterrupt`` raised inside a finaliser or weak-reference callback is not
  printed (no "Exception ignored in ... KeyboardInterrupt"): the watchdog stops the run.

A results folder being moved into place when Ctrl-C comes is finished first (the move is
atomic and takes microseconds); the run then stops.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

__all__ = ["GRACE", "MESSAGE", "install", "interrupted"]

GRACE = 0.75
"""Seconds the run has to unwind on its own after Ctrl-C before it is stopped."""

MESSAGE = "Interrupted (Ctrl-C): stopped; nothing was left half-written.\n"

_STATE: dict[str, Any] = {"at": None, "said": False}
_LOCK = threading.Lock()


def interrupted() -> bool:
    """Whether Ctrl-C was pressed during this run."""
    return _STATE["at"] is not None


def say_once() -> None:
    """Print :data:`MESSAGE` on stderr (once per run)."""
    with _LOCK:
        if _STATE["said"]:
            return
        _STATE["said"] = True
    try:
        sys.stderr.write(MESSAGE)
        sys.stderr.flush()
    except (OSError, ValueError):  # pragma: no cover - stderr closed
        pass


def leave() -> None:
    """After a clean unwind: print :data:`MESSAGE`, run the exit handlers, flush, and end the
    process with code 130 without tearing down every object of a large run one by one."""
    import atexit

    say_once()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # pragma: no cover
            pass
    os._exit(130)


def _hard_stop() -> None:
    """End the process now: workers terminated, unfinished results folder removed, code 130."""
    import multiprocessing
    import shutil

    from ..privacy import atomic

    for child in multiprocessing.active_children():
        child.terminate()
    for _ in range(200):  # a swap into place takes microseconds: let it finish
        swapping, live = atomic.in_progress()
        if not swapping:
            break
        time.sleep(0.01)
    for tmp in live:
        shutil.rmtree(tmp, ignore_errors=True)
    say_once()
    os._exit(130)


def _watchdog(started: float) -> None:
    time.sleep(max(0.0, GRACE - (time.monotonic() - started)))
    _hard_stop()


def _on_sigint(_signum: int, _frame: object) -> None:
    if _STATE["at"] is not None:  # a second Ctrl-C: stop now
        _hard_stop()
    _STATE["at"] = time.monotonic()
    threading.Thread(target=_watchdog, args=(_STATE["at"],), name="evaltool-interrupt", daemon=True).start()
    from ..privacy import atomic

    if atomic.in_progress()[0]:
        return  # the results are being moved into place: the watchdog stops the run after
    raise KeyboardInterrupt


def _unraisable(args: Any, _default: Any = sys.unraisablehook) -> None:
    if args.exc_type is not None and issubclass(args.exc_type, KeyboardInterrupt):
        return  # swallowed by a finaliser: the watchdog stops the run
    _default(args)


def install() -> None:
    """Install the handler (main thread only; a no-op elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, _on_sigint)
    sys.unraisablehook = _unraisable
