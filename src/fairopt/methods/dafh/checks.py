"""Input checks shared by the DAFH estimators: labels, group counts, and "no sensitive attribute" guards.

DAFH (Cai, Khalili & Zhang, arXiv 2509.24077, Section 6.3) removes the sensitive attributes from the
inputs of its models; :func:`check_no_sensitive` and :func:`check_no_sensitive_columns` let a study
verify that before fitting. Every error is one line naming the argument.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from fairopt.core.errors import ConfigError, DataError
from fairopt.core.validation import validate_inputs

__all__ = ["binary_labels", "check_n_groups", "check_no_sensitive", "check_no_sensitive_columns", "validate_inputs"]


def binary_labels(y) -> tuple[np.ndarray, np.ndarray]:
    """The two classes of ``y`` and the labels mapped to {-1, +1} (``classes[1]`` -> +1).

    Args:
        y: 1-d targets (any two distinct values).

    Returns:
        ``(classes, y_pm)``: the sorted classes and a float64 array of -1/+1.

    Raises:
        ValueError: Continuous targets ("Unknown label type", from scikit-learn) or a number of
            classes other than 2.
    """
    check_classification_targets(y)
    classes, inverse = np.unique(y, return_inverse=True)
    if classes.size != 2:
        raise ValueError(f"Only binary classification is supported. The target y has {classes.size} class(es); "
                         "expected exactly 2 classes.")
    return classes, np.where(inverse == 1, 1.0, -1.0)


def check_n_groups(n_groups, name: str = "n_groups") -> int:
    """Validate a number of groups K (an integer >= 2).

    Raises:
        ConfigError: K is not an integer >= 2 (the message names ``name``).
    """
    if isinstance(n_groups, bool) or not isinstance(n_groups, (int, np.integer)) or n_groups < 2:
        raise ConfigError(f"{name}: expected an integer >= 2, got {n_groups!r}")
    return int(n_groups)


def check_no_sensitive(feature_names: Sequence[str], sensitive_names: Sequence[str]) -> None:
    """Fail if a sensitive attribute (or a one-hot column derived from it) is among the features.

    A feature ``f`` matches a sensitive name ``s`` if ``f == s`` or ``f`` starts with ``s`` followed by
    one of the usual one-hot separators (``_``, ``=``, ``:``, ``.``, ``[``).

    Args:
        feature_names: Names of the model inputs.
        sensitive_names: Names of the sensitive attributes.

    Raises:
        DataError: Naming the first offending feature.
    """
    for s in sensitive_names:
        s = str(s)
        for f in feature_names:
            f = str(f)
            if f == s or any(f.startswith(s + sep) for sep in ("_", "=", ":", ".", "[")):
                raise DataError(f"feature_names: {f!r} is the sensitive attribute {s!r} (or a column derived "
                                "from it); DAFH must not see sensitive attributes")


def _codes(column: np.ndarray) -> np.ndarray:
    return np.unique(column, return_inverse=True)[1].ravel()


def check_no_sensitive_columns(X, S, *, feature_names: Sequence[str] | None = None,
                               sensitive_names: Sequence[str] | None = None) -> None:
    """Fail if a column of ``X`` encodes a sensitive column of ``S`` (copy, recoding or one-hot dummy).

    Column ``x`` encodes sensitive column ``s`` if (a) the two induce the same partition of the rows
    (a one-to-one recoding: a copy, a relabelling, an affine transform), or (b) ``x`` takes two values
    and the rows with one of them are exactly the rows where ``s`` equals some value (a dummy).
    Proxies that are only correlated with ``s`` are not detected.

    Args:
        X: ``(n, d)`` model inputs.
        S: ``(n, m)`` (or ``(n,)``) sensitive attributes of the same rows.
        feature_names: Optional names of the columns of X (for the message).
        sensitive_names: Optional names of the columns of S (for the message).

    Raises:
        DataError: Naming the first offending feature and sensitive column.
    """
    X = np.asarray(X)
    S = np.asarray(S)
    if S.ndim == 1:
        S = S[:, None]
    if X.ndim != 2 or S.shape[0] != X.shape[0]:
        raise DataError(f"S: expected {X.shape[0] if X.ndim == 2 else '?'} rows like X, got shape {S.shape}")
    fnames = list(feature_names) if feature_names is not None else [f"column {j}" for j in range(X.shape[1])]
    snames = list(sensitive_names) if sensitive_names is not None else [f"column {j}" for j in range(S.shape[1])]
    x_codes = [_codes(X[:, j]) for j in range(X.shape[1])]
    for a in range(S.shape[1]):
        s = _codes(S[:, a])
        n_s = s.max() + 1 if s.size else 0
        for j, x in enumerate(x_codes):
            n_x = x.max() + 1 if x.size else 0
            if n_x < 2:
                continue
            same = np.unique(x * n_s + s).size == n_x == n_s
            dummy = False
            if n_x == 2 and not same:
                for side in (x == 1, x == 0):
                    vals = np.unique(s[side])
                    dummy = dummy or (vals.size == 1 and np.array_equal(side, s == vals[0]))
            if same or dummy:
                raise DataError(f"X: feature {fnames[j]!r} encodes the sensitive attribute {snames[a]!r}; "
                                "DAFH must not see sensitive attributes")
