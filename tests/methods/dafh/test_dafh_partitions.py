"""Tests of the baseline partitions: Trivial, LR-All, Clustering, Manual, Pooled and TreeLR."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairopt.core.errors import ConfigError, DataError
from fairopt.methods.dafh import (ClusteringClassifier, ConstantClassifier, LRAllClassifier,
                                  ManualPartitionClassifier, PooledClassifier, TreeLRClassifier,
                                  TrivialPartitionClassifier, make_partition_classifier, preference_score,
                                  stratified_holdout, ustun_logistic_regression)


def _grouped_data(n=600, seed=0):
    """Columns: race in {0, 1, 2}, sex in {0, 1}, then 3 features; the label rule depends on race and sex."""
    rng = np.random.default_rng(seed)
    race, sex = rng.integers(0, 3, n), rng.integers(0, 2, n)
    f = rng.normal(size=(n, 3))
    w = np.array([[1, -1, 0.5], [-1, 1, 0], [0.5, 0.5, -1]])[race]
    y = ((f * w).sum(axis=1) + 0.7 * (sex - 0.5) + 0.3 * rng.normal(size=n) > 0).astype(int)
    return np.column_stack([race, sex, f]), y


def test_trivial_partition_equals_per_group_sklearn_fits():
    X, y = _grouped_data()
    model = TrivialPartitionClassifier(sensitive_columns=[0, 1], attribute=0).fit(X, y)
    assert model.group_labels_ == [0.0, 1.0, 2.0]
    for g, value in enumerate(model.group_labels_):
        rows = X[:, 0] == value
        ref = ustun_logistic_regression().fit(X[rows][:, 2:], y[rows])
        np.testing.assert_allclose(model.estimators_[g].coef_, ref.coef_, rtol=0, atol=1e-10)
        np.testing.assert_allclose(model.estimators_[g].intercept_, ref.intercept_, rtol=0, atol=1e-10)
    pooled = ustun_logistic_regression().fit(X[:, 2:], y)
    np.testing.assert_allclose(model.pooled_.coef_, pooled.coef_, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(model.assign(X), X[:, 0].astype(int))
    pred = model.predict(X)
    for g in range(3):
        rows = X[:, 0] == g
        np.testing.assert_array_equal(pred[rows], model.estimators_[g].predict(X[rows][:, 2:]))
    assert model.predict_all(X).shape == (X.shape[0], 4)


def test_lr_all_equals_per_intersection_sklearn_fits_with_dataframe_names():
    X, y = _grouped_data(seed=1)
    frame = pd.DataFrame(X, columns=["race", "sex", "f1", "f2", "f3"])
    model = LRAllClassifier(sensitive_columns=["race", "sex"]).fit(frame, y)
    assert len(model.group_labels_) == 6
    for g, (race, sex) in enumerate(model.group_labels_):
        rows = (X[:, 0] == race) & (X[:, 1] == sex)
        ref = ustun_logistic_regression().fit(X[rows][:, 2:], y[rows])
        np.testing.assert_allclose(model.estimators_[g].coef_, ref.coef_, rtol=0, atol=1e-10)
        np.testing.assert_allclose(model.estimators_[g].intercept_, ref.intercept_, rtol=0, atol=1e-10)
    assert model.score(frame, y) > PooledClassifier(sensitive_columns=["race", "sex"]).fit(frame, y).score(frame, y)


def test_kmeans_assignment_is_the_nearest_centroid():
    X, y = _grouped_data(seed=2)
    Xt, _ = _grouped_data(n=200, seed=3)
    model = ClusteringClassifier(3, sensitive_columns=[0, 1], n_init=3, seed=4).fit(X, y)
    z = (Xt[:, 2:] - X[:, 2:].mean(axis=0)) / X[:, 2:].std(axis=0)
    dist = ((z[:, None, :] - model.kmeans_.cluster_centers_[None]) ** 2).sum(axis=2)
    np.testing.assert_array_equal(model.assign(Xt), dist.argmin(axis=1))
    again = ClusteringClassifier(3, sensitive_columns=[0, 1], n_init=3, seed=4).fit(X, y)
    np.testing.assert_array_equal(again.kmeans_.cluster_centers_, model.kmeans_.cluster_centers_)


def _manual_rule(S, rng):
    """Race 2 -> group 0; race 0 and sex 1 -> group 1; the rest at random."""
    return np.where(S[:, 0] == 2, 0, np.where((S[:, 0] == 0) & (S[:, 1] == 1), 1, rng.integers(0, 2, S.shape[0])))


def test_manual_partition_follows_the_rule_and_is_reproducible():
    X, y = _grouped_data(seed=5)
    model = ManualPartitionClassifier([0, 1], partition=_manual_rule, n_groups=2, seed=3).fit(X, y)
    ids = model.assign(X)
    np.testing.assert_array_equal(ids, _manual_rule(X[:, :2], np.random.default_rng(3)))
    assert np.all(ids[X[:, 0] == 2] == 0)
    np.testing.assert_array_equal(model.assign(X), ids)
    with pytest.raises(DataError, match="group 2 has no training rows"):
        ManualPartitionClassifier([0, 1], partition=_manual_rule, n_groups=3).fit(X, y)


def test_unseen_group_at_prediction_is_named():
    X, y = _grouped_data(seed=6)
    model = TrivialPartitionClassifier([0, 1]).fit(X[X[:, 0] < 2], y[X[:, 0] < 2])
    with pytest.raises(DataError, match=r"group \(column 0 = 2.0\) has no rows in the training data"):
        model.predict(X)
    frame = pd.DataFrame(X, columns=["race", "sex", "f1", "f2", "f3"])
    lr_all = LRAllClassifier(["race", "sex"]).fit(frame[frame.race < 2], y[X[:, 0] < 2])
    with pytest.raises(DataError, match="'race' = 2.0"):
        lr_all.assign(frame)


def test_single_class_group_gets_a_constant_classifier():
    X, y = _grouped_data(seed=7)
    y = y.copy()
    y[X[:, 0] == 1] = 1
    model = TrivialPartitionClassifier([0, 1]).fit(X, y)
    assert isinstance(model.estimators_[1], ConstantClassifier)
    rows = X[:, 0] == 1
    assert np.all(model.predict(X[rows]) == 1)
    np.testing.assert_array_equal(model.predict_proba(X[rows]), np.tile([0.0, 1.0], (rows.sum(), 1)))


def test_partition_errors():
    X, y = _grouped_data(n=100, seed=8)
    with pytest.raises(ConfigError, match="kind"):
        make_partition_classifier("quadtree")
    with pytest.raises(ConfigError, match="n_init"):
        make_partition_classifier("clustering", n_init=0).fit(X, y)
    with pytest.raises(ConfigError, match="n_groups"):
        ClusteringClassifier(1).fit(X, y)
    with pytest.raises(DataError, match="sensitive_columns: 'age' is not a column of X"):
        LRAllClassifier(["age"]).fit(pd.DataFrame(X, columns=list("abcde")), y)
    with pytest.raises(DataError, match="sensitive_columns: column 9"):
        LRAllClassifier([9]).fit(X, y)
    with pytest.raises(DataError, match="attribute"):
        TrivialPartitionClassifier([0], attribute=1).fit(X, y)
    with pytest.raises(ConfigError, match="partition"):
        ManualPartitionClassifier([0]).fit(X, y)
    with pytest.raises(ConfigError, match="alpha"):
        TreeLRClassifier([0], alpha=0.0).fit(X, y)
    with pytest.raises(ConfigError, match="not a parameter"):
        make_partition_classifier("pooled", n_groups=3)
    assert isinstance(make_partition_classifier("tree_lr", sensitive_columns=[0]), TreeLRClassifier)


# ----------------------------------------------------------------------------- TreeLR


def _planted(n, seed, p_noise=0.5):
    """Sensitive a (informative: it flips the decision boundary) and b (pure noise), then 2 features."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, n), (rng.random(n) < p_noise).astype(int)
    x = rng.normal(size=(n, 2))
    margin = x[:, 0] + 0.3 * rng.normal(size=n)
    y = np.where(a == 1, margin > 0, margin < 0).astype(int)
    return np.column_stack([a, b, x]), y


def test_tree_lr_growth_prefers_the_informative_attribute():
    for seed in range(3):
        X, y = _planted(1200, seed)
        model = TreeLRClassifier([0, 1], seed=seed).fit(X, y)
        assert all(path[0][0] == 0 for path in model.grown_paths_)     # the root split is on a
        assert {path[0] for path in model.leaf_paths_} == {(0, 0.0), (0, 1.0)}
        assert model.score(X, y) > 0.85


def test_tree_lr_finds_the_planted_split_and_not_the_noise_attribute():
    # 360 rows per child of the noise split at the root, ~180 below the a-split: min_samples=300
    # admits b at the root (where the score must reject it) but not below a.
    X, y = _planted(1080, seed=3)
    model = TreeLRClassifier([0, 1], min_samples=300, seed=0).fit(X, y)
    assert model.grown_paths_ == [((0, 0.0),), ((0, 1.0),)]
    assert model.leaf_paths_ == [((0, 0.0),), ((0, 1.0),)]
    assert all(r["survived"] for r in model.pruning_)
    Xt, yt = _planted(2000, seed=9)
    assert model.score(Xt, yt) > PooledClassifier([0, 1]).fit(X, y).score(Xt, yt) + 0.3
    np.testing.assert_array_equal(model.assign(Xt), Xt[:, 0].astype(int))


def test_tree_lr_preference_score_ranks_the_planted_partition_first():
    X, y = _planted(1200, seed=1)
    f, a, b = X[:, 2:], X[:, 0], X[:, 1]
    root = ustun_logistic_regression().fit(f, y).predict(f) != y

    def partition_score(attribute):
        parts = [attribute == v for v in (0, 1)]
        mistakes = [ustun_logistic_regression().fit(f[p], y[p]).predict(f) != y for p in parts]
        return preference_score(mistakes, parts, root)

    assert partition_score(a) < 1e-6 < 4.0 < partition_score(b)


class _Rule:
    """A fixed predictor: the true label (stored in feature 0) except on the rows listed in ``wrong``."""

    def __init__(self, wrong=()):
        self.wrong = set(wrong)

    def predict(self, F):
        labels = F[:, 0].astype(int)
        flip = np.array([int(i) in self.wrong for i in F[:, 1]])
        return np.where(flip, 1 - labels, labels)


def _hand_tree(child_wrong):
    from fairopt.methods.dafh.tree import _Node
    n = 100
    y = np.tile([0, 1], n // 2)
    F = np.column_stack([y, np.arange(n)]).astype(float)
    S = (np.arange(n) >= 50).astype(float)[:, None]
    root = _Node(path=(), rows=np.ones(n, bool), model=_Rule(), mistakes=np.zeros(n, bool))
    root.attribute = 0
    root.children = [_Node(path=((0, v),), rows=S[:, 0] == v, model=_Rule(w), mistakes=np.zeros(n, bool))
                     for v, w in zip((0.0, 1.0), child_wrong)]
    return root, F, S, y


def test_tree_lr_pruning_keeps_one_row_differences_and_removes_significant_violations():
    tree = TreeLRClassifier([0], alpha=0.1)
    # child 1 is wrong on all its 50 rows where the root is right: significant (p = 2^-50) -> pruned
    root, F, S, y = _hand_tree([(), range(50, 100)])
    assert tree._prune(root, F, S, y) == [root]
    assert tree.pruning_[0]["p_min"] == pytest.approx(0.5 ** 50) and not tree.pruning_[0]["survived"]
    # child 1 is wrong on one row only: p = 1/2 > 0.1 / 4 -> the split survives and is chosen
    root, F, S, y = _hand_tree([(), [60]])
    assert tree._prune(root, F, S, y) == root.children
    record = tree.pruning_[0]
    assert record["survived"] and record["n_tests"] == 4 and record["gain_min"] == pytest.approx(-1 / 50)
    # offering the unsplit tree as well, its gains (0, 0, 0) beat (-1/50, 0, ...)
    assert TreeLRClassifier([0], include_root=True)._prune(root, F, S, y) == [root]


def test_stratified_holdout_is_seeded_and_stratified():
    y = np.array([0] * 30 + [1] * 60)
    held = stratified_holdout(y, 1 / 3, seed=2)
    assert held[y == 0].sum() == 10 and held[y == 1].sum() == 20
    np.testing.assert_array_equal(held, stratified_holdout(y, 1 / 3, seed=2))
    assert not np.array_equal(held, stratified_holdout(y, 1 / 3, seed=3))
