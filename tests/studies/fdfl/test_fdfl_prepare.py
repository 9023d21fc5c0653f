"""FDFL modelling table: percentile, nearest-neighbour gain imputation, propensity model, gain."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from fairopt.studies.common import schema_defaults
from fairopt.studies.fdfl.prepare import (DERIVED_COLUMNS, GainConfig, build_modelling_table, derived_summary,
                                     nearest_enrolled_cost, propensity_scores)
from fairopt.data.obermeyer_schema import risk_percentile
from fairopt.data.obermeyer_schema import validate_patients
from fairopt.core.errors import ConfigError, DataError



def gain(**kw) -> GainConfig:
    """The schema's derived-column settings (config fdfl.data) with ``kw`` replaced."""
    return GainConfig(**{**schema_defaults("fdfl")["data"], **kw})

def test_nearest_neighbour_mapping_known_answer():
    z = np.array([[0.0, 0.0], [0.9, 0.1], [10.0, 10.0], [11.0, 9.0], [4.0, 4.0], [6.0, 6.1]])
    enrolled = np.array([True, False, True, False, False, False])
    cost = np.array([500.0, 99.0, 7000.0, 1.0, 2.0, 3.0])
    out = nearest_enrolled_cost(z, enrolled, cost)
    # rows 1 and 4 are nearest to row 0; rows 3 and 5 to row 2; enrolled rows keep their own
    np.testing.assert_array_equal(out, [500.0, 500.0, 7000.0, 7000.0, 500.0, 7000.0])


def test_nearest_neighbour_needs_enrolled_rows():
    with pytest.raises(DataError, match="no enrolled patients"):
        nearest_enrolled_cost(np.zeros((3, 1)), np.zeros(3, bool), np.ones(3))


def test_propensity_model_recovers_true_probabilities():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((20000, 3))
    p_true = 1.0 / (1.0 + np.exp(-(0.3 + z @ np.array([1.0, -0.5, 0.0]))))
    label = (rng.random(20000) < p_true).astype(int)
    p_hat = propensity_scores(z, label)
    assert np.mean(np.abs(p_hat - p_true)) < 0.01
    assert np.all((p_hat > 0) & (p_hat < 1))


def test_propensity_model_needs_two_classes():
    with pytest.raises(DataError, match="single class"):
        propensity_scores(np.zeros((5, 2)), np.ones(5))


def test_percentile_has_equal_bins_and_breaks_ties_by_order():
    risk = pd.Series(np.r_[np.zeros(50), np.arange(1.0, 951.0)])
    p = risk_percentile(risk)
    assert p.min() == 1 and p.max() == 100
    assert np.all(np.bincount(p)[1:] == 10)
    assert np.all(np.diff(p[np.argsort(risk.to_numpy(), kind="stable")]) >= 0)


def test_modelling_table_columns_and_formulas(patients, patient_schema):
    valid = validate_patients(patients, patient_schema)
    cfg = gain()
    table = build_modelling_table(valid, cfg)
    feature_cols = [c for c in table.columns if c not in ("race", *DERIVED_COLUMNS, "risk_score_t", "gagne_sum_t",
                                                          "cost_t", "cost_avoidable_t", "program_enrolled_t")]
    assert len(feature_cols) == 149
    assert set(table["race"]) <= {0, 1}
    assert ((table["race"] == 1) == (valid["race"] == "black")).all()
    np.testing.assert_array_equal(table["screening_eligible"], (table["risk_score_percentile"] > 55).astype(int))
    enrolled = valid["program_enrolled_t"] == 1
    np.testing.assert_array_equal(table.loc[enrolled, "avoidable_cost_mapped"], valid.loc[enrolled, "cost_avoidable_t"])
    assert table["avoidable_cost_mapped"].isin(valid.loc[enrolled, "cost_avoidable_t"]).all()
    expected_g = np.maximum(0.1, 0.01 * table["propensity_score"] * table["avoidable_cost_mapped"])
    np.testing.assert_allclose(table["g"], expected_g)
    assert table["g"].min() >= 0.1
    np.testing.assert_allclose(table["utility_rate"], table["risk_score_t"] * table["g"])


def test_modelling_table_is_deterministic(patients, patient_schema):
    valid = validate_patients(patients, patient_schema)
    out = []
    for _ in range(2):
        buf = io.StringIO()
        build_modelling_table(valid, gain()).to_csv(buf)
        out.append(buf.getvalue())
    assert out[0] == out[1]


def test_summary_has_every_derived_column_per_race(patients, patient_schema):
    table = build_modelling_table(validate_patients(patients, patient_schema), gain())
    summary = derived_summary(table, "standin(seed=0)")
    for col in DERIVED_COLUMNS:
        assert set(summary.loc[summary["column"] == col, "race"]) == {"white", "black", "all"}
    assert (summary["data_source"] == "standin(seed=0)").all()
    row = summary[(summary["column"] == "g") & (summary["race"] == "black")].iloc[0]
    assert row["mean"] == pytest.approx(table.loc[table["race"] == 1, "g"].mean())


def test_gain_config_rejects_bad_values():
    with pytest.raises(ConfigError, match="eligibility_percentile"):
        gain(eligibility_percentile=0)
    with pytest.raises(ConfigError, match="gain"):
        gain(gain_floor=-1)
