"""The FDFL benchmark table: seconds per trial vs the paper's Time column, Table 2 wall time,
closed form vs conic solver (rows of :mod:`fairopt.report.benchmark_table`).

Measurements come from the workflow itself, never from timed unit tests, and only from timing files
(results of two runs are byte-identical, their times are not: :mod:`fairopt.report.identity`):

* ``seconds`` of each trial's timing JSON (``results/fdfl/timing/trials/<method>/trial-<t>.json``,
  gathered per Table 2 row in ``results/fdfl/tables/table2_trials_timing.csv``) -- training wall
  time of all epochs, the paper's Time column;
* Snakemake's ``benchmark:`` file of each training job -- the whole job (Python start, imports,
  data loading, training, evaluation, writing);
* the jobs' own start/end stamps (same timing files) -- the wall time of the whole Table 2 (first
  job start to last job end);
* ``results/fdfl/benchmarks/decision_timing.csv`` of the rule ``fdfl_job_timing`` -- closed form vs
  the conic solver at the configured sizes.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from fairopt.report.benchmark_table import BenchmarkRow, bench_row
from fairopt.core.errors import DataError

__all__ = ["job_seconds", "core_occupancy", "benchmark_rows"]

STUDY = "fdfl"
_JOB = re.compile(r"(?P<method>[^/]+)/trial-(?P<trial>\d+)\.tsv$")


def job_seconds(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Read Snakemake benchmark files ``.../<method>/trial-<t>.tsv``.

    Returns:
        ``method, trial, job_seconds`` (wall), ``job_cpu_seconds`` (CPU time of the job's processes;
        NaN when absent) and ``max_rss_mb``.
    """
    rows = []
    for path in paths:
        match = _JOB.search(str(path).replace("\\", "/"))
        if match is None:
            raise DataError(f"{path}: expected a benchmark file named <method>/trial-<t>.tsv")
        bench = pd.read_csv(path, sep="\t")
        if "s" not in bench.columns or bench.empty:
            raise DataError(f"{path}: Snakemake benchmark file lacks the 's' column")
        first = bench.iloc[0]
        rows.append({"method": match["method"], "trial": int(match["trial"]), "job_seconds": float(first["s"]),
                     "job_cpu_seconds": float(first.get("cpu_time", float("nan"))),
                     "max_rss_mb": float(first.get("max_rss", float("nan")))})
    return pd.DataFrame(rows)


#: below this share of the cores the Table 2 jobs did not run alone (other jobs of the run interleaved)
MIN_OCCUPANCY = 0.75


def core_occupancy(starts: pd.Series, ends: pd.Series, cores: int) -> float:
    """Share of ``cores x (last end - first start)`` that the jobs ``[start, end]`` occupied.

    Close to 1 when the jobs ran alone on ``cores`` cores back to back; well below when other jobs of
    the same run shared the cores (the span then measures the run, not the jobs).
    """
    span = float(ends.max() - starts.min())
    if span <= 0:
        return 1.0
    return float((ends - starts).sum()) / (span * max(cores, 1))


def benchmark_rows(*, paper: Mapping[str, Any], trials: pd.DataFrame, jobs: pd.DataFrame, decision: pd.DataFrame,
                   methods: Mapping[str, Mapping[str, Any]], targets: Mapping[str, float], cores: int,
                   solver: str = "clarabel") -> list[BenchmarkRow]:
    """The benchmark rows of the FDFL study.

    Args:
        paper: Parsed ``workflow/paper/fdfl.yaml`` (Time column of Table 2).
        trials: Per-trial timings of Table 2 (:func:`fairopt.studies.fdfl.tables.timing_frame`: ``method``,
            ``label``, ``trained_as``, ``seconds``, ``job_started_unix``, ``job_finished_unix``).
        jobs: :func:`job_seconds` of the Table 2 training jobs.
        decision: ``decision_timing.csv`` (closed form vs solver by size).
        methods: ``fdfl.methods`` config (``paper_row`` of each method).
        targets: ``fdfl.benchmark.targets``: ``table2_wall_seconds``, ``dfl_speedup_vs_paper``,
            ``closed_form_speedup``.
        cores: Cores Snakemake was given (``--cores``).
        solver: Conic solver name (for the labels).

    Returns:
        Rows for :func:`fairopt.report.benchmark_table.write_benchmark_table`.
    """
    rows: list[BenchmarkRow] = []
    paper_rows = paper["table2"]
    for method, part in trials.groupby("method", sort=False):
        key = (methods.get(method) or {}).get("paper_row")
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
                                  job["job_seconds"].mean(), "s", reference=ref, comparison=cmp,
                                  note=note + "; Python start, imports, data loading, training, evaluation, writing"))
        if key == "dfl_fair":
            speedup = ref / part["seconds"].mean()
            rows.append(bench_row(STUDY, "dfl_closed_form_vs_paper", setting, "speedup over the paper's time",
                                  speedup, "x", reference=targets["dfl_speedup_vs_paper"], comparison=">=",
                                  note="paper time / training seconds per trial (target of the issue: >= 10x)"))
    starts, ends = trials.get("job_started_unix"), trials.get("job_finished_unix")
    if starts is not None and ends is not None and starts.notna().all() and ends.notna().all():
        span = float(ends.max() - starts.min())
        occupancy = core_occupancy(starts, ends, cores)
        note = ("first training job's process start to last job's end (the jobs' own stamps); "
                f"Table 2 jobs occupied {occupancy:.0%} of {cores} cores x this span")
        alone = occupancy >= MIN_OCCUPANCY
        if not alone:
            note += ("; other jobs of the run shared the cores, so this is not the time of Table 2 alone: "
                     "measure it with `snakemake --cores 2 --forcerun fdfl_job -- results/fdfl/tables/table2.csv`")
        rows.append(bench_row(STUDY, "table2_wall_time", f"{len(trials)} trainings, --cores {cores}", "wall seconds",
                              span, "s", reference=targets["table2_wall_seconds"],
                              comparison="<=" if alone else "none", note=note))
    if not jobs.empty:
        rows.append(bench_row(STUDY, "table2_wall_time", f"{len(jobs)} trainings, --cores {cores}",
                              "sum of job seconds / cores", float(jobs["job_seconds"].sum() / max(cores, 1)), "s",
                              reference=targets["table2_wall_seconds"], comparison="<=",
                              note="the wall time of perfectly packed jobs (Snakemake scheduling overhead excluded)"))
        if jobs["job_cpu_seconds"].notna().all():
            rows.append(bench_row(STUDY, "table2_wall_time", f"{len(jobs)} trainings, --cores {cores}",
                                  "sum of job CPU seconds / cores", float(jobs["job_cpu_seconds"].sum() / max(cores, 1)),
                                  "s", reference=targets["table2_wall_seconds"], comparison="<=",
                                  note="CPU time of the jobs (from the benchmark files) spread over the cores: the wall "
                                       "time on otherwise idle cores, whatever else was running"))
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
