"""COMPAS two-year recidivism ("Arrest") and violent recidivism ("Violent"), as the DAFH study uses them.

Files (ProPublica ``compas-analysis`` @ bafff5da, ``SOURCES.md`` of the data mirror):
``compas-scores-two-years.csv`` (7,214 rows x 53 columns, Arrest) and
``compas-scores-two-years-violent.csv`` (4,743 rows x 54 columns, Violent). All rows are kept:
DAFH's counts (7,214 / 4,743, Section 6.1) are the unfiltered ones (ProPublica's screening filter
would leave 6,172 Arrest rows).

**Label**: ``y = two_year_recid`` (1 = re-arrested within two years of the screening; in the
violent file the column with that name is the two-year *violent* recidivism). Rates: Arrest 3,251 /
7,214 = 45.1%, Violent 775 / 4,743 = 16.3%.

**Sensitive attributes** (``groups``, never in ``X``), in this order:

* ``race`` (primary, the paper's choice): 0 = White (``Caucasian``), 1 = Non-White (the five
  other values: ``African-American``, ``Hispanic``, ``Other``, ``Asian``, ``Native American``),
  as in DAFH's Figure 3 (Arrest: 2,454 White / 4,760 Non-White);
* ``sex``: 0 = Male, 1 = Female;
* ``age``: the file's ``age_cat``, 0 = "Less than 25", 1 = "25 - 45", 2 = "Greater than 45"
  (Figure 3's cut points; the multi-level column is last so that
  :meth:`FairData.group_codes`'s binary weights stay collision-free).

Figure 3 and the Manual partition (non-white males under 45 / non-white females 25-45 / the rest)
need all three. ``meta["lr_all"] = ["sex", "age"]``: the attributes whose intersection gives
the 6 models DAFH's Table 7 reports for LR-All on Arrest and Violent. Evidence: Table 7's Trivial /
LR-All / TreeLR columns are probably copied from Ustun, Liu & Parkes (ICML 2019); Ustun's own
COMPAS preprocessing (the ``compas_arrest_processed.csv`` / ``compas_violent_processed.csv`` files
his group publishes, e.g. charliemarx/pmtools) codes race in four levels (Caucasian,
African-American, Hispanic, Other), age in three bands (<= 25, 25-45, >= 46) and sex in two, and
the only product of those equal to 6 is age x sex (race x anything is a multiple of 4). The
reading is an inference (their paper's dataset table was not available here); race (2) x age (3)
would also give 6 with DAFH's binary race, and race x sex x age gives 12 cells.

**Features kept** (``X``, 8 columns, known at the screening and not a COMPAS output):
``juv_fel_count``, ``juv_misd_count``, ``juv_other_count``, ``priors_count`` (counts before the
screening), ``c_days_from_compas`` (days from the scored charge's offense/arrest date to the
screening; never negative -- no charge date lies after the screening; 22 missing values are set to
0 and flagged by ``c_days_from_compas=Missing``) and ``c_charge_degree`` one-hot (``=F`` felony,
``=M`` misdemeanour). ``charge_desc=True`` adds ``c_charge_desc`` one-hot (437 free-text levels
on Arrest, 362 on Violent, most seen fewer than 5 times, plus ``Missing``; off by default).

**Dropped** (the paper's "52 / 53 features" are the raw column counts; see ``meta["dropped"]``):
identifiers (``id``, ``name``, ``first``, ``last``, ``c_case_number``); dates
(``compas_screening_date``, ``screening_date``, ``v_screening_date``, ``dob``,
``c_offense_date``, ``c_arrest_date``, ``c_jail_in``); the sensitive columns and what is
computed from them (``race``, ``sex``, ``age_cat``, ``age`` -- the band is cut from it);
the COMPAS outputs (``decile_score``, ``decile_score.1``, ``score_text``, ``v_decile_score``,
``v_score_text``) and their constant assessment types; and everything known only after the
screening: the label and its copies (``two_year_recid.1`` equals the violent label, ``event``),
the recidivism record (``is_recid`` agrees with the Arrest label on 97% of rows,
``is_violent_recid`` with the Violent one on 99%; ``r_*``, ``vr_*``, ``violent_recid``), the
survival window (``start``, ``end``), custody and jail-release dates (``c_jail_out``,
``in_custody``, ``out_custody``) and ``days_b_screening_arrest`` (= ``c_jail_in`` minus the
screening date: positive in 353 Arrest rows -- a booking *after* the screening, re-arrested 71% vs
44% -- so it carries future information; ProPublica used it only as a data-quality filter).
``priors_count.1`` duplicates ``priors_count``.

**Leakage guard**: :func:`load_compas` raises :class:`~fairopt.core.errors.DataError` if any
kept column agrees with the label on more than ``max_agreement`` (95%) of the rows
(:func:`label_agreement`: a binary column or its complement; a numeric column split at its best
threshold). On the real files the largest agreement is 64.3% (``priors_count``, Arrest; base rate
54.9%) and 83.9% (``juv_misd_count``, Violent; base rate 83.7%).
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from fairopt.core.errors import DataError
from fairopt.data.container import FairData
from fairopt.data.tabular import (check_label_leakage, file_lines, levels, numeric, one_hot,
                                  read_table, require_columns)

__all__ = ["COMPAS_FEATURES", "COMPAS_REQUIRED", "COMPAS_DROPPED",
           "load_compas"]

COMPAS_LABEL = "two_year_recid"
COMPAS_COUNTS = ("juv_fel_count", "juv_misd_count", "juv_other_count", "priors_count")
#: raw columns that become features (in this order)
COMPAS_FEATURES = COMPAS_COUNTS + ("c_days_from_compas", "c_charge_degree")
#: columns the loader reads
COMPAS_REQUIRED = ("race", "sex", "age_cat") + COMPAS_FEATURES + (COMPAS_LABEL,)
RACE_WHITE = "Caucasian"
SEX_LEVELS = {"Male": 0, "Female": 1}
AGE_LEVELS = {"Less than 25": 0, "25 - 45": 1, "Greater than 45": 2}
#: the duplicate-header copy of the label that only the violent file has (pandas renames it)
VIOLENT_MARKER = "two_year_recid.1"

_ID = "identifier"
_DATE = "date (as text)"
_SCORE = "COMPAS output (the study does not re-fit COMPAS)"
_FUTURE = "known only after the screening (label leakage)"
#: why each other column of the two files is not a feature
COMPAS_DROPPED = {
    "id": _ID, "name": _ID, "first": _ID, "last": _ID, "c_case_number": _ID,
    "compas_screening_date": _DATE, "screening_date": _DATE, "v_screening_date": _DATE, "dob": _DATE,
    "c_offense_date": _DATE, "c_arrest_date": _DATE, "c_jail_in": _DATE,
    "race": "sensitive", "sex": "sensitive", "age_cat": "sensitive",
    "age": "sensitive-derived (age_cat is cut from it)",
    "decile_score": _SCORE, "decile_score.1": _SCORE, "score_text": _SCORE, "v_decile_score": _SCORE,
    "v_score_text": _SCORE, "type_of_assessment": "constant", "v_type_of_assessment": "constant",
    "two_year_recid": "label", "two_year_recid.1": "copy of the label", "event": _FUTURE,
    "is_recid": _FUTURE, "is_violent_recid": _FUTURE, "violent_recid": _FUTURE + "; empty",
    "r_case_number": _FUTURE, "r_charge_degree": _FUTURE, "r_days_from_arrest": _FUTURE,
    "r_offense_date": _FUTURE, "r_charge_desc": _FUTURE, "r_jail_in": _FUTURE, "r_jail_out": _FUTURE,
    "vr_case_number": _FUTURE, "vr_charge_degree": _FUTURE, "vr_offense_date": _FUTURE,
    "vr_charge_desc": _FUTURE, "start": _FUTURE, "end": _FUTURE, "c_jail_out": _FUTURE,
    "in_custody": _FUTURE, "out_custody": _FUTURE,
    "days_b_screening_arrest": _FUTURE + " (jail booking after the screening in some rows)",
    "priors_count.1": "duplicate of priors_count",
    "c_charge_desc": "free text, 437 levels (kept with charge_desc=True)",
}


def _coded(frame: pd.DataFrame, column: str, codes: dict[str, int], source: str) -> np.ndarray:
    values = frame[column].astype("string").str.strip()
    bad = ~values.isin(list(codes)).fillna(False).to_numpy(dtype=bool)
    if bad.any():
        raise DataError(f"{source}: column {column!r} must be one of {list(codes)}; bad values at file lines "
                        f"{file_lines(frame.index[bad])} (e.g. {frame[column].iloc[int(np.flatnonzero(bad)[0])]!r})")
    return values.map(codes).to_numpy(dtype=np.int64)


def load_compas(path: str | os.PathLike, outcome: str = "arrest", *, charge_desc: bool = False,
                max_agreement: float = 0.95) -> FairData:
    """COMPAS Arrest or Violent as in the DAFH study (module docstring).

    Args:
        path: ``compas-scores-two-years.csv`` (``outcome="arrest"``) or
            ``compas-scores-two-years-violent.csv`` (``outcome="violent"``).
        outcome: ``"arrest"`` or ``"violent"``; checked against the file (only the violent file has
            the duplicate label column ``two_year_recid.1``).
        charge_desc: Also one-hot encode ``c_charge_desc`` (free text, many rare levels).
        max_agreement: Largest allowed agreement of a kept column with the label.

    Returns:
        :class:`FairData`: ``X`` (float64, 8 columns), ``y`` (0/1 float64), ``groups`` ``(n, 3)``
        int64 [race, sex, age], ``meta`` (sources, counts, codes, dropped columns, agreements).

    Raises:
        DataError: Missing file or column, a file that is not the ``outcome``'s, a label other than
            0/1, an unknown sex or age band, a missing race, non-numeric counts, or label leakage.
    """
    if outcome not in ("arrest", "violent"):
        raise ValueError(f"outcome must be 'arrest' or 'violent', got {outcome!r}")
    source = str(path)
    frame = read_table(path, f"COMPAS {outcome}", csv={"low_memory": False})
    required = COMPAS_REQUIRED + (("c_charge_desc",) if charge_desc else ())
    require_columns(frame, required, source, expected=f"ProPublica's {outcome} columns {list(required)}")
    if (VIOLENT_MARKER in frame.columns) != (outcome == "violent"):
        which = "violent" if VIOLENT_MARKER in frame.columns else "arrest"
        raise DataError(f"{source}: column {VIOLENT_MARKER!r} is {'present' if which == 'violent' else 'absent'}, "
                        f"so this is the {which} file, not the {outcome} one")
    label = numeric(frame, COMPAS_LABEL, source, allow_missing=False)
    bad = ~label.isin([0, 1]).to_numpy()
    if bad.any():
        raise DataError(f"{source}: column {COMPAS_LABEL!r} must be 0 or 1; bad values at file lines "
                        f"{file_lines(frame.index[bad])}")
    y = label.to_numpy(dtype=np.float64)
    race_raw = frame["race"].astype("string").str.strip()
    missing_race = race_raw.isna() | (race_raw == "")
    if missing_race.any():
        raise DataError(f"{source}: column 'race' is missing at file lines "
                        f"{file_lines(frame.index[missing_race.to_numpy(dtype=bool)])}")
    race = (race_raw != RACE_WHITE).to_numpy(dtype=np.int64)
    sex = _coded(frame, "sex", SEX_LEVELS, source)
    age = _coded(frame, "age_cat", AGE_LEVELS, source)

    blocks: list[pd.DataFrame] = []
    for col in COMPAS_COUNTS:
        blocks.append(pd.DataFrame({col: numeric(frame, col, source, allow_missing=False).to_numpy(dtype=float)}))
    days = numeric(frame, "c_days_from_compas", source).to_numpy(dtype=float)
    blocks.append(pd.DataFrame({"c_days_from_compas": np.nan_to_num(days, nan=0.0),
                                "c_days_from_compas=Missing": np.isnan(days).astype(float)}))
    everything = np.arange(len(frame))
    blocks.append(one_hot(levels(frame["c_charge_degree"]), "c_charge_degree", everything, dtype=np.float64))
    if charge_desc:
        blocks.append(one_hot(levels(frame["c_charge_desc"]), "c_charge_desc", everything, dtype=np.float64))
    features = pd.concat(blocks, axis=1)
    names = [str(c) for c in features.columns]
    X = features.to_numpy(dtype=np.float64)
    agreement = check_label_leakage(X, y, names, source, COMPAS_LABEL, max_agreement=max_agreement)

    groups = np.column_stack([race, sex, age]).astype(np.int64)
    race_counts = race_raw.value_counts().to_dict()
    cells = {",".join(map(str, k)): int(v) for k, v in
             zip(*np.unique(groups[:, [1, 2]], axis=0, return_counts=True))}
    kept = set(COMPAS_FEATURES) | ({"c_charge_desc"} if charge_desc else set())
    meta = {
        "dataset": "compas_" + outcome,
        "source": [source],
        "outcome": outcome,
        "n_rows": int(len(frame)),
        "n_features": int(X.shape[1]),
        "raw_features": list(COMPAS_FEATURES) + (["c_charge_desc"] if charge_desc else []),
        "label": f"{COMPAS_LABEL} (1 = {'violent ' if outcome == 'violent' else ''}recidivism within two years)",
        "label_rate": float(y.mean()),
        "primary": "race",
        "sensitive": {"race": {0: "White", 1: "Non-White"}, "sex": {0: "Male", 1: "Female"},
                      "age": {0: "Less than 25", 1: "25 - 45", 2: "Greater than 45"}},
        "race_values": {str(k): int(v) for k, v in race_counts.items()},
        "lr_all": ["sex", "age"],
        "lr_all_cells": cells,
        "encoding": {"counts": "as given", "c_days_from_compas": "as given; missing -> 0 + indicator",
                     "categorical": "one-hot, all levels sorted, '<column>=<level>'"},
        "dropped": {c: r for c, r in COMPAS_DROPPED.items() if c in frame.columns and c not in kept},
        "max_label_agreement": {"column": names[int(np.argmax(agreement))], "agreement": float(agreement.max())},
    }
    return FairData(X=X, y=y, groups=groups, feature_names=names, group_names=["race", "sex", "age"], meta=meta)
