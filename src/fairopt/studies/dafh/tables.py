"""Aggregation of the DAFH study's records into the paper's Tables 4-7 and the data of Figures 2-3.

:func:`runs_frame` flattens the job records (one row per dataset, method, K, split and candidate).
Two selection rules pick one configuration per (dataset, method, K), both reported:

* ``paper`` -- the paper's: the highest mean *test* probability of fairness without harm over the
  splits (section 6.3: "choose the combination that can attain the highest probability of fairness
  without harm on each dataset"; it selects on the test split);
* ``validation`` -- honest: the highest mean *validation* probability (the model trained on the fit
  part), reported on the test part of the model trained on the whole training part.

Ties go to the higher mean accuracy, then to the first configuration of the grid. Methods without
hyperparameters have one candidate. Means and sample standard deviations (``ddof = 1``) are over the
splits. That metric rewards degenerate partitions (identical classifiers give 1.0), so every table
shows the accuracy and the group sizes beside it.

* :func:`table4` (K = 2: DAFH, Trivial, Pooled), :func:`table5` (Arrest: Manual, Trivial, DAFH),
  :func:`table6` (K > 2: DAFH vs Clustering);
* :func:`table7` (Trivial, LR-All, TreeLR, DAFH: # violations, max gain, min envy, disparity and
  # models of the run -- (K, split) for DAFH, a split for the others -- with the best test accuracy,
  "when the optimal accuracy is achieved on the testing set"), over the intersections of the LR-All
  attributes and over the learned groups; also their means over the splits;
* :func:`curve_table` (Figure 2), :func:`composition_table` (Figure 3), :func:`synthetic_table`
  (Figure 1), :func:`grid_table` (every DAFH configuration), :func:`pilot_table` (the learning-rate pilot).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from fairopt.core.errors import DataError

__all__ = ["RULES", "runs_frame", "select", "table4", "table5", "table6", "table7", "curve_table",
           "composition_table", "grid_table", "synthetic_table", "pilot_table", "aggregate_tables", "GROUP_METRICS",
           "SYNTHETIC_METHODS", "SUMMARY_COLUMNS"]

RULES = ("paper", "validation")
#: the datasets of Table 7 (those of Ustun et al. 2019)
TABLE7_DATASETS = ("adult", "arrest", "violent")
#: Table 7's group metrics (and the significance-based violation count)
GROUP_METRICS = ("n_violations", "n_violations_significant", "max_gain", "min_envy", "disparity", "n_models")
#: columns of Tables 4-6 (one row per dataset, method, K and selection rule)
SUMMARY_COLUMNS = ("dataset", "method", "label", "K", "rule", "config", "n_splits", "prob_fwh_mean", "prob_fwh_sd",
                   "accuracy_mean", "accuracy_sd", "pooled_accuracy_mean", "agreement_mean",
                   "smallest_group_share_mean", "group_sizes")
_PARAMS = ("batch_size", "epochs", "lr_group", "lr_decoupled", "penalty", "n_groups", "n_init", "attribute")


def runs_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per (dataset, method, K, split, candidate): parameters, scores on every part, group sizes."""
    rows = []
    for r in records:
        for i, c in enumerate(r["candidates"]):
            row = {"dataset": r["dataset"], "method": r["method"], "label": r["label"],
                   "K": -1 if r["K"] is None else int(r["K"]), "split": r["split"], "candidate": i,
                   "config": ", ".join(f"{k}={c['params'][k]}" for k in _PARAMS if k in c["params"]) or "-"}
            for part in ("train", "test", "validation"):
                if part not in c:
                    continue
                for key in ("prob_fwh", "accuracy", "pooled_accuracy", "agreement"):
                    row[f"{part}_{key}"] = c[part]["learned"][key]
            for grouping in ("learned", "intersections"):
                for key in GROUP_METRICS:
                    row[f"test_{grouping}_{key}"] = c["test"][grouping][key]
            row["test_group_sizes"] = "/".join(str(s) for s in c["test"]["group_sizes"])
            row["test_smallest_group_share"] = min(c["test"]["group_sizes"]) / max(c["test"]["n"], 1)
            rows.append({k: (np.nan if v is None else v) for k, v in row.items()})  # JSON null = NaN
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise DataError("no DAFH job records to aggregate")
    return frame.sort_values(["dataset", "method", "K", "split", "candidate"], ignore_index=True)


def select(runs: pd.DataFrame, rule: str) -> pd.DataFrame:
    """The rows of the configuration each rule picks per (dataset, method, K) (module docstring).

    Raises:
        DataError: Unknown rule, or the validation rule on runs without validation scores.
    """
    if rule not in RULES:
        raise DataError(f"unknown selection rule {rule!r}; expected one of {list(RULES)}")
    criterion = {"paper": "test", "validation": "validation"}[rule]
    keep = []
    for _, part in runs.groupby(["dataset", "method", "K"], sort=False):
        col = f"{criterion}_prob_fwh"
        if col not in part or part[col].isna().all():
            col, acc = "test_prob_fwh", "test_accuracy"  # one candidate, nothing to select
        else:
            acc = f"{criterion}_accuracy"
        means = part.groupby("candidate")[[col, acc]].mean()
        best = sorted(means.index, key=lambda c: (-means.loc[c, col], -means.loc[c, acc], c))[0]
        keep.append(part[part["candidate"] == best])
    out = pd.concat(keep, ignore_index=True)
    out.insert(3, "rule", rule)
    return out


def _summary(rows: pd.DataFrame, rule: str) -> dict[str, Any]:
    def ms(col: str) -> tuple[float, float]:
        v = rows[col].astype(float)
        return float(v.mean()), (float(v.std(ddof=1)) if len(v) > 1 else float("nan"))

    fwh, fwh_sd = ms("test_prob_fwh")
    acc, acc_sd = ms("test_accuracy")
    return {"rule": rule, "config": rows["config"].iloc[0], "n_splits": int(rows["split"].nunique()),
            "prob_fwh_mean": fwh, "prob_fwh_sd": fwh_sd, "accuracy_mean": acc, "accuracy_sd": acc_sd,
            "pooled_accuracy_mean": float(rows["test_pooled_accuracy"].mean()),
            "agreement_mean": float(rows["test_agreement"].mean()),
            "smallest_group_share_mean": float(rows["test_smallest_group_share"].mean()),
            "group_sizes": "; ".join(rows["test_group_sizes"].astype(str))}


def _rows(runs: pd.DataFrame, datasets: Sequence[str], entries: Sequence[tuple[str, int]]) -> pd.DataFrame:
    out = []
    for dataset in datasets:
        for method, k in entries:
            part = runs[(runs["dataset"] == dataset) & (runs["method"] == method) & (runs["K"] == k)]
            if part.empty:
                continue
            rules = RULES if part["candidate"].nunique() > 1 else ("paper",)
            for rule in rules:
                chosen = select(part, rule)
                out.append({"dataset": dataset, "method": method, "label": part["label"].iloc[0],
                            "K": k, **_summary(chosen, rule if len(rules) > 1 else "-")})
    return pd.DataFrame(out, columns=SUMMARY_COLUMNS)


def table4(runs: pd.DataFrame, datasets: Sequence[str]) -> pd.DataFrame:
    """Table 4 (K = 2): DAFH (both rules), Trivial and Pooled; mean and sd over the splits."""
    return _rows(runs, datasets, [("dafh", 2), ("trivial", -1), ("pooled", -1)])


def table5(runs: pd.DataFrame, dataset: str = "arrest") -> pd.DataFrame:
    """Table 5 (Arrest): Manual partition, Trivial partition, DAFH (K = 2)."""
    return _rows(runs, [dataset], [("manual", -1), ("trivial", -1), ("dafh", 2)])


def table6(runs: pd.DataFrame, datasets: Sequence[str], ks: Sequence[int]) -> pd.DataFrame:
    """Table 6: DAFH vs Clustering for every K > 2."""
    return _rows(runs, datasets, [(m, k) for k in ks if k > 2 for m in ("dafh", "clustering")])


def table7(runs: pd.DataFrame, datasets: Sequence[str]) -> pd.DataFrame:
    """Table 7 (module docstring): the best-test-accuracy run of Trivial, LR-All, TreeLR and DAFH.

    For DAFH the run is chosen among (K, split) of the configuration the paper's rule selects per K.
    Columns: per grouping (``intersections``, ``learned``) every metric of :data:`GROUP_METRICS`
    (gains, envy and disparity in percent), the run's K, split and test accuracy, and ``mean_*`` over
    the splits of that K.
    """
    out = []
    for dataset in datasets:
        for method in ("trivial", "lr_all", "tree_lr", "dafh"):
            part = runs[(runs["dataset"] == dataset) & (runs["method"] == method)]
            if part.empty:
                continue
            chosen = select(part, "paper")
            best = chosen.sort_values(["test_accuracy", "K", "split"], ascending=[False, True, True]).iloc[0]
            same_k = chosen[chosen["K"] == best["K"]]
            row = {"dataset": dataset, "method": method, "label": best["label"], "K": int(best["K"]),
                   "split": int(best["split"]), "test_accuracy": float(best["test_accuracy"])}
            for grouping in ("intersections", "learned"):
                for key in GROUP_METRICS:
                    scale = 100.0 if key in ("max_gain", "min_envy", "disparity") else 1.0
                    row[f"{grouping}_{key}"] = scale * float(best[f"test_{grouping}_{key}"])
                    row[f"mean_{grouping}_{key}"] = scale * float(same_k[f"test_{grouping}_{key}"].mean())
            out.append(row)
    columns = ["dataset", "method", "label", "K", "split", "test_accuracy"] + [
        f"{prefix}{grouping}_{key}" for grouping in ("intersections", "learned") for key in GROUP_METRICS
        for prefix in ("", "mean_")]
    return pd.DataFrame(out, columns=columns)


def grid_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Every DAFH configuration: mean test / validation scores over the splits, per (dataset, K)."""
    dafh = runs[runs["method"] == "dafh"]
    if dafh.empty:
        return pd.DataFrame()
    cols = [c for c in ("test_prob_fwh", "test_accuracy", "validation_prob_fwh", "validation_accuracy",
                        "test_smallest_group_share") if c in dafh]
    return (dafh.groupby(["dataset", "K", "candidate", "config"], sort=True)[cols].mean().reset_index())


def curve_table(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Figure 2: mean and sd over the splits of the train/test metrics after every gradient step, with
    the Trivial partition's (per split, then averaged)."""
    frames = []
    for r in records:
        f = pd.DataFrame(r["steps"])
        f["split"] = r["split"]
        for k, v in r["trivial"].items():
            f[f"trivial_{k}"] = v
        frames.append(f)
    if not frames:
        raise DataError("no curve records to aggregate")
    steps = pd.concat(frames, ignore_index=True)
    value_cols = [c for c in steps.columns if c not in ("step", "split")]
    agg = steps.groupby("step")[value_cols].agg(["mean", "std"])
    agg.columns = [f"{a}_{b}" for a, b in agg.columns]
    return agg.reset_index()


def composition_table(records: Iterable[Mapping[str, Any]], config: str | None = None) -> pd.DataFrame:
    """Figure 3: the share of every subgroup in each learned group (test parts summed over the splits;
    in every split the learned groups are renamed by size, Group 0 the largest, since their indices
    are arbitrary).

    Args:
        records: The DAFH K = 2 records of the composition dataset (one per split).
        config: The configuration (its ``config`` text in :func:`runs_frame`) to use; ``None``: the
            paper's rule.
    """
    records = list(records)
    runs = runs_frame(records)
    if config is None:
        config = select(runs, "paper")["config"].iloc[0]
    counts: dict[tuple[str, str], int] = {}
    for r in records:
        for i, c in enumerate(r["candidates"]):
            row_config = runs[(runs["split"] == r["split"]) & (runs["candidate"] == i)]["config"].iloc[0]
            if row_config != config or "composition" not in c["test"]:
                continue
            groups = c["test"]["composition"]
            # learned group indices are arbitrary per split: name them by size (Group 0 = the largest)
            order = sorted(groups, key=lambda g: (-sum(groups[g].values()), int(g)))
            for rank, group in enumerate(order):
                for cell, n in groups[group].items():
                    counts[(str(rank), cell)] = counts.get((str(rank), cell), 0) + int(n)
    frame = pd.DataFrame([{"group": g, "subgroup": s, "count": n} for (g, s), n in sorted(counts.items())])
    if frame.empty:
        raise DataError("no composition recorded for the chosen configuration")
    frame["share_of_group"] = frame["count"] / frame.groupby("group")["count"].transform("sum")
    frame["share_of_subgroup"] = frame["count"] / frame.groupby("subgroup")["count"].transform("sum")
    frame["config"] = config
    return frame


#: the Figure 1 panels, in the paper's order, with LR-All (both attributes) as a further reference
SYNTHETIC_METHODS = {"pooled": "Pooled classifier", "split_s1": "Split on s1", "split_s2": "Split on s2",
                     "split_both": "Split on s1 and s2 (LR-All)", "dafh": "DAFH (ours)"}


def synthetic_table(record: Mapping[str, Any]) -> pd.DataFrame:
    """Figure 1's numbers: per panel the train and test probability of fairness without harm, accuracy,
    agreement and number of models."""
    rows = []
    for name, label in SYNTHETIC_METHODS.items():
        m = record["methods"].get(name)
        if m is None:
            continue
        row = {"method": name, "label": label}
        for part in ("train", "test"):
            for key in ("prob_fwh", "accuracy", "agreement", "n_models"):
                row[f"{part}_{key}"] = m[part][key]
        rows.append(row)
    if not rows:
        raise DataError("synthetic record has no methods")
    return pd.DataFrame(rows)


def pilot_table(pilot: Mapping[str, Any]) -> pd.DataFrame:
    """The learning-rate pilot: validation scores per (dataset, lr_group, lr_decoupled), chosen ones flagged."""
    frame = pd.DataFrame(pilot["rows"])
    if frame.empty:
        raise DataError("pilot record has no rows")
    frame["chosen"] = frame["lr_group"].isin(pilot["lr_group"]) & frame["lr_decoupled"].isin(pilot["lr_decoupled"])
    return frame


def _composition_or_empty(records: Sequence[Mapping[str, Any]], dataset: str) -> pd.DataFrame:
    mine = [r for r in records if r["dataset"] == dataset and r["method"] == "dafh" and r["K"] == 2]
    if not mine:
        return pd.DataFrame(columns=["group", "subgroup", "count", "share_of_group", "share_of_subgroup", "config"])
    return composition_table(mine)


def aggregate_tables(records: Sequence[Mapping[str, Any]], curves: Sequence[Mapping[str, Any]],
                     synthetic: Mapping[str, Any], pilot: Mapping[str, Any] | None,
                     settings: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Every table of the study from the job records (rule ``dafh_aggregate``).

    Returns:
        ``runs``, ``table4``, ``table5``, ``table6``, ``table7``, ``grid``, ``curve``, ``composition``,
        ``synthetic``, ``pilot`` (the learning rates' provenance: the pilot's scores, or the configured
        values when the grid fixes them).
    """
    runs = runs_frame(records)
    datasets = list(settings["datasets"])
    if pilot is not None:
        pilot_frame = pilot_table(pilot)
        pilot_frame.insert(0, "source", "pilot")
    else:
        grid = settings["grid"]
        pilot_frame = pd.DataFrame([{"source": "config (dafh.grid)", "dataset": "-", "lr_group": g, "lr_decoupled": d,
                                     "chosen": True} for g in grid["lr_group"] for d in grid["lr_decoupled"]])
    return {"runs": runs, "table4": table4(runs, datasets), "table5": table5(runs),
            "table6": table6(runs, datasets, settings["n_groups"]),
            "table7": table7(runs, [d for d in datasets if d in TABLE7_DATASETS]),
            "grid": grid_table(runs), "curve": curve_table(curves),
            "composition": _composition_or_empty(records, settings["figures"]["composition_dataset"]),
            "synthetic": synthetic_table(synthetic), "pilot": pilot_frame}
