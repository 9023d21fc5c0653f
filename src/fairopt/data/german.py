"""Statlog German credit (Hofmann 1994), as the DAFH study uses it.

File (``SOURCES.md`` of the data mirror): ``german.data``, 1,000 rows, space-separated, no header:
20 attributes (13 categorical, coded ``A<attribute><value>``; 7 numeric) + the class
(1 = good, 2 = bad). DAFH (Section 6.1): 1,000 instances, 20 features, sensitive attribute sex.

**Label**: ``y = 1`` for good credit (class 1: 700 rows, 70.0%), ``y = 0`` for bad (class 2: 300).
The favourable outcome is 1, as in AIF360 and in Adult (income >50K) and Bank (subscribes).

**Sensitive attribute** (``groups`` ``(n, 1)``, never in ``X``): ``sex`` from attribute 9
(personal status and sex): 0 = male (``A91`` divorced/separated, ``A93`` single, ``A94``
married/widowed: 690 rows), 1 = female (``A92`` divorced/separated/married, ``A95`` single -- no
row has ``A95``: 310 rows, 31.0%). It is the primary attribute; attribute 9 itself is not a feature
(it encodes sex). No second attribute is added: DAFH names only sex, and German is not one of
Ustun, Liu & Parkes' datasets (their Table 7 rows are Adult, Arrest, Violent), so ``age`` stays a
feature and ``meta["lr_all"] = ["sex"]``.

**Features** (``X``, 57 columns from 19 raw attributes): numeric as given -- ``duration``
(months), ``credit_amount``, ``installment_rate``, ``residence_since``, ``age``,
``existing_credits``, ``people_liable``; one-hot (all levels present, sorted by code,
``<column>=<code>``; meanings in :data:`GERMAN_CODES`) -- ``checking_status`` (4),
``credit_history`` (5), ``purpose`` (10: ``A47`` never occurs), ``savings`` (5),
``employment_since`` (5), ``other_debtors`` (3), ``property`` (4), ``other_installment_plans``
(3), ``housing`` (3), ``job`` (4), ``telephone`` (2), ``foreign_worker`` (2).

Malformed input raises a one-line :class:`~fairopt.core.errors.DataError` naming the file, the
column and the file lines.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from fairopt.core.errors import DataError
from fairopt.data.container import FairData
from fairopt.data.tabular import file_lines, numeric, one_hot, read_table

__all__ = ["GERMAN_COLUMNS", "GERMAN_CODES", "GERMAN_NUMERIC", "FEMALE_CODES", "load_german"]

#: the 20 attributes (german.doc order) and the class
GERMAN_COLUMNS = ("checking_status", "duration", "credit_history", "purpose", "credit_amount", "savings",
                  "employment_since", "installment_rate", "personal_status_sex", "other_debtors",
                  "residence_since", "property", "age", "other_installment_plans", "housing",
                  "existing_credits", "job", "people_liable", "telephone", "foreign_worker", "credit")
GERMAN_NUMERIC = ("duration", "credit_amount", "installment_rate", "residence_since", "age", "existing_credits",
                  "people_liable")
#: the codes of the categorical attributes (german.doc)
GERMAN_CODES = {
    "checking_status": {"A11": "< 0 DM", "A12": "0 <= ... < 200 DM", "A13": ">= 200 DM / salary assignment",
                        "A14": "no checking account"},
    "credit_history": {"A30": "no credits taken / all paid back duly", "A31": "all credits at this bank paid back duly",
                       "A32": "existing credits paid back duly till now", "A33": "delay in paying off in the past",
                       "A34": "critical account / other credits existing"},
    "purpose": {"A40": "car (new)", "A41": "car (used)", "A42": "furniture/equipment", "A43": "radio/television",
                "A44": "domestic appliances", "A45": "repairs", "A46": "education", "A47": "vacation",
                "A48": "retraining", "A49": "business", "A410": "others"},
    "savings": {"A61": "< 100 DM", "A62": "100 <= ... < 500 DM", "A63": "500 <= ... < 1000 DM", "A64": ">= 1000 DM",
                "A65": "unknown / no savings account"},
    "employment_since": {"A71": "unemployed", "A72": "< 1 year", "A73": "1 <= ... < 4 years",
                         "A74": "4 <= ... < 7 years", "A75": ">= 7 years"},
    "personal_status_sex": {"A91": "male: divorced/separated", "A92": "female: divorced/separated/married",
                            "A93": "male: single", "A94": "male: married/widowed", "A95": "female: single"},
    "other_debtors": {"A101": "none", "A102": "co-applicant", "A103": "guarantor"},
    "property": {"A121": "real estate", "A122": "building society savings / life insurance",
                 "A123": "car or other", "A124": "unknown / no property"},
    "other_installment_plans": {"A141": "bank", "A142": "stores", "A143": "none"},
    "housing": {"A151": "rent", "A152": "own", "A153": "for free"},
    "job": {"A171": "unemployed / unskilled non-resident", "A172": "unskilled resident",
            "A173": "skilled employee / official", "A174": "management / self-employed / highly qualified"},
    "telephone": {"A191": "none", "A192": "yes, registered"},
    "foreign_worker": {"A201": "yes", "A202": "no"},
}
#: attribute 9 codes of women
FEMALE_CODES = ("A92", "A95")
GERMAN_CSV = {"sep": r"\s+", "header": None, "dtype": str}


def load_german(path: str | os.PathLike) -> FairData:
    """German credit as in the DAFH study (module docstring).

    Args:
        path: ``german.data``.

    Returns:
        :class:`FairData`: ``X`` (float64, 57 columns on the real file), ``y`` (1 = good credit),
        ``groups`` ``(n, 1)`` int64 [sex], ``meta`` (source, counts, codes, encoding).

    Raises:
        DataError: Missing file, a field count other than 21, a non-numeric numeric attribute, an
            unknown category code, or a class other than 1/2.
    """
    source = str(path)
    frame = read_table(path, "German credit", csv=GERMAN_CSV, columns=GERMAN_COLUMNS)
    frame.index = pd.RangeIndex(len(frame)) - 1  # no header: file line = index + 2 = row + 1
    numbers = {c: numeric(frame, c, source, allow_missing=False).to_numpy(dtype=np.float64) for c in GERMAN_NUMERIC}
    credit = numeric(frame, "credit", source, allow_missing=False)
    bad = ~credit.isin([1, 2]).to_numpy()
    if bad.any():
        raise DataError(f"{source}: column 'credit' must be 1 (good) or 2 (bad); bad values at file lines "
                        f"{file_lines(frame.index[bad])}")
    codes = {}
    for col, allowed in GERMAN_CODES.items():
        values = frame[col].astype("string").str.strip()
        wrong = ~values.isin(list(allowed)).fillna(False).to_numpy(dtype=bool)
        if wrong.any():
            example = frame[col].iloc[int(np.flatnonzero(wrong)[0])]
            raise DataError(f"{source}: column {col!r} must be one of {list(allowed)}; bad values at file lines "
                            f"{file_lines(frame.index[wrong])} (e.g. {example!r})")
        codes[col] = values.reset_index(drop=True)
    y = (credit == 1).to_numpy(dtype=np.float64)
    sex = codes["personal_status_sex"].isin(FEMALE_CODES).to_numpy(dtype=np.int64)
    everything = np.arange(len(frame))
    blocks: list[pd.DataFrame] = []
    for col in GERMAN_COLUMNS[:-1]:
        if col in GERMAN_NUMERIC:
            blocks.append(pd.DataFrame({col: numbers[col]}))
        elif col != "personal_status_sex":
            block = one_hot(codes[col], col, everything, dtype=np.float64)
            order = sorted(block.columns, key=lambda name: int(name.split("=A", 1)[1]))  # A410 after A49
            blocks.append(block[order])
    features = pd.concat(blocks, axis=1)
    meta = {
        "dataset": "german",
        "source": [source],
        "n_rows": int(len(frame)),
        "n_features": int(features.shape[1]),
        "raw_features": [c for c in GERMAN_COLUMNS[:-1] if c != "personal_status_sex"],
        "label": "credit == 1 (good credit)",
        "label_rate": float(y.mean()),
        "primary": "sex",
        "sensitive": {"sex": {0: "male (A91/A93/A94)", 1: "female (A92/A95)"}},
        "lr_all": ["sex"],
        "personal_status_counts": {str(k): int(v) for k, v in codes["personal_status_sex"].value_counts().items()},
        "encoding": {"numeric": "as given (not standardised)",
                     "categorical": "one-hot, all levels present, sorted by code, '<column>=<code>' (GERMAN_CODES)"},
        "dropped": {"personal_status_sex": "encodes sex (sensitive)", "credit": "label"},
    }
    return FairData(X=features.to_numpy(dtype=np.float64), y=y, groups=sex.reshape(-1, 1),
                    feature_names=[str(c) for c in features.columns], group_names=["sex"], meta=meta)
