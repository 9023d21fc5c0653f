"""Aggregation of the per-job results into the slides' tables and the real-data summaries.

Synthetic study (one row per (instance, lambda, method), :func:`fairopt.studies.fairreg.job.run_synthetic`):

* :func:`instance_summaries` -- one row per (m, seed, lambda):
  :func:`summarize` of its method rows;
* :func:`formulation_table` -- the slides' "Computational Results on Synthetic Data": per lambda,
  the mean over instances of the big-M and strong relaxation gap and end gap (in %) and
  branch-and-bound nodes, then an ``Avg`` row (the mean of the lambda rows, as in the slides);
  :func:`formulation_timing_table` -- its "Time" column, from the timing files;
* :func:`gaps_table` -- the slides' "Optimality Gaps of Different Methods": per lambda, the mean
  optimality gap (in %) of relax (the strong relaxation's model), CD-0, CD-unfair, CD-relax and
  MICQO (the strong MIO's incumbent), then ``Avg``.

**Results and timings apart.** The result tables hold what two runs of one configuration reproduce
byte for byte (with a deterministic MIO limit, ``fairreg.solvers.mio_node_limit``); measured times
are in the ``*_timing`` tables (:mod:`fairopt.report.identity`), built from the jobs' timing records.

**Without a model, no gap.** A MIO without a model (status ``no_incumbent``, ``crashed`` or
``wall_limit``) has no end, solver or optimality gap: its cells are missing (empty in the Markdown),
not 100%, and left out of the means; the share of such instances is the ``<mio>_no_model`` column
of both tables, and the Markdown says so (:data:`NO_MODEL_NOTE`).

Time: the solver's own time (``solver_seconds``; what its time limit bounds); a MIO that ran to
its time limit without a model counts its time limit, one stopped at its node limit without a
model, a crashed one or one killed by the watchdog is left out of the time mean. Nodes: SCIP's
nodes over all restarts. Shares of MIOs without a model, stopped at the node limit, at the time
limit and re-solved with fallback options are columns of the formulation table.

Real data (one row per (dataset, method, lambda or epsilon), :func:`fairopt.studies.fairreg.job.run_real`):

* :func:`tradeoff_table` -- the fairness vs relative-RMSE-increase points (test set);
* :func:`rmse_reduction` -- how much lower the slides' pipeline's (relaxation, CD-relax, MIO)
  relative RMSE increase is than Agarwal et al.'s at the same or lower test unfairness;
* :func:`training_time_table` -- mean training time per dataset and method (from the timing records).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from fairopt.methods.fairreg.formulations import LIMIT_STATUSES, relative_gap
from fairopt.methods.fairreg.mio import NO_MODEL_STATUSES
from fairopt.studies.fairreg.settings import format_value
from fairopt.report.markdown import markdown_table as report_markdown

__all__ = [
    "AVG",
    "summarize",
    "read_tables",
    "instance_summaries",
    "formulation_table",
    "formulation_timing_table",
    "stopped_by",
    "gaps_table",
    "NO_MODEL_NOTE",
    "timing_frame",
    "relaxation_seconds",
    "GAP_METHODS",
    "tradeoff_table",
    "pareto_front",
    "rmse_reduction",
    "training_time_table",
    "PIPELINE_METHODS",
    "markdown_table",
    "TABLES",
]

AVG = "Avg"
#: what an empty gap cell means (the Markdown of the formulation and gap tables)
NO_MODEL_NOTE = ("An empty gap cell: no instance of that lambda has a model from that MIO (no feasible solution "
                 "at its limit, a crash or the watchdog's wall limit); such instances are left out of the gap "
                 "means, not counted as 100%. `*_no_model`: their share.")
#: columns of the optimality-gap table: column name -> method key
GAP_METHODS = {"relax": "relax_strong", "cd0": "cd0", "cd_unfair": "cd_unfair",
               "cd_relax": "cd_relax", "micqo": "strong", "bigm": "bigm", "ls": "ls"}
#: the slides' real-data pipeline (relaxation, CD from it, best MIO model)
PIPELINE_METHODS = ("relax", "cd_relax", "mio")
_KEY = ["m", "seed", "lam"]
#: relaxation method -> formulation, for the relaxation gaps
_RELAX_FORMULATION = {"relax_bigm": "bigm", "relax_strong": "strong"}


def _num(x: Any) -> float:
    """A row value as float (``None`` -> NaN)."""
    return float("nan") if x is None else float(x)


def summarize(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Combine the method rows of one (instance, lambda) into the tables' gaps (module docstring).

    Rows without a model (a MIO with status ``no_incumbent``, ``crashed`` or ``wall_limit``)
    take no part in ``best_objective`` and have no gap: end, solver, optimality and to-best gaps are
    NaN (missing, with ``no_model_<method>`` True), not 100% (module docstring). A MIO bound counts
    only when the MIO returned one.

    Returns:
        Flat dict: ``<method>_<field>`` for every scalar row field (not ``w``, ``method`` or
        ``attempts``), plus ``best_objective``, ``best_bound``, ``relax_gap_<formulation>``,
        ``end_gap_<mio>`` (``(f_best - bound) / f_best`` with ``f_best`` the better of the MIO's
        incumbent and every other model of the instance), ``solver_gap_<mio>`` (the solver's own
        incumbent gap), ``below_bound_<mio>`` (``f_best`` is below the MIO's bound: possible because
        the MIOs and their bounds are delta-separated -- no prediction within ``delta`` of a
        threshold -- while the exact objective of, e.g., CD's model is not; such gaps are negative),
        ``opt_gap_<method>``, ``gap_to_best_<method>`` and ``ls_is_best`` (no model beats least
        squares: an instance without a visible fairness trade-off, on which claims about the fair
        methods are not exercised).
    """
    by_method = {r["method"]: r for r in rows}
    if not by_method:
        raise ValueError("summarize: no method rows")
    shared = ("lam", "m", "n", "l", "seed")
    out: dict[str, Any] = {}
    for name, r in by_method.items():
        for key, val in r.items():
            if key not in ("method", "w", "attempts") + shared:
                out[f"{name}_{key}"] = val
            elif key in shared:
                if key in out and out[key] != val:
                    raise ValueError(f"summarize: rows of different instances ({key} {out[key]} vs {val})")
                out[key] = val
    scored = [r["objective"] for r in by_method.values() if r.get("objective") is not None]
    if not scored:
        raise ValueError("summarize: no method returned a model")
    best_obj = min(scored)
    bounds = [r["bound"] for r in by_method.values() if r.get("bound") is not None]
    bounds += [r["best_bound"] for r in by_method.values()
               if r.get("best_bound") is not None and np.isfinite(r["best_bound"])]
    best_bound = max(bounds) if bounds else float("nan")
    out["best_objective"] = best_obj
    out["best_bound"] = best_bound
    # degenerate evidence: no model beats least squares (the fair optimum may be the unfair one)
    if by_method.get("ls", {}).get("objective") is not None:
        ls_obj = float(by_method["ls"]["objective"])
        out["ls_is_best"] = bool(best_obj >= ls_obj - 1e-9 * max(abs(ls_obj), 1e-12))
    for rel, form in _RELAX_FORMULATION.items():
        if rel in by_method:
            out[f"relax_gap_{form}"] = relative_gap(best_obj, by_method[rel]["bound"])
    nan = float("nan")
    for mio in ("bigm", "strong"):
        if mio in by_method:
            has_model = by_method[mio].get("objective") is not None
            bound = _num(by_method[mio].get("best_bound"))
            out[f"solver_gap_{mio}"] = _num(by_method[mio].get("gap")) if has_model else nan
            # against the better of the MIO's incumbent and every other model of the instance
            out[f"end_gap_{mio}"] = relative_gap(best_obj, bound) if has_model and np.isfinite(bound) else nan
            # the bound is of the delta-separated problem: a model without separation can beat it
            out[f"below_bound_{mio}"] = bool(has_model and np.isfinite(bound)
                                             and best_obj < bound - 1e-9 * max(abs(bound), 1e-12))
    for name, r in by_method.items():
        obj = r.get("objective")
        out[f"no_model_{name}"] = obj is None
        if obj is None:  # no model: no gap (missing, not 100%)
            out[f"opt_gap_{name}"] = out[f"gap_to_best_{name}"] = nan
            continue
        out[f"opt_gap_{name}"] = relative_gap(obj, best_bound) if bounds else float("nan")
        out[f"gap_to_best_{name}"] = relative_gap(obj, best_obj)
    return out


def instance_summaries(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per (m, seed, lambda): :func:`summarize` of its method rows, sorted.

    Raises:
        ValueError: A row lacks ``m``, ``seed`` or ``lam``, or a method appears twice.
    """
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for r in rows:
        missing = [k for k in _KEY + ["method"] if k not in r]
        if missing:
            raise ValueError(f"result row lacks {missing}")
        groups.setdefault(tuple(r[k] for k in _KEY), []).append(r)
    out = []
    for key, group in sorted(groups.items()):
        methods = [r["method"] for r in group]
        if len(set(methods)) != len(methods):
            raise ValueError(f"instance {dict(zip(_KEY, key))}: duplicate methods {methods}")
        summary = summarize(group)
        summary.update(dict(zip(_KEY, key)))
        out.append(summary)
    return pd.DataFrame(out)


def _lambda_rows(summary: pd.DataFrame, columns: dict[str, pd.Series]) -> pd.DataFrame:
    """Per-lambda means of ``columns`` (NaN-skipping), the instance count and the Avg row."""
    frame = pd.DataFrame({"lam": summary["lam"], **columns})
    grouped = frame.groupby("lam", sort=True)
    table = grouped.mean(numeric_only=True)
    table.insert(0, "n_instances", grouped.size())
    table = table.reset_index()
    avg = table.drop(columns=["lam"]).mean(numeric_only=True)
    avg["n_instances"] = table["n_instances"].sum()
    table["lam"] = [format_value(x) for x in table["lam"]]
    table = pd.concat([table, pd.DataFrame([{"lam": AVG, **avg.to_dict()}])], ignore_index=True)
    table["n_instances"] = table["n_instances"].astype(int)
    return table


def _col(summary: pd.DataFrame, name: str) -> pd.Series:
    return summary[name].astype(float) if name in summary else pd.Series(np.nan, index=summary.index)


def _text(summary: pd.DataFrame, name: str) -> pd.Series:
    return summary[name].astype(object) if name in summary else pd.Series(None, index=summary.index, dtype=object)


def stopped_by(summary: pd.DataFrame, mio: str) -> pd.Series:
    """Which limit stopped each MIO (``node_limit``, ``time_limit``, ``wall_limit`` or None); rows
    written before ``stopped_by`` was recorded: their status when it is a limit."""
    status = _text(summary, f"{mio}_status")
    stopped = _text(summary, f"{mio}_stopped_by")
    return stopped.where(stopped.notna(), status.where(status.isin(LIMIT_STATUSES)))


def _mio_time(summary: pd.DataFrame, mio: str) -> pd.Series:
    """Solver time; the time limit for a MIO without a feasible solution at its time limit; NaN for
    one without a model otherwise (node limit, crash, watchdog)."""
    t = _col(summary, f"{mio}_solver_seconds")
    status = _text(summary, f"{mio}_status")
    at_clock = (status == "no_incumbent") & (stopped_by(summary, mio) == "time_limit")
    return t.where(~status.isin(NO_MODEL_STATUSES), np.nan).where(~at_clock, _col(summary, f"{mio}_time_limit"))


def _mio_nodes(summary: pd.DataFrame, mio: str) -> pd.Series:
    total = _col(summary, f"{mio}_total_nodes")
    return total.fillna(_col(summary, f"{mio}_nodes"))


def _no_model(summary: pd.DataFrame, mio: str) -> pd.Series:
    return _text(summary, f"{mio}_status").isin(NO_MODEL_STATUSES).astype(float)


def formulation_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Big-M vs strong per lambda (module docstring); gaps in %. Its time column is
    :func:`formulation_timing_table`'s.

    Columns: ``lam, n_instances`` and for ``f`` in (bigm, strong): ``f_relax_gap, f_end_gap``
    (against the best model known, :func:`summarize`; missing without a model), ``f_solver_gap``
    (the solver's incumbent gap), ``f_nodes``, ``f_node_limit`` and ``f_time_limit`` (shares stopped
    by that limit, with or without an incumbent), ``f_no_model`` (share without a model),
    ``f_fallback`` (share re-solved with fallback options), ``f_below_bound`` (share of instances where
    a model beat the MIO's delta-separated bound).
    """
    cols: dict[str, pd.Series] = {}
    for f in ("bigm", "strong"):
        stopped = stopped_by(summary, f)
        cols[f"{f}_relax_gap"] = 100 * _col(summary, f"relax_gap_{f}")
        cols[f"{f}_end_gap"] = 100 * _col(summary, f"end_gap_{f}")
        cols[f"{f}_solver_gap"] = 100 * _col(summary, f"solver_gap_{f}")
        cols[f"{f}_nodes"] = _mio_nodes(summary, f)
        for limit in LIMIT_STATUSES:
            cols[f"{f}_{limit}"] = (stopped == limit).astype(float)
        cols[f"{f}_no_model"] = _no_model(summary, f)
        cols[f"{f}_fallback"] = summary.get(f"{f}_fallback_used",
                                            pd.Series(False, index=summary.index)).fillna(False).astype(float)
        cols[f"{f}_below_bound"] = _col(summary, f"below_bound_{f}")
    return _lambda_rows(summary, cols)


def timing_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The jobs' timing records as a table (one row each; the per-attempt lists left out)."""
    return pd.DataFrame([{k: v for k, v in r.items() if k != "attempts"} for r in rows])


def formulation_timing_table(summary: pd.DataFrame, timings: pd.DataFrame) -> pd.DataFrame:
    """The formulation table's "Time" column (s): per lambda, the mean solver time of each MIO.

    Args:
        summary: :func:`instance_summaries` (statuses and limits of the MIO rows).
        timings: :func:`timing_frame` of the synthetic jobs' timing records (``m, seed, lam, method,
            solver_seconds``).

    Returns:
        Columns ``lam, n_instances, bigm_time, strong_time`` (module docstring: a MIO without a
        model at its time limit counts the limit, one without a model otherwise is left out).
    """
    frame = summary[_KEY + [c for c in summary
                            if isinstance(c, str) and c.endswith(("_status", "_stopped_by", "_time_limit"))]].copy()
    for f in ("bigm", "strong"):
        part = timings[timings["method"] == f] if "method" in timings else timings.iloc[:0]
        if "solver_seconds" in part and len(part):
            seconds = part.set_index(_KEY)["solver_seconds"].astype(float)
            frame[f"{f}_solver_seconds"] = [seconds.get(tuple(k), np.nan) for k in frame[_KEY].itertuples(index=False)]
    return _lambda_rows(frame, {f"{f}_time": _mio_time(frame, f) for f in ("bigm", "strong")})


def gaps_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Optimality gaps (%) per lambda of relax, CD-0, CD-unfair, CD-relax, MICQO (+ big-M, LS), then
    the share of instances without a model of each MIO (``micqo_no_model, bigm_no_model``; their
    gaps are missing, module docstring)."""
    cols = {name: 100 * _col(summary, f"opt_gap_{method}") for name, method in GAP_METHODS.items()}
    for name in ("micqo", "bigm"):
        cols[f"{name}_no_model"] = _no_model(summary, GAP_METHODS[name])
    return _lambda_rows(summary, cols)


def relaxation_seconds(runs: pd.DataFrame) -> dict[str, float]:
    """Mean solver time of each relaxation over all (instance, lambda) (slides: 0.25 s, strong).

    Args:
        runs: The synthetic timing records (:func:`timing_frame`: ``method, solver_seconds``).
    """
    out = {}
    for method in ("relax_strong", "relax_bigm"):
        part = runs[runs["method"] == method]
        if len(part):
            out[method] = float(part["solver_seconds"].astype(float).mean())
    return out


# ------------------------------------------------------------------------------- real data

def tradeoff_table(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The trade-off points: one row per (dataset, method, setting), sorted.

    Columns: ``dataset, method, lam, eps, test_rel_rmse_increase, test_exact_unfairness,
    test_discretized_unfairness, test_rmse, train_*``, ``status`` and ``stopped_by`` (a MIO's) and,
    for the Agarwal et al. rows, the final duality gap ``best_gap``, its tolerance ``nu``,
    ``converged`` and ``oracle_calls`` (times: :func:`training_time_table`).
    """
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        raise ValueError("no real-data result rows")
    for col in ("lam", "eps", "status", "best_gap", "nu", "converged", "oracle_calls"):
        if col not in frame:
            frame[col] = np.nan
    keep = ["dataset", "method", "lam", "eps", "test_rel_rmse_increase", "test_exact_unfairness",
            "test_discretized_unfairness", "test_rmse", "train_rmse", "train_exact_unfairness",
            "train_discretized_unfairness", "status", "stopped_by", "best_gap", "nu", "converged",
            "oracle_calls", "m_train", "m_test", "n"]
    frame = frame[[c for c in keep if c in frame]]
    return frame.sort_values(["dataset", "method", "lam", "eps"], na_position="first",
                             ignore_index=True)


def pareto_front(unfairness: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower-left frontier: points not dominated in (unfairness, cost), sorted by unfairness."""
    u = np.asarray(unfairness, dtype=float)
    c = np.asarray(cost, dtype=float)
    ok = np.isfinite(u) & np.isfinite(c)
    order = np.lexsort((c[ok], u[ok]))
    u, c = u[ok][order], c[ok][order]
    keep = c < np.minimum.accumulate(np.r_[np.inf, c[:-1]])
    return u[keep], c[keep]


def rmse_reduction(tradeoff: pd.DataFrame, *, unfairness: str = "test_exact_unfairness",
                   cost: str = "test_rel_rmse_increase") -> pd.DataFrame:
    """Per dataset: how much lower the pipeline's relative RMSE increase is than Agarwal et al.'s.

    For every Agarwal point ``(u_A, c_A)`` the pipeline's best cost at unfairness ``<= u_A`` is
    ``c_P(u_A) = min{c : (u, c) a pipeline point, u <= u_A}``; the reduction is ``c_A -
    c_P(u_A)`` (a fraction: 0.025 = 2.5 percentage points of relative RMSE increase; positive:
    the pipeline is more accurate at no more unfairness). Agarwal points fairer than every
    pipeline point are not compared (counted in ``n_uncovered``).

    Returns:
        Columns ``dataset, mean_reduction, median_reduction, n_compared, n_uncovered,
        share_better`` (share of compared points with a positive reduction).
    """
    out = []
    for dataset, part in tradeoff.groupby("dataset", sort=True):
        pipe = part[part["method"].isin(PIPELINE_METHODS)]
        agar = part[part["method"] == "agarwal"]
        u_p, c_p = pareto_front(pipe[unfairness].to_numpy(), pipe[cost].to_numpy())
        diffs, uncovered = [], 0
        for u_a, c_a in zip(agar[unfairness].astype(float), agar[cost].astype(float)):
            covered = u_p <= u_a + 1e-12
            if not covered.any():
                uncovered += 1
                continue
            diffs.append(c_a - c_p[covered].min())
        d = np.asarray(diffs, dtype=float)
        out.append({"dataset": dataset,
                    "mean_reduction": float(d.mean()) if d.size else float("nan"),
                    "median_reduction": float(np.median(d)) if d.size else float("nan"),
                    "n_compared": int(d.size), "n_uncovered": uncovered,
                    "share_better": float((d > 0).mean()) if d.size else float("nan")})
    return pd.DataFrame(out)


def training_time_table(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Mean training time per dataset and method; ``relax+cd`` is the pipeline (relax then CD).

    Args:
        rows: The real-data jobs' timing records (``dataset, method, lam, seconds, cpu_seconds``). A
            ``cd_relax`` job starts from the ``relax`` job at its ``lam``: the pipeline's time at
            ``lam`` is the sum of the two (a ``cd_relax`` record's own ``relax_seconds``, where given,
            stands for the relaxation's).

    Returns:
        Columns ``dataset, method, mean_seconds, max_seconds, mean_cpu_seconds, n_runs`` (wall
        seconds of the method's own work; CPU seconds of the job's run, children included).
    """
    frame = pd.DataFrame(list(rows))
    if "cpu_seconds" not in frame:
        frame["cpu_seconds"] = np.nan
    out = []
    for (dataset, method), part in frame.groupby(["dataset", "method"], sort=True):
        secs, cpu = part["seconds"].astype(float), part["cpu_seconds"].astype(float)
        out.append({"dataset": dataset, "method": method, "mean_seconds": float(secs.mean()),
                    "max_seconds": float(secs.max()), "mean_cpu_seconds": float(cpu.mean()),
                    "n_runs": int(len(part))})
        if method == "cd_relax":
            relax = frame[(frame["dataset"] == dataset) & (frame["method"] == "relax")].set_index("lam")
            at = part["lam"].astype(float)
            relax_secs = pd.Series([relax["seconds"].astype(float).get(x, np.nan) for x in at], index=part.index)
            relax_cpu = pd.Series([relax["cpu_seconds"].astype(float).get(x, np.nan) for x in at], index=part.index)
            if "relax_seconds" in part:
                relax_secs = part["relax_seconds"].astype(float).fillna(relax_secs)
            pipe, pipe_cpu = relax_secs + secs, relax_cpu + cpu
            out.append({"dataset": dataset, "method": "relax+cd", "mean_seconds": float(pipe.mean()),
                        "max_seconds": float(pipe.max()), "mean_cpu_seconds": float(pipe_cpu.mean()),
                        "n_runs": int(len(part))})
    return pd.DataFrame(out)


def markdown_table(frame: pd.DataFrame, digits: int = 3, title: str | None = None) -> str:
    """A table as Markdown with floats rounded to ``digits`` significant digits (NaN left blank)."""
    def fmt(v):
        if isinstance(v, (float, np.floating)):
            return "" if not np.isfinite(v) else f"{v:.{digits}g}"
        return str(v)

    return report_markdown(frame, cell=fmt, title=title)


#: the tables :func:`read_tables` reads: result tables, then timing tables (``*_timing``, ``times``)
TABLES = ("summary", "formulations", "gaps", "tradeoff", "reduction", "runs_timing", "formulations_timing", "times")


def read_tables(paths: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the scorecard and the benchmark table read: the paper's numbers and the aggregated tables.

    Args:
        paths: Object with attributes ``paper``, the paths of :data:`TABLES` (``runs_timing``: the
            synthetic jobs' timing table) and ``info`` (the real datasets' info JSONs), e.g. a rule's
            ``input``.

    Returns:
        ``(paper, tables)``: ``tables`` holds the frames by name, ``relax_seconds``
        (:func:`relaxation_seconds`) and ``real`` (``info`` by dataset, ``tradeoff``, ``reduction``, ``times``).
    """
    from fairopt.core.io import read_json
    from fairopt.studies.common import load_paper

    paper = load_paper(paths.paper, ("synthetic", "real"))
    tables: dict[str, Any] = {k: pd.read_csv(getattr(paths, k), keep_default_na=True) for k in TABLES}
    for k in ("formulations", "gaps", "formulations_timing"):
        tables[k]["lam"] = tables[k]["lam"].astype(str)
    infos = [read_json(p) for p in paths.info]
    tables["real"] = {"info": {i["dataset"]: i for i in infos}, "tradeoff": tables["tradeoff"],
                      "reduction": tables["reduction"], "times": tables["times"]}
    tables["relax_seconds"] = relaxation_seconds(tables["runs_timing"])
    return paper, tables
