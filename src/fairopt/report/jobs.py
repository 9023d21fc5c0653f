"""The workflow's jobs as its ``benchmark:`` files saw them: progress of a run and measured resources.

Every rule writes a Snakemake benchmark file ``benchmarks/<rule>.tsv`` or
``benchmarks/<rule>/<wildcards>.tsv`` (wall ``s``, ``cpu_time``, peak resident memory ``max_rss`` in MB;
tests/workflow/test_resources.py holds every rule to it). Two summaries are read from them:

* :func:`status` -- for a running or finished workflow: jobs done / total per study (totals from two
  dry runs of the same command line: all jobs, and the jobs still to run) and the slowest jobs;
* :func:`measured_resources` -- per rule, the largest peak memory and wall time, next to what
  ``workflow/resources.yaml`` declares, with the headroom check of :mod:`fairopt.core.job_resources`.

Both are ``fairopt status`` and ``fairopt resources`` (:mod:`fairopt.cli`).
"""
from __future__ import annotations

import math
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from fairopt.core.errors import DataError
from fairopt.core.job_resources import HEADROOM, JobResources
from fairopt.report.config_reference import STUDIES

__all__ = ["study_of", "read_benchmark_file", "read_benchmarks", "planned_jobs", "status", "measured_resources",
           "suggested_mem_mb", "suggested_runtime"]


def study_of(rule: str) -> str:
    """The study a rule belongs to (its name prefix), ``shared`` for the data and report rules."""
    prefix = rule.split("_", 1)[0]
    return prefix if prefix in STUDIES else "shared"


def read_benchmark_file(path: str | Path) -> dict[str, float]:
    """One Snakemake benchmark file: ``s`` (wall), ``cpu_time`` and ``max_rss_mb`` (NaN where absent) of its
    first row; a file without the ``s`` column or without a row raises a one-line DataError."""
    bench = pd.read_csv(path, sep="\t")
    if "s" not in bench.columns or bench.empty:
        raise DataError(f"{path}: not a Snakemake benchmark file (no 's' column or no row)")
    first = bench.iloc[0]
    return {"s": float(first["s"]), "cpu_time": float(first.get("cpu_time", math.nan)),
            "max_rss_mb": float(first.get("max_rss", math.nan))}


def read_benchmarks(root: str | Path = "benchmarks") -> pd.DataFrame:
    """Every benchmark file under ``root``: ``rule, job, study, s, cpu_time, max_rss_mb``.

    ``rule`` is the first path component below ``root`` (the file stem for a top-level file), ``job`` the
    path below ``root`` without ``.tsv``. A file without the ``s`` column raises a one-line DataError; an
    absent ``root`` gives an empty table.
    """
    root = Path(root)
    rows = []
    for path in sorted(root.rglob("*.tsv")) if root.is_dir() else []:
        rel = path.relative_to(root).with_suffix("")
        rule = rel.parts[0]
        rows.append({"rule": rule, "job": rel.as_posix(), "study": study_of(rule), **read_benchmark_file(path)})
    return pd.DataFrame(rows, columns=["rule", "job", "study", "s", "cpu_time", "max_rss_mb"])


_JOB_LINE = re.compile(r"^(\w+)\s+(\d+)$")


def planned_jobs(snakemake_args: Sequence[str], *, everything: bool) -> dict[str, int]:
    """Jobs per rule that ``snakemake -n <args>`` plans (``everything``: with ``--forceall``, the whole DAG)."""
    cmd = [sys.executable, "-m", "snakemake", "-n", "--quiet", "rules", *snakemake_args]
    if everything:
        cmd.append("--forceall")
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        tail = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise DataError(f"snakemake dry run failed ({' '.join(cmd[3:])}): {tail[0]}")
    counts = {}
    for line in out.stdout.splitlines():
        match = _JOB_LINE.match(line.strip())
        if match and match[1] != "total":
            counts[match[1]] = int(match[2])
    return counts


def status(snakemake_args: Sequence[str] = (), *, benchmarks: str | Path = "benchmarks",
           slowest: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Progress of the workflow that ``snakemake <args>`` would run, and its slowest finished jobs.

    Returns:
        ``(per_study, slowest_jobs)``: ``study, done, total, to_run, done_share, job_hours, cpu_hours``
        (hours summed over the benchmark files of the study's rules) and the ``slowest`` benchmark rows by
        wall time.
    """
    total = planned_jobs(snakemake_args, everything=True)
    to_run = planned_jobs(snakemake_args, everything=False)
    bench = read_benchmarks(benchmarks)
    # a rule family's folder (benchmarks/fdfl_job/ of the rules fdfl_job_trials_*) counts for its study
    bench = bench[bench["study"].isin({study_of(r) for r in total})]
    rows = []
    for study in sorted({study_of(r) for r in total}):
        rules = [r for r in total if study_of(r) == study]
        n_total = sum(total[r] for r in rules)
        n_to_run = sum(to_run.get(r, 0) for r in rules)
        own = bench[bench["study"] == study]
        rows.append({"study": study, "done": n_total - n_to_run, "total": n_total, "to_run": n_to_run,
                     "done_share": (n_total - n_to_run) / n_total if n_total else 1.0,
                     "job_hours": own["s"].sum() / 3600, "cpu_hours": own["cpu_time"].sum() / 3600})
    top = bench.sort_values("s", ascending=False).head(slowest).reset_index(drop=True)
    return pd.DataFrame(rows), top


def suggested_mem_mb(peak_mb: float) -> int:
    """Memory to declare for a measured peak: 1.5 x the peak rounded up to 100 MB, at least 500 MB."""
    return max(500, int(math.ceil(1.5 * peak_mb / 100.0)) * 100)


def suggested_runtime(seconds: float) -> int:
    """Minutes to declare for a measured wall time: twice it, rounded up, at least 2 minutes (a cluster
    node's start-up, a slower node)."""
    return max(2, int(math.ceil(2 * seconds / 60.0)))


def measured_resources(table: JobResources, *, benchmarks: str | Path = "benchmarks",
                       scale: str = "smoke") -> pd.DataFrame:
    """Per rule with benchmark files: jobs, largest ``max_rss_mb`` and wall ``s``, the declared ``mem_mb`` and
    ``runtime`` at ``scale`` (NaN for ``runtime: rule``: computed by the rule), the suggestions (:func:`suggested_mem_mb`, :func:`suggested_runtime`) and
    ``enough`` (declared mem_mb >= HEADROOM x peak and runtime >= the slowest job)."""
    bench = read_benchmarks(benchmarks)
    rows = []
    for rule, jobs in bench.groupby("rule", sort=True):
        peak, slowest = float(jobs["max_rss_mb"].max()), float(jobs["s"].max())
        entry = table.entries.get(str(rule))  # a path component: str
        mem = entry["mem_mb"][scale] if entry else math.nan
        runtime = entry["runtime"][scale] if entry and entry["runtime"] != "rule" else math.nan
        rows.append({"rule": rule, "jobs": len(jobs), "peak_mb": round(peak, 1), "slowest_s": round(slowest, 2),
                     "mem_mb": mem, "runtime_min": runtime, "suggested_mem_mb": suggested_mem_mb(peak),
                     "suggested_runtime_min": suggested_runtime(slowest),
                     "enough": bool(entry) and mem >= HEADROOM * peak
                               and (math.isnan(runtime) or runtime * 60 >= slowest)})
    return pd.DataFrame(rows)
