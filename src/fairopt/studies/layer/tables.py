"""Aggregation of the fairness-layer job records into the tables the reference note reports.

Reference note ``shared/reference/fairness_layer.md``:

* **Synthetic** (:func:`synthetic_tables`): per (setting, method) the mean test MSE over the
  datasets; a run is *infeasible* when its pooled ("aggregate") test gap exceeds
  ``eps + slack`` (``slack = 0.001``); per (setting, dataset, seed) the *best feasible* method
  is the feasible one with the lowest test MSE, and each method's count of such wins is
  reported (the paper: F-Layer best among feasible on 24/32, 22/32, 27/32 datasets).
* **SBA loans** (:func:`sba_table`): test AUC / AP mean and standard deviation over split seeds
  per method, for Projection also before projection (the raw network).
* **Employee audit** (:func:`employee_tables`): per method MSE, constraints violated out of 10,
  largest |group residual|, flagging parity; and the per-group residuals and flagging rates.

Every runs table carries the job's absent-group counts (``absent_train_batches``,
``absent_val_batches``, ``absent_test_batches``: batches in which a constrained group was absent, so
its constraint was dropped) and every summary their totals per method (NaN when a record predates
the count).

Standard deviations are sample standard deviations (``ddof = 1``) over seeds.

**Timings apart.** The tables above hold no measured time, so two runs of one configuration write
them byte for byte alike. The jobs' timing records (:func:`fairopt.studies.layer.job.run_job`, one
JSON per job under ``results/layer/timing/job/``) are aggregated on their own
(:func:`timing_runs`: one row per job, keys first; :func:`synthetic_timing_summary`: mean seconds
per epoch per (setting, method)) into ``*_timing.csv`` tables beside the result tables -- timing
files by name (:mod:`fairopt.report.identity`), read by the benchmark table and the timing figure.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fairopt.core.errors import DataError
from fairopt.core.io import read_json
from fairopt.data.tabular import require_columns
from fairopt.studies.layer.methods import label

__all__ = ["load_records", "synthetic_runs", "synthetic_tables", "sba_runs", "sba_table",
           "employee_tables", "TIMING_RUN_KEYS", "timing_runs", "synthetic_timing_summary"]


def load_records(paths: Iterable[str | Path], experiment: str) -> list[dict[str, Any]]:
    """Read job records, checking they belong to ``experiment``.

    Raises:
        DataError: A record of another experiment (names the file).
    """
    out = []
    for path in paths:
        rec = read_json(path)
        if rec.get("experiment") != experiment:
            raise DataError(f"{path}: expected a '{experiment}' record, found {rec.get('experiment')!r}")
        out.append(rec)
    return out


#: the runs-table columns of a record's ``absent_group_batches``
ABSENT_COLUMNS = {"training": "absent_train_batches", "validation": "absent_val_batches", "test": "absent_test_batches"}


def _job_fields(r: Mapping[str, Any]) -> dict[str, Any]:
    """Fields every job record has: guarantee check, absent-group counts, Penalty selection, training counts."""
    pen = r.get("penalty") or {}
    tr = r.get("training") or {}
    absent = r.get("absent_group_batches") or {}
    return {"max_hard_batch_gap": (r.get("guarantee") or {}).get("max_hard_batch_gap"),
            **{col: absent.get(key) for key, col in ABSENT_COLUMNS.items()},
            "penalty_lambda": pen.get("lambda"), "penalty_feasible_on_validation": pen.get("feasible_on_validation"),
            "epochs_run": tr.get("epochs_run"), "n_params": tr.get("n_params")}


def synthetic_runs(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per synthetic job (flat columns, primal-dual summary and guarantee check included)."""
    rows = []
    for r in records:
        pd_sum = r.get("primal_dual") or {}
        rows.append({
            "setting": r["setting"], "train_batch": r["train_batch"], "inference_batch": r["inference_batch"],
            "dataset": r["dataset"], "index": r["index"], "seed": r["seed"], "method": r["method"],
            "eps": r["eps"], "test_mse": r["test_mse"], "test_gap": r["test_gap"],
            "raw_test_mse": r["raw_test_mse"], "raw_test_gap": r["raw_test_gap"],
            "n_hard_batches": (r.get("guarantee") or {}).get("n_hard_batches"),
            "pd_pooled_gap": pd_sum.get("pooled_gap"), "pd_weighted_gap": pd_sum.get("weighted_gap"),
            "pd_lambda_max": pd_sum.get("lambda_max"), "pd_bound": pd_sum.get("bound"), **_job_fields(r),
            **{f"design_{k}": v for k, v in (r.get("design") or {}).items()},
        })
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise DataError("no synthetic job records to aggregate")
    return frame.sort_values(["setting", "dataset", "seed", "method"], kind="stable").reset_index(drop=True)


def synthetic_tables(runs: pd.DataFrame, *, slack: float, methods: Sequence[str],
                     settings: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summary and per-instance tables of the synthetic experiment.

    Args:
        runs: :func:`synthetic_runs` output.
        slack: Infeasibility slack (a run is infeasible when ``test_gap > eps + slack``).
        methods: Method order.
        settings: Setting order.

    Returns:
        ``(summary, instances)``. ``summary``: one row per (setting, method) with
        ``mean_test_mse``, ``sd_test_mse``, ``n_runs``, ``n_infeasible``, ``n_best_feasible``
        (instances where the method is the best feasible one), ``mean_test_gap``,
        ``max_test_gap`` and for the F-Layer the largest hard-batch gap and the primal-dual
        weighted gap / bound. ``instances``: one row per (setting, dataset, seed): each
        method's test MSE and feasibility and the best feasible method.

    Raises:
        DataError: Missing columns, or an instance lacking a method (incomplete run).
    """
    require_columns(runs, ["setting", "dataset", "seed", "method", "test_mse", "test_gap", "eps"], "synthetic runs")
    runs = runs.copy()
    runs["infeasible"] = runs["test_gap"] > runs["eps"] + slack
    keys = ["setting", "dataset", "seed"]
    inst_rows = []
    for key, grp in runs.groupby(keys, sort=False):
        have = set(grp["method"])
        if not set(methods) <= have:
            raise DataError(f"synthetic instance {dict(zip(keys, key))} lacks methods {sorted(set(methods) - have)}")
        row = dict(zip(keys, key))
        feasible = grp[~grp["infeasible"]]
        for _, r in grp.iterrows():
            row[f"{r['method']}_mse"] = r["test_mse"]
            row[f"{r['method']}_feasible"] = not r["infeasible"]
        row["best_feasible"] = feasible.sort_values("test_mse", kind="stable")["method"].iloc[0] if len(feasible) else ""
        inst_rows.append(row)
    instances = pd.DataFrame(inst_rows)
    summary_rows = []
    for setting in settings:
        sub = runs[runs["setting"] == setting]
        n_inst = int((instances["setting"] == setting).sum())
        wins_s = instances.loc[instances["setting"] == setting, "best_feasible"].value_counts()
        for method in methods:
            m = sub[sub["method"] == method]
            if m.empty:
                continue
            pd_rows = m.dropna(subset=["pd_weighted_gap"]) if "pd_weighted_gap" in m else m.iloc[:0]
            summary_rows.append({
                "setting": setting, "train_batch": int(m["train_batch"].iloc[0]),
                "inference_batch": int(m["inference_batch"].iloc[0]), "method": method,
                "label": label(method), "n_runs": len(m), "n_instances": n_inst,
                "mean_test_mse": float(m["test_mse"].mean()),
                "sd_test_mse": float(m["test_mse"].std(ddof=1)) if len(m) > 1 else float("nan"),
                "n_infeasible": int(m["infeasible"].sum()), "n_best_feasible": int(wins_s.get(method, 0)),
                "mean_test_gap": float(m["test_gap"].mean()), "max_test_gap": float(m["test_gap"].max()),
                "max_hard_batch_gap": float(m["max_hard_batch_gap"].max()) if m["max_hard_batch_gap"].notna().any() else float("nan"),
                "pd_runs": len(pd_rows),
                "pd_max_weighted_gap": float(pd_rows["pd_weighted_gap"].max()) if len(pd_rows) else float("nan"),
                "pd_bound_violations": int((pd_rows["pd_weighted_gap"] > pd_rows["pd_bound"] + 1e-12).sum()) if len(pd_rows) else 0,
                "mean_epochs": float(m["epochs_run"].mean()) if "epochs_run" in m else float("nan"),
                **_absent_totals(m),
            })
    return pd.DataFrame(summary_rows), instances


def sba_runs(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per SBA job."""
    rows = []
    for r in records:
        gaps = r.get("test_attribute_gaps") or {}
        rows.append({
            "method": r["method"], "seed": r["seed"], "eps": r["eps"], "test_auc": r["test_auc"], "test_ap": r["test_ap"],
            "raw_test_auc": r["raw_test_auc"], "raw_test_ap": r["raw_test_ap"], "test_bce": r["test_bce"],
            "test_error_rate": r["test_error_rate"], "test_gap": r["test_gap"],
            **{f"gap_{k}": v for k, v in gaps.items()}, **_job_fields(r), "n_features": r.get("n_features"),
        })
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise DataError("no SBA job records to aggregate")
    return frame.sort_values(["method", "seed"], kind="stable").reset_index(drop=True)


def _total(values: pd.Series | None) -> float:
    """Sum of a count column; NaN when any record lacks it (never a silent 0)."""
    if values is None or len(values) == 0:
        return float("nan")
    v = pd.to_numeric(values, errors="coerce")
    return float(v.sum()) if v.notna().all() else float("nan")


def _absent_totals(m: pd.DataFrame) -> dict[str, float]:
    return {col: _total(m[col] if col in m else None) for col in ABSENT_COLUMNS.values()}


def _mean_sd(values: pd.Series) -> tuple[float, float]:
    v = values.astype(float)
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else float("nan")


def sba_table(runs: pd.DataFrame, *, slack: float, methods: Sequence[str]) -> pd.DataFrame:
    """SBA summary: one row per (method, stage) with AUC/AP mean and sd over seeds.

    ``stage`` is ``deployed`` (the method's test logits) or, for Projection, also ``raw``
    (before projection).
    """
    require_columns(runs, ["method", "seed", "test_auc", "test_ap", "raw_test_auc", "raw_test_ap", "test_gap", "eps"],
             "SBA runs")
    rows = []
    for method in methods:
        m = runs[runs["method"] == method]
        if m.empty:
            continue
        stages = [("deployed", "test_auc", "test_ap")]
        if method == "projection":
            stages.append(("raw", "raw_test_auc", "raw_test_ap"))
        for stage, auc_col, ap_col in stages:
            auc, auc_sd = _mean_sd(m[auc_col])
            ap, ap_sd = _mean_sd(m[ap_col])
            infeasible = m["test_gap"] > m["eps"] + slack
            rows.append({"method": method, "label": label(method)
                         + (" (before projection)" if stage == "raw" else ""), "stage": stage,
                         "n_seeds": len(m), "auc_mean": auc, "auc_sd": auc_sd, "ap_mean": ap, "ap_sd": ap_sd,
                         "bce_mean": float(m["test_bce"].mean()) if stage == "deployed" else float("nan"),
                         "mean_test_gap": float(m["test_gap"].mean()) if stage == "deployed" else float("nan"),
                         "max_test_gap": float(m["test_gap"].max()) if stage == "deployed" else float("nan"),
                         "n_infeasible": int(infeasible.sum()) if stage == "deployed" else -1,
                         "n_collapsed": int((m[auc_col] <= 0.5 + 1e-9).sum()), **_absent_totals(m)})
    return pd.DataFrame(rows)


def employee_tables(records: Iterable[Mapping[str, Any]], methods: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Employee audit summary (one row per method; Projection adds the unconstrained network)
    and the per-group table (residual and flagging rate by method, attribute, side).

    When several seeds are given, the summary averages them and the group table lists each.
    """
    summary, groups = [], []
    by_method: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        by_method.setdefault(r["method"], []).append(r)
    variants: list[tuple[str, str, str]] = []
    for method in methods:
        if method == "projection":
            variants.append(("unconstrained", "projection", "raw"))
        variants.append((method, method, "deployed"))
    for name, source, stage in variants:
        recs = by_method.get(source, [])
        if not recs:
            continue
        audits = [r[stage] for r in recs]
        summary.append({
            "method": name, "label": label(name), "n_seeds": len(recs),
            "mse": float(np.mean([a["mse"] for a in audits])),
            "violated": float(np.mean([a["violated"] for a in audits])),
            "n_constraints": int(audits[0]["n_constraints"]),
            "max_residual": float(np.max([a["max_residual"] for a in audits])),
            "flag_rate": float(np.mean([a["flag_rate"] for a in audits])),
            "flag_parity": float(np.mean([a["flag_parity"] for a in audits])),
            "penalty_lambda": (recs[0].get("penalty") or {}).get("lambda") if name == "penalty" else None,
            **_absent_totals(pd.DataFrame([_job_fields(r) for r in recs])),
        })
        for r, a in zip(recs, audits):
            flags = {f["attribute"]: f for f in a["flagging"]}
            for g in a["groups"]:
                f = flags.get(g["attribute"], {})
                groups.append({"method": name, "seed": r["seed"], "attribute": g["attribute"], "side": g["side"],
                               "n": g["n"], "residual": g["residual"], "violated": g["violated"],
                               "flag_rate": f.get(f"rate_{g['side']}", float("nan"))})
    if not summary:
        raise DataError("no employee job records to aggregate")
    return pd.DataFrame(summary), pd.DataFrame(groups)


# ------------------------------------------------------------------ timings (timing files only)

#: the job keys of each experiment's timing records, in the order of its runs table
TIMING_RUN_KEYS = {"synthetic": ("setting", "dataset", "seed", "method"), "sba": ("method", "seed"),
                   "employee": ("method", "seed")}


def timing_runs(timings: Iterable[Mapping[str, Any]], experiment: str) -> pd.DataFrame:
    """One row per job timing record of ``experiment``: its keys (:data:`TIMING_RUN_KEYS`) first, then
    the measured times (``fit_seconds``, ``seconds_per_epoch``, ``job_seconds``, the rule's
    ``wall_seconds`` / ``cpu_seconds``) and the machine state, sorted like the runs table.

    Raises:
        DataError: No record, a record of another experiment or one lacking a key (names the key).
    """
    keys = list(TIMING_RUN_KEYS[experiment])
    rows = []
    for t in timings:
        if t.get("experiment") != experiment:
            raise DataError(f"expected '{experiment}' timing records, found {t.get('experiment')!r}")
        missing = [k for k in keys if k not in t]
        if missing:
            raise DataError(f"{experiment} timing record lacks {missing}: {dict(t)}")
        rows.append(dict(t))
    if not rows:
        raise DataError(f"no {experiment} timing records to aggregate")
    frame = pd.DataFrame(rows)
    frame = frame[keys + [c for c in frame.columns if c not in keys]]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def synthetic_timing_summary(timing: pd.DataFrame, *, methods: Sequence[str], settings: Sequence[str]) -> pd.DataFrame:
    """Mean measured times per (setting, method) of :func:`timing_runs` ``(..., "synthetic")``:
    ``n_runs``, ``mean_seconds_per_epoch`` (Penalty: of the selected fit), ``mean_fit_seconds``,
    ``mean_job_seconds``, where the rule recorded them, ``mean_wall_seconds`` /
    ``mean_cpu_seconds`` of the whole job, and ``device``: the devices the jobs ran on (``+``-joined;
    ``not recorded`` for timings written before jobs recorded it)."""
    require_columns(timing, ["setting", "method", "seconds_per_epoch", "fit_seconds", "job_seconds"],
                    "synthetic timing runs")
    rows = []
    for setting in settings:
        for method in methods:
            m = timing[(timing["setting"] == setting) & (timing["method"] == method)]
            if m.empty:
                continue
            row = {"setting": setting, "method": method, "label": label(method), "n_runs": len(m)}
            for col in ("seconds_per_epoch", "fit_seconds", "job_seconds", "wall_seconds", "cpu_seconds"):
                row[f"mean_{col}"] = float(m[col].mean()) if col in m else float("nan")
            devices = m["device"].fillna("not recorded") if "device" in m else pd.Series(["not recorded"])
            row["device"] = "+".join(sorted(set(devices.astype(str))))
            rows.append(row)
    return pd.DataFrame(rows)
