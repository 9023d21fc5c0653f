"""The public metrics (:mod:`fairopt.metrics`) against fairlearn and scipy, and the library calls of the core metrics.

Every value is checked against an independent computation: fairlearn's ``MetricFrame`` /
``demographic_parity_difference`` / ``make_derived_metric`` for the group gaps and the DAFH group
metrics, ``scipy.stats.ks_2samp`` and an exact rational brute force for the statistical-parity
unfairness, direct formulas for the rest. The core metrics that now call a library (``rmse`` ->
scikit-learn, ``exact_unfairness`` -> ``ks_2samp``, ``mcnemar_pvalue`` -> ``binomtest``) are compared
with their former hand-written definitions on random inputs. fairlearn is a test dependency only.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom, ks_2samp
from sklearn.metrics import accuracy_score, mean_squared_error, zero_one_loss

from fairopt import metrics as fm
from fairopt.core import metrics as core
from fairopt.core.errors import DataError
from fairopt.methods.dafh.metrics import mcnemar_pvalue

fairlearn_metrics = pytest.importorskip("fairlearn.metrics")
MetricFrame = fairlearn_metrics.MetricFrame

SEEDS = range(6)
TWO_GROUP: list[Callable[..., Any]] = [fm.mean_prediction_difference, fm.mean_squared_error_difference,
                                       fm.statistical_parity_unfairness]
DAFH: list[Callable[..., Any]] = [fm.prob_fairness_without_harm, fm.max_gain, fm.min_envy, fm.disparity_increase,
                                  fm.n_violations]


def regression_case(seed: int, ties: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(y, pred, a)``: continuous (or, with ``ties``, heavily tied) predictions, two groups of random sizes."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    a = (rng.random(n) < rng.uniform(0.1, 0.9)).astype(int)
    a[:2] = [0, 1]                                              # both groups present
    y = rng.normal(size=n)
    pred = y + 0.7 * a + rng.normal(0.0, 0.5, n)
    if ties:
        pred = np.round(pred, 0)
    return y, pred, a


def dafh_case(seed: int, k: int = 3) -> dict[str, np.ndarray]:
    """Labels of a pooled and ``k`` decoupled classifiers, an assignment and an intersectional grouping."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(40, 300))
    y = rng.integers(0, 2, n)
    flip = lambda p: np.where(rng.random(n) < p, 1 - y, y)    # noqa: E731 -- a classifier with error p
    pooled = flip(0.3)
    decoupled = np.column_stack([flip(p) for p in rng.uniform(0.1, 0.45, k)])
    assigned = rng.integers(0, k, n)
    if seed % 2:                                                # some intersections all on one classifier
        race = rng.integers(0, 2, n)
        assigned = np.where(race == 1, 0, assigned)
    else:
        race = rng.integers(0, 2, n)
    sex = rng.choice(["F", "M"], n)
    return {"y": y, "own": decoupled[np.arange(n), assigned], "pooled": pooled, "decoupled": decoupled,
            "assigned": assigned, "intersections": np.char.add(np.char.add(race.astype(str), "-"), sex)}


def groupings(case: dict[str, np.ndarray]) -> list[np.ndarray]:
    return [case["assigned"], case["intersections"]]


# ------------------------------------------------------------------ two-group metrics vs fairlearn
@pytest.mark.parametrize("seed", SEEDS)
def test_mean_prediction_difference_is_fairlearn_demographic_parity_for_01_predictions(seed):
    y, score, a = regression_case(seed)
    decisions = (score > 0).astype(int)
    for sf in (a, np.where(a == 1, "black", "white"), a.astype(bool)):
        ours = fm.mean_prediction_difference(y, decisions, sensitive_features=sf)
        theirs = fairlearn_metrics.demographic_parity_difference(y, decisions, sensitive_features=sf)
        assert ours == pytest.approx(theirs, abs=1e-12)
    assert fm.mean_prediction_difference(y, decisions.astype(bool), sensitive_features=a) == pytest.approx(
        fairlearn_metrics.demographic_parity_difference(y, decisions.astype(bool), sensitive_features=a), abs=1e-12)
    # any numeric prediction: fairlearn's mean-prediction difference
    mean_prediction_gap = fairlearn_metrics.make_derived_metric(metric=fairlearn_metrics.mean_prediction,
                                                                transform="difference")
    assert fm.mean_prediction_difference(None, score, sensitive_features=a) == pytest.approx(
        mean_prediction_gap(y, score, sensitive_features=a), abs=1e-12)
    # not 0/1 (here 0/2): fairlearn's selection rate counts y_pred == 1 only, so the two differ
    doubled = 2 * decisions
    assert fm.mean_prediction_difference(y, doubled, sensitive_features=a) == pytest.approx(
        2 * fm.mean_prediction_difference(y, decisions, sensitive_features=a), abs=1e-12)
    assert fairlearn_metrics.demographic_parity_difference(y, doubled, sensitive_features=a) == 0.0


@pytest.mark.parametrize("seed", SEEDS)
def test_mean_squared_error_difference_is_metricframe_difference(seed):
    y, pred, a = regression_case(seed)
    frame = MetricFrame(metrics=mean_squared_error, y_true=y, y_pred=pred, sensitive_features=a)
    derived = fairlearn_metrics.make_derived_metric(metric=mean_squared_error, transform="difference")
    ours = fm.mean_squared_error_difference(y, pred, sensitive_features=a)
    assert ours == pytest.approx(frame.difference(method="between_groups"), abs=1e-12)
    assert ours == pytest.approx(derived(y, pred, sensitive_features=a), abs=1e-12)
    assert ours == core.mse_gap(y, pred, a)                     # the workflow's function, same arithmetic


def exact_rational_unfairness(pred: np.ndarray, a: np.ndarray) -> Fraction:
    """``sup_b |P(y^ > b) - P(y^ > b | a=1)|`` in exact arithmetic, ``b`` at, between and below all predictions."""
    values = np.unique(pred)
    candidates = list(values) + [values[0] - 1.0] + list((values[:-1] + values[1:]) / 2)
    m, m1 = pred.size, int(a.sum())
    return max(abs(Fraction(int(np.sum(pred > b)), m) - Fraction(int(np.sum(pred[a == 1] > b)), m1))
               for b in candidates)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_statistical_parity_unfairness_is_ks_statistic(seed, ties):
    y, pred, a = regression_case(seed, ties)
    ours = fm.statistical_parity_unfairness(y, pred, sensitive_features=a)
    assert ours == pytest.approx(ks_2samp(pred, pred[a == 1]).statistic, abs=1e-12)
    assert ours == pytest.approx(float(exact_rational_unfairness(pred, a)), abs=1e-15)
    # all rows vs group 1 = (m_0 / m) x the two-group KS distance
    m0 = np.sum(a == 0)
    assert ours == pytest.approx(m0 / a.size * ks_2samp(pred[a == 0], pred[a == 1]).statistic, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_statistical_parity_of_decisions_is_scaled_demographic_parity(seed):
    y, score, a = regression_case(seed)
    decisions = (score > 0.3).astype(float)
    dp = fairlearn_metrics.demographic_parity_difference(y, decisions, sensitive_features=a)
    assert fm.statistical_parity_unfairness(y, decisions, sensitive_features=a) == pytest.approx(
        np.mean(a == 0) * dp, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_discretized_unfairness_at_given_thresholds(seed):
    _, pred, a = regression_case(seed, ties=seed % 2 == 1)
    b = np.quantile(pred, np.linspace(0.02, 0.98, 40))
    direct = max(abs(np.mean(pred > t) - np.mean(pred[a == 1] > t)) for t in b)
    ours = fm.statistical_parity_unfairness(None, pred, sensitive_features=a, thresholds=b)
    assert ours == pytest.approx(direct, abs=1e-12)
    assert ours <= fm.statistical_parity_unfairness(None, pred, sensitive_features=a) + 1e-15


def test_protected_names_group_one():
    _, pred, a = regression_case(3)
    labels = np.where(a == 1, "F", "M")
    as_01 = fm.statistical_parity_unfairness(None, pred, sensitive_features=a)
    assert fm.statistical_parity_unfairness(None, pred, sensitive_features=labels, protected="F") == as_01
    assert fm.statistical_parity_unfairness(None, pred, sensitive_features=a, protected=1) == as_01
    # swapping the groups rescales (m_0/m) KS into (m_1/m) KS
    swapped = fm.statistical_parity_unfairness(None, pred, sensitive_features=labels, protected="M")
    assert swapped == pytest.approx(as_01 * np.sum(a == 1) / np.sum(a == 0), abs=1e-12)
    # without protected: the second label in sorted order ("M"), FairRegressor's rule too
    assert fm.statistical_parity_unfairness(None, pred, sensitive_features=labels) == swapped


# ------------------------------------------------------------------ library calls vs the former hand-written code
def test_rmse_is_sklearn_and_bit_identical_to_the_formula():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 20_000))
        y = rng.normal(size=n) * rng.uniform(0.01, 100)
        pred = y + rng.normal(size=n)
        former = float(np.sqrt(np.mean((pred - y) ** 2)))
        assert core.rmse(y, pred) == former                     # bit-identical, not only within 1e-12


def test_exact_unfairness_ks_within_rounding_of_the_former_survival_definition():
    rng = np.random.default_rng(1)
    diffs = []
    for i in range(300):
        n = int(rng.integers(2, 5_000))
        pred = rng.normal(size=n) if i % 2 else rng.integers(0, 6, n).astype(float)
        a = (rng.random(n) < rng.uniform(0.05, 0.95)).astype(int)
        a[0] = 1
        former = core.discretized_unfairness(pred, a, np.unique(pred))    # the former exact_unfairness, verbatim
        diffs.append(abs(core.exact_unfairness(pred, a) - former))
    # differences of counts over m and m_1 rounded in another order: a few units of 2^-53, far below 1e-12
    assert max(diffs) <= 4 * 2.0 ** -53
    assert max(diffs) < 1e-12


def test_exact_unfairness_needs_group_one():
    with pytest.raises(DataError, match="^group: .*group 1"):
        core.exact_unfairness(np.arange(4.0), np.zeros(4, int))
    assert core.exact_unfairness(np.array([2.0]), np.array([1])) == 0.0     # one row: no p-value warning


def test_mcnemar_pvalue_is_binomtest_and_bit_identical_to_the_binomial_cdf():
    for b in range(0, 45):
        for c in range(0, 45):
            former = float(binom.cdf(c, b + c, 0.5)) if b + c else 1.0
            assert mcnemar_pvalue(b, c) == former


# ------------------------------------------------------------------ DAFH metrics vs fairlearn
def gain_by_group(y_true, y_pred, y_pred_pooled):
    """One group's rationality gain R_g(h_0) - R_g(own), for MetricFrame."""
    return zero_one_loss(y_true, y_pred_pooled) - zero_one_loss(y_true, y_pred)


@pytest.mark.parametrize("seed", SEEDS)
def test_max_gain_and_disparity_equal_metricframe(seed):
    c = dafh_case(seed)
    for sf in groupings(c):
        gains = MetricFrame(metrics=gain_by_group, y_true=c["y"], y_pred=c["own"], sensitive_features=sf,
                            sample_params={"y_pred_pooled": c["pooled"]})
        assert fm.max_gain(c["y"], c["own"], sensitive_features=sf, y_pred_pooled=c["pooled"]) == pytest.approx(
            gains.group_max(), abs=1e-12)
        own = MetricFrame(metrics=accuracy_score, y_true=c["y"], y_pred=c["own"], sensitive_features=sf)
        pooled = MetricFrame(metrics=accuracy_score, y_true=c["y"], y_pred=c["pooled"], sensitive_features=sf)
        assert fm.disparity_increase(c["y"], c["own"], sensitive_features=sf,
                                     y_pred_pooled=c["pooled"]) == pytest.approx(
            own.difference() - pooled.difference(), abs=1e-12)


def envy_margins(c: dict[str, np.ndarray], sf: np.ndarray) -> dict[tuple, float]:
    """``{(group, k): R_g(h_k) - R_g(own)}`` over the rivals h_k of each group, from MetricFrame error rates."""
    own = MetricFrame(metrics=zero_one_loss, y_true=c["y"], y_pred=c["own"], sensitive_features=sf).by_group
    out = {}
    for k in range(c["decoupled"].shape[1]):
        errors = MetricFrame(metrics=zero_one_loss, y_true=c["y"], y_pred=c["decoupled"][:, k],
                             sensitive_features=sf).by_group
        for g in errors.index:
            users = set(c["assigned"][sf == g].tolist())
            if users != {k}:                                    # h_k is the group's own classifier otherwise
                out[(g, k)] = float(errors[g] - own[g])
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_min_envy_and_violations_equal_metricframe_counts(seed):
    c = dafh_case(seed)
    for sf in groupings(c):
        margins = envy_margins(c, sf)
        kwargs: dict[str, Any] = dict(sensitive_features=sf, y_pred_decoupled=c["decoupled"], assigned=c["assigned"])
        assert fm.min_envy(c["y"], c["own"], **kwargs) == pytest.approx(min(margins.values()), abs=1e-12)
        gains = MetricFrame(metrics=gain_by_group, y_true=c["y"], y_pred=c["own"], sensitive_features=sf,
                            sample_params={"y_pred_pooled": c["pooled"]}).by_group
        expected = int(np.sum(gains < -1e-12)) + sum(v < -1e-12 for v in margins.values())
        assert fm.n_violations(c["y"], c["own"], y_pred_pooled=c["pooled"], **kwargs) == expected


def significant_count(c: dict[str, np.ndarray], sf: np.ndarray, alpha: float) -> int:
    """Ustun et al.'s count by hand: one-sided exact binomial tests on the discordant rows, Bonferroni."""
    from scipy.stats import binomtest

    own_wrong = c["own"] != c["y"]
    pvalues = []
    for g in np.unique(sf):
        rows = sf == g
        users = set(c["assigned"][rows].tolist())
        rivals = [c["pooled"]] + [c["decoupled"][:, k] for k in range(c["decoupled"].shape[1]) if users != {k}]
        for other in rivals:
            other_wrong = other[rows] != c["y"][rows]
            b = int(np.sum(own_wrong[rows] & ~other_wrong))
            cc = int(np.sum(~own_wrong[rows] & other_wrong))
            pvalues.append(binomtest(cc, b + cc, 0.5, alternative="less").pvalue if b + cc else 1.0)
    return int(np.sum(np.asarray(pvalues) <= alpha / len(pvalues)))


@pytest.mark.parametrize("seed", SEEDS)
def test_significant_violations_equal_a_direct_count(seed):
    c = dafh_case(seed)
    for sf in groupings(c):
        for alpha in (0.1, 0.5):
            assert fm.n_violations(c["y"], c["own"], sensitive_features=sf, y_pred_pooled=c["pooled"],
                                   y_pred_decoupled=c["decoupled"], assigned=c["assigned"],
                                   alpha=alpha) == significant_count(c, sf, alpha)


@pytest.mark.parametrize("seed", SEEDS)
def test_prob_fairness_without_harm_direct(seed):
    c = dafh_case(seed)
    right = c["own"] == c["y"]
    all_wrong = (c["pooled"] != c["y"]) & np.all(c["decoupled"] != c["y"][:, None], axis=1)
    value = fm.prob_fairness_without_harm(c["y"], c["own"], y_pred_pooled=c["pooled"],
                                          y_pred_decoupled=c["decoupled"])
    assert value == pytest.approx(np.mean(right | all_wrong), abs=1e-15)
    assert value >= accuracy_score(c["y"], c["own"])


def test_dafh_metrics_take_string_labels():
    c = dafh_case(0)
    names = np.array(["no", "yes"])
    as_text = {key: names[c[key]] for key in ("y", "own", "pooled", "decoupled")}
    kwargs: dict[str, Any] = dict(sensitive_features=c["intersections"], y_pred_pooled=c["pooled"],
                  y_pred_decoupled=c["decoupled"], assigned=c["assigned"])
    text_kwargs = dict(kwargs, y_pred_pooled=as_text["pooled"], y_pred_decoupled=as_text["decoupled"])
    assert (fm.n_violations(as_text["y"], as_text["own"], **text_kwargs)
            == fm.n_violations(c["y"], c["own"], **kwargs))
    assert fm.max_gain(as_text["y"], as_text["own"], sensitive_features=c["intersections"],
                       y_pred_pooled=as_text["pooled"]) == fm.max_gain(
        c["y"], c["own"], sensitive_features=c["intersections"], y_pred_pooled=c["pooled"])


# ------------------------------------------------------------------ signatures
@pytest.mark.parametrize("metric", TWO_GROUP + DAFH, ids=lambda f: f.__name__)
def test_fairlearn_signature(metric):
    params = list(inspect.signature(metric).parameters.values())
    assert [p.name for p in params[:2]] == ["y_true", "y_pred"]
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params[:2])
    assert all(p.kind is p.KEYWORD_ONLY for p in params[2:])
    if metric is not fm.prob_fairness_without_harm:             # per-row: no groups
        assert "sensitive_features" in {p.name for p in params[2:]}


def test_sensitive_features_is_keyword_only():
    _, pred, a = regression_case(0)
    with pytest.raises(TypeError):
        fm.mean_prediction_difference(None, pred, a)            # type: ignore[call-arg]


def test_usable_in_metricframe_through_sample_params():
    """A between-group metric per level of an outer feature: the gap of A within each stratum of C."""
    rng = np.random.default_rng(7)
    n = 600
    a, strata = rng.integers(0, 2, n), rng.choice(["north", "south", "west"], n)
    y = rng.integers(0, 2, n)
    decisions = (rng.random(n) < 0.3 + 0.3 * a).astype(int)
    frame = MetricFrame(metrics=fm.mean_prediction_difference, y_true=y, y_pred=decisions,
                        sensitive_features=strata, sample_params={"sensitive_features": a})
    # fairlearn's own stratified demographic parity: control_features
    controlled = MetricFrame(metrics=fairlearn_metrics.selection_rate, y_true=y, y_pred=decisions,
                             sensitive_features=a, control_features=strata).difference()
    for s in ("north", "south", "west"):
        rows = strata == s
        assert frame.by_group[s] == fm.mean_prediction_difference(None, decisions[rows], sensitive_features=a[rows])
        assert frame.by_group[s] == pytest.approx(controlled[s], abs=1e-12)
    c = dafh_case(2)
    split = np.arange(c["y"].size) % 2
    per_half = MetricFrame(metrics=fm.max_gain, y_true=c["y"], y_pred=c["own"], sensitive_features=split,
                           sample_params={"sensitive_features": c["assigned"], "y_pred_pooled": c["pooled"]})
    rows = split == 1
    assert per_half.by_group[1] == fm.max_gain(c["y"][rows], c["own"][rows], sensitive_features=c["assigned"][rows],
                                               y_pred_pooled=c["pooled"][rows])


def test_array_likes_give_the_same_value():
    y, pred, a = regression_case(4)
    reference = fm.mean_squared_error_difference(y, pred, sensitive_features=a)
    for convert in (list, pd.Series, lambda v: pd.DataFrame({"x": v}), lambda v: np.asarray(v).reshape(-1, 1)):
        assert fm.mean_squared_error_difference(convert(y), convert(pred), sensitive_features=convert(a)) == reference
    assert fm.mean_squared_error_difference(y, pred, sensitive_features=pd.Categorical(np.where(a, "x", "y"))) \
        == reference
    # y_true is ignored where unused
    assert fm.mean_prediction_difference(None, pred, sensitive_features=a) == \
        fm.mean_prediction_difference(y, pred, sensitive_features=a)


# ------------------------------------------------------------------ bad input
def _bad_cases():
    y, pred, a = (np.arange(6.0), np.linspace(0, 1, 6), np.array([0, 1, 0, 1, 0, 1]))
    c = dafh_case(1)
    dafh: dict[str, Any] = dict(sensitive_features=c["assigned"], y_pred_pooled=c["pooled"],
                                y_pred_decoupled=c["decoupled"], assigned=c["assigned"])
    nan_pred = pred.copy()
    nan_pred[2] = np.nan
    wrong_own = c["own"].copy()
    wrong_own[3] = 1 - wrong_own[3]
    return [
        ("length", lambda: fm.mean_prediction_difference(y, pred, sensitive_features=a[:5]), "sensitive_features"),
        ("y_true length", lambda: fm.mean_squared_error_difference(y[:4], pred, sensitive_features=a), "y_true"),
        ("empty", lambda: fm.mean_prediction_difference([], [], sensitive_features=[]), "y_pred"),
        ("nan", lambda: fm.statistical_parity_unfairness(y, nan_pred, sensitive_features=a), "y_pred"),
        ("missing group", lambda: fm.mean_prediction_difference(
            y, pred, sensitive_features=np.array(["a", None, "b", "a", "b", "a"], dtype=object)), "sensitive_features"),
        ("nan group", lambda: fm.mean_prediction_difference(
            y, pred, sensitive_features=a + np.r_[np.nan, 0, 0, 0, 0, 0]), "sensitive_features"),
        ("one group", lambda: fm.mean_prediction_difference(y, pred, sensitive_features=np.zeros(6)),
         "sensitive_features"),
        ("three groups", lambda: fm.mean_squared_error_difference(y, pred, sensitive_features=np.arange(6) % 3),
         "sensitive_features"),
        ("2-D", lambda: fm.mean_prediction_difference(y, np.ones((6, 2)), sensitive_features=a), "y_pred"),
        ("text", lambda: fm.mean_prediction_difference(y, list("abcdef"), sensitive_features=a), "y_pred"),
        ("protected", lambda: fm.statistical_parity_unfairness(
            y, pred, sensitive_features=np.where(a, "F", "M"), protected="X"), "protected"),
        ("thresholds", lambda: fm.statistical_parity_unfairness(y, pred, sensitive_features=a, thresholds=[]),
         "thresholds"),
        ("nan threshold", lambda: fm.statistical_parity_unfairness(y, pred, sensitive_features=a,
                                                                   thresholds=[0.1, np.nan]), "thresholds"),
        ("pooled length", lambda: fm.max_gain(c["y"], c["own"], sensitive_features=c["assigned"],
                                              y_pred_pooled=c["pooled"][:-1]), "y_pred_pooled"),
        ("label kinds", lambda: fm.max_gain(c["y"].astype(str), c["own"], sensitive_features=c["assigned"],
                                            y_pred_pooled=c["pooled"]), "y_pred"),
        ("decoupled shape", lambda: fm.min_envy(c["y"], c["own"], sensitive_features=c["assigned"],
                                                y_pred_decoupled=c["decoupled"][:-1], assigned=c["assigned"]),
         "y_pred_decoupled"),
        ("assigned range", lambda: fm.n_violations(c["y"], c["own"], **dict(dafh, assigned=c["assigned"] + 1)),
         "assigned"),
        ("y_pred not assigned", lambda: fm.n_violations(c["y"], wrong_own, **dafh), "y_pred"),
        ("dafh groups length", lambda: fm.disparity_increase(c["y"], c["own"], sensitive_features=c["assigned"][:3],
                                                             y_pred_pooled=c["pooled"]), "sensitive_features"),
        ("alpha", lambda: fm.n_violations(c["y"], c["own"], **dafh, alpha=0.0), "alpha"),
    ]


@pytest.mark.parametrize("case", _bad_cases(), ids=lambda case: case[0])
def test_bad_input_is_one_line_naming_the_argument(case):
    _, call, argument = case
    with pytest.raises(DataError) as info:
        call()
    message = str(info.value)
    assert message.startswith(f"{argument}:"), message
    assert "\n" not in message


@pytest.mark.parametrize("seed", SEEDS)
def test_dafh_metrics_are_the_workflow_values(seed):
    """The public metrics give exactly what the DAFH study records (``evaluate_predictions``)."""
    from fairopt.methods.dafh.metrics import evaluate_predictions

    c = dafh_case(seed)
    predictions = np.column_stack([c["pooled"], c["decoupled"]])
    for sf in groupings(c):
        recorded = evaluate_predictions(c["y"], predictions, c["assigned"], sf, alpha=0.1)
        common: dict[str, Any] = dict(sensitive_features=sf, y_pred_pooled=c["pooled"])
        envy: dict[str, Any] = dict(sensitive_features=sf, y_pred_decoupled=c["decoupled"], assigned=c["assigned"])
        assert fm.prob_fairness_without_harm(c["y"], c["own"], y_pred_pooled=c["pooled"],
                                             y_pred_decoupled=c["decoupled"]) == recorded["prob_fwh"]
        assert fm.max_gain(c["y"], c["own"], **common) == recorded["max_gain"]
        assert fm.disparity_increase(c["y"], c["own"], **common) == recorded["disparity"]
        assert fm.min_envy(c["y"], c["own"], **envy) == recorded["min_envy"]
        assert fm.n_violations(c["y"], c["own"], y_pred_pooled=c["pooled"], **envy) == recorded["n_violations"]
        assert fm.n_violations(c["y"], c["own"], y_pred_pooled=c["pooled"], **envy,
                               alpha=0.1) == recorded["n_violations_significant"]
