"""Prepared tables read back by later stages reject a damaged file in one line naming it; info counts are computed.

The readers: :meth:`FairData.load` (layer and DAFH parts, ``.npz``), fair regression's
:func:`read_prepared` / :func:`read_instance`, FDFL's :func:`read_modelling_table` and :func:`load_trial`.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from fairopt.core.errors import DataError
from fairopt.data.container import FairData
from fairopt.studies.fairreg.prepare import (prepare_real, read_instance, read_prepared, synthetic_instance,
                                             write_instance, write_prepared)
from fairopt.studies.fdfl.data import load_trial
from fairopt.studies.fdfl.prepare import CARRIED_COLUMNS, DERIVED_COLUMNS, read_modelling_table
from fairopt.studies.layer.prepare import PARTS as LAYER_PARTS
from fairopt.studies.layer.prepare import write_parts
from fairopt.core.splits import trial_splits_table

PREP = {"subsample": None, "subsample_seed": 0, "test_size": 0.5, "split_seed": 0, "intercept": True}


def communities_csv(path, m: int = 60, seed: int = 0, *, white: float = 0.6):
    """A small Communities & Crime file in the benchmark's layout (two attributes, the race shares, the target)."""
    rng = np.random.default_rng(seed)
    is_white = rng.random(m) < white
    shares = rng.dirichlet(np.ones(4), size=m)
    shares[is_white, 1] += 1.0
    shares /= shares.sum(axis=1, keepdims=True)
    x = rng.random((m, 2))
    frame = pd.DataFrame({"population": x[:, 0], "PolicCars": x[:, 1], "racepctblack": shares[:, 0],
                          "racePctWhite": shares[:, 1], "racePctAsian": shares[:, 2], "racePctHisp": shares[:, 3],
                          "ViolentCrimesPerPop": np.clip(0.3 * x[:, 0] + 0.3 * ~is_white + 0.1 * rng.random(m), 0, 1)})
    frame.loc[::7, "PolicCars"] = np.nan  # missing police data, as in the real file
    frame.to_csv(path, index=False)
    return path


def fair_data(n: int = 6) -> FairData:
    rng = np.random.default_rng(0)
    return FairData(X=rng.normal(size=(n, 3)), y=rng.random(n), groups=np.arange(n) % 2,
                    feature_names=["a", "b", "c"], group_names=["g"])


# ---------------------------------------------------------------- FairData (.npz parts of layer and DAFH)

def test_fairdata_refuses_to_write_or_read_empty_or_non_finite_data(tmp_path):
    good = fair_data()
    good.save(tmp_path / "good.npz")
    back = FairData.load(tmp_path / "good.npz")
    np.testing.assert_array_equal(back.X, good.X)
    bad = fair_data()
    bad.X[4, 1] = np.inf
    with pytest.raises(DataError, match=r"bad\.npz \(not written\): X column 'b' has non-finite values \(NaN/inf\) "
                                        r"in rows \[4\]"):
        bad.save(tmp_path / "bad.npz")
    assert not (tmp_path / "bad.npz").exists()
    # a file written around the check (another tool, an older version) is rejected when read
    header = json.dumps({"feature_names": ["a", "b", "c"], "group_names": ["g"], "meta": {}})
    np.savez(tmp_path / "nan.npz", header=np.array(header), X=bad.X, y=np.r_[bad.y[:5], np.nan], groups=bad.groups)
    with pytest.raises(DataError, match=r"^\S*nan\.npz: X column 'b' has non-finite values"):
        FairData.load(tmp_path / "nan.npz")
    np.savez(tmp_path / "empty.npz", header=np.array(header), X=np.zeros((0, 3)), y=np.zeros(0),
             groups=np.zeros(0, np.int64))
    with pytest.raises(DataError, match=r"empty\.npz: no rows"):
        FairData.load(tmp_path / "empty.npz")
    (tmp_path / "cut.npz").write_bytes((tmp_path / "good.npz").read_bytes()[:200])
    with pytest.raises(DataError, match=r"cut\.npz: not a prepared data file"):
        FairData.load(tmp_path / "cut.npz")


def test_layer_parts_are_all_checked_before_any_is_written(tmp_path):
    parts = {name: fair_data() for name in LAYER_PARTS}
    parts["test"].y[0] = np.nan
    paths = {name: tmp_path / f"{name}.npz" for name in LAYER_PARTS}
    with pytest.raises(DataError, match=r"test\.npz \(not written\): y has non-finite values"):
        write_parts(parts, paths)
    assert not any(p.exists() for p in paths.values())


# ---------------------------------------------------------------- fair regression

def test_prepare_real_info_counts_are_computed_from_the_file(tmp_path):
    raw = communities_csv(tmp_path / "communities.csv", m=60)
    _, info = prepare_real("communities_crime", raw, **PREP)
    assert info["rows_full"] == 60 and info["features"] == 3
    assert info["rows_note"].startswith("all 60 rows of communities.csv")
    assert "9 rows have missing values in 1 columns, filled with 0" in info["rows_note"]
    assert info["features_note"].startswith("6 attributes - 4 race shares + the White-majority indicator = 3 ")
    dropped = prepare_real("communities_crime", raw, options={"missing": "drop_columns"}, **PREP)[1]
    assert dropped["features"] == 2 and "- 1 columns with missing values + the White-majority indicator = 2" in \
        dropped["features_note"]
    # a cut file: every count follows it (the notes used to say 1,994 whatever the file held)
    lines = raw.read_text().splitlines()
    raw.write_text("\n".join(lines[:41]) + "\n")
    _, cut = prepare_real("communities_crime", raw, **PREP)
    assert cut["rows_full"] == 40 and cut["rows_note"].startswith("all 40 rows")


def test_lawschool_notes_count_the_dropped_rows(tmp_path):
    path = tmp_path / "lawschool.csv"
    rng = np.random.default_rng(1)
    n = 40
    frame = pd.DataFrame({"race": np.where(np.arange(n) % 3 == 0, 3, 7), "cluster": rng.integers(1, 4, n),
                          "lsat": rng.integers(20, 48, n), "ugpa": rng.uniform(2, 4, n), "zfygpa": rng.normal(size=n),
                          "zgpa": rng.normal(size=n), "bar1": np.where(rng.random(n) < 0.8, "P", "F"),
                          "fulltime": 1, "fam_inc": rng.integers(1, 6, n), "age": -60, "gender": "male"})
    frame.loc[[1, 5, 9], "ugpa"] = np.nan
    frame.to_csv(path, index=False)
    _, info = prepare_real("law_school", path, **PREP)
    assert info["rows_full"] == 37
    assert info["rows_note"].startswith("37 of the 40 rows of lawschool.csv: the 3 rows with a missing value")
    assert info["features_note"].startswith("race indicator + 7 numeric + gender, bar1 as 0/1") and "= 10;" in \
        info["features_note"]


def test_prepare_real_needs_both_groups_in_both_parts(tmp_path):
    raw = communities_csv(tmp_path / "allwhite.csv", m=30, white=1.0)
    with pytest.raises(DataError, match=r"allwhite\.csv: group a=0 has no rows in the training part \(0 of 30 rows"):
        prepare_real("communities_crime", raw, **PREP)


@pytest.fixture
def prepared(tmp_path):
    raw = communities_csv(tmp_path / "communities.csv")
    frame, info = prepare_real("communities_crime", raw, **PREP)
    write_prepared(frame, info, tmp_path / "prepared.csv", tmp_path / "info.json")
    return tmp_path / "prepared.csv"


def test_read_prepared_round_trip(prepared):
    split = read_prepared(prepared, l=10, threshold_position="left")
    assert split.train.m == 30 and split.X_test.shape == (30, 4) and np.isfinite(split.X_test).all()


@pytest.mark.parametrize("damage, message", [
    (lambda f: f.iloc[:0], r"the prepared fair-regression table has no rows"),
    (lambda f: f.assign(y=f["y"].where(f.index != 3)), r"column 'y' must be numeric; missing values at file lines \[5\]"),
    (lambda f: f.assign(population=f["population"].where(f.index != 2, np.inf)),
     r"column 'population' has non-finite values at file lines \[4\]"),
    (lambda f: f.assign(a=f["a"].where(f.index != 0, 2)), r"column 'a' must be 0 or 1; bad values at file lines \[2\]"),
    (lambda f: f.assign(part=f["part"].where(f.index != 1, "valid")),
     r"column 'part' must be 'train' or 'test'; bad values at file lines \[3\]"),
    (lambda f: f.drop(columns="row"), r"missing column\(s\) \['row'\]"),
])
def test_damaged_prepared_table_is_named(prepared, damage, message):
    damage(pd.read_csv(prepared)).to_csv(prepared, index=False)
    with pytest.raises(DataError) as info:
        read_prepared(prepared, l=10, threshold_position="left")
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(f"{prepared}: ")
    assert re.search(message, str(info.value)), str(info.value)


def test_synthetic_instance_with_inf_is_named(tmp_path):
    inst, record = synthetic_instance(12, 3, n=4, l=5, generator={"threshold_position": "left"})
    write_instance(inst, record, tmp_path / "i.csv", tmp_path / "i.json")
    frame = pd.read_csv(tmp_path / "i.csv")
    frame.loc[5, "x1"] = np.inf
    frame.to_csv(tmp_path / "i.csv", index=False)
    with pytest.raises(DataError, match=r"i\.csv: column 'x1' has non-finite values at file lines \[7\]"):
        read_instance(tmp_path / "i.csv", tmp_path / "i.json")


# ---------------------------------------------------------------- FDFL

def modelling_table(n: int = 40, seed: int = 0) -> pd.DataFrame:
    """A small table with the modelling table's columns (149 features by Obermeyer's rule), index row_id."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, 149)), columns=[f"f{i}_tests_tm1" for i in range(149)])
    frame.insert(0, "race", (rng.random(n) < 0.3).astype(int))
    for col in (*CARRIED_COLUMNS, *DERIVED_COLUMNS):
        frame[col] = rng.gamma(2.0, 1.0, n)
    frame["program_enrolled_t"] = (rng.random(n) < 0.2).astype(int)
    frame["data_source"] = "standin(seed=0)"
    frame.index = pd.Index(np.arange(500, 500 + n), name="row_id")
    return frame


def test_read_modelling_table_matches_plain_reading_and_rejects_damage(tmp_path):
    path = tmp_path / "modelling_table.csv"
    modelling_table().to_csv(path)
    table = read_modelling_table(path)
    pd.testing.assert_frame_equal(table, pd.read_csv(path, index_col="row_id"))  # same sample downstream
    damaged = modelling_table()
    damaged.loc[503, "utility_rate"] = np.inf
    damaged.to_csv(path)
    with pytest.raises(DataError, match=r"modelling_table\.csv: column 'utility_rate' has non-finite values at file "
                                        r"lines \[5\]"):
        read_modelling_table(path)
    damaged = modelling_table()
    damaged.loc[501, "race"] = 2
    damaged.to_csv(path)
    with pytest.raises(DataError, match=r"modelling_table\.csv: column 'race' must be 0 \(white\) or 1 \(black\); "
                                        r"bad values at file lines \[3\]"):
        read_modelling_table(path)
    modelling_table().iloc[:0].to_csv(path)
    with pytest.raises(DataError, match=r"modelling_table\.csv: the FDFL modelling table has no rows"):
        read_modelling_table(path)


def test_load_trial_rejects_a_damaged_sample():
    sample = modelling_table(60)
    splits = trial_splits_table(sample.index, range(1), 0.5)
    assert len(load_trial(sample, splits, 0, risk_floor=0.001, source="sample.csv").train) == 30
    bad = sample.copy()
    bad.loc[510, "g"] = np.nan
    with pytest.raises(DataError, match=r"sample\.csv: column 'g' must be numeric; missing values at file lines \[12\]"):
        load_trial(bad, splits, 0, risk_floor=0.001, source="sample.csv")
    with pytest.raises(DataError, match=r"sample\.csv: the experiment sample has no rows"):
        load_trial(sample.iloc[:0], splits, 0, risk_floor=0.001, source="sample.csv")
