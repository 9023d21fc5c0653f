"""Benchmark-table rows of the fair-regression study: measured times next to the slides'.

Ratios only: the slides' times come from another solver set-up and another machine (here: SCIP
and Clarabel through cvxpy), so no time is a target; the notes say what was measured. Times come
from the timing tables (the formulation table's time column, the training times); node counts from
the formulation table (a result: deterministic under a node limit).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from fairopt.report.benchmark_table import BenchmarkRow, bench_row
from fairopt.studies.fairreg.scorecard import STUDY, settings_note
from fairopt.studies.fairreg.tables import AVG

__all__ = ["benchmark_rows"]


def benchmark_rows(paper: Mapping[str, Any], settings: Mapping[str, Any], formulations: pd.DataFrame,
                   relax_seconds: Mapping[str, float], real: Mapping[str, Any] | None, *,
                   formulations_timing: pd.DataFrame) -> list[BenchmarkRow]:
    """Measured times next to the slides' (ratios; different solver and machine, see notes).

    Args:
        formulations, formulations_timing: :func:`~fairopt.studies.fairreg.tables.formulation_table`
            (nodes) and :func:`~fairopt.studies.fairreg.tables.formulation_timing_table` (times).
    """
    note = settings_note(settings)
    avg = {**formulations[formulations["lam"].astype(str) == AVG].iloc[0].to_dict(),
           **formulations_timing[formulations_timing["lam"].astype(str) == AVG].iloc[0].to_dict()}
    pf = paper["synthetic"]["formulations"][AVG]
    rows = [bench_row(STUDY, "synthetic_relaxation", "strong relaxation, Clarabel", "mean solver seconds",
                      relax_seconds.get("relax_strong", float("nan")), "s",
                      reference=paper["synthetic"]["relaxation_seconds"], comparison="ratio",
                      note=f"slides: 0.25 s; {note}")]
    if "relax_bigm" in relax_seconds:
        rows.append(bench_row(STUDY, "synthetic_relaxation", "big-M relaxation, Clarabel", "mean solver seconds",
                              relax_seconds["relax_bigm"], "s", note=note))
    for form in ("bigm", "strong"):
        for key, unit in (("time", "s"), ("nodes", "nodes")):
            val = float(avg[f"{form}_{key}"])
            if math.isfinite(val):
                rows.append(bench_row(STUDY, "synthetic_mio", f"{form} MIO", f"mean {key}", val, unit,
                                      reference=pf[form][key], comparison="ratio",
                                      note=f"slides at 3,600 s; here {note}"))
    if real is not None:
        times = real["times"]
        for name, d in real["info"].items():
            ref = paper["real"].get(name, {})
            setting = f"{name}, {d['m_train']} train rows"
            part = times[times["dataset"] == name].set_index("method")
            t = part["mean_seconds"]
            cpu = part["mean_cpu_seconds"] if "mean_cpu_seconds" in part else pd.Series(dtype=float)
            pairs = [("agarwal", "Agarwal et al. (EG, LS oracle)", ref.get("agarwal_seconds")),
                     ("relax", "strong relaxation (Clarabel)", ref.get("relax_seconds")),
                     ("cd_relax", "coordinate descent from the relaxation",
                      paper["real"]["cd_extra_seconds"] if name == "law_school" else None),
                     ("relax+cd", "relaxation + CD", None), ("mio", "strong MIO (SCIP)", None)]
            for method, label, reference in pairs:
                if method in t and math.isfinite(t[method]):
                    rows.append(bench_row(STUDY, "real_training_time", f"{setting}: {label}",
                                          "mean seconds", float(t[method]), "s", reference=reference,
                                          comparison="ratio" if reference is not None else "none",
                                          cpu_seconds=float(cpu.get(method, float("nan"))),
                                          note="slides' machine/solver differ; CPU seconds of the whole job"))
            if "agarwal" in t and "relax+cd" in t and t["relax+cd"] > 0:
                rows.append(bench_row(STUDY, "real_training_time", f"{setting}: Agarwal / (relaxation + CD)",
                                      "speed-up", float(t["agarwal"] / t["relax+cd"]), "x",
                                      reference=paper["real"]["speedup"], comparison="ratio",
                                      note="slides: ~30x with the authors' Agarwal implementation"))
    return rows
