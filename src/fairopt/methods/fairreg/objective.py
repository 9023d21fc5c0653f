"""The fair-regression objective, threshold grids and input checks (Deza, Gomez & Atamturk).

For a linear model ``t = X w`` (predictions ``t_i = w'x_i``) the training problem is

    min_w  f(w) = sum_i (w'x_i - y_i)^2 + lambda * U(Xw),
    U(t)  = max_j | (1/m) sum_i 1(t_i > b_j) - (1/m_1) sum_{i: a_i = 1} 1(t_i > b_j) |

over thresholds ``b_1 < ... < b_l`` (slides "Fair and Accurate Regression", INFORMS 2024; the
reference note ``fair_regression.md``). ``U`` is :func:`fairopt.core.metrics.discretized_unfairness`
and is reused here, so every method in :mod:`fairopt.methods.fairreg` is scored by the same code.

With the row weights ``c_i = 1/m - a_i/m_1`` (which sum to zero) the difference at threshold
``j`` is ``D_j(t) = sum_i c_i 1(t_i > b_j)`` and ``U = max_j |D_j|``.

**Indicator convention.** ``1(t > b)`` is strict, exactly as in the metric. The formulations of
:mod:`fairopt.methods.fairreg.formulations` and the brute force of :mod:`fairopt.methods.fairreg.brute_force`
model it with a margin ``delta > 0``: ``z = 1 => t >= b + delta`` and ``z = 0 => t <= b - delta``.
They therefore optimise ``f`` over the *delta-separated* models (no prediction within ``delta``
of a threshold), on which ``z`` equals the strict indicator exactly and the exact objective of a
returned ``w`` equals the solver's objective even after solver tolerances (``delta`` = 1e-4 is
100x SCIP's default feasibility tolerance). The restriction changes the optimum by
``O(delta * |gradient of the loss|)``; coordinate descent works with the strict indicator itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairopt.core.metrics import discretized_unfairness

__all__ = [
    "DEFAULT_DELTA",
    "Instance",
    "make_instance",
    "threshold_grid",
    "group_weights",
    "objective",
    "objective_parts",
    "unfairness_of_intervals",
    "least_squares",
]

#: Default separation margin of the mixed-integer formulations and the brute force.
DEFAULT_DELTA = 1e-4


@dataclass(frozen=True)
class Instance:
    """A validated fair-regression instance.

    Attributes:
        X: ``(m, n)`` features (float64).
        y: ``(m,)`` targets.
        a: ``(m,)`` protected attribute in {0, 1} (int).
        thresholds: ``(l,)`` strictly increasing thresholds ``b``.
    """

    X: np.ndarray
    y: np.ndarray
    a: np.ndarray
    thresholds: np.ndarray

    @property
    def m(self) -> int:
        return int(self.X.shape[0])

    @property
    def n(self) -> int:
        return int(self.X.shape[1])

    @property
    def l(self) -> int:  # noqa: E743 -- the papers' name for the number of thresholds
        return int(self.thresholds.shape[0])

    @property
    def c(self) -> np.ndarray:
        """Row weights ``c_i = 1/m - a_i/m_1`` of the threshold differences ``D_j``."""
        return group_weights(self.a)


def make_instance(X, y, a, thresholds) -> Instance:
    """Validate and convert ``(X, y, a, thresholds)``.

    Raises:
        ValueError: Wrong shapes, non-finite values, ``a`` not 0/1, no row with ``a = 1``,
            thresholds not strictly increasing.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    a_raw = np.asarray(a).ravel()
    b = np.asarray(thresholds, dtype=float).ravel()
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array, got shape {X.shape}")
    m = X.shape[0]
    if y.shape != (m,) or a_raw.shape != (m,):
        raise ValueError(f"X has {m} rows but y has {y.shape[0]} and a has {a_raw.shape[0]}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y)) and np.all(np.isfinite(b))):
        raise ValueError("X, y and thresholds must be finite")
    if not np.all(np.isin(a_raw, [0, 1])):
        raise ValueError("the protected attribute a must be 0/1")
    a_int = a_raw.astype(int)
    if a_int.sum() == 0:
        raise ValueError("no row has a = 1 (m_1 = 0)")
    if b.size == 0 or np.any(np.diff(b) <= 0):
        raise ValueError("thresholds must be non-empty and strictly increasing")
    return Instance(X, y, a_int, b)


def threshold_grid(low: float, high: float, l: int, position: str = "left") -> np.ndarray:  # noqa: E741
    """``l`` thresholds on a grid of step ``(high - low)/l`` over ``[low, high]``.

    With ``y`` scaled to [0, 1] this is the reference note's "thresholds on a 1/40 grid" (l = 40).

    Args:
        low, high: The target range (e.g. ``y.min(), y.max()``, or 0 and 1).
        l: Number of thresholds.
        position: ``"left"``: ``b_j = low + j*h``, j = 0..l-1 (the left ends of the l bins;
            default); ``"right"``: j = 1..l; ``"mid"``: bin midpoints ``low + (j + 1/2)*h``.

    Returns:
        Increasing array of ``l`` thresholds.
    """
    if l < 1 or not high > low:
        raise ValueError(f"need l >= 1 and high > low, got l={l}, low={low}, high={high}")
    h = (high - low) / l
    offsets = {"left": 0.0, "right": 1.0, "mid": 0.5}
    if position not in offsets:
        raise ValueError(f"position must be one of {sorted(offsets)}, got {position!r}")
    return low + (np.arange(l) + offsets[position]) * h


def group_weights(a: np.ndarray) -> np.ndarray:
    """``c_i = 1/m - a_i/m_1``: ``D_j = sum_i c_i 1(t_i > b_j)``."""
    a = np.asarray(a).astype(float)
    return 1.0 / a.size - a / a.sum()


def objective_parts(inst: Instance, w: np.ndarray) -> tuple[float, float]:
    """``(loss, U)`` of a model ``w``: squared loss and discretized unfairness (strict ``>``)."""
    t = inst.X @ np.asarray(w, dtype=float)
    r = t - inst.y
    return float(r @ r), discretized_unfairness(t, inst.a, inst.thresholds)


def objective(inst: Instance, lam: float, w: np.ndarray) -> float:
    """The exact objective ``f(w) = loss(w) + lam * U(Xw)``."""
    loss, unf = objective_parts(inst, w)
    return loss + lam * unf


def unfairness_of_intervals(k: np.ndarray, c: np.ndarray, l: int) -> float:  # noqa: E741
    """``U`` of an interval assignment ``k`` (``z_ij = 1(k_i > j)``, j = 0..l-1)."""
    z = np.asarray(k)[:, None] > np.arange(l)[None, :]
    return float(np.max(np.abs(c @ z)))


def least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Minimum-norm least-squares ``w`` (``numpy.linalg.lstsq``): the "unfair" model."""
    return np.linalg.lstsq(np.asarray(X, dtype=float), np.asarray(y, dtype=float), rcond=None)[0]
