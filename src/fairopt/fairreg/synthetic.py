"""Synthetic fair-regression instances for the slides' study (n = 10, l = 40, m in {15,...,100}).

The slides do not describe their generator; this one is documented and seeded, and makes
least squares unfair by construction:

* ``a_i ~ Bernoulli(p_protected)`` (re-drawn positions guarantee at least two rows per group);
* features ``x_i = [1, u_i]`` (``intercept=True``; ``n - 1`` random features) or ``x_i = u_i``,
  with ``u_i ~ N(0, I)`` and ``u_is += shift * a_i`` for the first ``n_shifted`` features (the
  protected group is shifted, so the features carry the group);
* ``y_raw = u' beta + noise * sd(u' beta) * e``, ``beta ~ N(0, I)`` except that the shifted
  features get ``|beta_s| + 0.5`` (the shift moves the protected group's targets up);
* ``y = (y_raw - min) / (max - min)`` in [0, 1]; thresholds ``b_j = j / l`` for ``j = 0..l-1``
  (:func:`fairopt.fairreg.objective.threshold_grid`, ``position="left"``), the 1/l grid of the
  target range.

The default ``noise = 0.1`` is our calibration: with the summed loss, the lambda at which
``lambda * U(least squares)`` equals the least-squares loss is about 0.01, 0.03, 0.05 and 0.13
for m = 15, 30, 50, 100 (5 seeds), so the slides' grid lambda in [0.01, 0.5] runs from
loss-dominated to fairness-dominated objectives, as their gaps suggest. (A mean loss
``(1/m) sum`` would correspond to ``lambda_sum = m * lambda``.)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fairopt.errors import DataError
from fairopt.fairreg.objective import Instance, make_instance, threshold_grid
from fairopt.io import read_json, write_csv, write_json

__all__ = ["SyntheticInstance", "make_synthetic", "write_instance", "read_instance"]


@dataclass(frozen=True)
class SyntheticInstance:
    """A generated instance and its generating parameters."""

    instance: Instance
    beta: np.ndarray
    seed: int
    params: dict

    @property
    def X(self) -> np.ndarray:
        return self.instance.X

    @property
    def y(self) -> np.ndarray:
        return self.instance.y

    @property
    def a(self) -> np.ndarray:
        return self.instance.a

    @property
    def thresholds(self) -> np.ndarray:
        return self.instance.thresholds


def make_synthetic(m: int, *, n: int = 10, l: int = 40, seed: int = 0,  # noqa: E741
                   p_protected: float = 0.4, shift: float = 1.0, n_shifted: int = 3,
                   noise: float = 0.1, intercept: bool = True,
                   threshold_position: str = "left") -> SyntheticInstance:
    """Generate one instance (module docstring).

    Args:
        m: Rows (>= 4).
        n: Features, including the constant column when ``intercept``.
        l: Thresholds.
        seed: Seed of ``numpy.random.default_rng``.
        p_protected: Share of rows with ``a = 1``.
        shift: Mean shift of the protected group in the first ``n_shifted`` random features.
        n_shifted: Number of shifted features.
        noise: Noise standard deviation relative to the signal's.
        intercept: First column constant 1.
        threshold_position: See :func:`~fairopt.fairreg.objective.threshold_grid`.
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
    inst = make_instance(X, y, a, threshold_grid(0.0, 1.0, l, threshold_position))
    params = {"m": m, "n": n, "l": l, "p_protected": p_protected, "shift": shift,
              "n_shifted": k, "noise": noise, "intercept": intercept,
              "threshold_position": threshold_position}
    return SyntheticInstance(inst, beta, int(seed), params)


def write_instance(syn: SyntheticInstance, csv_path: str | Path, json_path: str | Path) -> None:
    """Write an instance: ``x0..x{n-1}, y, a`` as CSV and thresholds, seed, parameters as JSON."""
    inst = syn.instance
    frame = pd.DataFrame(inst.X, columns=[f"x{j}" for j in range(inst.n)])
    frame["y"], frame["a"] = inst.y, inst.a
    write_csv(csv_path, frame, float_format="%.17g")
    write_json(json_path, {"seed": syn.seed, "params": syn.params, "beta": syn.beta,
                           "thresholds": inst.thresholds, "m": inst.m, "n": inst.n, "l": inst.l})


def read_instance(csv_path: str | Path, json_path: str | Path) -> Instance:
    """Read an instance written by :func:`write_instance`.

    Raises:
        DataError: Missing file, columns or thresholds, or a size that disagrees with the JSON.
    """
    meta = read_json(json_path)
    if not Path(csv_path).is_file():
        raise DataError(f"{csv_path}: file not found (expected a synthetic instance CSV)")
    frame = pd.read_csv(csv_path)
    cols = [c for c in frame.columns if c.startswith("x")]
    if "y" not in frame or "a" not in frame or not cols:
        raise DataError(f"{csv_path}: expected columns x0..x{{n-1}}, y, a; got {list(frame.columns)}")
    if "thresholds" not in meta or len(frame) != meta.get("m") or len(cols) != meta.get("n"):
        raise DataError(f"{json_path}: thresholds missing or sizes (m, n) disagree with {csv_path}")
    return make_instance(frame[cols].to_numpy(dtype=float), frame["y"].to_numpy(dtype=float),
                         frame["a"].to_numpy(dtype=int), meta["thresholds"])
