"""One job run in a forked process while the caller goes on (private; used for the coding
started after linking, the statistics' figures, the early ``.qdpx`` and the research writer
of :func:`evaltool.analysis.write.write_results`).

The child is forked (it inherits the caller's data; nothing is pickled but the value it
returns), ignores Ctrl-C like :func:`evaltool._parallel.fork_map`'s workers, and is
terminated and reaped as soon as the caller leaves the ``with`` block by an error or Ctrl-C,
so the atomic results folder is removed only once nothing writes into it any more; a child
with workers of its own stops them first (SIGTERM is raised in it as SystemExit). When the
child fails, :meth:`Background.result` runs the job again in the caller, which raises the
error itself (with its message and traceback: an exception is not carried across processes).
With one CPU (``EVALTOOL_JOBS=1``), without ``fork`` or inside a daemonic process the job
runs in the caller, at :meth:`Background.result`.
"""

from __future__ import annotations

import os
import select
import signal
from collections.abc import Callable
from typing import Any

from .._parallel import n_workers

__all__ = ["Background"]


def _terminated(signum: int, frame: Any) -> None:
    """SIGTERM (the caller stopping this child) raised as SystemExit, so that a job with
    worker processes of its own (:func:`evaltool._parallel.fork_map`) stops them first."""
    raise SystemExit(128 + signum)


def _child(job: Callable[[], Any], conn: Any, after: int | None = None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminated)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if after is not None:  # a pidfd: readable once that process has ended
        select.select([after], [], [])
        os.close(after)
    try:
        value = job()
    except SystemExit:  # stopped by the caller, who no longer listens
        raise
    except BaseException:  # noqa: BLE001 - the caller runs the job again to raise it
        conn.send((False, None))
    else:
        conn.send((True, value))
    finally:
        conn.close()


class Background:
    """``with Background(job) as bg: ...; value = bg.result()``: ``job()`` runs in a forked
    process during the block.

    ``after``: another running ``Background`` whose process this one's job waits for (Linux
    ``pidfd``; elsewhere it starts at once): two jobs run one after the other on one CPU
    instead of both competing with the caller, and the first one's value comes back as soon
    as it is ready.

    Examples
    --------
    >>> with Background(lambda: sum(range(10))) as bg:
    ...     here = 1 + 1
    ...     there = bg.result()
    >>> here, there
    (2, 45)
    """

    def __init__(self, job: Callable[[], Any], *, after: Background | None = None) -> None:
        self._job = job
        self._after = after
        self._proc: Any = None
        self._conn: Any = None

    def __enter__(self) -> Background:
        import multiprocessing as mp

        if n_workers() <= 1 or "fork" not in mp.get_all_start_methods() or mp.current_process().daemon:
            return self  # serial (a daemonic process, e.g. a pool worker, may not start one)
        ctx = mp.get_context("fork")
        self._conn, send = ctx.Pipe(duplex=False)
        # SIGINT blocked across the fork: the child ignores it before it can arrive there
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        after = self._pidfd()
        try:
            self._proc = ctx.Process(target=_child, args=(self._job, send, after), name="evaltool-writer")
            self._proc.start()
        finally:
            send.close()
            if after is not None:
                os.close(after)
            try:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a pending Ctrl-C is raised here
            except BaseException:
                self._stop()
                raise
        return self

    def _pidfd(self) -> int | None:
        """A pidfd of the ``after`` process (opened here, where it is a child not yet reaped: it
        names that very process), inherited by this one's child; None when there is none."""
        proc = self._after._proc if self._after is not None else None
        if proc is None or not hasattr(os, "pidfd_open"):
            return None
        try:
            return os.pidfd_open(proc.pid)
        except OSError:  # ended and reaped already, or a kernel without pidfds
            return None

    def result(self) -> Any:
        """The job's value (waits for the child); the job's own error if it failed."""
        if self._proc is None:
            return self._job()
        try:
            ok, value = self._conn.recv()
        except EOFError:  # the child died without answering (killed)
            ok, value = False, None
        self._proc.join()
        self._proc = None
        self._conn.close()
        return value if ok else self._job()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        proc.join(timeout=5.0)
        if proc.is_alive():
            proc.kill()
            proc.join()
        self._conn.close()

    def __exit__(self, *exc: object) -> None:
        self._stop()  # left early (an error or Ctrl-C): nothing may write into the folder after this
