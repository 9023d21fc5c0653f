"""SBA loans (Li, Mickel & Taylor 2018 teaching case), as the fairness-layer study uses them (experiment 2).

Reference note ``shared/reference/fairness_layer.md``. (:func:`prepare_sba`, file ``SBAcase.11.13.17.csv``, 2,101 loans x 35
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
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from fairopt.core.errors import DataError
from fairopt.data.container import FairData
from fairopt.data.tabular import levels, numeric, one_hot, read_table, require_columns, require_rows

__all__ = ['SBA_REQUIRED', 'read_sba', 'prepare_sba']


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
    frame = read_table(path, "SBA loans", csv={"encoding": "utf-8-sig", "low_memory": False})
    require_columns(frame, SBA_REQUIRED, str(path))
    return frame


def _bank_family(bank: pd.Series) -> pd.Series:
    s = bank.astype("string").fillna("Missing").str.upper()
    out = np.where(s.str.contains("WELLS") & s.str.contains("FARGO"), "WellsFargo",
                   np.where(s.str.contains("BANK") & s.str.contains("AMERICA"), "BankOfAmerica", "Other"))
    return pd.Series(out, index=bank.index)


def prepare_sba(source: str | os.PathLike | pd.DataFrame, fit_rows: np.ndarray | None = None) -> FairData:
    """SBA loans features, default target and protected flags (module docstring).

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
    require_columns(frame, SBA_REQUIRED, name)
    require_rows(frame, name, "SBA loans")
    frame = frame.reset_index(drop=True)
    status = frame["MIS_Status"].astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    bad = ~status.isin(["CHGOFF", "PIF"])
    if bad.any():
        rows = [int(r) for r in np.flatnonzero(bad.to_numpy())[:5]]
        raise DataError(f"{name}: column 'MIS_Status' must be 'CHGOFF' or 'P I F'; "
                        f"rows {rows} have {frame['MIS_Status'].iloc[rows].tolist()}")
    y = (status == "CHGOFF").to_numpy().astype(np.float32)
    new_exist = numeric(frame, "NewExist", name)
    urban_rural = numeric(frame, "UrbanRural", name)
    new_business = (new_exist == 2).to_numpy().astype(np.int64)
    urban = (urban_rural == 1).to_numpy().astype(np.int64)
    n = len(frame)
    fit = np.arange(n) if fit_rows is None else np.asarray(fit_rows)
    blocks: list[pd.DataFrame] = []
    # one-hot categoricals, levels from the fit rows
    cats = {c: levels(frame[c]) for c in SBA_CATEGORICAL}
    for c in SBA_TOP2:
        lvl = levels(frame[c])
        top = lvl.iloc[fit].value_counts().head(2).index.tolist()
        cats[c] = lvl.where(lvl.isin(top), "Other")
    cats["Bank"] = _bank_family(frame["Bank"])
    for c, lvl in cats.items():
        blocks.append(one_hot(lvl, c, fit))
    binary = {c: (numeric(frame, c, name).fillna(0) != 0).to_numpy().astype(np.float32) for c in SBA_BINARY}
    binary["rural"] = (urban_rural == 2).to_numpy().astype(np.float32)
    blocks.append(pd.DataFrame(binary))
    cont = {c: numeric(frame, c, name) for c in SBA_CONTINUOUS}
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
