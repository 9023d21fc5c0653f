"""FDFL modelling table: from the Obermeyer patient file to risks, gains and utilities.

Reconstructs the data synthesis of the FDFL paper (section 5.1; reference note ``fdfl.md``), whose
generating script is not public. Starting from a validated patient table (real ``data_new.csv`` or
the stand-in) it adds, in this order:

``race``
    0 = white, 1 = black (the authors' coding).
features
    The 149 year t-1 predictors chosen by Obermeyer's rule
    (:func:`fairopt.data.obermeyer_schema.feature_columns`; the count is asserted).
``risk_score_percentile``
    Percentile rank 1..100 of ``risk_score_t``: ``qcut(rank(method="first"), 100) + 1``, i.e.
    100 equal-count bins with ties broken by row order. This definition reproduces the published
    ``risk_score_t_percentile`` of the dissecting-bias hold-out file exactly.
``screening_eligible``
    ``1{risk_score_percentile > p}`` with ``p = 55``: patients above the program's referral
    threshold (the 55th percentile).
``avoidable_cost_mapped``
    Nearest-neighbour gain imputation. Enrolled patients (``program_enrolled_t == 1``) keep their
    ``cost_avoidable_t``; every other patient receives the ``cost_avoidable_t`` of the nearest
    enrolled patient in standardized feature space (z-scores of the 149 features, Euclidean
    distance, ties broken by the lower row position).
``propensity_score``
    ``P(screening_eligible = 1 | x)`` from an L2-regularised logistic regression of
    ``screening_eligible`` on the standardized features (a continuous proxy for the binary
    referral decision).
``g`` (gain rate g_i)
    ``g_i = max(g_min, s * propensity_score_i * avoidable_cost_mapped_i)``: the expected avoidable
    cost reachable by enrolling patient i (the avoidable cost a comparable enrolled patient had,
    weighted by how likely i is to be referred), in units of ``1/s`` dollars (default ``s = 0.01``:
    hundreds of dollars), clipped below at ``g_min = 0.1`` as the authors did. The authors' exact
    formula is unknown; its scale cancels out of the normalized regret for alpha != 1.
``utility_rate``
    ``r_i g_i``: utility per unit of resource, ``u_i(d_i) = r_i g_i d_i`` with ``r_i = risk_score_t``
    (paper section 5.1).

:func:`derived_summary` tabulates every derived column by race. :func:`read_modelling_table` reads the
table back for the later stages and rejects a damaged one (no rows, a missing column, a NaN or inf,
a race other than 0/1), naming the file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from fairopt.core.errors import ConfigError, DataError
from fairopt.data.obermeyer_schema import feature_columns, risk_percentile
from fairopt.data.tabular import file_lines, numeric, read_table, require_columns, require_finite

__all__ = [
    "GainConfig",
    "DERIVED_COLUMNS",
    "nearest_enrolled_cost",
    "propensity_scores",
    "build_modelling_table",
    "read_modelling_table",
    "check_modelling_table",
    "derived_summary",
]

#: columns added by :func:`build_modelling_table` (besides race and the features)
DERIVED_COLUMNS = ("risk_score_percentile", "screening_eligible", "avoidable_cost_mapped",
                   "propensity_score", "g", "utility_rate")
#: outcome columns carried into the modelling table
CARRIED_COLUMNS = ("risk_score_t", "gagne_sum_t", "cost_t", "cost_avoidable_t", "program_enrolled_t")


@dataclass(frozen=True)
class GainConfig:
    """Settings of the derived columns (config section ``fdfl.data``; defaults in the study schema)."""

    eligibility_percentile: int
    gain_scale: float
    gain_floor: float
    propensity_C: float
    propensity_max_iter: int

    def __post_init__(self) -> None:
        if not 0 < self.eligibility_percentile < 100:
            raise ConfigError("config key fdfl.data.eligibility_percentile: expected an integer in 1..99")
        if self.gain_scale <= 0 or self.gain_floor <= 0:
            raise ConfigError("config keys fdfl.data.gain.scale / floor: expected positive numbers")
        if self.propensity_C <= 0:
            raise ConfigError("config key fdfl.data.propensity.C: expected a positive number")


def nearest_enrolled_cost(z: np.ndarray, enrolled: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Avoidable cost of each row's nearest enrolled row (enrolled rows keep their own).

    Args:
        z: Standardized features, shape (n, p).
        enrolled: Boolean mask of enrolled rows (at least one).
        cost: ``cost_avoidable_t`` per row.

    Returns:
        The mapped avoidable cost per row.
    """
    enrolled = np.asarray(enrolled, dtype=bool)
    if not enrolled.any():
        raise DataError("no enrolled patients (program_enrolled_t == 1): cannot impute avoidable costs")
    ref = np.flatnonzero(enrolled)
    nn = NearestNeighbors(n_neighbors=1, algorithm="brute", metric="euclidean").fit(z[ref])
    _, idx = nn.kneighbors(z[~enrolled])
    out = np.asarray(cost, dtype=float).copy()
    out[~enrolled] = np.asarray(cost, dtype=float)[ref[idx[:, 0]]]
    return out


def propensity_scores(z: np.ndarray, label: np.ndarray, *, C: float = 1.0, max_iter: int = 5000) -> np.ndarray:
    """Predicted ``P(label = 1 | z)`` of an L2 logistic regression (lbfgs, deterministic)."""
    label = np.asarray(label)
    if len(np.unique(label)) < 2:
        raise DataError("screening_eligible has a single class: cannot fit the propensity model")
    model = LogisticRegression(C=C, max_iter=max_iter)
    model.fit(z, label)
    return model.predict_proba(z)[:, 1]


def build_modelling_table(patients: pd.DataFrame, cfg: GainConfig) -> pd.DataFrame:
    """Derive the FDFL modelling table from a validated patient table.

    Args:
        patients: Output of :func:`fairopt.data.obermeyer_schema.validate_patients`.
        cfg: Settings of the derived columns.

    Returns:
        Table with ``race`` (0/1), the 149 features, the carried outcome columns and
        :data:`DERIVED_COLUMNS`; the index is the patient file's row number.
    """
    features = feature_columns(list(patients.columns))
    race = (patients["race"].astype(str) == "black").astype(np.int64).rename("race")
    percentile = risk_percentile(patients["risk_score_t"])
    eligible = (percentile > cfg.eligibility_percentile).astype(np.int64)
    z = StandardScaler().fit_transform(patients[features].to_numpy(dtype=float))
    z = np.nan_to_num(z)  # constant columns give 0/0
    mapped = nearest_enrolled_cost(z, patients["program_enrolled_t"].to_numpy() == 1,
                                   patients["cost_avoidable_t"].to_numpy())
    propensity = propensity_scores(z, eligible, C=cfg.propensity_C, max_iter=cfg.propensity_max_iter)
    gain = np.maximum(cfg.gain_scale * propensity * mapped, cfg.gain_floor)
    derived = pd.DataFrame({
        "risk_score_percentile": percentile,
        "screening_eligible": eligible,
        "avoidable_cost_mapped": mapped,
        "propensity_score": propensity,
        "g": gain,
        "utility_rate": patients["risk_score_t"].to_numpy(dtype=float) * gain,
    }, index=patients.index)
    out = pd.concat([race, patients[features], patients[list(CARRIED_COLUMNS)], derived], axis=1)
    return out


def check_modelling_table(table: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check a modelling table (as read back, or a sample of it) before a later stage uses it.

    Every column the trials use -- ``race``, the 149 features, the carried outcomes and the derived
    columns -- must be present and a finite number in every row, ``race`` 0/1, and the table must have
    rows. A table cut short or edited by hand would otherwise give NaN regrets or an empty trial.

    Args:
        table: The table (index: the patient file's row number ``row_id``).
        source: Its file, for messages.

    Returns:
        ``table``, unchanged.

    Raises:
        DataError: One line naming ``source``, the column and the file lines.
    """
    if table.empty:
        raise DataError(f"{source}: the modelling table has no rows")
    try:
        features = feature_columns(list(table.columns))
    except DataError as exc:
        raise DataError(f"{source}: {exc} (expected the columns of build_modelling_table)") from exc
    needed = ["race", *features, *CARRIED_COLUMNS, *DERIVED_COLUMNS]
    require_columns(table, needed, source, expected="the columns of build_modelling_table")
    require_finite(table, needed, source)
    bad = ~table["race"].isin([0, 1]).to_numpy()
    if bad.any():
        raise DataError(f"{source}: column 'race' must be 0 (white) or 1 (black); bad values at file lines "
                        f"{file_lines(np.flatnonzero(bad))}")
    return table


def read_modelling_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read the modelling table written by the rule ``fdfl_prepare_table`` (index ``row_id``) and check
    it (:func:`check_modelling_table`).

    Raises:
        DataError: Missing, unreadable or damaged file (one line naming it).
    """
    table = read_table(path, "FDFL modelling")
    require_columns(table, ["row_id"], str(path), expected="the output of fdfl_prepare_table (row_id first)")
    row_id = numeric(table, "row_id", str(path), allow_missing=False)
    table = table.drop(columns="row_id").set_axis(pd.Index(row_id.astype("int64"), name="row_id"))
    return check_modelling_table(table, str(path))


def derived_summary(table: pd.DataFrame, data_source: str) -> pd.DataFrame:
    """Per-race summary (n, mean, std, min, quartiles, max) of every derived and outcome column.

    Args:
        table: Output of :func:`build_modelling_table`.
        data_source: Provenance label written into every row (``real`` / ``standin(seed=S)``).
    """
    columns = list(CARRIED_COLUMNS) + list(DERIVED_COLUMNS)
    rows = []
    for race, label in ((0, "white"), (1, "black"), (None, "all")):
        part = table if race is None else table[table["race"] == race]
        for col in columns:
            s = part[col].astype(float)
            rows.append({"column": col, "race": label, "n": len(s), "mean": s.mean(), "std": s.std(),
                         "min": s.min(), "q25": s.quantile(0.25), "median": s.median(),
                         "q75": s.quantile(0.75), "max": s.max(), "data_source": data_source})
    return pd.DataFrame(rows)
