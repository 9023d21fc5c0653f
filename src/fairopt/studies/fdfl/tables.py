"""Aggregation of FDFL trial results: Table 2, per-group decision errors, learning curves, timings.

Each trial JSON (written by :func:`fairopt.studies.fdfl.job.run_trial`) holds train and test metrics,
per-group allocations and the per-epoch history; its timing JSON (a file of its own) holds the
measured seconds. :func:`results_frame` flattens a set of trials and :func:`timing_frame` their
timings; the other functions summarise them as mean and standard deviation over trials (``std`` with
``ddof=1``, as numpy/pandas report it for samples).

Results and timings stay apart (:mod:`fairopt.report.identity`): :func:`table2` has every Table 2
column but the Time column, :func:`table2_timing` has the Time column (seconds per trial, the paper's
basis: the training loop of all epochs) and seconds per epoch; :func:`table2_markdown` renders the
paper's layout without the Time column, or with it when given the timing table (the timing Markdown).

Shared trainings: a table row reads the trial files of the method it is trained as
(:func:`fairopt.studies.fdfl.methods.shared_trainings`); :func:`load_trials` relabels them with the
row's name and label (column ``trained_as`` keeps the source) after checking that the file was
trained with the row's configuration.

Regret units: ``regret`` is the normalised regret of the alpha-fair welfare at the row's own
``alpha`` (``alpha = 0``: the utilitarian sum of utilities), so rows with different alphas are in
different units; every row also has the regret at each evaluation alpha (``test_regret_alpha_<a>``),
a common unit. The ``alpha`` column says which, and the Markdown table labels it.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fairopt.core.errors import DataError
from fairopt.core.io import read_json
from fairopt.report.markdown import markdown_table
from fairopt.studies.fdfl.methods import Method, alpha_text, parse_alpha, training_key

__all__ = ["load_trials", "results_frame", "timing_frame", "table2", "table2_timing", "table2_markdown",
           "group_errors", "history_frame", "history_timing_frame", "TABLE2_METRICS", "TIMING_METRICS"]

#: Table 2's columns: (output name, source column in :func:`results_frame`)
TABLE2_METRICS = (("mse", "train_mse"), ("regret", "test_regret"), ("fairness", "train_mean_gap"),
                  ("test_mse", "test_mse"), ("train_regret", "train_regret"), ("test_fairness", "test_mean_gap"))
#: Table 2's Time column and the other timings: (output name, source column in :func:`timing_frame`)
TIMING_METRICS = (("time", "seconds"), ("seconds_per_epoch", "seconds_per_epoch"), ("seconds_total", "seconds_total"))
#: the columns that identify a trial of a table row (both frames have them)
TRIAL_KEYS = ["method", "label", "trained_as", "trial"]


Trial = Mapping[str, Any]


def _read(items: Iterable[str | Path | Trial]) -> list[tuple[str, Trial]]:
    """``(where, result)`` for trial JSON paths or already loaded results."""
    return [("trial result", item) if isinstance(item, Mapping) else (str(item), read_json(item)) for item in items]


def load_trials(paths: Iterable[str | Path], rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The trial results of a table's rows, each under the row's name and label.

    Args:
        paths: Trial JSONs (each read once; several rows may read the same file).
        rows: The table's rows in order: ``name``, ``label``, ``source`` (the method whose files the row
            reads) and ``method`` (the row's :func:`fairopt.studies.fdfl.methods.method_record`).

    Returns:
        One result per (row, trial of its source), rows in order, trials in the order of ``paths``;
        ``method.name`` / ``method.label`` are the row's, ``method.trained_as`` the source.

    Raises:
        DataError: a row whose source has no trial file, or a file trained with another configuration
            than the row's (names the file and both methods).
    """
    loaded = _read(paths)
    out = []
    for row in rows:
        want = training_key(Method(**row["method"]))
        found = [(where, res) for where, res in loaded if res.get("method", {}).get("name") == row["source"]]
        if not found:
            raise DataError(f"no trial results for method {row['source']!r} (read by table row {row['name']!r})")
        for where, res in found:
            if training_key(Method.from_record(res["method"])) != want:
                raise DataError(f"{where}: trained as method {row['source']!r} with another configuration than "
                                f"table row {row['name']!r} (rerun its trials)")
            method = {**res["method"], "name": row["name"], "label": row["label"], "trained_as": row["source"]}
            out.append({**res, "method": method})
    return out


def results_frame(paths: Iterable[str | Path | Trial]) -> pd.DataFrame:
    """One row per trial (JSON path or loaded result): method, label, trial, ``trained_as`` (the method
    whose training it is), ``alpha`` (the row's decision fairness), ``parity_*``, ``<split>_<metric>``
    columns, data source (no timings: :func:`timing_frame`)."""
    rows = []
    for path, res in _read(paths):
        try:
            row = {"method": res["method"]["name"], "label": res["method"]["label"], "trial": res["trial"],
                   "trained_as": res["method"].get("trained_as", res["method"]["name"]),
                   "alpha": parse_alpha(res["method"]["alpha"], f"{path}: method.alpha"),
                   "data_source": res["provenance"]["label"]}
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


def timing_frame(paths: Iterable[str | Path | Trial], frame: pd.DataFrame) -> pd.DataFrame:
    """The timings of the trials of :func:`results_frame` ``frame``: one row per row of ``frame``.

    Each timing JSON (rule ``fdfl_job``: :func:`fairopt.studies.fdfl.job.run_trial`'s timing and the
    job's clock) belongs to one training (``method``, ``trial``); a table row reads the timing of the
    training it reads the trial file of (``trained_as``), so shared trainings share their timing.

    Returns:
        ``method, label, trained_as, trial`` (as in ``frame``), ``seconds`` (training wall seconds, all
        epochs), ``seconds_per_epoch``, ``seconds_total`` (training + evaluation), the job's
        ``wall_seconds`` / ``cpu_seconds`` when recorded, and ``job_<key>`` for the job's stamps
        (``job_started_unix``, ``job_finished_unix``, ``job_threads``).

    Raises:
        DataError: a timing file without a training's keys, or a trial of ``frame`` without a timing.
    """
    rows = {}
    for path, res in _read(paths):
        try:
            key = (res["method"], int(res["trial"]))
            row = {"seconds": res["seconds"], "seconds_per_epoch": res["seconds_per_epoch"],
                   "seconds_total": res["seconds_total"]}
        except KeyError as exc:
            raise DataError(f"{path}: trial timing lacks key {exc.args[0]!r}") from exc
        for name in ("wall_seconds", "cpu_seconds"):
            if name in res:
                row[name] = res[name]
        for name, value in res.get("job", {}).items():
            row[f"job_{name}"] = value
        rows[key] = row
    out = []
    for rec in frame[TRIAL_KEYS].to_dict("records"):
        key = (rec["trained_as"], int(rec["trial"]))
        if key not in rows:
            raise DataError(f"no timing for trial {key[1]} of method {key[0]!r} (read by table row "
                            f"{rec['method']!r}; rule fdfl_job writes results/fdfl/timing/trials/<method>/trial-<t>.json)")
        out.append({**rec, **rows[key]})
    return pd.DataFrame(out)


def table2(frame: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Mean and std over trials of Table 2's metrics, one row per method in ``order``.

    Columns: ``method, label, trials, alpha`` (the decision fairness at which ``regret_*`` is measured:
    rows with different alphas report regret in different units), ``<metric>_mean, <metric>_std`` for every metric of
    :data:`TABLE2_METRICS` (paper basis: MSE and F on the training predictions, regret on the test
    allocation; the test-side MSE/F and train regret are reported too),
    ``<col>_mean``/``<col>_std`` for the test regret at every evaluation alpha
    (``test_regret_alpha_<a>``), ``parity_train_gap_max``/``parity_test_gap_max`` (largest mean gap
    of the projected batches, fairness-layer methods only; NaN otherwise) and ``data_source``. The
    Time column is :func:`table2_timing`'s.
    """
    out = []
    for name, part in _rows(frame, order):
        row = {"method": name, "label": part["label"].iloc[0], "trials": len(part)}
        if "alpha" in part:
            alphas = set(part["alpha"])
            if len(alphas) != 1:
                raise DataError(f"method {name!r}: trials at several alphas {sorted(alphas)}")
            row["alpha"] = alphas.pop()
        for metric, col in TABLE2_METRICS:
            row.update(_mean_std(part[col], metric))
        for col in sorted(c for c in frame.columns if c.startswith("test_regret_alpha_")):
            row.update(_mean_std(part[col], col))
        for col in ("parity_train_gap", "parity_test_gap"):
            row[f"{col}_max"] = part[col].max() if col in part else float("nan")
        row["data_source"] = ";".join(sorted(set(part["data_source"])))
        out.append(row)
    return pd.DataFrame(out)


def _rows(frame: pd.DataFrame, order: Sequence[str]) -> list[tuple[str, pd.DataFrame]]:
    """``(method, its trials)`` for every method of ``order``.

    Raises:
        DataError: a method of ``order`` without trials in ``frame``.
    """
    missing = [m for m in order if m not in set(frame["method"])]
    if missing:
        raise DataError(f"no trial results for method(s) {missing}")
    return [(name, frame[frame["method"] == name]) for name in order]


def _mean_std(values: pd.Series, name: str) -> dict[str, float]:
    return {f"{name}_mean": values.mean(), f"{name}_std": values.std(ddof=1) if len(values) > 1 else float("nan")}


def table2_timing(timing: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Table 2's Time column: mean and std over trials of the timings of :func:`timing_frame`.

    Columns: ``method, label, trials``, ``<metric>_mean, <metric>_std`` for every metric of
    :data:`TIMING_METRICS` (``time``: training seconds per trial, all epochs -- the paper's Time
    column; ``seconds_per_epoch``; ``seconds_total``: training + evaluation), one row per method in
    ``order``.
    """
    out = []
    for name, part in _rows(timing, order):
        row = {"method": name, "label": part["label"].iloc[0], "trials": len(part)}
        for metric, col in TIMING_METRICS:
            row.update(_mean_std(part[col], metric))
        out.append(row)
    return pd.DataFrame(out)


def _pm(mean: float, std: float, digits: int) -> str:
    return f"{mean:.{digits}f} ± {std:.{digits}f}" if np.isfinite(std) else f"{mean:.{digits}f}"


def table2_markdown(table: pd.DataFrame, banner: str = "", timing: pd.DataFrame | None = None) -> str:
    """Table 2 in the paper's layout (MSE, Regret, Fairness as mean ± std; with ``timing``, the
    :func:`table2_timing` of the same rows, the Time column in seconds per trial).

    The regret column names its unit: ``Regret (test, alpha 2)`` when every row has one alpha; with
    several alphas a column ``Regret at alpha`` gives each row's, and one column per evaluation alpha
    (``Regret (test) at alpha <a>``) puts every row in a common unit.
    """
    alphas = sorted(set(table["alpha"])) if "alpha" in table else []
    mixed = len(alphas) > 1
    head = "Regret (test)" if len(alphas) != 1 else f"Regret (test, alpha {alpha_text(alphas[0])})"
    # the evaluation alphas (every row has them; a method's own alpha appears only in its rows)
    common = sorted(c[:-len("_mean")] for c in table.columns
                    if c.startswith("test_regret_alpha_") and c.endswith("_mean") and table[c].notna().all())
    times = None
    if timing is not None:
        times = timing.set_index("method")["time_mean"]
        missing = [m for m in table["method"] if m not in times.index]
        if missing:
            raise DataError(f"no timing for table row(s) {missing}")
    out = []
    for r in table.to_dict("records"):
        row = {"Method": r["label"], "MSE (train)": _pm(r["mse_mean"], r["mse_std"], 2)}
        if mixed:
            row["Regret at alpha"] = alpha_text(r["alpha"])
        row[head] = _pm(r["regret_mean"], r["regret_std"], 2)
        if mixed:
            for col in common:
                a = col[len("test_regret_alpha_"):]
                row[f"Regret (test) at alpha {alpha_text(math.inf if a == 'inf' else float(a))}"] = _pm(
                    r[f"{col}_mean"], r[f"{col}_std"], 2)
        row["Fairness F (train)"] = _pm(r["fairness_mean"], r["fairness_std"], 3)
        if times is not None:
            row["Time (s)"] = f"{times[r['method']]:.2f}"
        row.update({"Test MSE": _pm(r["test_mse_mean"], r["test_mse_std"], 2),
                    "Test F": _pm(r["test_fairness_mean"], r["test_fairness_std"], 3)})
        out.append(row)
    return (f"> {banner}\n\n" if banner else "") + markdown_table(pd.DataFrame(out))


def history_frame(paths: Iterable[str | Path | Trial]) -> pd.DataFrame:
    """Per-epoch learning curves: one row per (method, trial, epoch) with the history's values (no
    seconds: :func:`history_timing_frame`)."""
    frames = []
    for path, res in _read(paths):
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


def history_timing_frame(paths: Iterable[str | Path | Trial], frame: pd.DataFrame) -> pd.DataFrame:
    """Seconds of every epoch: one row per (table row, trial, epoch) -- ``method, label, trained_as,
    trial, epoch, seconds`` -- for the trials of :func:`results_frame` ``frame`` (shared trainings as in
    :func:`timing_frame`).

    Raises:
        DataError: a timing file without ``per_epoch``, or a trial of ``frame`` without a timing.
    """
    epochs = {}
    for path, res in _read(paths):
        if not res.get("per_epoch"):
            raise DataError(f"{path}: trial timing has no per-epoch seconds (per_epoch)")
        epochs[(res.get("method"), int(res.get("trial", -1)))] = res["per_epoch"]
    rows = []
    for rec in frame[TRIAL_KEYS].to_dict("records"):
        key = (rec["trained_as"], int(rec["trial"]))
        if key not in epochs:
            raise DataError(f"no timing for trial {key[1]} of method {key[0]!r} (read by table row {rec['method']!r})")
        rows += [{**rec, "epoch": e["epoch"], "seconds": e["seconds"]} for e in epochs[key]]
    return pd.DataFrame(rows, columns=[*TRIAL_KEYS, "epoch", "seconds"])


def group_errors(paths: Iterable[str | Path | Trial], split: str = "test") -> pd.DataFrame:
    """Per-group allocations and decision errors over trials (the idea of the paper's Fig. 2).

    Returns one row per (method, group) with the mean over trials of the group's allocation
    share under the predictions and under full information, the share error, and the mean
    absolute / relative decision error ``|d_hat_i - d*_i|`` within the group.
    """
    rows = []
    for _, res in _read(paths):
        for group, g in res["metrics"][split]["groups"].items():
            rows.append({"method": res["method"]["name"], "label": res["method"]["label"], "trial": res["trial"],
                         "group": group, **g})
    frame = pd.DataFrame(rows)
    value_cols = [c for c in frame.columns if c not in ("method", "label", "trial", "group")]
    agg = frame.groupby(["method", "label", "group"], sort=False)[value_cols].agg(["mean", "std"])
    agg.columns = [f"{a}_{b}" for a, b in agg.columns]
    return agg.reset_index()
