"""Exception types with one-line, actionable messages.

Every error raised for bad input names the file or config key involved and what was expected,
so that a failed workflow job can be fixed from the first line of its log.
"""
from __future__ import annotations


class FairoptError(Exception):
    """Base class of all fairopt errors."""


class ConfigError(FairoptError, ValueError):
    """An invalid configuration value (the message names the key)."""


class DataError(FairoptError, ValueError):
    """A missing, corrupt or malformed data file (the message names file, column and rows)."""


class ChecksumError(DataError):
    """A raw file whose checksum differs from the pinned one."""


class SolverError(FairoptError, RuntimeError):
    """A solver that failed, was inaccurate, or is not installed/licensed."""
