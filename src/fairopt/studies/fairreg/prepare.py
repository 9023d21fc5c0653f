"""Data preparation of the fair-regression study: synthetic instances and the real-data tables.

**Synthetic** (:func:`synthetic_instance`, rule ``fairreg_prepare_synthetic``): one seeded instance of
fairopt's generator (:func:`fairopt.data.synthetic.fairreg.make_synthetic`) with thresholds on the
``1/l`` grid of [0, 1] (:func:`fairopt.methods.fairreg.objective.threshold_grid`), written once as a
CSV (``x0..x{n-1}, y, a``) and a JSON (thresholds, seed, generator parameters) for every method.

**Real data** (:func:`prepare_real`, rule ``fairreg_prepare_real``): the benchmark's preparation
(loaders of :data:`LOADERS`: :func:`fairopt.data.communities.load_communities`,
:func:`fairopt.data.law_school.load_lawschool`; ``y`` in [0, 1], ``a = 1`` for White), an optional
group-stratified subsample, a constant column (``intercept``), and a 50/50 train/test split
stratified by group (:func:`fairopt.core.splits.split_indices`, seeded). The result is one table:
features, ``y``, ``a``, ``part`` (train/test) and ``row`` (the row's position in the prepared full
data); :func:`read_prepared` turns it into the training :class:`~fairopt.methods.fairreg.objective.Instance`
and the test arrays.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fairopt.core.errors import DataError
from fairopt.core.io import read_json, write_csv, write_json
from fairopt.core.splits import split_indices
from fairopt.data.communities import load_communities
from fairopt.data.law_school import load_lawschool
from fairopt.data.synthetic.fairreg import make_synthetic
from fairopt.data.tabular import file_lines, numeric, read_table, require_columns
from fairopt.methods.fairreg.objective import Instance, make_instance, threshold_grid
from fairopt.studies.common import Registry

__all__ = ["synthetic_instance", "write_instance", "read_instance", "LOADERS", "DATA_NOTES", "RealSplit",
           "prepare_real", "write_prepared", "read_prepared"]


def synthetic_instance(m: int, seed: int, *, n: int, l: int, generator: Mapping[str, Any]  # noqa: E741
                       ) -> tuple[Instance, dict[str, Any]]:
    """Instance ``(m, seed)`` of the synthetic study and its generating record.

    Args:
        m, seed: Rows and seed.
        n, l: Features (with the constant column) and thresholds.
        generator: Config ``fairreg.synthetic.generator`` (its ``threshold_position`` places the thresholds).

    Returns:
        ``(instance, record)`` with ``record`` = ``seed``, ``params`` (the generator's and ``l``,
        ``threshold_position``) and ``beta``.
    """
    options = {k: v for k, v in generator.items() if k != "threshold_position"}
    position = generator["threshold_position"]
    data = make_synthetic(m, n=n, seed=seed, **options)
    inst = make_instance(data.X, data.y, data.groups, threshold_grid(0.0, 1.0, l, position))
    params = {**data.meta["params"], "l": l, "threshold_position": position}
    return inst, {"seed": data.meta["seed"], "params": params, "beta": data.meta["beta"]}


def write_instance(inst: Instance, record: Mapping[str, Any], csv_path: str | Path, json_path: str | Path) -> None:
    """Write an instance: ``x0..x{n-1}, y, a`` as CSV; thresholds, sizes and ``record`` as JSON."""
    frame = pd.DataFrame(inst.X, columns=[f"x{j}" for j in range(inst.n)])
    frame["y"], frame["a"] = inst.y, inst.a
    write_csv(csv_path, frame, float_format="%.17g")
    write_json(json_path, {**record, "thresholds": inst.thresholds, "m": inst.m, "n": inst.n, "l": inst.l})


def read_instance(csv_path: str | Path, json_path: str | Path) -> Instance:
    """Read an instance written by :func:`write_instance`.

    Raises:
        DataError: Missing file, columns or thresholds, no rows, a missing or non-finite number, a group
            other than 0/1, or a size that disagrees with the JSON.
    """
    meta = read_json(json_path)
    frame = _read_numbers(csv_path, "synthetic instance", ("y", "a"), "columns x0..x{n-1}, y, a (write_instance)")
    cols = [c for c in frame.columns if c.startswith("x")]
    if not cols:
        raise DataError(f"{csv_path}: expected columns x0..x{{n-1}}, y, a; got {list(frame.columns)}")
    if "thresholds" not in meta or len(frame) != meta.get("m") or len(cols) != meta.get("n"):
        raise DataError(f"{json_path}: thresholds missing or sizes (m, n) disagree with {csv_path}")
    return make_instance(frame[cols].to_numpy(dtype=float), frame["y"].to_numpy(dtype=float),
                         frame["a"].to_numpy(dtype=int), meta["thresholds"])


def _read_numbers(path: str | Path, what: str, required: tuple[str, ...], expected: str, *,
                  text: tuple[str, ...] = ()) -> pd.DataFrame:
    """A table written by this module, read back through :mod:`fairopt.data.tabular`: every column but
    ``text`` a finite number in every row, ``a`` 0/1.

    The jobs reading it run far from the stage that wrote it; a damaged file (cut, edited, NaN)
    fails here, naming the file, and not as a NaN objective inside a solver.
    """
    source = str(path)
    frame = read_table(path, what)
    require_columns(frame, required, source, expected=expected)
    for col in frame.columns:
        if col not in text:
            frame[col] = numeric(frame, col, source, allow_missing=False).astype(float)
    bad = ~frame["a"].isin([0, 1]).to_numpy()
    if bad.any():
        raise DataError(f"{source}: column 'a' must be 0 or 1; bad values at file lines {file_lines(frame.index[bad])}")
    return frame


#: real dataset (raw-registry name) -> loader of its raw CSV
LOADERS: Registry = Registry("fair-regression real dataset")
LOADERS.register("communities_crime", raw="communities.csv")(load_communities)
LOADERS.register("law_school", raw="lawschool.csv")(load_lawschool)
def _communities_notes(meta: Mapping[str, Any], rows_full: int, features: int) -> dict[str, str]:
    dropped = len(meta["columns_with_missing"]) if meta["missing"] == "drop_columns" else 0
    handling = {"zero": "filled with 0 (benchmark)", "mean": "filled with column means",
                "drop_columns": "their columns dropped"}[meta["missing"]]
    terms = [f"{meta['n_attributes']} attributes", f"- {len(meta['race_columns'])} race shares"]
    if dropped:
        terms.append(f"- {dropped} columns with missing values")
    if meta["include_protected"]:
        terms.append("+ the White-majority indicator")
    return {
        "rows": f"all {rows_full:,} rows of {Path(meta['source']).name} (the benchmark's preparation drops none; "
                f"{meta['rows_with_missing']:,} rows have missing values in {len(meta['columns_with_missing'])} "
                f"columns, {handling})",
        "features": f"{' '.join(terms)} = {features} (benchmark preparation); plus an intercept column not counted",
    }


def _lawschool_notes(meta: Mapping[str, Any], rows_full: int, features: int) -> dict[str, str]:
    coding = ("gender, bar1 as 0/1 (the benchmark's binary encoding; encoding: onehot gives each two columns)"
              if meta["encoding"] == "binary" else "gender, bar1 one-hot, two columns each (encoding: onehot)")
    race = "race indicator + " if meta["include_protected"] else ""
    return {
        "rows": f"{rows_full:,} of the {meta['n_rows_raw']:,} rows of {Path(meta['source']).name}: the "
                f"{meta['n_rows_dropped_missing']:,} rows with a missing value are dropped; a row count other than "
                "the slides' is not explained by this file (documented, not reproduced)",
        "features": f"{race}{meta['n_numeric']} numeric + {coding} = {features}; plus an intercept column not counted",
    }


#: dataset -> ``notes(loader meta, rows, features)``: what the prepared sizes mean next to the slides'
#: (m, n), carried into the scorecard notes. Every number in them is counted on the file by the loader
#: (its ``meta``) or on the prepared table -- never copied from documentation, so a damaged raw file
#: cannot hide behind a note that still states the full count.
DATA_NOTES = {"communities_crime": _communities_notes, "law_school": _lawschool_notes}
_META = ("y", "a", "part", "row")


def prepare_real(dataset: str, path: str | Path, *, options: Mapping[str, Any] | None = None,
                 subsample: int | None, subsample_seed: int, test_size: float, split_seed: int,
                 intercept: bool) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The prepared table of one dataset (module docstring).

    Args:
        dataset: ``"communities_crime"`` or ``"law_school"``.
        path: The raw CSV.
        options: Keyword options of the loader (``missing``/``include_protected`` or
            ``encoding``/``include_protected``).
        subsample: Rows kept (group-stratified, seeded by ``subsample_seed``); ``None``: all.
        test_size: Test fraction of the group-stratified split (seed ``split_seed``).
        intercept: Prepend the constant feature ``const``.

    Returns:
        ``(table, info)``: the table with the feature columns, ``y``, ``a``, ``part`` and
        ``row``; ``info`` the sizes (``rows_full, rows_used, features, m_train, m_test``),
        group shares, seeds and the notes of :data:`DATA_NOTES` (``rows_note``, ``features_note``).

    Raises:
        DataError: Unknown dataset, non-finite prepared values, a subsample larger than the data, or
            a group (``a = 0`` or ``a = 1``) without rows in the training or the test part.
    """
    data = LOADERS.get(dataset, key="fairreg.real.datasets")(path, **dict(options or {})).check(str(path))
    X, y, a, names = data.X, data.y, data.groups, list(data.feature_names)
    n_full = len(y)
    rows = np.arange(n_full)
    if subsample is not None:
        if subsample > len(y):
            raise DataError(f"{path}: subsample of {subsample} rows requested, {len(y)} available "
                            f"(config key fairreg.real.subsample.{dataset})")
        if subsample < len(y):
            rows = np.sort(split_indices(len(y), [int(subsample)], subsample_seed, stratify=a)[0])
    X, y, a = X[rows], y[rows], a[rows]
    train, test = split_indices(len(y), [1.0 - test_size, test_size], split_seed, stratify=a)
    for level in (0, 1):  # the fairness constraints compare both groups in both parts
        for name, idx in (("training", train), ("test", test)):
            if not (a[idx] == level).any():
                raise DataError(f"{path}: group a={level} has no rows in the {name} part "
                                f"({int((a == level).sum())} of {len(a)} rows used; need both groups in both parts)")
    part = np.empty(len(y), dtype=object)
    part[train], part[test] = "train", "test"
    if intercept:
        X = np.column_stack([np.ones(len(y)), X])
        names = ["const", *names]
    clash = sorted(set(names) & set(_META))
    if clash:
        raise DataError(f"{path}: feature names {clash} clash with the table's own columns")
    frame = pd.DataFrame(X, columns=names)
    frame["y"], frame["a"], frame["part"], frame["row"] = y, a, part, rows
    info: dict[str, Any] = {"dataset": dataset, "source": f"real: {Path(path).name} (Agarwal et al. benchmark version)",
            "rows_full": int(n_full),
            "rows_used": int(len(y)), "subsample": subsample, "subsample_seed": subsample_seed,
            "features": len(names) - int(intercept), "intercept": bool(intercept),
            "feature_names": names, "m_train": int(len(train)), "m_test": int(len(test)),
            "test_size": test_size, "split_seed": split_seed,
            "share_a1_train": float(a[train].mean()), "share_a1_test": float(a[test].mean())}
    notes = DATA_NOTES[dataset](data.meta, info["rows_full"], info["features"])
    info.update(rows_note=notes["rows"], features_note=notes["features"])
    return frame, info


def write_prepared(frame: pd.DataFrame, info: Mapping[str, Any], prepared_path: str | Path,
                   info_path: str | Path) -> None:
    """Write the table and its info of :func:`prepare_real` (each atomically; the info last)."""
    write_csv(prepared_path, frame, float_format="%.17g")
    write_json(info_path, info)


@dataclass(frozen=True)
class RealSplit:
    """A prepared dataset as arrays: train instance, test arrays, feature names."""

    train: Instance
    X_test: np.ndarray
    y_test: np.ndarray
    a_test: np.ndarray
    names: list[str]


def read_prepared(path: str | Path, *, l: int, threshold_position: str) -> RealSplit:  # noqa: E741
    """Read a table of :func:`prepare_real`; thresholds on the ``1/l`` grid of [0, 1].

    Raises:
        DataError: Missing file or columns, no rows, a missing or non-finite number, a group other than
            0/1, a part other than train/test, or no train/test rows (one line naming the file).
    """
    path = Path(path)
    frame = _read_numbers(path, "prepared fair-regression", _META, "the output of prepare_real", text=("part",))
    part = frame["part"].astype("string").str.strip()
    bad = ~part.isin(["train", "test"]).fillna(False).to_numpy(dtype=bool)
    if bad.any():
        raise DataError(f"{path}: column 'part' must be 'train' or 'test'; bad values at file lines "
                        f"{file_lines(frame.index[bad])}")
    names = [c for c in frame.columns if c not in _META]
    X = frame[names].to_numpy(dtype=float)
    y, a = frame["y"].to_numpy(dtype=float), frame["a"].to_numpy(dtype=int)
    tr, te = (frame["part"] == "train").to_numpy(), (frame["part"] == "test").to_numpy()
    if not tr.any() or not te.any():
        raise DataError(f"{path}: column 'part' needs both 'train' and 'test' rows")
    inst = make_instance(X[tr], y[tr], a[tr], threshold_grid(0.0, 1.0, l, threshold_position))
    return RealSplit(inst, X[te], y[te], a[te], names)
