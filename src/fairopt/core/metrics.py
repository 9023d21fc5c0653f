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

from fairopt.core.errors import DataError

__all__ = [
    "mse",
    "rmse",
    "group_mean",
    "mean_gap",
    "mse_gap",
    "group_gap",
    "GROUP_GAPS",
    "attribute_gaps",
    "classification_metrics",
    "survival_gap",
    "discretized_unfairness",
    "exact_unfairness",
    "relative_increase",
]


def mse(y: Any, pred: Any) -> Any:
    """Mean squared error ``mean((pred - y)^2)``."""
    return ((pred - y) ** 2).mean()


def rmse(y: np.ndarray, pred: np.ndarray) -> float:
    """Root mean squared error ``sqrt(mean((pred - y)^2))``: scikit-learn's ``root_mean_squared_error``.

    Bit-identical to ``np.sqrt(np.mean((pred - y) ** 2))`` on float64 vectors (tested); NaN or infinite
    values raise scikit-learn's ``ValueError``.
    """
    from sklearn.metrics import root_mean_squared_error

    return float(root_mean_squared_error(np.asarray(y, dtype=np.float64), np.asarray(pred, dtype=np.float64)))


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


#: prediction-fairness measures by name: ``kind -> f(y, pred, group)``
GROUP_GAPS = {"mean_gap": lambda y, pred, group: mean_gap(pred, group), "mse_gap": mse_gap}


def group_gap(kind: str, y: Any, pred: Any, group: Any) -> Any:
    """A prediction-fairness measure of :data:`GROUP_GAPS` by name (``"mean_gap"`` or ``"mse_gap"``)."""
    if kind not in GROUP_GAPS:
        raise ValueError(f"unknown prediction-fairness measure {kind!r}; expected one of {sorted(GROUP_GAPS)}")
    return GROUP_GAPS[kind](y, pred, group)


def attribute_gaps(values: Any, groups: Any) -> list[float]:
    """Signed mean differences ``mean(values | A_k = 0) - mean(values | A_k = 1)``, one per binary attribute.

    Subset means (``values[A_k == 0].mean()``), numpy or torch (the arithmetic of the input's library);
    ``groups`` is ``(n,)`` or ``(n, K)`` 0/1; NaN where a side is empty. For two groups
    ``abs(attribute_gaps(v, a)[0])`` is the statistical-parity gap of :func:`mean_gap` up to
    rounding (that one sums masked values, which keeps shapes fixed in training penalties).
    """
    is_torch = type(values).__module__.startswith("torch")
    v = values.reshape(-1) if is_torch else np.asarray(values, dtype=np.float64).reshape(-1)
    A = np.asarray(groups).reshape(v.shape[0], -1)
    out = []
    for k in range(A.shape[1]):
        m0, m1 = A[:, k] == 0, A[:, k] == 1
        if not (m0.any() and m1.any()):
            out.append(float("nan"))
            continue
        if is_torch:
            import torch

            m0, m1 = torch.as_tensor(m0), torch.as_tensor(m1)
        out.append(float(v[m0].mean() - v[m1].mean()))
    return out


def classification_metrics(scores: Any, labels: Any) -> dict[str, float]:
    """AUC and average precision (scikit-learn) and the 0-threshold error rate of scores/logits against 0/1 labels.

    Raises:
        DataError: Labels of a single class (AUC undefined).
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    y = np.asarray(labels).reshape(-1).astype(int)
    if len(np.unique(y)) < 2:
        raise DataError(f"AUC needs both classes among the {len(y)} labels")
    return {"auc": float(roc_auc_score(y, s)), "ap": float(average_precision_score(y, s)),
            "error_rate": float(np.mean((s >= 0).astype(int) != y))}


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
    """Exact statistical-parity unfairness ``sup_b |P(y^ > b) - P(y^ > b | a = 1)|``: a two-sample KS statistic.

    With ``F`` and ``F_1`` the empirical CDFs of all predictions and of group 1's,
    ``P(y^ > b) - P(y^ > b | a = 1) = F_1(b) - F(b)``, so the supremum over all real ``b`` is the
    Kolmogorov-Smirnov distance ``sup_b |F(b) - F_1(b)|`` between the sample of all ``m`` predictions
    and the sample of the ``m_1`` group-1 predictions. Both CDFs are right-continuous steps that jump
    only at predicted values (and are 0 below all of them), so the supremum is attained at a
    prediction -- exactly where :func:`scipy.stats.ks_2samp` evaluates it (``O(m log m)``). The
    statistic is the same for every ``method``; ``"asymp"`` is used because its p-value (discarded)
    costs nothing and never warns, while ``"exact"`` would round the statistic to a multiple of
    ``1/lcm(m, m_1)`` only for small samples. Equals ``discretized_unfairness(pred, group,
    np.unique(pred))`` up to rounding: ``i/m - j/m_1`` here, ``(1 - i/m) - (1 - j/m_1)`` there (measured
    on 2,000 random cases: bit-identical in 64%, otherwise apart by at most ``2^-53``; tested to
    ``4 * 2^-53``).

    Raises:
        DataError: No prediction, or no row in group 1.
    """
    from scipy.stats import ks_2samp

    values = np.asarray(pred, dtype=np.float64).reshape(-1)
    in_group = np.asarray(group).reshape(-1).astype(bool)
    if values.size == 0 or not in_group.any():
        raise DataError(f"group: exact unfairness needs rows in group 1; got {int(in_group.sum())} of {values.size}")
    with np.errstate(divide="ignore", invalid="ignore"):     # the asymptotic p-value of a 1-row sample
        return float(ks_2samp(values, values[in_group], method="asymp").statistic)


def relative_increase(value: float, reference: float) -> float:
    """Relative increase ``(value - reference) / reference`` (e.g. RMSE over least squares)."""
    return float((value - reference) / reference)
