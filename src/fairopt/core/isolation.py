"""Run one solver call in a child process with a wall-clock watchdog.

SCIP is given a time limit, but two things are not bounded by it: cvxpy's SCIP interface builds
the model in Python (its cost grows with the number of cones times the number of nonzeros, i.e.
quadratically in ``m`` for the strong formulation), and the Ipopt/MUMPS/METIS build inside the
pyscipopt wheel (SCIP 10) can corrupt memory when SCIP's NLP heuristics run on strong-formulation
instances (observed from ``m = 30``: ``munmap_chunk(): invalid pointer`` in METIS's nested
dissection, then an abort or a hang; the config's Ipopt options avoid the METIS ordering). A crash
or a hang must neither take the workflow job down silently nor run forever, so mixed-integer
solves run in a forked child:

* the child's return value (or exception) comes back through a pipe;
* a child killed by a signal is reported as ``"crashed"`` (with the signal), one that has not
  answered after ``wall_limit`` seconds is killed and reported as ``"wall_limit"``.

The caller records these outcomes as statuses of the result; nothing is retried or dropped here.
"""
from __future__ import annotations

import multiprocessing as mp
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Outcome", "run_isolated"]


@dataclass
class Outcome:
    """What a child run produced.

    Attributes:
        kind: ``"ok"`` (``value`` set), ``"error"`` (``error`` set: the exception raised in the
            child), ``"crashed"`` (killed by a signal; ``exitcode`` is minus the signal number)
            or ``"wall_limit"`` (no answer within the wall limit; the child was killed).
        value: The function's return value.
        error: The exception (re-raisable in the parent).
        exitcode: The child's exit code.
        seconds: Wall-clock time until the outcome was known.
    """

    kind: str
    value: Any = None
    error: BaseException | None = None
    exitcode: int | None = None
    seconds: float = 0.0
    traceback: str = ""


def _child(conn, func, args, kwargs) -> None:  # pragma: no cover - runs in the child
    try:
        result = ("ok", func(*args, **kwargs), "")
    except BaseException as exc:  # noqa: BLE001 -- everything goes back to the parent
        result = ("error", exc, traceback.format_exc())
    try:
        conn.send(result)
    except Exception as exc:  # noqa: BLE001 -- e.g. an unpicklable exception
        conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}"), traceback.format_exc()))
    finally:
        conn.close()


def run_isolated(func: Callable[..., Any], *args: Any, wall_limit: float | None = None,
                 isolate: bool = True, **kwargs: Any) -> Outcome:
    """Call ``func(*args, **kwargs)`` in a forked child process, bounded by ``wall_limit`` seconds.

    Args:
        func: The function (its return value must be picklable).
        *args, **kwargs: Its arguments.
        wall_limit: Seconds after which the child is killed (``None``: no limit).
        isolate: ``False`` calls ``func`` in this process (no crash protection, no wall limit);
            for tests and debugging.

    Returns:
        An :class:`Outcome`.
    """
    start = time.perf_counter()
    if not isolate:
        try:
            return Outcome("ok", func(*args, **kwargs), seconds=time.perf_counter() - start)
        except Exception as exc:  # noqa: BLE001 -- reported, the caller decides
            return Outcome("error", error=exc, seconds=time.perf_counter() - start,
                           traceback=traceback.format_exc())
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, func, args, kwargs), daemon=True)
    proc.start()
    child.close()
    try:
        ready = parent.poll(wall_limit)
        if ready:
            try:
                kind, payload, tb = parent.recv()
            except EOFError:  # the child died after opening the pipe, before answering
                proc.join()
                return Outcome("crashed", exitcode=proc.exitcode, seconds=time.perf_counter() - start)
            proc.join()
            if kind == "ok":
                return Outcome("ok", payload, exitcode=proc.exitcode, seconds=time.perf_counter() - start)
            return Outcome("error", error=payload, exitcode=proc.exitcode,
                           seconds=time.perf_counter() - start, traceback=tb)
        proc.kill()
        proc.join()
        return Outcome("wall_limit", exitcode=proc.exitcode, seconds=time.perf_counter() - start)
    finally:
        parent.close()
        if proc.is_alive():  # pragma: no cover - defensive
            proc.kill()
            proc.join()
