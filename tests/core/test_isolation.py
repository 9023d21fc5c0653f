"""A solver call in a child process with a wall-clock limit (fairopt.core.isolation)."""
from __future__ import annotations

import faulthandler
import os
import signal
import time

from fairopt.core.isolation import run_isolated


def _double(x):
    return 2 * x


def _fail():
    raise ValueError("bad input")


def _abort():
    faulthandler.disable()  # no traceback dump from the deliberately killed child
    os.kill(os.getpid(), signal.SIGABRT)


def _sleep():
    time.sleep(30)


def test_run_isolated_outcomes():
    ok = run_isolated(_double, 21, wall_limit=30)
    assert (ok.kind, ok.value) == ("ok", 42)
    err = run_isolated(_fail, wall_limit=30)
    assert err.kind == "error" and isinstance(err.error, ValueError) and "bad input" in str(err.error)
    crash = run_isolated(_abort, wall_limit=30)
    assert crash.kind == "crashed" and crash.exitcode == -signal.SIGABRT
    slow = run_isolated(_sleep, wall_limit=0.5)
    assert slow.kind == "wall_limit" and slow.seconds < 10
    assert run_isolated(_double, 2, isolate=False).value == 4
