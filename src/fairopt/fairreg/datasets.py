"""Communities & Crime and Law School as prepared for the Agarwal et al. (2019) benchmark.

Both functions take the raw CSV (the versions of Agarwal, Dudik & Wu's repository
``fair_regression_reduction``; see ``SOURCES.md`` of the data mirror) and return
``(X, y, a, feature_names)`` with ``y`` in [0, 1] and ``a`` in {0, 1} (1 = White).

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

**Law School** (``lawschool.csv``: 27,478 rows x 11 columns):

* rows with any missing value (NA or empty) are dropped: 20,800 rows (the paper reports
  20,649; the 151-row difference is not explained by duplicates or out-of-range values in this
  file -- it is documented, not reproduced);
* ``y = ugpa / 4`` (``ugpa`` in [0, 4]);
* ``race`` is the LSAC code 1..8 (1 American Indian, 2 Asian, 3 Black, 4 Mexican American,
  5 Puerto Rican, 6 Other Hispanic, 7 White, 8 Other; the coding documented with the
  benchmark's parser). White is code 7: 17,493 of the 20,800 rows (84%), consistent with the
  LSAC study. Text values (``"White"``) are also accepted. ``a = 1(race == White)``;
* features: ``race`` (the indicator ``a``, if ``include_protected``), ``cluster, lsat,
  zfygpa, zgpa, fulltime, fam_inc, age`` (numeric as given), and ``gender``, ``bar1``:
  ``encoding="binary"`` (default, the benchmark's): ``gender = 1(male)``, ``bar1 = 1(P)``,
  10 features; ``encoding="onehot"``: ``gender_female, gender_male, bar1_F, bar1_P``, 12
  features (the paper's n = 12 -- our guess at how it arose; the columns then span a
  constant).

Malformed input raises :class:`fairopt.errors.DataError` naming the file and column.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from fairopt.errors import DataError

__all__ = [
    "COMMUNITIES_RACE_COLUMNS",
    "LAWSCHOOL_COLUMNS",
    "load_communities",
    "communities_missing",
    "load_lawschool",
    "minmax_scale",
]

COMMUNITIES_TARGET = "ViolentCrimesPerPop"
#: the four race-share columns, in the benchmark's order (ties in idxmax go to the first)
COMMUNITIES_RACE_COLUMNS = ("racepctblack", "racePctWhite", "racePctAsian", "racePctHisp")
LAWSCHOOL_NUMERIC = ("cluster", "lsat", "zfygpa", "zgpa", "fulltime", "fam_inc", "age")
LAWSCHOOL_COLUMNS = ("race", "ugpa", "gender", "bar1") + LAWSCHOOL_NUMERIC
LAWSCHOOL_WHITE_CODE = 7


def minmax_scale(y: np.ndarray) -> np.ndarray:
    """``(y - min) / (max - min)``: targets in [0, 1]."""
    y = np.asarray(y, dtype=float)
    span = y.max() - y.min()
    if span <= 0:
        raise ValueError("target is constant; cannot scale to [0, 1]")
    return (y - y.min()) / span


def _read(path: str | os.PathLike) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        return pd.read_csv(path, na_values=["?", ""], keep_default_na=True, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: not a readable CSV ({exc})") from exc


def _require(frame: pd.DataFrame, columns, path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {missing}; expected the benchmark's columns")


def _numeric(frame: pd.DataFrame, columns, path) -> pd.DataFrame:
    """Columns as float; a non-numeric entry raises DataError naming column and rows."""
    out = {}
    for col in columns:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna()
        if bad.any():
            raise DataError(f"{path}: column {col!r} has non-numeric values at file lines "
                            f"{_lines(frame.index[bad.to_numpy()])}")
        out[col] = values.astype(float)
    return pd.DataFrame(out, index=frame.index)


def _lines(index) -> list[int]:
    """File line numbers (header = line 1) of up to five rows of the original table."""
    return [int(i) + 2 for i in list(index)[:5]]


def communities_missing(path: str | os.PathLike) -> dict[str, int]:
    """Missing-value count of every Communities column that has any (for the data report)."""
    frame = _read(path)
    counts = frame.isna().sum()
    return {str(k): int(v) for k, v in counts[counts > 0].items()}


def load_communities(path: str | os.PathLike, *, missing: str = "zero",
                     include_protected: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Communities & Crime as in the benchmark (module docstring).

    Args:
        path: ``communities.csv``.
        missing: ``"zero"`` (benchmark), ``"drop_columns"`` or ``"mean"``.
        include_protected: Append ``a`` as the feature ``race``.

    Returns:
        ``(X, y, a, feature_names)``.

    Raises:
        DataError: Missing file or column, non-numeric values, missing target or race shares.
    """
    if missing not in ("zero", "drop_columns", "mean"):
        raise ValueError(f"missing must be 'zero', 'drop_columns' or 'mean', got {missing!r}")
    frame = _read(path)
    _require(frame, (COMMUNITIES_TARGET,) + COMMUNITIES_RACE_COLUMNS, path)
    frame = _numeric(frame, list(frame.columns), path)
    for col in (COMMUNITIES_TARGET,) + COMMUNITIES_RACE_COLUMNS:
        if frame[col].isna().any():
            raise DataError(f"{path}: column {col!r} has missing values at file lines "
                            f"{_lines(frame.index[frame[col].isna().to_numpy()])}")
    y = minmax_scale(frame[COMMUNITIES_TARGET].to_numpy())
    shares = frame[list(COMMUNITIES_RACE_COLUMNS)].to_numpy()
    a = (np.argmax(shares, axis=1) == COMMUNITIES_RACE_COLUMNS.index("racePctWhite")).astype(int)
    features = frame.drop(columns=[COMMUNITIES_TARGET, *COMMUNITIES_RACE_COLUMNS])
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
    return X, y, a, names


def _white(race: pd.Series, path) -> np.ndarray:
    codes = pd.to_numeric(race, errors="coerce")
    if codes.notna().all():
        bad = ~codes.isin(range(1, 9))
        if bad.any():
            raise DataError(f"{path}: column 'race' has codes outside 1..8 at file lines "
                            f"{_lines(race.index[bad.to_numpy()])}")
        return (codes == LAWSCHOOL_WHITE_CODE).to_numpy().astype(int)
    return (race.astype(str).str.strip().str.lower() == "white").to_numpy().astype(int)


def _binary(values: pd.Series, positive: str, negative: str, col: str, path) -> np.ndarray:
    v = values.astype(str).str.strip()
    bad = ~v.isin([positive, negative])
    if bad.any():
        raise DataError(f"{path}: column {col!r} has values other than {positive!r}/{negative!r} "
                        f"at file lines {_lines(values.index[bad.to_numpy()])}")
    return (v == positive).to_numpy().astype(float)


def load_lawschool(path: str | os.PathLike, *, encoding: str = "binary",
                   include_protected: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Law School as in the benchmark (module docstring).

    Args:
        path: ``lawschool.csv``.
        encoding: ``"binary"`` (benchmark, 10 features) or ``"onehot"`` (12 features).
        include_protected: Keep the White indicator as the feature ``race``.

    Returns:
        ``(X, y, a, feature_names)``.

    Raises:
        DataError: Missing file or column, bad codes/values, ``ugpa`` outside [0, 4], no rows.
    """
    if encoding not in ("binary", "onehot"):
        raise ValueError(f"encoding must be 'binary' or 'onehot', got {encoding!r}")
    frame = _read(path)
    _require(frame, LAWSCHOOL_COLUMNS, path)
    frame = frame.dropna(subset=list(frame.columns))  # keeps the original row labels
    if frame.empty:
        raise DataError(f"{path}: no row without missing values")
    num = _numeric(frame, ("ugpa",) + LAWSCHOOL_NUMERIC, path)
    ugpa = num["ugpa"].to_numpy()
    if ugpa.min() < 0 or ugpa.max() > 4:
        raise DataError(f"{path}: column 'ugpa' outside [0, 4] (min {ugpa.min()}, max {ugpa.max()})")
    y = ugpa / 4.0
    a = _white(frame["race"], path)
    cols: list[np.ndarray] = []
    names: list[str] = []
    if include_protected:
        cols.append(a.astype(float))
        names.append("race")
    for col in LAWSCHOOL_NUMERIC:
        cols.append(num[col].to_numpy())
        names.append(col)
    male = _binary(frame["gender"], "male", "female", "gender", path)
    passed = _binary(frame["bar1"], "P", "F", "bar1", path)
    if encoding == "binary":
        cols += [male, passed]
        names += ["gender", "bar1"]
    else:
        cols += [1.0 - male, male, 1.0 - passed, passed]
        names += ["gender_female", "gender_male", "bar1_F", "bar1_P"]
    return np.column_stack(cols), y, a, names
