"""FDFL trial data: one trial's standardized features, risks, gains and groups.

Follows the authors' preparation (reference note ``fdfl.md``): the sample and the trial split are
read from the files the data stage wrote once for all methods; features are standardized with the
training mean and standard deviation; if any risk is 0, ``risk_floor`` (0.001) is added to every
risk so that the alpha-fair utilities ``r_i g_i d_i`` are positive.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from fairopt.core.errors import DataError
from fairopt.data.obermeyer_schema import feature_columns
from fairopt.data.tabular import require_finite

__all__ = ["Split", "TrialData", "load_trial"]


@dataclass
class Split:
    """One part (train or test) of a trial, as float64 tensors."""

    x: torch.Tensor
    r: torch.Tensor
    g: torch.Tensor
    race: torch.Tensor
    row_id: np.ndarray

    def __len__(self) -> int:
        return len(self.r)


@dataclass
class TrialData:
    """Train and test parts of one trial."""

    train: Split
    test: Split
    features: list[str]
    trial: int


def load_trial(sample: pd.DataFrame, splits: pd.DataFrame, trial: int, *, risk_floor: float,
               source: str = "experiment sample") -> TrialData:
    """Assemble trial ``trial`` from the experiment sample and the splits table.

    Args:
        sample: The experiment sample (index ``row_id``), as written by the data stage.
        splits: Long splits table (``trial, part, order, position, row_id``).
        trial: Trial number.
        risk_floor: Added to all risks when some risk is 0.
        source: Name of the sample (its file) used in error messages.

    Raises:
        DataError: Unknown trial, a sample without rows, a missing column, a missing or non-finite value
            (race, risk, gain, features) or a race other than 0/1, or split rows missing from the sample.
    """
    for col in ("trial", "part", "order", "row_id"):
        if col not in splits.columns:
            raise DataError(f"splits table of {source}: lacks column {col!r} (expected trial, part, order, row_id)")
    rows = splits[splits["trial"] == trial]
    if rows.empty:
        raise DataError(f"{source}: splits table has no trial {trial} (trials: {sorted(splits['trial'].unique())})")
    if sample.empty:
        raise DataError(f"{source}: the experiment sample has no rows")
    features = feature_columns(list(sample.columns))
    for col in ("race", "risk_score_t", "g"):
        if col not in sample.columns:
            raise DataError(f"{source}: lacks column {col!r} (expected race, risk_score_t, g and the 149 features)")
    # a damaged sample would give NaN losses and regrets deep inside training: reject it here
    require_finite(sample, ["race", "risk_score_t", "g", *features], source)
    bad_race = ~sample["race"].isin([0, 1]).to_numpy()
    if bad_race.any():
        raise DataError(f"{source}: column 'race' must be 0 (white) or 1 (black); bad values for row_id "
                        f"{sample.index[bad_race][:5].tolist()}")
    risk = sample["risk_score_t"].to_numpy(dtype=float)
    if (risk <= 0).any():
        risk = risk + risk_floor
    parts = {}
    stats = None
    for part in ("train", "test"):
        ids = rows[rows["part"] == part].sort_values("order")["row_id"].to_numpy()
        missing = np.setdiff1d(ids, sample.index.to_numpy())
        if len(missing):
            raise DataError(f"{source}: split rows {missing[:5].tolist()} of trial {trial} are not in the sample")
        pos = sample.index.get_indexer(ids)
        x = sample[features].to_numpy(dtype=float)[pos]
        if stats is None:  # standardize with the training part's statistics
            mean, std = x.mean(axis=0), x.std(axis=0)
            stats = (mean, np.where(std > 0, std, 1.0))
        x = (x - stats[0]) / stats[1]
        parts[part] = Split(torch.as_tensor(x), torch.as_tensor(risk[pos]),
                            torch.as_tensor(sample["g"].to_numpy(dtype=float)[pos]),
                            torch.as_tensor(sample["race"].to_numpy()[pos].astype(np.int64)), ids)
    return TrialData(parts["train"], parts["test"], features, trial)
