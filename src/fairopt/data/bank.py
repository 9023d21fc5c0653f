"""UCI Bank marketing (Moro, Rita & Cortez 2012/2014), as the DAFH study uses it.

File (``SOURCES.md`` of the data mirror): ``bank-full.csv``, 45,211 rows, ``;``-separated, quoted,
with a header: 16 attributes + ``y``. DAFH (Section 6.1): 45,211 instances, 16 features,
sensitive attribute age (the cut is not stated).

**Label**: ``y = 1`` iff the client subscribed a term deposit (``y == "yes"``: 5,289 rows, 11.7%).

**Sensitive attribute** (``groups`` ``(n, 1)``, the primary one): ``age`` binarised by
``age_cut``:

* a number ``c`` (default 25): 0 = ``age >= c``, 1 = ``age < c`` (c = 25: 809 rows, 1.8%);
* a pair ``(lo, hi)``: 0 = ``lo <= age < hi``, 1 = outside (``(25, 60)``: 2,593 rows, 5.7%).

Recommended default: ``age_cut = 25``, AIF360's long-standing protected-attribute definition
(``age >= 25`` privileged) that most fairness papers on this dataset follow, and a single
threshold keeps each of the Trivial partition's two groups one age interval. Its drawback is a
small group (809 rows, ~200 per 25% test split); ``(25, 60)`` -- the newer AIF360 reading --
triples it but joins the young and the old in one group. Set the study's config value either way;
``meta["sensitive"]`` records the cut. ``age`` itself is then not a feature.

**Features** (``X``, 49 columns from 14 raw attributes): numeric as given -- ``balance``, ``day``
(day of month of the last contact), ``campaign`` (contacts in this campaign, the last included),
``pdays`` (days since a previous campaign's contact, -1 = none), ``previous``; one-hot (all
levels, sorted, ``<column>=<level>``, ``unknown`` kept as a level) -- ``job`` (12), ``marital``
(3), ``education`` (4), ``default`` (2), ``housing`` (2), ``loan`` (2), ``contact`` (3),
``month`` (12), ``poutcome`` (4).

**Dropped**: ``age`` (sensitive), ``y`` (label) and ``duration`` (the last call's length: known only
after the call, and ``duration = 0`` implies ``y = "no"`` -- the UCI description says it should be
discarded for a realistic predictive model).

Malformed input raises a one-line :class:`~fairopt.core.errors.DataError` naming the file, the
column and the file lines.
"""
from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from fairopt.data.container import FairData
from fairopt.data.tabular import binary, levels, numeric, one_hot, read_table, require_columns

__all__ = ["BANK_COLUMNS", "BANK_NUMERIC", "BANK_CATEGORICAL", "DEFAULT_AGE_CUT", "age_groups", "load_bank"]

BANK_COLUMNS = ("age", "job", "marital", "education", "default", "balance", "housing", "loan", "contact", "day",
                "month", "duration", "campaign", "pdays", "previous", "poutcome", "y")
BANK_NUMERIC = ("balance", "day", "campaign", "pdays", "previous")
BANK_CATEGORICAL = ("job", "marital", "education", "default", "housing", "loan", "contact", "month", "poutcome")
#: the recommended binarisation of age (module docstring)
DEFAULT_AGE_CUT = 25


def age_groups(age: np.ndarray, age_cut: float | Sequence[float]) -> tuple[np.ndarray, dict[int, str]]:
    """Binary age codes and their level names for ``age_cut`` (module docstring).

    Raises:
        ValueError: A cut that is not a finite number or an increasing pair of them.
    """
    age = np.asarray(age, dtype=float)
    # float beside numbers.Real (a no-op at run time) narrows the type: typeshed's float is no numbers.Real
    if isinstance(age_cut, (float, numbers.Real)) and not isinstance(age_cut, bool):
        c = float(age_cut)
        if not math.isfinite(c):
            raise ValueError(f"age_cut must be finite, got {age_cut!r}")
        return (age < c).astype(np.int64), {0: f"age >= {age_cut:g}", 1: f"age < {age_cut:g}"}
    if isinstance(age_cut, (str, bytes, bool)):
        raise ValueError(f"age_cut must be a number or a pair (lo, hi), got {age_cut!r}")
    try:
        lo, hi = (float(v) for v in age_cut)
    except (TypeError, ValueError):
        raise ValueError(f"age_cut must be a number or a pair (lo, hi), got {age_cut!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"age_cut pair must be finite with lo < hi, got {age_cut!r}")
    inside = (age >= lo) & (age < hi)
    return (~inside).astype(np.int64), {0: f"{lo:g} <= age < {hi:g}", 1: f"age < {lo:g} or age >= {hi:g}"}


def load_bank(path: str | os.PathLike, age_cut: float | Sequence[float] = DEFAULT_AGE_CUT) -> FairData:
    """Bank marketing (``bank-full.csv``) as in the DAFH study (module docstring).

    Args:
        path: ``bank-full.csv``.
        age_cut: The age binarisation: a threshold ``c`` (1 = ``age < c``) or a pair ``(lo, hi)``
            (0 = ``lo <= age < hi``).

    Returns:
        :class:`FairData`: ``X`` (float64, 49 columns on the real file), ``y`` (1 = subscribed),
        ``groups`` ``(n, 1)`` int64 [age], ``meta`` (source, counts, the cut, encoding).

    Raises:
        DataError: Missing file or column, non-numeric or missing numbers, ``y`` other than
            ``"yes"``/``"no"``.
        ValueError: A malformed ``age_cut``.
    """
    source = str(path)
    age_groups(np.zeros(1), age_cut)  # validate the cut before reading
    frame = read_table(path, "bank marketing", csv={"sep": ";"})
    require_columns(frame, BANK_COLUMNS, source, expected=f"the UCI columns {list(BANK_COLUMNS)}")
    y = binary(frame["y"], "yes", "no", "y", source)
    age = numeric(frame, "age", source, allow_missing=False).to_numpy(dtype=float)
    columns = {c: numeric(frame, c, source, allow_missing=False).to_numpy(dtype=np.float64) for c in BANK_NUMERIC}
    codes, names = age_groups(age, age_cut)
    everything = np.arange(len(frame))
    blocks: list[pd.DataFrame] = []
    for col in BANK_COLUMNS:
        if col in BANK_NUMERIC:
            blocks.append(pd.DataFrame({col: columns[col]}))
        elif col in BANK_CATEGORICAL:
            blocks.append(one_hot(levels(frame[col]), col, everything, dtype=np.float64))
    features = pd.concat(blocks, axis=1)
    cut = float(age_cut) if isinstance(age_cut, (float, numbers.Real)) else [float(v) for v in age_cut]
    meta = {
        "dataset": "bank",
        "source": [source],
        "n_rows": int(len(frame)),
        "n_features": int(features.shape[1]),
        "raw_features": [c for c in BANK_COLUMNS if c in BANK_NUMERIC or c in BANK_CATEGORICAL],
        "label": "y == 'yes' (subscribed a term deposit)",
        "label_rate": float(y.mean()),
        "primary": "age",
        "age_cut": cut,
        "sensitive": {"age": names},
        "group_counts": {int(k): int(v) for k, v in zip(*np.unique(codes, return_counts=True))},
        "lr_all": ["age"],
        "encoding": {"numeric": "as given (not standardised)",
                     "categorical": "one-hot, all levels, sorted, '<column>=<level>' ('unknown' is a level)"},
        "dropped": {"age": "sensitive", "y": "label",
                    "duration": "known only after the call (UCI: discard for a realistic model); leakage"},
    }
    return FairData(X=features.to_numpy(dtype=np.float64), y=y.astype(np.float64), groups=codes.reshape(-1, 1),
                    feature_names=[str(c) for c in features.columns], group_names=["age"], meta=meta)
