"""Tests of the DAFH study: settings (presets, checks, job names), the method registry's contract, data
preparation and its one-line errors, jobs (determinism, timings apart), aggregation into the tables,
scorecard verdicts and benchmark rows."""
from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

from fairopt.core.errors import ConfigError, DataError
from fairopt.core.io import to_jsonable
from fairopt.data.container import FairData
from fairopt.studies.common import load_paper, schema_defaults
from fairopt.studies.dafh.benchmarks import benchmark_rows, timing_frame
from fairopt.studies.dafh.job import PartView, run_job, score
from fairopt.studies.dafh.methods import METHODS, Context, grid_configs, manual_arrest_partition
from fairopt.studies.dafh.prepare import (LOADERS, PARTS, intersection_codes, intersection_index, load_dataset,
                                          read_parts, split_parts, synthetic_dataset, write_parts)
from fairopt.studies.dafh.scorecard import basis, dafh_scorecard
from fairopt.studies.dafh.settings import (DATASETS, curve_config, grid_with_learning_rates, is_paper_run, jobs,
                                           load_settings, parse_run_name, pilot_needed, run_name)
from fairopt.studies.dafh.tables import SUMMARY_COLUMNS, aggregate_tables, composition_table, select, table4, table7
from tests.conftest import REPO

SMALL_GRID = {"batch_size": [64], "epochs": [2], "lr_group": [0.1], "lr_decoupled": [0.1], "penalty": [0.0, 10.0]}
MODEL = {"hidden_units": 8, "momentum": 0.9, "group_momentum": 0.0, "dtype": "float64"}
BASELINES = {"clustering_n_init": 2, "tree_alpha": 0.1, "tree_prune_fraction": 1 / 3}
SPLITS = {"count": 1, "seed": 0, "test_size": 0.25, "validation_size": 0.2}


# ------------------------------------------------------------------ settings
@pytest.fixture(scope="module")
def paper() -> dict:
    return load_settings()


def test_defaults_are_the_papers_settings(paper):
    figures = {"curve_dataset": "violent", "composition_dataset": "arrest"}  # null: the paper's datasets
    assert paper == {**schema_defaults("dafh"), "scale": "paper", "figures": figures}
    assert paper["splits"]["count"] == 5 and paper["splits"]["test_size"] == 0.25
    assert paper["grid"]["batch_size"] == [256, 1024] and paper["grid"]["epochs"] == [2, 3, 4]
    assert paper["grid"]["penalty"] == [0, 1, 10, 100] and pilot_needed(paper)
    assert paper["table3"]["german"] == {"batch_size": 256, "epochs": 3, "penalty": 100}
    assert paper["table3"]["bank"]["epochs"] == 2 and paper["model"]["hidden_units"] == 100
    assert is_paper_run(paper)


def test_job_list_at_paper_scale_and_in_smoke(paper):
    # DAFH: 5 datasets x K {2..5}; Clustering: K {3,4,5}; Pooled, Trivial, LR-All, TreeLR; Manual on Arrest
    assert len(jobs(paper)) == 5 * (4 + 3 + 4) * 5 + 5
    assert ("arrest", "manual", 4) in jobs(paper) and ("adult", "manual", 0) not in jobs(paper)
    assert ("adult", "clustering_K2", 0) not in jobs(paper) and ("adult", "clustering_K3", 0) in jobs(paper)
    smoke = load_settings({"scale": "smoke"})
    assert not pilot_needed(smoke) and smoke["datasets"] == ["german"] and not is_paper_run(smoke)
    assert sorted(r for _, r, _ in jobs(smoke)) == sorted(
        ["dafh_K2", "dafh_K3", "pooled", "trivial", "clustering_K3", "lr_all", "tree_lr"])


def test_figure_datasets_follow_the_datasets_run():
    assert load_settings({"datasets": ["german", "bank"]})["figures"] == {"curve_dataset": "german",
                                                                          "composition_dataset": "german"}
    assert load_settings({"datasets": ["bank", "arrest"]})["figures"] == {"curve_dataset": "bank",
                                                                          "composition_dataset": "arrest"}
    assert load_settings({"figures": {"curve_dataset": "adult"}})["figures"]["curve_dataset"] == "adult"


def test_explicit_keys_win_over_the_preset():
    s = load_settings({"scale": "smoke", "n_groups": [2], "grid": {"penalty": [1]}})
    assert s["n_groups"] == [2] and s["grid"]["penalty"] == [1] and s["grid"]["batch_size"] == [256]


@pytest.mark.parametrize("section, match", [
    ({"datasets": ["adultx"]}, r"dafh\.datasets"),
    ({"n_groups": [1, 2]}, r"dafh\.n_groups"),
    ({"methods": ["dafh", "pooled"]}, r"dafh is compared with trivial"),
    ({"datasets": ["german"], "figures": {"curve_dataset": "violent"}},
     r"dafh\.figures\.curve_dataset: 'violent' is not one of dafh\.datasets"),
    ({"grid": {"penalty": [1, 1]}}, r"dafh\.grid\.penalty: duplicate"),
    ({"splits": {"test_size": 1.5}}, r"dafh\.splits\.test_size"),
    ({"table3": {"adult": {"batch_size": 1}}}, r"dafh\.table3"),
])
def test_bad_settings_give_one_line_errors(section, match):
    with pytest.raises(ConfigError, match=match) as info:
        load_settings(section)
    assert "\n" not in str(info.value)


def test_run_names_round_trip_and_reject_garbage():
    assert run_name("dafh", 3) == "dafh_K3" and parse_run_name("dafh_K3") == ("dafh", 3)
    assert run_name("tree_lr", None) == "tree_lr" and parse_run_name("tree_lr") == ("tree_lr", None)
    for bad in ("dafh", "pooled_K2", "foo", "dafh_Kx"):
        with pytest.raises(ConfigError):
            parse_run_name(bad)
    with pytest.raises(ConfigError, match="a K is needed"):
        run_name("clustering", None)


def test_pilot_learning_rates_fill_the_grid_and_pick_the_curve_configuration(paper):
    with pytest.raises(ConfigError, match="no pilot result"):
        grid_with_learning_rates(paper, None)
    pilot = {"lr_group": [0.01, 0.1], "lr_decoupled": [0.03, 0.3],
             "rows": [{"dataset": "violent", "lr_group": g, "lr_decoupled": d, "validation_accuracy": acc}
                      for g, d, acc in [(0.01, 0.03, 0.6), (0.1, 0.3, 0.7), (0.01, 0.3, 0.65), (1.0, 1.0, 0.9)]]}
    grid = grid_with_learning_rates(paper, pilot)
    assert grid["lr_group"] == [0.01, 0.1] and grid["lr_decoupled"] == [0.03, 0.3]
    config = curve_config(paper, pilot, "violent")  # (1.0, 1.0) is not in the grid
    assert (config["lr_group"], config["lr_decoupled"]) == (0.1, 0.3)
    assert (config["batch_size"], config["epochs"], config["penalty"]) == (1024, 3, 10.0)


# ------------------------------------------------------------------ data fixtures
def _toy(n: int = 600, seed: int = 0, dataset: str = "toy") -> FairData:
    """Two proxy features of two binary attributes plus noise; race/sex/age coded like COMPAS."""
    rng = np.random.default_rng(seed)
    race, sex, age = rng.integers(0, 2, n), rng.integers(0, 2, n), rng.integers(0, 3, n)
    X = np.column_stack([race + rng.normal(0, 0.5, n), sex + rng.normal(0, 0.5, n), rng.normal(size=(n, 2)),
                         rng.integers(0, 2, n)])
    logit = np.where(race == sex, X[:, 2], -X[:, 2]) + 0.3 * X[:, 3]
    y = (logit + rng.normal(0, 0.3, n) > 0).astype(float)
    groups = np.column_stack([race, sex, age]).astype(np.int64)
    return FairData(X=X, y=y, groups=groups, feature_names=["x1", "x2", "x3", "x4", "flag"],
                    group_names=["race", "sex", "age"],
                    meta={"dataset": dataset, "primary": "race", "lr_all": ["race", "sex"],
                          "sensitive": {"race": {0: "White", 1: "Non-White"}, "sex": {0: "Male", 1: "Female"},
                                        "age": {0: "<25", 1: "25-45", 2: ">45"}}})


@pytest.fixture(scope="module")
def parts() -> dict[str, FairData]:
    return split_parts(_toy(), 0, SPLITS)


def _ctx(k=None) -> Context:
    return Context(n_groups=k, seed=0, grid=SMALL_GRID, model=MODEL, baselines=BASELINES)


def test_split_parts_sizes_stratification_and_standardisation(parts):
    assert {k: len(v) for k, v in parts.items()} == {"train": 450, "test": 150, "fit": 360, "validation": 90}
    assert abs(parts["train"].y.mean() - parts["test"].y.mean()) < 0.02
    X = parts["train"].X
    assert np.allclose(X[:, :4].mean(axis=0), 0.0) and np.allclose(X[:, :4].std(axis=0), 1.0)
    assert set(np.unique(X[:, 4])) <= {0.0, 1.0}  # 0/1 columns left as they are
    again = split_parts(_toy(), 0, SPLITS)
    assert all(np.array_equal(parts[p].X, again[p].X) for p in PARTS)


def test_parts_round_trip_through_npz(parts, tmp_path):
    paths = {p: tmp_path / f"{p}.npz" for p in PARTS}
    write_parts(parts, paths)
    back = read_parts(paths)
    assert np.array_equal(back["test"].groups, parts["test"].groups)
    assert back["test"].meta["sensitive"]["race"][1] == "Non-White"


def test_intersections_as_codes_and_labels(parts):
    codes, labels = intersection_index(parts["test"])
    assert labels == sorted(labels) or len(labels) == 4
    assert list(intersection_codes(parts["test"])) == [labels[c] for c in codes]
    assert "race=Non-White|sex=Female" in labels


def test_a_group_without_rows_in_a_split_is_a_one_line_error():
    data = _toy()
    data.groups[:, 0] = 0
    data.groups[:3, 0] = 1  # three Non-White rows: one part lacks them for some seed
    for seed in range(20):
        try:
            split_parts(data, seed, SPLITS)
        except DataError as exc:
            assert "has no rows in the" in str(exc) and "\n" not in str(exc)
            return
    pytest.fail("no split lacked the rare group")


def test_label_leakage_is_refused_before_any_split():
    data = _toy()
    data.X[:, 4] = data.y
    with pytest.raises(DataError, match="agrees with the label"):
        split_parts(data, 0, SPLITS)


def test_unknown_dataset_and_missing_attribute_are_one_line_errors(parts):
    with pytest.raises(ConfigError, match=r"dafh\.datasets"):
        load_dataset("nope", [], {})
    broken = {k: FairData(X=v.X, y=v.y, groups=v.groups[:, :1], feature_names=v.feature_names, group_names=["race"],
                          meta={**v.meta, "lr_all": ["race"]}) for k, v in parts.items()}
    with pytest.raises(DataError, match=r"sensitive attribute\(s\) \['race', 'sex', 'age'\] not in the data|"
                                        r"\['sex', 'age'\] not in the data"):
        METHODS.get("manual")(broken, _ctx())


def test_every_loader_declares_its_raw_files():
    assert set(LOADERS.names()) == set(DATASETS)
    for name in LOADERS.names():
        dataset, files = LOADERS.info(name)["raw"]
        assert dataset and files


# ------------------------------------------------------------------ the method registry's contract
@pytest.mark.parametrize("method", [m for m in METHODS.names() if m != "manual"] + ["manual"])
def test_every_method_returns_scored_candidates(method, parts):
    info = METHODS.info(method)
    assert {"label", "uses_k", "demographic"} <= set(info)
    candidates = METHODS.get(method)(parts, _ctx(2 if info["uses_k"] else None))
    assert candidates
    view = PartView(parts["test"])
    for c in candidates:
        s = score(c.full, view, alpha=0.1, features_only=c.features_only)
        assert 0.0 <= s["learned"]["accuracy"] <= s["learned"]["prob_fwh"] <= 1.0
        assert sum(s["group_sizes"]) == len(parts["test"]) and "intersections" in s
        assert c.features_only == (method == "dafh")
    if method == "dafh":
        assert len(candidates) == 2 and all(c.fit is not None for c in candidates)
        assert candidates[0].full.n_features_in_ == parts["train"].X.shape[1]  # no sensitive input


def test_manual_partition_follows_table_5():
    S = np.array([[1, 0, 0], [1, 0, 1], [1, 0, 2], [1, 1, 1], [1, 1, 0], [0, 0, 0]])
    ids = manual_arrest_partition(S, np.random.default_rng(0))
    assert list(ids[:4]) == [0, 0, ids[2], 1] and set(ids) <= {0, 1}
    assert np.array_equal(ids, manual_arrest_partition(S, np.random.default_rng(0)))


def test_grid_configs_cover_the_product():
    configs = grid_configs({"batch_size": [256, 1024], "epochs": [2, 3, 4], "lr_group": [0.1, 0.3],
                            "lr_decoupled": [0.1, 0.3], "penalty": [0, 1, 10, 100]}, MODEL)
    assert len(configs) == 96 and len({tuple(sorted(c.items())) for c in configs}) == 96


# ------------------------------------------------------------------ jobs
def test_job_records_are_deterministic_and_keep_timings_apart(parts):
    a, ta = run_job(parts, "dafh", _ctx(2), alpha=0.1, composition=True)
    b, _ = run_job(parts, "dafh", _ctx(2), alpha=0.1, composition=True)
    assert json.dumps(to_jsonable(a), sort_keys=True) == json.dumps(to_jsonable(b), sort_keys=True)
    assert "seconds" not in json.dumps(to_jsonable(a)) and ta["n_fits"] == 4 and ta["fit_seconds"] > 0
    c = a["candidates"][0]
    assert set(c) == {"params", "test", "validation"} and "composition" in c["test"]
    assert "intersections" not in c["validation"]


def test_manual_runs_only_on_arrest(parts):
    with pytest.raises(ConfigError, match="manual runs only on"):
        run_job(parts, "manual", _ctx(), alpha=0.1)


# ------------------------------------------------------------------ tables
def _fake_runs() -> pd.DataFrame:
    rows = []
    for split in range(2):
        for cand, (fwh, acc, vfwh) in enumerate([(0.95, 0.80, 0.90), (0.97, 0.70, 0.85)]):
            rows.append({"dataset": "d", "method": "dafh", "label": "DAFH (ours)", "K": 2, "split": split,
                         "candidate": cand, "config": f"c{cand}", "test_prob_fwh": fwh + 0.01 * split,
                         "test_accuracy": acc, "test_pooled_accuracy": 0.75, "test_agreement": 0.5,
                         "validation_prob_fwh": vfwh, "validation_accuracy": acc,
                         "test_group_sizes": "10/10", "test_smallest_group_share": 0.5})
        rows.append({"dataset": "d", "method": "trivial", "label": "Trivial partition", "K": -1, "split": split,
                     "candidate": 0, "config": "-", "test_prob_fwh": 0.9, "test_accuracy": 0.78 + 0.02 * split,
                     "test_pooled_accuracy": 0.75, "test_agreement": 0.6, "test_group_sizes": "15/5",
                     "test_smallest_group_share": 0.25})
    frame = pd.DataFrame(rows)
    for grouping in ("learned", "intersections"):
        for key in ("n_violations", "n_violations_significant", "max_gain", "min_envy", "disparity", "n_models"):
            frame[f"test_{grouping}_{key}"] = 0.01
    return frame


def test_the_two_selection_rules():
    runs = _fake_runs()
    assert set(select(runs, "paper").query("method == 'dafh'")["config"]) == {"c1"}  # highest test P(fwh)
    assert set(select(runs, "validation").query("method == 'dafh'")["config"]) == {"c0"}
    with pytest.raises(DataError, match="unknown selection rule"):
        select(runs, "oracle")


def test_table4_means_and_sample_sd():
    t = table4(_fake_runs(), ["d"])
    assert list(t.columns) == list(SUMMARY_COLUMNS)
    paper_row = t[(t["method"] == "dafh") & (t["rule"] == "paper")].iloc[0]
    assert paper_row["prob_fwh_mean"] == pytest.approx(0.975) and paper_row["n_splits"] == 2
    assert paper_row["prob_fwh_sd"] == pytest.approx(np.std([0.97, 0.98], ddof=1))
    triv = t[t["method"] == "trivial"].iloc[0]
    assert triv["rule"] == "-" and triv["accuracy_mean"] == pytest.approx(0.79)


def test_table7_takes_the_best_test_accuracy_run():
    runs = _fake_runs()
    runs.loc[(runs["method"] == "trivial") & (runs["split"] == 1), "test_intersections_max_gain"] = 0.05
    t = table7(runs.assign(dataset="arrest"), ["arrest"])
    row = t[t["method"] == "trivial"].iloc[0]
    assert row["split"] == 1 and row["intersections_max_gain"] == pytest.approx(5.0)


def test_composition_names_groups_by_size():
    def record(split, big, small):
        return {"dataset": "arrest", "method": "dafh", "label": "DAFH", "K": 2, "split": split,
                "candidates": [{"params": {"batch_size": 1}, "test": {
                    "learned": {k: 0.5 for k in ("prob_fwh", "accuracy", "pooled_accuracy", "agreement",
                                                 "n_violations", "n_violations_significant", "max_gain", "min_envy",
                                                 "disparity", "n_models")},
                    "intersections": {k: 0.5 for k in ("n_violations", "n_violations_significant", "max_gain",
                                                       "min_envy", "disparity", "n_models")},
                    "group_sizes": [1, 1], "n": 2, "composition": {big: {"a": 8, "b": 2}, small: {"a": 1}}}}]}
    comp = composition_table([record(0, "0", "1"), record(1, "1", "0")])  # indices swapped in split 1
    counts = comp.set_index(["group", "subgroup"])["count"]
    assert counts[("0", "a")] == 16 and counts[("0", "b")] == 4 and counts[("1", "a")] == 2


# ------------------------------------------------------------------ aggregation, scorecard, benchmarks
@pytest.fixture(scope="module")
def smoke_tables(parts) -> tuple[dict, dict]:
    settings = load_settings({"scale": "smoke", "datasets": ["german"]})
    records = []
    for method, k in [("dafh", 2), ("dafh", 3), ("pooled", None), ("trivial", None), ("clustering", 3),
                      ("lr_all", None), ("tree_lr", None)]:
        relabelled = {p: FairData(X=d.X, y=d.y, groups=d.groups, feature_names=d.feature_names,
                                  group_names=d.group_names, meta={**d.meta, "dataset": "german"})
                      for p, d in parts.items()}
        records.append(to_jsonable(run_job(relabelled, method, _ctx(k), alpha=0.1, composition=method == "dafh")[0]))
    curve = {"steps": [{"step": s, "train_prob_fwh": 0.9, "train_accuracy": 0.7, "test_prob_fwh": 0.8 + 0.02 * s,
                        "test_accuracy": 0.6 + 0.02 * s} for s in range(1, 6)],
             "trivial": {"train_prob_fwh": 0.85, "train_accuracy": 0.7, "test_prob_fwh": 0.85, "test_accuracy": 0.65},
             "split": 0}
    syn_parts = split_parts(synthetic_dataset(800, 0), 0, SPLITS)
    from fairopt.studies.dafh.job import run_synthetic

    synthetic = to_jsonable(run_synthetic(syn_parts, Context(n_groups=4, seed=0, grid=SMALL_GRID, model=MODEL),
                                          alpha=0.1, plot_points=50))
    return aggregate_tables(records, [curve], synthetic, None, settings), settings


def test_aggregate_writes_every_table(smoke_tables):
    tables, _ = smoke_tables
    assert set(tables) == {"runs", "table4", "table5", "table6", "table7", "grid", "curve", "composition",
                           "synthetic", "pilot"}
    assert set(tables["table4"]["method"]) == {"dafh", "trivial", "pooled"}
    assert tables["table5"].empty and list(tables["table5"].columns) == list(SUMMARY_COLUMNS)
    assert set(tables["table6"]["method"]) == {"dafh", "clustering"}
    assert tables["table7"].empty  # German is not a Table 7 dataset
    assert list(tables["synthetic"]["method"]) == ["pooled", "split_s1", "split_s2", "split_both", "dafh"]
    assert tables["curve"]["step"].tolist() == [1, 2, 3, 4, 5]
    assert tables["pilot"]["source"].iloc[0].startswith("config")


def test_scorecard_verdicts_follow_the_basis(smoke_tables):
    tables, settings = smoke_tables
    paper = load_paper(REPO / "workflow" / "paper" / "dafh.yaml", ("n_splits", "table7", "claims"))
    frame = pd.DataFrame([r.__dict__ for r in dafh_scorecard(paper=paper, settings=settings,
                                                             paper_settings=schema_defaults("dafh"),
                                                             tables=tables)])
    claims = frame.set_index("item")
    assert claims.loc["table4_prob_fwh", "verdict"] == "not comparable"  # the smoke preset
    assert "settings differ" in claims.loc["table4_prob_fwh", "note"]
    assert claims.loc["table7_no_violations", "verdict"] == "not run"
    assert (frame["reproduced"].str.contains("DAFH") | (frame["verdict"] == "not run")).any()
    # the paper's settings with fewer splits: inconclusive; with five: a real verdict
    paper_settings = schema_defaults("dafh")
    few = copy.deepcopy(paper_settings)
    few["splits"]["count"] = 2
    assert basis(few, paper_settings, ("splits", "grid"), 5)[:2] == (True, False)
    assert basis(paper_settings, paper_settings, ("splits", "grid"), 5)[:2] == (True, True)
    other = copy.deepcopy(paper_settings)
    other["grid"]["epochs"] = [1]
    assert basis(other, paper_settings, ("splits", "grid"), 5)[0] is False


def _paper_basis_tables(dafh_fwh: float, dafh_acc: float, agreement: float) -> dict:
    def row(method, k, fwh, acc, agree, rule):
        return {"dataset": "german", "method": method, "label": method, "K": k, "rule": rule, "config": "-",
                "n_splits": 5, "prob_fwh_mean": fwh, "prob_fwh_sd": 0.01, "accuracy_mean": acc, "accuracy_sd": 0.01,
                "pooled_accuracy_mean": 0.7, "agreement_mean": agree, "smallest_group_share_mean": 0.3,
                "group_sizes": "1/1"}
    t4 = pd.DataFrame([row("dafh", 2, dafh_fwh, dafh_acc, agreement, "paper"),
                       row("dafh", 2, dafh_fwh, dafh_acc, agreement, "validation"),
                       row("trivial", -1, 0.9, 0.72, 0.8, "-"), row("pooled", -1, 1.0, 0.70, 1.0, "-")])
    empty = pd.DataFrame(columns=SUMMARY_COLUMNS)
    return {"table4": t4, "table5": empty, "table6": empty, "table7": pd.DataFrame(columns=["dataset", "method"])}


@pytest.mark.parametrize("fwh, acc, agreement, verdicts", [
    (0.95, 0.75, 0.5, ("reproduced", "reproduced")),
    (0.80, 0.60, 0.5, ("not reproduced", "not reproduced")),
    (0.999, 0.75, 0.995, ("inconclusive", "reproduced")),  # a degenerate partition wins P(fwh) by construction
])
def test_table4_claims_can_fail_and_degenerate_wins_are_inconclusive(fwh, acc, agreement, verdicts):
    paper = load_paper(REPO / "workflow" / "paper" / "dafh.yaml", ("claims",))
    settings = {**schema_defaults("dafh"), "datasets": ["german"], "scale": "paper"}
    from fairopt.studies.dafh.scorecard import claim_rows

    rows = {r.item: r for r in claim_rows(_paper_basis_tables(fwh, acc, agreement), paper, settings, comparable=True,
                                          conclusive=True, note="paper settings, 5 splits",
                                          synthetic=(True, True, "paper settings"))}
    assert (rows["table4_prob_fwh"].verdict, rows["table4_accuracy"].verdict) == verdicts


def test_benchmark_rows_and_the_target_only_at_paper_settings_on_two_cores():
    def rec(stage, start, wall, **extra):
        return {"stage": stage, "start": start, "end": start + wall, "wall_seconds": wall, "cpu_seconds": wall / 2,
                "cores": 2, "loadavg_start": 0.5, "loadavg_end": 1.0, **extra}
    timings = timing_frame([rec("prepare", 0.0, 1.0, dataset="german", split=0),
                            rec("job", 1.0, 3.0, dataset="german", method="dafh", K=2, split=0, fit_seconds=2.0,
                                n_fits=192, seconds_per_fit=2.0 / 192),
                            rec("job", 1.0, 1.0, dataset="german", method="pooled", K=None, split=0, fit_seconds=0.1,
                                n_fits=1, seconds_per_fit=0.1)])
    fits = {"single": {"wall_s": 1.0, "process_s": 1.0}, "batched": {"wall_s": 2.0, "process_s": 2.0},
            "batched_snapshots": {"wall_s": 4.0, "process_s": 4.0},
            "sizes": {"n": 100, "d": 5, "K": 2, "batch_size": 32, "configs_per_group": 16, "snapshot_configs": 48}}
    rows = {(r.benchmark, r.metric, r.setting.split(",")[0]): r
            for r in benchmark_rows(timings, fits, paper_settings=True, workflow_cores=2, scale="paper")}
    span = rows[("study", "span_seconds", "scale paper")]
    assert span.value == 4.0 and span.comparison == "<=" and span.target_met is True
    assert rows[("batched_fit", "speedup_over_one_at_a_time", "n=100")].value == 12.0
    assert rows[("seconds_per_fit", "seconds", "dafh")].value == pytest.approx(2.0 / 192)
    other = {r.metric: r for r in benchmark_rows(timings, fits, paper_settings=True, workflow_cores=4, scale="paper")
             if r.benchmark == "study"}
    assert other["span_seconds"].comparison == "none"
    with pytest.raises(ValueError, match="lack"):
        timing_frame([{"stage": "job"}])
