"""Input validation of fairopt's scikit-learn estimators (DAFH's classifiers, ``FairRegressor``).

scikit-learn's ``validate_data`` (float64; it sets or checks ``n_features_in_`` and
``feature_names_in_``) with fairopt's one-line error for non-finite inputs.
"""
from __future__ import annotations

import numpy as np
from sklearn.utils.validation import validate_data

from fairopt.core.errors import DataError

__all__ = ["validate_inputs"]


def validate_inputs(estimator, X, y="no_validation", *, reset: bool = True):
    """scikit-learn's ``validate_data`` (float64) with a one-line error for non-finite ``X``.

    Args:
        estimator: The estimator (``n_features_in_`` / ``feature_names_in_`` are set or checked).
        X: Inputs.
        y: Targets (``fit``; ``None`` is rejected by scikit-learn), or the default
            ``"no_validation"`` at prediction time.
        reset: ``True`` in ``fit``, ``False`` in prediction methods.

    Returns:
        ``X`` or ``(X, y)`` as validated arrays.

    Raises:
        DataError: ``X`` contains NaN or infinite values (first offending row and column named).
    """
    if isinstance(y, str) and y == "no_validation":
        out = validate_data(estimator, X, reset=reset, dtype=np.float64, ensure_all_finite=False)
        Xv = out
    else:
        out = validate_data(estimator, X, y, reset=reset, dtype=np.float64, ensure_all_finite=False)
        Xv = out[0]
    bad = ~np.isfinite(Xv)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataError(f"X: contains NaN or infinite values (first at row {i}, column {j})")
    return out
