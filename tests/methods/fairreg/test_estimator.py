"""FairRegressor (fairopt.methods.fairreg.estimator): the mean-loss lambda scale, every method against the direct
library call, intercept and threshold grid, the MIOs against brute force, Agarwal's deterministic prediction,
sensitive-feature encoding and routing (Pipeline, GridSearchCV, metadata routing), scikit-learn's checks."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import _num_samples

from fairopt.core import metrics
from fairopt.core.errors import ConfigError, DataError, SolverError
from fairopt.data.synthetic.fairreg import make_synthetic
from fairopt.methods.fairreg import FairRegressor, estimator as estimator_module
from fairopt.methods.fairreg.agarwal import fit_agarwal, grid_thresholds
from fairopt.methods.fairreg.brute_force import brute_force
from fairopt.methods.fairreg.coordinate_descent import coordinate_descent
from fairopt.methods.fairreg.formulations import solve_mio, solve_relaxation
from fairopt.methods.fairreg.mio import run_mio
from fairopt.methods.fairreg.objective import least_squares, make_instance, objective, threshold_grid
from tests.methods.fairreg.test_fairreg_methods import tiny_instance

warnings.filterwarnings("ignore", message="Solution may be inaccurate")


def _data(m=60, n=4, seed=0):
    """Synthetic features without a constant column, y in [0, 1] and the 0/1 group (least squares is unfair)."""
    d = make_synthetic(m, n=n, seed=seed, intercept=False)
    return d.X, d.y, d.groups


def _with_ones(X):
    return np.column_stack([np.ones(X.shape[0]), X])


# ------------------------------------------------------------------ lambda scale and the library calls

@pytest.mark.parametrize("method", ["cd", "relaxation"])
def test_lam_is_on_the_mean_loss_scale(method):
    """lam of the estimator = lam_sum / m of the library (summed loss): same model, objective / m (the module
    docstring's worked example: m = 200, lam = 0.05, lam_sum = 10)."""
    X, y, a = _data(m=200)
    m, lam = X.shape[0], 0.05
    b = threshold_grid(0.0, 1.0, 10)
    est = FairRegressor(lam, method=method, thresholds=b, fit_intercept=False).fit(X, y, sensitive_features=a)
    inst = make_instance(X, y, a, b)
    if method == "cd":
        cd = coordinate_descent(inst, m * lam, least_squares(X, y))
        w, value = cd.w, cd.objective
    else:
        rel = solve_relaxation(inst, m * lam, "strong")
        w, value = rel.w, rel.objective
        assert est.bound_ * m == pytest.approx(rel.best_bound, rel=1e-10)
    assert est.lam_sum_ == m * lam
    np.testing.assert_allclose(est.coef_, w, rtol=0, atol=1e-8)
    assert est.objective_ * m == pytest.approx(value, rel=1e-10)
    assert est.objective_ == pytest.approx(objective(inst, m * lam, est.coef_) / m, rel=1e-12)


def test_mean_scale_makes_lam_independent_of_the_row_count():
    """Every row twice: the mean-scale objective is unchanged, so the same lam gives the same model (a
    summed-loss lambda would have to double)."""
    X, y, a = _data(m=40)
    est = FairRegressor(0.2, method="cd", thresholds=8).fit(X, y, sensitive_features=a)
    twice = FairRegressor(0.2, method="cd", thresholds=8).fit(np.vstack([X, X]), np.r_[y, y],
                                                             sensitive_features=np.r_[a, a])
    assert twice.lam_sum_ == 2 * est.lam_sum_
    np.testing.assert_allclose(twice.coef_, est.coef_, atol=1e-8)
    assert twice.objective_ == pytest.approx(est.objective_, rel=1e-9)


@pytest.mark.parametrize("method", ["relaxation", "cd", "cd_relax"])
def test_each_fast_method_equals_the_library_with_a_leading_ones_column(method):
    X, y, a = _data(m=50, seed=2)
    m, lam, l = X.shape[0], 0.5, 12  # noqa: E741
    est = FairRegressor(lam, method=method, thresholds=l).fit(X, y, sensitive_features=a)
    b = threshold_grid(y.min(), y.max(), l, "left")
    np.testing.assert_array_equal(est.thresholds_, b)
    inst = make_instance(_with_ones(X), y, a, b)
    if method == "relaxation":
        w = solve_relaxation(inst, m * lam, "strong").w
    else:
        start = least_squares(inst.X, y) if method == "cd" else solve_relaxation(inst, m * lam, "strong").w
        w = coordinate_descent(inst, m * lam, start).w
    np.testing.assert_allclose(np.r_[est.intercept_, est.coef_], w, rtol=0, atol=1e-8)
    assert est.objective_ * m == pytest.approx(objective(inst, m * lam, w), rel=1e-10)
    # predictions: intercept_ + X coef_; training unfairness of exactly these predictions
    pred = est.predict(X)
    np.testing.assert_allclose(pred, X @ est.coef_ + est.intercept_, rtol=0, atol=1e-12)
    assert est.unfairness_ == metrics.discretized_unfairness(pred, a, b)
    assert est.exact_unfairness_ == metrics.exact_unfairness(pred, a)
    # the grid built inside equals the explicit grid
    explicit = FairRegressor(lam, method=method, thresholds=b).fit(X, y, sensitive_features=a)
    np.testing.assert_array_equal(explicit.coef_, est.coef_)
    assert explicit.intercept_ == est.intercept_


def test_fit_intercept_is_the_constant_feature_and_the_status_fields():
    X, y, a = _data(m=40, seed=3)
    with_int = FairRegressor(0.4, method="cd_relax", thresholds=8).fit(X, y, sensitive_features=a)
    ones = FairRegressor(0.4, method="cd_relax", thresholds=with_int.thresholds_,
                         fit_intercept=False).fit(_with_ones(X), y, sensitive_features=a)
    np.testing.assert_allclose(np.r_[with_int.intercept_, with_int.coef_], ones.coef_, atol=1e-10)
    assert ones.intercept_ == 0.0 and with_int.status_ == "converged" and with_int.n_iter_ >= 1
    # cd_relax reports the relaxation's bound: below the model's objective up to the O(delta) of separation
    assert with_int.bound_ <= with_int.objective_ * (1 + 1e-3)
    for est in (with_int, ones):
        assert est.gap_ is None and est.solve_info_ is None and est.n_features_in_ == est.coef_.size


# --------------------------------------------------------------------------------------- MIOs

@pytest.mark.parametrize("method", ["mio_strong", "mio_bigm"])
def test_mio_equals_solve_mio_and_brute_force(method):
    inst = tiny_instance(10, m=8, l=4, n=3)
    lam_sum = 0.1
    best = brute_force(inst, lam_sum).objective
    est = FairRegressor(lam_sum / inst.m, method=method, thresholds=inst.thresholds, fit_intercept=False,
                        warm_start=False, isolate=False, time_limit=60).fit(inst.X, inst.y, sensitive_features=inst.a)
    lib = solve_mio(inst, lam_sum, method.removeprefix("mio_"), time_limit=60)
    assert est.status_ == lib.status == "optimal"
    np.testing.assert_allclose(est.coef_, lib.w, rtol=0, atol=1e-8)
    assert est.objective_ * inst.m == pytest.approx(best, rel=1e-5)
    assert est.bound_ * inst.m <= best * (1 + 1e-5) and est.gap_ == pytest.approx(0.0, abs=1e-6)
    assert est.solve_info_["status"] == "optimal" and not est.solve_info_["fallback_used"]
    # guarded (forked child) and warm-started: the same optimum
    guarded = FairRegressor(lam_sum / inst.m, method=method, thresholds=inst.thresholds, fit_intercept=False,
                            time_limit=60).fit(inst.X, inst.y, sensitive_features=inst.a)
    assert guarded.objective_ * inst.m == pytest.approx(best, rel=1e-5)


def test_mio_at_its_node_limit_warns_and_returns_the_incumbent():
    inst = tiny_instance(0, m=12, l=5, n=3)
    est = FairRegressor(0.05, method="mio_strong", thresholds=inst.thresholds, fit_intercept=False, isolate=False,
                        node_limit=1)
    with pytest.warns(ConvergenceWarning, match=r"node limit, gap .*status_ = 'node_limit'"):
        est.fit(inst.X, inst.y, sensitive_features=inst.a)
    assert est.status_ == "node_limit" and est.gap_ > 0 and est.solve_info_["stopped_by"] == "node_limit"
    assert est.bound_ < est.objective_
    assert est.objective_ * inst.m == pytest.approx(objective(inst, est.lam_sum_, est.coef_), rel=1e-12)


def test_a_crash_re_solve_is_flagged(monkeypatch):
    inst = tiny_instance(1)

    def crashed_then_solved(*args, **kwargs):
        res, info = run_mio(*args, **kwargs)
        return res, {**info, "fallback_used": True}

    monkeypatch.setattr(estimator_module, "run_mio", crashed_then_solved)
    with pytest.warns(UserWarning, match="crashed and was re-solved"):
        est = FairRegressor(0.1, method="mio_bigm", thresholds=inst.thresholds, fit_intercept=False,
                            isolate=False).fit(inst.X, inst.y, sensitive_features=inst.a)
    assert est.status_ == "optimal" and est.solve_info_["fallback_used"]


def test_no_model_and_failed_solves_raise(monkeypatch):
    X, y, a = _data(m=20)
    info = {"status": "no_incumbent", "stopped_by": "time_limit", "fallback_used": False, "wall_limit_phase": None,
            "attempts": [{"error": "NoIncumbentError: strong MIO: no feasible solution within the 1 s time limit"}],
            "attempt_timing": []}
    monkeypatch.setattr(estimator_module, "run_mio", lambda *args, **kwargs: (None, info))
    est = FairRegressor(method="mio_strong", warm_start=False, thresholds=5)
    with pytest.raises(SolverError, match="no model .status no_incumbent, stopped by time_limit.*1 s time limit"):
        est.fit(X, y, sensitive_features=a)
    assert not hasattr(est, "coef_")

    def inaccurate(*args, **kwargs):
        raise SolverError("CLARABEL: relaxation inaccurate after 3 retries")

    monkeypatch.setattr(estimator_module, "solve_relaxation", inaccurate)
    with pytest.raises(SolverError, match="inaccurate"):
        FairRegressor(method="relaxation", thresholds=5).fit(X, y, sensitive_features=a)


# ------------------------------------------------------------------------------------ Agarwal

def test_agarwal_predicts_the_mixture_mean_and_equals_fit_agarwal():
    X, y, a = _data(m=120, n=4, seed=1)
    est = FairRegressor(method="agarwal", eps=0.05, thresholds=10, agarwal_iterations=20).fit(
        X, y, sensitive_features=a)
    D = _with_ones(X)
    lib = fit_agarwal(D, y, a, eps=0.05, N=10, T=20)
    np.testing.assert_array_equal(est.result_.weights, lib.weights)
    np.testing.assert_array_equal(est.result_.coefs, lib.coefs)
    np.testing.assert_array_equal(est.thresholds_, grid_thresholds(10))
    pred = est.predict(X)
    # the expected prediction sum_h q_h v_h(x), computed independently from the hypotheses
    levels = np.maximum(np.searchsorted(grid_thresholds(10), D @ lib.coefs.T, side="right") - 1, 0)
    np.testing.assert_allclose(pred, ((levels + 0.5) / 10) @ lib.weights, rtol=0, atol=1e-12)
    assert est.unfairness_ == lib.unfairness(D, a, grid_thresholds(10))
    assert est.exact_unfairness_ == lib.unfairness(D, a)
    np.testing.assert_array_equal(est.sample(X, random_state=3), lib.sample(D, 3))
    assert est.objective_ is None and est.status_ in ("converged", "iteration_limit")
    assert est.status_ == ("converged" if lib.converged else "iteration_limit")
    assert not hasattr(est, "coef_")
    refit = FairRegressor(method="cd", thresholds=10).fit(X, y, sensitive_features=a)
    refit.set_params(method="agarwal", agarwal_iterations=20).fit(X, y, sensitive_features=a)
    assert not hasattr(refit, "coef_")  # no stale linear model next to the mixture
    np.testing.assert_array_equal(refit.predict(X), pred)
    with pytest.raises(DataError, match=r"^y: method 'agarwal' needs targets in \[0, 1\]"):
        FairRegressor(method="agarwal", thresholds=10).fit(X, 2 * y, sensitive_features=a)
    with pytest.raises(ConfigError, match="^thresholds: method 'agarwal'"):
        FairRegressor(method="agarwal", thresholds=[0.2, 0.5]).fit(X, y, sensitive_features=a)


# ------------------------------------------------------------------------- sensitive features

def test_two_valued_sensitive_features_are_encoded_deterministically():
    X, y, a = _data(m=40, seed=4)
    ref = FairRegressor(0.5, method="cd", thresholds=8).fit(X, y, sensitive_features=a)
    names = np.where(a == 1, "White", "Black")  # sorted: Black < White, so White is a = 1
    for s, groups in [(names, ["Black", "White"]), (a.astype(bool), [False, True]), (2 * a - 1, [-1, 1]),
                      (pd.Series(a + 1.0), [1.0, 2.0]), (a[:, None], [0, 1])]:
        est = FairRegressor(0.5, method="cd", thresholds=8).fit(X, y, sensitive_features=s)
        np.testing.assert_array_equal(est.coef_, ref.coef_)
        assert est.groups_.tolist() == groups
    flipped = FairRegressor(0.5, method="cd", thresholds=8, protected_group="Black").fit(X, y, sensitive_features=names)
    swapped = FairRegressor(0.5, method="cd", thresholds=8).fit(X, y, sensitive_features=1 - a)
    np.testing.assert_array_equal(flipped.coef_, swapped.coef_)
    assert flipped.groups_.tolist() == ["White", "Black"]
    # U is not symmetric in the groups: the choice of a = 1 changes the training unfairness
    assert swapped.unfairness_ != pytest.approx(metrics.discretized_unfairness(swapped.predict(X), a,
                                                                              swapped.thresholds_))


@pytest.mark.parametrize("bad, match", [
    (None, "^sensitive_features: required"),
    (np.zeros(39), "^sensitive_features: expected a 1-D array of length 40"),
    (np.zeros((40, 2)), "^sensitive_features: expected a 1-D array of length 40"),
    (np.arange(40) % 3, r"^sensitive_features: expected exactly two groups .* 3 distinct"),
    (np.zeros(40), r"^sensitive_features: expected exactly two groups .* 1 distinct"),
    (np.r_[np.nan, np.arange(39) % 2], "^sensitive_features: contains missing values"),
    (np.array(["a", None] * 20, dtype=object), "^sensitive_features: (contains missing|values must be comparable)"),
])
def test_bad_sensitive_features_fail_with_one_line(bad, match):
    X, y, _ = _data(m=40)
    with pytest.raises(DataError, match=match) as err:
        FairRegressor(method="cd", thresholds=5).fit(X, y, sensitive_features=bad)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("kwargs, name", [
    ({"lam": -1.0}, "lam"), ({"lam": np.nan}, "lam"), ({"lam": True}, "lam"), ({"method": "lasso"}, "method"),
    ({"thresholds": 0}, "thresholds"), ({"thresholds": [0.5, 0.2]}, "thresholds"), ({"thresholds": "40"}, "thresholds"),
    ({"threshold_position": "centre"}, "threshold_position"), ({"fit_intercept": 1}, "fit_intercept"),
    ({"eps": 0.0}, "eps"), ({"delta": -1e-4}, "delta"), ({"relax_solver": "highs"}, "relax_solver"),
    ({"mio_solver": "cbc"}, "mio_solver"), ({"time_limit": 0}, "time_limit"), ({"node_limit": 0}, "node_limit"),
    ({"node_limit": 5, "mio_solver": "mosek"}, "node_limit"), ({"scip_params": [1]}, "scip_params"),
    ({"warm_start": "yes"}, "warm_start"), ({"isolate": None}, "isolate"), ({"cd_max_passes": 0}, "cd_max_passes"),
    ({"cd_tol": -1.0}, "cd_tol"), ({"agarwal_iterations": 1.5}, "agarwal_iterations"),
    ({"agarwal_options": {"N": 10}}, "agarwal_options"),
])
def test_bad_parameters_fail_in_fit_with_one_line_naming_them(kwargs, name):
    X, y, a = _data(m=20)
    est = FairRegressor(**kwargs)  # stored verbatim, not checked before fit
    assert all(est.get_params()[k] is v for k, v in kwargs.items())
    with pytest.raises(ConfigError, match=f"^{name}: ") as err:
        est.fit(X, y, sensitive_features=a)
    assert "\n" not in str(err.value) and isinstance(err.value, ValueError)


def test_data_errors_and_constant_targets():
    X, y, a = _data(m=20)
    with pytest.raises(DataError, match=r"^protected_group: 'Asian' is not one of the values \[0, 1\]"):
        FairRegressor(protected_group="Asian").fit(X, y, sensitive_features=a)
    with pytest.raises(DataError, match=r"^X: contains NaN"):
        FairRegressor(method="cd").fit(np.where(np.eye(20, 4) > 0, np.nan, X), y, sensitive_features=a)
    with pytest.raises(DataError, match=r"^y: constant .* pass explicit thresholds"):
        FairRegressor(method="cd").fit(X, np.ones(20), sensitive_features=a)
    fitted = FairRegressor(method="cd", thresholds=[0.5]).fit(X, np.ones(20), sensitive_features=a)
    assert fitted.unfairness_ >= 0 and fitted.predict(X) == pytest.approx(np.ones(20), abs=1e-6)


# ---------------------------------------------------------- Pipeline, GridSearchCV, routing

def _manual_cv_scores(X, y, a, lams, n_splits=3):
    """R^2 on each held-out fold of a scaler + FairRegressor fitted on the other folds (no routing involved)."""
    out = []
    for lam in lams:
        for train, test in KFold(n_splits).split(X):
            scaler = StandardScaler().fit(X[train])
            est = FairRegressor(lam, method="cd", thresholds=10).fit(scaler.transform(X[train]), y[train],
                                                                    sensitive_features=a[train])
            out.append(est.score(scaler.transform(X[test]), y[test]))
    return np.array(out).reshape(len(lams), n_splits)


def _split_scores(search, n_splits=3):
    return np.column_stack([search.cv_results_[f"split{k}_test_score"] for k in range(n_splits)])


def test_pipeline_and_grid_search_with_step_parameters():
    X, y, a = _data(m=90, seed=5)
    pipe = make_pipeline(StandardScaler(), FairRegressor(method="cd", thresholds=10))
    pipe.fit(X, y, fairregressor__sensitive_features=a)
    direct = FairRegressor(method="cd", thresholds=10).fit(StandardScaler().fit_transform(X), y, sensitive_features=a)
    np.testing.assert_array_equal(pipe[-1].coef_, direct.coef_)
    lams = [0.01, 2.0]
    search = GridSearchCV(pipe, {"fairregressor__lam": lams}, cv=KFold(3)).fit(
        X, y, fairregressor__sensitive_features=a)
    # the groups were sliced with the rows of every fold
    np.testing.assert_allclose(_split_scores(search), _manual_cv_scores(X, y, a, lams), rtol=0, atol=1e-12)
    assert search.best_estimator_[-1].lam == lams[int(np.argmax(search.cv_results_["mean_test_score"]))]


def test_metadata_routing_in_pipeline_and_grid_search():
    X, y, a = _data(m=90, seed=5)
    lams = [0.01, 2.0]
    expected = _manual_cv_scores(X, y, a, lams)
    with sklearn.config_context(enable_metadata_routing=True):
        for reg in (FairRegressor(method="cd", thresholds=10).set_fit_request(sensitive_features=True),
                    FairRegressor(method="cd", thresholds=10)):  # requested by default
            pipe = make_pipeline(StandardScaler(), reg)
            search = GridSearchCV(pipe, {"fairregressor__lam": lams}, cv=KFold(3)).fit(X, y, sensitive_features=a)
            np.testing.assert_allclose(_split_scores(search), expected, rtol=0, atol=1e-12)
        unrequested = make_pipeline(StandardScaler(), FairRegressor(method="cd").set_fit_request(
            sensitive_features=False))
        with pytest.raises(TypeError, match="sensitive_features.*not routed"):  # scikit-learn's refusal
            unrequested.fit(X, y, sensitive_features=a)
        with pytest.raises(DataError, match="^sensitive_features: required"):
            make_pipeline(StandardScaler(), FairRegressor(method="cd")).fit(X, y)


def test_pandas_input_keeps_feature_names():
    X, y, a = _data(m=30)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    est = FairRegressor(method="cd", thresholds=6).fit(frame, pd.Series(y), sensitive_features=pd.Series(a))
    assert est.feature_names_in_.tolist() == list(frame.columns)
    np.testing.assert_allclose(est.predict(frame), X @ est.coef_ + est.intercept_, rtol=0, atol=1e-12)


# ------------------------------------------------------------------------ scikit-learn's checks

class _AlternatingGroups(FairRegressor):
    """FairRegressor for scikit-learn's checks, which call fit(X, y): the group of row i is i mod 2 (both groups
    occur from 2 rows on, deterministic, so refits on the same data agree). Everything else is FairRegressor's."""

    def fit(self, X, y, sensitive_features=None):
        if sensitive_features is None:
            try:
                sensitive_features = np.arange(_num_samples(X)) % 2
            except TypeError:  # not array-like: FairRegressor's own validation of X reports it
                pass
        return super().fit(X, y, sensitive_features=sensitive_features)


@parametrize_with_checks([_AlternatingGroups(method="cd", thresholds=5),
                          _AlternatingGroups(method="relaxation", thresholds=5)])
def test_sklearn_checks_with_a_group_column(estimator, check):
    check(estimator)


NEEDS_GROUPS = "calls fit(X, y) without sensitive_features, which FairRegressor requires (DataError)"
#: the checks that fit: each fails on the missing sensitive feature (and passes with it, above)
FITTING_CHECKS = ["check_fit_score_takes_y", "check_estimators_overwrite_params", "check_dont_overwrite_parameters",
                  "check_estimators_fit_returns_self", "check_readonly_memmap_input",
                  "check_n_features_in_after_fitting", "check_positive_only_tag_during_fit", "check_estimators_dtypes",
                  "check_dtype_object", "check_pipeline_consistency", "check_estimators_nan_inf",
                  "check_estimators_pickle", "check_f_contiguous_array_estimator", "check_regressors_train",
                  "check_regressor_data_not_an_array", "check_regressors_no_decision_function",
                  "check_supervised_y_2d", "check_regressors_int", "check_methods_sample_order_invariance",
                  "check_methods_subset_invariance", "check_fit2d_1feature", "check_dict_unchanged",
                  "check_fit_idempotent", "check_fit_check_is_fitted", "check_n_features_in", "check_fit2d_predict1d"]


@parametrize_with_checks([FairRegressor(method="cd", thresholds=5)],
                         expected_failed_checks=lambda est: {name: NEEDS_GROUPS for name in FITTING_CHECKS})
def test_sklearn_checks_without_sensitive_features(estimator, check):
    """The plain estimator: parameter, clone, repr, tag, unfitted, sparse/complex/1-D/empty-input and y=None checks
    pass; the fitting checks fail by design (listed with the reason)."""
    check(estimator)


def test_the_mio_safeguards_are_the_study_defaults():
    """methods/ may not import studies/: the estimator's copies of the study's watchdog and crash-fallback
    defaults are held to the schema here."""
    from fairopt.methods.fairreg import estimator
    from fairopt.studies.common import schema_defaults

    solvers = schema_defaults("fairreg")["solvers"]
    assert dict(estimator.CRASH_FALLBACK_SCIP_PARAMS) == solvers["crash_fallback_scip_params"]
    assert estimator.WALL_BUILD_LIMIT == solvers["wall_build_limit"]
    assert (estimator.WALL_LIMIT_FACTOR, estimator.WALL_LIMIT_EXTRA, estimator.WALL_LIMIT_PER_BUILD_SECOND) == (
        solvers["wall_limit_factor"], solvers["wall_limit_extra"], solvers["wall_limit_per_build_second"])
