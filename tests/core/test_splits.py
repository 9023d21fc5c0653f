"""Sampling and split helpers follow pandas / scikit-learn semantics exactly."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from fairopt.core.errors import ConfigError
from fairopt.core.splits import sample_rows, split_indices, stratified_batches, trial_split, trial_splits_table


def test_sample_matches_dataframe_sample():
    frame = pd.DataFrame({"x": np.arange(100)}, index=np.arange(100) * 3)
    out = sample_rows(frame, 10, 1)
    pd.testing.assert_frame_equal(out, frame.sample(n=10, random_state=1))
    with pytest.raises(ConfigError, match="exceeds"):
        sample_rows(frame, 101, 1)


def test_trial_split_matches_train_test_split():
    for t in range(3):
        train, test = trial_split(50, 0.5, t)
        exp_train, exp_test = train_test_split(np.arange(50), test_size=0.5, random_state=t)
        np.testing.assert_array_equal(train, exp_train)
        np.testing.assert_array_equal(test, exp_test)


def test_trial_splits_table_partitions_each_trial():
    table = trial_splits_table(np.arange(20) + 100, range(3), 0.5)
    for t, part in table.groupby("trial"):
        assert sorted(part["row_id"]) == list(range(100, 120))
        assert (part["part"] == "train").sum() == 10
    a = trial_splits_table(np.arange(20), range(2), 0.5)
    b = trial_splits_table(np.arange(20), range(2), 0.5)
    pd.testing.assert_frame_equal(a, b)


def test_split_indices_sizes_and_stratification():
    groups = np.r_[np.zeros(800, int), np.ones(200, int)]
    parts = split_indices(1000, [600, 250, 150], random_state=0, stratify=groups)
    assert [len(p) for p in parts] == [600, 250, 150]
    assert len(np.unique(np.concatenate(parts))) == 1000
    for p in parts:
        assert groups[p].mean() == pytest.approx(0.2, abs=0.01)
    halves = split_indices(10, [0.5, 0.5], random_state=0)
    assert [len(h) for h in halves] == [5, 5]
    with pytest.raises(ConfigError):
        split_indices(10, [8, 8], random_state=0)


def test_stratified_batches_keep_group_ratio():
    rng = np.random.default_rng(0)
    groups = np.r_[np.zeros(750, int), np.ones(250, int)]
    batches = stratified_batches(groups, 100, rng)
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    for b in batches:
        assert abs(groups[b].mean() - 0.25) <= 0.02
