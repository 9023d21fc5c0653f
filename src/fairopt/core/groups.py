"""A two-valued sensitive feature as the 0/1 attribute ``a`` (one convention for estimators and metrics).

Fair regression's unfairness compares group ``a = 1`` with all rows, so which value is ``a = 1``
matters (``P(t > b) - P(t > b | a = 1) = P(a = 0) (P(t > b | a = 0) - P(t > b | a = 1))``). The rule,
used by :class:`fairopt.methods.fairreg.FairRegressor` and :mod:`fairopt.metrics` alike: the value named
by the caller's ``protected`` argument, else the *second of the two values in sorted order*
(``numpy.unique``): 1 for 0/1, ``True`` for booleans, +1 for -1/+1, ``"White"`` for ``{"Black", "White"}``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from fairopt.core.errors import DataError

__all__ = ["binary_groups"]


def binary_groups(values: Any, n: int, *, protected: Any = None, protected_name: str = "protected",
                  name: str = "sensitive_features") -> tuple[np.ndarray, np.ndarray]:
    """The 0/1 attribute of a two-valued feature (module docstring for which value is 1).

    Args:
        values: ``(n,)`` array-like (or one column) of exactly two distinct, comparable values.
        n: The number of rows expected.
        protected: The value that is ``a = 1`` (``None``: the second of the two sorted values).
        protected_name: The caller's name for ``protected``, in messages.
        name: The caller's name for ``values``, in messages.

    Returns:
        ``(a, groups)``: ``a`` an int64 array of 0/1, ``groups = [value of a = 0, value of a = 1]``.

    Raises:
        DataError: Missing, wrongly shaped, not comparable, with missing values, not two-valued, or a
            ``protected`` that is not one of the values; one line starting with the argument's name.
    """
    if values is None:
        raise DataError(f"{name}: required, a two-valued 1-D array of length {n}")
    s = np.asarray(values)
    if s.ndim == 2 and s.shape[1] == 1:
        s = s[:, 0]
    if s.ndim != 1 or s.shape[0] != n:
        raise DataError(f"{name}: expected a 1-D array of length {n}, got shape {s.shape}")
    try:
        missing = bool(np.any(s != s)) or any(v is None for v in s.tolist())
        distinct = np.unique(s)
    except TypeError as exc:
        raise DataError(f"{name}: values must be comparable (numbers or strings), got {exc}") from None
    if missing:
        raise DataError(f"{name}: contains missing values (NaN or None)")
    if distinct.size != 2:
        raise DataError(f"{name}: expected exactly two groups among the rows, got {distinct.size} distinct value(s) "
                        f"{distinct.tolist()[:5]}{' ...' if distinct.size > 5 else ''}")
    one = distinct[1]
    if protected is not None:
        if not np.any(distinct == protected):
            raise DataError(f"{protected_name}: {protected!r} is not one of the values {distinct.tolist()} of {name}")
        one = protected
    a = np.asarray(s == one, dtype=np.int64)
    other = distinct[0] if distinct[1] == one else distinct[1]
    return a, np.array([other, one], dtype=distinct.dtype)
