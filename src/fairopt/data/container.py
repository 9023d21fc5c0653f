"""The one typed container of fairopt's datasets: features, target, protected attributes, metadata.

Every loader of :mod:`fairopt.data` (real files and synthetic generators) returns a :class:`FairData`;
:meth:`FairData.save` / :meth:`FairData.load` keep one as a binary ``.npz`` (lossless, fast to read:
the workflow's ``<study>_prepare`` rules write prepared data once and every job reads it).

Both check the arrays (:meth:`FairData.check`): at least one row, consistent lengths, finite
features, targets and labels. A prepared file is read by many jobs far from the preparation that
wrote it; a NaN or an empty part would surface there as a NaN loss or an empty-mean warning, so
``save`` refuses to write such a file and ``load`` refuses to read one, naming the file.
"""
from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fairopt.core.errors import DataError
from fairopt.core.io import atomic_path, to_jsonable

__all__ = ["FairData"]


@dataclass
class FairData:
    """Features, target and protected groups of one dataset.

    Attributes:
        X: ``(n, d)`` features (float32 for the fairness-layer networks, float64 elsewhere).
        y: ``(n,)`` target.
        groups: ``(n,)`` group or ``(n, K)`` protected / sensitive attributes (integer codes).
        feature_names: ``d`` column names.
        group_names: Names of the protected attribute(s).
        meta: Dataset facts (factors, box, sizes ...).
        labels: Optional binary outcome per row (equalized odds).
    """

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    feature_names: list[str]
    group_names: list[str]
    meta: dict[str, Any] = field(default_factory=dict)
    labels: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def subset(self, idx: np.ndarray) -> "FairData":
        """Rows ``idx`` (meta shared)."""
        idx = np.asarray(idx)
        return FairData(self.X[idx], self.y[idx], self.groups[idx], self.feature_names,
                        self.group_names, dict(self.meta),
                        None if self.labels is None else self.labels[idx])

    def group_codes(self) -> np.ndarray:
        """One integer per row: the group, or the intersectional cell of several attributes.

        A mixed-radix code with the first attribute least significant, ``sum_k g_k prod_{j<k} (max_j + 1)``
        (for binary attributes ``sum_k g_k 2^k``); distinct cells get distinct codes whatever the levels.
        """
        g = np.asarray(self.groups)
        if g.ndim == 1:
            return g.astype(np.int64)
        g = g.astype(np.int64)
        radix = g.max(axis=0, initial=0) + 1
        weights = np.concatenate([[1], np.cumprod(radix[:-1])]).astype(np.int64)
        return (g * weights).sum(axis=1)

    def check(self, source: str) -> "FairData":
        """Raise a one-line DataError (naming ``source``) unless the arrays make a usable dataset.

        Checks: ``X`` is 2-D with at least one row and one name per column; ``y``, ``groups`` and
        ``labels`` have one entry per row; ``X``, ``y``, ``labels`` are finite and ``groups`` are
        integer codes.
        """
        X, y, g = np.asarray(self.X), np.asarray(self.y), np.asarray(self.groups)
        if X.ndim != 2 or X.shape[0] == 0:
            raise DataError(f"{source}: no rows (features of shape {X.shape}; expected a non-empty 2-D table)")
        n = X.shape[0]
        if len(self.feature_names) != X.shape[1]:
            raise DataError(f"{source}: {len(self.feature_names)} feature names for {X.shape[1]} feature columns")
        arrays = {"y": y, "groups": g, **({"labels": np.asarray(self.labels)} if self.labels is not None else {})}
        for name, arr in arrays.items():
            if arr.ndim == 0 or arr.shape[0] != n:
                raise DataError(f"{source}: {name} has shape {arr.shape}, expected {n} rows like the features")
        if not np.issubdtype(g.dtype, np.integer):
            raise DataError(f"{source}: groups have dtype {g.dtype}, expected integer codes")
        for name, arr in {"X": X, **{k: v for k, v in arrays.items() if k != "groups"}}.items():
            if not np.issubdtype(arr.dtype, np.number):
                raise DataError(f"{source}: {name} has dtype {arr.dtype}, expected numbers")
            bad = ~np.isfinite(arr)
            if bad.any():
                rows = np.flatnonzero(bad.reshape(n, -1).any(axis=1))
                where = ""
                if name == "X":
                    col = int(np.flatnonzero(bad.any(axis=0))[0])
                    where = f" column {self.feature_names[col]!r}"
                raise DataError(f"{source}: {name}{where} has non-finite values (NaN/inf) in rows "
                                f"{rows[:5].tolist()}{' ...' if len(rows) > 5 else ''}; expected finite numbers")
        return self

    def save(self, path: str | os.PathLike) -> None:
        """Write the container to ``path`` (``.npz``, atomically); arrays keep their dtypes exactly.

        Raises:
            DataError: The arrays fail :meth:`check` (nothing is written).
        """
        self.check(f"{path} (not written)")
        # values typed Any: numpy's stub would match a ``**dict[str, ndarray]`` against savez's allow_pickle
        arrays: dict[str, Any] = {"X": self.X, "y": self.y, "groups": self.groups}
        if self.labels is not None:
            arrays["labels"] = self.labels
        header = {"feature_names": list(self.feature_names), "group_names": list(self.group_names),
                  "meta": to_jsonable(self.meta)}
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, header=np.array(json.dumps(header, sort_keys=True)), **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "FairData":
        """Read a container written by :meth:`save`.

        Raises:
            DataError: Missing or malformed file, or arrays that fail :meth:`check` (names the file).
        """
        path = Path(path)
        if not path.is_file():
            raise DataError(f"{path}: prepared data file not found")
        try:
            with np.load(path, allow_pickle=False) as z:
                header = json.loads(str(z["header"]))
                data = cls(X=z["X"], y=z["y"], groups=z["groups"], feature_names=header["feature_names"],
                           group_names=header["group_names"], meta=header["meta"],
                           labels=z["labels"] if "labels" in z.files else None)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            message = str(exc).splitlines()[0] if str(exc) else ""
            raise DataError(f"{path}: not a prepared data file ({type(exc).__name__}: {message})") from exc
        return data.check(str(path))
