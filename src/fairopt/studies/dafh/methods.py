"""The DAFH study's methods, looked up by name in one registry.

Every entry of :data:`METHODS` is ``runner(parts, context) -> list[Candidate]``: the fitted models of
one (dataset, method, K, split) job. ``parts`` are the prepared parts of the split
(:mod:`fairopt.studies.dafh.prepare`: ``train``, ``fit``, ``validation``, ``test``); ``context`` the job's
settings (:class:`Context`). A :class:`Candidate` is one configuration with its model trained on the
whole training part (``full``: scored on train and test -- the paper's selection rule reads the test
scores) and, for methods with hyperparameters, the same configuration trained on the fit part
(``fit``: scored on the validation part -- the honest rule). Registry info:

* ``label``: the paper's name; ``uses_k``: the job is per number of groups K (``dafh``,
  ``clustering``); ``demographic``: the method reads the sensitive attributes (every baseline but
  Pooled and Clustering); ``datasets``: the datasets it runs on (``manual``: Arrest only); ``torch``: it
  trains with torch on config ``dafh.device`` (its records carry the device, :mod:`fairopt.core.device`).

Methods (paper section 6.2): ``dafh`` -- :class:`fairopt.methods.dafh.DAFHClassifier` over the whole
grid (Table 2) as batched computations; ``pooled``, ``trivial`` (one classifier per value of the
primary sensitive attribute), ``clustering`` (K-means), ``lr_all`` (every intersection of the
attributes of ``meta["lr_all"]``), ``tree_lr`` (Ustun et al.'s tree over the same attributes),
``manual`` (Table 5: non-white males under 45 / non-white females 25-45 / the rest at random).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fairopt.core.errors import DataError
from fairopt.data.container import FairData
from fairopt.studies.common import Registry

__all__ = ["METHODS", "Candidate", "Context", "grid_configs", "dafh_fits", "manual_arrest_partition", "label",
           "sensitive_inputs"]


@dataclass
class Candidate:
    """One configuration of a method and its fitted models (module docstring)."""

    params: dict[str, Any]
    full: Any
    fit: Any = None
    #: the model predicts from the features alone (DAFH); otherwise from ``[X, S]`` (:func:`sensitive_inputs`)
    features_only: bool = False


@dataclass
class Context:
    """What a runner needs besides the data.

    Attributes:
        n_groups: K (methods with ``uses_k``).
        seed: Seed of the job (the split's).
        grid: The DAFH grid: ``batch_size``, ``epochs``, ``lr_group``, ``lr_decoupled``, ``penalty`` lists.
        model: ``hidden_units``, ``momentum``, ``group_momentum``, ``dtype``.
        baselines: ``clustering_n_init``, ``tree_alpha``, ``tree_prune_fraction``.
        device: Where DAFH trains (config ``dafh.device``: ``cpu``, ``cuda`` or ``auto``).
    """

    n_groups: int | None
    seed: int
    grid: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    model: Mapping[str, Any] = field(default_factory=dict)
    baselines: Mapping[str, Any] = field(default_factory=dict)
    device: str = "cpu"


#: ``runner(parts, context) -> candidates``
METHODS: Registry[Callable[[Mapping[str, FairData], Context], list[Candidate]]] = Registry("DAFH-study method")


def label(name: str) -> str:
    """The paper's display name of a method."""
    return METHODS.info(name)["label"]


def sensitive_inputs(data: FairData) -> np.ndarray:
    """``[X, S]``: the features followed by the sensitive attributes (the partition baselines' input)."""
    return np.column_stack([data.X, data.groups.astype(float)])


def _sensitive_columns(data: FairData, names: Sequence[str]) -> list[int]:
    d = data.X.shape[1]
    missing = [n for n in names if n not in data.group_names]
    if missing:
        raise DataError(f"{data.meta.get('dataset', 'dataset')}: sensitive attribute(s) {missing} not in the data "
                        f"(it has {list(data.group_names)})")
    return [d + data.group_names.index(n) for n in names]


def grid_configs(grid: Mapping[str, Sequence[Any]], model: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every combination of the grid (batch size, epochs, the two learning rates, penalty), in a fixed order."""
    keys = ("batch_size", "epochs", "lr_group", "lr_decoupled", "penalty")
    out = []
    for values in itertools.product(*(grid[k] for k in keys)):
        out.append({**dict(zip(keys, values)), "momentum": model["momentum"],
                    "group_momentum": model["group_momentum"], "hidden_units": model["hidden_units"]})
    return out


def dafh_fits(data: FairData, configs: list[dict[str, Any]], n_groups: int, seed: int, dtype: str,
              device: str = "cpu") -> list:
    """One batched fit per batch size (configurations of one batch size share the batches), on ``device``."""
    from fairopt.methods.dafh import DAFHClassifier, DAFHConfig, check_no_sensitive

    check_no_sensitive(list(data.feature_names), list(data.group_names))
    by_batch: dict[int, list[int]] = {}
    for i, c in enumerate(configs):
        by_batch.setdefault(int(c["batch_size"]), []).append(i)
    fitted: list = [None] * len(configs)
    for _, idx in sorted(by_batch.items()):
        models = DAFHClassifier.fit_many(data.X, data.y, [DAFHConfig(**configs[i]) for i in idx], n_groups=n_groups,
                                         seed=seed, dtype=dtype, device=device)
        for i, m in zip(idx, models):
            fitted[i] = m
    return fitted


@METHODS.register("dafh", label="DAFH (ours)", uses_k=True, demographic=False, torch=True)
def run_dafh(parts: Mapping[str, FairData], ctx: Context) -> list[Candidate]:
    """Every configuration of the grid, trained on the training part and on the fit part (no sensitive input)."""
    configs = grid_configs(ctx.grid, ctx.model)
    assert ctx.n_groups is not None  # a uses_k method is run with a K
    dtype = ctx.model["dtype"]
    full = dafh_fits(parts["train"], configs, int(ctx.n_groups), ctx.seed, dtype, ctx.device)
    fit = dafh_fits(parts["fit"], configs, int(ctx.n_groups), ctx.seed, dtype, ctx.device)
    return [Candidate(c, f, h, features_only=True) for c, f, h in zip(configs, full, fit)]


def _partition(kind: str, parts: Mapping[str, FairData], **params) -> list[Candidate]:
    from fairopt.methods.dafh import make_partition_classifier

    train = parts["train"]
    model = make_partition_classifier(kind, **params).fit(sensitive_inputs(train), train.y)
    return [Candidate({k: v for k, v in params.items() if not callable(v) and k != "sensitive_columns"}, model)]


@METHODS.register("pooled", label="Pooled classifier", uses_k=False, demographic=False)
def run_pooled(parts: Mapping[str, FairData], ctx: Context) -> list[Candidate]:
    """One logistic regression for everybody (the sensitive attributes are not inputs)."""
    return _partition("pooled", parts, sensitive_columns=_sensitive_columns(parts["train"], parts["train"].group_names))


@METHODS.register("trivial", label="Trivial partition", uses_k=False, demographic=True)
def run_trivial(parts: Mapping[str, FairData], ctx: Context) -> list[Candidate]:
    """One logistic regression per value of the dataset's primary sensitive attribute."""
    train = parts["train"]
    cols = _sensitive_columns(train, train.group_names)
    return _partition("trivial", parts, sensitive_columns=cols, attribute=cols[list(train.group_names).index(train.meta["primary"])])


@METHODS.register("clustering", label="Clustering", uses_k=True, demographic=False)
def run_clustering(parts: Mapping[str, FairData], ctx: Context) -> list[Candidate]:
    """K-means on the standardised features (test rows to the nearest centroid), one regression per cluster."""
    train = parts["train"]
    assert ctx.n_groups is not None  # a uses_k method is run with a K
    return _partition("clustering", parts, sensitive_columns=_sensitive_columns(train, train.group_names),
                      n_groups=int(ctx.n_groups), n_init=int(ctx.baselines["clustering_n_init"]), seed=ctx.seed)


def _lr_all_attributes(data: FairData) -> list[str]:
    return list(data.meta.get("lr_all") or data.group_names)


@METHODS.register("lr_all", label="LR-All", uses_k=False, demographic=True)
def run_lr_all(parts: Mapping[str, FairData], ctx: Context) -> list[Candidate]:
    """One logistic regression per observed intersection of the ``meta["lr_all"]`` attributes."""
    train = parts["train"]
    return _partition("lr_all", parts, sensitive_columns=_sensitive_columns(train, _lr_all_attributes(train)))


@METHODS.register("tree_lr", label="TreeLR", uses_k=False, demographic=True)
def run_tree_lr(parts: Mapping[str, FairData], ctx: Context) -> list[Candidate]:
    """Ustun et al.'s TreeLR over the ``meta["lr_all"]`` attributes (grown, then pruned by McNemar tests)."""
    train = parts["train"]
    return _partition("tree_lr", parts, sensitive_columns=_sensitive_columns(train, _lr_all_attributes(train)),
                      alpha=float(ctx.baselines["tree_alpha"]), prune_fraction=float(ctx.baselines["tree_prune_fraction"]),
                      seed=ctx.seed)


def manual_arrest_partition(S: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Table 5's Manual partition of Arrest from ``S = [race, sex, age]`` (codes of :mod:`fairopt.data.compas`):
    group 0 = non-white males under 45 (age band 0 or 1), group 1 = non-white females aged 25-45 (band 1),
    every other row to group 0 or 1 at random (the seeded generator)."""
    race, sex, age = S[:, 0], S[:, 1], S[:, 2]
    nonwhite_male_u45 = (race == 1) & (sex == 0) & (age <= 1)
    nonwhite_female_25_45 = (race == 1) & (sex == 1) & (age == 1)
    rest = rng.integers(0, 2, len(S))
    return np.where(nonwhite_male_u45, 0, np.where(nonwhite_female_25_45, 1, rest)).astype(np.int64)


@METHODS.register("manual", label="Manual partition", uses_k=False, demographic=True, datasets=("arrest",))
def run_manual(parts: Mapping[str, FairData], ctx: Context) -> list[Candidate]:
    """Table 5's Manual partition (Arrest: race, sex, age)."""
    train = parts["train"]
    return _partition("manual", parts, sensitive_columns=_sensitive_columns(train, ["race", "sex", "age"]),
                      partition=manual_arrest_partition, n_groups=2, seed=ctx.seed)
