"""The 2^5 synthetic regression design of the fairness-layer study (experiment 1).

Reference note ``shared/reference/fairness_layer.md``. (:func:`synthetic_design`, :func:`make_synthetic`): 2^5 = 32
datasets from five two-level factors, enumerated in this order (first factor slowest):

======================  ==================  ===================
factor                  level 0             level 1
======================  ==================  ===================
group-1 share           20%                 50%
group strength          corr 0.3, bias +-3  corr 0.7, bias +-6
noise sd                0.125               0.6
box [lb, ub]            [-3.5, 3.5]         [0, 3.5]
target                  linear              nonlinear
======================  ==================  ===================

Design choices (the note gives only the factors; where the authors' public generator was
informative we follow its structure, otherwise the choice is ours):

* protected attribute ``a``: exactly ``round(share n)`` rows of group 1, placed at random (not
  ``Bernoulli(share)``: with an exact count the stratified 24k/10k/6k split and the batches of a
  constant group ratio divide evenly, so no batch of rows is dropped -- with Bernoulli draws the
  6,000 test rows make only 2 full batches of 2,000 unless group 1 has exactly 1,200 of them);
  ``X = [a, x_1..x_p]`` so ``a`` is column 0 and is fed to the network (``p = n_features``, 150 in
  the paper: 151 network inputs);
* base features: standard normal, equicorrelated 0.3 within consecutive blocks of 20 (one
  common factor per block);
* group-feature correlation ``rho``: ``min(50, p // 6)`` randomly chosen features are replaced
  by ``sqrt(1 - rho^2) x_j + rho s`` with ``s`` the standardised ``a``, so
  ``corr(x_j, a) = rho`` exactly in the population (the authors' code multiplies the group sign
  by zero-mean noise, which leaves the features' distribution unchanged across groups; we use a
  real mean shift so the factor means what its name says); features are then standardised;
* signal ``f``: linear = ``min(10, max(1, p // 10))`` features with ``N(0, 1)`` coefficients;
  nonlinear = ``0.7 linear + 0.2 sum_j c_j x_j^2`` (``min(15, max(1, p // 10))`` features,
  ``c_j ~ N(0, 0.4^2)``) ``+ 0.1 sum`` of ``min(10, max(1, p // 20))`` pairwise products with
  ``N(0, 0.4^2)`` coefficients (as in the authors' generator);
* target ``y = f + bias (2a - 1) + N(0, sd^2)``, standardised, then group 0 scaled by 0.85
  (slightly lower variance for group 0, as in the authors' generator);
* the box is not applied to ``y`` (targets may lie outside it; ``meta['outside_box']`` gives the
  share); one seed per dataset: ``numpy.random.default_rng([seed, index])``.
"""
from __future__ import annotations

import itertools
from typing import Any, cast

import numpy as np
import pandas as pd

from fairopt.core.errors import ConfigError
from fairopt.data.container import FairData

__all__ = ['synthetic_design', 'make_synthetic']


_LEVELS: dict[str, tuple[Any, Any]] = {
    "group_share": (0.2, 0.5),
    "strength": ("low", "high"),
    "noise_sd": (0.125, 0.6),
    "box": ("loose", "tight"),
    "target": ("linear", "nonlinear"),
}
_STRENGTH = {"low": (0.3, 3.0), "high": (0.7, 6.0)}
_BOX = {"loose": (-3.5, 3.5), "tight": (0.0, 3.5)}


def synthetic_design() -> pd.DataFrame:
    """The 32 synthetic datasets, one row each (``index`` 0..31, factor levels, box)."""
    rows = []
    for i, (share, strength, sd, box, target) in enumerate(itertools.product(*_LEVELS.values())):
        corr, bias = _STRENGTH[strength]
        lb, ub = _BOX[box]
        rows.append({"index": i, "name": f"syn{i:02d}", "group_share": share, "strength": strength,
                     "correlation": corr, "group_bias": bias, "noise_sd": sd, "box": box,
                     "lb": lb, "ub": ub, "target": target})
    return pd.DataFrame(rows)


def make_synthetic(index: int, *, n_rows: int = 40_000, n_features: int = 150, seed: int = 0,
                   group0_scale: float = 0.85, block_size: int = 20,
                   block_corr: float = 0.3) -> FairData:
    """Generate synthetic dataset ``index`` (0..31) of the 2^5 design (module docstring).

    Args:
        index: Row of :func:`synthetic_design`.
        n_rows: Rows (40,000 in the paper).
        n_features: Features besides the protected column (150 in the paper).
        seed: Base seed; the dataset uses ``default_rng([seed, index])``.
        group0_scale: Factor applied to group 0's standardised target.
        block_size, block_corr: Equicorrelated feature blocks.

    Returns:
        :class:`FairData` with ``X`` of shape ``(n_rows, 1 + n_features)`` (column 0 = group),
        ``groups`` = column 0, and ``meta`` holding the factors, ``lb``, ``ub``.
    """
    design = synthetic_design()
    if not 0 <= int(index) < len(design):
        raise ConfigError(f"synthetic dataset index {index} out of range 0..{len(design) - 1}")
    if n_rows < 2 or n_features < 1:
        raise ConfigError(f"synthetic dataset needs n_rows >= 2 and n_features >= 1, got {n_rows}, {n_features}")
    spec = cast("dict[str, Any]", design.iloc[int(index)].to_dict())  # the design's columns are str
    rng = np.random.default_rng([int(seed), int(index)])
    n, p = int(n_rows), int(n_features)
    share = float(spec["group_share"])
    a = np.zeros(n, dtype=np.int64)
    a[rng.permutation(n)[:int(round(share * n))]] = 1
    # base features: equicorrelated blocks
    feats = np.empty((n, p))
    for start in range(0, p, block_size):
        stop = min(start + block_size, p)
        common = rng.standard_normal((n, 1))
        feats[:, start:stop] = (np.sqrt(block_corr) * common
                                + np.sqrt(1 - block_corr) * rng.standard_normal((n, stop - start)))
    # group-feature correlation
    rho = float(spec["correlation"])
    s = (a - share) / np.sqrt(share * (1 - share))
    corr_idx = rng.choice(p, size=max(1, min(50, p // 6)), replace=False)
    feats[:, corr_idx] = np.sqrt(1 - rho ** 2) * feats[:, corr_idx] + rho * s[:, None]
    feats = (feats - feats.mean(axis=0)) / feats.std(axis=0)
    # signal
    k_lin = min(10, max(1, p // 10))
    lin_idx = rng.choice(p, size=k_lin, replace=False)
    f = feats[:, lin_idx] @ rng.standard_normal(k_lin)
    if spec["target"] == "nonlinear":
        k_poly = min(15, max(1, p // 10))
        poly_idx = rng.choice(p, size=k_poly, replace=False)
        poly = (feats[:, poly_idx] ** 2) @ rng.normal(0, 0.4, k_poly)
        inter = np.zeros(n)
        for _ in range(min(10, max(1, p // 20))):
            i, j = rng.choice(p, size=2, replace=p < 2)
            inter += rng.normal(0, 0.4) * feats[:, i] * feats[:, j]
        f = 0.7 * f + 0.2 * poly + 0.1 * inter
    y = f + float(spec["group_bias"]) * (2 * a - 1) + rng.normal(0, float(spec["noise_sd"]), n)
    y = (y - y.mean()) / y.std()
    y[a == 0] *= group0_scale
    X = np.column_stack([a, feats]).astype(np.float32)
    lb, ub = float(spec["lb"]), float(spec["ub"])
    meta = {**spec, "n_rows": n, "n_features": p, "seed": int(seed), "group0_scale": group0_scale,
            "outside_box": float(np.mean((y < lb) | (y > ub))),
            "group_means": [float(y[a == 0].mean()) if (a == 0).any() else float("nan"),
                            float(y[a == 1].mean()) if (a == 1).any() else float("nan")]}
    return FairData(X=X, y=y.astype(np.float32), groups=a, group_names=["a"],
                    feature_names=["a"] + [f"x{j}" for j in range(p)], meta=meta)
