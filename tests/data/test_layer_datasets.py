"""The fairness-layer study's datasets (fairopt.data): the 2^5 synthetic design, SBA loans, the employee audit."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairopt.core.errors import ConfigError, DataError
from fairopt.core.splits import split_indices, stratified_batches
from fairopt.data.employee import prepare_employee
from fairopt.data.sba import prepare_sba
from fairopt.data.synthetic.layer import make_synthetic, synthetic_design
from fairopt.methods.flayer.constraints import build_slabs
from tests.conftest import mirror_dir


def test_synthetic_design_and_generator():
    design = synthetic_design()
    assert len(design) == 32 and design["index"].tolist() == list(range(32))
    for col, levels in {"group_share": {0.2, 0.5}, "correlation": {0.3, 0.7}, "group_bias": {3.0, 6.0},
                        "noise_sd": {0.125, 0.6}, "lb": {-3.5, 0.0}, "target": {"linear", "nonlinear"}}.items():
        assert set(design[col]) == levels
    assert len(design.drop_duplicates(["group_share", "correlation", "noise_sd", "lb", "target"])) == 32
    assert set(zip(design["correlation"], design["group_bias"])) == {(0.3, 3.0), (0.7, 6.0)}
    d = make_synthetic(31, n_rows=3000, n_features=24, seed=3)
    assert d.X.shape == (3000, 25) and d.X.dtype == np.float32 and d.y.shape == (3000,)
    assert np.array_equal(d.X[:, 0], d.groups) and set(np.unique(d.groups)) == {0, 1}
    assert abs(d.groups.mean() - 0.5) < 0.05 and (d.meta["lb"], d.meta["ub"]) == (0.0, 3.5)
    assert d.meta["target"] == "nonlinear" and d.meta["group_means"][1] > d.meta["group_means"][0]
    corr = [abs(np.corrcoef(d.X[:, 0], d.X[:, j])[0, 1]) for j in range(1, 25)]
    assert max(corr) > 0.6  # strong group-feature correlation level (0.7)
    again = make_synthetic(31, n_rows=3000, n_features=24, seed=3)
    assert np.array_equal(again.X, d.X) and np.array_equal(again.y, d.y)
    assert not np.array_equal(make_synthetic(31, n_rows=3000, n_features=24, seed=4).y, d.y)
    small = make_synthetic(0, n_rows=2000, n_features=10, seed=0)
    assert small.groups.sum() == 400 and small.meta["lb"] == -3.5  # exactly share x n rows of group 1
    assert d.groups.sum() == 1500


def test_synthetic_split_and_equal_batches_use_every_row():
    """The paper's proportions (40k rows, 24k/10k/6k, batch 2000) scaled by 1/10: no row is dropped."""
    data = make_synthetic(0, n_rows=4000, n_features=4, seed=0)
    rng = np.random.default_rng(0)
    for part, n_part in zip(split_indices(len(data), [2400, 1000, 600], 0, stratify=data.groups), (2400, 1000, 600)):
        assert len(part) == n_part and data.groups[part].sum() == n_part // 5
        batches = stratified_batches(data.groups[part], 200, rng, equal_counts=True)
        assert sum(len(b) for b in batches) == n_part
    with pytest.raises(ConfigError):
        make_synthetic(32, n_rows=10, n_features=3)


def _sba_table() -> pd.DataFrame:
    return pd.DataFrame({
        "Selected": [1, 0, 1, 1], "LoanNr_ChkDgt": [1, 2, 3, 4], "Name": list("ABCD"),
        "Bank": ["WELLS FARGO BANK NATL ASSOC", "BANK OF AMERICA NATL ASSOC", "CITIBANK", None],
        "BankState": ["CA", "CA", "NY", "SD"], "NAICS": [531210, 532111, 531210, 531390],
        "ApprovalFY": [2001, 2003, 2001, 2006], "Term": [36, 84, 240, np.nan], "NoEmp": [1, 10, 3, 2],
        "NewExist": [1.0, 2.0, np.nan, 2.0], "CreateJob": [0, 2, 1, 0], "RetainedJob": [0, 3, 1, 1],
        "FranchiseCode": [1, 0, 1, 15710], "UrbanRural": [1, 2, 0, 1], "RevLineCr": ["Y", "N", "N", "T"],
        "LowDoc": ["N", "Y", "N", None], "ChgOffDate": [np.nan, 18641, np.nan, 17000],
        "DisbursementGross": [32812, 30000, 50000, 1000], "MIS_Status": ["P I F", "CHGOFF", "P I F", "CHGOFF"],
        "ChgOffPrinGr": [0, 1000, 0, 500], "GrAppv": [30000, 50000, 20000, 1000],
        "SBA_Appv": [15000, 25000, 10000, 500], "RealEstate": [0, 1, 0, 0], "Recession": [0, 0, 1, 0],
        "Portion": [0.5, 0.5, 0.75, 0.5], "Default": [0, 1, 0, 1],
    })


def test_sba_preparation_on_hand_made_table(tmp_path):
    table = _sba_table()
    d = prepare_sba(table)
    assert d.y.tolist() == [0, 1, 0, 1]
    assert d.groups.tolist() == [[0, 1], [1, 0], [0, 0], [1, 1]]
    assert d.feature_names[-2:] == ["new_business", "urban"]
    assert np.array_equal(d.X[:, -2:], d.groups)
    for leak in ("ChgOffDate", "ChgOffPrinGr", "Default", "MIS_Status", "LoanNr_ChkDgt", "Name", "Selected"):
        assert not any(f == leak or f.startswith(leak + "=") for f in d.feature_names)
    assert {"Bank=WellsFargo", "Bank=BankOfAmerica", "Bank=Other", "rural", "ApprovalFY=2001"} <= set(d.feature_names)
    assert np.isfinite(d.X).all()
    # levels and scaling from the fit rows only: 2006 unseen -> no column
    fitted = prepare_sba(table, fit_rows=np.array([0, 1, 2]))
    assert "ApprovalFY=2006" not in fitted.feature_names
    path = tmp_path / "sba.csv"
    table.to_csv(path, index=False)
    assert np.allclose(prepare_sba(path).X, d.X)
    with pytest.raises(DataError, match=r"sba_missing\.csv.*MIS_Status"):
        table.drop(columns=["MIS_Status"]).to_csv(tmp_path / "sba_missing.csv", index=False)
        prepare_sba(tmp_path / "sba_missing.csv")
    bad = table.copy()
    bad.loc[2, "MIS_Status"] = "UNKNOWN"
    with pytest.raises(DataError, match="MIS_Status.*rows \\[2\\]"):
        prepare_sba(bad)
    bad = table.copy()
    bad["Term"] = bad["Term"].astype(object)
    bad.loc[1, "Term"] = "ten"
    with pytest.raises(DataError, match="'Term' must be numeric"):
        prepare_sba(bad)


def _employee_table() -> pd.DataFrame:
    return pd.DataFrame({
        "EmpNumber": ["E1", "E2", "E3", "E4"], "Age": [32, 55, 50, 41],
        "Gender": ["Male", "Female", "Male", "Female"],
        "EducationBackground": ["Marketing", "Technical Degree", "Life Sciences", "Technical Degree"],
        "MaritalStatus": ["Single", "Married", "Married", "Divorced"],
        "EmpDepartment": ["Sales", "Development", "Sales", "Finance"],
        "EmpJobRole": ["Sales Executive", "Manager R&D", "Senior Manager R&D", "Developer"],
        "BusinessTravelFrequency": ["Travel_Rarely"] * 4, "DistanceFromHome": [10, 2, 5, 7],
        "EmpHourlyRate": [55, 40, 100, 70], "OverTime": ["No", "Yes", "No", "No"],
        "Attrition": ["No", "No", "Yes", "No"], "PerformanceRating": [3, 4, 3, 3],
    })


def test_employee_preparation_on_hand_made_table(tmp_path):
    d = prepare_employee(_employee_table())
    assert np.allclose(d.y, [0.25, 0.0, 1.0, 0.5])
    # age >= 50, manager, male, technical degree, married
    assert d.groups.tolist() == [[0, 0, 1, 0, 0], [1, 1, 0, 1, 1], [1, 1, 1, 0, 1], [0, 0, 0, 1, 0]]
    assert "EmpNumber" not in d.feature_names and "EmpHourlyRate" not in d.feature_names
    assert {"Age_50plus", "IsManager", "Gender_Male", "EducationBackground_Technical Degree",
            "MaritalStatus_Married"} <= set(d.feature_names)
    assert abs(d.X[:, d.feature_names.index("Age")].mean()) < 1e-6
    # 10 groups: both sides of the 5 attributes (all present here)
    assert build_slabs("residual_parity", d.groups, 4, 1e-4, has_targets=True).m == 10
    path = tmp_path / "emp.csv"
    _employee_table().to_csv(path, index=False)
    assert np.allclose(prepare_employee(path).X, d.X)
    _employee_table().drop(columns=["EmpJobRole"]).to_csv(tmp_path / "emp_bad.csv", index=False)
    with pytest.raises(DataError, match=r"emp_bad\.csv.*EmpJobRole"):
        prepare_employee(tmp_path / "emp_bad.csv")
    with pytest.raises(DataError, match="not found"):
        prepare_employee(tmp_path / "nope.xls")
    bad = _employee_table()
    bad["EmpHourlyRate"] = 50
    with pytest.raises(DataError, match="constant"):
        prepare_employee(bad)



@pytest.mark.slow
def test_real_files_from_mirror():
    root = mirror_dir()
    emp, sba = root / "employee_performance" / "Employee_Performance.xls", root / "sba_loans" / "SBAcase.11.13.17.csv"
    if not (emp.is_file() and sba.is_file()):
        pytest.skip(f"raw files not found under {root}")
    e = prepare_employee(emp)
    assert e.X.shape == (1200, 63) and e.groups.shape == (1200, 5)
    assert e.feature_names[18:20] == ["Age_50plus", "IsManager"]
    s = prepare_sba(sba)
    assert s.X.shape[0] == 2101 and 100 <= s.X.shape[1] <= 120
    assert s.y.sum() == 686
