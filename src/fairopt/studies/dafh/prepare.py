"""Data preparation of the DAFH study: every dataset and split written once, read by every method's job.

Per dataset (:data:`LOADERS`, the loaders of :mod:`fairopt.data`) and split ``s`` (seed ``splits.seed +
s``): a random 75/25 train/test split stratified by the label (the paper: 5 random 75/25 splits), the
training part split again into ``fit`` and ``validation`` (``splits.validation_size``, stratified by the
label) for the honest selection rule. Numeric (non-binary) feature columns are standardised with the
statistics of the part a model is trained on (train -> train and test; fit -> fit and validation);
0/1 columns (one-hot levels) are left as they are. Ustun et al.'s logistic regressions ran on binarised
features; unscaled wide-range columns (Adult's ``fnlwgt`` ~1e5) make liblinear underfit, so
standardising them keeps the baselines as strong as their authors' (a deviation, documented in the
README). The sensitive attributes stay in ``groups`` (DAFH never reads them).

Checks before any job (one-line :class:`~fairopt.core.errors.DataError`): every level of the primary
sensitive attribute has rows in the training and the test part, every intersection of the LR-All
attributes seen in a test part was seen in its training part, and no feature column agrees with the
label on more than 95% of the rows (:func:`fairopt.data.tabular.check_label_leakage`).
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from fairopt.core.errors import DataError
from fairopt.core.splits import split_indices
from fairopt.data.adult import load_adult
from fairopt.data.bank import load_bank
from fairopt.data.compas import load_compas
from fairopt.data.tabular import check_label_leakage
from fairopt.data.container import FairData
from fairopt.data.german import load_german
from fairopt.data.synthetic.dafh import make_synthetic
from fairopt.studies.common import Registry

__all__ = ["LOADERS", "PARTS", "load_dataset", "split_parts", "standardise", "write_parts", "read_parts",
           "intersection_codes", "intersection_index"]

#: the parts of a prepared split
PARTS = ("train", "test", "fit", "validation")

#: dataset -> ``loader(paths, options) -> FairData``; info ``raw``: ``(registry dataset, [file names])``
LOADERS: Registry = Registry("DAFH dataset")
LOADERS.register("adult", raw=("adult", ["adult.data", "adult.test"]))(lambda paths, o: load_adult(*paths))
LOADERS.register("arrest", raw=("compas", ["compas-scores-two-years.csv"]))(
    lambda paths, o: load_compas(paths[0], "arrest"))
LOADERS.register("violent", raw=("compas", ["compas-scores-two-years-violent.csv"]))(
    lambda paths, o: load_compas(paths[0], "violent"))
LOADERS.register("german", raw=("german_credit", ["german.data"]))(lambda paths, o: load_german(paths[0]))
LOADERS.register("bank", raw=("bank_marketing", ["bank-full.csv"]))(
    lambda paths, o: load_bank(paths[0], age_cut=o["bank_age_cut"]))


def load_dataset(dataset: str, paths: Sequence[str | os.PathLike], options: Mapping[str, Any]) -> FairData:
    """A dataset through its loader, its name recorded in ``meta["dataset"]``."""
    data = LOADERS.get(dataset, key="dafh.datasets")(list(paths), options)
    data.meta["dataset"] = dataset
    return data


def synthetic_dataset(n: int, seed: int) -> FairData:
    """The Figure 1 data (:func:`fairopt.data.synthetic.dafh.make_synthetic`); its two attributes are primary/LR-All."""
    data = make_synthetic(n, seed)
    data.meta.update(dataset="synthetic", primary=data.group_names[0], lr_all=list(data.group_names),
                     sensitive={name: {0: "0", 1: "1"} for name in data.group_names})
    return data


def _binary_columns(X: np.ndarray) -> np.ndarray:
    return np.array([np.isin(np.unique(X[:, j]), (0.0, 1.0)).all() for j in range(X.shape[1])], dtype=bool)


def standardise(reference: FairData, *others: FairData) -> list[FairData]:
    """``reference`` and ``others`` with the non-binary columns scaled by ``reference``'s mean and sd."""
    scale = ~_binary_columns(reference.X)
    mean = np.where(scale, reference.X.mean(axis=0), 0.0)
    sd = reference.X.std(axis=0)
    sd = np.where(scale & (sd > 0), sd, 1.0)
    out = []
    for d in (reference, *others):
        out.append(FairData(X=(d.X - mean) / sd, y=d.y, groups=d.groups, feature_names=d.feature_names,
                            group_names=d.group_names, meta={**d.meta, "standardised_columns": int(scale.sum())},
                            labels=d.labels))
    return out


def intersection_index(data: FairData, attributes: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Each row's cell of the intersection of ``attributes`` (default ``meta["lr_all"]``) as an integer
    code into the list of cell labels (e.g. ``"race=Non-White|sex=Male"``, the observed cells in
    lexicographic order of their codes)."""
    attributes = list(attributes or data.meta.get("lr_all") or data.group_names)
    names = data.meta.get("sensitive", {})
    cols = [list(data.group_names).index(a) for a in attributes]
    cells, codes = np.unique(data.groups[:, cols], axis=0, return_inverse=True)
    labels = []
    for cell in cells:
        parts = []
        for a, v in zip(attributes, cell):
            levels = {int(k): name for k, name in names.get(a, {}).items()}
            parts.append(f"{a}={levels.get(int(v), int(v))}")
        labels.append("|".join(parts))
    return codes.ravel().astype(np.int64), labels


def intersection_codes(data: FairData, attributes: Sequence[str] | None = None) -> np.ndarray:
    """One label per row: its cell of the intersection of ``attributes`` (:func:`intersection_index`)."""
    codes, labels = intersection_index(data, attributes)
    return np.array(labels, dtype=object)[codes] if len(codes) else np.array([], dtype=object)


def _where(data: FairData, dataset: str, split: int) -> str:
    """``<raw file(s)>: dafh <dataset> split <s>`` (the synthetic data has no file)."""
    source = data.meta.get("source")
    files = ", ".join(map(str, source)) if isinstance(source, (list, tuple)) else (str(source) if source else "")
    return f"{files + ': ' if files else ''}dafh {dataset} split {split}"


def _check_groups(dataset: str, split: int, train: FairData, test: FairData) -> None:
    primary = train.meta["primary"]
    j = list(train.group_names).index(primary)
    where = _where(train, dataset, split)
    codes = np.concatenate([train.groups[:, j], test.groups[:, j]])
    for level in np.unique(codes):
        for part, d in (("training", train), ("test", test)):
            if not (d.groups[:, j] == level).any():
                raise DataError(f"{where}: group {primary}={level} has no rows in the {part} part "
                                f"({int((codes == level).sum())} rows in all; each group needs rows in both parts)")
    unseen = sorted(set(intersection_codes(test)) - set(intersection_codes(train)))
    if unseen:
        raise DataError(f"{where}: intersection group {unseen[0]} has test rows but no training "
                        "rows (LR-All and TreeLR cannot classify it)")


def split_parts(data: FairData, split: int, splits: Mapping[str, Any]) -> dict[str, FairData]:
    """The parts of split ``split`` (module docstring), standardised; checked before any job."""
    dataset = data.meta.get("dataset", "dataset")
    check_label_leakage(data.X, data.y, list(data.feature_names), f"dafh {dataset}", "y")
    seed = int(splits["seed"]) + int(split)
    test_size = float(splits["test_size"])
    train_idx, test_idx = split_indices(len(data), [1.0 - test_size, test_size], seed, stratify=data.y)
    val_size = float(splits["validation_size"])
    fit_pos, val_pos = split_indices(len(train_idx), [1.0 - val_size, val_size], seed + 10_000,
                                     stratify=data.y[train_idx])
    train, test = data.subset(train_idx), data.subset(test_idx)
    fit, validation = train.subset(fit_pos), train.subset(val_pos)
    _check_groups(dataset, split, train, test)
    train, test = standardise(train, test)
    fit, validation = standardise(fit, validation)
    parts = {"train": train, "test": test, "fit": fit, "validation": validation}
    for d in parts.values():
        d.meta.update(split=int(split), split_seed=seed)
    return parts


def write_parts(parts: Mapping[str, FairData], paths: Mapping[str, str | os.PathLike]) -> None:
    """Save every part (``.npz``); every part is checked first, so a bad part leaves no file."""
    for name in PARTS:
        parts[name].check(f"{paths[name]} (not written)")
    for name in PARTS:
        parts[name].save(paths[name])


def read_parts(paths: Mapping[str, str | os.PathLike]) -> dict[str, FairData]:
    """Read the parts written by :func:`write_parts` (``meta["sensitive"]`` keys back to integers); a missing,
    malformed, empty or non-finite file raises a DataError naming it (:meth:`FairData.load`)."""
    parts = {}
    for name in PARTS:
        d = FairData.load(paths[name])
        d.meta["sensitive"] = {a: {int(k): v for k, v in levels.items()}
                               for a, levels in d.meta.get("sensitive", {}).items()}
        parts[name] = d
    return parts
