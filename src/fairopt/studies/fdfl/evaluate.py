r"""Evaluation of one FDFL prediction: regret, accuracy, prediction fairness, group allocations.

For one part of a trial (train or test) with true risks ``r``, predictions ``r_hat``, gains ``g``
and race (0 = white, 1 = black), all patients form ONE allocation with the same budget ``Q``
(reference note ``fdfl.md``: the 2,500 test patients share ``Q = 1000``):

* ``regret`` -- the normalised regret of Table 2,
  :math:`(W_\alpha(d^*(r); r) - W_\alpha(d^*(\hat r); r)) / |W_\alpha(d^*(r); r)|` with utilities
  :math:`u_i = r_i g_i d_i` at the TRUE ``r`` (eq. 6; :func:`fairopt.methods.alpha_fair.normalized_regret`);
  ``regret_alpha_<a>`` the same for every evaluation alpha;
* ``mse`` -- :math:`\frac1n\sum_i (\hat r_i - r_i)^2`;
* ``mean_gap`` -- the paper's prediction fairness F = :math:`|\bar{\hat r}_{white} - \bar{\hat r}_{black}|`;
  ``mse_gap`` -- accuracy parity :math:`|MSE_{white} - MSE_{black}|`;
* ``groups`` -- per race: the spending share :math:`\sum_{i \in G} c_i \hat d_i / Q` under the
  predictions and :math:`\sum_{i \in G} c_i d^*_i / Q` under full information, their difference,
  and the mean absolute and relative decision error :math:`|\hat d_i - d^*_i|` within the group
  (the idea of the paper's Fig. 2; the relative error over the patients with :math:`d^*_i > 0`).

Everything is computed in float64 numpy with the closed form of eq. (9).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from fairopt.methods.alpha_fair.allocation import closed_form, normalized_regret
from fairopt.core.metrics import mean_gap, mse, mse_gap

__all__ = ["GROUPS", "evaluate_split", "alpha_key"]

#: race code -> group name
GROUPS = {0: "white", 1: "black"}


def alpha_key(alpha: float) -> str:
    """``regret_alpha_<a>`` key of an evaluation alpha (``inf`` for maximin)."""
    return "regret_alpha_" + ("inf" if math.isinf(alpha) else f"{alpha:g}")


def evaluate_split(r: Any, r_hat: Any, g: Any, race: Any, *, Q: float, cost: float, alpha: float,
                   eval_alphas: Sequence[float] = ()) -> dict[str, Any]:
    """Metrics of one allocation (see the module docstring).

    Args:
        r: True risks (``> 0``).
        r_hat: Predicted risks (``> 0``).
        g: Gains (``> 0``).
        race: 0 = white, 1 = black.
        Q: Budget of the whole part.
        cost: Unit cost ``c_i``.
        alpha: Decision fairness of the method (the ``regret`` column).
        eval_alphas: Further alphas reported as ``regret_alpha_<a>``.

    Returns:
        ``{"regret", "mse", "mean_gap", "mse_gap", "n", "mean_pred", "mean_true",
        "regret_alpha_<a>"..., "groups": {name: {...}}}``.
    """
    r, r_hat, g = (np.asarray(x, dtype=np.float64).reshape(-1) for x in (r, r_hat, g))
    race = np.asarray(race).reshape(-1)
    out: dict[str, Any] = {
        "n": int(r.shape[0]),
        "mse": float(mse(r, r_hat)),
        "mean_gap": float(mean_gap(r_hat, race)),
        "mse_gap": float(mse_gap(r, r_hat, race)),
        "mean_pred": float(r_hat.mean()),
        "mean_true": float(r.mean()),
    }
    decisions = {}
    for a in dict.fromkeys([alpha, *eval_alphas]):
        d_star = closed_form(r, g, cost, Q, a)
        d_hat = closed_form(r_hat, g, cost, Q, a)
        decisions[a] = (d_star, d_hat)
        out[alpha_key(a)] = normalized_regret(d_hat, d_star, r, g, a)
    out["regret"] = out[alpha_key(alpha)]
    d_star, d_hat = decisions[alpha]
    groups = {}
    for code, name in GROUPS.items():
        mask = race == code
        if not mask.any():
            continue
        err = np.abs(d_hat[mask] - d_star[mask])
        served = d_star[mask] > 0          # alpha = 0 serves only the best ratio
        share_pred = float(cost * d_hat[mask].sum() / Q)
        share_opt = float(cost * d_star[mask].sum() / Q)
        groups[name] = {
            "n": int(mask.sum()),
            "share_pred": share_pred,
            "share_opt": share_opt,
            "share_error": share_pred - share_opt,
            "mean_abs_error": float(err.mean()),
            "mean_rel_error": float(np.mean(err[served] / d_star[mask][served])) if served.any() else float("nan"),
            "mean_pred": float(r_hat[mask].mean()),
            "mean_true": float(r[mask].mean()),
            "mse": float(mse(r[mask], r_hat[mask])),
        }
    out["groups"] = groups
    return out
