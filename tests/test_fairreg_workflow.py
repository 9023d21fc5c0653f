"""Fair regression study plumbing: settings and config errors, crash isolation, guarded MIOs,
aggregation into the slides' tables, real-data preparation and methods, and the scorecard."""
from __future__ import annotations

import faulthandler
import os
import signal
import time
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
import yaml

from fairopt.errors import ConfigError, DataError
from fairopt.fairreg import experiment
from fairopt.fairreg.experiment import run_mio, summarize
from fairopt.fairreg.formulations import NoIncumbentError
from fairopt.fairreg.isolation import run_isolated
from fairopt.fairreg.realdata import prepare_real, read_prepared, run_real_method
from fairopt.fairreg.report import comparison_markdown, scorecard_rows, synthetic_comparable
from fairopt.fairreg.settings import deep_merge, format_value, resolve_settings
from fairopt.fairreg.synthetic import make_synthetic, read_instance, write_instance
from fairopt.fairreg.tables import (AVG, formulation_table, gaps_table, instance_summaries,
                                    pareto_front, rmse_reduction, training_time_table)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch):
    """Config paths (the Ipopt options file) are relative to the repository root, as in a run."""
    monkeypatch.chdir(REPO)


def config_section() -> dict:
    with open(REPO / "config" / "config.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)["fairreg"]


def paper_numbers() -> dict:
    with open(REPO / "workflow" / "paper" / "fairreg.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


# ------------------------------------------------------------------------------ settings

def test_paper_preset_is_the_slides_study():
    cfg = config_section()
    s = resolve_settings(cfg)
    ref = paper_numbers()["synthetic"]["settings"]
    assert s["scale"] == "paper"
    assert s["synthetic"]["m"] == ref["m"]
    assert [format_value(x) for x in s["synthetic"]["lambdas"]] == [format_value(x) for x in ref["lambdas"]]
    assert s["synthetic"]["time_limit"] == ref["time_limit"]
    assert (s["synthetic"]["n"], s["synthetic"]["l"]) == (ref["n"], ref["l"])
    assert s["real"]["subsample"] == {"communities_crime": None, "law_school": None}
    assert s["real"]["mio_time_limit"] == paper_numbers()["real"]["mio_time_limit"]
    assert synthetic_comparable(s, paper_numbers())
    smoke = resolve_settings({**cfg, "scale": "smoke"})
    assert not synthetic_comparable(smoke, paper_numbers())
    assert smoke["synthetic"]["time_limit"] <= 5


def test_config_section_matches_schema_and_schema_rejects_bad_values():
    with open(REPO / "workflow" / "schemas" / "fairreg.schema.yaml", encoding="utf-8") as fh:
        schema = yaml.safe_load(fh)
    cfg = config_section()
    jsonschema.validate(cfg, schema)
    with pytest.raises(jsonschema.ValidationError, match="huge"):
        jsonschema.validate({**cfg, "scale": "huge"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(deep_merge(cfg, {"override": {"synthetic": {"m": [2]}}}), schema)
    # the schema's preset defaults are the config file's presets
    assert schema["properties"]["presets"]["default"] == cfg["presets"]


def test_override_wins_over_preset_and_deep_merge_copies():
    cfg = config_section()
    s = resolve_settings({**cfg, "scale": "reduced", "override": {"synthetic": {"time_limit": 7}}})
    assert s["synthetic"]["time_limit"] == 7.0
    assert s["synthetic"]["m"] == cfg["presets"]["reduced"]["synthetic"]["m"]
    assert cfg["presets"]["reduced"]["synthetic"]["time_limit"] != 7  # input untouched
    merged = deep_merge({"a": {"b": 1, "c": [1]}}, {"a": {"b": 2}})
    assert merged == {"a": {"b": 2, "c": [1]}}


@pytest.mark.parametrize("patch,key", [
    ({"scale": "huge"}, "fairreg.scale"),
    ({"override": {"synthetic": {"m": [15, 2]}}}, "fairreg.override.synthetic.m"),
    ({"override": {"synthetic": {"lambdas": [0.1, 0.10000000001]}}}, "fairreg.override.synthetic.lambdas"),
    ({"override": {"synthetic": {"time_limit": 0}}}, "fairreg.override.synthetic.time_limit"),
    ({"override": {"real": {"datasets": ["adult"]}}}, "fairreg.override.real.datasets"),
    ({"override": {"real": {"methods": ["relax", "agarwal"]}}}, "fairreg.override.real.methods"),
    ({"override": {"real": {"methods": ["ls", "cd_relax"]}}}, "fairreg.override.real.methods"),
    ({"override": {"real": {"subsample": {"law_school": 5}}}}, "fairreg.override.real.subsample.law_school"),
    ({"synthetic": {"methods": ["cd_relax"]}}, "fairreg.synthetic.methods"),
    ({"presets": {"paper": {"synthetic": {"m": [15]}}}}, "fairreg.presets.paper.synthetic.lambdas"),
    ({"solvers": {"scip_params": {"nlpi/ipopt/optfile": "missing/ipopt.opt"}}}, "fairreg.solvers.scip_params"),
])
def test_bad_settings_raise_one_line_error_naming_the_key(patch, key):
    cfg = config_section()
    if "presets" in patch:
        cfg = {**cfg, **patch}
    else:
        cfg = deep_merge(cfg, patch)
    with pytest.raises(ConfigError) as err:
        resolve_settings(cfg)
    assert key in str(err.value) and "\n" not in str(err.value)


# ------------------------------------------------------------------------------ isolation

def _double(x):
    return 2 * x


def _fail():
    raise ValueError("bad input")


def _abort():
    faulthandler.disable()  # no traceback dump from the deliberately killed child
    os.kill(os.getpid(), signal.SIGABRT)


def _sleep():
    time.sleep(30)


def test_run_isolated_outcomes():
    ok = run_isolated(_double, 21, wall_limit=30)
    assert (ok.kind, ok.value) == ("ok", 42)
    err = run_isolated(_fail, wall_limit=30)
    assert err.kind == "error" and isinstance(err.error, ValueError) and "bad input" in str(err.error)
    crash = run_isolated(_abort, wall_limit=30)
    assert crash.kind == "crashed" and crash.exitcode == -signal.SIGABRT
    slow = run_isolated(_sleep, wall_limit=0.5)
    assert slow.kind == "wall_limit" and slow.seconds < 10
    assert run_isolated(_double, 2, isolate=False).value == 4


class _FakeResult:
    status = "optimal"


def _crash_unless_fallback(inst, lam, formulation, **kwargs):
    if not kwargs.get("scip_params", {}).get("nlp/disable"):
        faulthandler.disable()
        os.kill(os.getpid(), signal.SIGSEGV)
    return _FakeResult()


def _no_incumbent(*args, **kwargs):
    raise NoIncumbentError("strong MIO: no feasible solution within the 1 s time limit")


def test_run_mio_records_crash_fallback_and_no_incumbent(monkeypatch):
    inst = make_synthetic(10, n=3, l=3, seed=0).instance
    monkeypatch.setattr(experiment, "solve_mio", _crash_unless_fallback)
    res, info = run_mio(inst, 0.1, "strong", wall_limit=60,
                        fallback_options={"scip_params": {"nlp/disable": True}})
    assert isinstance(res, _FakeResult) and info["status"] == "optimal" and info["fallback_used"]
    assert [a["outcome"] for a in info["attempts"]] == ["crashed", "ok"]
    res, info = run_mio(inst, 0.1, "strong", wall_limit=60)
    assert res is None and info["status"] == "crashed" and not info["fallback_used"]
    monkeypatch.setattr(experiment, "solve_mio", _no_incumbent)
    res, info = run_mio(inst, 0.1, "strong", wall_limit=60)
    assert res is None and info["status"] == "no_incumbent"


def test_real_mio_without_incumbent_is_recorded_not_raised():
    # a 1 ms SCIP limit on a 40-row big-M problem: stopped before any feasible solution, or with one
    inst = make_synthetic(40, seed=3).instance
    res, info = run_mio(inst, 0.2, "bigm", time_limit=1e-3, wall_limit=120)
    assert info["status"] in ("no_incumbent", "time_limit")
    assert (res is None) == (info["status"] == "no_incumbent")


# -------------------------------------------------------------------- summaries and tables

def _row(m, seed, lam, method, objective, **extra):
    return {"m": m, "seed": seed, "lam": lam, "method": method, "objective": objective, **extra}


def fake_rows():
    """Two instances x two lambdas; objectives and bounds chosen so that every gap is known."""
    rows = []
    for m in (15, 30):
        for lam in (0.1, 0.5):
            rows += [
                _row(m, 0, lam, "ls", 10.0, loss=8.0),
                _row(m, 0, lam, "relax_bigm", 10.0, bound=2.0),
                _row(m, 0, lam, "relax_strong", 9.0, bound=6.0),
                _row(m, 0, lam, "cd0", 9.0), _row(m, 0, lam, "cd_unfair", 8.5),
                _row(m, 0, lam, "cd_relax", 8.0),
                _row(m, 0, lam, "strong", 8.0, best_bound=7.0, gap=0.125, status="time_limit",
                     solver_seconds=5.0, total_nodes=100, time_limit=5.0),
                _row(m, 0, lam, "bigm", None, status="no_incumbent", time_limit=5.0,
                     fallback_used=False) if m == 30 else
                _row(m, 0, lam, "bigm", 9.0, best_bound=4.0, gap=5 / 9, status="time_limit",
                     solver_seconds=5.0, total_nodes=1000, time_limit=5.0),
            ]
    return rows


def test_summarize_handles_mios_without_a_model():
    rows = [r for r in fake_rows() if r["m"] == 30 and r["lam"] == 0.1]
    out = summarize(rows)
    assert out["best_objective"] == 8.0 and out["best_bound"] == 7.0
    assert out["relax_gap_strong"] == pytest.approx(0.25)
    assert out["relax_gap_bigm"] == pytest.approx(0.75)
    assert out["end_gap_bigm"] == 1.0 and out["opt_gap_bigm"] == 1.0
    assert out["opt_gap_cd0"] == pytest.approx(2 / 9)
    assert out["opt_gap_strong"] == pytest.approx(1 / 8)
    with pytest.raises(ValueError, match="no method returned a model"):
        summarize([_row(30, 0, 0.1, "bigm", None, status="crashed")])


def test_formulation_and_gap_tables_average_per_lambda_then_over_lambdas():
    summary = instance_summaries(fake_rows())
    assert len(summary) == 4
    forms = formulation_table(summary)
    assert list(forms["lam"]) == ["0.1", "0.5", AVG]
    first = forms.iloc[0]
    assert first["n_instances"] == 2
    assert first["strong_relax_gap"] == pytest.approx(25.0)
    assert first["strong_end_gap"] == pytest.approx(12.5)
    # big-M: m=15 end gap 5/9, m=30 no model (100%)
    assert first["bigm_end_gap"] == pytest.approx(100 * (5 / 9 + 1) / 2)
    assert first["bigm_no_model"] == pytest.approx(0.5)
    assert first["bigm_time"] == pytest.approx(5.0)  # no incumbent: counted at its time limit
    assert first["bigm_nodes"] == pytest.approx(1000)  # only the MIO that reported nodes
    avg = forms.iloc[-1]
    assert avg["strong_end_gap"] == pytest.approx(forms["strong_end_gap"].iloc[:2].mean())
    assert avg["n_instances"] == 4
    gaps = gaps_table(summary)
    assert gaps.iloc[0]["cd_relax"] == pytest.approx(100 * 1 / 8)
    assert gaps.iloc[0]["micqo"] == pytest.approx(100 * 1 / 8)
    assert gaps.iloc[0]["relax"] == pytest.approx(100 * 2 / 9)
    with pytest.raises(ValueError, match="duplicate"):
        instance_summaries(fake_rows() + [_row(15, 0, 0.1, "cd0", 9.0)])


def test_pareto_front_and_rmse_reduction():
    u, c = pareto_front(np.array([0.3, 0.1, 0.2, 0.05, np.nan]), np.array([0.0, 0.1, 0.2, 0.3, 0.0]))
    assert u.tolist() == [0.05, 0.1, 0.3] and c.tolist() == [0.3, 0.1, 0.0]
    trade = pd.DataFrame([
        {"dataset": "d", "method": "relax", "test_exact_unfairness": 0.10, "test_rel_rmse_increase": 0.05},
        {"dataset": "d", "method": "cd_relax", "test_exact_unfairness": 0.05, "test_rel_rmse_increase": 0.08},
        {"dataset": "d", "method": "agarwal", "test_exact_unfairness": 0.12, "test_rel_rmse_increase": 0.10},
        {"dataset": "d", "method": "agarwal", "test_exact_unfairness": 0.06, "test_rel_rmse_increase": 0.07},
        {"dataset": "d", "method": "agarwal", "test_exact_unfairness": 0.01, "test_rel_rmse_increase": 0.20},
        {"dataset": "d", "method": "ls", "test_exact_unfairness": 0.20, "test_rel_rmse_increase": 0.0},
    ])
    red = rmse_reduction(trade).iloc[0]
    # 0.12: best pipeline cost at u <= 0.12 is 0.05 -> 0.05; 0.06: 0.08 -> -0.01; 0.01: uncovered
    assert red["mean_reduction"] == pytest.approx((0.05 - 0.01) / 2)
    assert (red["n_compared"], red["n_uncovered"], red["share_better"]) == (2, 1, 0.5)
    times = training_time_table([
        {"dataset": "d", "method": "relax", "seconds": 2.0},
        {"dataset": "d", "method": "cd_relax", "seconds": 1.0, "relax_seconds": 2.0},
        {"dataset": "d", "method": "cd_relax", "seconds": 3.0, "relax_seconds": 4.0},
    ]).set_index("method")
    assert times.loc["relax+cd", "mean_seconds"] == pytest.approx(5.0)
    assert times.loc["cd_relax", "max_seconds"] == 3.0


# ------------------------------------------------------------------- instances and real data

def test_instance_files_round_trip(tmp_path):
    syn = make_synthetic(12, n=4, l=5, seed=3)
    write_instance(syn, tmp_path / "i.csv", tmp_path / "i.json")
    inst = read_instance(tmp_path / "i.csv", tmp_path / "i.json")
    np.testing.assert_array_equal(inst.X, syn.X)
    np.testing.assert_array_equal(inst.y, syn.y)
    np.testing.assert_array_equal(inst.thresholds, syn.thresholds)
    (tmp_path / "bad.csv").write_text("x0,y\n1,2\n")
    with pytest.raises(DataError, match="bad.csv"):
        read_instance(tmp_path / "bad.csv", tmp_path / "i.json")


def _communities(path: Path, m: int = 60, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    white = rng.random(m) < 0.6
    shares = rng.dirichlet(np.ones(4), size=m)
    shares[white, 1] += 1.0  # racePctWhite largest for those rows
    shares /= shares.sum(axis=1, keepdims=True)
    x = rng.random((m, 2))
    y = np.clip(0.3 * x[:, 0] + 0.3 * (~white) + 0.1 * rng.random(m), 0, 1)
    frame = pd.DataFrame({"population": x[:, 0], "PolicCars": x[:, 1],
                          "racepctblack": shares[:, 0], "racePctWhite": shares[:, 1],
                          "racePctAsian": shares[:, 2], "racePctHisp": shares[:, 3],
                          "ViolentCrimesPerPop": y})
    frame.to_csv(path, index=False)
    return path


def test_prepare_real_split_is_stratified_seeded_and_round_trips(tmp_path):
    raw = _communities(tmp_path / "communities.csv")
    frame, info = prepare_real("communities_crime", raw, subsample=40, subsample_seed=1, split_seed=2)
    again, _ = prepare_real("communities_crime", raw, subsample=40, subsample_seed=1, split_seed=2)
    pd.testing.assert_frame_equal(frame, again)
    assert len(frame) == 40 and info["rows_full"] == 60 and info["rows_used"] == 40
    assert info["features"] == 3 and frame.columns[0] == "const"  # 2 attributes + race, intercept
    assert (frame["part"] == "train").sum() == 20
    share = frame.groupby("part")["a"].mean()
    assert abs(share["train"] - share["test"]) <= 1 / 20 + 1e-12  # stratified by group
    frame.to_csv(tmp_path / "prepared.csv", index=False)
    split = read_prepared(tmp_path / "prepared.csv", l=10)
    assert split.train.m == 20 and split.X_test.shape == (20, 4) and split.train.l == 10
    with pytest.raises(DataError, match="subsample"):
        prepare_real("communities_crime", raw, subsample=100)
    frame.drop(columns=["part"]).to_csv(tmp_path / "nopart.csv", index=False)
    with pytest.raises(DataError, match="nopart.csv.*part"):
        read_prepared(tmp_path / "nopart.csv")


def test_real_methods_score_on_test_and_cd_improves_the_relaxation(tmp_path):
    raw = _communities(tmp_path / "communities.csv", m=120, seed=4)
    frame, _ = prepare_real("communities_crime", raw, split_seed=0)
    frame.to_csv(tmp_path / "prepared.csv", index=False)
    split = read_prepared(tmp_path / "prepared.csv", l=10)
    ls = run_real_method(split, "ls")
    assert ls["test_rel_rmse_increase"] == pytest.approx(0.0)
    relax = run_real_method(split, "relax", lam=0.5)
    cd = run_real_method(split, "cd_relax", lam=0.5, w_relax=np.array(relax["w"]),
                         relax_seconds=relax["seconds"])
    assert relax["lam_sum"] == pytest.approx(0.5 * split.train.m)
    assert cd["train_objective"] <= relax["train_objective"] + 1e-12
    assert cd["start_objective"] == pytest.approx(relax["train_objective"])
    ag = run_real_method(split, "agarwal", eps=0.05, agarwal={"T": 10})
    for row in (relax, cd, ag):
        assert 0 <= row["test_exact_unfairness"] <= 1
        assert row["test_discretized_unfairness"] <= row["test_exact_unfairness"] + 1e-12
    with pytest.raises(ValueError, match="positive lam"):
        run_real_method(split, "relax")


# ----------------------------------------------------------------------------------- scorecard

def _tables():
    summary = instance_summaries(fake_rows())
    for col in ("relax_bigm_bound", "ls_loss"):
        assert col in summary
    return summary, formulation_table(summary), gaps_table(summary)


def test_scorecard_rows_every_slide_number_and_honest_verdicts():
    paper = paper_numbers()
    summary, forms, gaps = _tables()
    cfg = config_section()
    reduced = resolve_settings({**cfg, "scale": "reduced"})
    rows = scorecard_rows(paper, reduced, forms, gaps, summary, {"relax_strong": 0.1}, None)
    frame = pd.DataFrame([r.__dict__ for r in rows])
    synth = frame[frame["item"].str.startswith("synthetic") & frame["item"].str.contains("lambda=")]
    assert len(synth) == 11 * (8 + 5)  # ten lambdas + Avg, 8 formulation and 5 gap numbers each
    ran = synth[synth["item"].str.contains(r"lambda=0\.1$|lambda=0\.5$")]
    assert set(ran["verdict"]) == {"not comparable"}  # a reduced run is never judged on numbers
    assert set(synth[synth["item"].str.endswith("lambda=0.01")]["verdict"]) == {"not run"}
    assert "60 s" in ran["note"].iloc[0]
    claims = frame.set_index("item")["verdict"]
    assert claims["synthetic: the strong relaxation is tighter than big-M's"] == "reproduced"
    assert claims["synthetic: the big-M relaxation is uninformative (its value is vanilla regression's loss)"] \
        == "not reproduced"  # relax_bigm bound 2 vs least-squares loss 8 in the fake rows
    # at the slides' settings the gaps are judged with the configured tolerance
    rows = scorecard_rows(paper, resolve_settings(cfg), forms, gaps, summary, {"relax_strong": 0.1}, None)
    frame = pd.DataFrame([r.__dict__ for r in rows]).set_index("item")
    row = frame.loc["synthetic strong relaxation gap (%), lambda=0.1"]
    assert row["verdict"] == "not reproduced" and row["tolerance"] == "abs 5"  # 25% vs 16%
    assert frame.loc["synthetic strong time (s), lambda=0.1", "verdict"] == "not comparable"
    assert frame.loc["synthetic strong relaxation gap (%), lambda=Avg", "verdict"] == "not comparable"
    assert set(frame.loc[frame.index.str.startswith(("Communities", "Law School")), "verdict"]) == {"not run"}


def test_comparison_markdown_puts_slides_and_run_side_by_side():
    summary, forms, gaps = _tables()
    text = comparison_markdown(paper_numbers(), resolve_settings(config_section()), forms, gaps,
                               {"relax_strong": 0.123})
    assert "| 0.1 | 32.1 / 22.2 |" in text  # slides' relax gap at lambda 0.1 / this run's (2/9)
    assert "| 0.01 | 7.9 / - |" in text  # a lambda the run lacks
    assert "run 0.123 s" in text
