"""One summary of what a ``snakemake`` call is about to run, printed before it runs (and on ``-n``).

The default config reproduces the papers at their own settings: about 1,800 jobs and, by the
declared runtimes of ``workflow/resources.yaml``, thousands of core-hours. Starting that should be a
decision, so every run and dry run of the workflow prints, right after Snakemake's job table::

    fairopt plan: preset paper, 1772 jobs to run (fdfl 66, fairreg 906, layer 371, dafh 421, shared 8)
      declared (upper bounds: workflow/resources.yaml): 21950 core-hours, 21950 hours if run one job at a time
      earlier benchmark files (same job paths, any preset): 12 of 1772 jobs, 0.4 core-hours
      a first look: --configfile config/smoke.yaml (minutes) or config/reduced.yaml (hours); see README "Run"

It refuses nothing: the user may well want the papers' settings.

**Mechanism.** Snakemake's ``onstart`` hook does not run in a dry run, and the DAG does not exist
while the workflow is parsed. Snakemake logs its job table as one record with the event
``RUN_INFO`` (both in a run and in a dry run, once the DAG is built, only in the main process: never
in a cluster job). :func:`announce_plan`, called at parse time, adds a logging handler that waits for
that record and then reads ``workflow.dag``: the jobs still to run, their ``threads`` and declared
``runtime`` (minutes), and their ``benchmark:`` files where an earlier run left them.

Core-hours: ``sum(runtime x threads) / 60`` over the jobs to run. The declared runtimes are upper bounds
(twice the slowest measured job, :mod:`fairopt.core.job_resources`); the benchmark files give CPU seconds
(``cpu_time``) of earlier runs of the same job paths, which may have been another preset's.
"""
from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fairopt.report.jobs import read_benchmark_file, study_of

__all__ = ["PlannedJob", "PlanSummary", "summarise", "format_summary", "announce_plan"]

#: the studies in the order the summary lists them (then ``shared``: data and report rules)
ORDER = ("fdfl", "fairreg", "layer", "dafh", "shared")


@dataclass(frozen=True)
class PlannedJob:
    """What the summary needs of one job: its rule, threads, declared runtime (minutes; NaN when the
    rule declares none or Snakemake has not evaluated it yet) and its benchmark file (or ``None``)."""

    rule: str
    threads: int
    runtime_min: float
    benchmark: str | None = None


@dataclass
class PlanSummary:
    """Jobs per study, declared core-hours and hours, and what earlier benchmark files measured."""

    preset: str
    jobs: Counter = field(default_factory=Counter)
    declared_core_hours: float = 0.0
    declared_hours: float = 0.0
    undeclared: int = 0
    measured_jobs: int = 0
    measured_cpu_hours: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.jobs.values())


def _runtime_minutes(value: Any) -> float:
    try:
        minutes = float(value)
    except (TypeError, ValueError):  # e.g. Snakemake's TBDString before a dependency exists
        return math.nan
    return minutes if math.isfinite(minutes) and minutes >= 0 else math.nan


def summarise(jobs: Iterable[PlannedJob], *, preset: str) -> PlanSummary:
    """Aggregate the jobs to run: counts per study, declared ``runtime x threads``, earlier benchmarks."""
    summary = PlanSummary(preset=preset)
    for job in jobs:
        summary.jobs[study_of(job.rule)] += 1
        if math.isnan(job.runtime_min):
            summary.undeclared += 1
        else:
            summary.declared_core_hours += job.runtime_min * job.threads / 60
            summary.declared_hours += job.runtime_min / 60
        if job.benchmark is not None and Path(job.benchmark).is_file():
            try:
                measured = read_benchmark_file(job.benchmark)
            except Exception:  # an unreadable earlier file is not a reason to stop a run
                continue
            cpu = measured["cpu_time"] if math.isfinite(measured["cpu_time"]) else measured["s"]
            summary.measured_jobs += 1
            summary.measured_cpu_hours += cpu / 3600
    return summary


def format_summary(summary: PlanSummary) -> str:
    """The summary as the four lines printed at start (see the module docstring)."""
    per_study = ", ".join(f"{s} {summary.jobs[s]}" for s in ORDER if summary.jobs.get(s))
    lines = [f"fairopt plan: preset {summary.preset}, {summary.total} jobs to run ({per_study})"]
    undeclared = f"; {summary.undeclared} job(s) without a declared runtime" if summary.undeclared else ""
    lines.append(f"  declared (upper bounds: workflow/resources.yaml): {summary.declared_core_hours:.1f} core-hours, "
                 f"{summary.declared_hours:.1f} hours if run one job at a time{undeclared}")
    if summary.measured_jobs:
        lines.append(f"  earlier benchmark files (same job paths, any preset): {summary.measured_jobs} of "
                     f"{summary.total} jobs, {summary.measured_cpu_hours:.1f} CPU hours")
    else:
        lines.append("  earlier benchmark files: none for these jobs")
    if summary.preset != "smoke":
        lines.append("  a first look: --configfile config/smoke.yaml (minutes) or config/reduced.yaml (hours); "
                     "see README \"Run\"")
    return "\n".join(lines)


def planned_jobs_of(dag: Any) -> list[PlannedJob]:
    """The jobs a Snakemake DAG will run, as :class:`PlannedJob` (group jobs are not formed yet here)."""
    jobs = []
    for job in dag.needrun_jobs():
        resources: Mapping[str, Any] = job.resources
        benchmark = job.benchmark
        # a rule without a body (`rule all`) runs nothing
        runtime = 0.0 if job.rule.norun else _runtime_minutes(resources.get("runtime"))
        jobs.append(PlannedJob(rule=job.rule.name, threads=int(job.threads), runtime_min=runtime,
                               benchmark=None if benchmark is None else str(benchmark)))
    return jobs


class _RunInfoHandler(logging.Handler):
    """Prints the summary when Snakemake logs its job table (event ``RUN_INFO``), once."""

    def __init__(self, workflow: Any, preset: str) -> None:
        super().__init__(level=logging.INFO)
        self.workflow = workflow
        self.preset = preset
        self.done = False

    def emit(self, record: logging.LogRecord) -> None:
        from snakemake_interface_logger_plugins.common import LogEvent

        if self.done or getattr(record, "event", None) != LogEvent.RUN_INFO:
            return
        self.done = True
        try:
            text = format_summary(summarise(planned_jobs_of(self.workflow.dag), preset=self.preset))
        except Exception as exc:  # the summary informs; it never stops a run
            text = f"fairopt plan: no summary ({type(exc).__name__}: {exc})"
        logging.getLogger("snakemake.logging").info(text)


def announce_plan(workflow: Any, *, preset: str) -> None:
    """Print the plan summary of this ``snakemake`` call once its DAG is built (call at parse time).

    Only the main Snakemake process prints it: a job's own process (``--mode subprocess``/``remote``)
    never logs the job table. Calling this twice in one process installs one handler.
    """
    logger = logging.getLogger("snakemake.logging")
    if not any(isinstance(h, _RunInfoHandler) for h in logger.handlers):
        logger.addHandler(_RunInfoHandler(workflow, preset))
