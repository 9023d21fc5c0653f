"""The benchmark table: measured speed and memory next to their targets.

Performance targets (issue acceptance lists, the papers' reported times) are *measured* by
workflow rules and benchmark scripts, never asserted in timed unit tests. Every study writes its
measurements as rows of one schema to ``results/benchmarks/<study>.csv`` with
:func:`write_benchmark_table`; the report stage concatenates them into
``results/benchmarks/summary.{csv,md}``.

A row says what was measured (``benchmark``, ``setting``, ``metric``, ``value``, ``unit``), what it
is compared with (``reference`` -- a target or a paper's number -- and the ``comparison``:
``ratio`` = value / reference, or a target relation ``<=`` / ``>=``), whether the target is met,
and on what machine (``machine``: cores and CPU model, so timings are never compared across
machines silently).

**The clock.** A timed row (unit ``s``) states CPU seconds beside wall seconds (``cpu_seconds``;
blank where the measurement did not record it), the usable ``cores`` and the 1-minute load average
``loadavg`` (the measurement's own when it recorded one -- :class:`fairopt.core.timing.JobClock`,
the larger of start and end --, else the load when the table was built); ``under_load`` flags a row
measured with the load above the cores (its wall time is inflated by other work).
"""
from __future__ import annotations

import math
import platform
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from fairopt.core.io import write_csv, write_text
from fairopt.core.timing import load_average, usable_cores
from fairopt.report.markdown import markdown_table

__all__ = ["BenchmarkRow", "bench_row", "not_measured_row", "machine_label", "benchmark_frame", "write_benchmark_table",
           "COMPARISONS"]

#: ``<=``/``>=``: target relations (value must be at most / at least the reference);
#: ``ratio``: informational value / reference (e.g. against a paper's time); ``none``: no reference.
COMPARISONS = ("<=", ">=", "ratio", "none")


@dataclass
class BenchmarkRow:
    """One measured quantity (see the module docstring)."""

    study: str
    benchmark: str
    setting: str
    metric: str
    value: float
    unit: str
    reference: float | None = None
    comparison: str = "none"
    ratio: float | None = None
    target_met: bool | None = None
    note: str = ""
    machine: str = ""
    cpu_seconds: float | None = None
    cores: int | None = None
    loadavg: float | None = None
    under_load: bool | None = None


def machine_label() -> str:
    """``"<cores> cores, <cpu>"`` of the machine running the measurement (usable cores)."""
    cores = usable_cores()
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cores} cores, {cpu}"


def not_measured_row(study: str, benchmark: str, setting: str, metric: str, unit: str, reason: str) -> BenchmarkRow:
    """A row for a quantity that was not measured: no value (NaN) and the reason as its note (``not
    measured: no GPU``, a capped solve...) -- never an estimate in the value column (:func:`bench_row`
    takes finite values only)."""
    return BenchmarkRow(study, benchmark, setting, metric, math.nan, unit, note=reason, machine=machine_label())


def bench_row(study: str, benchmark: str, setting: str, metric: str, value: float, unit: str, *,
              reference: float | None = None, comparison: str = "none", note: str = "",
              machine: str | None = None, cpu_seconds: float | None = None,
              clock: Mapping[str, Any] | None = None) -> BenchmarkRow:
    """Build a row, computing ``ratio = value / reference`` and ``target_met`` for ``<=``/``>=``.

    Args:
        study: ``fdfl``, ``fairreg``, ``layer``...
        benchmark: What is benchmarked (e.g. ``seconds_per_trial``, ``closed_form_vs_clarabel``).
        setting: The configuration measured (method, size...).
        metric: The quantity (e.g. ``seconds``, ``speedup``).
        value: The measurement (must be finite).
        unit: Its unit (``s``, ``x``, ``MB``...).
        reference: Target or paper value (``None`` when there is none).
        comparison: One of :data:`COMPARISONS`.
        note: Where the reference comes from, caveats.
        machine: Defaults to :func:`machine_label`.
        cpu_seconds: CPU seconds of a timed measurement (beside the wall ``value``).
        clock: A :class:`fairopt.core.timing.JobClock` record of the measurement (``cpu_seconds``,
            ``cores``, ``loadavg_start``/``loadavg_end``); without one the cores and load are read now.

    Raises:
        ValueError: non-finite value, unknown comparison, or a comparison without a reference.
    """
    if comparison not in COMPARISONS:
        raise ValueError(f"comparison must be one of {COMPARISONS}, got {comparison!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"benchmark {study}/{benchmark}/{setting}/{metric}: value is not finite ({value})")
    if comparison != "none" and reference is None:
        raise ValueError(f"benchmark {study}/{benchmark}/{setting}/{metric}: comparison {comparison!r} "
                         "needs a reference")
    ratio = value / reference if reference not in (None, 0) else None
    met = None
    if comparison == "<=" and reference is not None:
        met = value <= reference
    elif comparison == ">=" and reference is not None:
        met = value >= reference
    clock = dict(clock or {})
    if cpu_seconds is None and clock.get("cpu_seconds") is not None:
        cpu_seconds = float(clock["cpu_seconds"])
    cores = int(clock["cores"]) if clock.get("cores") else usable_cores()
    loads = [float(x) for x in (clock.get("loadavg_start"), clock.get("loadavg_end")) if x is not None]
    load = max(loads) if loads else load_average()
    return BenchmarkRow(study, benchmark, setting, metric, value, unit, reference, comparison, ratio, met,
                        note, machine_label() if machine is None else machine,
                        None if cpu_seconds is None or not math.isfinite(float(cpu_seconds)) else float(cpu_seconds),
                        cores, load, None if load is None else bool(load > cores))


def benchmark_frame(rows: Iterable[BenchmarkRow]) -> pd.DataFrame:
    """Rows as a DataFrame with the canonical column order."""
    return pd.DataFrame([asdict(r) for r in rows], columns=list(BenchmarkRow.__dataclass_fields__))


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def to_markdown(frame: pd.DataFrame, title: str | None = None, headline: str = "") -> str:
    """The table as GitHub Markdown, with a count of targets met; ``headline`` (what produced the run,
    :func:`fairopt.report.headline.run_headline`) is followed by the date and machine of this file."""
    from fairopt.report.headline import machine_headline

    met = frame["target_met"].dropna()
    head = f"# {title}\n\n" if title else ""
    if headline:
        head += f"{headline}\n\n{machine_headline()}\n\n"
    summary = f"{int(met.astype(bool).sum())} of {len(met)} targets met" if len(met) else ""
    loaded = frame["under_load"].fillna(False).astype(bool) if "under_load" in frame else pd.Series(dtype=bool)
    if loaded.any():
        summary += (f"{'; ' if summary else ''}{int(loaded.sum())} of {len(frame)} rows measured with the load "
                    "average above the cores (column under_load: wall times inflated)")
    summary = f"{summary}\n\n" if summary else ""
    cols = ["study", "benchmark", "setting", "metric", "value", "unit", "cpu_seconds", "reference", "comparison",
            "ratio", "target_met", "cores", "loadavg", "under_load", "note", "machine"]
    return head + summary + markdown_table(frame[cols], cell=_fmt)


def write_benchmark_table(rows: Iterable[BenchmarkRow] | pd.DataFrame, csv_path: str | Path,
                          md_path: str | Path | None = None, title: str | None = None, *,
                          headline: str = "") -> pd.DataFrame:
    """Write the rows as CSV (and Markdown, headed by ``headline``: :func:`to_markdown`); return the frame."""
    frame = rows if isinstance(rows, pd.DataFrame) else benchmark_frame(rows)
    missing = set(BenchmarkRow.__dataclass_fields__) - set(frame.columns)
    if missing:
        raise ValueError(f"benchmark table lacks columns {sorted(missing)}")
    write_csv(csv_path, frame)
    if md_path is not None:
        write_text(md_path, to_markdown(frame, title, headline))
    return frame
