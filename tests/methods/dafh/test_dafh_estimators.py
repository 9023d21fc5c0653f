"""scikit-learn conformance of the DAFH estimators, one-line input errors, and the sensitive-attribute guards."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from fairopt.core.errors import ConfigError, DataError
from fairopt.methods.dafh import (ClusteringClassifier, DAFHClassifier, LRAllClassifier, ManualPartitionClassifier,
                                  PooledClassifier, TreeLRClassifier, TrivialPartitionClassifier,
                                  check_no_sensitive, check_no_sensitive_columns, evaluate_estimator)


def parity_partition(S, rng):
    """Group = parity of floor(2 s): both groups occur in any spread-out sample."""
    return (np.floor(2 * S[:, 0]) % 2).astype(int)


UNSEEN = ("the check predicts on rows drawn afresh from continuous data, so their values in the sensitive "
          "column never occur in training; a row whose group has no training rows is rejected by design")

ESTIMATORS = [
    DAFHClassifier(2, hidden_units=8, batch_size=32, epochs=5, seed=0),
    DAFHClassifier(3, hidden_units=8, batch_size=64, epochs=3, dtype="float64", seed=1),
    PooledClassifier(),
    TrivialPartitionClassifier(sensitive_columns=[0]),
    LRAllClassifier(sensitive_columns=[0]),
    ClusteringClassifier(2, n_init=2, seed=0),
    ManualPartitionClassifier([0], partition=parity_partition),
    TreeLRClassifier([0]),
]


def _expected_failures(estimator):
    if isinstance(estimator, (TrivialPartitionClassifier, LRAllClassifier)):
        return {"check_fit_idempotent": UNSEEN}
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.integers(0, 2, n), rng.normal(size=(n, 3))])
    y = (X[:, 1] + 0.5 * X[:, 0] > 0).astype(int)
    return X, y


def test_pipeline_and_grid_search():
    X, y = _data()
    pipe = make_pipeline(FunctionTransformer(lambda z: z[:, 1:]), DAFHClassifier(hidden_units=4, batch_size=25, epochs=20))
    search = GridSearchCV(pipe, {"dafhclassifier__penalty": [0.0, 10.0]}, cv=2).fit(X, y)
    assert search.best_score_ > 0.6
    tree = GridSearchCV(TreeLRClassifier([0]), {"alpha": [0.05, 0.1]}, cv=2).fit(X, y)
    assert tree.predict(X).shape == (200,)


def test_evaluate_estimator_on_learned_and_intersectional_groups():
    X, y = _data(seed=1)
    dafh = DAFHClassifier(hidden_units=4, batch_size=50, epochs=2).fit(X[:, 1:], y)
    out = evaluate_estimator(dafh, X[:, 1:], y)
    assert out["prob_fwh"] >= out["accuracy"]
    inter = evaluate_estimator(dafh, X[:, 1:], y, groups=X[:, 0])
    assert inter["n_groups"] == 2 and inter["accuracy"] == out["accuracy"]
    trivial = TrivialPartitionClassifier([0]).fit(X, y)
    assert evaluate_estimator(trivial, X, y)["n_models"] == 2


BAD_LABELS = np.array([0, 1, 2] * 10)


@pytest.mark.parametrize("make", [lambda: DAFHClassifier(), lambda: TrivialPartitionClassifier([0]),
                                  lambda: TreeLRClassifier([0])])
def test_non_binary_labels_and_non_finite_x_fail_with_one_line(make):
    X, _ = _data(n=30)
    with pytest.raises(ValueError, match="Only binary classification is supported") as err:
        make().fit(X, BAD_LABELS)
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match="1 class"):
        make().fit(X, np.ones(30))
    bad = X.copy()
    bad[2, 2] = np.nan
    with pytest.raises(DataError, match=r"X: contains NaN or infinite values \(first at row 2, column 2\)") as err:
        make().fit(bad, BAD_LABELS % 2)
    assert "\n" not in str(err.value)
    fitted = make().fit(X, BAD_LABELS % 2)
    bad[2, 2] = np.inf
    with pytest.raises(DataError, match="X: contains NaN or infinite"):
        fitted.predict(bad)


def test_dafh_parameter_errors_before_any_work():
    X, y = _data(n=30)
    for kwargs, key in [({"n_groups": 1}, "n_groups"), ({"n_groups": 2.5}, "n_groups"), ({"epochs": 0}, "epochs"),
                        ({"dtype": "half"}, "dtype"), ({"seed": -1}, "seed"), ({"lr_group": 0}, "lr_group")]:
        with pytest.raises(ConfigError, match=key) as err:
            DAFHClassifier(**kwargs).fit(X, y)
        assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match="feature"):
        TrivialPartitionClassifier([0]).fit(X[:, :1], y)


def test_check_no_sensitive_names():
    check_no_sensitive(["age", "priors_count", "charge_degree"], ["race", "sex"])
    with pytest.raises(DataError, match="'race_African-American'"):
        check_no_sensitive(["age", "race_African-American"], ["race", "sex"])
    with pytest.raises(DataError, match="'sex'"):
        check_no_sensitive(["sex", "age"], ["race", "sex"])


def test_check_no_sensitive_columns_detects_copies_recodings_and_dummies():
    rng = np.random.default_rng(0)
    race = rng.choice(["a", "b", "c"], 100)
    sex = rng.integers(0, 2, 100)
    features = rng.normal(size=(100, 2))
    S = pd.DataFrame({"race": race, "sex": sex}).to_numpy()
    check_no_sensitive_columns(features, S)
    with pytest.raises(DataError, match="feature 'x_sex' encodes the sensitive attribute 'sex'"):
        check_no_sensitive_columns(np.column_stack([features, 5 - 2 * sex]), S, feature_names=["f0", "f1", "x_sex"],
                                   sensitive_names=["race", "sex"])
    with pytest.raises(DataError, match="column 2"):
        check_no_sensitive_columns(np.column_stack([features, race == "b"]), S)
    with pytest.raises(DataError, match="column 0"):
        check_no_sensitive_columns(np.column_stack([1.0 - (race == "c"), features]), S)
