"""Run one solver call in a child process with a wall-clock watchdog.

SCIP is given a time limit, but two things are not bounded by it: the model is built before SCIP
starts (natively in PySCIPOpt linear in the nonzeros, :mod:`fairopt.methods.fairreg.native`; through
cvxpy's SCIP interface, still available, its cost grows with the number of cones times the number of
nonzeros, i.e. quadratically in ``m`` for the strong formulation), and the Ipopt/MUMPS/METIS build inside the
pyscipopt wheel (SCIP 10) can corrupt memory when SCIP's NLP heuristics run on strong-formulation
instances (observed from ``m = 30``: ``munmap_chunk(): invalid pointer`` in METIS's nested
dissection, then an abort or a hang; the config's Ipopt options avoid the METIS ordering). A crash
or a hang must neither take the workflow job down silently nor run forever, so mixed-integer
solves run in a forked child:

* the child's return value (or exception) comes back through a pipe;
* a child killed by a signal is reported as ``"crashed"`` (with the signal), one that has not
  answered by its deadline is killed and reported as ``"wall_limit"``, with a warning in the log
  (logger ``fairopt.core.isolation``) saying which deadline it missed.

**The deadline.** A plain number is one deadline, ``wall_limit`` seconds after the start. A
:class:`WallLimit` is sized from what the child measured, in two phases: the child reports its
model built (``progress("built", seconds=<build seconds>)``, the callable handed to it as the
keyword ``progress_kw``) within ``build`` seconds of the start; from that report it has

    ``solve + per_build_second * <build seconds>``

seconds more (``solve`` covers the solver's own limit, e.g. ``factor * time limit + margin``; the
second term the work that grows with the model but happens around the solver's clock -- reading
the solution back and polishing it, and through cvxpy its compilation and its SCIP interface's model
construction, which take a multiple of the build time). So a solve with a 0.01 s limit on a small model is given up after seconds, not after a
fixed 15 minutes, and a large model still gets the time its construction needs.

The caller records these outcomes as statuses of the result; nothing is retried or dropped here.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Outcome", "WallLimit", "run_isolated"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WallLimit:
    """A deadline in two phases, sized from the child's measured build time (module docstring).

    Attributes:
        build: Seconds from the start until the child must report ``"built"`` (``None``: no limit).
        solve: Seconds allowed after the report, before ``per_build_second`` is added.
        per_build_second: Seconds allowed after the report per second of reported build time.
    """

    build: float | None
    solve: float
    per_build_second: float = 0.0

    def after_build(self, build_seconds: float) -> float:
        """Seconds the child has after its ``"built"`` report."""
        return float(self.solve) + float(self.per_build_second) * max(float(build_seconds), 0.0)

    def as_record(self) -> dict[str, Any]:
        """The configured limits, for result rows."""
        return {"build": self.build, "solve": self.solve, "per_build_second": self.per_build_second}


@dataclass
class Outcome:
    """What a child run produced.

    Attributes:
        kind: ``"ok"`` (``value`` set), ``"error"`` (``error`` set: the exception raised in the
            child), ``"crashed"`` (killed by a signal; ``exitcode`` is minus the signal number)
            or ``"wall_limit"`` (no answer by the deadline; the child was killed).
        value: The function's return value.
        error: The exception (re-raisable in the parent).
        exitcode: The child's exit code.
        seconds: Wall-clock time until the outcome was known.
        traceback: The child's traceback of ``error``.
        stages: The child's progress reports in order: ``{"stage", "at" (seconds after the start),
            **info}``.
        limit: For ``"wall_limit"``: the deadline missed -- ``"total"`` (a plain number),
            ``"build"`` (no ``"built"`` report in time) or ``"solve"`` (built, then no answer).
        deadline: Seconds after the start at which the child would be (``"wall_limit"``: was) killed,
            the last deadline in force (``None``: none).
    """

    kind: str
    value: Any = None
    error: BaseException | None = None
    exitcode: int | None = None
    seconds: float = 0.0
    traceback: str = ""
    stages: list[dict[str, Any]] = field(default_factory=list)
    limit: str | None = None
    deadline: float | None = None


def _child(conn, func, args, kwargs, progress_kw) -> None:  # pragma: no cover - runs in the child
    if progress_kw is not None:
        def progress(stage: str, **info: Any) -> None:
            conn.send(("progress", stage, info))
        kwargs = {**kwargs, progress_kw: progress}
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


def _name(func: Callable[..., Any]) -> str:
    return getattr(func, "__qualname__", None) or repr(func)


def run_isolated(func: Callable[..., Any], *args: Any, wall_limit: float | WallLimit | None = None,
                 isolate: bool = True, progress_kw: str | None = None, **kwargs: Any) -> Outcome:
    """Call ``func(*args, **kwargs)`` in a forked child process, bounded by a wall-clock deadline.

    Args:
        func: The function (its return value must be picklable).
        *args, **kwargs: Its arguments.
        wall_limit: Seconds after which the child is killed, a :class:`WallLimit` (module
            docstring) or ``None`` (no limit).
        isolate: ``False`` calls ``func`` in this process (no crash protection, no wall limit);
            for tests and debugging.
        progress_kw: Name of the keyword through which ``func`` receives ``progress(stage,
            **info)``; its reports are :attr:`Outcome.stages`. Required with a :class:`WallLimit`
            (whose second phase starts at the ``"built"`` report).

    Returns:
        An :class:`Outcome`.

    Raises:
        ValueError: A :class:`WallLimit` without ``progress_kw``.
    """
    if isinstance(wall_limit, WallLimit) and progress_kw is None:
        raise ValueError("run_isolated: a WallLimit needs progress_kw (the child reports its model built)")
    start = time.perf_counter()
    stages: list[dict[str, Any]] = []

    def record(stage: str, info: dict[str, Any]) -> None:
        stages.append({"stage": stage, "at": time.perf_counter() - start, **info})

    if not isolate:
        if progress_kw is not None:
            kwargs = {**kwargs, progress_kw: lambda stage, **info: record(stage, info)}
        try:
            return Outcome("ok", func(*args, **kwargs), seconds=time.perf_counter() - start, stages=stages)
        except Exception as exc:  # noqa: BLE001 -- reported, the caller decides
            return Outcome("error", error=exc, seconds=time.perf_counter() - start,
                           traceback=traceback.format_exc(), stages=stages)
    if isinstance(wall_limit, WallLimit):
        deadline, phase = wall_limit.build, "build"
    else:
        deadline, phase = (None if wall_limit is None else float(wall_limit)), "total"
    built_at = None
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, func, args, kwargs, progress_kw), daemon=True)
    proc.start()
    child.close()
    try:
        while True:
            left = None if deadline is None else max(deadline - (time.perf_counter() - start), 0.0)
            if not parent.poll(left):
                break
            try:
                message = parent.recv()
            except EOFError:  # the child died after opening the pipe, before answering
                proc.join()
                return Outcome("crashed", exitcode=proc.exitcode, seconds=time.perf_counter() - start,
                               stages=stages, deadline=deadline)
            if message[0] == "progress":
                _, stage, info = message
                record(stage, info)
                if stage == "built" and isinstance(wall_limit, WallLimit) and phase == "build":
                    built_at = stages[-1]["at"]
                    deadline, phase = built_at + wall_limit.after_build(info.get("seconds", built_at)), "solve"
                continue
            kind, payload, tb = message
            proc.join()
            seconds = time.perf_counter() - start
            if kind == "ok":
                return Outcome("ok", payload, exitcode=proc.exitcode, seconds=seconds, stages=stages,
                               deadline=deadline)
            return Outcome("error", error=payload, exitcode=proc.exitcode, seconds=seconds, traceback=tb,
                           stages=stages, deadline=deadline)
        proc.kill()
        proc.join()
        seconds = time.perf_counter() - start
        what = {"total": f"its wall limit of {deadline:.1f} s",
                "build": f"its build limit of {deadline:.1f} s without reporting its model built",
                "solve": (f"its solve deadline ({deadline:.1f} s after the start: model built at "
                          f"{built_at:.1f} s, + {deadline - built_at:.1f} s to solve)"
                          if built_at is not None else "")}[phase]
        log.warning("wall limit hit: %s killed after %.1f s, past %s", _name(func), seconds, what)
        return Outcome("wall_limit", exitcode=proc.exitcode, seconds=seconds, stages=stages, limit=phase,
                       deadline=deadline)
    finally:
        parent.close()
        if proc.is_alive():  # pragma: no cover - defensive
            proc.kill()
            proc.join()
