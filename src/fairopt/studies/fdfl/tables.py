"""Aggregation of FDFL trial results: Table 2, per-group decision errors, timings.

Each trial JSON (written by :func:`fairopt.studies.fdfl.job.run_trial`) holds train and test metrics,
per-group allocations and timings. :func:`results_frame` flattens a set of them; the other
functions summarise it as mean and standard deviation over trials (``std`` with ``ddof=1``, as
numpy/pandas report it for samples).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from fairopt.core.errors import DataError
from fairopt.core.io import read_json
from fairopt.report.markdown import markdown_table

__all__ = ["results_frame", "table2", "table2_markdown", "group_errors", "history_frame", "TABLE2_METRICS"]

#: Table 2's columns: (output name, source column in :func:`results_frame`)
TABLE2_METRICS = (("mse", "train_mse"), ("regret", "test_regret"), ("fairness", "train_mean_gap"),
                  ("test_mse", "test_mse"), ("train_regret", "train_regret"), ("test_fairness", "test_mean_gap"),
                  ("time", "seconds"))


def results_frame(paths: Iterable[str | Path]) -> pd.DataFrame:
    """One row per trial JSON: method, trial, ``<split>_<metric>`` columns, timings, data source."""
    rows = []
    for path in paths:
        res = read_json(path)
        try:
            row = {"method": res["method"]["name"], "label": res["method"]["label"], "trial": res["trial"],
                   "seconds": res["seconds"], "seconds_per_epoch": res["seconds_per_epoch"],
                   "data_source": res["provenance"]["label"]}
            for key, value in res.get("job", {}).items():
                row[f"job_{key}"] = value
            for key, value in res.get("parity", {}).items():
                row[f"parity_{key}"] = value
            for split in ("train", "test"):
                for key, value in res["metrics"][split].items():
                    if not isinstance(value, (dict, list)):
                        row[f"{split}_{key}"] = value
        except KeyError as exc:
            raise DataError(f"{path}: trial result lacks key {exc.args[0]!r}") from exc
        rows.append(row)
    if not rows:
        raise DataError("no trial results to aggregate")
    return pd.DataFrame(rows)


def table2(frame: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Mean and std over trials of Table 2's metrics, one row per method in ``order``.

    Columns: ``method, label, trials, <metric>_mean, <metric>_std`` for every metric of
    :data:`TABLE2_METRICS` (paper basis: MSE and F on the training predictions, regret on the test
    allocation; the test-side MSE/F and train regret are reported too), ``seconds_per_epoch_mean``,
    ``<col>_mean``/``<col>_std`` for the test regret at every evaluation alpha
    (``test_regret_alpha_<a>``), ``parity_train_gap_max``/``parity_test_gap_max`` (largest mean gap
    of the projected batches, fairness-layer methods only; NaN otherwise) and ``data_source``.
    """
    missing = [m for m in order if m not in set(frame["method"])]
    if missing:
        raise DataError(f"no trial results for method(s) {missing}")
    out = []
    for name in order:
        part = frame[frame["method"] == name]
        row = {"method": name, "label": part["label"].iloc[0], "trials": len(part)}
        for metric, col in TABLE2_METRICS:
            row[f"{metric}_mean"] = part[col].mean()
            row[f"{metric}_std"] = part[col].std(ddof=1) if len(part) > 1 else float("nan")
        row["seconds_per_epoch_mean"] = part["seconds_per_epoch"].mean()
        for col in sorted(c for c in frame.columns if c.startswith("test_regret_alpha_")):
            row[f"{col}_mean"] = part[col].mean()
            row[f"{col}_std"] = part[col].std(ddof=1) if len(part) > 1 else float("nan")
        for col in ("parity_train_gap", "parity_test_gap"):
            row[f"{col}_max"] = part[col].max() if col in part else float("nan")
        row["data_source"] = ";".join(sorted(set(part["data_source"])))
        out.append(row)
    return pd.DataFrame(out)


def _pm(mean: float, std: float, digits: int) -> str:
    return f"{mean:.{digits}f} ± {std:.{digits}f}" if np.isfinite(std) else f"{mean:.{digits}f}"


def table2_markdown(table: pd.DataFrame, banner: str = "") -> str:
    """Table 2 in the paper's layout (MSE, Regret, Fairness as mean ± std, Time in seconds)."""
    rows = pd.DataFrame([{
        "Method": r.label, "MSE (train)": _pm(r.mse_mean, r.mse_std, 2),
        "Regret (test)": _pm(r.regret_mean, r.regret_std, 2),
        "Fairness F (train)": _pm(r.fairness_mean, r.fairness_std, 3), "Time (s)": f"{r.time_mean:.2f}",
        "Test MSE": _pm(r.test_mse_mean, r.test_mse_std, 2),
        "Test F": _pm(r.test_fairness_mean, r.test_fairness_std, 3)} for r in table.itertuples(index=False)])
    return (f"> {banner}\n\n" if banner else "") + markdown_table(rows)


def history_frame(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Per-epoch learning curves: one row per (method, trial, epoch) with the history's values."""
    frames = []
    for path in paths:
        res = read_json(path)
        if not res.get("history"):
            raise DataError(f"{path}: trial result has no per-epoch history")
        part = pd.DataFrame(res["history"])
        part.insert(0, "trial", res["trial"])
        part.insert(0, "label", res["method"]["label"])
        part.insert(0, "method", res["method"]["name"])
        frames.append(part)
    if not frames:
        raise DataError("no trial results to aggregate")
    return pd.concat(frames, ignore_index=True)


def group_errors(paths: Iterable[str | Path], split: str = "test") -> pd.DataFrame:
    """Per-group allocations and decision errors over trials (the idea of the paper's Fig. 2).

    Returns one row per (method, group) with the mean over trials of the group's allocation
    share under the predictions and under full information, the share error, and the mean
    absolute / relative decision error ``|d_hat_i - d*_i|`` within the group.
    """
    rows = []
    for path in paths:
        res = read_json(path)
        for group, g in res["metrics"][split]["groups"].items():
            rows.append({"method": res["method"]["name"], "label": res["method"]["label"], "trial": res["trial"],
                         "group": group, **g})
    frame = pd.DataFrame(rows)
    value_cols = [c for c in frame.columns if c not in ("method", "label", "trial", "group")]
    agg = frame.groupby(["method", "label", "group"], sort=False)[value_cols].agg(["mean", "std"])
    agg.columns = [f"{a}_{b}" for a, b in agg.columns]
    return agg.reset_index()
