"""Fairness metrics with fairlearn's signature ``metric(y_true, y_pred, *, sensitive_features, ...)``.

The user-facing metrics of fairopt. Each one validates its arguments and delegates the maths to the
implementation the workflow uses (:mod:`fairopt.core.metrics`, :mod:`fairopt.methods.dafh.metrics`),
so a value here is the value in the results. Arrays may be lists, NumPy arrays, pandas Series or
one-column DataFrames (positions, not pandas indexes, align the rows). ``y_true`` is accepted and
ignored by the metrics that do not use it (as in fairlearn's ``demographic_parity_difference``).

**Two-group metrics** (FDFL, fairness layer, fair regression): ``sensitive_features`` holds exactly
two distinct labels, of any type (``0/1``, booleans, strings ...). The two gaps are symmetric, so
which label is which group does not matter; :func:`statistical_parity_unfairness` compares group
``a = 1`` with all rows and needs to know that group (``protected``; default the second of the two
labels in sorted order, :func:`fairopt.core.groups.binary_groups`).

* :func:`mean_prediction_difference` -- ``|mean(y^ | a=0) - mean(y^ | a=1)|``
  (:func:`fairopt.core.metrics.mean_gap`);
* :func:`mean_squared_error_difference` -- ``|MSE(a=0) - MSE(a=1)|`` (:func:`~fairopt.core.metrics.mse_gap`);
* :func:`statistical_parity_unfairness` -- ``sup_b |P(y^ > b) - P(y^ > b | a=1)|`` over all ``b``
  (:func:`~fairopt.core.metrics.exact_unfairness`) or over given thresholds
  (:func:`~fairopt.core.metrics.discretized_unfairness`).

**DAFH preference metrics** (Cai, Khalili & Zhang, arXiv 2509.24077, Section 6.3; Ustun, Liu & Parkes,
ICML 2019). A decoupled model routes each row to one of K classifiers h_1..h_K and is compared with
the pooled classifier h_0 trained on all rows. Arguments, by name throughout:

* ``y_pred`` ``(n,)`` -- the model's labels: each row's assigned classifier's label (``predict(X)``);
* ``y_pred_pooled`` ``(n,)`` -- h_0's labels;
* ``y_pred_decoupled`` ``(n, K)`` -- every decoupled classifier's label on every row, column ``k - 1``
  for h_k (an estimator's ``predict_all(X)[:, 1:]``; a 1-D array is K = 1; needed by the envy
  metrics: a group envies a classifier it does not use);
* ``assigned`` ``(n,)`` -- the index in ``[0, K)`` of each row's classifier (``assign(X)``); ``y_pred``
  must equal ``y_pred_decoupled[i, assigned[i]]`` on every row;
* ``sensitive_features`` ``(n,)`` -- the grouping of the group metrics, any number of groups, labels of
  any one sortable type. ``sensitive_features=assigned`` gives the paper's definitions on the learned
  groups (``R_k(h_0) - R_k(h_k)``, ``R_k(h_j) - R_k(h_k)``); the true sensitive groups (e.g. the
  intersections of race, sex and age) give the audit of Ustun et al. that Table 7 compares with (the
  workflow reports both; its Table 7 comparison uses the intersections of the LR-All attributes). For
  a group whose members use different classifiers its own error is the mean of its members' assigned
  classifiers' errors, and every h_k is a rival unless the whole group uses h_k (the rules of
  :mod:`fairopt.methods.dafh.metrics`). One group is allowed.

Labels are compared with ``!=`` (0-1 loss), so any two-valued (or multi-class) labels work, but all
label arguments must be of one kind (numbers/booleans, or strings).

Bad input raises :class:`~fairopt.core.errors.DataError` (a ``ValueError``) with one line naming the
argument: wrong shape, length mismatch, empty, NaN/None, a wrong number of groups.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from fairopt.core import metrics as _core
from fairopt.core.errors import DataError
from fairopt.core.groups import binary_groups
from fairopt.methods.dafh import metrics as _dafh

__all__ = [
    "mean_prediction_difference",
    "mean_squared_error_difference",
    "statistical_parity_unfairness",
    "prob_fairness_without_harm",
    "max_gain",
    "min_envy",
    "disparity_increase",
    "n_violations",
]


# ------------------------------------------------------------------ argument checks
def _array(name: str, values: Any) -> np.ndarray:
    """``values`` as a 1-D array (an ``(n, 1)`` column is flattened); DataError if empty or not 1-D."""
    try:
        arr = np.asarray(values)
    except ValueError as err:                                   # ragged nested lists
        raise DataError(f"{name}: expected a 1-D array, got {type(values).__name__} ({err})") from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataError(f"{name}: expected a 1-D array (one value per row), got shape {arr.shape}")
    if arr.size == 0:
        raise DataError(f"{name}: expected at least one row, got none")
    return arr


def _rows(name: str, arr: np.ndarray, n: int | None) -> None:
    if n is not None and arr.shape[0] != n:
        raise DataError(f"{name}: expected {n} rows (the length of y_pred), got {arr.shape[0]}")


def _numbers(name: str, values: Any, n: int | None = None) -> np.ndarray:
    """A non-empty 1-D float64 vector of ``n`` finite numbers."""
    arr = _array(name, values)
    _rows(name, arr, n)
    try:
        out = arr.astype(np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{name}: expected numbers, got values of dtype {arr.dtype}") from None
    bad = ~np.isfinite(out)
    if bad.any():
        raise DataError(f"{name}: {int(bad.sum())} NaN or infinite value(s), first at row {int(np.argmax(bad))}")
    return out


def _missing(name: str, arr: np.ndarray) -> None:
    import pandas as pd

    bad = np.asarray(pd.isna(arr), dtype=bool).reshape(arr.shape)
    if bad.any():
        rows = np.flatnonzero(bad.reshape(arr.shape[0], -1).any(axis=1))
        raise DataError(f"{name}: {rows.size} row(s) with a missing value (NaN/None), first at row {int(rows[0])}")


def _labels(name: str, values: Any, n: int | None = None) -> np.ndarray:
    """A non-empty 1-D array of ``n`` labels without missing values."""
    arr = _array(name, values)
    _rows(name, arr, n)
    _missing(name, arr)
    return arr


def _same_kind(name: str, arr: np.ndarray, ref: np.ndarray) -> None:
    """Labels of a kind comparable with ``y_true``'s (numbers vs strings would all be "wrong")."""
    text = {"U", "S"}
    if (arr.dtype.kind in text) != (ref.dtype.kind in text) and "O" not in (arr.dtype.kind, ref.dtype.kind):
        raise DataError(f"{name}: labels of dtype {arr.dtype} do not compare with y_true's dtype {ref.dtype}")


def _group_codes(sensitive_features: Any, n: int, protected: Any = None) -> np.ndarray:
    """0/1 codes of two groups (:func:`fairopt.core.groups.binary_groups`; the missing-value check first,
    which names the first row)."""
    return binary_groups(_labels("sensitive_features", sensitive_features, n), n, protected=protected)[0]


# ------------------------------------------------------------------ two-group metrics
def mean_prediction_difference(y_true: Any, y_pred: ArrayLike, *, sensitive_features: ArrayLike) -> float:
    """Statistical-parity gap of predictions ``|mean(y^ | a=0) - mean(y^ | a=1)|``.

    FDFL's prediction-fairness measure F (section 5.2) and the fairness layer's mean-prediction
    parity; delegates to :func:`fairopt.core.metrics.mean_gap`. Equal, up to float rounding (the
    group means are summed differently), to fairlearn's
    ``make_derived_metric(metric=mean_prediction, transform="difference")`` for any numeric
    ``y_pred``, and to fairlearn's ``demographic_parity_difference`` (``method="between_groups"``)
    exactly when every ``y_pred`` is 0 or 1 (numbers or booleans): fairlearn's selection rate is the
    share of ``y_pred == 1``, which is the mean only for 0/1 predictions.

    Args:
        y_true: Ignored (accepted for the fairlearn signature).
        y_pred: ``(n,)`` predictions (finite numbers or booleans).
        sensitive_features: ``(n,)`` labels of exactly two groups.

    Returns:
        The gap, ``>= 0``.

    Raises:
        DataError: Bad ``y_pred`` or ``sensitive_features`` (the message names it).
    """
    pred = _numbers("y_pred", y_pred)
    return float(_core.mean_gap(pred, _group_codes(sensitive_features, pred.size)))


def mean_squared_error_difference(y_true: ArrayLike, y_pred: ArrayLike, *, sensitive_features: ArrayLike) -> float:
    """Accuracy-parity gap ``|MSE(a=0) - MSE(a=1)|`` (FDFL section 3.3, Berk et al. 2021).

    Delegates to :func:`fairopt.core.metrics.mse_gap`. Equal, up to float rounding, to fairlearn's
    ``MetricFrame(metrics=mean_squared_error, ...).difference()`` (``method="between_groups"``) and to
    ``make_derived_metric(metric=mean_squared_error, transform="difference")``.

    Args:
        y_true: ``(n,)`` targets (finite numbers).
        y_pred: ``(n,)`` predictions (finite numbers).
        sensitive_features: ``(n,)`` labels of exactly two groups.

    Returns:
        The gap, ``>= 0``.

    Raises:
        DataError: A bad argument (the message names it).
    """
    pred = _numbers("y_pred", y_pred)
    y = _numbers("y_true", y_true, pred.size)
    return float(_core.mse_gap(y, pred, _group_codes(sensitive_features, pred.size)))


def statistical_parity_unfairness(y_true: Any, y_pred: ArrayLike, *, sensitive_features: ArrayLike,
                                  thresholds: ArrayLike | None = None, protected: Any = None) -> float:
    """Statistical parity at every threshold: ``sup_b |P(y^ > b) - P(y^ > b | a=1)|`` (Deza, Gomez & Atamturk).

    ``thresholds=None``: the exact value, the supremum over all real ``b`` -- the Kolmogorov-Smirnov
    distance between the predictions of all rows and those of group ``a = 1``
    (:func:`fairopt.core.metrics.exact_unfairness`, :func:`scipy.stats.ks_2samp`). Given thresholds
    ``b_1..b_l``: the discretized unfairness ``max_j |(1/m) sum_i 1(y^_i > b_j) - (1/m_1)
    sum_{a_i = 1} 1(y^_i > b_j)|`` of the fair-regression objective
    (:func:`fairopt.core.metrics.discretized_unfairness`), never above the exact value.

    Group ``a = 1`` is compared with *all* rows, not with group 0: since the CDF of all rows is the
    mixture ``(m_0 F_0 + m_1 F_1) / m``, the value is ``(m_0 / m) sup_b |F_0(b) - F_1(b)|``, i.e.
    ``m_0 / m`` times the two-group KS distance; for 0/1 predictions it is ``m_0 / m`` times
    :func:`mean_prediction_difference` (and fairlearn's ``demographic_parity_difference``). It
    therefore depends on which group is ``a = 1``.

    Args:
        y_true: Ignored (accepted for the fairlearn signature).
        y_pred: ``(n,)`` predictions (finite numbers).
        sensitive_features: ``(n,)`` labels of exactly two groups.
        thresholds: ``None`` (exact), or the thresholds ``b_j`` (finite numbers, at least one).
        protected: The label of group ``a = 1``; default the second of the two labels in sorted order
            (1 for 0/1, ``True`` for booleans; :func:`fairopt.core.groups.binary_groups`, the rule of
            :class:`~fairopt.methods.fairreg.FairRegressor` too).

    Returns:
        The unfairness, in ``[0, 1]``.

    Raises:
        DataError: A bad argument, or a ``protected`` that is not one of the labels (the message names it).
    """
    pred = _numbers("y_pred", y_pred)
    group_one = _group_codes(sensitive_features, pred.size, protected)
    if thresholds is None:
        return _core.exact_unfairness(pred, group_one)
    return _core.discretized_unfairness(pred, group_one, _numbers("thresholds", thresholds))


# ------------------------------------------------------------------ DAFH preference metrics
def _dafh_labels(y_true: ArrayLike, y_pred: ArrayLike, **others: ArrayLike) -> tuple[np.ndarray, ...]:
    """``(y_pred, y_true, *others)`` validated: 1-D labels of one length and kind; ``y_pred_decoupled`` 2-D."""
    pred = _labels("y_pred", y_pred)
    y = _labels("y_true", y_true, pred.size)
    _same_kind("y_pred", pred, y)
    out = [pred, y]
    for name, values in others.items():
        if name == "y_pred_decoupled":
            arr = np.asarray(values)
            if arr.ndim == 1:
                arr = arr[:, None]
            if arr.ndim != 2 or arr.shape[0] != pred.size or arr.shape[1] == 0:
                raise DataError(f"y_pred_decoupled: expected shape ({pred.size}, K) with K >= 1 "
                                f"(one column per decoupled classifier), got {arr.shape}")
            _missing(name, arr)
        else:
            arr = _labels(name, values, pred.size)
        if name.startswith("y_pred"):
            _same_kind(name, arr, y)
        out.append(arr)
    return tuple(out)


def _decoupled_risks(y_true: ArrayLike, y_pred: ArrayLike, sensitive_features: ArrayLike,
                     y_pred_pooled: ArrayLike | None, y_pred_decoupled: ArrayLike,
                     assigned: ArrayLike) -> tuple[_dafh.GroupRisks, tuple[np.ndarray, ...]]:
    """Group risks with every decoupled classifier, and ``(pooled loss, decoupled losses, assigned, groups)``."""
    extra: dict[str, ArrayLike] = {"y_pred_decoupled": y_pred_decoupled, "assigned": assigned,
                                   "sensitive_features": sensitive_features}
    if y_pred_pooled is not None:
        extra["y_pred_pooled"] = y_pred_pooled
    pred, y, dec, a, groups, *pooled = _dafh_labels(y_true, y_pred, **extra)
    # min envy does not use h_0: its losses are then a placeholder (the own classifier's)
    l0, lk = _dafh.zero_one_losses(y, np.column_stack([pooled[0] if pooled else pred, dec]))
    risks = _dafh.group_risks(l0, lk, a, groups)                 # checks assigned (indices in [0, K))
    own = dec[np.arange(pred.size), a.astype(np.int64)]
    if np.any(own != pred):
        row = int(np.argmax(own != pred))
        raise DataError(f"y_pred: row {row} is {pred[row:row + 1].tolist()[0]!r}, but its assigned classifier "
                        f"y_pred_decoupled[{row}, assigned[{row}]] predicts {own[row:row + 1].tolist()[0]!r}")
    return risks, (l0, lk, a, groups)


def prob_fairness_without_harm(y_true: ArrayLike, y_pred: ArrayLike, *, y_pred_pooled: ArrayLike,
                               y_pred_decoupled: ArrayLike) -> float:
    """Probability of fairness without harm (DAFH Section 6.3, metric 1).

    The share of rows whose own 0-1 loss is not above the pooled classifier's nor any decoupled
    classifier's: ``l(y^_i, y_i) <= l(h_0(x_i), y_i)`` and ``l(y^_i, y_i) <= l(h_k(x_i), y_i)`` for all k
    (comparing with the own classifier itself is trivially true, so no assignment is needed). With
    0-1 losses: the row is classified correctly, or every classifier is wrong on it. Delegates to
    :func:`fairopt.methods.dafh.metrics.prob_fairness_without_harm`. A per-row quantity: there are no
    groups, hence no ``sensitive_features``.

    Args:
        y_true: ``(n,)`` true labels.
        y_pred: ``(n,)`` each row's assigned classifier's labels.
        y_pred_pooled: ``(n,)`` the pooled classifier's labels.
        y_pred_decoupled: ``(n, K)`` every decoupled classifier's labels.

    Returns:
        The probability, in [0, 1] and at least the accuracy of ``y_pred``.

    Raises:
        DataError: A bad argument (the message names it).
    """
    pred, y, pooled, dec = _dafh_labels(y_true, y_pred, y_pred_pooled=y_pred_pooled,
                                        y_pred_decoupled=y_pred_decoupled)
    # column 0 of the model losses is y_pred itself, the "assigned" classifier of every row
    l0, lk = _dafh.zero_one_losses(y, np.column_stack([pooled, pred, dec]))
    return _dafh.prob_fairness_without_harm(l0, lk, np.zeros(pred.size, dtype=np.int64))


def _pooled_risks(y_true: ArrayLike, y_pred: ArrayLike, sensitive_features: ArrayLike,
                  y_pred_pooled: ArrayLike) -> _dafh.GroupRisks:
    """Group risks of ``y_pred`` (own) and ``y_pred_pooled`` (as one "decoupled" column assigned to all rows)."""
    pred, y, pooled, groups = _dafh_labels(y_true, y_pred, y_pred_pooled=y_pred_pooled,
                                           sensitive_features=sensitive_features)
    l0, lk = _dafh.zero_one_losses(y, np.column_stack([pooled, pred]))
    return _dafh.group_risks(l0, lk, np.zeros(pred.size, dtype=np.int64), groups)


def max_gain(y_true: ArrayLike, y_pred: ArrayLike, *, sensitive_features: ArrayLike,
             y_pred_pooled: ArrayLike) -> float:
    """Max gain (DAFH metric 4): ``max_g (R_g(h_0) - R_g(own))``, higher is better.

    ``R_g`` is the 0-1 error over the rows of group g (a group of ``sensitive_features``):
    ``R_g(own)`` of ``y_pred``, ``R_g(h_0)`` of ``y_pred_pooled``. Equals fairlearn's
    ``MetricFrame`` of ``zero_one_loss(y_pred_pooled) - zero_one_loss(y_pred)`` by group, then
    ``group_max()``. Delegates to :func:`fairopt.methods.dafh.metrics.max_gain`.

    Args:
        y_true: ``(n,)`` true labels.
        y_pred: ``(n,)`` the model's labels.
        sensitive_features: ``(n,)`` group labels (module docstring: learned or true groups).
        y_pred_pooled: ``(n,)`` the pooled classifier's labels.

    Returns:
        The largest rationality gain over groups.

    Raises:
        DataError: A bad argument (the message names it).
    """
    return _dafh.max_gain(_pooled_risks(y_true, y_pred, sensitive_features, y_pred_pooled))


def disparity_increase(y_true: ArrayLike, y_pred: ArrayLike, *, sensitive_features: ArrayLike,
                       y_pred_pooled: ArrayLike) -> float:
    """DAFH's "disparity" (metric 6): the accuracy range over groups with ``y_pred`` minus that with h_0.

    ``[max_g acc_g(own) - min_g acc_g(own)] - [max_g acc_g(h_0) - min_g acc_g(h_0)]``, lower is
    better; 0 for a single group. Equals fairlearn's
    ``MetricFrame(metrics=accuracy_score, ...).difference()`` of ``y_pred`` minus that of
    ``y_pred_pooled``. Delegates to :func:`fairopt.methods.dafh.metrics.disparity`.

    Args:
        y_true, y_pred, sensitive_features, y_pred_pooled: As in :func:`max_gain`.

    Returns:
        The difference of the two accuracy ranges.

    Raises:
        DataError: A bad argument (the message names it).
    """
    return _dafh.disparity(_pooled_risks(y_true, y_pred, sensitive_features, y_pred_pooled))


def min_envy(y_true: ArrayLike, y_pred: ArrayLike, *, sensitive_features: ArrayLike,
             y_pred_decoupled: ArrayLike, assigned: ArrayLike) -> float:
    """Min envy (DAFH metric 5, Ustun et al.'s smallest envy margin): ``min_g min_{rival k} (R_g(h_k) - R_g(own))``.

    Higher is better; negative when some group would be more accurate with a rival classifier. The
    rivals of a group are every h_k except the group's own classifier when all its members use one
    (module docstring). NaN if no group has a rival. Delegates to
    :func:`fairopt.methods.dafh.metrics.min_envy`.

    Args:
        y_true: ``(n,)`` true labels.
        y_pred: ``(n,)`` the model's labels (``y_pred_decoupled[i, assigned[i]]``).
        sensitive_features: ``(n,)`` group labels (``assigned`` for the learned groups).
        y_pred_decoupled: ``(n, K)`` every decoupled classifier's labels.
        assigned: ``(n,)`` each row's classifier index in ``[0, K)``.

    Returns:
        The smallest envy margin.

    Raises:
        DataError: A bad argument, or a ``y_pred`` that is not the assigned classifiers' labels.
    """
    risks, _ = _decoupled_risks(y_true, y_pred, sensitive_features, None, y_pred_decoupled, assigned)
    return _dafh.min_envy(risks)


def n_violations(y_true: ArrayLike, y_pred: ArrayLike, *, sensitive_features: ArrayLike, y_pred_pooled: ArrayLike,
                 y_pred_decoupled: ArrayLike, assigned: ArrayLike, alpha: float | None = None) -> int:
    """# of violations (DAFH metric 3): groups violating rationality plus (group, rival) pairs violating envy-freeness.

    ``alpha=None``: raw counts, ``R_g(own) > R_g(h_0)`` and ``R_g(h_k) < R_g(own)`` for a rival h_k
    (:func:`fairopt.methods.dafh.metrics.n_violations`). ``alpha`` in (0, 1]: Ustun et al.'s
    significance-based count -- exact one-sided McNemar tests of each group's own classifier against
    h_0 and every rival, Bonferroni over all tests at family level ``alpha``
    (:func:`fairopt.methods.dafh.metrics.significant_violations`; the workflow uses 0.1).

    Args:
        y_true, y_pred, sensitive_features, y_pred_decoupled, assigned: As in :func:`min_envy`.
        y_pred_pooled: ``(n,)`` the pooled classifier's labels.
        alpha: ``None`` (raw counts) or the family-wise significance level.

    Returns:
        The number of violations.

    Raises:
        DataError: A bad argument (the message names it).
    """
    risks, (l0, lk, a, groups) = _decoupled_risks(y_true, y_pred, sensitive_features, y_pred_pooled,
                                                  y_pred_decoupled, assigned)
    if alpha is None:
        return _dafh.n_violations(risks)
    return _dafh.significant_violations(l0, lk, a, groups, alpha).n_violations
