"""The employee wage audit of the fairness-layer study (the loans metrics are in :mod:`fairopt.core.metrics`).

Reference note ``shared/reference/fairness_layer.md``:

* SBA loans (:func:`fairopt.core.metrics.classification_metrics`, :func:`fairopt.core.metrics.attribute_gaps`):
  test AUC and average precision (AP) of the deployed logits, for Projection also before projection;
  the mean-logit gap per protected attribute.
* Employee wage audit (evaluated on the training data): MSE; for each of the ``2K`` groups
  (both sides ``A_k = 1`` / ``A_k = 0`` of the ``K = 5`` attributes) the mean residual
  ``m_g(pred) - m_g(y)``; a constraint counts as violated when ``|m_g(pred) - m_g(y)| > eps +
  tol`` (the authors' audit used ``tol = 1e-5``); the largest ``|residual|``; and *raise
  flagging*: employees whose residual ``pred - y`` (predicted minus actual wage: underpaid) is
  at or above its ``flag_percentile``-th percentile are flagged, and per attribute the flagging
  rates of the two sides and their gap are reported (flagging parity = the largest gap).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from fairopt.core import metrics
from fairopt.core.errors import DataError

__all__ = ["wage_audit"]


def wage_audit(pred: np.ndarray, y: np.ndarray, groups: np.ndarray, names: list[str], *, eps: float,
               tol: float, flag_percentile: float) -> dict[str, Any]:
    """The wage-audit metrics of the module docstring.

    Args:
        pred: Predicted (scaled) wages.
        y: Actual (scaled) wages.
        groups: ``(n, K)`` binary protected attributes.
        names: ``K`` attribute names.
        eps: Residual tolerance of the constraints.
        tol: Extra tolerance before a constraint counts as violated.
        flag_percentile: Residual percentile at and above which an employee is flagged.

    Returns:
        ``mse``, ``violated``, ``n_constraints``, ``max_residual``, ``flag_parity`` and
        ``groups``: one record per group (``attribute``, ``side``, ``n``, ``residual``,
        ``violated``) and ``flagging``: one record per attribute (``rate_0``, ``rate_1``, ``gap``).
    """
    p = np.asarray(pred, dtype=np.float64).reshape(-1)
    t = np.asarray(y, dtype=np.float64).reshape(-1)
    A = np.asarray(groups).reshape(len(p), -1)
    if A.shape[1] != len(names):
        raise DataError(f"wage audit: {A.shape[1]} attributes but {len(names)} names")
    records: list[dict[str, Any]] = []
    for k, name in enumerate(names):
        for side in (1, 0):
            mask = A[:, k] == side
            if mask.any():
                res = float(p[mask].mean() - t[mask].mean())
                records.append({"attribute": name, "side": side, "n": int(mask.sum()), "residual": res,
                                "violated": bool(abs(res) > eps + tol)})
    resid = p - t
    flagged = resid >= np.percentile(resid, flag_percentile)
    flagging: list[dict[str, Any]] = []
    for k, name in enumerate(names):
        m0, m1 = A[:, k] == 0, A[:, k] == 1
        if m0.any() and m1.any():
            r0, r1 = float(flagged[m0].mean()), float(flagged[m1].mean())
            flagging.append({"attribute": name, "rate_0": r0, "rate_1": r1, "gap": abs(r0 - r1)})
    return {
        "mse": float(metrics.mse(t, p)),
        "violated": int(sum(r["violated"] for r in records)),
        "n_constraints": len(records),
        "max_residual": float(max(abs(r["residual"]) for r in records)) if records else float("nan"),
        "flag_rate": float(flagged.mean()),
        "flag_parity": float(max(f["gap"] for f in flagging)) if flagging else float("nan"),
        "groups": records,
        "flagging": flagging,
    }
