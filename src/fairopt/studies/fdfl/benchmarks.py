"""The FDFL benchmark table: seconds per trial vs the paper's Time column, Table 2 wall time, the
full-population trial, closed form vs conic solver (rows of :mod:`fairopt.report.benchmark_table`).

Measurements come from the workflow itself, never from timed unit tests, and only from timing files
(results of two runs are byte-identical, their times are not: :mod:`fairopt.report.identity`):

* ``seconds`` of each trial's timing JSON (``results/fdfl/timing/trials/<method>/trial-<t>.json``,
  gathered per Table 2 row in ``results/fdfl/tables/table2_trials_timing.csv``) -- training wall
  time of all epochs, the paper's Time column;
* Snakemake's ``benchmark:`` file of each training job (``benchmarks/fdfl_job/<method>/trials-<a>-<b>.tsv``,
  one job per block of trials) -- the whole job (Python start, imports, data loading, training,
  evaluation, writing), per trial: the job's seconds over its trials;
* ``results/fdfl/benchmarks/wall_time.csv`` (:mod:`fairopt.studies.fdfl.wall_time`) -- the measured wall
  and CPU seconds of ``snakemake --cores 2 results/fdfl/tables/table2.csv`` run alone after the data
  stage, and of one full-population DFL trial with its peak memory. A wall-time target is judged on
  this measured wall only; without the file its rows say "not measured";
* ``results/fdfl/benchmarks/decision_timing.csv`` of the rule ``fdfl_job_timing`` -- closed form vs
  the conic solver at the configured sizes.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast

import pandas as pd

from fairopt.report.benchmark_table import BenchmarkRow, bench_row, not_measured_row
from fairopt.report.jobs import read_benchmark_file
from fairopt.core.errors import DataError

__all__ = ["job_seconds", "benchmark_rows", "NOT_MEASURED"]

STUDY = "fdfl"
_JOB = re.compile(r"(?P<method>[^/]+)/trials-(?P<first>\d+)-(?P<last>\d+)\.tsv$")
#: the note of a wall-time row without a measurement
NO_GPU = ("not measured: no GPU (run `python -m fairopt.studies.fdfl.wall_time full_population_gpu` on a machine "
          "with one)")
NOT_MEASURED = "not measured: run `python -m fairopt.studies.fdfl.wall_time` (writes results/fdfl/benchmarks/wall_time.csv)"


def job_seconds(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Read the Snakemake benchmark files ``.../<method>/trials-<first>-<last>.tsv`` of the training jobs.

    Returns:
        ``method, first_trial, trials`` (trials in the job), ``job_seconds`` (wall), ``job_cpu_seconds``
        (CPU time of the job's processes; NaN when absent) and ``max_rss_mb``.
    """
    rows = []
    for path in paths:
        match = _JOB.search(str(path).replace("\\", "/"))
        if match is None:
            raise DataError(f"{path}: expected a benchmark file named <method>/trials-<first>-<last>.tsv")
        bench = read_benchmark_file(path)
        rows.append({"method": match["method"], "first_trial": int(match["first"]),
                     "trials": int(match["last"]) - int(match["first"]) + 1, "job_seconds": bench["s"],
                     "job_cpu_seconds": bench["cpu_time"], "max_rss_mb": bench["max_rss_mb"]})
    return pd.DataFrame(rows, columns=["method", "first_trial", "trials", "job_seconds", "job_cpu_seconds",
                                       "max_rss_mb"])


def _clock(rec: Mapping[str, Any]) -> dict[str, Any]:
    return {k: rec[k] for k in ("cpu_seconds", "cores", "loadavg_start", "loadavg_end") if k in rec}


def _gpu_rows(gpu: Mapping[str, Any] | None) -> list[BenchmarkRow]:
    """The full-population trial on a GPU (``wall_time full_population_gpu``), "not measured: no GPU" without it."""
    setting = "DFL (closed form), one trial of the full population on a GPU"
    if gpu is None:
        return [not_measured_row(STUDY, "full_population_trial_gpu", setting, "job wall seconds", "s", NO_GPU)]
    setting = f"{setting} ({gpu.get('device_name') or 'cuda'})"
    return [bench_row(STUDY, "full_population_trial_gpu", setting, "job wall seconds", gpu["job_seconds"], "s",
                      clock=_clock(gpu), cpu_seconds=gpu["job_cpu_seconds"],
                      note=f"the training job's benchmark file; `{gpu['command']}` after the data stage"),
            bench_row(STUDY, "full_population_trial_gpu", setting, "training seconds", gpu["training_seconds"], "s",
                      clock={k: v for k, v in _clock(gpu).items() if k != "cpu_seconds"},
                      note="the training loop of all epochs (its timing file)")]


def _wall_rows(wall: pd.DataFrame | None, targets: Mapping[str, float], n_trainings: int) -> list[BenchmarkRow]:
    """The measured wall-time rows (:mod:`fairopt.studies.fdfl.wall_time`), "not measured" without them."""
    measured: dict[str, dict[str, Any]] = {} if wall is None else {  # cast: wall_time.csv's columns are str
        rec["measurement"]: rec for rec in cast("list[dict[str, Any]]", wall.to_dict("records"))}
    rows = []
    table2, full = measured.get("table2"), measured.get("full_population")
    setting = f"{n_trainings} trainings + aggregation"
    if table2 is None:
        rows.append(not_measured_row(STUDY, "table2_wall_time", setting, "wall seconds", "s", NOT_MEASURED))
    else:
        rows.append(bench_row(STUDY, "table2_wall_time", f"{setting}, --cores {int(table2['cores'])}", "wall seconds",
                              table2["wall_seconds"], "s", reference=targets["table2_wall_seconds"], comparison="<=",
                              clock=_clock(table2), cpu_seconds=table2["cpu_seconds"],
                              note=f"measured alone after the data stage, trials removed: `{table2['command']}`; "
                                   f"CPU seconds of Snakemake and all its jobs beside it"))
    rows += _gpu_rows(measured.get("full_population_gpu"))
    setting = "DFL (closed form), one trial of the full population"
    if full is None:
        rows.append(not_measured_row(STUDY, "full_population_trial", setting, "job wall seconds", "s", NOT_MEASURED))
        return rows
    setting = f"DFL (closed form), one trial of {int(full['population']):,} patients ({int(full['n_train']):,} train)"
    clock = _clock(full)
    rows.append(bench_row(STUDY, "full_population_trial", setting, "job wall seconds", full["job_seconds"], "s",
                          reference=targets["full_population_seconds"], comparison="<=", clock=clock,
                          cpu_seconds=full["job_cpu_seconds"],
                          note=f"the training job's benchmark file (start-up, data, training, evaluation, writing); "
                               f"`{full['command']}` after the data stage"))
    load = {k: v for k, v in clock.items() if k != "cpu_seconds"}
    rows.append(bench_row(STUDY, "full_population_trial", setting, "training seconds", full["training_seconds"], "s",
                          clock=load, note="the training loop of all epochs (its timing file)"))
    rows.append(bench_row(STUDY, "full_population_trial", setting, "peak memory", full["max_rss_mb"], "MB", clock=load,
                          note="max RSS of the training job (its benchmark file)"))
    return rows


def benchmark_rows(*, paper: Mapping[str, Any], trials: pd.DataFrame, jobs: pd.DataFrame, decision: pd.DataFrame,
                   methods: Mapping[str, Mapping[str, Any]], targets: Mapping[str, float],
                   wall: pd.DataFrame | None = None, solver: str = "clarabel") -> list[BenchmarkRow]:
    """The benchmark rows of the FDFL study.

    Args:
        paper: Parsed ``workflow/paper/fdfl.yaml`` (Time column of Table 2).
        trials: Per-trial timings of Table 2 (:func:`fairopt.studies.fdfl.tables.timing_frame`: ``method``,
            ``label``, ``trained_as``, ``seconds``).
        jobs: :func:`job_seconds` of the Table 2 training jobs.
        decision: ``decision_timing.csv`` (closed form vs solver by size).
        methods: ``fdfl.methods`` config (``paper_row`` of each method).
        targets: ``fdfl.benchmark.targets``: ``table2_wall_seconds``, ``full_population_seconds``,
            ``dfl_speedup_vs_paper``, ``closed_form_speedup``.
        wall: ``wall_time.csv`` (:mod:`fairopt.studies.fdfl.wall_time`), or ``None`` when absent.
        solver: Conic solver name (for the labels).

    Returns:
        Rows for :func:`fairopt.report.benchmark_table.write_benchmark_table`.
    """
    rows: list[BenchmarkRow] = []
    paper_rows = paper["table2"]
    for method, part in trials.groupby("method", sort=False):
        key = (methods.get(str(method)) or {}).get("paper_row")  # a method name: str
        ref = paper_rows[key]["time"] if key in paper_rows else None
        cmp = "ratio" if ref is not None else "none"
        setting = f"{method} ({part['label'].iloc[0]})"
        note = f"mean of {len(part)} trials; paper: {paper_rows[key]['row']}" if ref is not None else f"mean of {len(part)} trials"
        rows.append(bench_row(STUDY, "seconds_per_trial", setting, "training seconds (all epochs)",
                              part["seconds"].mean(), "s", reference=ref, comparison=cmp,
                              note=note + "; the paper's Time column measures the same (training loop)"))
        source = part["trained_as"].iloc[0] if "trained_as" in part else method    # shared trainings
        job = jobs[jobs["method"] == source]
        if not job.empty:
            rows.append(bench_row(STUDY, "seconds_per_trial", setting, "job seconds (whole Snakemake job)",
                                  job["job_seconds"].sum() / job["trials"].sum(), "s", reference=ref, comparison=cmp,
                                  cpu_seconds=job["job_cpu_seconds"].sum() / job["trials"].sum(),
                                  note=note + f"; per trial: the seconds of {len(job)} job(s) of up to "
                                              f"{int(job['trials'].max())} trial(s) over their trials (Python start, "
                                              "imports, data loading, training, evaluation, writing)"))
        if key == "dfl_fair":
            assert ref is not None  # the paper's Table 2 has a time for dfl_fair
            speedup = ref / part["seconds"].mean()
            rows.append(bench_row(STUDY, "dfl_closed_form_vs_paper", setting, "speedup over the paper's time",
                                  speedup, "x", reference=targets["dfl_speedup_vs_paper"], comparison=">=",
                                  note="paper time / training seconds per trial (target of the issue: >= 10x)"))
    rows += _wall_rows(wall, targets, len(trials))
    rec: Any  # a row of a table with mixed column types
    for rec in decision.itertuples(index=False):
        setting = f"n = {rec.n}, alpha = {rec.alpha:g}, {rec.kind} instance"
        rows.append(bench_row(STUDY, "closed_form_vs_solver", setting, "closed form seconds", rec.closed_form_seconds,
                              "s", note=f"median of {rec.repeats}"))
        rows.append(bench_row(STUDY, "closed_form_vs_solver", setting, f"{solver} seconds", rec.solver_seconds, "s",
                              note=f"median of {rec.repeats}: model build + solve (core solve {rec.solver_core_seconds:.3g} s); "
                                   f"max rel. difference of the decisions {rec.max_rel_diff:.2g}"))
        rows.append(bench_row(STUDY, "closed_form_vs_solver", setting, "speedup", rec.speedup, "x",
                              reference=targets["closed_form_speedup"], comparison=">=",
                              note=f"{solver} seconds / closed-form seconds (target of the issue: >= 100x at n = 48,784)"))
    return rows
