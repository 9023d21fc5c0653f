"""Communities & Crime (UCI), as prepared for the Agarwal et al. (2019) benchmark.

The raw CSV is the version of Agarwal, Dudik & Wu's repository ``fair_regression_reduction`` (``SOURCES.md`` of the data mirror); the loader returns a :class:`~fairopt.data.container.FairData` with ``y`` in [0, 1] and ``groups`` = ``a`` in {0, 1} (1 = White), as the fair-regression study prepares it for the benchmark.

**Communities & Crime** (``communities.csv``: 1,994 rows x 123 columns = 122 attributes +
``ViolentCrimesPerPop``; ``?``/empty = missing):

* ``y = ViolentCrimesPerPop`` (already normalised to [0, 1] by UCI; min-max scaled again, a
  no-op on the published file);
* ``a = 1`` when ``racePctWhite`` is the largest of ``racepctblack, racePctWhite,
  racePctAsian, racePctHisp`` (ties go to the earlier column in that order, i.e. pandas
  ``idxmax`` as in the benchmark code); the four columns are then dropped;
* missing values: 22 police (LEMAS) columns are missing in 1,675 rows and ``OtherPerCap`` in
  one row. ``missing="zero"`` (default) fills them with 0 as the benchmark does, keeping all
  118 attributes; ``"drop_columns"`` drops the 23 columns (95 attributes); ``"mean"`` imputes
  column means;
* ``include_protected=True`` (default) appends ``a`` as a feature named ``race`` (as the
  benchmark does): 118 + 1 = 119 features, the paper's n = 119, m = 1,994.

Malformed input raises :class:`fairopt.core.errors.DataError` naming the file and column.
"""
from __future__ import annotations

import os

import numpy as np

from fairopt.core.errors import DataError
from fairopt.data.container import FairData
from fairopt.data.tabular import file_lines, numeric_frame, read_table, require_columns

__all__ = ["COMMUNITIES_RACE_COLUMNS", "load_communities", "minmax_scale"]

COMMUNITIES_TARGET = "ViolentCrimesPerPop"
#: the four race-share columns, in the benchmark's order (ties in idxmax go to the first)
COMMUNITIES_RACE_COLUMNS = ("racepctblack", "racePctWhite", "racePctAsian", "racePctHisp")
#: how the fair-regression benchmark's files are read (``?`` and empty fields are missing)
BENCHMARK_CSV = {"na_values": ["?", ""], "keep_default_na": True, "skipinitialspace": True}


def minmax_scale(y: np.ndarray) -> np.ndarray:
    """``(y - min) / (max - min)``: targets in [0, 1]."""
    y = np.asarray(y, dtype=float)
    span = y.max() - y.min()
    if span <= 0:
        raise ValueError("target is constant; cannot scale to [0, 1]")
    return (y - y.min()) / span


def load_communities(path: str | os.PathLike, *, missing: str = "zero",
                     include_protected: bool = True) -> FairData:
    """Communities & Crime as in the benchmark (module docstring).

    Args:
        path: ``communities.csv``.
        missing: ``"zero"`` (benchmark), ``"drop_columns"`` or ``"mean"``.
        include_protected: Append ``a`` as the feature ``race``.

    Returns:
        :class:`FairData`: ``X`` (float64), ``y``, ``groups`` = ``a``, the feature names.

    Raises:
        DataError: Missing file or column, non-numeric values, missing target or race shares.
    """
    if missing not in ("zero", "drop_columns", "mean"):
        raise ValueError(f"missing must be 'zero', 'drop_columns' or 'mean', got {missing!r}")
    frame = read_table(path, "Communities & Crime", csv=BENCHMARK_CSV)
    require_columns(frame, (COMMUNITIES_TARGET,) + COMMUNITIES_RACE_COLUMNS, str(path), expected="the benchmark's columns")
    frame = numeric_frame(frame, list(frame.columns), str(path))
    for col in (COMMUNITIES_TARGET,) + COMMUNITIES_RACE_COLUMNS:
        if frame[col].isna().any():
            raise DataError(f"{path}: column {col!r} has missing values at file lines "
                            f"{file_lines(frame.index[frame[col].isna().to_numpy()])}")
    n_attributes = frame.shape[1] - 1  # every column but the target
    y = minmax_scale(frame[COMMUNITIES_TARGET].to_numpy())
    shares = frame[list(COMMUNITIES_RACE_COLUMNS)].to_numpy()
    a = (np.argmax(shares, axis=1) == COMMUNITIES_RACE_COLUMNS.index("racePctWhite")).astype(int)
    features = frame.drop(columns=[COMMUNITIES_TARGET, *COMMUNITIES_RACE_COLUMNS])
    with_missing = [str(c) for c in features.columns if features[c].isna().any()]
    rows_with_missing = int(features.isna().any(axis=1).sum())
    if missing == "zero":
        features = features.fillna(0.0)
    elif missing == "mean":
        features = features.fillna(features.mean())
    else:
        features = features.loc[:, features.notna().all()]
    names = [str(c) for c in features.columns]
    X = features.to_numpy(dtype=float)
    if include_protected:
        X = np.column_stack([X, a.astype(float)])
        names.append("race")
    # the facts below are counted on the file (never copied from its documentation): they make the
    # notes the study writes beside its prepared data
    meta = {"source": str(path), "missing": missing, "include_protected": include_protected,
            "n_rows": int(len(frame)), "n_attributes": int(n_attributes),
            "race_columns": list(COMMUNITIES_RACE_COLUMNS), "columns_with_missing": with_missing,
            "rows_with_missing": rows_with_missing,
            "n_features": int(X.shape[1])}
    return FairData(X=X, y=y, groups=a, feature_names=names, group_names=["white"], meta=meta)
