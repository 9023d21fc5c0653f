"""Law School (LSAC bar passage study, Wightman 1998), as prepared for the Agarwal et al. (2019) benchmark.

The raw CSV is the version of Agarwal, Dudik & Wu's repository ``fair_regression_reduction`` (``SOURCES.md`` of the data mirror); the loader returns a :class:`~fairopt.data.container.FairData` with ``y`` in [0, 1] and ``groups`` = ``a`` in {0, 1} (1 = White), as the fair-regression study prepares it for the benchmark.

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

Malformed input raises :class:`fairopt.core.errors.DataError` naming the file and column.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from fairopt.core.errors import DataError
from fairopt.data.communities import BENCHMARK_CSV
from fairopt.data.container import FairData
from fairopt.data.tabular import binary, file_lines, numeric_frame, read_table, require_columns

__all__ = ["LAWSCHOOL_COLUMNS", "load_lawschool"]

LAWSCHOOL_NUMERIC = ("cluster", "lsat", "zfygpa", "zgpa", "fulltime", "fam_inc", "age")
LAWSCHOOL_COLUMNS = ("race", "ugpa", "gender", "bar1") + LAWSCHOOL_NUMERIC
LAWSCHOOL_WHITE_CODE = 7


def _white(race: pd.Series, path) -> np.ndarray:
    codes = pd.to_numeric(race, errors="coerce")
    if codes.notna().all():
        bad = ~codes.isin(range(1, 9))
        if bad.any():
            raise DataError(f"{path}: column 'race' has codes outside 1..8 at file lines "
                            f"{file_lines(race.index[bad.to_numpy()])}")
        return (codes == LAWSCHOOL_WHITE_CODE).to_numpy().astype(int)
    return (race.astype(str).str.strip().str.lower() == "white").to_numpy().astype(int)


def load_lawschool(path: str | os.PathLike, *, encoding: str = "binary",
                   include_protected: bool = True) -> FairData:
    """Law School as in the benchmark (module docstring).

    Args:
        path: ``lawschool.csv``.
        encoding: ``"binary"`` (benchmark, 10 features) or ``"onehot"`` (12 features).
        include_protected: Keep the White indicator as the feature ``race``.

    Returns:
        :class:`FairData`: ``X`` (float64), ``y``, ``groups`` = ``a``, the feature names.

    Raises:
        DataError: Missing file or column, bad codes/values, ``ugpa`` outside [0, 4], no rows.
    """
    if encoding not in ("binary", "onehot"):
        raise ValueError(f"encoding must be 'binary' or 'onehot', got {encoding!r}")
    frame = read_table(path, "Law School", csv=BENCHMARK_CSV)
    require_columns(frame, LAWSCHOOL_COLUMNS, str(path), expected="the benchmark's columns")
    n_raw = len(frame)
    frame = frame.dropna(subset=list(frame.columns))  # keeps the original row labels
    if frame.empty:
        raise DataError(f"{path}: no row without missing values")
    num = numeric_frame(frame, ("ugpa",) + LAWSCHOOL_NUMERIC, str(path))
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
    male = binary(frame["gender"], "male", "female", "gender", str(path))
    passed = binary(frame["bar1"], "P", "F", "bar1", str(path))
    if encoding == "binary":
        cols += [male, passed]
        names += ["gender", "bar1"]
    else:
        cols += [1.0 - male, male, 1.0 - passed, passed]
        names += ["gender_female", "gender_male", "bar1_F", "bar1_P"]
    # counted on the file, for the notes the study writes beside its prepared data
    meta = {"source": str(path), "encoding": encoding, "include_protected": include_protected,
            "n_rows_raw": int(n_raw), "n_rows": int(len(frame)), "n_rows_dropped_missing": int(n_raw - len(frame)),
            "n_numeric": len(LAWSCHOOL_NUMERIC), "n_features": len(names)}
    return FairData(X=np.column_stack(cols), y=y, groups=a, feature_names=names, group_names=["white"], meta=meta)
