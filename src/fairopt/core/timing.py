"""Wall and CPU time of one workflow job, with the machine's state, for the benchmark tables.

Machines are shared and noisy, so a timing always comes with its CPU time (the process's and its
finished children's, :func:`cpu_seconds`), the cores the process may
use and the load average at its start and end. :class:`JobClock` starts when it is built (at the top
of a rule script, before the heavy imports, so that import time counts) and :meth:`JobClock.finish`
returns the record::

    {"start": epoch s, "end": epoch s, "wall_seconds", "cpu_seconds", "cores", "loadavg_start",
     "loadavg_end", **extra}

Timings live in files of their own, never in result files (results are byte-identical across runs).
"""
from __future__ import annotations

import os
import resource
import time
from typing import Any

__all__ = ["JobClock", "usable_cores", "load_average", "cpu_seconds"]


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and of its finished children so far.

    Children count because a job may solve in a child process (an isolated MIO,
    :func:`fairopt.core.isolation.run_isolated`), whose time ``time.process_time`` does not see.
    """
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def load_average() -> float | None:
    """The 1-minute load average (``None`` where the platform has none)."""
    try:
        return float(os.getloadavg()[0])
    except (AttributeError, OSError):  # pragma: no cover - platform without load average
        return None


class JobClock:
    """Measure one job from construction to :meth:`finish` (module docstring)."""

    def __init__(self) -> None:
        self.start = time.time()
        self._wall = time.perf_counter()
        self._cpu = cpu_seconds()
        self._load = load_average()

    def finish(self, **extra: Any) -> dict[str, Any]:
        """The timing record, with ``extra`` keys (e.g. the job's own breakdown)."""
        return {"start": self.start, "end": time.time(), "wall_seconds": time.perf_counter() - self._wall,
                "cpu_seconds": cpu_seconds() - self._cpu, "cores": usable_cores(),
                "loadavg_start": self._load, "loadavg_end": load_average(), **extra}
