"""Prediction, fairness and accuracy metrics shared by all studies.

Group-gap functions accept numpy arrays or torch tensors (they use only operations common to
both), so the same definition serves as an evaluation metric and as a differentiable training
penalty.

Notation: ``group`` is a 0/1 array (1 = protected group: black patients in FDFL, ``a = 1`` in fair
regression); ``m`` rows, ``m_1`` of them in group 1.
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "mse",
    "rmse",
    "group_mean",
    "mean_gap",
    "mse_gap",
    "group_gap",
    "survival_gap",
    "discretized_unfairness",
    "exact_unfairness",
    "relative_increase",
]


def mse(y: Any, pred: Any) -> Any:
    """Mean squared error ``mean((pred - y)^2)``."""
    return ((pred - y) ** 2).mean()


def rmse(y: np.ndarray, pred: np.ndarray) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(pred) - np.asarray(y)) ** 2)))


def group_mean(values: Any, group: Any, g: int) -> Any:
    """Mean of ``values`` over rows with ``group == g`` (NaN/empty-safe: raises if the group is absent)."""
    mask = group == g
    count = mask.sum()
    if int(count) == 0:
        raise ValueError(f"group {g} has no rows")
    return (values * mask).sum() / count


def mean_gap(pred: Any, group: Any) -> Any:
    """Statistical-parity gap of predictions, ``|mean(pred | g=0) - mean(pred | g=1)|``.

    This is FDFL's prediction-fairness measure F (paper section 5.2; reference note: computed on
    the training predictions) and the fairness layer's mean-prediction parity.
    """
    return abs(group_mean(pred, group, 0) - group_mean(pred, group, 1))


def mse_gap(y: Any, pred: Any, group: Any) -> Any:
    """Accuracy-parity gap ``|MSE(g=0) - MSE(g=1)|`` (FDFL section 3.3, Berk et al. 2021)."""
    sq = (pred - y) ** 2
    return abs(group_mean(sq, group, 0) - group_mean(sq, group, 1))


def group_gap(kind: str, y: Any, pred: Any, group: Any) -> Any:
    """Dispatch a prediction-fairness measure by name: ``"mean_gap"`` or ``"mse_gap"``."""
    if kind == "mean_gap":
        return mean_gap(pred, group)
    if kind == "mse_gap":
        return mse_gap(y, pred, group)
    raise ValueError(f"unknown prediction-fairness measure {kind!r}; expected 'mean_gap' or 'mse_gap'")


def survival_gap(pred: np.ndarray, group: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Signed statistical-parity gap ``P(y^ > b) - P(y^ > b | a = 1)`` at each threshold ``b``.

    Both empirical survival functions come from one sort each (``O((m + l) log m)``).
    """
    pred = np.asarray(pred, dtype=float)
    a = np.asarray(group).astype(bool)
    b = np.asarray(thresholds, dtype=float)
    s_all = 1.0 - np.searchsorted(np.sort(pred), b, side="right") / pred.size
    s_one = 1.0 - np.searchsorted(np.sort(pred[a]), b, side="right") / a.sum()
    return s_all - s_one


def discretized_unfairness(pred: np.ndarray, group: np.ndarray, thresholds: np.ndarray) -> float:
    """Statistical parity at ``l`` thresholds (Deza, Gomez & Atamturk).

    ``max_j | (1/m) sum_i 1(pred_i > b_j) - (1/m_1) sum_{i: a_i = 1} 1(pred_i > b_j) |``.
    """
    return float(np.max(np.abs(survival_gap(pred, group, thresholds)), initial=0.0))


def exact_unfairness(pred: np.ndarray, group: np.ndarray) -> float:
    """Exact statistical-parity unfairness ``sup_b |P(y^ > b) - P(y^ > b | a = 1)|``.

    The supremum over all real ``b`` is attained at ``b`` equal to one of the predictions (the
    empirical survival functions only change there; below every prediction both equal 1), so it
    is computed exactly in ``O(m log m)`` at the distinct predicted values.
    """
    return float(np.max(np.abs(survival_gap(pred, group, np.unique(np.asarray(pred, dtype=float)))), initial=0.0))


def relative_increase(value: float, reference: float) -> float:
    """Relative increase ``(value - reference) / reference`` (e.g. RMSE over least squares)."""
    return float((value - reference) / reference)
