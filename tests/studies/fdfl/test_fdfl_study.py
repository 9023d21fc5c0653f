"""FDFL study: methods as config, trials, the fairness-layer variants, aggregation, scorecard,
benchmark rows and the section 3.3 example (small fixtures made here)."""
from __future__ import annotations

import math
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from fairopt.methods.alpha_fair.allocation import closed_form
from fairopt.core.errors import ConfigError, DataError
from fairopt.studies.fdfl.tables import (group_errors, history_frame, history_timing_frame, load_trials,
                                         results_frame, table2, table2_markdown, table2_timing, timing_frame)
from fairopt.studies.fdfl.benchmarks import NO_GPU, NOT_MEASURED, benchmark_rows, job_seconds
from fairopt.studies.fdfl.data import load_trial
from fairopt.studies.fdfl.evaluate import evaluate_split
from fairopt.studies.fdfl.illustrative import IllustrativeConfig, fit_models, generate, run_example
from fairopt.studies.fdfl.methods import method_record, parse_methods, resolve_tables, shared_trainings, training_key
from fairopt.studies.fdfl.predict import RiskPredictor, build_model, parity_layer
from fairopt.studies.fdfl.scorecard import ScorecardInputs, build_scorecard
from fairopt.studies.fdfl.settings import TrialSettings, load_settings
from fairopt.studies.common import deep_merge
from fairopt.studies.fdfl.job import TIMING_FIELDS, run_trial, trial_loss
from fairopt.core.io import write_json
from fairopt.data.provenance import Provenance
from fairopt.core.splits import trial_splits_table

from tests.conftest import REPO
PAPER = yaml.safe_load((REPO / "workflow" / "paper" / "fdfl.yaml").read_text())
SETTINGS = load_settings()
CONFIG = SETTINGS.section
STANDIN = Provenance("standin", "ab" * 32, seed=0, origin="test")
REAL = Provenance("real", "cd" * 32, git_blob_sha1="ef" * 20, origin="test")


# ----------------------------------------------------------------------------- fixtures
def make_sample(n: int = 160, seed: int = 0) -> pd.DataFrame:
    """A tiny experiment sample: 149 feature columns (Obermeyer's rule), race, risk, gain."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 149))
    race = (rng.random(n) < 0.3).astype(int)
    risk = np.exp(0.4 * x[:, 0] + 0.3 * x[:, 1] + 0.4 * race + 0.3 * rng.normal(size=n)) * 3.0
    risk[0] = 0.0                                         # exercises the risk floor
    frame = pd.DataFrame(x, columns=[f"f{i}_tests_tm1" for i in range(149)])
    frame.insert(0, "race", race)
    frame["risk_score_t"] = risk
    frame["g"] = np.maximum(0.1, rng.gamma(0.8, 50.0, n))
    frame.index = pd.Index(np.arange(1000, 1000 + n), name="row_id")
    return frame


def small_settings(**kw) -> TrialSettings:
    cfg = {"model": {"hidden": [8], "dropout": 0.1, "init_seed": 0},
           "training": {"epochs": 6, "risk_floor": 0.001, "seed": 0}, "decision": {"Q": 100, "alpha": 2, "cost": 1},
           "eval_alphas": [2, 0.5, "inf"]}
    return TrialSettings.from_config(load_settings(deep_merge(cfg, kw)).section)


def illustrative(**kw) -> IllustrativeConfig:
    """The schema's example settings with ``kw`` replaced."""
    return IllustrativeConfig.from_config({**CONFIG["illustrative"], **kw})


@pytest.fixture(scope="module")
def trial_data():
    sample = make_sample()
    splits = trial_splits_table(sample.index, range(2), 0.5)
    return sample, splits


def methods(**extra):
    spec = {"two_stage": {"framework": "two_stage", "label": "2S", "paper_row": "two_stage"},
            "two_stage_fair": {"framework": "two_stage", "prediction_fairness": "mean_gap", "lambda": 1,
                               "paper_row": "two_stage_fair"},
            "dfl": {"framework": "dfl", "paper_row": "dfl"},
            "dfl_fair": {"framework": "dfl", "prediction_fairness": "mean_gap", "lambda": 1, "paper_row": "dfl_fair"},
            "dfl_fair_analytic": {"framework": "dfl", "prediction_fairness": "mean_gap", "lambda": 1,
                                  "gradient": "analytic"},
            "dfl_dbb": {"framework": "dfl", "gradient": "dbb", "dbb_lambda": 1.0, "paper_row": "dfl_dbb"},
            "dfl_fd": {"framework": "dfl", "gradient": "finite_difference", "fd_step": 1e-4, "paper_row": "dfl_fd"},
            "dfl_mse_gap": {"framework": "dfl", "prediction_fairness": "mse_gap", "lambda": 1},
            "dfl_layer": {"framework": "dfl", "prediction_fairness": "layer", "layer_eps": 0.05},
            "two_stage_layer": {"framework": "two_stage", "prediction_fairness": "layer", "layer_eps": 0.0},
            **extra}
    return spec, parse_methods(spec, 2)


def keys_anywhere(obj) -> set[str]:
    """Every dict key of a nested record."""
    if isinstance(obj, dict):
        return set(obj) | set().union(*(keys_anywhere(v) for v in obj.values()))
    if isinstance(obj, list):
        return set().union(*(keys_anywhere(v) for v in obj))
    return set()


def record(*args, **kw):
    """The record of :func:`run_trial` (its timing dropped)."""
    return run_trial(*args, **kw)[0]


# ----------------------------------------------------------------------------- methods and settings
def test_default_config_parses_and_table2_is_the_paper_rows():
    spec, parsed = CONFIG["methods"], SETTINGS.methods
    tables = {t: SETTINGS.tables[t] for t in SETTINGS.run_tables}
    assert list(tables) == CONFIG["run_tables"] == ["table2", "gradients", "grid", "layer"]
    assert [parsed[m].paper_row for m in tables["table2"]] == list(PAPER["table2"])
    assert {parsed[m].framework for m in tables["grid"]} == {"two_stage", "dfl"}
    assert parsed["dfl_layer"].prediction_fairness == "layer" and parsed["dfl_layer"].layer_eps > 0
    assert all(spec[m].get("lambda", 0) == 0 for m in ("dfl_dbb", "dfl_fd"))   # as the authors ran them
    settings = TrialSettings.from_config(CONFIG)
    assert settings.hidden == (64,) and settings.epochs == 40 and settings.batch_size is None
    assert settings.optimizer.name == "adam" and settings.scheduler.name == "plateau"


@pytest.mark.parametrize("spec,match", [
    ({"m": {"framework": "dfl", "gradiant": "dbb"}}, r"fdfl\.methods\.m: unknown field\(s\) \['gradiant'\]"),
    ({"m": {"framework": "three_stage"}}, r"fdfl\.methods\.m\.framework: unknown FDFL framework 'three_stage'"),
    ({"m": {"prediction_fairness": "none"}}, r"fdfl\.methods\.m\.framework is required"),
    ({"m": {"framework": "dfl", "gradient": "spo"}}, r"fdfl\.methods\.m\.gradient: 'spo'"),
    ({"m": {"framework": "dfl", "prediction_fairness": "mean_gap"}}, r"needs lambda > 0"),
    ({"m": {"framework": "dfl", "lambda": 1}}, r"fdfl\.methods\.m\.lambda: 1.0 has no effect"),
    ({"m": {"framework": "dfl", "alpha": 1}}, r"fdfl\.methods\.m\.alpha: with alpha = 1"),
    ({"m": {"framework": "dfl", "alpha": 0}}, r"fdfl\.methods\.m\.gradient: with alpha = 0"),
    ({"m": {"framework": "dfl", "alpha": "huge"}}, r"fdfl\.methods\.m\.alpha: alpha 'huge'"),
    ({"m": "dfl"}, r"fdfl\.methods\.m: expected a mapping"),
])
def test_bad_method_fields_are_named(spec, match):
    with pytest.raises(ConfigError, match=match):
        parse_methods(spec, 2)


def test_bad_tables_are_named():
    _, parsed = methods()
    with pytest.raises(ConfigError, match=r"fdfl\.tables\.t2: unknown method\(s\) \['dfll'\]"):
        resolve_tables({"t2": ["dfl", "dfll"]}, parsed)
    with pytest.raises(ConfigError, match=r"fdfl\.tables\.t2: method listed twice"):
        resolve_tables({"t2": ["dfl", "dfl"]}, parsed)
    with pytest.raises(ConfigError, match=r"fdfl\.run_tables: unknown table\(s\) \['t3'\]"):
        resolve_tables({"t2": ["dfl"]}, parsed, ["t2", "t3"])
    assert resolve_tables({"t2": ["dfl"], "t1": ["two_stage"]}, parsed, ["t1"]) == {"t1": ["two_stage"]}


def test_bad_settings_are_named():
    with pytest.raises(ConfigError, match=r"fdfl\.training: unknown key\(s\) 'epoch' \(did you mean epochs"):
        load_settings({"training": {"epoch": 3}})
    with pytest.raises(ConfigError, match=r"fdfl\.decision\.alpha"):
        load_settings({"decision": {"alpha": -1}})
    with pytest.raises(ConfigError, match=r"fdfl\.layer\.upper"):
        load_settings({"layer": {"upper": 0.0001}})
    with pytest.raises(ConfigError, match=r"fdfl\.illustrative: unknown field\(s\) \['lambda'\]"):
        IllustrativeConfig.from_config({**CONFIG["illustrative"], "lambda": 1})
    with pytest.raises(ConfigError, match=r"config key fdfl: missing 'model'"):
        TrialSettings.from_config({"training": {}})


def test_presets_and_explicit_keys():
    smoke = load_settings({"scale": "smoke"})
    assert smoke.section["trials"] == 2 and smoke.run_tables == ["table2", "layer"]
    assert smoke.section["sample"] == {"n": 1000, "random_state": 1}   # the preset merges into the defaults
    mine = load_settings({"scale": "smoke", "trials": 3})
    assert mine.trials == [0, 1, 2] and mine.section["sample"]["n"] == 1000
    assert load_settings({}, default_scale="reduced").section == {**CONFIG, "scale": "reduced"}
    added = load_settings({"methods": {"dfl_small": {"framework": "dfl", "fd_step": 1e-5}}})
    assert set(added.methods) == set(SETTINGS.methods) | {"dfl_small"}
    assert added.methods["dfl_small"].dbb_lambda == 1.0 and added.methods["dfl_small"].fd_step == 1e-5


def test_workflow_rejects_an_unknown_method_in_a_table_before_any_job(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("fdfl:\n  tables:\n    table2: [two_stage, dfl_typo]\n")
    out = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--configfile", str(bad)],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "config key fdfl.tables.table2: unknown method(s) ['dfl_typo']" in out.stdout + out.stderr


# ----------------------------------------------------------------------------- evaluation
def test_evaluate_split_against_direct_formulas():
    rng = np.random.default_rng(3)
    r = rng.uniform(0.5, 5, 40)
    r_hat = r * rng.lognormal(0, 0.3, 40)
    g = rng.uniform(0.5, 2, 40)
    race = np.r_[np.zeros(30, int), np.ones(10, int)]
    out = evaluate_split(r, r_hat, g, race, Q=20.0, cost=1.0, alpha=2.0, eval_alphas=[2.0, 0.5, math.inf])
    d_star, d_hat = closed_form(r, g, 1.0, 20.0, 2.0), closed_form(r_hat, g, 1.0, 20.0, 2.0)
    w = lambda d: -np.sum(1.0 / (r * g * d))  # noqa: E731 - W_2 at the true r
    assert out["regret"] == pytest.approx((w(d_star) - w(d_hat)) / abs(w(d_star)), rel=1e-12)
    assert out["regret_alpha_2"] == out["regret"] and out["regret_alpha_inf"] >= 0 and out["regret_alpha_0.5"] >= 0
    assert out["mse"] == pytest.approx(np.mean((r - r_hat) ** 2))
    assert out["mean_gap"] == pytest.approx(abs(r_hat[:30].mean() - r_hat[30:].mean()))
    shares = out["groups"]
    assert shares["white"]["share_pred"] + shares["black"]["share_pred"] == pytest.approx(1.0)
    assert shares["white"]["share_opt"] == pytest.approx(d_star[:30].sum() / 20.0)
    assert shares["black"]["mean_abs_error"] == pytest.approx(np.mean(np.abs(d_hat - d_star)[30:]))


# ----------------------------------------------------------------------------- trials
def test_trial_json_content(trial_data, tmp_path):
    sample, splits = trial_data
    settings = small_settings()
    data = load_trial(sample, splits, 1, risk_floor=settings.risk_floor)
    _, parsed = methods()
    res, timing = run_trial(parsed["dfl_fair"], settings, data, provenance=STANDIN.to_dict())
    write_json(tmp_path / "t.json", res)                            # JSON-able, no NaN
    write_json(tmp_path / "timing.json", timing)
    assert res["trial"] == 1 and res["method"]["name"] == "dfl_fair" and res["provenance"]["label"] == "standin(seed=0)"
    assert res["data"] == {"n_train": 80, "n_test": 80, "n_features": 149, "black_train": int(data.train.race.sum()),
                           "black_test": int(data.test.race.sum())}
    for split in ("train", "test"):
        m = res["metrics"][split]
        assert m["regret"] >= -1e-12 and m["mse"] > 0 and m["mean_gap"] >= 0
        assert set(m["groups"]) == {"white", "black"}
        assert sum(g["share_pred"] for g in m["groups"].values()) == pytest.approx(1.0)
        assert sum(g["share_opt"] for g in m["groups"].values()) == pytest.approx(1.0)
        assert {"regret_alpha_2", "regret_alpha_0.5", "regret_alpha_inf"} <= set(m)
    assert len(res["history"]) == 6 and res["epochs_run"] == 6
    assert {"epoch", "loss", "mse", "regret", "fairness", "lr", "test_regret", "test_mse", "test_fairness"} <= set(
        res["history"][0])
    # no measured time in the record: every one is in the timing
    assert not keys_anywhere(res) & {"seconds", "seconds_per_epoch", "seconds_total", "job"}
    assert timing["method"] == "dfl_fair" and timing["trial"] == 1
    assert timing["seconds"] > 0 and timing["seconds_per_epoch"] == pytest.approx(timing["seconds"] / 6)
    assert timing["seconds_total"] >= timing["seconds"]
    assert [e["epoch"] for e in timing["per_epoch"]] == [h["epoch"] for h in res["history"]] == list(range(6))
    assert sum(e["seconds"] for e in timing["per_epoch"]) <= timing["seconds"]
    # the final test regret equals the evaluation of the saved predictions' allocation
    assert res["history"][-1]["test_regret"] == pytest.approx(res["metrics"]["test"]["regret"], rel=1e-9)
    # the device the training ran on (fdfl.device, default cpu) is recorded, not part of the settings
    assert res["device"] == {"device": "cpu", "device_setting": "cpu"} and "device" not in res["settings"]


def test_device_setting_is_checked_and_cuda_without_a_gpu_fails_naming_the_key(trial_data):
    sample, splits = trial_data
    data = load_trial(sample, splits, 0, risk_floor=0.001)
    _, parsed = methods()
    with pytest.raises(ConfigError, match="fdfl.device"):
        small_settings(device="tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="config key fdfl.device: 'cuda' asked for"):
            run_trial(parsed["dfl"], small_settings(device="cuda"), data)
    # auto without a GPU is the CPU: the same record as cpu but for the setting
    auto, _ = run_trial(parsed["dfl"], small_settings(device="auto"), data)
    cpu, _ = run_trial(parsed["dfl"], small_settings(), data)
    assert auto.pop("device")["device_setting"] == "auto" and cpu.pop("device")["device_setting"] == "cpu"
    if not torch.cuda.is_available():
        assert auto == cpu


def test_trial_blocks_group_consecutive_trials_into_jobs():
    assert load_settings({"trials": 5, "trial_block": 2}).trial_blocks == [(0, 1), (2, 3), (4,)]
    assert load_settings({"trials": 3, "trial_block": 1}).trial_blocks == [(0,), (1,), (2,)]
    assert load_settings({}).trial_blocks == [tuple(range(10))]       # the default: a method's 10 trials, one job
    with pytest.raises(ConfigError, match="trial_block"):
        load_settings({"trial_block": 0})


def test_trial_is_deterministic_and_analytic_equals_autograd(trial_data):
    sample, splits = trial_data
    settings = small_settings()
    data = load_trial(sample, splits, 0, risk_floor=settings.risk_floor)
    _, parsed = methods()
    (a, ta), (b, tb) = run_trial(parsed["dfl_fair"], settings, data), run_trial(parsed["dfl_fair"], settings, data)
    assert a == b                                         # the whole record: byte-identical files across runs
    assert set(ta) == set(tb) == {"method", "trial", "seconds", "seconds_per_epoch", "seconds_total", "per_epoch"}
    c = record(parsed["dfl_fair_analytic"], settings, data)
    for split in ("train", "test"):
        assert c["metrics"][split]["regret"] == pytest.approx(a["metrics"][split]["regret"], rel=1e-5)
        assert c["metrics"][split]["mse"] == pytest.approx(a["metrics"][split]["mse"], rel=1e-5)


def test_methods_train_differently_and_dfl_lowers_train_regret(trial_data):
    sample, splits = trial_data
    settings = small_settings(training={"epochs": 30}, model={"dropout": 0.0})
    data = load_trial(sample, splits, 0, risk_floor=settings.risk_floor)
    _, parsed = methods()
    res = {m: record(parsed[m], settings, data) for m in ("two_stage", "dfl", "dfl_fd", "dfl_dbb", "dfl_mse_gap")}
    first = {m: r["history"][0]["regret"] for m, r in res.items()}
    assert first["dfl"] == pytest.approx(first["two_stage"], rel=1e-12)          # same initial weights
    assert res["dfl"]["metrics"]["train"]["regret"] < first["dfl"]
    assert res["dfl"]["metrics"]["train"]["regret"] < res["two_stage"]["metrics"]["train"]["regret"]
    assert res["two_stage"]["metrics"]["train"]["mse"] < res["dfl"]["metrics"]["train"]["mse"]
    # a correct finite difference follows the exact gradient: the same training as autograd
    assert res["dfl_fd"]["metrics"]["test"]["regret"] == pytest.approx(res["dfl"]["metrics"]["test"]["regret"], rel=1e-3)
    assert res["dfl_dbb"]["metrics"]["test"]["regret"] != pytest.approx(res["dfl"]["metrics"]["test"]["regret"], rel=1e-3)
    assert res["dfl_mse_gap"]["metrics"]["train"]["mse_gap"] != res["dfl"]["metrics"]["train"]["mse_gap"]


@pytest.mark.parametrize("name", ["two_stage_fair", "dfl_fair", "dfl_mse_gap"])
def test_trial_loss_gradient_matches_float64_central_differences(trial_data, name):
    sample, splits = trial_data
    settings = small_settings(model={"dropout": 0.0})
    data = load_trial(sample, splits, 0, risk_floor=settings.risk_floor)
    _, parsed = methods()
    model = build_model(149, settings).double()
    predictor = RiskPredictor(model, None, settings.risk_floor)
    batch = data.train                                               # float64 features
    loss_fn = trial_loss(parsed[name], settings, predictor, len(batch))
    loss, _ = loss_fn(model, batch)
    params = [p for p in model.parameters()]
    grads = torch.autograd.grad(loss, params)
    rng = np.random.default_rng(5)
    for p, gp in zip(params, grads):
        flat = p.data.view(-1)
        for idx in rng.choice(flat.numel(), size=min(4, flat.numel()), replace=False):
            h = 1e-6 * max(1.0, abs(float(flat[idx])))
            old = float(flat[idx])
            with torch.no_grad():
                flat[idx] = old + h
                up = float(loss_fn(model, batch)[0])
                flat[idx] = old - h
                down = float(loss_fn(model, batch)[0])
            flat[idx] = old
            fd = (up - down) / (2 * h)
            assert float(gp.view(-1)[idx]) == pytest.approx(fd, rel=1e-5, abs=1e-8 * max(1.0, abs(float(loss.detach()))))


def test_mini_batches_scale_the_budget_and_cover_the_data(trial_data):
    sample, splits = trial_data
    settings = small_settings(training={"batch_size": 32, "epochs": 2})
    data = load_trial(sample, splits, 0, risk_floor=settings.risk_floor)
    _, parsed = methods()
    res = record(parsed["dfl"], settings, data)
    assert res["settings"]["batch_size"] == 32 and np.isfinite(res["metrics"]["test"]["regret"])
    with pytest.raises(DataError, match="sample.csv: splits table has no trial 7"):
        load_trial(sample, splits, 7, risk_floor=0.001, source="sample.csv")
    with pytest.raises(DataError, match="sample.csv: lacks column 'g'"):
        load_trial(sample.drop(columns="g"), splits, 0, risk_floor=0.001, source="sample.csv")


# ----------------------------------------------------------------------------- fairness layer variants
def test_layer_methods_guarantee_parity_on_train_and_test(trial_data):
    sample, splits = trial_data
    settings = small_settings()
    data = load_trial(sample, splits, 0, risk_floor=settings.risk_floor)
    _, parsed = methods()
    for name, eps in (("dfl_layer", 0.05), ("two_stage_layer", 0.0)):
        res = record(parsed[name], settings, data)
        parity = res["parity"]
        assert parity["eps"] == eps
        assert parity["train_gap"] <= eps + 1e-9 and parity["test_gap"] <= eps + 1e-9
        assert res["metrics"]["train"]["mean_gap"] == pytest.approx(parity["train_gap"])
        for h in res["history"]:
            assert h["test_fairness"] <= eps + 1e-9
    # without the layer the same network is not exactly fair
    plain = record(parsed["two_stage"], settings, data)
    assert plain["metrics"]["train"]["mean_gap"] > 1e-4 and "parity" not in plain


def test_parity_layer_projects_every_batch_and_keeps_risks_positive():
    settings = small_settings()
    _, parsed = methods()
    layer = parity_layer(parsed["dfl_layer"], settings)
    assert parity_layer(parsed["dfl"], settings) is None
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Softplus())
    predictor = RiskPredictor(model, layer, settings.risk_floor)
    gen = torch.Generator().manual_seed(1)
    for _ in range(5):
        x = torch.randn(40, 3, generator=gen) * 3
        race = (torch.rand(40, generator=gen) < 0.3).long()
        race[:2] = torch.tensor([0, 1])
        r_hat = predictor(x, race)
        gap = abs(float(r_hat[race == 0].mean() - r_hat[race == 1].mean()))
        assert gap <= 0.05 + 1e-9 and float(r_hat.min()) >= settings.risk_floor - 1e-12
        r_hat.sum().backward()                                        # differentiable


# ----------------------------------------------------------------------------- aggregation
@pytest.fixture(scope="module")
def trial_outputs(trial_data, tmp_path_factory):
    """Trial records and their timing files (as rule fdfl_job writes them, with the job's stamps)."""
    sample, splits = trial_data
    settings = small_settings(training={"epochs": 3})
    _, parsed = methods()
    folder = tmp_path_factory.mktemp("trials")
    paths, timings = [], []
    for name in ("two_stage", "two_stage_fair", "dfl", "dfl_fair", "dfl_dbb", "dfl_fd", "dfl_layer"):
        for trial in (0, 1):
            res, timing = run_trial(parsed[name], settings, load_trial(sample, splits, trial, risk_floor=0.001),
                                    provenance=STANDIN.to_dict())
            timing["job"] = {"started_unix": 100.0 + trial, "finished_unix": 110.0 + trial, "threads": 1}
            path, timing_path = folder / name / f"trial-{trial}.json", folder / "timing" / name / f"trial-{trial}.json"
            write_json(path, res)
            write_json(timing_path, timing)
            paths.append(path)
            timings.append(timing_path)
    return paths, timings


@pytest.fixture(scope="module")
def trial_files(trial_outputs):
    return trial_outputs[0]


@pytest.fixture(scope="module")
def timing_files(trial_outputs):
    return trial_outputs[1]


def test_aggregation_means_stds_groups_and_history(trial_files):
    frame = results_frame(trial_files)
    assert len(frame) == 14 and set(frame["data_source"]) == {"standin(seed=0)"}
    order = ["dfl", "two_stage", "dfl_layer"]
    table = table2(frame, order)
    assert list(table["method"]) == order
    part = frame[frame["method"] == "dfl"]
    row = table.iloc[0]
    assert row["regret_mean"] == pytest.approx(part["test_regret"].mean())
    assert row["regret_std"] == pytest.approx(np.std(part["test_regret"], ddof=1))
    assert row["mse_mean"] == pytest.approx(part["train_mse"].mean())
    assert row["fairness_mean"] == pytest.approx(part["train_mean_gap"].mean())
    assert not [c for c in [*table.columns, *frame.columns] if "seconds" in c or c.startswith(("time", "job"))]
    assert math.isnan(row["parity_train_gap_max"]) and table.iloc[2]["parity_train_gap_max"] <= 0.05 + 1e-9
    assert "test_regret_alpha_inf_mean" in table.columns and list(table["alpha"]) == [2.0, 2.0, 2.0]
    assert list(frame["trained_as"]) == list(frame["method"])
    md = table2_markdown(table, banner=STANDIN.banner)
    assert md.startswith("> SYNTHETIC STAND-IN DATA") and md.count("\n| ") == 4
    with pytest.raises(DataError, match=r"no trial results for method\(s\) \['nope'\]"):
        table2(frame, ["nope"])
    groups = group_errors(trial_files)
    assert set(groups["group"]) == {"white", "black"} and "share_pred_mean" in groups
    hist = history_frame(trial_files)
    assert len(hist) == 14 * 3 and {"method", "trial", "epoch", "test_regret"} <= set(hist.columns)
    assert "seconds" not in hist.columns


def test_timings_are_aggregated_apart(trial_files, timing_files):
    """The Time column and the per-trial / per-epoch seconds come from the timing files only."""
    from fairopt.core.io import read_json
    frame = results_frame(trial_files)
    timings = timing_frame(timing_files, frame)
    assert list(timings[["method", "trial"]].itertuples(index=False)) == list(
        frame[["method", "trial"]].itertuples(index=False))
    raw = read_json(timing_files[5])                                    # dfl, trial 1
    got = timings[(timings["method"] == "dfl") & (timings["trial"] == 1)].iloc[0]
    assert got["seconds"] == raw["seconds"] and got["seconds_per_epoch"] == raw["seconds_per_epoch"]
    assert got["job_started_unix"] == 101.0 and got["job_finished_unix"] == 111.0
    order = ["dfl", "two_stage"]
    t = table2_timing(timings, order).set_index("method")
    part = timings[timings["method"] == "dfl"]
    assert t.loc["dfl", "time_mean"] == pytest.approx(part["seconds"].mean())
    assert t.loc["dfl", "time_std"] == pytest.approx(np.std(part["seconds"], ddof=1))
    assert t.loc["dfl", "seconds_per_epoch_mean"] == pytest.approx(part["seconds_per_epoch"].mean())
    # the paper's layout: the Time column only in the timing Markdown
    table = table2(frame, order)
    plain, timed = table2_markdown(table), table2_markdown(table, timing=t.reset_index())
    assert "Time (s)" not in plain and "| Time (s) |" in timed
    assert f"| {t.loc['dfl', 'time_mean']:.2f} |" in timed.splitlines()[2]
    with pytest.raises(DataError, match=r"no timing for table row\(s\) \['two_stage'\]"):
        table2_markdown(table, timing=t.reset_index().iloc[:1])
    epochs = history_timing_frame(timing_files, frame)
    assert len(epochs) == 14 * 3 and list(epochs.columns) == ["method", "label", "trained_as", "trial", "epoch", "seconds"]
    # a trial without its timing file is named
    with pytest.raises(DataError, match="no timing for trial 1 of method 'dfl'"):
        timing_frame([p for p in timing_files if p != timing_files[5]], frame)


def test_aggregation_labels_the_regret_units(trial_data, trial_files):
    """alpha = 0 rows report utilitarian regret: the table says so and adds the common alpha = 2 regret."""
    sample, splits = trial_data
    settings = small_settings(training={"epochs": 3})
    _, parsed = methods(two_stage_utilitarian={"framework": "two_stage", "alpha": 0, "label": "2S alpha 0"})
    extra = [record(parsed["two_stage_utilitarian"], settings, load_trial(sample, splits, t, risk_floor=0.001),
                    provenance=STANDIN.to_dict()) for t in (0, 1)]
    frame = results_frame([*trial_files, *extra])
    uniform = table2(frame, ["dfl", "two_stage"])
    assert list(uniform["alpha"]) == [2.0, 2.0]
    md = table2_markdown(uniform)
    assert "| Regret (test, alpha 2) |" in md and "Regret at alpha" not in md
    mixed = table2(frame, ["two_stage_utilitarian", "two_stage"])
    assert list(mixed["alpha"]) == [0.0, 2.0]
    md = table2_markdown(mixed)
    assert "| Regret at alpha | Regret (test) |" in md and "| 0 (utilitarian) |" in md
    assert "Regret (test) at alpha 2" in md and "Regret (test) at alpha inf (maximin)" in md
    # the common column is the same regret for both rows: alpha 2 for the alpha-2 row is its own regret
    row = mixed.set_index("method").loc["two_stage"]
    assert row["test_regret_alpha_2_mean"] == pytest.approx(row["regret_mean"], rel=1e-12)
    assert mixed.set_index("method").loc["two_stage_utilitarian", "test_regret_alpha_2_mean"] != pytest.approx(
        mixed.set_index("method").loc["two_stage_utilitarian", "regret_mean"])


# ----------------------------------------------------------------------------- shared trainings
def test_identically_configured_methods_are_trained_once():
    aliases = {m: src for m, src in SETTINGS.trained_as.items() if m != src}
    assert aliases == {"grid_two_stage_decision": "two_stage", "grid_two_stage_both": "two_stage_fair",
                       "grid_dfl_decision": "dfl", "grid_dfl_both": "dfl_fair"}
    keys = [training_key(SETTINGS.methods[m]) for m in SETTINGS.trainings]
    assert len(set(keys)) == len(keys) == len(SETTINGS.methods) - 4       # every distinct configuration once
    for name, src in SETTINGS.trained_as.items():
        assert training_key(SETTINGS.methods[name]) == training_key(SETTINGS.methods[src])
    grid = SETTINGS.table_rows("grid")
    assert [r["name"] for r in grid] == SETTINGS.tables["grid"]
    assert [r["source"] for r in grid][2:4] == ["two_stage", "two_stage_fair"]
    assert grid[2]["label"] == "2-Stage, decision fairness (alpha 2)"


def test_fields_a_method_ignores_do_not_change_its_training(trial_data):
    """What training_key leaves out does not enter training: the shared file is bit-identical to a
    training of the alias itself (up to the method's name and label)."""
    sample, splits = trial_data
    settings = small_settings(training={"epochs": 3})
    data = load_trial(sample, splits, 1, risk_floor=settings.risk_floor)
    _, parsed = methods(
        two_stage_other_fields={"framework": "two_stage", "gradient": "dbb", "dbb_lambda": 0.3, "fd_step": 0.1,
                                "label": "x"},
        dfl_other_steps={"framework": "dfl", "fd_step": 0.5, "dbb_lambda": 3.0, "alpha": 2, "label": "y"},
        dfl_fd_other_step={"framework": "dfl", "gradient": "finite_difference", "fd_step": 1e-3})
    shared = shared_trainings(parsed)
    assert shared["two_stage_other_fields"] == "two_stage" and shared["dfl_other_steps"] == "dfl"
    assert shared["dfl_fd_other_step"] == "dfl_fd_other_step" and shared["dfl_fd"] == "dfl_fd"   # fd_step matters
    for alias, src in (("two_stage_other_fields", "two_stage"), ("dfl_other_steps", "dfl")):
        a, b = (record(parsed[m], settings, data) for m in (alias, src))
        a.pop("method"), b.pop("method")
        assert a == b, alias


def test_load_trials_relabels_shared_files_and_checks_their_configuration(trial_files, timing_files):
    _, parsed = methods(dfl_again={"framework": "dfl", "label": "DFL again"})
    rows = [{"name": "dfl", "label": "DFL", "source": "dfl", "method": method_record(parsed["dfl"])},
            {"name": "dfl_again", "label": "DFL again", "source": "dfl", "method": method_record(parsed["dfl_again"])}]
    paths = [p for p in trial_files if p.parent.name in ("dfl", "two_stage")]
    results = load_trials(paths, rows)
    frame = results_frame(results)
    assert list(frame["method"]) == ["dfl", "dfl", "dfl_again", "dfl_again"]
    assert set(frame["trained_as"]) == {"dfl"} and list(frame["label"]) == ["DFL", "DFL", "DFL again", "DFL again"]
    table = table2(frame, ["dfl", "dfl_again"]).set_index("method")
    assert table.loc["dfl", "regret_mean"] == table.loc["dfl_again", "regret_mean"]
    assert set(history_frame(results)["method"]) == {"dfl", "dfl_again"}
    assert set(group_errors(results)["method"]) == {"dfl", "dfl_again"}
    # a shared training shares its timing
    times = timing_frame(timing_files, frame).set_index(["method", "trial"])["seconds"]
    assert list(times.loc["dfl"]) == list(times.loc["dfl_again"])
    wrong = [{**rows[1], "method": method_record(parsed["dfl_fair"])}]
    with pytest.raises(DataError, match="trained as method 'dfl' with another configuration than table row 'dfl_again'"):
        load_trials(paths, wrong)
    with pytest.raises(DataError, match="no trial results for method 'dfl_fd'"):
        load_trials(paths, [{**rows[0], "source": "dfl_fd"}])


def test_workflow_plans_each_distinct_training_once():
    """Table 2 + the grid: 10 distinct configurations x 10 trials (the grid's decision/both rows read
    Table 2's files), not 14 x 10."""
    out = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--forceall", "--cores", "1", "--quiet", "rules",
                          "--", "results/fdfl/tables/grid.csv", "results/fdfl/tables/table2.csv"],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    jobs = {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", out.stdout, re.M)}
    assert jobs["fdfl_job_trials_0_9"] == 10 and jobs["fdfl_aggregate"] == 2       # a block of 10 trials each
    assert not [rule for rule in jobs if rule.startswith("fdfl_job_trials_") and rule != "fdfl_job_trials_0_9"]


def test_benchmark_rows(trial_files, timing_files, tmp_path):
    frame = results_frame(trial_files)
    frame = timing_frame(timing_files, frame[frame["method"] != "dfl_layer"])
    paths = []
    for m in frame["method"].unique():        # one block job of trials 0-1 per method
        p = tmp_path / m / "trials-0-1.tsv"
        p.parent.mkdir(exist_ok=True)
        p.write_text("s\th:m:s\tmax_rss\tcpu_time\n5.0\t0:00:05\t300.0\t4.0\n")
        paths.append(p)
    jobs = job_seconds(paths)
    assert len(jobs) == 6 and jobs["trials"].eq(2).all() and jobs["first_trial"].eq(0).all()
    decision = pd.DataFrame([{"n": 2500, "alpha": 2.0, "kind": "realistic", "repeats": 3, "closed_form_seconds": 0.001,
                              "solver_seconds": 0.5, "solver_core_seconds": 0.4, "speedup": 500.0,
                              "max_rel_diff": 1e-8}])
    _, parsed = methods()
    spec = {m: {"paper_row": parsed[m].paper_row} for m in parsed}
    targets = {"table2_wall_seconds": 30, "full_population_seconds": 60, "dfl_speedup_vs_paper": 10,
               "closed_form_speedup": 100}
    rows = benchmark_rows(paper=PAPER, trials=frame, jobs=jobs, decision=decision, methods=spec, targets=targets)
    by = {(r.benchmark, r.setting.split(" ")[0], r.metric): r for r in rows}
    per_job = by[("seconds_per_trial", "dfl_fair", "job seconds (whole Snakemake job)")]
    assert per_job.value == pytest.approx(2.5) and per_job.cpu_seconds == pytest.approx(2.0)
    t = by[("seconds_per_trial", "dfl_fair", "training seconds (all epochs)")]
    assert t.reference == PAPER["table2"]["dfl_fair"]["time"] and t.comparison == "ratio"
    speed = by[("dfl_closed_form_vs_paper", "dfl_fair", "speedup over the paper's time")]
    assert speed.value == pytest.approx(PAPER["table2"]["dfl_fair"]["time"] / t.value) and speed.comparison == ">="
    assert by[("closed_form_vs_solver", "n", "speedup")].target_met
    # no measured wall: the wall-time rows say so, with no value and no verdict (CPU / cores is no wall time)
    walls = [r for r in rows if r.benchmark in ("table2_wall_time", "full_population_trial")]
    assert len(walls) == 2 and all(np.isnan(r.value) and r.note == NOT_MEASURED and r.target_met is None
                                   for r in walls)
    gpu = [r for r in rows if r.benchmark == "full_population_trial_gpu"]
    assert len(gpu) == 1 and np.isnan(gpu[0].value) and gpu[0].note == NO_GPU  # never an estimate
    with pytest.raises(DataError, match="trials-<first>-<last>.tsv"):
        job_seconds([tmp_path / "x.tsv"])
    # measured alone (python -m fairopt.studies.fdfl.wall_time): judged on the wall, CPU and load beside it
    clock = {"cores": 2, "loadavg_start": 0.5, "loadavg_end": 3.5}
    wall = pd.DataFrame([{"measurement": "table2", "wall_seconds": 40.0, "cpu_seconds": 70.0, **clock,
                          "command": "snakemake --cores 2 ..."},
                         {"measurement": "full_population", "wall_seconds": 50.0, "cpu_seconds": 60.0, **clock,
                          "command": "snakemake ...", "population": 48784, "n_train": 24392, "job_seconds": 45.0,
                          "job_cpu_seconds": 80.0, "max_rss_mb": 900.0, "training_seconds": 30.0}])
    rows = benchmark_rows(paper=PAPER, trials=frame, jobs=jobs, decision=decision, methods=spec, targets=targets,
                          wall=wall)
    by = {(r.benchmark, r.metric): r for r in rows if r.benchmark in ("table2_wall_time", "full_population_trial")}
    table2 = by[("table2_wall_time", "wall seconds")]
    assert table2.value == 40.0 and table2.cpu_seconds == 70.0 and table2.target_met is False
    assert table2.loadavg == 3.5 and table2.under_load
    full = by[("full_population_trial", "job wall seconds")]
    assert full.value == 45.0 and full.cpu_seconds == 80.0 and full.target_met and "48,784" in full.setting
    assert by[("full_population_trial", "peak memory")].value == 900.0
    on_gpu = {"measurement": "full_population_gpu", "wall_seconds": 9.0, "cpu_seconds": 8.0, **clock,
              "command": "snakemake ...", "population": 48784, "n_train": 24392, "job_seconds": 7.0,
              "job_cpu_seconds": 6.0, "max_rss_mb": 1500.0, "training_seconds": 3.0, "device": "cuda",
              "device_name": "Some GPU"}
    rows = benchmark_rows(paper=PAPER, trials=frame, jobs=jobs, decision=decision, methods=spec, targets=targets,
                          wall=pd.concat([wall, pd.DataFrame([on_gpu])], ignore_index=True))
    gpu = {r.metric: r for r in rows if r.benchmark == "full_population_trial_gpu"}
    assert gpu["job wall seconds"].value == 7.0 and "Some GPU" in gpu["job wall seconds"].setting
    assert gpu["training seconds"].value == 3.0


# ----------------------------------------------------------------------------- scorecard
SCORECARD_SETTINGS = {"std_multiple": 2, "far_below_ratio": 0.5, "dbb_distance_tol": 0.1, "decision_tol": 0.01,
                      "tie_rel_tol": 1e-6, "noise_se_multiple": 1}
TRIAL_COLS = {"mse": "train_mse", "regret": "test_regret", "fairness": "train_mean_gap"}


def fake_trials(shift_std: float, n: int = PAPER["trials"]) -> pd.DataFrame:
    """Per-trial values at the paper's means shifted by ``shift_std`` paper standard deviations, spread
    by the paper's standard deviations (one standardised pattern over trials for every method)."""
    z = np.linspace(-1.0, 1.0, n)
    z = (z - z.mean()) / z.std(ddof=1) if n > 1 else z * 0
    rows = []
    for key, p in PAPER["table2"].items():
        for t in range(n):
            rec = {"method": key, "label": key, "trial": t, "seconds": p["time"] / 20 + 0.01 * z[t]}
            for metric, col in TRIAL_COLS.items():
                rec[col] = p[metric]["mean"] + shift_std * p[metric]["std"] + p[metric]["std"] * z[t]
            rows.append(rec)
    return pd.DataFrame(rows)


def table_of(trials: pd.DataFrame, metrics=TRIAL_COLS) -> pd.DataFrame:
    """The aggregated table of ``trials`` (mean and std over trials of each metric)."""
    rows = []
    for key, part in trials.groupby("method", sort=False):
        row = {"method": key, "label": key, "trials": len(part)}
        for metric, col in metrics.items():
            row[f"{metric}_mean"], row[f"{metric}_std"] = part[col].mean(), part[col].std(ddof=1)
        rows.append(row)
    return pd.DataFrame(rows)


def scorecard(provenance, shift=1.0, *, layer=None, trials=None, methods=None, timed=True):
    """The scorecard of fake trials; their seconds reach it only through the timing tables (as in the
    workflow: table2_timing.csv, table2_trials_timing.csv), or not at all (``timed=False``)."""
    trials = fake_trials(shift) if trials is None else trials
    illus = run_example(illustrative(epochs=200))["table1"]
    dbb = {"realistic": {"n": 50, "alpha": 2.0, "lams": [1.0], "rel_distance_to_jtv": [1.5],
                         "limit_rel_distance": 1.5, "limit_cosine": 0.7}}
    spec = {k: {"paper_row": k, "lambda": 1 if k in ("two_stage_fair", "dfl_fair") else 0} for k in PAPER["table2"]}
    results = trials.drop(columns="seconds")
    inputs = ScorecardInputs(paper=PAPER, table=table_of(results), trials=results, methods=methods or spec,
                             provenance=provenance, illustrative=illus, dbb=dbb, layer=layer,
                             settings=SCORECARD_SETTINGS,
                             timing=table_of(trials, {"time": "seconds"}) if timed else None,
                             trials_timing=trials[["method", "trial", "seconds"]] if timed else None)
    return pd.DataFrame([r.__dict__ for r in build_scorecard(inputs)])


def verdicts(card: pd.DataFrame) -> pd.Series:
    return card.set_index("item")["verdict"]


def test_scorecard_verdicts_follow_the_data_source():
    card = scorecard(STANDIN, 1.0)
    cells = card[card["item"].str.startswith("Table 2 / ")]
    assert len(cells) == 4 * len(PAPER["table2"])
    assert set(cells["verdict"]) == {"not comparable"}                      # stand-in: no numeric verdicts
    assert cells["note"].str.contains("synthetic stand-in data").all()
    real = scorecard(REAL, 1.0)
    real_cells = real[real["item"].str.startswith("Table 2 / ")].set_index("item")
    assert real_cells.loc["Table 2 / DFL No Fairness / regret", "verdict"] == "reproduced"     # within 2 std
    assert real_cells.loc["Table 2 / DFL With Fairness (DBB) / mse", "verdict"] == "not comparable"
    assert real_cells.loc["Table 2 / DFL No Fairness / time (s per trial)", "verdict"] == "not comparable"
    far = scorecard(REAL, 3.0)
    far_cells = far[far["item"].str.startswith("Table 2 / ")].set_index("item")
    assert far_cells.loc["Table 2 / DFL No Fairness / regret", "verdict"] == "not reproduced"
    # claims are judged on the reproduced numbers (here the paper's own: the paper's claims hold)
    claims = verdicts(card[card["item"].str.startswith("Claim: ")])
    assert claims["Claim: DFL regret far below two-stage (dfl vs two_stage)"] == "reproduced"
    assert claims["Claim: prediction fairness lowers F (two-stage)"] == "reproduced"
    assert claims["Claim: DBB raises MSE (DBB row)"] == "reproduced"
    assert claims["Claim: closed-form DFL beats DBB on regret (DBB 2 row)"] == "reproduced"
    dbb = card[card["item"].str.startswith("Eq. (8)")]
    assert list(dbb["verdict"]) == ["not reproduced"]
    assert card["item"].str.startswith("Sec. 3.3").sum() == 6
    assert set(card["verdict"]) <= {"reproduced", "not reproduced", "not comparable", "not run"}


def test_scorecard_time_rows_are_timing_rows_and_the_rest_ignores_times(tmp_path):
    """Time cells and the speed claim are kind "timing" (written to the timing scorecard); no other row
    changes when the measured seconds do (two runs give the same scorecard proper)."""
    from fairopt.report.scorecard import write_scorecard
    from fairopt.report.scorecard import ScoreRow
    trials = fake_trials(1.0)
    card = scorecard(STANDIN, trials=trials)
    timing = card["kind"] == "timing"
    assert set(card.loc[timing, "item"]) == {f"Table 2 / {p['row']} / time (s per trial)" for p in PAPER["table2"].values()} | {
        "Claim: closed-form DFL is faster per trial than finite differences"}
    slower = trials.assign(seconds=trials["seconds"] * 7.0 + 1.0)
    other = scorecard(STANDIN, trials=slower)
    assert other.loc[~timing].equals(card.loc[~timing])
    assert not other.loc[timing, "reproduced"].equals(card.loc[timing, "reproduced"])
    assert not card.loc[~timing, "note"].str.contains("seconds").any()
    # without timing tables the time rows are not run (no other row needs them)
    untimed = scorecard(STANDIN, trials=trials, timed=False)
    assert set(untimed.loc[untimed["kind"] == "timing", "verdict"]) == {"not run"}
    assert untimed.loc[untimed["kind"] != "timing"].equals(card.loc[~timing])
    # write_scorecard puts them in the timing files
    rows = [ScoreRow(**r) for r in card.to_dict("records")]
    write_scorecard(rows, tmp_path / "s.csv", tmp_path / "s.md", title="t", timing_csv=tmp_path / "timing.csv",
                    timing_md=tmp_path / "timing.md")
    assert set(pd.read_csv(tmp_path / "s.csv")["kind"]) == {"paper", "check"}
    assert len(pd.read_csv(tmp_path / "timing.csv")) == timing.sum()


def test_scorecard_a_claim_can_fail():
    trials = fake_trials(0.0)
    dbb = trials["method"] == "dfl_dbb"
    trials.loc[dbb, "train_mse"] = trials.loc[trials["method"] == "dfl", "train_mse"].to_numpy() - 5.0
    row = scorecard(STANDIN, trials=trials).set_index("item").loc["Claim: DBB raises MSE (DBB row)"]
    assert row["verdict"] == "not reproduced" and "difference 5" in row["reproduced"]


def test_scorecard_numerical_tie_is_inconclusive():
    """Numerically identical trainings (a correct finite difference reproduces closed-form DFL to ~1e-8):
    'closed-form DFL beats DBB 2' holds by -1.3e-8, which is a tie, not evidence."""
    trials = fake_trials(0.0)
    dfl, fd = trials["method"] == "dfl", trials["method"] == "dfl_fd"
    for col in TRIAL_COLS.values():
        trials.loc[fd, col] = trials.loc[dfl, col].to_numpy() + 1.3e-8 * np.linspace(0.5, 1.5, int(fd.sum()))
    card = scorecard(STANDIN, trials=trials).set_index("item")
    for item in ("Claim: closed-form DFL beats DBB on regret (DBB 2 row)", "Claim: DBB raises MSE (DBB 2 row)"):
        row = card.loc[item]
        assert row["verdict"] == "inconclusive", item
        assert "a tie" in row["note"] and "numerical noise" in row["note"]
    # the finite difference is still slower: that claim is decided
    assert card.loc["Claim: closed-form DFL is faster per trial than finite differences", "verdict"] == "reproduced"
    # a difference above the tie tolerance but inside the trials' standard error cannot order them either
    trials.loc[fd, "test_regret"] = (trials.loc[dfl, "test_regret"].to_numpy() + 0.01
                                     + 0.5 * (-1.0) ** np.arange(int(fd.sum())))
    row = scorecard(STANDIN, trials=trials).set_index("item").loc[
        "Claim: closed-form DFL beats DBB on regret (DBB 2 row)"]
    assert row["verdict"] == "inconclusive" and "standard error" in row["note"]


def test_scorecard_fewer_trials_than_the_paper_are_inconclusive():
    card = scorecard(REAL, trials=fake_trials(0.0, n=3))
    cells = card[card["item"].str.startswith("Table 2 / ")].set_index("item")
    assert cells.loc["Table 2 / DFL No Fairness / regret", "verdict"] == "inconclusive"      # would be reproduced
    assert cells.loc["Table 2 / DFL With Fairness (DBB) / mse", "verdict"] == "not comparable"
    assert "fewer than the paper's 10" in cells.loc["Table 2 / DFL No Fairness / regret", "note"]
    claims = card[card["item"].str.startswith("Claim: ")]
    assert set(claims["verdict"]) == {"inconclusive"}
    assert claims["note"].str.contains("fewer than the paper's 10").all()


def test_scorecard_pairs_claims_at_one_lambda():
    card = scorecard(STANDIN).set_index("item")
    for item in ("Claim: DBB raises MSE (DBB row)", "Claim: DBB raises MSE (DBB 2 row)",
                 "Claim: closed-form DFL beats DBB on regret (DBB row)",
                 "Claim: closed-form DFL beats DBB on regret (DBB 2 row)",
                 "Claim: closed-form DFL is faster per trial than finite differences"):
        row = card.loc[item]
        assert "lambda 0 on both sides" in row["paper"], item
        assert row["reproduced"].startswith("dfl (lambda 0) ") and "(lambda 0)" in row["reproduced"].split(" vs ")[1]
        assert "dfl_fair" not in row["reproduced"]
    # a configuration whose DBB row runs with the penalty cannot test the claim at one lambda
    spec = {k: {"paper_row": k, "lambda": 1 if k in ("two_stage_fair", "dfl_fair", "dfl_dbb") else 0}
            for k in PAPER["table2"]}
    row = scorecard(STANDIN, methods=spec).set_index("item").loc["Claim: DBB raises MSE (DBB row)"]
    assert row["verdict"] == "not comparable" and "different prediction-fairness weights" in row["note"]


def test_scorecard_kinds_separate_paper_claims_from_internal_checks():
    from fairopt.report.scorecard import verdict_summary
    layer = pd.DataFrame({"method": ["dfl", "dfl_layer"], "parity_train_gap": [np.nan, 0.05],
                          "parity_test_gap": [np.nan, 0.04], "parity_eps": [np.nan, 0.05]})
    card = scorecard(STANDIN, layer=layer)
    check = card["item"].str.startswith(("Sec. 3.3", "Fairness layer"))
    timed = card["item"].str.contains("time (s per trial)", regex=False) | card["item"].str.contains("faster")
    assert check.sum() == 7
    assert set(card.loc[check, "kind"]) == {"check"} and set(card.loc[timed, "kind"]) == {"timing"}
    assert set(card.loc[~check & ~timed, "kind"]) == {"paper"}
    summary = verdict_summary(card)
    assert "paper claims:" in summary and "internal checks:" in summary and "speed claims:" in summary
    checks, speed = summary.split("internal checks:")[1].split("speed claims:")
    assert sum(int(x) for x in re.findall(r"(\d+) ", checks)) == 7
    assert sum(int(x) for x in re.findall(r"(\d+) ", speed)) == timed.sum() == len(PAPER["table2"]) + 1


def test_scorecard_layer_rows():
    layer = pd.DataFrame({"method": ["dfl", "dfl_layer", "dfl_layer"], "parity_train_gap": [np.nan, 0.05, 0.01],
                          "parity_test_gap": [np.nan, 0.04, 0.05], "parity_eps": [np.nan, 0.05, 0.05]})
    card = scorecard(STANDIN, 1.0, layer=layer)
    row = card[card["item"].str.startswith("Fairness layer")]
    assert list(row["verdict"]) == ["reproduced"]
    layer.loc[2, "parity_test_gap"] = 0.06
    assert list(scorecard(STANDIN, 1.0, layer=layer).query("item.str.startswith('Fairness layer')")["verdict"]) == [
        "not reproduced"]


# ----------------------------------------------------------------------------- section 3.3 example
def test_illustrative_data_and_least_squares():
    cfg = illustrative(epochs=300)
    data = generate(cfg)
    assert (data.group == 1).sum() == 10 and (data.group == 2).sum() == 5
    assert data.q.min() >= 0.02 and data.q.max() <= 1 and data.g.min() >= 0.2 and data.g.max() <= 1
    again = generate(cfg)
    assert np.array_equal(data.q, again.q) and np.array_equal(data.g, again.g)
    lines = fit_models(cfg, data)
    a, b = np.polyfit(data.x, data.q, 1)[::-1]
    assert lines["M1"] == pytest.approx((a, b), rel=1e-10)                  # second method: polyfit
    # the training loop from a different start converges to least squares too
    from fairopt.studies.fdfl.illustrative import _loss
    from fairopt.core.training import OptimizerConfig, fit
    model = torch.nn.Linear(1, 1).double()
    with torch.no_grad():
        model.weight.fill_(0.0)
        model.bias.fill_(0.0)
    fit(model, _loss("M1", cfg, data), lambda epoch: [None], epochs=4000, optimizer=OptimizerConfig("adam", 0.02))
    assert (float(model.bias), float(model.weight)) == pytest.approx((a, b), abs=1e-4)


def test_illustrative_example_table1():
    out = run_example(illustrative(epochs=500))
    t1 = out["table1"].set_index("model")
    assert list(t1.index) == ["M1", "M2", "M3", "M4"]
    assert t1["prediction_mse"].idxmin() == "M1"                             # least squares is optimal for MSE
    assert t1.loc["M3", "decision_mse"] < t1.loc["M1", "decision_mse"]       # trained on the decision error
    assert t1.loc["M2", "accuracy_disparity"] < t1.loc["M1", "accuracy_disparity"]
    assert (t1["regret"] >= -1e-12).all()
    pts = out["points"]
    assert len(pts) == 4 * 15
    for _, part in pts.groupby("model"):
        assert part["d_hat"].sum() == pytest.approx(50.0) and part["d_star"].sum() == pytest.approx(50.0)


# ----------------------------------------------------------------------------- paper numbers stay in the yaml
def test_no_table2_number_in_python_sources():
    """The paper's Table 2 values (as printed: 2 decimals, 3 for F) appear in no .py under src/ or workflow/."""
    numbers = set()
    for row in PAPER["table2"].values():
        numbers |= {f"{row['mse']['mean']:.2f}", f"{row['regret']['mean']:.2f}", f"{row['fairness']['mean']:.3f}",
                    f"{row['time']:.2f}"}
    numbers = {n for n in numbers if float(n) >= 1}                 # 0.28-like values are too common to grep
    pattern = re.compile("|".join(rf"(?<![\d.]){re.escape(n)}(?!\d)" for n in sorted(numbers)))
    hits = [f"{p}: {m.group(0)}" for folder in ("src", "workflow") for p in (REPO / folder).rglob("*.py")
            for m in [pattern.search(p.read_text(encoding="utf-8"))] if m]
    assert len(numbers) >= 15 and not hits, hits


# ----------------------------------------------------------------------------- the method catalogue's contract
#: fields of every trial record (fairopt.studies.fdfl.job.run_trial)
TRIAL_FIELDS = {"study", "method", "trial", "settings", "provenance", "data", "metrics", "epochs_run", "history"}


@pytest.mark.parametrize("name", sorted(SETTINGS.methods))
def test_every_configured_method_trains_and_returns_the_documented_fields(trial_data, name):
    """Every method of the paper's catalogue (schema defaults) on a tiny trial: the framework and
    prediction-fairness registries resolve it and the record has every documented field."""
    sample, splits = trial_data
    settings = small_settings(training={"epochs": 2})
    data = load_trial(sample, splits, 0, risk_floor=settings.risk_floor)
    res, timing = run_trial(SETTINGS.methods[name], settings, data, provenance=STANDIN.to_dict())
    assert TRIAL_FIELDS <= set(res), TRIAL_FIELDS - set(res)
    assert set(TIMING_FIELDS) <= set(timing) and not set(TIMING_FIELDS) & set(res)
    assert res["method"]["name"] == name and res["epochs_run"] == 2
    for part in ("train", "test"):
        assert np.isfinite(res["metrics"][part]["regret"]) and res["metrics"][part]["mse"] > 0
    assert ("parity" in res) == SETTINGS.methods[name].uses_layer
