"""A solver call in a child process with a wall-clock watchdog (fairopt.core.isolation)."""
from __future__ import annotations

import faulthandler
import logging
import os
import signal
import time

import pytest

from fairopt.core.isolation import WallLimit, run_isolated


def _double(x):
    return 2 * x


def _fail():
    raise ValueError("bad input")


def _abort():
    faulthandler.disable()  # no traceback dump from the deliberately killed child
    os.kill(os.getpid(), signal.SIGABRT)


def _sleep():
    time.sleep(30)


def _built_then(build: float, solve: float, *, progress):
    """A fake solve: ``build`` seconds of model building, the report, then ``solve`` seconds."""
    time.sleep(build)
    progress("built", seconds=build)
    time.sleep(solve)
    return "solved"


def test_run_isolated_outcomes():
    ok = run_isolated(_double, 21, wall_limit=30)
    assert (ok.kind, ok.value) == ("ok", 42)
    err = run_isolated(_fail, wall_limit=30)
    assert err.kind == "error" and isinstance(err.error, ValueError) and "bad input" in str(err.error)
    crash = run_isolated(_abort, wall_limit=30)
    assert crash.kind == "crashed" and crash.exitcode == -signal.SIGABRT
    slow = run_isolated(_sleep, wall_limit=0.5)
    assert slow.kind == "wall_limit" and slow.seconds < 10 and slow.limit == "total"
    assert run_isolated(_double, 2, isolate=False).value == 4


def test_wall_limit_starts_the_solve_deadline_at_the_build_report(caplog):
    """Issue 12 item 7: the deadline is sized from the child's measured build, not a fixed margin: a child
    that builds for longer than ``solve`` still finishes; one that solves past its deadline is killed,
    and the log says which deadline it missed."""
    limit = WallLimit(build=10, solve=1.0, per_build_second=0.0)
    done = run_isolated(_built_then, 1.5, 0.2, wall_limit=limit, progress_kw="progress")
    assert (done.kind, done.value) == ("ok", "solved")  # 1.7 s in all: past `solve`, within its deadline
    assert [s["stage"] for s in done.stages] == ["built"] and done.stages[0]["seconds"] == 1.5
    assert done.deadline == pytest.approx(done.stages[0]["at"] + 1.0)
    with caplog.at_level(logging.WARNING, logger="fairopt.core.isolation"):
        hung = run_isolated(_built_then, 0.1, 30, wall_limit=limit, progress_kw="progress")
    assert hung.kind == "wall_limit" and hung.limit == "solve" and hung.seconds < 5
    assert "wall limit hit" in caplog.text and "solve deadline" in caplog.text and "_built_then" in caplog.text
    # seconds per build second: a longer build buys a later deadline
    assert WallLimit(build=None, solve=2.0, per_build_second=3.0).after_build(1.5) == pytest.approx(6.5)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="fairopt.core.isolation"):
        stuck = run_isolated(_built_then, 30, 0, wall_limit=WallLimit(build=0.5, solve=60), progress_kw="progress")
    assert stuck.kind == "wall_limit" and stuck.limit == "build" and stuck.stages == [] and stuck.seconds < 5
    assert "build limit" in caplog.text


def test_progress_reports_without_isolation_and_a_wall_limit_needs_them():
    out = run_isolated(_built_then, 0.0, 0.0, isolate=False, progress_kw="progress")
    assert out.value == "solved" and out.stages[0]["stage"] == "built"
    with pytest.raises(ValueError, match="progress_kw"):
        run_isolated(_double, 1, wall_limit=WallLimit(build=1, solve=1))
