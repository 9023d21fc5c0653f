"""Sampling and train/test splits shared by every study.

All splits are deterministic functions of an explicit seed and follow scikit-learn / pandas
semantics, so that a file of the original papers' experiments gives the authors' exact rows:
``pandas.DataFrame.sample(n, random_state)`` for the experiment sample and
``sklearn.model_selection.train_test_split(test_size, random_state)`` for trial splits.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.model_selection import train_test_split

from fairopt.core.errors import ConfigError

__all__ = ["sample_rows", "trial_split", "trial_splits_table", "split_indices", "stratified_batches"]


def sample_rows(frame: pd.DataFrame, n: int, random_state: int) -> pd.DataFrame:
    """Sample ``n`` rows without replacement with ``DataFrame.sample`` semantics.

    The original index is kept (it identifies the row of the full table).

    Raises:
        ConfigError: ``n`` larger than the table.
    """
    if n > len(frame):
        raise ConfigError(f"sample size n={n} exceeds the {len(frame)} rows available")
    return frame.sample(n=n, random_state=random_state)


def trial_split(n: int, test_size: float, random_state: int,
                stratify: npt.ArrayLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the train and test rows of one trial.

    Equivalent to ``train_test_split(range(n), test_size=test_size, random_state=random_state)``,
    which is what the FDFL authors applied to their 5,000-row sample.

    Returns:
        ``(train_positions, test_positions)``, each in the order ``train_test_split`` returns.
    """
    positions = np.arange(n)
    train, test = train_test_split(positions, test_size=test_size, random_state=random_state,
                                   stratify=None if stratify is None else np.asarray(stratify))
    return np.asarray(train), np.asarray(test)


def trial_splits_table(index: npt.ArrayLike, trials: Sequence[int], test_size: float,
                       stratify: npt.ArrayLike | None = None) -> pd.DataFrame:
    """One row per (trial, row): the part (``train``/``test``) and order within the part.

    Args:
        index: Row identifiers of the sample (kept in the table as ``row_id``).
        trials: Trial numbers; trial ``t`` uses ``random_state = t``.
        test_size: Test fraction.
        stratify: Optional labels to stratify on.

    Returns:
        Long table with columns ``trial, part, order, position, row_id``; ``position`` is the
        row's position in the sample, ``order`` its position within the part.
    """
    row_ids = np.asarray(index)
    rows = []
    for trial in trials:
        train, test = trial_split(len(row_ids), test_size, int(trial), stratify)
        for part, pos in (("train", train), ("test", test)):
            rows.append(pd.DataFrame({"trial": int(trial), "part": part,
                                      "order": np.arange(len(pos)), "position": pos,
                                      "row_id": row_ids[pos]}))
    return pd.concat(rows, ignore_index=True)


def split_indices(n: int, sizes: Sequence[int | float], random_state: int,
                  stratify: npt.ArrayLike | None = None) -> list[np.ndarray]:
    """Split ``range(n)`` into consecutive parts of the given sizes (counts or fractions).

    Parts are drawn by successive ``train_test_split`` calls so that each is stratified when
    ``stratify`` is given (e.g. 24k/10k/6k train/validation/test, or 50/50 stratified by group).

    Returns:
        One array of positions per part, in the order of ``sizes``.
    """
    sizes = list(sizes)
    if all(isinstance(s, float) for s in sizes):
        if abs(sum(sizes) - 1.0) > 1e-9:
            raise ConfigError(f"split fractions {sizes} must sum to 1")
        counts = [int(round(s * n)) for s in sizes]
        counts[-1] = n - sum(counts[:-1])
    else:
        counts = [int(s) for s in sizes]
    if sum(counts) > n or min(counts) <= 0:
        raise ConfigError(f"split sizes {counts} do not fit {n} rows")
    labels = None if stratify is None else np.asarray(stratify)
    remaining = np.arange(n)
    parts: list[np.ndarray] = []
    rng_state = random_state
    for count in counts[:-1]:
        rest = len(remaining) - count
        if rest <= 0:
            parts.append(remaining)
            remaining = remaining[:0]
            break
        take, remaining = train_test_split(
            remaining, train_size=count, random_state=rng_state,
            stratify=None if labels is None else labels[remaining])
        parts.append(np.asarray(take))
        rng_state += 1
    last = counts[-1]
    if last < len(remaining):
        remaining, _ = train_test_split(
            remaining, train_size=last, random_state=rng_state,
            stratify=None if labels is None else labels[remaining])
    parts.append(np.asarray(remaining))
    return parts


def stratified_batches(groups: np.ndarray, batch_size: int, rng: np.random.Generator, *,
                       equal_counts: bool = False) -> list[np.ndarray]:
    """Shuffle rows into batches that keep the overall group ratio (as nearly as possible).

    Each group's shuffled rows are dealt round-robin in proportion to its share, so every batch
    holds ``batch_size * share_g`` (rounded) rows of group ``g``; used by the fairness-layer
    experiments, whose per-batch constraints need both groups present.

    With ``equal_counts=True`` every batch has *exactly* the same composition (the fairness-layer
    authors' loaders): ``c_g = round(batch_size * share_g)`` rows of group ``g`` (largest
    remainders, so the counts add up to ``batch_size``; at least one row of every group when
    ``batch_size`` allows), ``min_g floor(n_g / c_g)`` batches, and the rows left over are dropped
    (a different random subset each call). One batch of every row when ``batch_size >= n``.

    Args:
        groups: Integer group label per row.
        batch_size: Rows per batch (the last batch may be smaller unless ``equal_counts``).
        rng: Random generator (seeded by the caller).
        equal_counts: Identical group counts in every batch, dropping left-over rows.

    Returns:
        List of position arrays.
    """
    groups = np.asarray(groups)
    n = len(groups)
    if equal_counts:
        return _equal_count_batches(groups, batch_size, rng)
    n_batches = max(1, int(np.ceil(n / batch_size)))
    # assign each row a fractional slot so that groups are spread evenly over the batches
    keys = np.empty(n)
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        idx = rng.permutation(idx)
        keys[idx] = (np.arange(len(idx)) + rng.random()) / len(idx)
    order = np.argsort(keys, kind="stable")
    return [order[b * batch_size:(b + 1) * batch_size] for b in range(n_batches)]


def _equal_count_batches(groups: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Batches with identical group counts (see :func:`stratified_batches`)."""
    n = len(groups)
    if batch_size >= n:
        return [rng.permutation(n)]
    labels, sizes = np.unique(groups, return_counts=True)
    exact = batch_size * sizes / n
    counts = np.floor(exact).astype(int)
    if len(labels) <= batch_size:
        counts = np.maximum(counts, 1)
    while counts.sum() < batch_size:  # largest remainders first
        counts[np.argmax(exact - counts)] += 1
    while counts.sum() > batch_size:
        counts[np.argmax(np.where(counts > 1, counts - exact, -np.inf))] -= 1
    present = counts > 0
    n_batches = int(np.min(sizes[present] // counts[present]))
    if n_batches == 0:
        return [rng.permutation(n)]
    parts = []
    for label, c in zip(labels, counts):
        idx = rng.permutation(np.flatnonzero(groups == label))[:n_batches * c]
        parts.append(idx.reshape(n_batches, c))
    return [rng.permutation(np.concatenate([p[b] for p in parts])) for b in range(n_batches)]
