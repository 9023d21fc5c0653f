"""Benchmark-table rows of the fairness-layer study.

:func:`benchmark_rows` turns :func:`fairopt.methods.flayer.benchmark.benchmark_layer` timings into rows
of the project's benchmark table (:mod:`fairopt.report.benchmark_table`): per batch size the two times
and the speedup (the target -- the fast path at least 50x faster at batch 2000 -- as a ``>=`` row),
the one-off cvxpylayers build time, the agreement of the two back ends, and optionally the training
cost per epoch of the synthetic experiment's methods.
"""
from __future__ import annotations

import pandas as pd

from fairopt.report.benchmark_table import BenchmarkRow, bench_row

__all__ = ["benchmark_rows"]


def benchmark_rows(timing: pd.DataFrame, *, target_batch_size: int, target_speedup: float,
                   synthetic_summary: pd.DataFrame | None = None, note: str = "") -> list[BenchmarkRow]:
    """Benchmark-table rows of :func:`benchmark_layer` output (and synthetic training cost).

    Args:
        timing: :func:`benchmark_layer` output.
        target_batch_size: Batch size at which the speedup target applies.
        target_speedup: The target (fast path at least this many times faster).
        synthetic_summary: Optional :func:`fairopt.studies.layer.tables.synthetic_tables` summary;
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
