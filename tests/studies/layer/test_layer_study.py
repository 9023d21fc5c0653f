"""Tests of the fairness-layer study: settings (presets, checks), the method registry's contract, data
preparation, job runners, aggregation, the wage audit, scorecard rows and benchmark rows."""
from __future__ import annotations

import copy
import json
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from fairopt.core.errors import ConfigError, DataError
from fairopt.core.models import mlp, seed_everything
from fairopt.core.training import OptimizerConfig
from fairopt.data.synthetic.layer import make_synthetic
from fairopt.methods.flayer.training import TrainConfig, TrainedModel, predict
from fairopt.studies.common import schema_defaults
from fairopt.studies.layer.benchmarks import benchmark_rows
from fairopt.studies.layer.evaluation import wage_audit
from fairopt.studies.layer.job import EXPERIMENTS, run_employee, run_job, run_sba, run_synthetic
from fairopt.studies.layer.methods import METHODS, label
from fairopt.studies.layer.prepare import (PARTS, PREPARE, prepare_employee_audit, prepare_sba_split,
                                           prepare_synthetic, read_parts, write_parts)
from fairopt.studies.common import setting_differences
from fairopt.studies.layer.scorecard import layer_scorecard
from fairopt.studies.layer.tables import (employee_tables, sba_table, synthetic_runs, synthetic_tables,
                                          synthetic_timing_summary, timing_runs)
from fairopt.studies.layer.settings import (check_settings, epoch_benchmark, job_section, load_settings,
                                            parse_setting_name, setting_name, synthetic_settings)
from tests.conftest import REPO


# ------------------------------------------------------------------ settings: presets, checks

@pytest.fixture(scope="module")
def paper() -> dict:
    return load_settings()


def test_defaults_are_the_paper_and_presets_resolve(paper):
    assert paper == {**schema_defaults("layer"), "scale": "paper"}
    assert paper["synthetic"]["n_rows"] == 40000 and len(paper["synthetic"]["datasets"]) == 32
    assert synthetic_settings(paper) == ["b2000-i2000", "b2000-i16", "b256-i16"]
    smoke = load_settings({"scale": "smoke"})
    assert smoke["sba"]["split_seeds"] == 2 and smoke["synthetic"]["training"]["epochs"] == 3
    assert smoke["synthetic"]["training"]["optimizer"]["lr"] == 0.001
    assert smoke["synthetic"]["training"]["scheduler"] == paper["synthetic"]["training"]["scheduler"]
    assert smoke["sba"]["eps"] == paper["sba"]["eps"]  # untouched by the preset
    assert load_settings({}, default_scale="smoke") == smoke


def test_explicit_values_win_over_the_preset():
    resolved = load_settings({"scale": "reduced", "synthetic": {"datasets": [0, 1], "training": {"epochs": 7}}})
    assert resolved["synthetic"]["datasets"] == [0, 1]
    assert resolved["synthetic"]["training"]["epochs"] == 7
    assert resolved["synthetic"]["n_rows"] == 10000  # from the preset
    assert resolved["synthetic"]["training"]["early_stopping_patience"] == 10  # preset, merged key by key


def test_unknown_keys_and_values_name_the_key():
    with pytest.raises(ConfigError, match=r"layer\.synthetic: unknown key\(s\) 'n_rowz' \(did you mean n_rows"):
        load_settings({"synthetic": {"n_rowz": 5}})
    with pytest.raises(ConfigError, match="layer.scale"):
        load_settings({"scale": "huge"})
    with pytest.raises(ConfigError, match=r"layer\.synthetic\.eps: -1"):
        load_settings({"synthetic": {"eps": -1}})
    with pytest.raises(ConfigError, match=r"layer\.sba\.training\.optimizer\.name: .lbfgs. -- expected one of"):
        load_settings({"sba": {"training": {"optimizer": {"name": "lbfgs"}}}})


@pytest.mark.parametrize("path,value,match", [
    (("synthetic", "datasets"), [1, 1], r"layer\.synthetic\.datasets: duplicate"),
    (("synthetic", "split"), [30000, 10000, 6000], r"layer\.synthetic\.split: sizes"),
    (("synthetic", "settings"), [[30000, 16]], r"layer\.synthetic\.settings: train batch 30000"),
    (("synthetic", "settings"), [[256, 16], [256, 16]], r"layer\.synthetic\.settings: duplicate"),
    (("sba", "penalty_lambdas"), [], r"layer\.sba\.penalty_lambdas"),
    (("employee", "methods"), ["flayer", "lasso"], r"layer\.employee\.methods: unknown"),
    (("employee", "box"), [1.0, 0.0], r"layer\.employee\.box: needs lb < ub"),
    (("benchmark", "target_batch_size"), 512, r"layer\.benchmark\.target_batch_size"),
])
def test_check_settings_errors(paper, path, value, match):
    settings = copy.deepcopy(paper)
    settings[path[0]][path[1]] = value
    with pytest.raises(ConfigError, match=match):
        check_settings(settings)


def test_setting_names_round_trip():
    assert setting_name(2000, 16) == "b2000-i16"
    assert parse_setting_name("b256-i16") == (256, 16)
    with pytest.raises(ConfigError, match="b<train batch>"):
        parse_setting_name("2000x16")


def test_job_section_leaves_out_the_selection_keys(paper):
    section = job_section(paper, "synthetic")
    assert section["backend"] == "exact" and "datasets" not in section and "resources" not in section
    assert section["eps"] == paper["synthetic"]["eps"]
    assert section["device"] == "cpu"  # the default everywhere, CI included


def test_device_setting_is_checked_and_named():
    assert load_settings({"device": "auto"})["device"] == "auto"
    with pytest.raises(ConfigError, match=r"layer\.device"):
        load_settings({"device": "tpu"})


def test_benchmark_sizes_and_epoch_network_per_scale(paper):
    smoke, reduced = load_settings({"scale": "smoke"}), load_settings({"scale": "reduced"})
    assert max(smoke["benchmark"]["batch_sizes"]) == 2000  # CI size
    for s in (paper, reduced):
        assert {2000, 10000} <= set(s["benchmark"]["batch_sizes"]) and s["benchmark"]["target_batch_size"] == 2000
    # the epoch benchmark runs on the paper's synthetic network at the reduced and paper scales
    for s in (paper, reduced):
        e = epoch_benchmark(s)
        assert e["network"] == "paper" and e["hidden"] == paper["synthetic"]["model"]["hidden"]
        assert (e["n_rows"], e["n_features"]) == (paper["synthetic"]["split"][0], paper["synthetic"]["n_features"])
    e = epoch_benchmark(smoke)
    assert e["network"] == "experiment" and e["hidden"] == smoke["synthetic"]["model"]["hidden"]


# ------------------------------------------------------------------ the method registry's contract

#: fields of every job record (fairopt.studies.layer.job)
RECORD_FIELDS = {"experiment", "dataset", "method", "seed", "backend", "device", "eps", "guarantee",
                 "absent_group_batches", "penalty", "training"}
#: fields of every job timing (measured, so never in the record)
TIMING_FIELDS = {"experiment", "dataset", "method", "seed", "epochs_run", "fit_seconds", "seconds_per_epoch",
                 "job_seconds"}


def _keys(obj, prefix=""):
    """Every key of a nested record, dotted (lists of dicts included)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield f"{prefix}{k}"
            yield from _keys(v, f"{prefix}{k}.")
    elif isinstance(obj, list):
        for v in obj:
            yield from _keys(v, prefix)


def _assert_record_and_timing_apart(record, timing):
    """No measured time in the record; the timing has the times and the job's keys."""
    timed = [k for k in _keys(record) if re.search(r"second|time|_ms$|speed", k)]
    assert not timed, f"record holds measured times: {timed}"
    assert TIMING_FIELDS <= set(timing)
    assert all(timing[k] == record[k] for k in ("experiment", "dataset", "method", "seed"))
    assert timing["epochs_run"] == record["training"]["epochs_run"]
    assert timing["job_seconds"] >= timing["fit_seconds"] > 0
    assert timing["seconds_per_epoch"] == pytest.approx(timing["fit_seconds"] / timing["epochs_run"])


@pytest.mark.parametrize("method", METHODS.names())
def test_every_registered_method_trains_and_deploys(method):
    data = make_synthetic(2, n_rows=600, n_features=8, seed=0)
    train, val, test = data.subset(np.arange(0, 400)), data.subset(np.arange(400, 500)), data.subset(np.arange(500, 600))
    cfg = TrainConfig(eps=0.05, lb=data.meta["lb"], ub=data.meta["ub"], batch_size=128,
                      eval_batch_size=100, b_tau=50, epochs=2,
                      optimizer=OptimizerConfig("adam", 1e-3), penalty_lambdas=(0.1, 10.0),
                      strict_lambda=100.0)
    seed_everything(0)
    trained = METHODS.get(method)(lambda: mlp(9, [8], 1), train, val, cfg)
    assert isinstance(trained, TrainedModel) and trained.method == method and trained.result.epochs_run == 2
    out = predict(trained, test, cfg, batch_size=16)
    assert np.isfinite(out["loss"]) and out["pred"].shape == (100,)
    assert out["pred"].min() >= cfg.lb - 1e-9 or method == "projection"
    if method == "flayer":
        assert out["summary"]["weighted_gap"] <= out["summary"]["bound"] + 1e-12
    if method == "penalty":
        assert trained.lam in (0.1, 10.0) and len(trained.selection) == 2
    assert label(method) != method  # every method has the paper's display name


def test_schema_method_lists_are_the_registry():
    schema = yaml.safe_load((REPO / "src" / "fairopt" / "studies" / "layer" / "schema.yaml").read_text())
    assert schema["$defs"]["methods"]["items"]["enum"] == list(METHODS.names())
    assert set(EXPERIMENTS.names()) == set(PREPARE.names()) == {"synthetic", "sba", "employee"}


# ------------------------------------------------------------------ job runners (tiny)

def _section(**over) -> dict:
    base = {"n_rows": 600, "n_features": 6, "split": [300, 150, 150], "eps": 0.05, "b_tau": 100,
            "eta0_train": 0.1, "eta0_eval": 0.5,
            "model": {"hidden": [8], "layer_norm": True, "activation": "relu"},
            "training": {"epochs": 2, "early_stopping_patience": 5,
                         "optimizer": {"name": "adam", "lr": 0.001}, "scheduler": {"name": "none"}},
            "penalty_lambdas": [1.0, 100.0], "strict_lambda": 1000.0, "penalty_box_sigmoid": True}
    base.update(over)
    return base


def _synthetic(index, setting, method, seed, sec):
    return run_synthetic(prepare_synthetic(index, seed, sec), method, seed, sec, backend="exact", setting=setting)


def test_run_synthetic_record_and_reproducibility():
    sec = _section()
    a, ta = _synthetic(31, (150, 16), "flayer", 3, sec)
    b, _ = _synthetic(31, (150, 16), "flayer", 3, sec)
    # same config -> the same record, byte for byte once written (the times are in the timing only)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    _assert_record_and_timing_apart(a, ta)
    assert ta["setting"] == a["setting"] == "b150-i16"
    assert RECORD_FIELDS <= set(a)
    assert a["setting"] == "b150-i16" and a["n_test"] == 150 and a["design"]["lb"] == 0.0
    assert a["index"] == 31 and a["dataset"] == "syn31"
    s = a["primal_dual"]
    assert s is not None and s["weighted_gap"] <= s["bound"] + 1e-12
    assert a["guarantee"]["n_hard_batches"] == 0
    assert a["absent_group_batches"] == {"training": 0, "validation": 0, "test": 0}  # stratified batches
    hard, _ = _synthetic(31, (150, 150), "flayer", 3, sec)
    assert hard["primal_dual"] is None and hard["guarantee"]["max_hard_batch_gap"] <= 0.05 + 1e-9
    pen, tpen = _synthetic(31, (150, 150), "penalty", 3, sec)
    assert pen["penalty"]["lambda"] in (1.0, 100.0) and len(pen["penalty"]["selection"]) == 2
    _assert_record_and_timing_apart(pen, tpen)  # the selection table holds counts and losses, no time


def test_prepared_parts_round_trip_exactly(tmp_path):
    parts = prepare_synthetic(5, 1, _section())
    paths = {part: tmp_path / f"{part}.npz" for part in PARTS}
    write_parts(parts, paths)
    back = read_parts(paths)
    for part in PARTS:
        for field in ("X", "y", "groups"):
            a, b = getattr(parts[part], field), getattr(back[part], field)
            assert a.dtype == b.dtype and np.array_equal(a, b)
        assert back[part].meta["lb"] == parts[part].meta["lb"] and back[part].feature_names == parts[part].feature_names
    with pytest.raises(DataError, match="prepared data file not found"):
        read_parts({part: tmp_path / "missing.npz" for part in PARTS})


def test_run_job_dispatch():
    sec = {**_section(), "backend": "exact"}
    parts = prepare_synthetic(2, 0, sec)
    rec, timing = run_job("synthetic", parts, sec, method="strict_penalty", seed=0, setting=(150, 150))
    _assert_record_and_timing_apart(rec, timing)
    assert rec["backend"] == "exact" and rec["penalty"] == {"lambda": 1000.0} and "backend" in sec
    with pytest.raises(ConfigError, match="unknown fairness-layer experiment 'images'"):
        run_job("images", parts, sec, method="flayer", seed=0)
    with pytest.raises(ConfigError, match="unknown fairness-layer method 'lasso'"):
        run_job("synthetic", parts, sec, method="lasso", seed=0, setting=(150, 150))
    with pytest.raises(ConfigError, match="batch setting"):
        run_job("synthetic", parts, sec, method="flayer", seed=0)


def test_run_job_records_the_device_and_cpu_results_do_not_change():
    sec = {**_section(), "backend": "exact"}
    parts = prepare_synthetic(2, 0, sec)
    old, _ = run_job("synthetic", parts, sec, method="flayer", seed=0, setting=(150, 150))  # no device key
    rec, timing = run_job("synthetic", parts, {**sec, "device": "cpu"}, method="flayer", seed=0, setting=(150, 150))
    assert rec["device"] == {"device": "cpu", "device_setting": "cpu"} and timing["device"] == "cpu"
    assert json.dumps(old, sort_keys=True) == json.dumps(rec, sort_keys=True)


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="a GPU is present")
def test_run_job_cuda_without_a_gpu_names_the_key():
    sec = {**_section(), "backend": "exact", "device": "cuda"}
    parts = prepare_synthetic(2, 0, sec)
    with pytest.raises(ConfigError, match=r"config key layer\.device: 'cuda' asked for"):
        run_job("synthetic", parts, sec, method="flayer", seed=0, setting=(150, 150))


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a GPU")
def test_run_job_on_a_gpu_matches_the_cpu():
    sec = {**_section(), "backend": "exact"}
    parts = prepare_synthetic(2, 0, sec)
    cpu, _ = run_job("synthetic", parts, {**sec, "device": "cpu"}, method="flayer", seed=0, setting=(150, 150))
    gpu, timing = run_job("synthetic", parts, {**sec, "device": "cuda"}, method="flayer", seed=0, setting=(150, 150))
    assert gpu["device"]["device"] == "cuda" and timing["device"] == "cuda" and gpu["device"]["device_name"]
    assert gpu["test_mse"] == pytest.approx(cpu["test_mse"], rel=1e-3)  # float32 kernels differ by rounding
    assert gpu["guarantee"]["max_hard_batch_gap"] <= 0.05 + 1e-9


def _sba_frame(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({
        "Bank": rng.choice(["WELLS FARGO BANK", "BANK OF AMERICA", "CITI"], n), "BankState": rng.choice(["CA", "NY"], n),
        "NAICS": rng.choice([531210, 532111], n), "ApprovalFY": rng.choice([2001, 2003], n),
        "Term": rng.integers(12, 240, n), "NoEmp": rng.integers(1, 20, n), "NewExist": rng.choice([1.0, 2.0], n),
        "CreateJob": rng.integers(0, 3, n), "RetainedJob": rng.integers(0, 3, n), "FranchiseCode": rng.choice([0, 1], n),
        "UrbanRural": rng.choice([0, 1, 2], n), "RevLineCr": rng.choice(["Y", "N"], n), "LowDoc": rng.choice(["Y", "N"], n),
        "DisbursementGross": rng.uniform(1e3, 1e5, n), "MIS_Status": rng.choice(["P I F", "CHGOFF"], n),
        "GrAppv": rng.uniform(1e3, 1e5, n), "SBA_Appv": rng.uniform(1e3, 5e4, n), "RealEstate": rng.integers(0, 2, n),
        "Recession": rng.integers(0, 2, n), "Portion": rng.uniform(0.5, 0.9, n),
    })


def test_run_sba_and_run_employee_end_to_end(tmp_path):
    rng = np.random.default_rng(5)
    sba = tmp_path / "sba.csv"
    _sba_frame(120, rng).to_csv(sba, index=False)
    sec = _section(split=[70, 20, 30], eps=0.01, b_tau=1, model={"hidden": [2], "layer_norm": False, "activation": "relu"})
    rec, timing = run_sba(prepare_sba_split(sba, 0, sec), "projection", 0, sec, backend="exact")
    _assert_record_and_timing_apart(rec, timing)
    assert "setting" not in timing and rec["n_train"] == 70 and rec["n_test"] == 30
    assert set(rec["absent_group_batches"]) == {"training", "validation", "test"}
    assert 0.0 <= rec["test_auc"] <= 1.0 and 0.0 <= rec["raw_test_auc"] <= 1.0
    assert rec["test_gap"] <= 0.01 + 1e-9  # both attributes' mean-logit gaps after projection
    assert max(abs(v) for v in rec["test_attribute_gaps"].values()) <= 0.01 + 1e-9
    with pytest.raises(ConfigError, match=r"layer\.sba\.split"):
        prepare_sba_split(sba, 0, _section(split=[100, 20, 30], b_tau=1))
    n = 90
    emp = pd.DataFrame({
        "EmpNumber": [f"E{i}" for i in range(n)], "Age": rng.integers(20, 60, n),
        "Gender": rng.choice(["Male", "Female"], n), "EducationBackground": rng.choice(["Technical Degree", "Marketing"], n),
        "MaritalStatus": rng.choice(["Married", "Single"], n), "EmpDepartment": rng.choice(["Sales", "Finance"], n),
        "EmpJobRole": rng.choice(["Manager R&D", "Developer"], n), "BusinessTravelFrequency": "Travel_Rarely",
        "EmpHourlyRate": rng.integers(30, 100, n), "OverTime": rng.choice(["Yes", "No"], n),
        "Attrition": rng.choice(["Yes", "No"], n), "DistanceFromHome": rng.integers(1, 30, n),
    })
    path = tmp_path / "emp.csv"
    emp.to_csv(path, index=False)
    esec = _section(eps=1e-3, box=[0.0, 1.0], b_tau=1, violation_tol=1e-5, flag_percentile=90,
                    model={"hidden": [5], "layer_norm": True, "activation": "relu"})
    rec, timing = run_employee(prepare_employee_audit(path), "flayer", 0, esec, backend="exact")
    _assert_record_and_timing_apart(rec, timing)
    assert rec["deployed"]["n_constraints"] == 10 and rec["deployed"]["violated"] == 0
    assert rec["deployed"]["max_residual"] <= 1e-3 + 1e-9


# ------------------------------------------------------------------ evaluation metrics

def test_wage_audit_by_hand():
    y = np.array([0.2, 0.4, 0.6, 0.8, 1.0])
    pred = np.array([0.3, 0.4, 0.5, 0.8, 1.0])
    A = np.array([[1], [1], [0], [0], [0]])
    a = wage_audit(pred, y, A, ["x"], eps=0.01, tol=1e-5, flag_percentile=80)
    res = {(g["attribute"], g["side"]): g["residual"] for g in a["groups"]}
    assert res[("x", 1)] == pytest.approx(0.05) and res[("x", 0)] == pytest.approx(-0.1 / 3)
    assert a["violated"] == 2 and a["n_constraints"] == 2 and a["max_residual"] == pytest.approx(0.05)
    # residual pred - y = [0.1, 0, -0.1, 0, 0]: its 80th percentile (linear interpolation) is
    # 0.02, so only the first employee is flagged
    assert a["flag_rate"] == pytest.approx(0.2)
    assert a["flagging"][0]["rate_1"] == 0.5 and a["flagging"][0]["rate_0"] == 0.0
    assert a["flag_parity"] == 0.5
    assert a["mse"] == pytest.approx(0.004)
    with pytest.raises(DataError, match="names"):
        wage_audit(pred, y, A, ["x", "y"], eps=0.01, tol=0, flag_percentile=90)


# ------------------------------------------------------------------ aggregation

def _runs() -> pd.DataFrame:
    rows = []
    # two datasets x one setting x three methods; projection infeasible on d1 (gap 0.0515 > 0.051)
    spec = {("d0", "flayer"): (0.70, 0.050), ("d0", "projection"): (0.80, 0.049), ("d0", "penalty"): (0.60, 0.20),
            ("d1", "flayer"): (0.90, 0.050), ("d1", "projection"): (0.85, 0.0515), ("d1", "penalty"): (0.95, 0.01)}
    for (d, m), (mse, gap) in spec.items():
        rows.append({"setting": "b2-i2", "train_batch": 2, "inference_batch": 2, "dataset": d, "seed": 0,
                     "method": m, "eps": 0.05, "test_mse": mse, "test_gap": gap,
                     "max_hard_batch_gap": 0.05 if m == "flayer" else np.nan,
                     "pd_weighted_gap": np.nan, "pd_bound": np.nan, "epochs_run": 3})
    return pd.DataFrame(rows)


def test_absent_group_counts_reach_the_runs_and_summary_tables():
    def record(method, seed, absent):
        return {"setting": "b2-i2", "train_batch": 2, "inference_batch": 2, "dataset": "d0", "index": 0,
                "seed": seed, "method": method, "eps": 0.05, "test_mse": 0.5, "test_gap": 0.01, "raw_test_mse": 0.4,
                "raw_test_gap": 0.2, "guarantee": {}, "absent_group_batches": absent}
    recs = [record("flayer", 0, {"training": 6, "validation": 1, "test": 2}),
            record("flayer", 1, {"training": 0, "validation": 0, "test": 3})]
    runs = synthetic_runs(recs)
    assert list(runs["absent_test_batches"]) == [2, 3] and list(runs["absent_train_batches"]) == [6, 0]
    summary, _ = synthetic_tables(runs, slack=0.001, methods=["flayer"], settings=["b2-i2"])
    assert summary.loc[0, "absent_test_batches"] == 5 and summary.loc[0, "absent_train_batches"] == 6
    # a record without the count is not silently 0
    old = synthetic_runs([recs[0], {k: v for k, v in recs[1].items() if k != "absent_group_batches"}])
    summary, _ = synthetic_tables(old, slack=0.001, methods=["flayer"], settings=["b2-i2"])
    assert np.isnan(summary.loc[0, "absent_test_batches"])


def test_synthetic_tables_counts():
    summary, inst = synthetic_tables(_runs(), slack=0.001, methods=["flayer", "projection", "penalty"],
                                     settings=["b2-i2"])
    s = summary.set_index("method")
    assert s.loc["flayer", "mean_test_mse"] == pytest.approx(0.80)
    assert s.loc["penalty", "n_infeasible"] == 1 and s.loc["projection", "n_infeasible"] == 1
    assert s.loc["flayer", "n_infeasible"] == 0
    # d0: penalty infeasible -> best feasible flayer (0.70 < 0.80); d1: projection infeasible ->
    # flayer 0.90 vs penalty 0.95 -> flayer
    assert list(inst["best_feasible"]) == ["flayer", "flayer"]
    assert s.loc["flayer", "n_best_feasible"] == 2 and s["n_best_feasible"].sum() == 2
    with pytest.raises(DataError, match="lacks methods"):
        synthetic_tables(_runs().iloc[1:], slack=0.001, methods=["flayer", "projection", "penalty"],
                         settings=["b2-i2"])


def test_timing_tables_apart_from_the_result_tables():
    def timing(setting, seed, method, fit):
        return {"experiment": "synthetic", "dataset": "syn00", "method": method, "seed": seed, "setting": setting,
                "epochs_run": 4, "fit_seconds": fit, "seconds_per_epoch": fit / 4, "job_seconds": fit + 1.0,
                "wall_seconds": fit + 3.0, "cpu_seconds": fit + 2.0, "cores": 2, "stage": "job"}
    recs = [timing("b2-i2", 1, "flayer", 4.0), timing("b2-i2", 0, "flayer", 2.0), timing("b2-i2", 0, "penalty", 8.0),
            timing("b4-i2", 0, "flayer", 1.0)]
    runs = timing_runs(recs, "synthetic")
    assert list(runs.columns[:4]) == ["setting", "dataset", "seed", "method"]  # the runs table's keys and order
    assert list(zip(runs["setting"], runs["seed"], runs["method"])) == [("b2-i2", 0, "flayer"), ("b2-i2", 0, "penalty"),
                                                                         ("b2-i2", 1, "flayer"), ("b4-i2", 0, "flayer")]
    summary = synthetic_timing_summary(runs, methods=["flayer", "penalty"], settings=["b2-i2", "b4-i2"])
    by = summary.set_index(["setting", "method"])
    assert by.loc[("b2-i2", "flayer"), "mean_seconds_per_epoch"] == pytest.approx(0.75)  # (0.5 + 1.0) / 2
    assert by.loc[("b2-i2", "flayer"), "n_runs"] == 2 and by.loc[("b2-i2", "penalty"), "mean_cpu_seconds"] == 10.0
    assert ("b4-i2", "penalty") not in by.index
    assert set(summary["device"]) == {"not recorded"}  # timings written before jobs recorded their device
    recs[1]["device"] = "cuda"
    by = synthetic_timing_summary(timing_runs(recs, "synthetic"), methods=["flayer"], settings=["b2-i2"]).set_index(
        "method")
    assert by.loc["flayer", "device"] == "cuda+not recorded"
    with pytest.raises(DataError, match="expected 'sba' timing records"):
        timing_runs(recs, "sba")
    with pytest.raises(DataError, match=r"lacks \['seed'\]"):
        timing_runs([{k: v for k, v in recs[0].items() if k != "seed"}], "synthetic")
    with pytest.raises(DataError, match="no employee timing records"):
        timing_runs([], "employee")
    # the result tables carry no measured time
    result_summary, _ = synthetic_tables(_runs(), slack=0.001, methods=["flayer", "projection", "penalty"],
                                         settings=["b2-i2"])
    assert not [c for c in result_summary.columns if re.search(r"second|time", c)]
    rows = benchmark_rows(pd.DataFrame({"batch_size": [2000], "repeats": 3, "exact_ms": [2.0],
                                        "cvxpylayers_ms": [150.0], "cvxpylayers_build_ms": [300.0],
                                        "speedup": [75.0], "max_abs_diff_output": [1e-12],
                                        "max_abs_diff_grad": [1e-7], "solver": "SCS"}),
                          target_batch_size=2000, target_speedup=50, synthetic_timing=summary)
    epoch = {r.setting: r.value for r in rows if r.benchmark == "synthetic_training"}
    assert epoch == {"b2-i2, flayer": 0.75, "b2-i2, penalty": 2.0, "b4-i2, flayer": 0.25}


def test_sba_and_employee_tables():
    runs = pd.DataFrame({"method": ["projection"] * 3 + ["strict_penalty"] * 3, "seed": [0, 1, 2] * 2,
                         "eps": 0.01, "test_auc": [0.8, 0.9, 1.0, 0.5, 0.5, 0.6], "test_ap": 0.5,
                         "raw_test_auc": [0.9, 0.9, 0.9, 0.5, 0.5, 0.6], "raw_test_ap": 0.6,
                         "test_bce": 0.4, "test_gap": [0.01, 0.005, 0.02, 0, 0, 0]})
    t = sba_table(runs, slack=0.001, methods=["projection", "strict_penalty"]).set_index(["method", "stage"])
    assert t.loc[("projection", "deployed"), "auc_mean"] == pytest.approx(0.9)
    assert t.loc[("projection", "deployed"), "auc_sd"] == pytest.approx(0.1)
    assert t.loc[("projection", "raw"), "auc_mean"] == pytest.approx(0.9)
    assert t.loc[("projection", "deployed"), "n_infeasible"] == 1
    assert t.loc[("strict_penalty", "deployed"), "n_collapsed"] == 2

    def audit(viol, mse):
        return {"mse": mse, "violated": viol, "n_constraints": 2, "max_residual": 0.1 * viol, "flag_rate": 0.1,
                "flag_parity": 0.2, "groups": [{"attribute": "a", "side": s, "n": 5, "residual": 0.0,
                                                "violated": False} for s in (1, 0)],
                "flagging": [{"attribute": "a", "rate_0": 0.1, "rate_1": 0.3, "gap": 0.2}]}
    recs = [{"method": "projection", "seed": 0, "deployed": audit(0, 0.2), "raw": audit(2, 0.1),
             "absent_group_batches": {"training": 0, "validation": 0, "test": 1}},
            {"method": "flayer", "seed": 0, "deployed": audit(0, 0.15), "raw": audit(1, 0.1),
             "absent_group_batches": {"training": 0, "validation": 0, "test": 0}}]
    summary, groups = employee_tables(recs, ["flayer", "projection"])
    assert list(summary["method"]) == ["flayer", "unconstrained", "projection"]
    assert list(summary["absent_test_batches"]) == [0, 1, 1]
    assert summary.set_index("method").loc["unconstrained", "violated"] == 2
    assert len(groups) == 6 and set(groups["flag_rate"]) == {0.1, 0.3}


# ------------------------------------------------------------------ scorecard and benchmark rows

def _paper_numbers() -> dict:
    with open(REPO / "workflow" / "paper" / "layer.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_scorecard_comparability_and_verdicts(paper):
    numbers = _paper_numbers()
    summary = pd.DataFrame([{"setting": s, "method": m, "mean_test_mse": numbers["synthetic"]["settings"][s]["mean_test_mse"][m],
                             "n_instances": 32, "n_runs": 32, "n_infeasible": 11 if m == "penalty" else 0,
                             "n_best_feasible": numbers["synthetic"]["settings"][s]["flayer_best_feasible"] if m == "flayer" else 0,
                             "max_hard_batch_gap": 0.05 if m == "flayer" and s == "b2000-i2000" else np.nan,
                             "pd_runs": 32 if m == "flayer" and s != "b2000-i2000" else 0,
                             "pd_bound_violations": 0, "pd_max_weighted_gap": 0.05}
                            for s in numbers["synthetic"]["settings"] for m in ("flayer", "projection", "penalty", "strict_penalty")])
    sba_tab = pd.DataFrame([
        {"method": "flayer", "stage": "deployed", "n_seeds": 25, "auc_mean": 0.885, "auc_sd": 0.03, "ap_mean": 0.70},
        {"method": "projection", "stage": "deployed", "n_seeds": 25, "auc_mean": 0.878, "auc_sd": 0.0, "ap_mean": 0.7},
        {"method": "projection", "stage": "raw", "n_seeds": 25, "auc_mean": 0.894, "auc_sd": 0.0, "ap_mean": 0.7},
        {"method": "strict_penalty", "stage": "deployed", "n_seeds": 25, "auc_mean": 0.5, "auc_sd": 0.0, "ap_mean": 0.3}])
    sba_r = pd.DataFrame({"method": ["flayer"] * 2, "epochs_run": [400, 500], "test_gap": [0.01, 0.009]})
    emp = pd.DataFrame([{"method": "flayer", "label": "F-Layer", "violated": 0.0, "n_constraints": 10,
                         "max_residual": 1e-4, "mse": 0.08, "flag_parity": 0.05}])
    rows = layer_scorecard(paper=numbers, settings=paper, paper_settings=paper,
                           synthetic_summary=summary, sba_table=sba_tab, sba_runs=sba_r, employee_summary=emp)
    v = {r.item: r.verdict for r in rows}
    assert v["synthetic b2000-i2000: mean test MSE, flayer"] == "reproduced"
    assert v["synthetic b256-i16: penalty infeasible (of 32)"] == "reproduced"
    assert v["sba: F-Layer test AP (mean over seeds)"] == "not reproduced"   # 0.70 vs 0.772 (tol 0.03)
    assert v["sba: F-Layer test AUC (mean over seeds)"] == "reproduced"      # 0.885 vs 0.890 (tol 0.02)
    assert v["employee: F-Layer mean-residual constraints"] == "reproduced"
    assert v["synthetic: primal-dual aggregate guarantee"] == "reproduced"
    # the image experiments and the authors' package (no constraint check given)
    assert sum(r.verdict == "not run" for r in rows) == 3
    authors = next(r for r in rows if r.item.startswith("authors' package"))
    assert authors.verdict == "not run" and "not installed" in authors.note
    # guarantee rows hold by construction of the layer: internal checks, not paper claims
    kinds = {r.item: r.kind for r in rows}
    for item in ("synthetic: F-Layer per-batch parity (hard layer)", "synthetic: primal-dual aggregate guarantee",
                 "sba: F-Layer mean-logit parity on the test batch", "employee: F-Layer mean-residual constraints"):
        assert kinds[item] == "check", item
    assert kinds["synthetic b2000-i2000: mean test MSE, flayer"] == "paper"
    # fewer split seeds / datasets than the paper's, on the paper's settings: inconclusive, with the reason
    few = sba_tab.assign(n_seeds=2)
    few_seeds = copy.deepcopy(paper)
    few_seeds["sba"]["split_seeds"] = 2
    rows = layer_scorecard(paper=numbers, settings=few_seeds, paper_settings=paper, synthetic_summary=summary.assign(
        n_instances=8), sba_table=few, sba_runs=sba_r, employee_summary=emp)
    row = next(r for r in rows if r.item == "sba: F-Layer test AUC (mean over seeds)")
    assert row.verdict == "inconclusive" and "2 split seeds, the paper's 25" in row.note
    row = next(r for r in rows if r.item == "synthetic b2000-i2000: flayer best feasible (of 32)")
    assert row.verdict == "inconclusive" and "over 8 dataset-seed runs" in row.note
    # a reduced run: synthetic rows become "not comparable" and say why
    reduced = copy.deepcopy(paper)
    reduced["synthetic"]["n_rows"] = 10000
    rows = layer_scorecard(paper=numbers, settings=reduced, paper_settings=paper, synthetic_summary=summary,
                           sba_table=sba_tab, sba_runs=sba_r, employee_summary=emp)
    row = next(r for r in rows if r.item == "synthetic b2000-i2000: mean test MSE, flayer")
    assert row.verdict == "not comparable" and "n_rows: 10000 (paper: 40000)" in row.note
    # an SBA epoch cap that no run reached does not make the SBA rows incomparable
    capped = copy.deepcopy(paper)
    capped["sba"]["training"]["epochs"] = 3000
    rows = layer_scorecard(paper=numbers, settings=capped, paper_settings=paper, synthetic_summary=None,
                           sba_table=sba_tab, sba_runs=sba_r, employee_summary=None)
    assert next(r for r in rows if r.item == "sba: Strict Penalty test AUC").verdict == "reproduced"
    # ... but a method whose run reached the cap is not comparable
    rows = layer_scorecard(paper=numbers, settings=capped, paper_settings=paper, synthetic_summary=None,
                           sba_table=sba_tab, sba_runs=pd.DataFrame({"method": ["flayer", "projection"],
                                                                     "epochs_run": [3000, 10], "test_gap": 0.01}),
                           employee_summary=None)
    v = {r.item: r.verdict for r in rows}
    assert v["sba: F-Layer test AUC (mean over seeds)"] == "not comparable"
    assert v["sba: Projection test AUC after projection"] == "reproduced"
    assert setting_differences(capped["sba"], paper["sba"], ["training"]) == [
        "training.epochs: 3000 (paper: 15000)"]


def test_scorecard_judges_the_authors_package_on_the_measured_violation(paper):
    numbers = _paper_numbers()

    def check(rel):
        return pd.DataFrame([
            {"eps": 1e-4, "implementation": impl, "status": "measured", "batch_size": 2000, "n_batches": 10,
             "max_violation": v * 1e-4, "max_violation_rel": v, "n_violating": 7 if v > 1e-3 else 0,
             "setting": "batch 2000, 2 binary attributes"}
            for impl, v in (("fairness_training", rel), ("fairopt_exact", 1e-11))])
    rows = layer_scorecard(paper=numbers, settings=paper, paper_settings=paper, synthetic_summary=None,
                           sba_table=None, sba_runs=None, employee_summary=None, authors_check=check(0.86))
    row = next(r for r in rows if r.item.startswith("authors' package"))
    assert row.verdict == "not reproduced" and "86% of eps" in row.reproduced and "7 batches above" in row.reproduced
    assert "SCS's default" in row.note and row.kind == "paper"
    rows = layer_scorecard(paper=numbers, settings=paper, paper_settings=paper, synthetic_summary=None,
                           sba_table=None, sba_runs=None, employee_summary=None, authors_check=check(1e-6))
    assert next(r for r in rows if r.item.startswith("authors' package")).verdict == "reproduced"
    missing = check(0.5).assign(status="not measured: fairness-training not installed")
    rows = layer_scorecard(paper=numbers, settings=paper, paper_settings=paper, synthetic_summary=None,
                           sba_table=None, sba_runs=None, employee_summary=None, authors_check=missing)
    row = next(r for r in rows if r.item.startswith("authors' package"))
    assert row.verdict == "not run" and row.note == "not measured: fairness-training not installed"
    # what the benchmark job writes without the package: fairopt's rows measured, the authors' not
    partial = check(0.5)
    partial.loc[partial["implementation"] == "fairness_training", "status"] = "not measured: fairness-training not installed"
    rows = layer_scorecard(paper=numbers, settings=paper, paper_settings=paper, synthetic_summary=None,
                           sba_table=None, sba_runs=None, employee_summary=None, authors_check=partial)
    row = next(r for r in rows if r.item.startswith("authors' package"))
    assert row.verdict == "not run" and row.note.startswith("not measured: fairness-training not installed")


def test_benchmark_rows_target():
    timing = pd.DataFrame({"batch_size": [16, 2000], "repeats": 3, "exact_ms": [1.0, 2.0],
                           "cvxpylayers_ms": [5.0, 150.0], "cvxpylayers_build_ms": [20.0, 300.0],
                           "speedup": [5.0, 75.0], "max_abs_diff_output": [1e-12, 1e-10],
                           "max_abs_diff_grad": [1e-7, 1e-5], "solver": "SCS"})
    rows = benchmark_rows(timing, target_batch_size=2000, target_speedup=50)
    target = [r for r in rows if r.comparison == ">="]
    assert len(target) == 1 and target[0].setting.startswith("batch 2000") and target[0].target_met is True
    assert "not the authors' package" in next(r for r in rows if r.metric == "cvxpylayers_ms").note
    assert all(r.target_met for r in rows if r.comparison == "<=")
    # an old timing table without the authors' columns: the comparison says it was not measured
    vs = [r for r in rows if r.benchmark == "forward_backward_vs_authors"]
    assert vs and all(np.isnan(r.value) and r.note.startswith("not measured") for r in vs)
    with pytest.raises(ValueError, match="not timed"):
        benchmark_rows(timing, target_batch_size=256, target_speedup=50)


def test_benchmark_rows_caps_epoch_target_and_gpu_row():
    from fairopt.methods.flayer.benchmark import CPU_ONLY
    from fairopt.studies.layer.benchmarks import GPU_JOB, NO_GPU

    cap = "not measured: batch 10000 above the cap layer.benchmark.cvxpylayers_max_batch = 2000"
    timing = pd.DataFrame({"batch_size": [2000, 10000], "repeats": 20, "exact_ms": [1.4, 3.5],
                           "exact_cpu_ms": [1.4, 3.5], "cvxpylayers_status": ["measured", cap],
                           "cvxpylayers_ms": [150.0, np.nan], "cvxpylayers_cpu_ms": [140.0, np.nan],
                           "cvxpylayers_build_ms": [900.0, np.nan], "speedup": [107.0, np.nan],
                           "speedup_cpu": [100.0, np.nan], "max_abs_diff_output": [1e-11, np.nan],
                           "max_abs_diff_grad": [1e-5, np.nan], "solver": "SCS",
                           "authors_status": "measured", "authors_repeats": [20, 5], "authors_ms": [300.0, 4000.0],
                           "authors_cpu_ms": [120.0, 3500.0], "authors_speedup": [214.0, 1143.0],
                           "authors_speedup_cpu": [86.0, 1000.0], "authors_max_violation": 0.0,
                           "authors_max_abs_diff_output": 1e-5, "device": "cpu", "cores": 2, "loadavg_start": 0.5,
                           "loadavg_end": 0.7})
    epochs = pd.DataFrame({"variant": ["unconstrained", "fairopt_exact", "fairness_training"],
                           "status": ["measured", "measured", CPU_ONLY.format(device="cuda")],
                           "epoch_s": [5.0, 5.1, np.nan], "epoch_cpu_s": [9.0, 9.6, np.nan],
                           "ratio": [1.0, 1.02, np.nan], "ratio_cpu": [1.0, 1.0667, np.nan], "n_rows": 24000,
                           "n_features": 150, "batch_size": 2000, "n_batches": 12, "hidden": "800x600", "network": "paper",
                           "repeats": 3, "device": "cuda", "cores": 2, "loadavg_start": 0.5, "loadavg_end": 0.6})
    rows = benchmark_rows(timing, target_batch_size=2000, target_speedup=50, epochs=epochs, epoch_target_ratio=1.05)
    by = {(r.benchmark, r.setting.split(";")[0].split(",")[0], r.metric): r for r in rows}
    capped = by[("forward_backward", "batch 10000", "cvxpylayers_ms")]
    assert np.isnan(capped.value) and capped.note == cap
    assert by[("forward_backward", "batch 10000", "exact_ms")].value == 3.5
    a10k = by[("forward_backward_vs_authors", "batch 10000", "authors_cpu_ms")]
    assert a10k.value == 3500.0 and a10k.loadavg == 0.7 and a10k.under_load is False  # the measurement's own load
    assert "median of 5 of the 20 batches" in by[("forward_backward_vs_authors", "batch 10000", "authors_ms")].note
    assert "median of" not in by[("forward_backward_vs_authors", "batch 2000", "authors_ms")].note
    assert by[("forward_backward_vs_authors", "batch 2000", "authors_speedup")].value == 214.0
    wall = by[("training_epoch", "fairopt exact layer", "ratio")]
    cpu = by[("training_epoch", "fairopt exact layer", "ratio_cpu")]
    assert (wall.reference, wall.comparison, wall.target_met) == (1.05, "<=", True)
    assert cpu.target_met is False and "the paper's synthetic network" in cpu.setting and "on cuda" in cpu.note
    assert by[("training_epoch", "unconstrained network", "epoch_s")].cpu_seconds == 9.0
    small = benchmark_rows(timing, target_batch_size=2000, target_speedup=50, epochs=epochs.assign(network="experiment"),
                           epoch_target_ratio=1.05)
    small = [r for r in small if r.benchmark == "training_epoch" and r.metric == "ratio" and "fairopt" in r.setting]
    assert small[0].comparison == "none" and "no target" in small[0].note  # smoke's tiny network: no target
    authors = by[("training_epoch", "authors' package fairness-training 0.1.0", "ratio")]
    assert np.isnan(authors.value) and authors.note.startswith("not measured: the authors' package is timed on the CPU")
    # the GPU job row: never an estimate
    gpu = [r for r in rows if r.benchmark == "gpu_job"]
    assert len(gpu) == 1 and gpu[0].setting == GPU_JOB and np.isnan(gpu[0].value) and gpu[0].note == NO_GPU
    syn = pd.DataFrame({"setting": ["b2000-i2000"] * 2, "method": ["flayer", "projection"], "label": "x",
                        "n_runs": 1, "mean_seconds_per_epoch": [2.0, 1.9], "mean_fit_seconds": 20.0,
                        "mean_job_seconds": [25.0, 24.0], "device": ["cuda", "cpu"]})
    gpu = [r for r in benchmark_rows(timing, target_batch_size=2000, target_speedup=50, synthetic_timing=syn,
                                     scale="paper") if r.benchmark == "gpu_job"]
    assert [(r.metric, r.value) for r in gpu] == [("seconds_per_epoch", 2.0), ("job_seconds", 25.0)]
    assert "flayer" in gpu[0].setting and "on cuda" in gpu[0].setting
    gpu = [r for r in benchmark_rows(timing, target_batch_size=2000, target_speedup=50, synthetic_timing=syn,
                                     scale="smoke") if r.benchmark == "gpu_job"]
    assert np.isnan(gpu[0].value) and "scale smoke, not paper" in gpu[0].note and gpu[1].value == 2.0


def test_benchmark_rows_cpu_time_authors_epochs_and_load():
    from fairopt.methods.flayer.benchmark import NOT_INSTALLED

    timing = pd.DataFrame({"batch_size": [2000, 16], "repeats": 3, "exact_ms": [2.0, 1.0], "exact_cpu_ms": [2.1, 1.0],
                           "cvxpylayers_ms": [150.0, 5.0], "cvxpylayers_cpu_ms": [151.0, 5.0],
                           "cvxpylayers_build_ms": [300.0, 20.0], "speedup": [75.0, 5.0], "speedup_cpu": [71.9, 5.0],
                           "max_abs_diff_output": 1e-12, "max_abs_diff_grad": 1e-6, "solver": "SCS",
                           "authors_status": ["measured", NOT_INSTALLED], "authors_ms": [230.0, np.nan],
                           "authors_cpu_ms": [235.2, np.nan], "authors_speedup_cpu": [112.0, np.nan],
                           "authors_max_violation": [0.0, np.nan], "authors_max_abs_diff_output": [1e-5, np.nan],
                           "cores": 2, "loadavg_start": [1.0, 3.0], "loadavg_end": [1.2, 3.5]})
    epochs = pd.DataFrame({"variant": ["unconstrained", "fairopt_exact", "fairness_training"],
                           "status": ["measured", "measured", NOT_INSTALLED], "epoch_s": [1.0, 1.26, np.nan],
                           "epoch_cpu_s": [1.0, 1.26, np.nan], "ratio": [1.0, 1.26, np.nan],
                           "ratio_cpu": [1.0, 1.26, np.nan], "n_rows": 24000, "n_features": 150, "batch_size": 2000,
                           "n_batches": 12, "hidden": "64x64", "repeats": 2, "cores": 2, "loadavg_start": 1.0,
                           "loadavg_end": 1.0})
    check = pd.DataFrame({"eps": [1e-4, 1e-4], "implementation": ["fairness_training", "fairopt_exact"],
                          "status": "measured", "batch_size": 2000, "n_batches": 10, "max_violation": [8.6e-5, 0.0],
                          "max_violation_rel": [0.86, 0.0], "n_violating": [6, 0], "setting": "batch 2000"})
    rows = benchmark_rows(timing, target_batch_size=2000, target_speedup=50, epochs=epochs, authors_check=check)
    by = {(r.benchmark, r.setting.split(";")[0].split(",")[0], r.metric): r for r in rows}
    assert by[("forward_backward", "batch 2000", "exact_cpu_ms")].value == 2.1  # CPU time beside wall time
    assert by[("forward_backward_vs_authors", "batch 2000", "authors_speedup_cpu")].value == 112.0
    missing = by[("forward_backward_vs_authors", "batch 16", "authors_cpu_ms")]
    assert np.isnan(missing.value) and missing.note == NOT_INSTALLED
    assert "MEASURED UNDER LOAD" in by[("forward_backward", "batch 16", "exact_ms")].note
    assert "MEASURED UNDER LOAD" not in by[("forward_backward", "batch 2000", "exact_ms")].note
    assert by[("training_epoch", "fairopt exact layer", "ratio_cpu")].value == 1.26
    assert np.isnan(by[("training_epoch", "authors' package fairness-training 0.1.0", "ratio_cpu")].value)
    viol = by[("hard_constraint_violation", "authors' package fairness-training 0.1.0", "max_violation_rel")]
    assert viol.value == 0.86 and viol.target_met is False
    assert by[("hard_constraint_violation", "fairopt exact layer", "max_violation_rel")].target_met is True


