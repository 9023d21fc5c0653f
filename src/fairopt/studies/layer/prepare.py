"""Data preparation of the fairness-layer study: every dataset and split written once, read by every job.

Reference note ``shared/reference/fairness_layer.md``, experiments 1-3. Each function returns the
parts of one prepared dataset as :class:`~fairopt.data.container.FairData` (the rule
``layer_prepare_<experiment>`` saves them as ``.npz``, losslessly; every method's job reads them):

* synthetic (:func:`prepare_synthetic`): dataset ``index`` of the 2^5 design
  (:func:`fairopt.data.synthetic.layer.make_synthetic`, ``n_rows x n_features``, protected attribute
  in column 0 and fed to the network) and its train/validation/test split ``split`` (counts,
  stratified by group, ``random_state = seed``); data and split share the seed;
* SBA loans (:func:`prepare_sba_split`): split ``split`` (train/validation/test counts, stratified by
  the default label, ``random_state = seed``), then the features with levels and scaling fitted on
  the training rows (:func:`fairopt.data.sba.prepare_sba`);
* employee wage audit (:func:`prepare_employee_audit`): the whole table; the audit is evaluated on
  the training data, so every part is the same rows.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from fairopt.core.errors import ConfigError
from fairopt.core.splits import split_indices
from fairopt.data.container import FairData
from fairopt.data.employee import prepare_employee, read_employee
from fairopt.data.sba import prepare_sba, read_sba
from fairopt.data.synthetic.layer import make_synthetic
from fairopt.studies.common import Registry

__all__ = ["PARTS", "PREPARE", "prepare_synthetic", "prepare_sba_split", "prepare_employee_audit", "write_parts", "read_parts"]

#: the parts of a prepared dataset
PARTS = ("train", "val", "test")


def _split(n: int, split: list[int], seed: int, labels: np.ndarray, key: str) -> list[np.ndarray]:
    if sum(split) > n:
        raise ConfigError(f"config key {key}: split sizes {split} (sum {sum(split)}) exceed the {n} rows of the data")
    return split_indices(n, split, seed, stratify=labels)


def prepare_synthetic(index: int, seed: int, section: Mapping[str, Any]) -> dict[str, FairData]:
    """Synthetic dataset ``index`` with seed ``seed``, split (``section``: ``n_rows``, ``n_features``, ``split``)."""
    data = make_synthetic(index, n_rows=section["n_rows"], n_features=section["n_features"], seed=seed)
    parts = _split(len(data), section["split"], seed, data.groups, "layer.synthetic.split")
    return {name: data.subset(idx) for name, idx in zip(PARTS, parts)}


def prepare_sba_split(path: str | os.PathLike, seed: int, section: Mapping[str, Any]) -> dict[str, FairData]:
    """SBA loans split ``seed`` (``section["split"]``), features fitted on its training rows."""
    frame = read_sba(path)
    labels = prepare_sba(frame).y
    parts = _split(len(frame), section["split"], seed, labels, "layer.sba.split")
    data = prepare_sba(frame, fit_rows=parts[0])
    return {name: data.subset(idx) for name, idx in zip(PARTS, parts)}


def prepare_employee_audit(path: str | os.PathLike, seed: int = 0, section: Mapping[str, Any] | None = None
                           ) -> dict[str, FairData]:
    """The employee table; train, validation and test are all its rows (an audit of the data at hand;
    no seed or setting enters)."""
    data = prepare_employee(read_employee(path))
    return {name: data for name in PARTS}


#: experiment -> ``prepare(source, seed, section) -> parts`` (``source``: the design index or the raw file)
PREPARE: Registry = Registry("fairness-layer experiment")
PREPARE.register("synthetic")(prepare_synthetic)
PREPARE.register("sba")(prepare_sba_split)
PREPARE.register("employee")(prepare_employee_audit)


def write_parts(parts: Mapping[str, FairData], paths: Mapping[str, str | os.PathLike]) -> None:
    """Save each part to its path (``.npz``); every part is checked first, so a bad part leaves no file."""
    for name in PARTS:
        parts[name].check(f"{paths[name]} (not written)")
    for name in PARTS:
        parts[name].save(paths[name])


def read_parts(paths: Mapping[str, str | os.PathLike]) -> dict[str, FairData]:
    """Read the parts written by :func:`write_parts` (a missing, malformed, empty or non-finite file raises
    a DataError naming it: :meth:`FairData.load`)."""
    return {name: FairData.load(paths[name]) for name in PARTS}
