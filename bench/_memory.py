"""The memory of a whole process tree, sampled while it runs.

A worker's own high-water mark (``VmHWM``) misses the memory of the processes it forks
(``evaltool`` writes ``research/`` in a forked process, and codes and draws in forked
workers). :class:`TreeSampler` adds up the proportional set size (``Pss``: shared pages
divided among the processes that share them, so a forked copy-on-write child is not counted
twice) of every process in the worker's session every ``interval`` seconds and keeps the
largest sum. Sampling can miss a spike shorter than the interval; the bench reports the larger
of this and the worker's own ``VmHWM``. Linux only: elsewhere the peak stays ``None``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def _session_pss_mb(sid: int) -> float:
    """Sum of ``Pss`` (MB) of the live processes whose session id is ``sid``."""
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if os.getsid(int(d.name)) != sid:
                continue
            for line in (d / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) / 1024.0
                    break
        except (OSError, ValueError):
            continue  # the process ended, or is not ours to read
    return total


class TreeSampler:
    """``with TreeSampler(pid) as s: ...`` then ``s.peak_mb`` (None when not measurable)."""

    def __init__(self, sid: int, interval: float = 0.2) -> None:
        self.sid, self.interval = sid, interval
        self.peak_mb: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        if not Path("/proc/self/smaps_rollup").exists():
            return
        while not self._stop.is_set():
            mb = _session_pss_mb(self.sid)
            if mb > 0:
                self.peak_mb = max(self.peak_mb or 0.0, mb)
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
