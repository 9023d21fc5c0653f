"""The DAFH study's datasets: Adult, COMPAS Arrest/Violent, German credit, Bank marketing, the Figure-1 generator.

Small hand-made fixture files check parsing, encoding, labels, sensitive codes and one-line
DataErrors; the ``slow`` tests read the real files of the data mirror (skipped when absent).
"""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from fairopt.core.errors import DataError
from fairopt.data.adult import load_adult
from fairopt.data.bank import load_bank
from fairopt.data.compas import load_compas
from fairopt.data.tabular import label_agreement
from fairopt.data.container import FairData
from fairopt.data.german import load_german
from fairopt.data.synthetic.dafh import make_synthetic
from tests.conftest import mirror_dir

SENSITIVE_RAW = {"adult": ("race", "sex", "marital-status"), "compas": ("race", "sex", "age_cat", "age"),
                 "german": ("personal_status_sex",), "bank": ("age",)}


def _assert_no_sensitive(data: FairData, raw: tuple[str, ...]) -> None:
    for name in data.feature_names:
        column = name.split("=", 1)[0]
        assert column not in raw, f"sensitive column {column!r} in X ({name!r})"
        assert column not in data.group_names
    assert data.X.dtype == np.float64 and data.y.dtype == np.float64
    assert data.groups.dtype == np.int64 and data.groups.shape == (len(data), len(data.group_names))
    assert set(np.unique(data.y)) <= {0.0, 1.0}
    assert np.isfinite(data.X).all()
    assert data.meta["primary"] in data.group_names
    assert set(data.meta["lr_all"]) <= set(data.group_names)
    for j, attr in enumerate(data.group_names):
        assert set(np.unique(data.groups[:, j])) <= set(data.meta["sensitive"][attr])
    primary = data.groups[:, data.group_names.index(data.meta["primary"])]
    assert set(np.unique(primary)) <= {0, 1}  # the Trivial partition with K = 2


# ---------------------------------------------------------------- Adult

ADULT_DATA = [
    "39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, 2174, 0, 40, "
    "United-States, <=50K",
    "50, Self-emp-not-inc, 83311, Bachelors, 13, Married-civ-spouse, Exec-managerial, Husband, White, Male, 0, 0, "
    "13, United-States, >50K",
    "38, ?, 215646, HS-grad, 9, Divorced, ?, Not-in-family, Black, Female, 0, 0, 40, ?, <=50K",
]
ADULT_TEST = [
    "|1x3 Cross validator",
    "25, Private, 226802, 11th, 7, Widowed, Machine-op-inspct, Unmarried, Asian-Pac-Islander, Female, 0, 0, 40, "
    "Cuba, >50K.",
    "44, Private, 160323, Some-college, 10, Separated, Sales, Own-child, White, Female, 7688, 0, 40, "
    "United-States, <=50K.",
]


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n")
    return path


def test_adult_parse_and_encoding(tmp_path):
    data = load_adult(_write(tmp_path / "adult.data", ADULT_DATA), _write(tmp_path / "adult.test", ADULT_TEST))
    assert len(data) == 5
    assert data.y.tolist() == [0.0, 1.0, 0.0, 1.0, 0.0]
    assert data.group_names == ["race", "sex", "marital_status"]
    assert data.groups.tolist() == [[0, 0, 1], [0, 0, 0], [1, 1, 2], [1, 1, 2], [0, 1, 2]]
    names = data.feature_names
    assert names[:6] == ["age", "workclass=Missing", "workclass=Private", "workclass=Self-emp-not-inc",
                         "workclass=State-gov", "fnlwgt"]
    assert [n for n in names if n.startswith("native-country=")] == [
        "native-country=Cuba", "native-country=Missing", "native-country=United-States"]
    assert "occupation=Missing" in names and "relationship=Husband" in names
    assert data.X[:, names.index("age")].tolist() == [39.0, 50.0, 38.0, 25.0, 44.0]  # not standardised
    assert data.X[:, names.index("capital-gain")].tolist() == [2174.0, 0.0, 0.0, 0.0, 7688.0]
    assert data.X[:, names.index("workclass=Missing")].tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]
    onehots = [n for n in names if "=" in n]
    assert data.X[:, [names.index(n) for n in onehots]].sum() == 5 * 5  # five one-hot attributes per row
    _assert_no_sensitive(data, SENSITIVE_RAW["adult"])
    assert data.meta["n_rows"] == {"adult.data": 3, "adult.test": 2, "total": 5}
    assert data.meta["n_rows_with_missing"] == 1
    assert data.meta["label_rate"] == pytest.approx(0.4)
    alone = load_adult(tmp_path / "adult.data", None)
    assert len(alone) == 3 and alone.feature_names != names
    data.save(tmp_path / "adult.npz")
    back = FairData.load(tmp_path / "adult.npz")
    assert np.array_equal(back.X, data.X) and back.meta["primary"] == "race"


def test_adult_errors(tmp_path):
    good = _write(tmp_path / "adult.data", ADULT_DATA)
    with pytest.raises(DataError, match=r"nope\.test: Adult file not found"):
        load_adult(good, tmp_path / "nope.test")
    short = _write(tmp_path / "short.data", [", ".join(r.split(", ")[:-1]) for r in ADULT_DATA])
    with pytest.raises(DataError, match=r"short\.data: expected 15 .*'income'.*found 14"):
        load_adult(short, None)
    label = _write(tmp_path / "label.test", ADULT_TEST[:2] + [ADULT_TEST[2].replace("<=50K.", "<=60K.")])
    with pytest.raises(DataError, match=r"label\.test: column 'income' .* file lines \[3\]") as err:
        load_adult(good, label)
    assert "\n" not in str(err.value)
    age = _write(tmp_path / "age.data", [ADULT_DATA[0], "?" + ADULT_DATA[1][2:]])
    with pytest.raises(DataError, match=r"age\.data: column 'age' must be numeric.* file lines \[2\]"):
        load_adult(age, None)
    sex = _write(tmp_path / "sex.data", [ADULT_DATA[0].replace("Male", "?")])
    with pytest.raises(DataError, match=r"sex\.data: column 'sex' .* file lines \[1\]"):
        load_adult(sex, None)


# ---------------------------------------------------------------- COMPAS

COMPAS_HEADER = ("id,name,sex,age,age_cat,race,juv_fel_count,decile_score,juv_misd_count,juv_other_count,"
                 "priors_count,days_b_screening_arrest,c_days_from_compas,c_charge_degree,c_charge_desc,is_recid,"
                 "v_decile_score,two_year_recid")
#   race, sex, age_cat, juv_fel, juv_misd, juv_other, priors, c_days, degree, label
COMPAS_ROWS = [
    ("Caucasian", "Male", "Greater than 45", 0, 0, 0, 0, 1, "F", 0),
    ("African-American", "Male", "25 - 45", 0, 0, 1, 4, 1, "F", 1),
    ("African-American", "Female", "Less than 25", 1, 0, 0, 1, "", "M", 1),
    ("Hispanic", "Female", "25 - 45", 0, 1, 0, 0, 0, "M", 0),
    ("Caucasian", "Female", "Less than 25", 0, 0, 0, 2, 3, "F", 0),
    ("Other", "Male", "Greater than 45", 0, 0, 0, 6, 1, "M", 1),
    ("Caucasian", "Male", "25 - 45", 0, 1, 0, 3, 0, "F", 1),
    ("Asian", "Male", "Less than 25", 0, 0, 0, 1, 1, "M", 0),
]
AGE = {"Less than 25": 22, "25 - 45": 33, "Greater than 45": 55}


def _compas_csv(path, rows=COMPAS_ROWS, *, violent=False, drop=None, label=None):
    header = COMPAS_HEADER + (",two_year_recid" if violent else "")
    lines = [header]
    for i, (race, sex, cat, fel, misd, other, priors, days, degree, y) in enumerate(rows):
        y = y if label is None else label(i, y)
        fields = [i + 1, f"person {i}", sex, AGE.get(cat, 30), cat, race, fel, 5, misd, other, priors, -1, days, degree,
                  "Battery", y, 3, y] + ([y] if violent else [])
        lines.append(",".join(map(str, fields)))
    if drop:
        cols = header.split(",")
        k = cols.index(drop)
        lines = [",".join(c for j, c in enumerate(line.split(",")) if j != k) for line in lines]
    return _write(path, lines)


def test_compas_parse_and_encoding(tmp_path):
    data = load_compas(_compas_csv(tmp_path / "compas-scores-two-years.csv"), "arrest")
    assert data.feature_names == ["juv_fel_count", "juv_misd_count", "juv_other_count", "priors_count",
                                  "c_days_from_compas", "c_days_from_compas=Missing", "c_charge_degree=F",
                                  "c_charge_degree=M"]
    assert data.y.tolist() == [float(r[-1]) for r in COMPAS_ROWS]
    assert data.group_names == ["race", "sex", "age"]
    assert data.groups[:, 0].tolist() == [0, 1, 1, 1, 0, 1, 0, 1]  # White (Caucasian) = 0
    assert data.groups[:, 1].tolist() == [0, 0, 1, 1, 1, 0, 0, 0]
    assert data.groups[:, 2].tolist() == [2, 1, 0, 1, 0, 2, 1, 0]
    assert data.X[2, 4] == 0.0 and data.X[2, 5] == 1.0  # missing c_days_from_compas -> 0 + flag
    assert data.X[:, 3].tolist() == [0, 4, 1, 0, 2, 6, 3, 1]
    for leaked in ("is_recid", "decile_score", "v_decile_score", "days_b_screening_arrest", "id", "name"):
        assert leaked not in data.feature_names and leaked in data.meta["dropped"]
    _assert_no_sensitive(data, SENSITIVE_RAW["compas"])
    assert data.meta["lr_all"] == ["sex", "age"] and data.meta["primary"] == "race"
    assert data.meta["race_values"]["Caucasian"] == 3
    desc = load_compas(tmp_path / "compas-scores-two-years.csv", charge_desc=True)
    assert desc.feature_names[-1] == "c_charge_desc=Battery"


def test_compas_leakage_guard(tmp_path):
    assert label_agreement(np.array([[0.0], [1.0], [1.0], [0.0]]), np.array([1, 0, 0, 1])) == pytest.approx([1.0])
    assert label_agreement(np.array([[1.0], [2.0], [3.0], [10.0]]), np.array([0, 0, 1, 1]))[0] == 1.0
    assert label_agreement(np.ones((4, 1)), np.array([0, 1, 1, 1]))[0] == 0.75  # constant: base rate
    assert label_agreement(np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([0, 1, 0, 1]))[0] == 0.75
    rows = [r[:6] + (r[-1],) + r[7:] for r in COMPAS_ROWS]  # priors_count := the label
    path = _compas_csv(tmp_path / "leak.csv", rows)
    with pytest.raises(DataError, match=r"leak\.csv: column 'priors_count' agrees with the label .*100\.0%"):
        load_compas(path)
    assert load_compas(path, max_agreement=1.0).meta["max_label_agreement"]["column"] == "priors_count"


def test_compas_errors(tmp_path):
    with pytest.raises(DataError, match=r"none\.csv: COMPAS arrest file not found"):
        load_compas(tmp_path / "none.csv")
    with pytest.raises(DataError, match=r"nosex\.csv: missing column\(s\) \['sex'\]"):
        load_compas(_compas_csv(tmp_path / "nosex.csv", drop="sex"))
    bad = _compas_csv(tmp_path / "bad.csv", label=lambda i, y: 2 if i == 3 else y)
    with pytest.raises(DataError, match=r"bad\.csv: column 'two_year_recid' must be 0 or 1.*file lines \[5\]"):
        load_compas(bad)
    arrest = _compas_csv(tmp_path / "arrest.csv")
    violent = _compas_csv(tmp_path / "violent.csv", violent=True)
    with pytest.raises(DataError, match=r"arrest\.csv: .*'two_year_recid\.1' is absent.*arrest file, not the violent"):
        load_compas(arrest, "violent")
    with pytest.raises(DataError, match=r"violent\.csv: .*violent file, not the arrest"):
        load_compas(violent, "arrest")
    assert load_compas(violent, "violent").meta["dropped"]["two_year_recid.1"] == "copy of the label"
    rows = list(COMPAS_ROWS)
    rows[1] = rows[1][:2] + ("Unknown",) + rows[1][3:]
    with pytest.raises(DataError, match=r"cat\.csv: column 'age_cat' must be one of .*file lines \[3\]"):
        load_compas(_compas_csv(tmp_path / "cat.csv", rows))
    with pytest.raises(ValueError, match="outcome"):
        load_compas(arrest, "drug")


# ---------------------------------------------------------------- German credit

GERMAN_ROWS = [
    "A11 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143 A152 2 A173 1 A192 A201 1",
    "A12 48 A32 A43 5951 A61 A73 2 A92 A101 2 A121 22 A143 A152 1 A173 1 A191 A201 2",
    "A14 12 A34 A46 2096 A61 A74 2 A95 A101 3 A121 49 A143 A152 1 A172 2 A191 A201 1",
    "A11 42 A32 A410 7882 A61 A74 2 A91 A103 4 A122 45 A143 A153 1 A173 2 A191 A202 1",
]


def test_german_parse_and_encoding(tmp_path):
    data = load_german(_write(tmp_path / "german.data", GERMAN_ROWS))
    assert data.y.tolist() == [1.0, 0.0, 1.0, 1.0]  # 1 = good credit
    assert data.group_names == ["sex"] and data.groups[:, 0].tolist() == [0, 1, 1, 0]  # A92/A95 female
    names = data.feature_names
    assert [n for n in names if n.startswith("purpose=")] == ["purpose=A43", "purpose=A46", "purpose=A410"]
    assert data.X[:, names.index("age")].tolist() == [67.0, 22.0, 49.0, 45.0]  # age is not sensitive here
    assert data.X[:, names.index("credit_amount")].tolist() == [1169.0, 5951.0, 2096.0, 7882.0]
    assert data.X[:, names.index("foreign_worker=A202")].tolist() == [0.0, 0.0, 0.0, 1.0]
    _assert_no_sensitive(data, SENSITIVE_RAW["german"])
    assert not any(n.startswith("personal_status") for n in names)
    assert data.meta["label_rate"] == 0.75 and data.meta["lr_all"] == ["sex"]


def test_german_errors(tmp_path):
    with pytest.raises(DataError, match=r"g\.data: German credit file not found"):
        load_german(tmp_path / "g.data")
    bad = _write(tmp_path / "bad.data", GERMAN_ROWS[:2] + [GERMAN_ROWS[2][:-1] + "3"])
    with pytest.raises(DataError, match=r"bad\.data: column 'credit' must be 1 \(good\) or 2 \(bad\).*lines \[3\]"):
        load_german(bad)
    short = _write(tmp_path / "short.data", [r.rsplit(" ", 1)[0] for r in GERMAN_ROWS])
    with pytest.raises(DataError, match=r"short\.data: expected 21 .*found 20"):
        load_german(short)
    code = _write(tmp_path / "code.data", [GERMAN_ROWS[0], GERMAN_ROWS[1].replace("A12", "A19", 1)])
    with pytest.raises(DataError, match=r"code\.data: column 'checking_status' must be one of .*lines \[2\]"):
        load_german(code)
    amount = _write(tmp_path / "amount.data", [GERMAN_ROWS[0].replace("1169", "lots")])
    with pytest.raises(DataError, match=r"amount\.data: column 'credit_amount' must be numeric.*lines \[1\]"):
        load_german(amount)


# ---------------------------------------------------------------- Bank marketing

BANK_HEADER = ('"age";"job";"marital";"education";"default";"balance";"housing";"loan";"contact";"day";"month";'
               '"duration";"campaign";"pdays";"previous";"poutcome";"y"')
BANK_ROWS = [
    '20;"student";"single";"secondary";"no";100;"no";"no";"cellular";5;"may";261;1;-1;0;"unknown";"no"',
    '24;"admin.";"single";"tertiary";"no";-50;"yes";"no";"unknown";6;"jun";151;2;-1;0;"unknown";"yes"',
    '30;"technician";"married";"secondary";"no";2143;"yes";"yes";"cellular";7;"may";76;1;180;2;"failure";"no"',
    '45;"management";"married";"tertiary";"yes";0;"no";"no";"telephone";8;"aug";92;3;-1;0;"unknown";"no"',
    '61;"retired";"divorced";"unknown";"no";900;"no";"no";"cellular";9;"oct";198;1;92;1;"success";"yes"',
    '70;"retired";"married";"primary";"no";300;"no";"no";"telephone";10;"oct";139;1;-1;0;"unknown";"no"',
]


def test_bank_parse_and_encoding(tmp_path):
    path = _write(tmp_path / "bank-full.csv", [BANK_HEADER] + BANK_ROWS)
    data = load_bank(path)
    assert data.y.tolist() == [0.0, 1.0, 0.0, 0.0, 1.0, 0.0]
    assert data.group_names == ["age"] and data.groups[:, 0].tolist() == [1, 1, 0, 0, 0, 0]  # age < 25
    assert data.meta["sensitive"]["age"] == {0: "age >= 25", 1: "age < 25"}
    names = data.feature_names
    assert "duration" not in names and "age" not in names
    assert names[:3] == ["job=admin.", "job=management", "job=retired"]
    assert data.X[:, names.index("balance")].tolist() == [100.0, -50.0, 2143.0, 0.0, 900.0, 300.0]
    assert data.X[:, names.index("pdays")].tolist() == [-1.0, -1.0, 180.0, -1.0, 92.0, -1.0]
    assert data.X[:, names.index("default=yes")].tolist() == [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    _assert_no_sensitive(data, SENSITIVE_RAW["bank"])
    assert "duration" in data.meta["dropped"]
    between = load_bank(path, age_cut=(25, 60))
    assert between.groups[:, 0].tolist() == [1, 1, 0, 0, 1, 1]
    assert between.meta["age_cut"] == [25.0, 60.0]
    assert load_bank(path, age_cut=np.int64(46)).groups[:, 0].tolist() == [1, 1, 1, 1, 0, 0]
    for bad_cut in ((60, 25), "25", float("nan")):
        with pytest.raises(ValueError, match="age_cut"):
            load_bank(path, age_cut=bad_cut)


def test_bank_errors(tmp_path):
    with pytest.raises(DataError, match=r"b\.csv: bank marketing file not found"):
        load_bank(tmp_path / "b.csv")
    bad = _write(tmp_path / "bad.csv", [BANK_HEADER] + BANK_ROWS[:3] + [BANK_ROWS[3][:-4] + '"maybe"'])
    with pytest.raises(DataError, match=r"bad\.csv: column 'y' has values other than 'yes'/'no' at file lines \[5\]"):
        load_bank(bad)
    k = BANK_HEADER.split(";").index('"poutcome"')
    lines = [";".join(f for j, f in enumerate(line.split(";")) if j != k) for line in [BANK_HEADER] + BANK_ROWS]
    with pytest.raises(DataError, match=r"nopout\.csv: missing column\(s\) \['poutcome'\]"):
        load_bank(_write(tmp_path / "nopout.csv", lines))
    text = _write(tmp_path / "text.csv", [BANK_HEADER, BANK_ROWS[0].replace(";100;", ";lots;")])
    with pytest.raises(DataError, match=r"text\.csv: column 'balance' must be numeric.*lines \[2\]"):
        load_bank(text)


# ---------------------------------------------------------------- synthetic (Figure 1)

def _partition_accuracy(X, y, part):
    correct = 0
    for g in np.unique(part):
        rows = part == g
        correct += (LogisticRegression().fit(X[rows], y[rows]).predict(X[rows]) == y[rows]).sum()
    return correct / len(y)


def test_synthetic_properties():
    data = make_synthetic(n=20_000, seed=0)
    X, y, s1, s2 = data.X, data.y, data.groups[:, 0], data.groups[:, 1]
    assert X.shape == (20_000, 2) and data.feature_names == ["x1", "x2"] and data.group_names == ["s1", "s2"]
    sub = 2 * s1 + s2
    assert np.bincount(sub).min() > 4_500 and 0.48 < y.mean() < 0.52
    pooled = _partition_accuracy(X, y, np.zeros_like(sub))
    by_s1, by_s2, both = (_partition_accuracy(X, y, p) for p in (s1, s2, sub))
    assert both > 0.93  # near the subgroup Bayes accuracy Phi(1 / 0.6) = 0.952
    assert both - max(by_s1, by_s2) > 0.15  # (ii) one attribute alone leaves conflicting subgroups together
    assert min(by_s1, by_s2) - pooled > 0.15  # ... but is better than pooling everything
    assert pooled < 0.6
    # (i) four clearly different linear boundaries: pairwise angles between normals of at least 60 degrees
    normals = []
    for g in range(4):
        w = LogisticRegression().fit(X[sub == g], y[sub == g]).coef_[0]
        normals.append(w / np.linalg.norm(w))
    cosines = np.array(normals) @ np.array(normals).T
    assert (cosines[~np.eye(4, dtype=bool)] < 0.5).all()
    # ... and each subgroup's classifier is poor on the other subgroups sharing s1 or s2
    for g, h in ((0, 1), (2, 3), (0, 2), (1, 3)):
        clf = LogisticRegression().fit(X[sub == g], y[sub == g])
        assert (clf.predict(X[sub == h]) == y[sub == h]).mean() < 0.65
    # (iii) the subgroups are recoverable from x alone (demographic-agnostic partition)
    recovered = LogisticRegression().fit(X, sub).predict(X)
    assert (recovered == sub).mean() > 0.97
    # x1 and x2 are each proxies of both attributes (45-degree rotation)
    corr = np.corrcoef(np.column_stack([X, s1, s2]).T)[:2, 2:]
    assert (np.abs(corr) > 0.5).all()
    assert data.meta["seed"] == 0 and data.meta["n"] == 20_000 and data.meta["lr_all"] == ["s1", "s2"]
    assert data.meta["subgroup_bayes_accuracy"] == pytest.approx(0.952, abs=1e-3)


def test_synthetic_reproducible():
    a, b, c = make_synthetic(n=500, seed=3), make_synthetic(n=500, seed=3), make_synthetic(n=500, seed=4)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y) and np.array_equal(a.groups, b.groups)
    assert not np.array_equal(a.X, c.X)
    assert a.X.dtype == np.float64 and a.groups.dtype == np.int64
    with pytest.raises(ValueError, match="noise_sd"):
        make_synthetic(noise_sd=0.0)
    with pytest.raises(ValueError, match="label_angles_deg"):
        make_synthetic(label_angles_deg={(0, 0): 0.0})


# ---------------------------------------------------------------- the real files (slow)

def _mirror_file(*parts):
    path = mirror_dir().joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} not in the data mirror")
    return path


def _real(name):
    if name == "adult":
        return load_adult(_mirror_file("adult", "adult.data"), _mirror_file("adult", "adult.test"))
    if name == "arrest":
        return load_compas(_mirror_file("compas", "compas-scores-two-years.csv"), "arrest")
    if name == "violent":
        return load_compas(_mirror_file("compas", "compas-scores-two-years-violent.csv"), "violent")
    if name == "german":
        return load_german(_mirror_file("german_credit", "german.data"))
    return load_bank(_mirror_file("bank_marketing", "bank-full.csv"))


REAL = {  # rows, label positives, features, raw names of the sensitive columns, LR-All cells
    "adult": (48_842, 11_687, 94, SENSITIVE_RAW["adult"], 12),
    "arrest": (7_214, 3_251, 8, SENSITIVE_RAW["compas"], 6),
    "violent": (4_743, 775, 8, SENSITIVE_RAW["compas"], 6),
    "german": (1_000, 700, 57, SENSITIVE_RAW["german"], 2),
    "bank": (45_211, 5_289, 49, SENSITIVE_RAW["bank"], 2),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(REAL))
def test_real_files(name):
    rows, positives, n_features, sensitive, cells = REAL[name]
    data = _real(name)
    assert data.X.shape == (rows, n_features)
    assert int(data.y.sum()) == positives
    _assert_no_sensitive(data, sensitive)
    agreement = label_agreement(data.X, data.y)
    assert agreement.max() <= 0.95, data.feature_names[int(np.argmax(agreement))]
    lr_all = [data.group_names.index(a) for a in data.meta["lr_all"]]
    assert len(np.unique(data.groups[:, lr_all], axis=0)) == cells
    primary = data.groups[:, data.group_names.index(data.meta["primary"])]
    assert 0 < primary.mean() < 1


@pytest.mark.slow
def test_real_sensitive_counts():
    adult = _real("adult")
    assert adult.meta["n_rows_with_missing"] == 3_620 and adult.meta["n_rows"]["adult.test"] == 16_281
    assert np.bincount(adult.groups[:, 0]).tolist() == [41_762, 7_080]  # White / Non-White
    arrest = _real("arrest")
    assert np.bincount(arrest.groups[:, 0]).tolist() == [2_454, 4_760]
    assert np.bincount(arrest.groups[:, 1]).tolist() == [5_819, 1_395]
    assert np.bincount(arrest.groups[:, 2]).tolist() == [1_529, 4_109, 1_576]
    assert len(np.unique(arrest.groups, axis=0)) == 12  # Figure 3: race x sex x age
    assert np.bincount(_real("german").groups[:, 0]).tolist() == [690, 310]
    assert np.bincount(_real("bank").groups[:, 0]).tolist() == [44_402, 809]
