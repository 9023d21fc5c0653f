"""scikit-learn estimator for DAFH (demographic-agnostic fairness without harm).

Cai, Khalili & Zhang (arXiv 2509.24077). :class:`DAFHClassifier` standardises the features (mean and
standard deviation of the training rows; constant columns keep scale 1), maps the two classes to
{-1, +1}, trains with :func:`~fairopt.methods.dafh.training.train_dafh` (Algorithm 1) and predicts
with the assigned group's classifier::

    k(x) = argmax_k p_k(x),    P(y = classes_[1] | x) = sigmoid(t_{k(x)}(x)).

The estimator only ever sees the columns it is given: pass the features without the sensitive
attributes (:func:`~fairopt.methods.dafh.checks.check_no_sensitive_columns` checks that).
:meth:`DAFHClassifier.fit_many` fits a whole grid of configurations as one batched computation.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from fairopt.core.device import resolve_device
from fairopt.core.errors import ConfigError
from fairopt.methods.dafh.checks import binary_labels, check_n_groups, validate_inputs
from fairopt.methods.dafh.objective import sigmoid_surrogate_loss_np
from fairopt.methods.dafh.training import (DAFHConfig, DAFHParameters, resolve_dtype, seed_streams, train_dafh,
                                           train_dafh_batched)

__all__ = ["DAFHClassifier", "standardisation"]


def standardisation(X: np.ndarray, enabled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Mean and scale of the training rows (scale 1 for constant columns, or when disabled).

    Args:
        X: ``(n, d)`` training rows.
        enabled: ``False`` returns the identity (mean 0, scale 1).

    Returns:
        ``(mean, scale)``, two ``(d,)`` float64 arrays; inputs are standardised as ``(X - mean) / scale``.
    """
    d = X.shape[1]
    if not enabled:
        return np.zeros(d), np.ones(d)
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    return mean, scale


class DAFHClassifier(ClassifierMixin, BaseEstimator):
    """DAFH: a learned group classifier and K decoupled logistic classifiers (binary labels).

    Args:
        n_groups: Number of groups K (>= 2).
        hidden_units: Hidden width of the group classifier (100 in the paper).
        batch_size: Mini-batch size (Table 3: 1,024; German 256).
        epochs: Passes over the training rows (Table 3: 3; Bank 2).
        lr_group: Learning rate of the group classifier (paper's values lost; our default).
        lr_decoupled: Learning rate of the decoupled and pooled classifiers (ditto).
        penalty: lambda of the KL balance penalty (Table 3: 10; German 100).
        momentum: SGD momentum of the decoupled and pooled classifiers (0.9).
        group_momentum: SGD momentum of the group classifier (default 0: plain SGD).
        pooled_epochs: Passes of the pooled classifier (``None``: ``epochs``).
        standardize: Standardise the features with the training rows' mean and standard deviation.
        dtype: Training dtype, ``"float32"`` or ``"float64"`` (predictions are float64).
        device: Where training runs: ``"cpu"``, ``"cuda"`` or ``"auto"`` (:mod:`fairopt.core.device`).
        seed: Seed of every random draw (same seed -> bit-identical fit).

    Attributes:
        classes_: The two classes (``classes_[1]`` is the positive label +1).
        n_features_in_: Number of input columns.
        mean_, scale_: Standardisation of the training rows.
        parameters_: The trained :class:`~fairopt.methods.dafh.training.DAFHParameters`.
        history_: Per-epoch training records.
        n_groups_: K.
    """

    def __init__(self, n_groups: int = 2, *, hidden_units: int = 100, batch_size: int = 1024, epochs: int = 3,
                 lr_group: float = 0.1, lr_decoupled: float = 0.1, penalty: float = 10.0, momentum: float = 0.9,
                 group_momentum: float = 0.0, pooled_epochs: int | None = None, standardize: bool = True,
                 dtype: str = "float32", device: str = "cpu", seed: int = 0):
        self.n_groups = n_groups
        self.hidden_units = hidden_units
        self.batch_size = batch_size
        self.epochs = epochs
        self.lr_group = lr_group
        self.lr_decoupled = lr_decoupled
        self.penalty = penalty
        self.momentum = momentum
        self.group_momentum = group_momentum
        self.pooled_epochs = pooled_epochs
        self.standardize = standardize
        self.dtype = dtype
        self.device = device
        self.seed = seed

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    # ----------------------------------------------------------------- fitting
    def training_config(self) -> DAFHConfig:
        """The :class:`DAFHConfig` of the current parameters (validated)."""
        return DAFHConfig(batch_size=self.batch_size, epochs=self.epochs, lr_group=self.lr_group,
                          lr_decoupled=self.lr_decoupled, penalty=self.penalty, momentum=self.momentum,
                          group_momentum=self.group_momentum, pooled_epochs=self.pooled_epochs,
                          hidden_units=self.hidden_units).checked()

    def _check_params(self) -> DAFHConfig:
        check_n_groups(self.n_groups)
        resolve_dtype(self.dtype)
        resolve_device(self.device, "device")
        seed_streams(self.seed)
        return self.training_config()

    def fit(self, X, y):
        """Fit on features ``X`` (no sensitive attributes) and binary labels ``y``.

        Args:
            X: ``(n, d)`` finite numeric features.
            y: ``(n,)`` labels with exactly two classes.

        Returns:
            self.
        """
        config = self._check_params()
        X, y = validate_inputs(self, X, y)
        classes, y_pm = binary_labels(y)
        mean, scale = standardisation(X, bool(self.standardize))
        params = train_dafh((X - mean) / scale, y_pm, n_groups=int(self.n_groups), config=config,
                            seed=int(self.seed), dtype=self.dtype, device=resolve_device(self.device, "device"))
        self._set_fitted(classes, mean, scale, params)
        return self

    def _set_fitted(self, classes, mean, scale, params: DAFHParameters) -> None:
        self.classes_ = classes
        self.mean_ = mean
        self.scale_ = scale
        self.parameters_ = params
        self.history_ = params.history
        self.n_groups_ = params.n_groups

    @classmethod
    def fit_many(cls, X, y, configs: Sequence[DAFHConfig], *, n_groups: int = 2, seed: int = 0,
                 standardize: bool = True, dtype: str = "float32", device: str = "cpu") -> list["DAFHClassifier"]:
        """Fit many configurations on the same data as one batched computation.

        The configurations must share ``batch_size``, ``momentum``, ``group_momentum`` and
        ``hidden_units`` (see :func:`~fairopt.methods.dafh.training.train_dafh_batched`); each returned
        estimator equals ``DAFHClassifier(**that config).fit(X, y)`` up to floating-point rounding.

        Args:
            X: ``(n, d)`` features.
            y: ``(n,)`` binary labels.
            configs: The configurations.
            n_groups: K.
            seed: Seed shared by all configurations.
            standardize: As in the constructor.
            dtype: Training dtype.
            device: Training device (as in the constructor).

        Returns:
            One fitted :class:`DAFHClassifier` per configuration, in order.
        """
        templates = []
        for c in configs:
            est = cls(n_groups=n_groups, hidden_units=c.hidden_units, batch_size=c.batch_size, epochs=c.epochs,
                      lr_group=c.lr_group, lr_decoupled=c.lr_decoupled, penalty=c.penalty, momentum=c.momentum,
                      group_momentum=c.group_momentum, pooled_epochs=c.pooled_epochs, standardize=standardize,
                      dtype=dtype, device=device, seed=seed)
            est._check_params()
            templates.append(est)
        if not templates:
            raise ConfigError("configs: expected at least one DAFHConfig")
        first = templates[0]
        X, y = validate_inputs(first, X, y)
        classes, y_pm = binary_labels(y)
        mean, scale = standardisation(X, bool(standardize))
        fitted = train_dafh_batched((X - mean) / scale, y_pm, n_groups=int(n_groups),
                                    configs=[t.training_config() for t in templates], seed=int(seed), dtype=dtype,
                                    device=resolve_device(device, "device"))
        for est, params in zip(templates, fitted):
            est.n_features_in_ = first.n_features_in_
            if hasattr(first, "feature_names_in_"):
                est.feature_names_in_ = first.feature_names_in_
            est._set_fitted(classes, mean, scale, params)
        return templates

    # -------------------------------------------------------------- prediction
    def _standardised(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_inputs(self, X, reset=False)
        return (X - self.mean_) / self.scale_

    def assign(self, X) -> np.ndarray:
        """Learned group of each row, ``argmax_k p_k(x)`` (integers in ``[0, K)``)."""
        return self.parameters_.assign(self._standardised(X))

    def group_probabilities(self, X) -> np.ndarray:
        """``(n, K)`` soft assignments ``p_k(x)`` of the group classifier."""
        return self.parameters_.group_probabilities(self._standardised(X))

    def decision_function(self, X) -> np.ndarray:
        """Logit of the assigned classifier (positive -> ``classes_[1]``)."""
        xs = self._standardised(X)
        a = self.parameters_.assign(xs)
        return self.parameters_.decoupled_logits(xs)[np.arange(xs.shape[0]), a]

    def predict_proba(self, X) -> np.ndarray:
        """``(n, 2)`` class probabilities from the assigned classifier."""
        q = 1.0 - sigmoid_surrogate_loss_np(self.decision_function(X), 1.0)
        return np.column_stack([1.0 - q, q])

    def predict(self, X) -> np.ndarray:
        """Labels from the assigned classifier."""
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]

    def predict_all(self, X) -> np.ndarray:
        """``(n, K + 1)`` labels: column 0 the pooled classifier h_0, column k the classifier h_k.

        With :meth:`assign` this is what :mod:`~fairopt.methods.dafh.metrics` needs.
        """
        xs = self._standardised(X)
        logits = np.column_stack([self.parameters_.pooled_logits(xs), self.parameters_.decoupled_logits(xs)])
        return self.classes_[(logits > 0).astype(int)]

    def predict_pooled(self, X) -> np.ndarray:
        """Labels of the pooled classifier h_0."""
        return self.predict_all(X)[:, 0]
