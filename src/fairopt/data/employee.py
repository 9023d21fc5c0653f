"""INX employee performance, as the fairness layer's wage audit uses it (experiment 3).

Reference note ``shared/reference/fairness_layer.md``. (:func:`prepare_employee`, ``Employee_Performance.xls``, 1,200 x 28;
read with pandas + xlrd). Target ``EmpHourlyRate`` min-max scaled to [0, 1]. Protected
(decoded, binary): ``Age >= 50``, manager (``EmpJobRole`` contains "Manager"), male
(``Gender == "Male"``), technical degree (``EducationBackground == "Technical Degree"``),
married (``MaritalStatus == "Married"``); both sides of each give the 10 mean-residual
constraints (``groups`` is the ``(n, 5)`` matrix; family ``residual_parity``). Features (63, the
authors' layout): the 17 integer columns other than the target, ``Age_50plus``, ``IsManager``
and one-hot ``Gender, EducationBackground, MaritalStatus, EmpDepartment, EmpJobRole,
BusinessTravelFrequency, OverTime, Attrition`` (all levels); non-binary numeric columns
standardised over all rows (the audit is evaluated on the training data); ``EmpNumber`` dropped.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from fairopt.core.errors import DataError
from fairopt.data.container import FairData
from fairopt.data.tabular import numeric, read_table, require_columns, require_rows

__all__ = ['EMPLOYEE_REQUIRED', 'EMPLOYEE_PROTECTED', 'read_employee', 'prepare_employee']


EMPLOYEE_ONE_HOT = ["Gender", "EducationBackground", "MaritalStatus", "EmpDepartment", "EmpJobRole",
                    "BusinessTravelFrequency", "OverTime", "Attrition"]
#: columns the employee preparation reads
EMPLOYEE_REQUIRED = ["Age", "EmpHourlyRate"] + EMPLOYEE_ONE_HOT
EMPLOYEE_PROTECTED = ["age_50plus", "manager", "male", "technical_degree", "married"]


def read_employee(path: str | os.PathLike) -> pd.DataFrame:
    """Read ``Employee_Performance.xls`` (pandas + xlrd; ``.csv`` accepted for fixtures)."""
    frame = read_table(path, "employee performance", csv={"encoding": "utf-8-sig", "low_memory": False})
    require_columns(frame, EMPLOYEE_REQUIRED, str(path))
    return frame


def prepare_employee(source: str | os.PathLike | pd.DataFrame) -> FairData:
    """Employee wage-audit features, scaled wage target and 5 protected attributes.

    Args:
        source: Path of ``Employee_Performance.xls`` or an already read table.

    Returns:
        :class:`FairData` with ``groups`` the ``(n, 5)`` binary matrix
        [age_50plus, manager, male, technical_degree, married] (use family
        ``residual_parity``: 10 constraints) and ``meta['y_min'], meta['y_max']``.

    Raises:
        DataError: Missing column, non-numeric/missing wage or age, constant wage.
    """
    name = "<table>" if isinstance(source, pd.DataFrame) else str(source)
    frame = source.copy() if isinstance(source, pd.DataFrame) else read_employee(source)
    require_columns(frame, EMPLOYEE_REQUIRED, name)
    require_rows(frame, name, "employee performance")
    frame = frame.reset_index(drop=True).drop(columns=[c for c in ["EmpNumber"] if c in frame.columns])
    wage = numeric(frame, "EmpHourlyRate", name, allow_missing=False)
    age = numeric(frame, "Age", name, allow_missing=False)
    y_min, y_max = float(wage.min()), float(wage.max())
    if not y_max > y_min:
        raise DataError(f"{name}: column 'EmpHourlyRate' is constant ({y_min}); cannot min-max scale")
    y = ((wage - y_min) / (y_max - y_min)).to_numpy(np.float32)
    text = {c: frame[c].astype("string").str.strip() for c in EMPLOYEE_ONE_HOT}
    protected = np.column_stack([
        (age >= 50).to_numpy(),
        text["EmpJobRole"].str.contains("manager", case=False, na=False).to_numpy(),
        (text["Gender"] == "Male").fillna(False).to_numpy(),
        (text["EducationBackground"] == "Technical Degree").fillna(False).to_numpy(),
        (text["MaritalStatus"] == "Married").fillna(False).to_numpy(),
    ]).astype(np.int64)
    numeric_cols = [c for c in frame.columns
                    if c not in EMPLOYEE_ONE_HOT and c != "EmpHourlyRate"]
    num = pd.DataFrame({c: numeric(frame, c, name) for c in numeric_cols})
    for c in num.columns:
        v = num[c].fillna(num[c].median())
        sd = float(v.std(ddof=0))
        num[c] = (v - v.mean()) / (sd if sd > 0 else 1.0)
    num["Age_50plus"] = protected[:, 0].astype(float)
    num["IsManager"] = protected[:, 1].astype(float)
    dummies = pd.get_dummies(pd.DataFrame({c: text[c] for c in EMPLOYEE_ONE_HOT}),
                             columns=EMPLOYEE_ONE_HOT, dtype=float)
    Xf = pd.concat([num, dummies], axis=1)
    meta = {"source": name, "n_rows": len(frame), "n_features": Xf.shape[1], "y_min": y_min,
            "y_max": y_max, "protected_share": protected.mean(axis=0).tolist()}
    return FairData(X=Xf.to_numpy(np.float32), y=y, groups=protected, feature_names=list(Xf.columns),
                    group_names=list(EMPLOYEE_PROTECTED), meta=meta)
