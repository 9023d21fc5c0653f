"""Timing of the fairness layer: exact fast path versus cvxpylayers.

:func:`benchmark_layer` measures forward + backward wall time per batch of two-group
mean-prediction parity with a box (the synthetic-regression setting: eps = 0.05,
box [-3.5, 3.5]) at several batch sizes, for the exact back end and for the cached cvxpylayers
back end (cvxpy problem built once per group pattern; the build time is reported separately --
the authors rebuilt it every batch). Raw outputs are drawn so that the parity constraint is
active and some outputs leave the box. Performance is measured here, not asserted in tests.

:func:`benchmark_rows` turns the timings into rows of the project's benchmark table
(:mod:`fairopt.benchmark_table`): per batch size the two times and the speedup (the issue's
target -- the fast path at least 50x faster at batch 2000 -- as a ``>=`` row), the one-off
cvxpylayers build time, the agreement of the two back ends, and optionally the training cost
per epoch of the synthetic experiment's methods.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from fairopt.benchmark_table import BenchmarkRow, bench_row
from fairopt.layer.layer import FairnessLayer

__all__ = ["benchmark_layer", "benchmark_rows"]


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
            :data:`fairopt.layer.cvx.DEFAULT_SOLVER_ARGS`).

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


def benchmark_rows(timing: pd.DataFrame, *, target_batch_size: int, target_speedup: float,
                   synthetic_summary: pd.DataFrame | None = None, note: str = "") -> list[BenchmarkRow]:
    """Benchmark-table rows of :func:`benchmark_layer` output (and synthetic training cost).

    Args:
        timing: :func:`benchmark_layer` output.
        target_batch_size: Batch size at which the speedup target applies.
        target_speedup: The target (fast path at least this many times faster).
        synthetic_summary: Optional :func:`fairopt.layer.aggregate.synthetic_tables` summary;
            adds mean seconds per training epoch per (setting, method).
        note: Appended to every timing row's note (e.g. the configuration).

    Raises:
        ValueError: ``target_batch_size`` not among the timed batch sizes.
    """
    if target_batch_size not in set(timing["batch_size"]):
        raise ValueError(f"benchmark target batch size {target_batch_size} was not timed "
                         f"(timed: {sorted(timing['batch_size'])})")
    rows = []
    for r in timing.itertuples(index=False):
        setting = f"batch {r.batch_size}, two groups, box, {r.repeats} repeats"
        extra = f"; {note}" if note else ""
        rows.append(bench_row("layer", "forward_backward", setting, "exact_ms", r.exact_ms, "ms",
                              note="exact fast path (closed form / 1-D breakpoint search), median per batch" + extra))
        rows.append(bench_row("layer", "forward_backward", setting, "cvxpylayers_ms", r.cvxpylayers_ms, "ms",
                              note=f"cvxpylayers ({r.solver} via diffcp), cached problem, median per batch" + extra))
        rows.append(bench_row("layer", "forward_backward", setting, "cvxpylayers_build_ms", r.cvxpylayers_build_ms,
                              "ms", note="first call: problem build + solve (the authors rebuilt every batch)"))
        target = r.batch_size == target_batch_size
        rows.append(bench_row("layer", "forward_backward", setting, "speedup", r.speedup, "x",
                              reference=float(target_speedup) if target else None,
                              comparison=">=" if target else "none",
                              note="cvxpylayers time / exact time" + ("; issue target" if target else "")))
        rows.append(bench_row("layer", "backend_agreement", setting, "max_abs_diff_output",
                              r.max_abs_diff_output, "", reference=1e-6, comparison="<=",
                              note="largest |exact - cvxpylayers| output difference"))
        rows.append(bench_row("layer", "backend_agreement", setting, "max_abs_diff_grad", r.max_abs_diff_grad, "",
                              reference=1e-3, comparison="<=",
                              note="largest gradient difference (diffcp solves its derivative system iteratively)"))
    if synthetic_summary is not None:
        for r in synthetic_summary.itertuples(index=False):
            if pd.notna(r.mean_seconds_per_epoch):
                rows.append(bench_row("layer", "synthetic_training", f"{r.setting}, {r.method}",
                                      "seconds_per_epoch", r.mean_seconds_per_epoch, "s",
                                      note=f"mean over {r.n_runs} runs (Penalty: of the selected fit)"))
    return rows
