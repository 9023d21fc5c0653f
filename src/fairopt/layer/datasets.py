"""Datasets of the fairness-layer experiments: synthetic design, SBA loans, employee wage audit.

Reference note ``shared/reference/fairness_layer.md`` (experiments 1-3). Every loader returns a
:class:`FairData` (features, target, protected groups) and fails early with
:class:`~fairopt.errors.DataError` naming the file and column on malformed input.

**(a) Synthetic regression design** (:func:`synthetic_design`, :func:`make_synthetic`): 2^5 = 32
datasets from five two-level factors, enumerated in this order (first factor slowest):

======================  ==================  ===================
factor                  level 0             level 1
======================  ==================  ===================
group-1 share           20%                 50%
group strength          corr 0.3, bias +-3  corr 0.7, bias +-6
noise sd                0.125               0.6
box [lb, ub]            [-3.5, 3.5]         [0, 3.5]
target                  linear              nonlinear
======================  ==================  ===================

Design choices (the note gives only the factors; where the authors' public generator was
informative we follow its structure, otherwise the choice is ours):

* protected attribute ``a``: exactly ``round(share n)`` rows of group 1, placed at random (not
  ``Bernoulli(share)``: with an exact count the stratified 24k/10k/6k split and the batches of a
  constant group ratio divide evenly, so no batch of rows is dropped -- with Bernoulli draws the
  6,000 test rows make only 2 full batches of 2,000 unless group 1 has exactly 1,200 of them);
  ``X = [a, x_1..x_p]`` so ``a`` is column 0 and is fed to the network (``p = n_features``, 150 in
  the paper: 151 network inputs);
* base features: standard normal, equicorrelated 0.3 within consecutive blocks of 20 (one
  common factor per block);
* group-feature correlation ``rho``: ``min(50, p // 6)`` randomly chosen features are replaced
  by ``sqrt(1 - rho^2) x_j + rho s`` with ``s`` the standardised ``a``, so
  ``corr(x_j, a) = rho`` exactly in the population (the authors' code multiplies the group sign
  by zero-mean noise, which leaves the features' distribution unchanged across groups; we use a
  real mean shift so the factor means what its name says); features are then standardised;
* signal ``f``: linear = ``min(10, max(1, p // 10))`` features with ``N(0, 1)`` coefficients;
  nonlinear = ``0.7 linear + 0.2 sum_j c_j x_j^2`` (``min(15, max(1, p // 10))`` features,
  ``c_j ~ N(0, 0.4^2)``) ``+ 0.1 sum`` of ``min(10, max(1, p // 20))`` pairwise products with
  ``N(0, 0.4^2)`` coefficients (as in the authors' generator);
* target ``y = f + bias (2a - 1) + N(0, sd^2)``, standardised, then group 0 scaled by 0.85
  (slightly lower variance for group 0, as in the authors' generator);
* the box is not applied to ``y`` (targets may lie outside it; ``meta['outside_box']`` gives the
  share); one seed per dataset: ``numpy.random.default_rng([seed, index])``.

**(b) SBA loans** (:func:`prepare_sba`, file ``SBAcase.11.13.17.csv``, 2,101 loans x 35
columns). Target ``default = 1`` iff ``MIS_Status == "CHGOFF"`` (else ``"P I F"``). Protected:
``new_business = (NewExist == 2)`` and ``urban = (UrbanRural == 1)``; both are also the last two
feature columns. Columns used: one-hot ``ApprovalFY``, ``FranchiseCode``, ``NAICS``,
``LowDoc``; ``RevLineCr`` and ``BankState`` as top-2 levels + ``Other``; ``Bank`` as Wells Fargo
/ Bank of America / Other; binary ``RealEstate``, ``Recession``, ``rural = (UrbanRural == 2)``;
standardised ``Term, NoEmp, CreateJob, RetainedJob, GrAppv, SBA_Appv, Portion,
DisbursementGross`` and ``log1p(DisbursementGross)`` (median-imputed). Dropped: identifiers
(``Selected`` -- the teaching case's sample flag --, ``LoanNr_ChkDgt``, ``Name``, ``City``,
``Zip``), constants (``State`` = CA, ``BalanceGross`` = 0), dates (``ApprovalDate``,
``DisbursementDate``, ``xx`` = disbursement date + term), duplicates (``daysterm`` = 30 Term,
``New`` = the new-business flag, ``NewExist``/``UrbanRural`` themselves, encoded through the
flags) and outcome leakage (``ChgOffDate``, ``ChgOffPrinGr``, ``MIS_Status``, ``Default``).
Levels and scaling are fitted on ``fit_rows`` (the training split) only; unseen levels encode as
all zeros. About 110 features.

**(c) Employee wage audit** (:func:`prepare_employee`, ``Employee_Performance.xls``, 1,200 x 28;
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

import itertools
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fairopt.errors import ConfigError, DataError

__all__ = [
    "FairData",
    "synthetic_design",
    "make_synthetic",
    "SBA_REQUIRED",
    "read_sba",
    "prepare_sba",
    "EMPLOYEE_REQUIRED",
    "read_employee",
    "prepare_employee",
]


@dataclass
class FairData:
    """Features, target and protected groups of one dataset.

    Attributes:
        X: ``(n, d)`` float32 features (fed to the network).
        y: ``(n,)`` float32 target.
        groups: ``(n,)`` 0/1 group or ``(n, K)`` binary protected attributes.
        feature_names: ``d`` column names.
        group_names: Names of the protected attribute(s).
        meta: Dataset facts (factors, box, sizes ...).
        labels: Optional binary outcome per row (equalized odds).
    """

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    feature_names: list[str]
    group_names: list[str]
    meta: dict[str, Any] = field(default_factory=dict)
    labels: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def subset(self, idx: np.ndarray) -> "FairData":
        """Rows ``idx`` (meta shared)."""
        idx = np.asarray(idx)
        return FairData(self.X[idx], self.y[idx], self.groups[idx], self.feature_names,
                        self.group_names, dict(self.meta),
                        None if self.labels is None else self.labels[idx])

    def group_codes(self) -> np.ndarray:
        """One integer per row: the group, or the intersectional cell of several attributes."""
        g = np.asarray(self.groups)
        if g.ndim == 1:
            return g.astype(np.int64)
        return (g.astype(np.int64) * (2 ** np.arange(g.shape[1]))).sum(axis=1)


# --------------------------------------------------------------------------------------------
# (a) synthetic design

_LEVELS = {
    "group_share": (0.2, 0.5),
    "strength": ("low", "high"),
    "noise_sd": (0.125, 0.6),
    "box": ("loose", "tight"),
    "target": ("linear", "nonlinear"),
}
_STRENGTH = {"low": (0.3, 3.0), "high": (0.7, 6.0)}
_BOX = {"loose": (-3.5, 3.5), "tight": (0.0, 3.5)}


def synthetic_design() -> pd.DataFrame:
    """The 32 synthetic datasets, one row each (``index`` 0..31, factor levels, box)."""
    rows = []
    for i, (share, strength, sd, box, target) in enumerate(itertools.product(*_LEVELS.values())):
        corr, bias = _STRENGTH[strength]
        lb, ub = _BOX[box]
        rows.append({"index": i, "name": f"syn{i:02d}", "group_share": share, "strength": strength,
                     "correlation": corr, "group_bias": bias, "noise_sd": sd, "box": box,
                     "lb": lb, "ub": ub, "target": target})
    return pd.DataFrame(rows)


def make_synthetic(index: int, *, n_rows: int = 40_000, n_features: int = 150, seed: int = 0,
                   group0_scale: float = 0.85, block_size: int = 20,
                   block_corr: float = 0.3) -> FairData:
    """Generate synthetic dataset ``index`` (0..31) of the 2^5 design (module docstring).

    Args:
        index: Row of :func:`synthetic_design`.
        n_rows: Rows (40,000 in the paper).
        n_features: Features besides the protected column (150 in the paper).
        seed: Base seed; the dataset uses ``default_rng([seed, index])``.
        group0_scale: Factor applied to group 0's standardised target.
        block_size, block_corr: Equicorrelated feature blocks.

    Returns:
        :class:`FairData` with ``X`` of shape ``(n_rows, 1 + n_features)`` (column 0 = group),
        ``groups`` = column 0, and ``meta`` holding the factors, ``lb``, ``ub``.
    """
    design = synthetic_design()
    if not 0 <= int(index) < len(design):
        raise ConfigError(f"synthetic dataset index {index} out of range 0..{len(design) - 1}")
    if n_rows < 2 or n_features < 1:
        raise ConfigError(f"synthetic dataset needs n_rows >= 2 and n_features >= 1, got {n_rows}, {n_features}")
    spec = design.iloc[int(index)].to_dict()
    rng = np.random.default_rng([int(seed), int(index)])
    n, p = int(n_rows), int(n_features)
    share = float(spec["group_share"])
    a = np.zeros(n, dtype=np.int64)
    a[rng.permutation(n)[:int(round(share * n))]] = 1
    # base features: equicorrelated blocks
    feats = np.empty((n, p))
    for start in range(0, p, block_size):
        stop = min(start + block_size, p)
        common = rng.standard_normal((n, 1))
        feats[:, start:stop] = (np.sqrt(block_corr) * common
                                + np.sqrt(1 - block_corr) * rng.standard_normal((n, stop - start)))
    # group-feature correlation
    rho = float(spec["correlation"])
    s = (a - share) / np.sqrt(share * (1 - share))
    corr_idx = rng.choice(p, size=max(1, min(50, p // 6)), replace=False)
    feats[:, corr_idx] = np.sqrt(1 - rho ** 2) * feats[:, corr_idx] + rho * s[:, None]
    feats = (feats - feats.mean(axis=0)) / feats.std(axis=0)
    # signal
    k_lin = min(10, max(1, p // 10))
    lin_idx = rng.choice(p, size=k_lin, replace=False)
    f = feats[:, lin_idx] @ rng.standard_normal(k_lin)
    if spec["target"] == "nonlinear":
        k_poly = min(15, max(1, p // 10))
        poly_idx = rng.choice(p, size=k_poly, replace=False)
        poly = (feats[:, poly_idx] ** 2) @ rng.normal(0, 0.4, k_poly)
        inter = np.zeros(n)
        for _ in range(min(10, max(1, p // 20))):
            i, j = rng.choice(p, size=2, replace=p < 2)
            inter += rng.normal(0, 0.4) * feats[:, i] * feats[:, j]
        f = 0.7 * f + 0.2 * poly + 0.1 * inter
    y = f + float(spec["group_bias"]) * (2 * a - 1) + rng.normal(0, float(spec["noise_sd"]), n)
    y = (y - y.mean()) / y.std()
    y[a == 0] *= group0_scale
    X = np.column_stack([a, feats]).astype(np.float32)
    lb, ub = float(spec["lb"]), float(spec["ub"])
    meta = {**spec, "n_rows": n, "n_features": p, "seed": int(seed), "group0_scale": group0_scale,
            "outside_box": float(np.mean((y < lb) | (y > ub))),
            "group_means": [float(y[a == 0].mean()) if (a == 0).any() else float("nan"),
                            float(y[a == 1].mean()) if (a == 1).any() else float("nan")]}
    return FairData(X=X, y=y.astype(np.float32), groups=a, group_names=["a"],
                    feature_names=["a"] + [f"x{j}" for j in range(p)], meta=meta)


# --------------------------------------------------------------------------------------------
# helpers

def _require(frame: pd.DataFrame, columns: list[str], source: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{source}: missing column(s) {missing}; found {list(frame.columns)[:40]}")


def _numeric(frame: pd.DataFrame, column: str, source: str, *, allow_missing: bool = True) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if not allow_missing:
        bad = bad | frame[column].isna()
    if bad.any():
        rows = [int(r) for r in np.flatnonzero(bad.to_numpy())[:5]]
        raise DataError(f"{source}: column {column!r} must be numeric; bad values at rows {rows} "
                        f"(e.g. {frame[column].iloc[rows[0]]!r})")
    return values


def _read_table(path: str | os.PathLike, what: str) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: {what} file not found")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, encoding="utf-8-sig", low_memory=False)
        elif suffix == ".xls":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pandas' xlrd-engine deprecation notice
                frame = pd.read_excel(path, engine="xlrd")
        elif suffix == ".xlsx":
            frame = pd.read_excel(path)
        else:
            raise DataError(f"{path}: unsupported {what} file type {suffix!r} (expected .csv/.xls/.xlsx)")
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"{path}: cannot read {what} table: {exc}") from exc
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    if frame.empty:
        raise DataError(f"{path}: {what} table has no rows")
    return frame


# --------------------------------------------------------------------------------------------
# (b) SBA loans

SBA_CATEGORICAL = ["ApprovalFY", "FranchiseCode", "NAICS", "LowDoc"]
SBA_TOP2 = ["RevLineCr", "BankState"]
SBA_CONTINUOUS = ["Term", "NoEmp", "CreateJob", "RetainedJob", "GrAppv", "SBA_Appv", "Portion",
                  "DisbursementGross"]
SBA_BINARY = ["RealEstate", "Recession"]
#: columns the SBA preparation reads
SBA_REQUIRED = (["MIS_Status", "NewExist", "UrbanRural", "Bank"] + SBA_CATEGORICAL + SBA_TOP2
                + SBA_CONTINUOUS + SBA_BINARY)


def read_sba(path: str | os.PathLike) -> pd.DataFrame:
    """Read ``SBAcase.11.13.17.csv`` and check the columns used (DataError otherwise)."""
    frame = _read_table(path, "SBA loans")
    _require(frame, SBA_REQUIRED, str(path))
    return frame


def _bank_family(bank: pd.Series) -> pd.Series:
    s = bank.astype("string").fillna("Missing").str.upper()
    out = np.where(s.str.contains("WELLS") & s.str.contains("FARGO"), "WellsFargo",
                   np.where(s.str.contains("BANK") & s.str.contains("AMERICA"), "BankOfAmerica", "Other"))
    return pd.Series(out, index=bank.index)


def _as_level(series: pd.Series) -> pd.Series:
    s = series.copy()
    numeric = pd.to_numeric(s, errors="coerce")
    if numeric.notna().sum() == s.notna().sum():  # numeric codes: 2001.0 -> "2001"
        s = numeric.map(lambda v: "Missing" if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v)))
    return s.astype("string").fillna("Missing").str.strip()


def prepare_sba(source: str | os.PathLike | pd.DataFrame, fit_rows: np.ndarray | None = None) -> FairData:
    """SBA loans features, default target and protected flags (module docstring, (b)).

    Args:
        source: Path of ``SBAcase.11.13.17.csv`` or an already read table.
        fit_rows: Positions of the rows used to fit levels and scaling (the training split);
            all rows when ``None``.

    Returns:
        :class:`FairData`: ``groups`` = ``(n, 2)`` [new_business, urban], ``y`` = default (0/1).

    Raises:
        DataError: Missing column, non-numeric value in a numeric column, unknown loan status.
    """
    name = "<table>" if isinstance(source, pd.DataFrame) else str(source)
    frame = source.copy() if isinstance(source, pd.DataFrame) else read_sba(source)
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    _require(frame, SBA_REQUIRED, name)
    frame = frame.reset_index(drop=True)
    status = frame["MIS_Status"].astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    bad = ~status.isin(["CHGOFF", "PIF"])
    if bad.any():
        rows = [int(r) for r in np.flatnonzero(bad.to_numpy())[:5]]
        raise DataError(f"{name}: column 'MIS_Status' must be 'CHGOFF' or 'P I F'; "
                        f"rows {rows} have {frame['MIS_Status'].iloc[rows].tolist()}")
    y = (status == "CHGOFF").to_numpy().astype(np.float32)
    new_exist = _numeric(frame, "NewExist", name)
    urban_rural = _numeric(frame, "UrbanRural", name)
    new_business = (new_exist == 2).to_numpy().astype(np.int64)
    urban = (urban_rural == 1).to_numpy().astype(np.int64)
    n = len(frame)
    fit = np.arange(n) if fit_rows is None else np.asarray(fit_rows)
    blocks: list[pd.DataFrame] = []
    # one-hot categoricals, levels from the fit rows
    cats = {c: _as_level(frame[c]) for c in SBA_CATEGORICAL}
    for c in SBA_TOP2:
        lvl = _as_level(frame[c])
        top = lvl.iloc[fit].value_counts().head(2).index.tolist()
        cats[c] = lvl.where(lvl.isin(top), "Other")
    cats["Bank"] = _bank_family(frame["Bank"])
    for c, lvl in cats.items():
        levels = sorted(lvl.iloc[fit].unique().tolist())
        blocks.append(pd.DataFrame({f"{c}={v}": (lvl == v).to_numpy().astype(np.float32) for v in levels}))
    binary = {c: (_numeric(frame, c, name).fillna(0) != 0).to_numpy().astype(np.float32) for c in SBA_BINARY}
    binary["rural"] = (urban_rural == 2).to_numpy().astype(np.float32)
    blocks.append(pd.DataFrame(binary))
    cont = {c: _numeric(frame, c, name) for c in SBA_CONTINUOUS}
    cont["log1p_DisbursementGross"] = np.log1p(cont["DisbursementGross"].clip(lower=0))
    scaled = {}
    for c, v in cont.items():
        v = pd.Series(np.asarray(v, dtype=float))
        med = float(np.nanmedian(v.iloc[fit]))
        v = v.fillna(med)
        mu, sd = float(v.iloc[fit].mean()), float(v.iloc[fit].std(ddof=0))
        scaled[c] = ((v - mu) / (sd if sd > 0 else 1.0)).to_numpy().astype(np.float32)
    blocks.append(pd.DataFrame(scaled))
    blocks.append(pd.DataFrame({"new_business": new_business.astype(np.float32),
                                "urban": urban.astype(np.float32)}))
    Xf = pd.concat(blocks, axis=1)
    meta = {"source": name, "n_rows": n, "n_features": Xf.shape[1], "default_rate": float(y.mean()),
            "fit_rows": int(len(fit))}
    return FairData(X=Xf.to_numpy(np.float32), y=y, groups=np.column_stack([new_business, urban]),
                    feature_names=list(Xf.columns), group_names=["new_business", "urban"], meta=meta)


# --------------------------------------------------------------------------------------------
# (c) employee wage audit

EMPLOYEE_ONE_HOT = ["Gender", "EducationBackground", "MaritalStatus", "EmpDepartment", "EmpJobRole",
                    "BusinessTravelFrequency", "OverTime", "Attrition"]
#: columns the employee preparation reads
EMPLOYEE_REQUIRED = ["Age", "EmpHourlyRate"] + EMPLOYEE_ONE_HOT
EMPLOYEE_PROTECTED = ["age_50plus", "manager", "male", "technical_degree", "married"]


def read_employee(path: str | os.PathLike) -> pd.DataFrame:
    """Read ``Employee_Performance.xls`` (pandas + xlrd; ``.csv`` accepted for fixtures)."""
    frame = _read_table(path, "employee performance")
    _require(frame, EMPLOYEE_REQUIRED, str(path))
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
    _require(frame, EMPLOYEE_REQUIRED, name)
    frame = frame.reset_index(drop=True).drop(columns=[c for c in ["EmpNumber"] if c in frame.columns])
    wage = _numeric(frame, "EmpHourlyRate", name, allow_missing=False)
    age = _numeric(frame, "Age", name, allow_missing=False)
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
    num = pd.DataFrame({c: _numeric(frame, c, name) for c in numeric_cols})
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
