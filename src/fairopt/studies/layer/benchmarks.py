"""Benchmark-table rows of the fairness-layer study.

:func:`benchmark_rows` turns the timing job's tables (:mod:`fairopt.methods.flayer.benchmark`) into
rows of the project's benchmark table (:mod:`fairopt.report.benchmark_table`). Every timed row comes
with its CPU-time twin, and a note giving the machine's load and cores (flagged when the load
exceeded the cores: the wall time is then inflated by other processes). Three comparisons, each
saying what it compares:

* **fairopt's exact layer vs fairopt's cvxpylayers back end** (the same QP, cached cvxpy problem,
  SCS at eps 1e-9) -- the issue's speed target (at least 50x at batch 2,000) applies here. This
  back end is fairopt's, not the authors' implementation;
* **fairopt's exact layer vs the authors' package** ``fairness-training`` 0.1.0 (problem rebuilt
  every batch, SCS's default tolerance), per batch, by CPU time;
* **the cost of fairness in training**: seconds per training epoch with the layer over seconds
  per unconstrained epoch, for fairopt's exact layer and for the authors' package;

plus the agreement of fairopt's two back ends, how far the authors' package leaves its own
mean-residual constraint (the result file of rule ``layer_job_authors_check``), and the synthetic
experiment's seconds per epoch (from the jobs' timing records, aggregated in
``results/layer/tables/synthetic_summary_timing.csv``: measured times are read from timing files
only, never from a result table). When the authors' package is not installed its rows carry no
value and the note ``not measured: fairness-training not installed`` -- never an estimate.
"""
from __future__ import annotations

import math

import pandas as pd

from fairopt.report.benchmark_table import BenchmarkRow, bench_row, machine_label

__all__ = ["benchmark_rows", "not_measured_row"]

STUDY = "layer"


def not_measured_row(benchmark: str, setting: str, metric: str, unit: str, status: str) -> BenchmarkRow:
    """A row for a quantity that was not measured: no value (NaN), the reason as the note.

    (:func:`fairopt.report.benchmark_table.bench_row` accepts finite values only.)
    """
    return BenchmarkRow(STUDY, benchmark, setting, metric, math.nan, unit, note=status, machine=machine_label())


def _clock(r) -> str:
    """``; load 1.5 at start, 1.6 at end, 2 cores`` (flagged when load > cores)."""
    cores = getattr(r, "cores", None)
    end = getattr(r, "loadavg_end", None)
    if cores is None or end is None or pd.isna(end):
        return ""
    start = getattr(r, "loadavg_start", end)
    flag = f" -- MEASURED UNDER LOAD ({end:.2g} > {int(cores)} cores)" if end > cores else ""
    return f"; load {start:.2g} at start, {end:.2g} at end, {int(cores)} cores{flag}"


def _layer_rows(timing: pd.DataFrame, target_batch_size: int, target_speedup: float, extra: str) -> list[BenchmarkRow]:
    rows = []
    for r in timing.itertuples(index=False):
        setting = f"batch {r.batch_size}, two groups, box, {r.repeats} repeats"
        clock = _clock(r)
        has_cpu = hasattr(r, "exact_cpu_ms")
        rows.append(bench_row(STUDY, "forward_backward", setting, "exact_ms", r.exact_ms, "ms",
                              note="fairopt exact layer (closed form / 1-D breakpoint search), median wall time per "
                                   "batch" + clock + extra))
        if has_cpu:
            rows.append(bench_row(STUDY, "forward_backward", setting, "exact_cpu_ms", r.exact_cpu_ms, "ms",
                                  note="same, CPU time" + clock))
        rows.append(bench_row(STUDY, "forward_backward", setting, "cvxpylayers_ms", r.cvxpylayers_ms, "ms",
                              note=f"fairopt's cvxpylayers back end ({r.solver} via diffcp, cached problem; not the "
                                   "authors' package), median wall time per batch" + clock + extra))
        if has_cpu:
            rows.append(bench_row(STUDY, "forward_backward", setting, "cvxpylayers_cpu_ms", r.cvxpylayers_cpu_ms, "ms",
                                  note="same, CPU time" + clock))
        rows.append(bench_row(STUDY, "forward_backward", setting, "cvxpylayers_build_ms", r.cvxpylayers_build_ms,
                              "ms", note="fairopt's cvxpylayers back end, first call: problem build + solve"))
        target = r.batch_size == target_batch_size
        rows.append(bench_row(STUDY, "forward_backward", setting, "speedup", r.speedup, "x",
                              reference=float(target_speedup) if target else None,
                              comparison=">=" if target else "none",
                              note="fairopt cvxpylayers back end / fairopt exact, wall time"
                                   + ("; issue target" if target else "") + clock))
        if has_cpu and pd.notna(r.speedup_cpu):
            rows.append(bench_row(STUDY, "forward_backward", setting, "speedup_cpu", r.speedup_cpu, "x",
                                  note="same, CPU time" + clock))
        rows.append(bench_row(STUDY, "backend_agreement", setting, "max_abs_diff_output",
                              r.max_abs_diff_output, "", reference=1e-6, comparison="<=",
                              note="largest |exact - cvxpylayers| output difference"))
        rows.append(bench_row(STUDY, "backend_agreement", setting, "max_abs_diff_grad", r.max_abs_diff_grad, "",
                              reference=1e-3, comparison="<=",
                              note="largest gradient difference (diffcp solves its derivative system iteratively)"))
        rows += _authors_layer_rows(r, setting, clock)
    return rows


def _authors_layer_rows(r, setting: str, clock: str) -> list[BenchmarkRow]:
    what = ("the authors' package fairness-training 0.1.0 (FairModel, training mode: problem rebuilt every batch, "
            "SCS default tolerance)")
    status = getattr(r, "authors_status", "not measured: the timing table has no authors' columns")
    specs = [("authors_ms", "ms", f"{what}, median wall time per batch"),
             ("authors_cpu_ms", "ms", "same, CPU time"),
             ("authors_speedup_cpu", "x", "authors' package / fairopt exact layer, CPU time per batch"),
             ("authors_max_violation", "", "authors' package: largest |m_0 - m_1| - eps of its outputs (eps 0.05)")]
    if status != "measured":
        return [not_measured_row("forward_backward_vs_authors", setting, metric, unit, status)
                for metric, unit, _ in specs]
    return [bench_row(STUDY, "forward_backward_vs_authors", setting, metric, getattr(r, metric), unit,
                      note=note + clock) for metric, unit, note in specs]


def _epoch_rows(epochs: pd.DataFrame) -> list[BenchmarkRow]:
    rows = []
    labels = {"unconstrained": "unconstrained network", "fairopt_exact": "fairopt exact layer",
              "fairness_training": "authors' package fairness-training 0.1.0"}
    for r in epochs.itertuples(index=False):
        setting = (f"{labels.get(r.variant, r.variant)}; {r.n_rows} rows x {r.n_features} features, batch {r.batch_size} "
                   f"({r.n_batches} batches), MLP {r.hidden}, SGD, median of {r.repeats} epochs")
        if r.status != "measured":
            rows += [not_measured_row("training_epoch", setting, m, u, r.status)
                     for m, u in (("epoch_s", "s"), ("epoch_cpu_s", "s"), ("ratio_cpu", "x"))]
            continue
        clock = _clock(r)
        rows.append(bench_row(STUDY, "training_epoch", setting, "epoch_s", r.epoch_s, "s",
                              note="wall time of one training epoch" + clock))
        rows.append(bench_row(STUDY, "training_epoch", setting, "epoch_cpu_s", r.epoch_cpu_s, "s",
                              note="same, CPU time" + clock))
        if r.variant != "unconstrained":
            rows.append(bench_row(STUDY, "training_epoch", setting, "ratio_cpu", r.ratio_cpu, "x",
                                  note="fair epoch / unconstrained epoch, CPU time (the cost of the layer in "
                                       f"training; wall-time ratio {r.ratio:.3g})" + clock))
    return rows


def _authors_check_rows(check: pd.DataFrame) -> list[BenchmarkRow]:
    rows = []
    for r in check.itertuples(index=False):
        who = "authors' package fairness-training 0.1.0" if r.implementation == "fairness_training" else \
            "fairopt exact layer"
        setting = f"{who}; mean-residual parity, eps {r.eps:g}; {r.setting}"
        if r.status != "measured":
            rows.append(not_measured_row("hard_constraint_violation", setting, "max_violation_rel", "x eps", r.status))
            continue
        rows.append(bench_row(STUDY, "hard_constraint_violation", setting, "max_violation_rel", r.max_violation_rel,
                              "x eps", reference=1e-3, comparison="<=",
                              note=f"largest |m_g(y) - m_g(t)| - eps over groups and batches, as a share of eps "
                                   f"({int(r.n_violating)} of {int(r.n_batches)} batches above 0.1% of eps)"))
    return rows


def benchmark_rows(timing: pd.DataFrame, *, target_batch_size: int, target_speedup: float,
                   epochs: pd.DataFrame | None = None, authors_check: pd.DataFrame | None = None,
                   synthetic_timing: pd.DataFrame | None = None, note: str = "") -> list[BenchmarkRow]:
    """Benchmark-table rows of the timing job's tables (module docstring).

    Args:
        timing: :func:`~fairopt.methods.flayer.benchmark.benchmark_layer` output.
        target_batch_size: Batch size at which the speedup target applies.
        target_speedup: The target (exact layer at least this many times faster than fairopt's
            cvxpylayers back end, wall time).
        epochs: Optional :func:`~fairopt.methods.flayer.benchmark.benchmark_epochs` output.
        authors_check: Optional :func:`~fairopt.methods.flayer.benchmark.authors_constraint_check` output.
        synthetic_timing: Optional :func:`fairopt.studies.layer.tables.synthetic_timing_summary`
            output (a timing file); adds mean seconds per training epoch per (setting, method).
        note: Appended to the exact and cvxpylayers timing rows' notes (e.g. the configuration).

    Raises:
        ValueError: ``target_batch_size`` not among the timed batch sizes.
    """
    if target_batch_size not in set(timing["batch_size"]):
        raise ValueError(f"benchmark target batch size {target_batch_size} was not timed "
                         f"(timed: {sorted(timing['batch_size'])})")
    rows = _layer_rows(timing, target_batch_size, target_speedup, f"; {note}" if note else "")
    if epochs is not None:
        rows += _epoch_rows(epochs)
    if authors_check is not None:
        rows += _authors_check_rows(authors_check)
    if synthetic_timing is not None:
        for r in synthetic_timing.itertuples(index=False):
            if pd.notna(r.mean_seconds_per_epoch):
                rows.append(bench_row(STUDY, "synthetic_training", f"{r.setting}, {r.method}",
                                      "seconds_per_epoch", r.mean_seconds_per_epoch, "s",
                                      note=f"mean over {r.n_runs} runs (Penalty: of the selected fit); wall time"))
    return rows
