"""The one tabular reader of fairopt: read a table, require columns, parse numbers, encode categories.

Every loader of :mod:`fairopt.data` reads its raw file through :func:`read_table` and checks it with
:func:`require_columns` and :func:`numeric`, so a missing or malformed file, a missing column, a
non-numeric or non-finite value or an empty table gives the same kind of one-line
:class:`~fairopt.core.errors.DataError`: the file, the column, the first offending file lines
(the header is line 1) and what was expected -- before any work is done.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fairopt.core.errors import DataError

__all__ = ["read_table", "require_rows", "require_columns", "numeric", "numeric_frame", "require_finite", "binary", "levels", "one_hot",
           "file_lines", "label_agreement", "check_label_leakage"]


def file_lines(index: Iterable[Any]) -> list[int]:
    """File line numbers (header = line 1) of up to five rows of a table read with a default index."""
    return [int(i) + 2 for i in list(index)[:5]]


def read_table(path: str | os.PathLike, what: str, *, csv: Mapping[str, Any] | None = None,
               columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a ``.csv``, ``.xls`` or ``.xlsx`` table; column names stripped of spaces and a BOM.

    Args:
        path: The file.
        what: What the table is (for messages), e.g. ``"SBA loans"``.
        csv: Keyword options of :func:`pandas.read_csv` (separator, missing-value markers...).
        columns: The names of a header-less file's columns (read with ``header=None`` in ``csv``).

    Raises:
        DataError: Missing file, unsupported type, unreadable content, no rows, or (with ``columns``)
            another number of columns.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: {what} file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".data", ".test", ".txt"):
            frame = pd.read_csv(path, **dict(csv or {}))
        elif suffix == ".xls":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pandas' xlrd-engine deprecation notice
                frame = pd.read_excel(path, engine="xlrd")
        elif suffix == ".xlsx":
            frame = pd.read_excel(path)
        else:
            raise DataError(f"{path}: unsupported {what} file type {suffix!r} (expected .csv/.xls/.xlsx)")
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 -- parser errors of every engine become one DataError
        raise DataError(f"{path}: cannot read the {what} table ({type(exc).__name__}: {exc})") from exc
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    require_rows(frame, str(path), what)
    if columns is not None:
        if frame.shape[1] != len(columns):
            raise DataError(f"{path}: expected {len(columns)} columns {list(columns)}, found {frame.shape[1]} "
                            "(a missing column or another separator?)")
        frame.columns = list(columns)
    return frame


def require_rows(frame: pd.DataFrame, source: str, what: str) -> None:
    """Raise a DataError when ``frame`` has no rows (a header-only file): every later step would fail
    far from the cause (empty splits, "bin edges must be unique", a mean of nothing)."""
    if frame.empty:
        raise DataError(f"{source}: the {what} table has no rows")


def require_columns(frame: pd.DataFrame, columns: Iterable[str], source: str, *, expected: str = "") -> None:
    """Raise a DataError naming the columns of ``columns`` that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        hint = f"; expected {expected}" if expected else f"; found {list(frame.columns)[:40]}"
        raise DataError(f"{source}: missing column(s) {missing}{hint}")


def numeric(frame: pd.DataFrame, column: str, source: str, *, allow_missing: bool = True) -> pd.Series:
    """A column parsed as numbers (:func:`pandas.to_numeric`); missing values stay NaN when allowed.

    Raises:
        DataError: A non-numeric or non-finite entry (or a missing one when not allowed), naming the
            column and the file lines.
    """
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        rows = frame.index[bad.to_numpy()]
        raise DataError(f"{source}: column {column!r} must be numeric; bad values at file lines {file_lines(rows)} "
                        f"(e.g. {frame[column].loc[rows[0]]!r})")
    if not allow_missing and frame[column].isna().any():
        rows = frame.index[frame[column].isna().to_numpy()]
        raise DataError(f"{source}: column {column!r} must be numeric; missing values at file lines {file_lines(rows)}")
    infinite = np.isinf(values.to_numpy(dtype=float, na_value=np.nan))
    if infinite.any():
        raise DataError(f"{source}: column {column!r} has non-finite values at file lines "
                        f"{file_lines(frame.index[infinite])}")
    return values


def numeric_frame(frame: pd.DataFrame, columns: Sequence[str], source: str) -> pd.DataFrame:
    """Several columns through :func:`numeric`, as float64."""
    return pd.DataFrame({col: numeric(frame, col, source).astype(float) for col in columns}, index=frame.index)


def require_finite(frame: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    """Raise a DataError (:func:`numeric`, no missing values) unless every entry of ``columns`` is a finite number.

    Rows are named by file line from their position (header = line 1), whatever the index (a table
    read with ``index_col``); ``frame`` itself is left as it is (dtypes unchanged).
    """
    by_position = frame[list(columns)].set_axis(pd.RangeIndex(len(frame)))
    for col in columns:
        numeric(by_position, col, source, allow_missing=False)


def binary(values: pd.Series, positive: str, negative: str, column: str, source: str) -> np.ndarray:
    """A two-valued text column as 0/1 floats (``positive`` -> 1).

    Raises:
        DataError: A value other than the two, naming the column and the file lines.
    """
    v = values.astype(str).str.strip()
    bad = ~v.isin([positive, negative])
    if bad.any():
        raise DataError(f"{source}: column {column!r} has values other than {positive!r}/{negative!r} "
                        f"at file lines {file_lines(values.index[bad.to_numpy()])}")
    return (v == positive).to_numpy().astype(float)


def levels(series: pd.Series) -> pd.Series:
    """Category labels of a column: numeric codes as integers' text (``2001.0`` -> ``"2001"``), missing as ``"Missing"``."""
    s = series.copy()
    num = pd.to_numeric(s, errors="coerce")
    if num.notna().sum() == s.notna().sum():
        s = num.map(lambda v: "Missing" if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v)))
    return s.astype("string").fillna("Missing").str.strip()


def one_hot(labels: pd.Series, name: str, fit_rows: np.ndarray, *, dtype: Any = np.float32) -> pd.DataFrame:
    """One-hot columns ``<name>=<level>`` for the levels seen on ``fit_rows`` (sorted; unseen levels encode as zeros)."""
    seen = sorted(labels.iloc[fit_rows].unique().tolist())
    return pd.DataFrame({f"{name}={v}": (labels == v).to_numpy().astype(dtype) for v in seen})


def label_agreement(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per column, the largest share of rows on which a one-threshold rule of the column equals ``y``.

    For each column every split between two consecutive distinct values is tried in both
    orientations (``x > t`` -> 1 or ``x > t`` -> 0); for a binary column this is the agreement of the
    column or of its complement. A constant column scores the base rate ``max(mean(y), 1 - mean(y))``.

    Args:
        X: ``(n, d)`` finite features.
        y: ``(n,)`` 0/1 labels.

    Returns:
        ``(d,)`` agreements in [0.5, 1].
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(y)
    positives = y.sum()
    base = max(positives, n - positives) / n
    out = np.full(X.shape[1], base)
    for j in range(X.shape[1]):
        order = np.argsort(X[:, j], kind="stable")
        xs, ys = X[order, j], y[order]
        cut = np.flatnonzero(np.diff(xs) != 0) + 1  # k rows below each threshold
        if cut.size == 0:
            continue
        pos_below = np.cumsum(ys)[cut - 1]
        # rows below predicted 0, above predicted 1: negatives below + positives above
        agree = (cut - pos_below) + (positives - pos_below)
        out[j] = max(base, float(np.max(np.maximum(agree, n - agree))) / n)
    return out


def check_label_leakage(X: np.ndarray, y: np.ndarray, names: Sequence[str], source: str, label: str, *,
                        max_agreement: float = 0.95) -> np.ndarray:
    """Raise a DataError naming the first column of ``X`` that agrees with ``y`` on more than ``max_agreement``.

    Returns:
        The agreements (:func:`label_agreement`).
    """
    agreement = label_agreement(X, y)
    worst = int(np.argmax(agreement)) if agreement.size else -1
    if worst >= 0 and agreement[worst] > max_agreement:
        raise DataError(f"{source}: column {names[worst]!r} agrees with the label {label!r} on "
                        f"{agreement[worst]:.1%} of rows (> {max_agreement:.0%}): label leakage")
    return agreement
