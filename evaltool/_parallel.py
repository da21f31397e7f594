"""Independent per-group work spread over forked worker processes, results in input order.

Used where the same work is done for many independent items (quotes per cohort, rule coding
per answer): the work for each chunk runs in a forked process that inherits the step's data (nothing is
pickled but the chunk's keys and the result), and the results come back in chunk order, so
the output is exactly the serial one. Workers ignore Ctrl-C (SIGINT, which a terminal sends
to the whole process group): the parent cancels the chunks not started and terminates the
workers at once. Where ``fork`` is unavailable, or the work is small, it runs serially.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["MIN_PARALLEL", "fork_map", "n_workers"]

MIN_PARALLEL = 40
"""Fewest items worth forking for (below it the processes cost more than they save)."""

_JOB: Callable[[Sequence[Any]], list[Any]] | None = None


def n_workers() -> int:
    """Worker processes to use: the CPUs this process may run on (``EVALTOOL_JOBS`` caps it).

    Returns
    -------
    int
        At least 1.

    Examples
    --------
    >>> n_workers() >= 1
    True
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    cap = os.environ.get("EVALTOOL_JOBS", "")
    return max(1, min(cpus, int(cap))) if cap.isdigit() and int(cap) > 0 else max(1, cpus)


def _ignore_sigint() -> None:
    """In a worker: Ctrl-C is the parent's to handle (a terminal sends it to the whole process
    group); the parent then terminates the workers. No worker prints a traceback."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not a handler inherited from the parent


def _stop(pool: Any) -> None:
    """Cancel the chunks not started and terminate the workers now (Ctrl-C or an error)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.join(timeout=1.0)


def _run_chunk(items: Sequence[Any]) -> list[Any]:
    assert _JOB is not None
    return _JOB(items)


def fork_map(job: Callable[[Sequence[Any]], list[Any]], items: Sequence[Any], *, n_jobs: int | None = None,
             chunks_per_worker: int = 4, chunk_size: int | None = None,
             min_items: int = MIN_PARALLEL, meanwhile: Callable[[], Any] | None = None) -> list[Any]:
    """``job(items)`` computed chunk by chunk, in forked workers when worthwhile.

    Parameters
    ----------
    job
        Takes a slice of ``items`` and returns a list (one entry per item or any number);
        it may read anything the calling process holds (the workers are forked).
    items
        The keys to split (e.g. cohort names), in output order.
    n_jobs
        Worker processes (default :func:`n_workers`).
    chunks_per_worker
        Chunks per worker (smaller chunks balance uneven groups).
    chunk_size
        Items per chunk instead (overrides ``chunks_per_worker``).
    min_items
        Fewer items than this run serially, as one call of ``job``.
    meanwhile
        Called once in this process while the workers work (once they have all started, so
        that nothing it does is copied into them), or before ``job`` when it runs serially:
        work of the caller's that does not need the result, done beside it.

    Returns
    -------
    list
        The concatenation of ``job`` over consecutive slices of ``items``: the same as
        ``job(items)`` when ``job`` treats each item on its own.

    Examples
    --------
    >>> fork_map(lambda xs: [x * x for x in xs], list(range(5)))
    [0, 1, 4, 9, 16]
    """
    import multiprocessing as mp

    items = list(items)
    jobs = n_workers() if n_jobs is None else n_jobs
    if jobs <= 1 or len(items) < min_items or "fork" not in mp.get_all_start_methods():
        if meanwhile is not None:
            meanwhile()
        return job(items)
    from concurrent.futures import ProcessPoolExecutor

    global _JOB
    size = chunk_size or -(-len(items) // min(len(items), jobs * chunks_per_worker))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    _JOB = job
    pool = ProcessPoolExecutor(min(jobs, len(chunks)), mp_context=mp.get_context("fork"),
                               initializer=_ignore_sigint)
    try:
        running = pool.map(_run_chunk, chunks)  # every chunk submitted: the workers are forked
        if meanwhile is not None:
            meanwhile()
        parts = list(running)
    except BaseException:
        _stop(pool)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        _JOB = None
    return [x for part in parts for x in part]
