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
  every batch, SCS's default tolerance), per batch (2,000 and 10,000 rows at the reduced and paper
  scales), wall and CPU time, side by side in one run; the authors' package is timed on at most
  ``layer.benchmark.authors_repeats`` batches per size, and the row says how many;
* **the cost of fairness in training**: seconds per training epoch with the layer over seconds
  per unconstrained epoch (on the paper's synthetic network unless ``epoch_network: experiment``),
  for fairopt's exact layer -- target: at most ``epoch_target_ratio`` (1.05) at batch 2,000, wall and
  CPU time, on the paper's network only -- and for the authors' package;
* **one paper-scale fairness-layer job on a GPU**: the synthetic jobs' seconds per epoch where
  their timing says they ran on ``cuda`` at the paper scale; otherwise the row says ``not
  measured: no GPU`` (never an estimate);

plus the agreement of fairopt's two back ends, how far the authors' package leaves its own
mean-residual constraint (the result file of rule ``layer_job_authors_check``), and the synthetic
experiment's seconds per epoch (from the jobs' timing records, aggregated in
``results/layer/tables/synthetic_summary_timing.csv``: measured times are read from timing files
only, never from a result table). When the authors' package is not installed its rows carry no
value and the note ``not measured: fairness-training not installed`` -- never an estimate; the same
for fairopt's cvxpylayers back end above its cap or when SCS fails.

Every timed row carries the measurement's own cores and load average (columns ``cores``,
``loadavg``, ``under_load``) and the device it ran on (in its note).
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from fairopt.report.benchmark_table import BenchmarkRow, bench_row, not_measured_row

__all__ = ["benchmark_rows", "GPU_JOB", "NO_GPU"]

STUDY = "layer"


def _machine(r) -> dict:
    """The measurement's cores and load (a ``clock`` of :func:`fairopt.report.benchmark_table.bench_row`)."""
    out = {}
    for key in ("cores", "loadavg_start", "loadavg_end"):
        value = getattr(r, key, None)
        if value is not None and not pd.isna(value):
            out[key] = value
    return out


def _device(r) -> str:
    device = getattr(r, "device", None)
    return "" if device is None or pd.isna(device) else f"; on {device}"


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
    r: Any  # a row of a table with mixed column types
    for r in timing.itertuples(index=False):
        setting = f"batch {r.batch_size}, two groups, box, {r.repeats} repeats"
        clock = _clock(r) + _device(r)
        machine = _machine(r)
        has_cpu = hasattr(r, "exact_cpu_ms")
        rows.append(bench_row(STUDY, "forward_backward", setting, "exact_ms", r.exact_ms, "ms", clock=machine,
                              note="fairopt exact layer (closed form / 1-D breakpoint search), median wall time per "
                                   "batch" + clock + extra))
        if has_cpu:
            rows.append(bench_row(STUDY, "forward_backward", setting, "exact_cpu_ms", r.exact_cpu_ms, "ms",
                                  clock=machine, note="same, CPU time" + clock))
        rows += _cvx_rows(r, setting, clock, machine, extra, r.batch_size == target_batch_size, target_speedup)
        rows += _authors_layer_rows(r, setting, clock, machine)
    return rows


def _cvx_rows(r, setting: str, clock: str, machine: dict, extra: str, target: bool,
              target_speedup: float) -> list[BenchmarkRow]:
    """fairopt's cvxpylayers back end: times, speedup (the issue target at its batch size), agreement."""
    status = getattr(r, "cvxpylayers_status", "measured")
    has_cpu = hasattr(r, "cvxpylayers_cpu_ms")
    what = f"fairopt's cvxpylayers back end ({r.solver} via diffcp, cached problem; not the authors' package)"
    specs = [("forward_backward", "cvxpylayers_ms", "ms", f"{what}, median wall time per batch" + clock + extra, None),
             *([("forward_backward", "cvxpylayers_cpu_ms", "ms", "same, CPU time" + clock, None)] if has_cpu else []),
             ("forward_backward", "cvxpylayers_build_ms", "ms",
              "fairopt's cvxpylayers back end, first call: problem build + solve", None),
             ("forward_backward", "speedup", "x", "fairopt cvxpylayers back end / fairopt exact, wall time"
              + ("; issue target" if target else "") + clock, (float(target_speedup), ">=") if target else None),
             *([("forward_backward", "speedup_cpu", "x", "same, CPU time" + clock, None)] if has_cpu else []),
             ("backend_agreement", "max_abs_diff_output", "", "largest |exact - cvxpylayers| output difference",
              (1e-6, "<=")),
             ("backend_agreement", "max_abs_diff_grad", "",
              "largest gradient difference (diffcp solves its derivative system iteratively)", (1e-3, "<="))]
    rows = []
    for benchmark, metric, unit, note, ref in specs:
        value = getattr(r, metric)
        if status != "measured" or pd.isna(value):
            rows.append(not_measured_row(STUDY, benchmark, setting, metric, unit,
                                         status if status != "measured" else "not measured"))
            continue
        reference, comparison = ref if ref else (None, "none")
        rows.append(bench_row(STUDY, benchmark, setting, metric, value, unit, reference=reference,
                              comparison=comparison, note=note, clock=machine))
    return rows


def _authors_layer_rows(r, setting: str, clock: str, machine: dict) -> list[BenchmarkRow]:
    what = ("the authors' package fairness-training 0.1.0 (FairModel, training mode: problem rebuilt every batch, "
            "SCS default tolerance)")
    status = getattr(r, "authors_status", "not measured: the timing table has no authors' columns")
    timed = getattr(r, "authors_repeats", None)
    if timed is not None and not pd.isna(timed) and int(timed) < int(r.repeats):
        what += (f", median of {int(timed)} of the {int(r.repeats)} batches (capped by "
                 "layer.benchmark.authors_repeats)")
    specs = [("authors_ms", "ms", f"{what}, median wall time per batch"),
             ("authors_cpu_ms", "ms", "same, CPU time"),
             ("authors_speedup", "x", "authors' package / fairopt exact layer, wall time per batch"),
             ("authors_speedup_cpu", "x", "authors' package / fairopt exact layer, CPU time per batch"),
             ("authors_max_violation", "", "authors' package: largest |m_0 - m_1| - eps of its outputs (eps 0.05)")]
    if status != "measured":
        return [not_measured_row(STUDY, "forward_backward_vs_authors", setting, metric, unit, status)
                for metric, unit, _ in specs]
    return [bench_row(STUDY, "forward_backward_vs_authors", setting, metric, getattr(r, metric), unit,
                      note=note + clock, clock=machine)
            for metric, unit, note in specs if hasattr(r, metric)]


def _epoch_rows(epochs: pd.DataFrame, target_ratio: float | None = None) -> list[BenchmarkRow]:
    rows = []
    labels = {"unconstrained": "unconstrained network", "fairopt_exact": "fairopt exact layer",
              "fairness_training": "authors' package fairness-training 0.1.0"}
    r: Any  # a row of a table with mixed column types
    for r in epochs.itertuples(index=False):
        network = getattr(r, "network", None)
        net = "the paper's synthetic network, " if network == "paper" else ""
        setting = (f"{labels.get(r.variant, r.variant)}; {r.n_rows} rows x {r.n_features} features, batch {r.batch_size} "
                   f"({r.n_batches} batches), {net}MLP {r.hidden}, SGD, median of {r.repeats} epochs")
        if r.status != "measured":
            rows += [not_measured_row(STUDY, "training_epoch", setting, m, u, r.status)
                     for m, u in (("epoch_s", "s"), ("epoch_cpu_s", "s"), ("ratio", "x"), ("ratio_cpu", "x"))]
            continue
        clock = _clock(r) + _device(r)
        machine = _machine(r)
        rows.append(bench_row(STUDY, "training_epoch", setting, "epoch_s", r.epoch_s, "s", cpu_seconds=r.epoch_cpu_s,
                              clock=machine, note="wall time of one training epoch" + clock))
        rows.append(bench_row(STUDY, "training_epoch", setting, "epoch_cpu_s", r.epoch_cpu_s, "s", clock=machine,
                              note="same, CPU time" + clock))
        if r.variant == "unconstrained":
            continue
        # the target is stated on the paper's network: a tiny network (smoke) makes any layer look costly
        target = target_ratio is not None and r.variant == "fairopt_exact" and network == "paper"
        ref: dict[str, Any] = ({"reference": float(target_ratio), "comparison": "<="}
                               if target and target_ratio is not None else {})
        why = "; issue target" if target else (
            "; no target: the issue target applies to the paper's network (layer.benchmark.epoch_network)"
            if target_ratio is not None and r.variant == "fairopt_exact" else "")
        rows.append(bench_row(STUDY, "training_epoch", setting, "ratio", r.ratio, "x", clock=machine, **ref,
                              note="fair epoch / unconstrained epoch, wall time (the cost of the layer in training)"
                                   + why + clock))
        rows.append(bench_row(STUDY, "training_epoch", setting, "ratio_cpu", r.ratio_cpu, "x", clock=machine, **ref,
                              note="fair epoch / unconstrained epoch, CPU time" + why + clock))
    return rows


def _authors_check_rows(check: pd.DataFrame) -> list[BenchmarkRow]:
    rows = []
    r: Any  # a row of a table with mixed column types
    for r in check.itertuples(index=False):
        who = "authors' package fairness-training 0.1.0" if r.implementation == "fairness_training" else \
            "fairopt exact layer"
        setting = f"{who}; mean-residual parity, eps {r.eps:g}; {r.setting}"
        if r.status != "measured":
            rows.append(not_measured_row(STUDY, "hard_constraint_violation", setting, "max_violation_rel", "x eps",
                                         r.status))
            continue
        rows.append(bench_row(STUDY, "hard_constraint_violation", setting, "max_violation_rel", r.max_violation_rel,
                              "x eps", reference=1e-3, comparison="<=",
                              note=f"largest |m_g(y) - m_g(t)| - eps over groups and batches, as a share of eps "
                                   f"({int(r.n_violating)} of {int(r.n_batches)} batches above 0.1% of eps)"))
    return rows


#: the setting of the GPU row (issue: "one paper-scale fairness-layer job on GPU")
GPU_JOB = "one paper-scale synthetic fairness-layer job on a GPU (layer.device cuda or auto)"
#: its note when no job ran on a GPU
NO_GPU = "not measured: no GPU (no synthetic job of this run ran on cuda)"


def _gpu_rows(synthetic_timing: pd.DataFrame | None, scale: str | None) -> list[BenchmarkRow]:
    """The GPU job row: measured seconds per epoch of synthetic jobs that ran on ``cuda`` at the paper
    scale, else a ``not measured`` row saying why (no GPU; or GPU jobs at another scale, whose own
    times are given under their scale)."""
    metric, unit = "seconds_per_epoch", "s"
    if synthetic_timing is None or "device" not in synthetic_timing:
        return [not_measured_row(STUDY, "gpu_job", GPU_JOB, metric, unit, NO_GPU)]
    gpu = synthetic_timing[synthetic_timing["device"].astype(str).str.contains("cuda")]
    gpu = gpu[gpu["mean_seconds_per_epoch"].notna()]
    if gpu.empty:
        return [not_measured_row(STUDY, "gpu_job", GPU_JOB, metric, unit, NO_GPU)]
    rows = []
    if scale != "paper":
        rows.append(not_measured_row(STUDY, "gpu_job", GPU_JOB, metric, unit,
                                     f"not measured: the GPU jobs of this run are at scale {scale}, not paper"))
    for r in gpu.itertuples(index=False):
        setting = f"{r.setting}, {r.method}, scale {scale}, on {r.device}"
        rows.append(bench_row(STUDY, "gpu_job", setting, metric, r.mean_seconds_per_epoch, unit,
                              note=f"synthetic job on a GPU: mean over {r.n_runs} runs; wall time"))
        if pd.notna(getattr(r, "mean_job_seconds", float("nan"))):
            rows.append(bench_row(STUDY, "gpu_job", setting, "job_seconds", r.mean_job_seconds, unit,
                                  note="same, whole job (training and evaluation); wall time"))
    return rows


def benchmark_rows(timing: pd.DataFrame, *, target_batch_size: int, target_speedup: float,
                   epochs: pd.DataFrame | None = None, authors_check: pd.DataFrame | None = None,
                   synthetic_timing: pd.DataFrame | None = None, note: str = "",
                   epoch_target_ratio: float | None = None, scale: str | None = None) -> list[BenchmarkRow]:
    """Benchmark-table rows of the timing job's tables (module docstring).

    Args:
        timing: :func:`~fairopt.methods.flayer.benchmark.benchmark_layer` output.
        target_batch_size: Batch size at which the speedup target applies.
        target_speedup: The target (exact layer at least this many times faster than fairopt's
            cvxpylayers back end, wall time).
        epochs: Optional :func:`~fairopt.methods.flayer.benchmark.benchmark_epochs` output.
        authors_check: Optional :func:`~fairopt.methods.flayer.benchmark.authors_constraint_check` output.
        synthetic_timing: Optional :func:`fairopt.studies.layer.tables.synthetic_timing_summary`
            output (a timing file); adds mean seconds per training epoch per (setting, method) and
            the GPU job row.
        note: Appended to the exact and cvxpylayers timing rows' notes (e.g. the configuration).
        epoch_target_ratio: Target of the fair/unconstrained epoch ratio of fairopt's exact layer
            (``None``: no target).
        scale: The run's ``layer.scale`` (the GPU row counts ``paper`` only).

    Raises:
        ValueError: ``target_batch_size`` not among the timed batch sizes.
    """
    if target_batch_size not in set(timing["batch_size"]):
        raise ValueError(f"benchmark target batch size {target_batch_size} was not timed "
                         f"(timed: {sorted(timing['batch_size'])})")
    rows = _layer_rows(timing, target_batch_size, target_speedup, f"; {note}" if note else "")
    if epochs is not None:
        rows += _epoch_rows(epochs, epoch_target_ratio)
    if authors_check is not None:
        rows += _authors_check_rows(authors_check)
    if synthetic_timing is not None:
        r: Any  # a row of a table with mixed column types
        for r in synthetic_timing.itertuples(index=False):
            if pd.notna(r.mean_seconds_per_epoch):
                rows.append(bench_row(STUDY, "synthetic_training", f"{r.setting}, {r.method}",
                                      "seconds_per_epoch", r.mean_seconds_per_epoch, "s",
                                      note=f"mean over {r.n_runs} runs (Penalty: of the selected fit); wall time"
                                           + (f"; on {r.device}" if pd.notna(getattr(r, "device", None)) else "")))
    rows += _gpu_rows(synthetic_timing, scale)
    return rows
