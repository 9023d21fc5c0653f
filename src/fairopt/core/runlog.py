"""Logging for workflow scripts: one log file per job, warnings captured, errors on one line.

Usage in a rule script::

    from fairopt.core.runlog import logged
    with logged(snakemake.log[0]) as log:
        log.info("...")

An exception is written to the log as ``ERROR <Type>: <message>`` (the one-line message fairopt's
errors carry) followed by the traceback, and re-raised so the job fails and Snakemake removes
its outputs.
"""
from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

__all__ = ["logged"]


@contextlib.contextmanager
def logged(path: str | Path | None, name: str = "fairopt") -> Iterator[logging.Logger]:
    """Log to ``path`` (and stderr) for the duration of the block."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path, mode="w", encoding="utf-8"))
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    for h in handlers:
        h.setFormatter(fmt)
        logger.addHandler(h)
    logging.captureWarnings(True)
    warn_logger = logging.getLogger("py.warnings")
    for h in handlers:
        warn_logger.addHandler(h)
    try:
        yield logger
    except BaseException as exc:
        logger.error("%s: %s", type(exc).__name__, exc)
        logger.debug("".join(traceback.format_exception(exc)))
        if path is not None:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write("".join(traceback.format_exception(exc)))
        raise
    finally:
        for h in handlers:
            logger.removeHandler(h)
            warn_logger.removeHandler(h)
            h.close()
        logging.captureWarnings(False)
