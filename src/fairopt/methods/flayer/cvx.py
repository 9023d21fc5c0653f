"""cvxpylayers back end of the fairness layer (cvxpylayers + diffcp, cached, tight SCS tolerance).

The authors differentiate the projection with cvxpylayers too, but this back end is *not* their
implementation: their package (``fairness-training`` 0.1.0, and their experiment code) rebuilds
the cvxpy problem for every batch and solves it at SCS's default tolerance; this one caches the
problem by group pattern and solves at ``eps = 1e-9`` (the benchmark
:func:`fairopt.methods.flayer.benchmark.benchmark_layer` times the authors' package separately).

The same QP as :mod:`fairopt.methods.flayer.exact`,

    y~ = argmin_y ||y - z||^2  s.t.  lo <= W y <= hi,  lb <= y <= ub,

is written as a DPP cvxpy problem with parameters ``z`` (raw outputs) and ``lo, hi`` (slab
bounds) and wrapped in a ``cvxpylayers.torch.CvxpyLayer`` (cvxpylayers 1.x:
``CvxpyLayer(problem, parameters=[...], variables=[...])``; solver options go to diffcp per call
as ``layer(*params, solver_args={...})``, e.g. ``{"solve_method": "SCS", "eps": 1e-8}`` or
``{"solve_method": "Clarabel"}``). Gradients come from diffcp's implicit differentiation of the
cone program.

**Caching.** ``W`` depends on the batch only through which rows share a column of ``W`` (a
*cell*: rows with identical group memberships). Rows are therefore sorted by cell before the
solve, so the constant matrix of the cvxpy problem depends only on the cell pattern (the distinct
columns and their counts, e.g. ``(n_0, n_1)`` for two groups). Problems are cached by
``(pattern, box)`` in a small LRU cache, so a batch stream with a repeating pattern (stratified
batches) builds each problem once; the authors rebuilt the layer every batch.
"""
from __future__ import annotations

import warnings
from collections import OrderedDict
from typing import Any

import numpy as np
import torch

from fairopt.core.errors import SolverError
from fairopt.methods.flayer.constraints import check_finite
from fairopt.methods.flayer.exact import cell_pattern

__all__ = ["DEFAULT_SOLVER_ARGS", "CvxpyProjector"]

#: default diffcp options: SCS (the authors' solver) at a tight tolerance (one problem per call,
#: so diffcp runs serially)
DEFAULT_SOLVER_ARGS: dict[str, Any] = {"solve_method": "SCS", "eps": 1e-9, "max_iters": 100000}


class CvxpyProjector:
    """Cached cvxpylayers projections onto slabs + box.

    Args:
        solver_args: diffcp options (merged over :data:`DEFAULT_SOLVER_ARGS`).
        cache_size: Number of cvxpy problems kept (LRU).
        strict: Raise :class:`~fairopt.core.errors.SolverError` when diffcp reports an inaccurate
            solve (otherwise the warning is passed on).
    """

    def __init__(self, solver_args: dict[str, Any] | None = None, cache_size: int = 64,
                 strict: bool = True) -> None:
        try:
            import cvxpylayers.torch  # noqa: F401
        except ImportError as exc:  # pragma: no cover - dependency of fairopt
            raise SolverError("backend 'cvxpylayers' needs the cvxpylayers package "
                              "(pip install cvxpylayers)") from exc
        self.solver_args = {**DEFAULT_SOLVER_ARGS, **(solver_args or {})}
        self.cache_size = int(cache_size)
        self.strict = strict
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self.builds = 0

    def clear(self) -> None:
        """Drop all cached problems."""
        self._cache.clear()

    def _layer(self, W_sorted: np.ndarray, key: tuple, lb: float | None, ub: float | None):
        layer = self._cache.get(key)
        if layer is not None:
            self._cache.move_to_end(key)
            return layer
        import cvxpy as cp
        from cvxpylayers.torch import CvxpyLayer

        m, n = W_sorted.shape
        y = cp.Variable(n)
        z = cp.Parameter(n)
        lo = cp.Parameter(m)
        hi = cp.Parameter(m)
        cons = [W_sorted @ y <= hi, W_sorted @ y >= lo]
        if lb is not None:
            cons += [y >= lb, y <= ub]
        prob = cp.Problem(cp.Minimize(cp.sum_squares(y - z)), cons)
        layer = CvxpyLayer(prob, parameters=[z, lo, hi], variables=[y])
        self.builds += 1
        self._cache[key] = layer
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return layer

    def __call__(self, z_t: torch.Tensor, W: np.ndarray, lo_t: torch.Tensor, hi_t: torch.Tensor,
                 lb: float | None, ub: float | None) -> torch.Tensor:
        """Differentiable projection of ``z_t`` (``(n,)`` float64); same signature as ``exact.project``.

        Raises:
            DataError: ``z_t``, ``lo_t`` or ``hi_t`` has a NaN or inf.
            SolverError: diffcp failed or (``strict``) reported an inaccurate solve.
        """
        m, n = W.shape
        check_finite(z_t, "input z", "fairness layer (cvxpylayers back end)")
        check_finite(lo_t, "slab bounds (targets)", "fairness layer (cvxpylayers back end)",
                     "finite bounds")
        check_finite(hi_t, "slab bounds (targets)", "fairness layer (cvxpylayers back end)",
                     "finite bounds")
        if m == 0:
            return z_t if lb is None else torch.clamp(z_t, lb, ub)
        cells, inverse = cell_pattern(W)
        order = np.argsort(inverse, kind="stable")
        counts = np.bincount(inverse)
        key = (n, m, cells.tobytes(), counts.tobytes(), lb, ub)
        layer = self._layer(W[:, order], key, lb, ub)
        order_t = torch.from_numpy(order).to(z_t.device)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                (y_sorted,) = layer(z_t[order_t], lo_t, hi_t, solver_args=self.solver_args)
            except Exception as exc:  # diffcp / solver errors
                raise SolverError(f"cvxpylayers ({self.solver_args.get('solve_method')}) failed on a "
                                  f"batch of {n} rows with {m} constraints: {exc}") from exc
        for w in caught:
            msg = str(w.message)
            if "naccurate" in msg and self.strict:
                raise SolverError(f"cvxpylayers ({self.solver_args.get('solve_method')}) solve "
                                  f"inaccurate on a batch of {n} rows: {msg}")
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        inv = torch.from_numpy(np.argsort(order)).to(z_t.device)
        return y_sorted[inv]
