"""Synthetic fair-regression instances for the slides' study (n = 10, l = 40, m in {15,...,100}).

The slides do not describe their generator; this one is documented and seeded, and makes
least squares unfair by construction:

* ``a_i ~ Bernoulli(p_protected)`` (re-drawn positions guarantee at least two rows per group);
* features ``x_i = [1, u_i]`` (``intercept=True``; ``n - 1`` random features) or ``x_i = u_i``,
  with ``u_i ~ N(0, I)`` and ``u_is += shift * a_i`` for the first ``n_shifted`` features (the
  protected group is shifted, so the features carry the group);
* ``y_raw = u' beta + noise * sd(u' beta) * e``, ``beta ~ N(0, I)`` except that the shifted
  features get ``|beta_s| + 0.5`` (the shift moves the protected group's targets up);
* ``y = (y_raw - min) / (max - min)`` in [0, 1] (the study puts its thresholds on the 1/l grid of
  this range: :func:`fairopt.studies.fairreg.prepare.synthetic_instance`).

The default ``noise = 0.1`` is our calibration: with the summed loss, the lambda at which
``lambda * U(least squares)`` equals the least-squares loss is about 0.01, 0.03, 0.05 and 0.13
for m = 15, 30, 50, 100 (5 seeds), so the slides' grid lambda in [0.01, 0.5] runs from
loss-dominated to fairness-dominated objectives, as their gaps suggest. (A mean loss
``(1/m) sum`` would correspond to ``lambda_sum = m * lambda``.)
"""
from __future__ import annotations

import numpy as np

from fairopt.data.container import FairData

__all__ = ["make_synthetic"]


def make_synthetic(m: int, *, n: int = 10, seed: int = 0, p_protected: float = 0.4, shift: float = 1.0,
                   n_shifted: int = 3, noise: float = 0.1, intercept: bool = True) -> FairData:
    """Generate one instance (module docstring).

    Args:
        m: Rows (>= 4).
        n: Features, including the constant column when ``intercept``.
        seed: Seed of ``numpy.random.default_rng``.
        p_protected: Share of rows with ``a = 1``.
        shift: Mean shift of the protected group in the first ``n_shifted`` random features.
        n_shifted: Number of shifted features.
        noise: Noise standard deviation relative to the signal's.
        intercept: First column constant 1.

    Returns:
        :class:`FairData` with ``X`` (float64), ``y`` in [0, 1], ``groups`` = ``a``, and ``meta``
        holding ``beta``, ``seed`` and the generator's ``params`` (``n_shifted`` as used).
    """
    if m < 4 or n < 1 + int(intercept):
        raise ValueError(f"need m >= 4 and n >= {1 + int(intercept)}, got m={m}, n={n}")
    rng = np.random.default_rng(seed)
    a = (rng.random(m) < p_protected).astype(int)
    for g in (0, 1):  # at least two rows per group
        while (a == g).sum() < 2:
            a[rng.integers(m)] = g
    d = n - 1 if intercept else n
    k = min(n_shifted, d)
    u = rng.standard_normal((m, d))
    u[:, :k] += shift * a[:, None]
    beta = rng.standard_normal(d)
    beta[:k] = np.abs(beta[:k]) + 0.5
    signal = u @ beta
    y_raw = signal + noise * signal.std() * rng.standard_normal(m)
    y = (y_raw - y_raw.min()) / (y_raw.max() - y_raw.min())
    X = np.column_stack([np.ones(m), u]) if intercept else u
    params = {"m": m, "n": n, "p_protected": p_protected, "shift": shift, "n_shifted": k, "noise": noise,
              "intercept": intercept}
    return FairData(X=X, y=y, groups=a, feature_names=[f"x{j}" for j in range(X.shape[1])], group_names=["a"],
                    meta={"beta": beta, "seed": int(seed), "params": params})
