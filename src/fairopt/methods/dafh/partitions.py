"""Baseline partitions of DAFH's Section 6.2: pooled, trivial, clustering, LR-All and manual partitions.

Cai, Khalili & Zhang (arXiv 2509.24077), Section 6.2; Ustun, Liu & Parkes, "Fairness without Harm:
Decoupled Classifiers with Preference Guarantees" (ICML 2019). Every baseline partitions the rows
into groups and fits one logistic regression per group with the settings of Ustun et al.'s code
(reference note): scikit-learn ``LogisticRegression`` with an L2 penalty, ``C = 1``, liblinear,
an intercept, ``tol = 1e-4``, ``max_iter = 1000``, on unnormalised features (two classes; labels
+-1 there, any two classes here -- the fitted coefficients are the same).

Group membership is read from the inputs: ``sensitive_columns`` names (DataFrame column names) or
indexes the columns of ``X`` that hold the sensitive attributes; they define the partition and are
removed from the logistic regressions' inputs, as Ustun et al. do. Group keys are the attribute values
seen in training; a row whose group had no training rows is rejected with a one-line
:class:`~fairopt.core.errors.DataError` naming the group. A group whose training rows all have one
class gets a constant classifier (a logistic regression cannot be fitted; the constant is the limit
of its fit).

* :class:`PooledClassifier` -- one classifier for everybody (h_0);
* :class:`TrivialPartitionClassifier` -- one classifier per value of ONE sensitive attribute
  (Ustun et al.'s "LR (one attribute)");
* :class:`ClusteringClassifier` -- K-means clusters of the standardised non-sensitive features (the
  scaler fitted on the training rows); new rows go to the nearest centroid;
* :class:`LRAllClassifier` -- one classifier per observed intersection of the sensitive attributes;
* :class:`ManualPartitionClassifier` -- a user function of the sensitive attributes (and a seeded
  generator, for random assignments) returns the group of each row.

TreeLR (:class:`~fairopt.methods.dafh.tree.TreeLRClassifier`) builds on :class:`PartitionClassifier`.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from fairopt.core.errors import ConfigError, DataError
from fairopt.methods.dafh.checks import binary_labels, check_n_groups, validate_inputs

__all__ = ["USTUN_LOGISTIC_PARAMS", "ustun_logistic_regression", "ConstantClassifier", "fit_logistic",
           "PartitionClassifier", "PooledClassifier", "TrivialPartitionClassifier", "ClusteringClassifier",
           "LRAllClassifier", "ManualPartitionClassifier", "row_groups"]

#: Ustun et al.'s logistic regression. ``l1_ratio=0`` is scikit-learn >= 1.8's spelling of
#: ``penalty="l2"`` (deprecated there); ``random_state`` only fixes liblinear's (unused, primal) shuffling.
USTUN_LOGISTIC_PARAMS = {"C": 1.0, "l1_ratio": 0.0, "solver": "liblinear", "fit_intercept": True, "tol": 1e-4,
                         "max_iter": 1000, "random_state": 0}


def ustun_logistic_regression(**overrides) -> LogisticRegression:
    """A fresh ``LogisticRegression`` with :data:`USTUN_LOGISTIC_PARAMS` (plus ``overrides``).

    Args:
        **overrides: Parameters replacing Ustun et al.'s.

    Returns:
        The unfitted estimator.
    """
    return LogisticRegression(**{**USTUN_LOGISTIC_PARAMS, **overrides})


class ConstantClassifier:
    """Predicts one class everywhere (the model of a group whose training rows have a single class).

    Args:
        classes: The estimator's two classes.
        label: The class to predict.
    """

    def __init__(self, classes: np.ndarray, label):
        self.classes_ = np.asarray(classes)
        self.label = label
        self.positive = bool(label == self.classes_[1])

    def predict(self, X) -> np.ndarray:
        """The constant label for every row of ``X``."""
        return np.full(np.asarray(X).shape[0], self.label, dtype=self.classes_.dtype)

    def predict_proba(self, X) -> np.ndarray:
        """Probability 1 for the constant label (columns ordered as ``classes_``)."""
        p = np.zeros((np.asarray(X).shape[0], 2))
        p[:, int(self.positive)] = 1.0
        return p


def fit_logistic(F: np.ndarray, y: np.ndarray, classes: np.ndarray):
    """Ustun et al.'s logistic regression on ``(F, y)``, or a :class:`ConstantClassifier` for one class.

    Args:
        F: ``(n, d)`` non-sensitive features (unnormalised).
        y: ``(n,)`` labels.
        classes: The estimator's two classes.

    Returns:
        The fitted classifier.
    """
    present = np.unique(y)
    if present.size < 2:
        return ConstantClassifier(classes, present[0])
    return ustun_logistic_regression().fit(F, y)


def row_groups(S: np.ndarray) -> tuple[list[tuple], np.ndarray]:
    """Distinct rows of ``S`` (as tuples, sorted) and the index of each row's tuple.

    Args:
        S: ``(n, m)`` sensitive columns (``m = 0``: one group, the empty tuple).

    Returns:
        ``(keys, ids)``.
    """
    if S.shape[1] == 0:
        return [()], np.zeros(S.shape[0], dtype=np.int64)
    keys, inverse = np.unique(S, axis=0, return_inverse=True)
    return [tuple(k.tolist()) for k in keys], inverse.ravel().astype(np.int64)


class PartitionClassifier(ClassifierMixin, BaseEstimator):
    """Base class: a partition of the rows and one logistic regression per group.

    Subclasses implement :meth:`_fit_partition` (training rows -> group ids and labels) and
    :meth:`_assign` (any rows -> group ids). Fitted attributes: ``classes_``, ``n_features_in_``,
    ``sensitive_indices_``, ``feature_indices_``, ``pooled_`` (the pooled classifier), ``estimators_``
    (one per group), ``group_labels_`` (a description of each group), ``group_sizes_``.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    # --------------------------------------------------------------- helpers
    def _check_params(self) -> None:
        """Validate the constructor parameters (before any work); subclasses extend."""

    def _resolve_sensitive(self, n_columns: int) -> list[int]:
        cols = self.sensitive_columns
        if cols is None:
            cols = []
        elif isinstance(cols, (str, int, np.integer)):
            cols = [cols]
        names = list(getattr(self, "feature_names_in_", []))
        out = []
        for c in cols:
            if isinstance(c, str):
                if c not in names:
                    raise DataError(f"sensitive_columns: {c!r} is not a column of X")
                out.append(names.index(c))
            elif isinstance(c, (int, np.integer)) and not isinstance(c, bool):
                if not -n_columns <= c < n_columns:
                    raise DataError(f"sensitive_columns: column {c} is not in X (X has {n_columns} columns)")
                out.append(int(c) % n_columns)
            else:
                raise ConfigError(f"sensitive_columns: expected column names or indices, got {c!r}")
        if len(set(out)) != len(out):
            raise ConfigError(f"sensitive_columns: repeated column in {list(cols)!r}")
        return out

    def _split(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return X[:, self.feature_indices_], X[:, self.sensitive_indices_]

    def _describe(self, position: int) -> str:
        names = getattr(self, "feature_names_in_", None)
        j = self.sensitive_indices_[position]
        return repr(str(names[j])) if names is not None else f"column {j}"

    # ---------------------------------------------------------------- fitting
    def fit(self, X, y):
        """Fit the partition and the per-group logistic regressions.

        Args:
            X: ``(n, d)`` finite numeric inputs, the sensitive columns included.
            y: ``(n,)`` binary labels.

        Returns:
            self.
        """
        self._check_params()
        X, y = validate_inputs(self, X, y)
        classes, _ = binary_labels(y)
        self.classes_ = classes
        sens = self._resolve_sensitive(X.shape[1])
        self.sensitive_indices_ = sens
        self.feature_indices_ = [j for j in range(X.shape[1]) if j not in set(sens)]
        if not self.feature_indices_:
            raise ValueError(f"X has {X.shape[1]} feature(s), all of them in sensitive_columns; "
                             "at least one non-sensitive feature is needed")
        F, S = self._split(X)
        self._fit_impl(F, S, y)
        return self

    def _fit_impl(self, F: np.ndarray, S: np.ndarray, y: np.ndarray) -> None:
        ids, labels = self._fit_partition(F, S, y)
        sizes = np.bincount(ids, minlength=len(labels))
        for g in np.flatnonzero(sizes == 0):
            raise DataError(f"group {labels[g]!r} has no training rows")
        self.group_labels_ = list(labels)
        self.group_sizes_ = sizes
        self.pooled_ = fit_logistic(F, y, self.classes_)
        self.estimators_ = [fit_logistic(F[ids == g], y[ids == g], self.classes_) for g in range(len(labels))]

    def _fit_partition(self, F: np.ndarray, S: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, list]:
        raise NotImplementedError

    def _assign(self, F: np.ndarray, S: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _lookup(self, S: np.ndarray, keys: list[tuple], positions: Sequence[int]) -> np.ndarray:
        """Group id of each row of ``S[:, positions]`` among the training ``keys`` (DataError if unseen)."""
        index = {k: g for g, k in enumerate(keys)}
        present, inverse = row_groups(S[:, list(positions)])
        ids = np.empty(len(present), dtype=np.int64)
        for u, key in enumerate(present):
            if key not in index:
                what = ", ".join(f"{self._describe(p)} = {v!r}" for p, v in zip(positions, key))
                raise DataError(f"group ({what}) has no rows in the training data")
            ids[u] = index[key]
        return ids[inverse]

    # ------------------------------------------------------------- prediction
    def _inputs(self, X) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self)
        X = validate_inputs(self, X, reset=False)
        return self._split(X)

    def assign(self, X) -> np.ndarray:
        """Group (model index in ``[0, n_groups_)``) of each row."""
        F, S = self._inputs(X)
        return self._assign(F, S)

    @property
    def n_groups_(self) -> int:
        """Number of groups (= decoupled models)."""
        check_is_fitted(self)
        return len(self.estimators_)

    def _per_group(self, F: np.ndarray, ids: np.ndarray, method: str) -> np.ndarray:
        out = None
        for g, model in enumerate(self.estimators_):
            rows = ids == g
            if not rows.any():
                continue
            values = getattr(model, method)(F[rows])
            if out is None:
                out = np.empty((F.shape[0],) + values.shape[1:], dtype=values.dtype)
            out[rows] = values
        assert out is not None  # validated inputs have rows, each in a group
        return out

    def predict(self, X) -> np.ndarray:
        """Labels from each row's group classifier."""
        F, S = self._inputs(X)
        return self._per_group(F, self._assign(F, S), "predict")

    def predict_proba(self, X) -> np.ndarray:
        """``(n, 2)`` probabilities from each row's group classifier."""
        F, S = self._inputs(X)
        return self._per_group(F, self._assign(F, S), "predict_proba")

    def predict_all(self, X) -> np.ndarray:
        """``(n, G + 1)`` labels: column 0 the pooled classifier, column g + 1 group g's classifier."""
        F, _ = self._inputs(X)
        return np.column_stack([self.pooled_.predict(F)] + [m.predict(F) for m in self.estimators_])

    def predict_pooled(self, X) -> np.ndarray:
        """Labels of the pooled classifier."""
        F, _ = self._inputs(X)
        return self.pooled_.predict(F)


class PooledClassifier(PartitionClassifier):
    """One logistic regression for all rows (the pooled classifier h_0; a single group).

    Args:
        sensitive_columns: Columns removed from the inputs (names or indices; ``None``: none).
    """

    def __init__(self, sensitive_columns=None):
        self.sensitive_columns = sensitive_columns

    def _fit_partition(self, F, S, y):
        return np.zeros(F.shape[0], dtype=np.int64), ["all"]

    def _assign(self, F, S):
        return np.zeros(F.shape[0], dtype=np.int64)


class TrivialPartitionClassifier(PartitionClassifier):
    """One logistic regression per value of one sensitive attribute (DAFH's "Trivial partition").

    Args:
        sensitive_columns: The sensitive columns (all removed from the regressions' inputs).
        attribute: The column that defines the partition: a column name or a column index of ``X``
            (one of ``sensitive_columns``); ``None``: the first sensitive column.
    """

    def __init__(self, sensitive_columns=None, attribute=None):
        self.sensitive_columns = sensitive_columns
        self.attribute = attribute

    def _position(self) -> int:
        if not self.sensitive_indices_:
            raise ConfigError("sensitive_columns: the trivial partition needs at least one sensitive column")
        if self.attribute is None:
            return 0
        names = list(getattr(self, "feature_names_in_", []))
        d = self.n_features_in_
        j = None
        if isinstance(self.attribute, str):
            j = names.index(self.attribute) if self.attribute in names else None
        elif isinstance(self.attribute, (int, np.integer)) and -d <= self.attribute < d:
            j = int(self.attribute) % d
        if j is None or j not in self.sensitive_indices_:
            raise DataError(f"attribute: {self.attribute!r} is not one of sensitive_columns")
        return self.sensitive_indices_.index(j)

    def _fit_partition(self, F, S, y):
        self.attribute_position_ = self._position()
        keys, ids = row_groups(S[:, [self.attribute_position_]])
        self.group_keys_ = keys
        return ids, [k[0] for k in keys]

    def _assign(self, F, S):
        return self._lookup(S, self.group_keys_, [self.attribute_position_])


class LRAllClassifier(PartitionClassifier):
    """One logistic regression per observed intersection of the sensitive attributes (Ustun et al.'s LR-All).

    Args:
        sensitive_columns: The sensitive columns.
    """

    def __init__(self, sensitive_columns=None):
        self.sensitive_columns = sensitive_columns

    def _fit_partition(self, F, S, y):
        keys, ids = row_groups(S)
        self.group_keys_ = keys
        return ids, keys

    def _assign(self, F, S):
        return self._lookup(S, self.group_keys_, range(S.shape[1]))


class ClusteringClassifier(PartitionClassifier):
    """K-means groups (DAFH's "Clustering" baseline), one logistic regression per cluster.

    K-means runs on the non-sensitive features standardised with the training rows' mean and
    standard deviation; new rows are assigned to the nearest centroid in that space.

    Args:
        n_groups: Number of clusters K (>= 2).
        sensitive_columns: Columns removed from the inputs (``None``: none).
        n_init: K-means restarts.
        seed: K-means ``random_state``.
    """

    def __init__(self, n_groups: int = 2, *, sensitive_columns=None, n_init: int = 10, seed: int = 0):
        self.n_groups = n_groups
        self.sensitive_columns = sensitive_columns
        self.n_init = n_init
        self.seed = seed

    def _check_params(self) -> None:
        check_n_groups(self.n_groups)
        if isinstance(self.n_init, bool) or not isinstance(self.n_init, (int, np.integer)) or self.n_init < 1:
            raise ConfigError(f"n_init: expected an integer >= 1, got {self.n_init!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ConfigError(f"seed: expected an integer >= 0, got {self.seed!r}")

    def _fit_partition(self, F, S, y):
        if F.shape[0] < self.n_groups:
            raise DataError(f"X: {F.shape[0]} rows cannot form n_groups={self.n_groups} clusters")
        self.mean_ = F.mean(axis=0)
        scale = F.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        self.kmeans_ = KMeans(n_clusters=int(self.n_groups), n_init=int(self.n_init), random_state=int(self.seed))
        ids = self.kmeans_.fit_predict((F - self.mean_) / self.scale_)
        return ids.astype(np.int64), [f"cluster {k}" for k in range(int(self.n_groups))]

    def _assign(self, F, S):
        return self.kmeans_.predict((F - self.mean_) / self.scale_).astype(np.int64)


class ManualPartitionClassifier(PartitionClassifier):
    """A user-given partition of the sensitive attributes (DAFH's "Manual partition", Table 5).

    ``partition(S, rng)`` receives the ``(n, m)`` sensitive columns (in the order of
    ``sensitive_columns``) and a fresh ``numpy.random.Generator`` seeded with ``seed`` (for random
    assignments, e.g. "the rest split at random"), and returns integer group ids. Example (Arrest):
    ``lambda S, rng: np.where(nonwhite_male_under_45(S), 0, np.where(nonwhite_female_25_45(S), 1,
    rng.integers(0, 2, len(S))))``; use a module-level function if the estimator must be pickled.

    Args:
        sensitive_columns: The sensitive columns.
        partition: The function ``(S, rng) -> ids``.
        n_groups: Number of groups (ids must lie in ``[0, n_groups)`` and every group needs training
            rows); ``None``: one more than the largest training id.
        seed: Seed of the generator passed to ``partition``.
    """

    def __init__(self, sensitive_columns=None, partition: Callable | None = None, n_groups: int | None = None,
                 seed: int = 0):
        self.sensitive_columns = sensitive_columns
        self.partition = partition
        self.n_groups = n_groups
        self.seed = seed

    def _check_params(self) -> None:
        if not callable(self.partition):
            raise ConfigError("partition: expected a function (S, rng) -> group ids")
        if self.n_groups is not None:
            check_n_groups(self.n_groups)
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ConfigError(f"seed: expected an integer >= 0, got {self.seed!r}")

    def _ids(self, S: np.ndarray, n_groups: int | None) -> np.ndarray:
        assert self.partition is not None  # checked callable by _check_params
        ids = np.asarray(self.partition(S, np.random.default_rng(int(self.seed))))
        if ids.shape != (S.shape[0],) or (ids.size and not np.all(np.equal(np.mod(ids, 1), 0))):
            raise DataError(f"partition: expected {S.shape[0]} integer group ids, got an array of shape {ids.shape}")
        ids = ids.astype(np.int64)
        outside = (ids < 0) if n_groups is None else ((ids < 0) | (ids >= n_groups))
        if outside.any():
            upper = "inf" if n_groups is None else n_groups
            raise DataError(f"partition: group id {ids[outside][0]} is outside [0, {upper})")
        return ids

    def _fit_partition(self, F, S, y):
        ids = self._ids(S, self.n_groups)
        k = int(self.n_groups) if self.n_groups is not None else int(ids.max()) + 1
        return ids, list(range(k))

    def _assign(self, F, S):
        return self._ids(S, len(self.estimators_))
