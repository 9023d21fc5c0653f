"""The one typed container of fairopt's datasets: features, target, protected attributes, metadata.

Every loader of :mod:`fairopt.data` (real files and synthetic generators) returns a :class:`FairData`;
:meth:`FairData.save` / :meth:`FairData.load` keep one as a binary ``.npz`` (lossless, fast to read:
the workflow's ``<study>_prepare`` rules write prepared data once and every job reads it).
"""
from __future__ import annotations

import json
import os
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

    def save(self, path: str | os.PathLike) -> None:
        """Write the container to ``path`` (``.npz``, atomically); arrays keep their dtypes exactly."""
        arrays = {"X": self.X, "y": self.y, "groups": self.groups}
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
            DataError: Missing or malformed file (names it).
        """
        path = Path(path)
        if not path.is_file():
            raise DataError(f"{path}: prepared data file not found")
        try:
            with np.load(path, allow_pickle=False) as z:
                header = json.loads(str(z["header"]))
                return cls(X=z["X"], y=z["y"], groups=z["groups"], feature_names=header["feature_names"],
                           group_names=header["group_names"], meta=header["meta"],
                           labels=z["labels"] if "labels" in z.files else None)
        except (OSError, ValueError, KeyError) as exc:
            raise DataError(f"{path}: not a prepared data file ({type(exc).__name__}: {exc})") from exc
