"""Timing of the fairness layer: exact fast path versus cvxpylayers.

:func:`benchmark_layer` measures forward + backward wall time per batch of two-group
mean-prediction parity with a box (the synthetic-regression setting: eps = 0.05,
box [-3.5, 3.5]) at several batch sizes, for the exact back end and for the cached cvxpylayers
back end (cvxpy problem built once per group pattern; the build time is reported separately --
the authors rebuilt it every batch). Raw outputs are drawn so that the parity constraint is
active and some outputs leave the box. Performance is measured here, not asserted in tests.

:func:`fairopt.studies.layer.benchmarks.benchmark_rows` turns the timings into benchmark-table rows.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from fairopt.methods.flayer.layer import FairnessLayer

__all__ = ["benchmark_layer"]


def _batches(n: int, repeats: int, rng: np.random.Generator, share: float):
    n1 = max(1, int(round(share * n)))
    out = []
    for _ in range(repeats):
        g = np.zeros(n, dtype=np.int64)
        g[rng.permutation(n)[:n1]] = 1
        z = rng.normal(0.0, 1.5, n) + 1.0 * g
        v = rng.normal(size=n)
        out.append((torch.as_tensor(g), torch.tensor(z), torch.tensor(v)))
    return out


def _time(layer: FairnessLayer, batches) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    ys, grads, secs = [], [], []
    for g, z, v in batches:
        zz = z.clone().requires_grad_(True)
        t0 = time.perf_counter()
        y = layer(zz, g)
        (y @ v).backward()
        secs.append(time.perf_counter() - t0)
        ys.append(y.detach().numpy())
        grads.append(zz.grad.numpy().copy())
    return float(np.median(secs)), ys, grads


def benchmark_layer(batch_sizes: Sequence[int] = (16, 256, 2000), repeats: int = 5, seed: int = 0, *,
                    eps: float = 0.05, lb: float = -3.5, ub: float = 3.5, group_share: float = 0.3,
                    solver_args: dict[str, Any] | None = None) -> pd.DataFrame:
    """Forward+backward time per batch, exact path vs cvxpylayers (two groups, box).

    Args:
        batch_sizes: Batch sizes to time.
        repeats: Timed batches per size (after one untimed warm-up batch per back end).
        seed: Seed of the random batches.
        eps, lb, ub: Parity tolerance and box.
        group_share: Share of group 1 in each batch.
        solver_args: diffcp options for cvxpylayers (default: SCS at eps 1e-9, see
            :data:`fairopt.methods.flayer.cvx.DEFAULT_SOLVER_ARGS`).

    Times are medians over the repeats (robust to the other processes of a shared machine).

    Returns:
        One row per batch size: ``exact_ms``, ``cvxpylayers_ms`` (cached problem),
        ``cvxpylayers_build_ms`` (first call: build + solve), ``speedup`` =
        cvxpylayers / exact, and the largest output / gradient differences between the two.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for n in batch_sizes:
        batches = _batches(int(n), int(repeats) + 1, rng, group_share)
        exact = FairnessLayer("mean_parity", eps, lb, ub, backend="exact")
        cvx = FairnessLayer("mean_parity", eps, lb, ub, backend="cvxpylayers", solver_args=solver_args)
        _time(exact, batches[:1])
        t0 = time.perf_counter()
        _time(cvx, batches[:1])
        build = time.perf_counter() - t0
        t_exact, y_e, g_e = _time(exact, batches[1:])
        t_cvx, y_c, g_c = _time(cvx, batches[1:])
        rows.append({
            "batch_size": int(n),
            "repeats": int(repeats),
            "exact_ms": 1e3 * t_exact,
            "cvxpylayers_ms": 1e3 * t_cvx,
            "cvxpylayers_build_ms": 1e3 * build,
            "speedup": t_cvx / t_exact,
            "max_abs_diff_output": float(max(np.abs(a - b).max() for a, b in zip(y_e, y_c))),
            "max_abs_diff_grad": float(max(np.abs(a - b).max() for a, b in zip(g_e, g_c))),
            "solver": cvx._cvx.solver_args.get("solve_method"),
        })
    return pd.DataFrame(rows)
