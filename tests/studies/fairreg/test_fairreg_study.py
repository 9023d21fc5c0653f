"""Fair regression study plumbing: settings and config errors, crash isolation, guarded MIOs,
aggregation into the slides' tables, real-data preparation and methods, and the scorecard."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from fairopt.core.errors import ConfigError, DataError
from fairopt.studies.fairreg.job import run_real, run_synthetic
from fairopt.studies.fairreg.methods import REAL, SYNTHETIC, SolveOptions
from fairopt.studies.fairreg.prepare import prepare_real, read_instance, read_prepared, synthetic_instance, write_instance
from fairopt.studies.fairreg.scorecard import (comparison_markdown, comparison_timing_markdown, scorecard_rows,
                                               synthetic_comparable)
from fairopt.studies.fairreg.settings import (format_value, job_options, load_settings, parse_real_setting,
                                              real_setting, real_settings)
from fairopt.studies.fairreg.tables import (AVG, NO_MODEL_NOTE, formulation_table, formulation_timing_table,
                                            gaps_table, instance_summaries, markdown_table, pareto_front,
                                            rmse_reduction, summarize, training_time_table)

from tests.conftest import REPO


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch):
    """Config paths (the Ipopt options file) are relative to the repository root, as in a run."""
    monkeypatch.chdir(REPO)


def paper_numbers() -> dict:
    with open(REPO / "workflow" / "paper" / "fairreg.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


GENERATOR = {"p_protected": 0.4, "shift": 1.0, "n_shifted": 3, "noise": 0.1, "intercept": True,
             "threshold_position": "left"}


def instance(m: int, seed: int = 0, *, n: int = 10, l: int = 40):  # noqa: E741
    return synthetic_instance(m, seed, n=n, l=l, generator=GENERATOR)[0]


def options(**kw) -> SolveOptions:
    """The paper preset's solver settings (SCIP at the given time limit)."""
    return SolveOptions(**{**job_options(load_settings(), "synthetic"), **kw})


# ------------------------------------------------------------------------------ settings

def test_paper_preset_is_the_slides_study():
    s = load_settings()
    ref = paper_numbers()["synthetic"]["settings"]
    assert s["scale"] == "paper"
    assert s["synthetic"]["m"] == ref["m"]
    assert [format_value(x) for x in s["synthetic"]["lambdas"]] == [format_value(x) for x in ref["lambdas"]]
    assert s["synthetic"]["time_limit"] == ref["time_limit"]
    assert (s["synthetic"]["n"], s["synthetic"]["l"]) == (ref["n"], ref["l"])
    assert s["real"]["subsample"] == {"communities_crime": None, "law_school": None}
    assert s["real"]["mio_time_limit"] == paper_numbers()["real"]["mio_time_limit"]
    assert synthetic_comparable(s, paper_numbers())
    assert s["solvers"]["mio_node_limit"] is None  # the slides' clock limits alone
    smoke = load_settings({"scale": "smoke"})
    assert not synthetic_comparable(smoke, paper_numbers())
    assert load_settings({}, default_scale="smoke") == smoke  # the top-level scale
    # a node limit would make the paper-scale run "not comparable" too
    assert not synthetic_comparable(load_settings({"solvers": {"mio_node_limit": 10}}), paper_numbers())


def test_smoke_mios_stop_at_a_deterministic_node_limit_with_the_clock_as_backstop():
    """Issue 12 item 6: the smoke MIOs stop at SCIP's node limit (the root node), not at a clock; the time
    limit is a backstop far above the root's measured CPU time (up to 44 s for the strong MIO at m = 16),
    and the watchdog's deadline is sized from the child's build report, not a fixed 15 minutes."""
    smoke = load_settings({"scale": "smoke"})
    assert smoke["solvers"]["mio_node_limit"] == 1
    assert smoke["synthetic"]["time_limit"] >= 300
    opts = job_options(smoke, "synthetic")
    assert opts["node_limit"] == 1 and opts["time_limit"] == smoke["synthetic"]["time_limit"]
    assert opts["wall_limit"] == {"build": smoke["solvers"]["wall_build_limit"],
                                  "solve": 2 * opts["time_limit"] + smoke["solvers"]["wall_limit_extra"],
                                  "per_build_second": smoke["solvers"]["wall_limit_per_build_second"]}
    real = job_options(load_settings(), "real")  # a short limit gets a short deadline after the build
    tiny = job_options(load_settings({"real": {"mio_time_limit": 0.01}}), "real")
    assert tiny["wall_limit"]["solve"] < 120 < real["wall_limit"]["solve"]


def test_explicit_keys_win_over_the_preset():
    s = load_settings({"scale": "reduced", "synthetic": {"time_limit": 7}})
    assert s["synthetic"]["time_limit"] == 7.0
    assert s["synthetic"]["m"] == [15, 30]  # from the preset
    assert load_settings({"scale": "reduced"})["synthetic"]["time_limit"] == 60.0


@pytest.mark.parametrize("explicit,key", [
    ({"scale": "huge"}, "fairreg.scale"),
    ({"synthetic": {"m": [15, 2]}}, "fairreg.synthetic.m"),
    ({"synthetic": {"lambdas": [0.1, 0.10000000001]}}, "fairreg.synthetic.lambdas"),
    ({"synthetic": {"time_limit": 0}}, "fairreg.synthetic.time_limit"),
    ({"synthetic": {"mm": [15]}}, "fairreg.synthetic"),
    ({"real": {"datasets": ["adult"]}}, "fairreg.real.datasets"),
    ({"real": {"methods": ["relax", "agarwal"]}}, "fairreg.real.methods"),
    ({"real": {"methods": ["ls", "cd_relax"]}}, "fairreg.real.methods"),
    ({"real": {"subsample": {"law_school": 5}}}, "fairreg.real.subsample.law_school"),
    ({"synthetic": {"methods": ["cd_relax"]}}, "fairreg.synthetic.methods"),
    ({"solvers": {"scip_params": {"nlpi/ipopt/optfile": "missing/ipopt.opt"}}}, "fairreg.solvers.scip_params"),
    ({"solvers": {"mio_node_limit": 0}}, "fairreg.solvers.mio_node_limit"),
    ({"solvers": {"mio": "gurobi", "mio_node_limit": 5}}, "fairreg.solvers.mio_node_limit"),
])
def test_bad_settings_raise_one_line_error_naming_the_key(explicit, key):
    with pytest.raises(ConfigError) as err:
        load_settings(explicit)
    assert key in str(err.value) and "\n" not in str(err.value)


def test_real_job_names_round_trip():
    s = load_settings({"scale": "smoke"})
    names = real_settings(s)
    assert ("ls", "base") in names and ("relax", "lam0.1") in names and ("agarwal", "eps0.02") in names
    for method, setting in names:
        lam, eps = parse_real_setting(method, setting)
        value = {"lam": lam, "eps": eps, None: None}[REAL.info(method)["setting"]]
        assert real_setting(method, value) == setting
    with pytest.raises(ConfigError, match="relax_eps0.1"):
        parse_real_setting("relax", "eps0.1")


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
                _row(m, 0, lam, "strong", 8.0, best_bound=7.0, gap=0.125, status="node_limit",
                     stopped_by="node_limit", total_nodes=100, time_limit=5.0, node_limit=100),
                _row(m, 0, lam, "bigm", None, status="no_incumbent", stopped_by="time_limit", time_limit=5.0,
                     node_limit=100, fallback_used=False) if m == 30 else
                _row(m, 0, lam, "bigm", 9.0, best_bound=4.0, gap=5 / 9, status="time_limit",
                     stopped_by="time_limit", total_nodes=1000, time_limit=5.0, node_limit=100),
            ]
    return rows


def fake_timings():
    """The timing records of :func:`fake_rows`' MIOs (the no-incumbent big-M has no solver time)."""
    return pd.DataFrame([{"m": r["m"], "seed": r["seed"], "lam": r["lam"], "method": r["method"],
                          "solver_seconds": 4.0 if r["method"] == "strong" else 5.0}
                         for r in fake_rows() if r["method"] in ("bigm", "strong") and r["objective"] is not None])


def test_summarize_handles_mios_without_a_model():
    rows = [r for r in fake_rows() if r["m"] == 30 and r["lam"] == 0.1]
    out = summarize(rows)
    assert out["best_objective"] == 8.0 and out["best_bound"] == 7.0
    assert out["relax_gap_strong"] == pytest.approx(0.25)
    assert out["relax_gap_bigm"] == pytest.approx(0.75)
    # no model, no gap: missing (flagged), not 100% (issue 12 item 8)
    assert np.isnan(out["end_gap_bigm"]) and np.isnan(out["opt_gap_bigm"]) and np.isnan(out["solver_gap_bigm"])
    assert out["no_model_bigm"] is True and out["no_model_strong"] is False
    assert out["opt_gap_cd0"] == pytest.approx(2 / 9)
    assert out["opt_gap_strong"] == pytest.approx(1 / 8)
    with pytest.raises(ValueError, match="no method returned a model"):
        summarize([_row(30, 0, 0.1, "bigm", None, status="crashed")])


def test_end_gap_is_against_the_better_model_and_flags_beating_the_separated_bound():
    """Item 4 of issue 11: a model without delta-separation (CD) can beat a MIO's "proven" bound."""
    rows = [_row(15, 0, 0.1, "ls", 10.0), _row(15, 0, 0.1, "cd_relax", 6.9),
            _row(15, 0, 0.1, "strong", 7.0, best_bound=7.0, gap=0.0, status="optimal")]
    out = summarize(rows)
    assert out["solver_gap_strong"] == 0.0
    assert out["end_gap_strong"] == pytest.approx((6.9 - 7.0) / 6.9)
    assert out["below_bound_strong"] is True
    ok = summarize([_row(15, 0, 0.1, "ls", 10.0), _row(15, 0, 0.1, "strong", 7.0, best_bound=7.0, gap=0.0)])
    assert ok["below_bound_strong"] is False and ok["end_gap_strong"] == 0.0


def test_formulation_and_gap_tables_average_per_lambda_then_over_lambdas():
    summary = instance_summaries(fake_rows())
    assert len(summary) == 4
    forms = formulation_table(summary)
    assert list(forms["lam"]) == ["0.1", "0.5", AVG]
    first = forms.iloc[0]
    assert first["n_instances"] == 2
    assert first["strong_relax_gap"] == pytest.approx(25.0)
    assert first["strong_end_gap"] == pytest.approx(12.5)
    # big-M: m=15 end gap against the best model known (8 vs bound 4), the solver's own 5/9 (its
    # incumbent 9); m=30 no model: no gap, left out of the mean and counted in bigm_no_model
    assert first["bigm_end_gap"] == pytest.approx(100 * 0.5)
    assert first["bigm_solver_gap"] == pytest.approx(100 * 5 / 9)
    assert first["bigm_below_bound"] == 0.0
    assert first["bigm_no_model"] == pytest.approx(0.5)
    assert first["bigm_nodes"] == pytest.approx(1000)  # only the MIO that reported nodes
    # which limit stopped them: the strong MIOs their node limit, both big-M ones the clock
    assert (first["strong_node_limit"], first["strong_time_limit"]) == (1.0, 0.0)
    assert (first["bigm_node_limit"], first["bigm_time_limit"]) == (0.0, 1.0)
    assert not any(c.endswith("_time") for c in forms)  # measured times live in the timing table
    times = formulation_timing_table(summary, fake_timings())
    assert list(times["lam"]) == ["0.1", "0.5", AVG]
    assert times.iloc[0]["bigm_time"] == pytest.approx(5.0)  # no incumbent at the clock: counted at its limit
    assert times.iloc[0]["strong_time"] == pytest.approx(4.0)
    avg = forms.iloc[-1]
    assert avg["strong_end_gap"] == pytest.approx(forms["strong_end_gap"].iloc[:2].mean())
    assert avg["n_instances"] == 4
    gaps = gaps_table(summary)
    assert gaps.iloc[0]["cd_relax"] == pytest.approx(100 * 1 / 8)
    assert gaps.iloc[0]["micqo"] == pytest.approx(100 * 1 / 8)
    assert gaps.iloc[0]["relax"] == pytest.approx(100 * 2 / 9)
    # big-M at m = 15: (9 - 7) / 9; at m = 30 none (not 100%): the mean is the m = 15 gap, the share says why
    assert gaps.iloc[0]["bigm"] == pytest.approx(100 * 2 / 9)
    assert (gaps.iloc[0]["bigm_no_model"], gaps.iloc[0]["micqo_no_model"]) == (0.5, 0.0)


def test_gap_tables_leave_a_lambda_without_any_mio_model_empty_and_say_why():
    rows = [r for r in fake_rows() if r["m"] == 30]
    gaps, forms = gaps_table(instance_summaries(rows)), formulation_table(instance_summaries(rows))
    assert gaps["bigm"].isna().all() and (gaps["bigm_no_model"] == 1.0).all()
    assert forms["bigm_end_gap"].isna().all()
    text = markdown_table(gaps)
    assert "| 0.1 | 1 |" in text and "| 100 |" not in text  # an empty cell, not 100
    assert "not counted as 100%" in NO_MODEL_NOTE
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
    # timing records: CD-relax at lambda starts from the relaxation at lambda (the pipeline's time is the sum)
    times = training_time_table([
        {"dataset": "d", "method": "relax", "lam": 0.1, "seconds": 2.0, "cpu_seconds": 1.0},
        {"dataset": "d", "method": "relax", "lam": 1.0, "seconds": 4.0, "cpu_seconds": 3.0},
        {"dataset": "d", "method": "cd_relax", "lam": 0.1, "seconds": 1.0, "cpu_seconds": 0.5},
        {"dataset": "d", "method": "cd_relax", "lam": 1.0, "seconds": 3.0, "cpu_seconds": 2.5},
    ]).set_index("method")
    assert times.loc["relax+cd", "mean_seconds"] == pytest.approx(5.0)
    assert times.loc["relax+cd", "max_seconds"] == pytest.approx(7.0)
    assert times.loc["relax+cd", "mean_cpu_seconds"] == pytest.approx(3.5)
    assert times.loc["cd_relax", "max_seconds"] == 3.0


# ------------------------------------------------------------------- instances and real data

def test_instance_files_round_trip(tmp_path):
    syn, record = synthetic_instance(12, 3, n=4, l=5, generator=GENERATOR)
    assert record["params"]["l"] == 5 and record["seed"] == 3 and len(record["beta"]) == 3
    write_instance(syn, record, tmp_path / "i.csv", tmp_path / "i.json")
    inst = read_instance(tmp_path / "i.csv", tmp_path / "i.json")
    np.testing.assert_array_equal(inst.X, syn.X)
    np.testing.assert_array_equal(inst.y, syn.y)
    np.testing.assert_array_equal(inst.thresholds, syn.thresholds)
    (tmp_path / "bad.csv").write_text("x0,y\n1,2\n")
    with pytest.raises(DataError, match="bad.csv"):
        read_instance(tmp_path / "bad.csv", tmp_path / "i.json")


#: the paper preset's preparation options (no subsample, 50/50 split, intercept)
PREP = {"subsample": None, "subsample_seed": 0, "test_size": 0.5, "split_seed": 0, "intercept": True}


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
    frame, info = prepare_real("communities_crime", raw, **{**PREP, "subsample": 40, "subsample_seed": 1, "split_seed": 2})
    again, _ = prepare_real("communities_crime", raw, **{**PREP, "subsample": 40, "subsample_seed": 1, "split_seed": 2})
    pd.testing.assert_frame_equal(frame, again)
    assert len(frame) == 40 and info["rows_full"] == 60 and info["rows_used"] == 40
    assert info["features"] == 3 and frame.columns[0] == "const"  # 2 attributes + race, intercept
    assert (frame["part"] == "train").sum() == 20
    share = frame.groupby("part")["a"].mean()
    assert abs(share["train"] - share["test"]) <= 1 / 20 + 1e-12  # stratified by group
    frame.to_csv(tmp_path / "prepared.csv", index=False)
    split = read_prepared(tmp_path / "prepared.csv", l=10, threshold_position="left")
    assert split.train.m == 20 and split.X_test.shape == (20, 4) and split.train.l == 10
    with pytest.raises(DataError, match="subsample"):
        prepare_real("communities_crime", raw, **{**PREP, "subsample": 100})
    frame.drop(columns=["part"]).to_csv(tmp_path / "nopart.csv", index=False)
    with pytest.raises(DataError, match="nopart.csv.*part"):
        read_prepared(tmp_path / "nopart.csv", l=10, threshold_position="left")


def _real_split(tmp_path, m=120, seed=4):
    raw = _communities(tmp_path / "communities.csv", m=m, seed=seed)
    frame, _ = prepare_real("communities_crime", raw, **PREP)
    frame.to_csv(tmp_path / "prepared.csv", index=False)
    return read_prepared(tmp_path / "prepared.csv", l=10, threshold_position="left")


def real_options(**kw) -> SolveOptions:
    return SolveOptions(**{**job_options(load_settings({"scale": "smoke"}), "real"), **kw})


def test_real_methods_score_on_test_and_cd_improves_the_relaxation(tmp_path):
    split = _real_split(tmp_path)
    opts = real_options()
    ls, _ = run_real(split, "ls", opts)
    assert ls["test_rel_rmse_increase"] == pytest.approx(0.0)
    relax, relax_timing = run_real(split, "relax", opts, lam=0.5)
    cd, _ = run_real(split, "cd_relax", opts, lam=0.5, start=np.array(relax["w"]))
    assert relax["lam_sum"] == pytest.approx(0.5 * split.train.m)
    assert cd["train_objective"] <= relax["train_objective"] + 1e-12
    assert cd["start_objective"] == pytest.approx(relax["train_objective"])
    assert relax_timing["seconds"] >= relax_timing["solver_seconds"] > 0
    ag, _ = run_real(split, "agarwal", real_options(agarwal={"T": 10}), eps=0.05)
    for row in (relax, cd, ag):
        assert 0 <= row["test_exact_unfairness"] <= 1
        assert row["test_discretized_unfairness"] <= row["test_exact_unfairness"] + 1e-12
    with pytest.raises(ValueError, match="positive lam"):
        run_real(split, "relax", opts)


#: fields every synthetic row has (documented in fairopt.studies.fairreg.job)
SYNTHETIC_FIELDS = {"method", "lam", "objective", "loss", "unfairness", "exact_unfairness", "w"}
#: fields every real-data row has
REAL_FIELDS = {"method", "lam", "lam_sum", "eps", "m_train", "m_test", "n", "l", "test_rmse_ls"}
#: fields every timing record has (the job clock of fairopt.core.timing.JobClock and the method's seconds)
TIMING_FIELDS = {"method", "lam", "seconds", "wall_seconds", "cpu_seconds", "cores", "start", "end"}
#: measured fields that must never be in a result row (issue 12 item 6: rows are byte-identical across runs)
MEASURED = {"seconds", "cpu_seconds", "solver_seconds", "build_seconds", "relax_seconds", "wall_seconds"}


def _no_times(row) -> set[str]:
    """Measured fields of a row, also inside its attempts (must be none)."""
    found = MEASURED & set(row)
    for attempt in row.get("attempts") or []:
        found |= {f"attempts[].{k}" for k in set(attempt) & (MEASURED | {"stages", "deadline"})}
    return found
#: the evaluation of a real-data row with a model
REAL_SCORES = {"train_rmse", "train_exact_unfairness", "test_rmse", "test_rel_rmse_increase",
               "test_exact_unfairness", "test_discretized_unfairness"}


@pytest.mark.parametrize("method", SYNTHETIC.names())
def test_every_synthetic_method_runs_and_returns_the_documented_fields(method):
    inst = instance(8, n=3, l=4)
    start = None
    if SYNTHETIC.info(method).get("needs"):
        start = np.asarray(run_synthetic(inst, 0.05, SYNTHETIC.info(method)["needs"], options())[0]["w"])
    row, timing = run_synthetic(inst, 0.05, method, options(time_limit=30, wall_limit=300), start)
    assert SYNTHETIC_FIELDS <= set(row), SYNTHETIC_FIELDS - set(row)
    assert TIMING_FIELDS <= set(timing), TIMING_FIELDS - set(timing)
    assert not _no_times(row), _no_times(row)
    assert row["objective"] is not None and len(row["w"]) == inst.n
    assert row["objective"] == pytest.approx(row["loss"] + 0.05 * row["unfairness"])
    if SYNTHETIC.info(method).get("mio"):
        assert row["status"] in ("optimal", "node_limit", "time_limit") and "gap" in row and "attempts" in row
        assert {"stopped_by", "time_limit", "node_limit", "wall_limit"} <= set(row)
        assert timing["solver_seconds"] > 0 and timing["attempts"][0]["seconds"] > 0
    if SYNTHETIC.info(method).get("relaxation"):
        assert row["bound"] <= row["objective"] * (1 + 1e-6)


@pytest.mark.parametrize("method", REAL.names())
def test_every_real_method_runs_and_returns_the_documented_fields(tmp_path, method):
    split = _real_split(tmp_path, m=60, seed=2)
    grid = REAL.info(method)["setting"]
    start, chain = None, []
    needs = REAL.info(method).get("needs")
    while needs:  # e.g. mio <- cd_relax <- relax
        chain.insert(0, needs)
        needs = REAL.info(needs).get("needs")
    for name in chain:
        start = np.asarray(run_real(split, name, real_options(), lam=0.5, start=start)[0]["w"])
    kwargs = {"lam": 0.5} if grid == "lam" else {"eps": 0.1} if grid == "eps" else {}
    row, timing = run_real(split, method, real_options(time_limit=30, wall_limit=300, agarwal={"T": 5, "N": 10}),
                           start=start, **kwargs)
    assert REAL_FIELDS <= set(row), REAL_FIELDS - set(row)
    assert TIMING_FIELDS <= set(timing), TIMING_FIELDS - set(timing)
    assert not _no_times(row), _no_times(row)
    if row.get("status") != "no_incumbent":
        assert REAL_SCORES <= set(row), REAL_SCORES - set(row)


def test_coordinate_descent_runs_without_a_clock(monkeypatch, tmp_path):
    """CD stops on its pass limit or tolerance only (no time limit binds, in smoke or anywhere): its models,
    and so every CD row, are the same on every machine."""
    from fairopt.studies.fairreg import methods

    calls = []
    real_cd = methods.coordinate_descent

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_cd(*args, **kwargs)

    monkeypatch.setattr(methods, "coordinate_descent", spy)
    inst = instance(8, n=3, l=4)
    opts = SolveOptions(**job_options(load_settings({"scale": "smoke"}), "synthetic"))
    for method in ("cd0", "cd_unfair", "cd_relax"):
        run_synthetic(inst, 0.05, method, opts)
    split = _real_split(tmp_path, m=60, seed=2)
    relax, _ = run_real(split, "relax", real_options(), lam=0.5)
    run_real(split, "cd_relax", real_options(), lam=0.5, start=np.asarray(relax["w"]))
    assert len(calls) == 4 and all(c.get("time_limit") is None for c in calls)


def test_run_synthetic_rows_summarize_into_consistent_gaps():
    inst = instance(8, n=3, l=4)
    rows, w_relax = [], None
    for method in SYNTHETIC.names():
        row, _ = run_synthetic(inst, 0.05, method, options(time_limit=30, wall_limit=300),
                               w_relax if method == "cd_relax" else None)
        if method == "relax_strong":
            w_relax = np.asarray(row["w"])
        rows.append({**row, "m": inst.m, "n": inst.n, "l": inst.l, "seed": 0})
    out = summarize(rows)
    objs = {r["method"]: r["objective"] for r in rows}
    assert out["best_objective"] == pytest.approx(min(objs.values()))
    # bounds are for the delta-separated problem; CD (strict indicator) may be lower by O(delta)
    assert out["best_bound"] <= out["best_objective"] * (1 + 1e-5)
    assert 0 <= out["relax_gap_strong"] <= out["relax_gap_bigm"] + 1e-9
    assert objs["cd_relax"] <= objs["relax_strong"] + 1e-12
    assert objs["cd_unfair"] <= objs["ls"] + 1e-12
    assert out["strong_status"] == "optimal" and out["solver_gap_strong"] <= 1e-6
    # the end gap compares the best exact objective with the separated bound: O(delta) apart
    assert abs(out["end_gap_strong"]) <= 5e-4
    for name in ("ls", "cd0", "cd_unfair", "cd_relax", "bigm", "strong"):
        assert out[f"opt_gap_{name}"] >= -1e-4


# ----------------------------------------------------------------------------------- scorecard

def _tables():
    summary = instance_summaries(fake_rows())
    for col in ("relax_bigm_bound", "ls_loss"):
        assert col in summary
    return summary, formulation_table(summary), gaps_table(summary)


def _frame(rows):
    return pd.DataFrame([r.__dict__ for r in rows])


def test_scorecard_rows_every_slide_number_and_honest_verdicts():
    paper = paper_numbers()
    summary, forms, gaps = _tables()
    times = formulation_timing_table(summary, fake_timings())
    reduced = load_settings({"scale": "reduced"})
    rows = scorecard_rows(paper, reduced, forms, gaps, summary, {"relax_strong": 0.1}, None,
                          formulations_timing=times)
    frame = _frame(rows)
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
    rows = scorecard_rows(paper, load_settings(), forms, gaps, summary, {"relax_strong": 0.1}, None,
                          formulations_timing=times)
    frame = _frame(rows).set_index("item")
    row = frame.loc["synthetic strong relaxation gap (%), lambda=0.1"]
    assert row["verdict"] == "not reproduced" and row["tolerance"] == "abs 5"  # 25% vs 16%
    assert frame.loc["synthetic strong time (s), lambda=0.1", "verdict"] == "not comparable"
    # judged on measured times: timing rows (their own scorecard file); node counts are results
    assert frame.loc["synthetic strong time (s), lambda=0.1", "kind"] == "timing"
    assert frame.loc["synthetic strong time (s), lambda=0.1", "reproduced"] == "4"
    assert frame.loc["synthetic: mean time of the (strong) relaxation (s)", "kind"] == "timing"
    assert frame.loc["synthetic strong nodes, lambda=0.1", "kind"] == "paper"
    assert (frame["kind"] == "timing").sum() == 11 * 2 + 1
    assert frame.loc["synthetic strong relaxation gap (%), lambda=Avg", "verdict"] == "not comparable"
    assert set(frame.loc[frame.index.str.startswith(("Communities", "Law School")), "verdict"]) == {"not run"}


def test_end_gap_claim_says_which_limit_stopped_both_mios():
    """Both MIOs stopped at a limit on every instance: inconclusive, and the note names the limits (a node
    limit stops them like a clock: neither gap is the formulation's)."""
    summary, forms, gaps = _tables()
    times = formulation_timing_table(summary, fake_timings())
    smoke = load_settings({"scale": "smoke"})
    frame = _frame(scorecard_rows(paper_numbers(), smoke, forms, gaps, summary, {"relax_strong": 0.1}, None,
                                  formulations_timing=times)).set_index("item")
    claim = frame.loc["synthetic: the strong MIO ends with a smaller gap than big-M"]
    assert claim["verdict"] == "inconclusive"
    assert "4 MIO solves at the node limit" in claim["note"] and "4 MIO solves at the time limit" in claim["note"]
    assert "1 node (300 s backstop)" in claim["note"]
    # at the paper's limits but with a node limit configured, still inconclusive
    noded = load_settings({"solvers": {"mio_node_limit": 100}})
    frame = _frame(scorecard_rows(paper_numbers(), noded, forms, gaps, summary, {"relax_strong": 0.1}, None,
                                  formulations_timing=times)).set_index("item")
    assert frame.loc["synthetic: the strong MIO ends with a smaller gap than big-M", "verdict"] == "inconclusive"


def test_comparison_markdown_puts_slides_and_run_side_by_side():
    summary, forms, gaps = _tables()
    text = comparison_markdown(paper_numbers(), load_settings(), forms, gaps)
    assert "| 0.1 | 32.1 / 22.2 |" in text  # slides' relax gap at lambda 0.1 / this run's (2/9)
    assert "| 0.01 | 7.9 / - |" in text  # a lambda the run lacks
    assert "time" not in text.lower().replace("time limit", "").replace("times: comparison_timing", "")
    timing = comparison_timing_markdown(paper_numbers(), load_settings(),
                                        formulation_timing_table(summary, fake_timings()), {"relax_strong": 0.123})
    assert "run 0.123 s" in timing and "| 0.1 | 3196 / 5 | 1803 / 4 |" in timing


def test_smoke_instances_have_a_fairness_trade_off():
    """Issue 11: every smoke (instance, lambda) has a model better than least squares (here CD-relax's,
    a witness), so the claims about the fair methods are exercised by the smoke run."""
    from fairopt.methods.fairreg.coordinate_descent import coordinate_descent
    from fairopt.methods.fairreg.formulations import solve_relaxation
    from fairopt.methods.fairreg.objective import least_squares, objective_parts
    from fairopt.studies.fairreg.prepare import synthetic_instance
    from fairopt.studies.fairreg.settings import load_settings

    syn = load_settings({"scale": "smoke"})["synthetic"]
    for m in syn["m"]:
        for k in range(syn["instances"]):
            inst, _ = synthetic_instance(m, syn["seed"] + k, n=syn["n"], l=syn["l"], generator=syn["generator"])
            w_ls = least_squares(inst.X, inst.y)
            for lam in syn["lambdas"]:
                def f(w):
                    loss, unf = objective_parts(inst, w)
                    return loss + lam * unf
                w_cd = coordinate_descent(inst, lam, solve_relaxation(inst, lam, "strong").w).w
                assert f(w_cd) < f(w_ls) * (1 - 1e-3), (m, k, lam, f(w_cd), f(w_ls))
