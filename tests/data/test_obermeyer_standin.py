"""The calibrated synthetic stand-in for the Obermeyer patient file, and its calibration report.

Uses the published calibration files of the data mirror ($FAIROPT_DATA_MIRROR or
``<repo>/../shared/data``); skipped when they are absent. A moderate size (10,000 rows) keeps the
file fast; the full-size (48,784 rows) calibration is marked slow.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairopt.data.obermeyer_schema import OUTCOME_COLUMNS, feature_columns, parse_data_dictionary, validate_patients
from fairopt.data.obermeyer_standin import (BIOMARKERS, FULL_FILE_BLACK_ROWS, FULL_FILE_ROWS, TABLE1_MAP,
                                            calibration_report, consistency_violations, generate_standin,
                                            lab_indicator_columns, lab_thresholds, read_table1)
from fairopt.core.errors import ConfigError, DataError
from fairopt.core.io import write_csv

N_MODERATE = 10_000
SEED = 0


@pytest.fixture(scope="module")
def files(data_mirror):
    folder = data_mirror / "obermeyer"
    paths = {"dictionary": folder / "data_dictionary.md", "holdout": folder / "model_lasso_predictors.csv",
             "table1": folder / "table1.csv"}
    absent = [str(p) for p in paths.values() if not p.is_file()]
    if absent:
        pytest.skip(f"Obermeyer calibration files not in the data mirror: {absent} (set FAIROPT_DATA_MIRROR)")
    return paths


@pytest.fixture(scope="module")
def schema(files):
    return parse_data_dictionary(files["dictionary"])


def _generate(files, n_rows=N_MODERATE, seed=SEED):
    return generate_standin(files["dictionary"], files["holdout"], files["table1"], n_rows=n_rows, seed=seed)


@pytest.fixture(scope="module")
def standin(files):
    return _generate(files)


@pytest.fixture(scope="module")
def report(files, standin):
    return calibration_report(standin, files["holdout"], files["table1"], n_rows=N_MODERATE)


# ----------------------------------------------------------------------------- schema, determinism
def test_schema_equals_the_dictionary(standin, schema):
    assert list(standin.columns) == schema.names
    assert len(standin.columns) == 160 and len(standin) == N_MODERATE
    assert "sodium_min-high" in standin.columns  # the dictionary's spelling is kept
    for col in schema.columns:
        assert str(standin[col.name].dtype) == col.dtype, col.name
    assert set(standin["race"]) == {"white", "black"}
    assert len(feature_columns(list(standin.columns))) == 149


def test_passes_validate_patients_and_has_no_nan(standin, schema):
    out = validate_patients(standin, schema, source="stand-in")
    pd.testing.assert_frame_equal(out, standin)
    assert not standin.isna().to_numpy().any()


def test_same_seed_same_table_and_bytes_other_seed_differs(files, tmp_path):
    a, b, c = _generate(files, 3000, 7), _generate(files, 3000, 7), _generate(files, 3000, 8)
    pd.testing.assert_frame_equal(a, b)
    write_csv(tmp_path / "a.csv", a)
    write_csv(tmp_path / "b.csv", b)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert not a.equals(c)
    assert not np.array_equal(a["cost_pharmacy_tm1"].to_numpy(), c["cost_pharmacy_tm1"].to_numpy())


def test_bad_size_or_seed_is_a_config_error(files):
    with pytest.raises(ConfigError, match="n_rows"):
        _generate(files, n_rows=10)
    with pytest.raises(ConfigError, match="seed"):
        _generate(files, seed=-1)


# ----------------------------------------------------------------------------- race and real outcome rows
def test_race_share(standin):
    n_black = int((standin["race"] == "black").sum())
    assert n_black == round(N_MODERATE * FULL_FILE_BLACK_ROWS / FULL_FILE_ROWS)
    assert abs(n_black / N_MODERATE - 0.1144) < 0.002


def test_outcome_rows_are_whole_real_rows_of_the_same_race(standin, files):
    hold = pd.read_csv(files["holdout"])
    key = ["dem_race_black", *OUTCOME_COLUMNS]
    real = set(map(tuple, hold[key].to_numpy(dtype=float)))
    drawn = standin[list(OUTCOME_COLUMNS)].assign(dem_race_black=(standin["race"] == "black").astype(float))
    rows = set(map(tuple, drawn[key].to_numpy(dtype=float)))
    assert rows <= real
    assert len(rows) > 0.5 * min(N_MODERATE, len(hold))  # many distinct rows, not a few repeated


def test_risk_quartiles_and_outcome_means(report):
    rows = report[report["check"].str.startswith(("risk_score_t_", "holdout_mean:", "black_share"))]
    assert len(rows) == 6 + 10 + 1
    assert rows["passed"].all(), rows[~rows["passed"]].to_string()


# ----------------------------------------------------------------------------- Table 1
def test_table1_is_parsed_from_the_file(files):
    t1 = read_table1(files["table1"])
    assert t1.loc["n (patient-years)"].tolist() == [43202.0, 5582.0]
    assert t1.loc["Actual cost"].tolist() == [7456.0, 9238.0]
    assert set(TABLE1_MAP) <= set(t1.index)


def test_table1_map_names_real_columns(schema):
    for label, targets in TABLE1_MAP.items():
        for col in targets:
            assert col in schema.names or col.startswith(("percentile(", "percent(")), (label, col)


def test_every_table1_mean_within_tolerance(report):
    rows = report[report["check"].str.startswith("table1:")]
    n_targets = sum(len(t) for t in TABLE1_MAP.values())
    assert len(rows) == 2 * n_targets
    assert rows["passed"].all(), rows[~rows["passed"]].to_string()
    tol = np.maximum(0.1 * rows["target"].abs(), 0.01)
    assert (np.abs(rows["value"] - rows["target"]) <= tol + 1e-12).all()


def test_gagne_sum_tm1_matches_table1_total(standin, files):
    total = read_table1(files["table1"]).loc["Total number of active illnesses"]
    for race in ("white", "black"):
        mean = standin.loc[standin["race"] == race, "gagne_sum_tm1"].mean()
        assert abs(mean - total[race]) <= max(0.1 * total[race], 0.01)


# ----------------------------------------------------------------------------- internal consistency
def test_consistency_rules_hold_exactly(standin, schema):
    violations = consistency_violations(standin, schema)
    assert len(violations) == 15 and all(v == 0 for v in violations.values()), violations
    comorb = [c for c in schema.names if c.endswith(("_elixhauser_tm1", "_romano_tm1"))]
    assert len(comorb) == 33
    assert (standin[comorb].sum(axis=1) == standin["gagne_sum_tm1"]).all()
    ages = [c for c in schema.names if c.startswith("dem_age_band_")]
    assert (standin[ages].sum(axis=1) == 1).all()
    others = [c for c in comorb if not any(c in t for t in TABLE1_MAP.values())]
    assert len(others) == 13
    prevalence = standin[others].mean()
    assert (prevalence > 0).all() and (prevalence < 0.02).all()


def test_lab_indicators_follow_tests_and_thresholds(standin, schema):
    cols = lab_indicator_columns(schema.names)
    thresholds = lab_thresholds(schema)
    assert thresholds["cre"] == (0.84, 1.21) and thresholds["sodium"] == (135.0, 145.0)
    for b in BIOMARKERS:
        tests = standin[f"{b}_tests_tm1"].to_numpy()
        assert (tests >= 0).all() and (tests > 0).any() and (tests == 0).any()
        cls = {}
        for s in ("min", "mean", "max"):
            ind = np.column_stack([standin[cols[(b, s, k)]].to_numpy() for k in ("low", "normal", "high")])
            assert (ind[tests == 0].sum(axis=1) == 0).all(), (b, s)
            assert (ind[tests > 0].sum(axis=1) == 1).all(), (b, s)
            cls[s] = ind.argmax(axis=1)
        tested = tests > 0
        assert (cls["min"][tested] <= cls["mean"][tested]).all() and (cls["mean"][tested] <= cls["max"][tested]).all()
        single = tests == 1  # one test: min = mean = max
        assert (cls["min"][single] == cls["max"][single]).all()


def test_lasix_and_costs_are_consistent(standin, schema):
    count = standin["lasix_dose_count_tm1"]
    lo, mid, hi = (standin[f"lasix_{s}_daily_dose_tm1"] for s in ("min", "mean", "max"))
    none = count == 0
    assert ((lo[none] == 0) & (mid[none] == 0) & (hi[none] == 0)).all()
    assert ((lo[~none] > 0) & (lo[~none] <= mid[~none]) & (mid[~none] <= hi[~none])).all()
    assert (~none).sum() > 0
    costs = [c for c in schema.names if c.startswith("cost_") and c.endswith("_tm1")]
    assert len(costs) == 13
    for c in costs:
        x = standin[c].to_numpy()
        unit = 100 if c == "cost_other_tm1" else 10
        assert (x >= 0).all() and np.array_equal(x, unit * np.round(x / unit)), c
    total = standin[costs].sum(axis=1)
    assert total.corr(standin["risk_score_t"], method="spearman") > 0.5


def test_year_t_biomarkers_respond_to_comorbidities(standin):
    for col in ("bps_mean_t", "ghba1c_mean_t", "hct_mean_t", "cre_mean_t", "ldl_mean_t"):
        assert (standin[col] > 0).all()

    def gap(illness, marker):
        g = standin.groupby(illness)[marker].mean()
        return g[1] - g[0]

    assert gap("uncompdiabetes_elixhauser_tm1", "ghba1c_mean_t") > 0.5
    assert gap("renal_elixhauser_tm1", "cre_mean_t") > 0.3
    assert gap("anemia_elixhauser_tm1", "hct_mean_t") < -2.0
    assert gap("hypertension_elixhauser_tm1", "bps_mean_t") > 5.0
    assert 110 < standin["bps_mean_t"].median() < 140 and 35 < standin["hct_mean_t"].median() < 46


def test_consistency_checker_detects_violations(standin, schema):
    bad = standin.head(50).copy()
    bad.loc[0, "gagne_sum_tm1"] += 1
    bad.loc[1, "dem_age_band_18-24_tm1"] = 1 - bad.loc[1, "dem_age_band_18-24_tm1"]
    row = int(np.flatnonzero(bad["cre_tests_tm1"].to_numpy() == 0)[0])
    bad.loc[row, "cre_mean-high_tm1"] = 1
    bad.loc[2, "cost_pharmacy_tm1"] = 15.0
    out = consistency_violations(bad, schema)
    assert out["gagne_sum_tm1"] >= 1 and out["age_one_hot"] == 1 and out["labs:cre"] == 1
    assert out["cost_rounding"] == 1


# ----------------------------------------------------------------------------- report and R^2
def test_report_layout_and_all_checks_pass_at_moderate_size(report):
    assert list(report.columns) == ["check", "group", "target", "value", "tolerance", "passed"]
    for name in ("rows", "columns", "dtypes", "black_share", "gbm_holdout_r2"):
        assert name in set(report["check"]), name
    assert report["passed"].all(), report[~report["passed"]].to_string()


def test_gbm_r2_in_band(report):
    r2 = report.loc[report["check"] == "gbm_holdout_r2", "value"].item()
    assert 0.45 <= r2 <= 0.8


def test_report_flags_a_wrong_table(report, standin, files):
    shuffled = standin.copy()
    shuffled["risk_score_t"] = shuffled["risk_score_t"].sample(frac=1, random_state=0).to_numpy()
    shuffled["race"] = "white"
    bad = calibration_report(shuffled, files["holdout"], files["table1"], n_rows=N_MODERATE + 1)
    failed = set(bad.loc[~bad["passed"], "check"])
    assert {"rows", "black_share", "gbm_holdout_r2"} <= failed


# ----------------------------------------------------------------------------- bad input
def test_holdout_missing_a_column_is_named(files, tmp_path):
    bad = tmp_path / "model_lasso_predictors.csv"
    pd.read_csv(files["holdout"]).drop(columns="cost_avoidable_t").to_csv(bad, index=False)
    with pytest.raises(DataError, match=r"model_lasso_predictors\.csv: missing column\(s\) \['cost_avoidable_t'\]"):
        generate_standin(files["dictionary"], bad, files["table1"], n_rows=1000)
    with pytest.raises(DataError, match="cost_avoidable_t"):
        calibration_report(pd.DataFrame(), bad, files["table1"])


def test_missing_inputs_are_named(files, tmp_path):
    with pytest.raises(DataError, match="nothere.csv"):
        generate_standin(files["dictionary"], tmp_path / "nothere.csv", files["table1"], n_rows=1000)
    t1 = tmp_path / "table1.csv"
    text = files["table1"].read_text(encoding="utf-8").replace("Obesity,", "Obese,")
    t1.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=r"table1\.csv: missing Table 1 row\(s\) \['Obesity'\]"):
        generate_standin(files["dictionary"], files["holdout"], t1, n_rows=1000)


# ----------------------------------------------------------------------------- full size
@pytest.mark.slow
def test_full_size_calibration(files):
    frame = _generate(files, FULL_FILE_ROWS, 0)
    assert frame.shape == (48784, 160)
    assert (frame["race"] == "black").sum() == 5582
    report = calibration_report(frame, files["holdout"], files["table1"])
    assert report["passed"].all(), report[~report["passed"]].to_string()
    r2 = report.loc[report["check"] == "gbm_holdout_r2", "value"].item()
    assert 0.55 <= r2 <= 0.7


def test_non_finite_or_empty_calibration_files_are_named(files, tmp_path):
    """inf in the hold-out rows or in Table 1 passed the NaN checks; a header-only file read as 'no rows of a race'."""
    holdout = tmp_path / "model_lasso_predictors.csv"
    frame = pd.read_csv(files["holdout"])
    frame.loc[3, "cost_t"] = np.inf
    frame.to_csv(holdout, index=False)
    with pytest.raises(DataError, match=r"model_lasso_predictors\.csv: column 'cost_t' has non-finite values \(inf\) "
                                        r"in rows \[3\]"):
        generate_standin(files["dictionary"], holdout, files["table1"], n_rows=1000)
    frame.iloc[:0].to_csv(holdout, index=False)
    with pytest.raises(DataError, match=r"model_lasso_predictors\.csv: the hold-out table has no rows"):
        calibration_report(pd.DataFrame(), holdout, files["table1"])
    t1 = tmp_path / "table1.csv"
    lines = files["table1"].read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("Obesity,"))
    label, *_ = lines[row].split(",")
    lines[row] = f"{label},inf,inf"
    t1.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"table1\.csv: row 'Obesity' has a non-finite value"):
        read_table1(t1)
    t1.write_text(lines[0] + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"table1\.csv: Table 1 has no rows"):
        read_table1(t1)
