"""One loader per dataset (fairopt.data): each returns a FairData; malformed files give one-line DataErrors."""
from __future__ import annotations

import pytest

from fairopt.core.errors import DataError
from fairopt.data.communities import load_communities
from fairopt.data.law_school import load_lawschool


def _communities_csv(path, drop=None):
    cols = ["population", "racepctblack", "racePctWhite", "racePctAsian", "racePctHisp",
            "PolicCars", "ViolentCrimesPerPop"]
    rows = [
        ["0.1", "0.6", "0.3", "0.05", "0.05", "?", "0.2"],  # black majority
        ["0.2", "0.1", "0.8", "0.05", "0.05", "0.5", "0.6"],  # white majority
        ["0.3", "0.4", "0.4", "0.1", "0.1", "", "0.4"],  # tie black/white -> black (first)
        ["0.4", "0.1", "0.2", "0.1", "0.6", "0.1", "0.8"],  # hispanic majority
    ]
    if drop:
        idx = cols.index(drop)
        cols = cols[:idx] + cols[idx + 1:]
        rows = [r[:idx] + r[idx + 1:] for r in rows]
    path.write_text("\n".join([",".join(cols)] + [",".join(r) for r in rows]) + "\n")
    return path


def test_communities_preparation(tmp_path):
    path = _communities_csv(tmp_path / "communities.csv")
    data = load_communities(path)
    X, y, a, names = data.X, data.y, data.groups, data.feature_names
    assert names == ["population", "PolicCars", "race"]
    assert a.tolist() == [0, 1, 0, 0]
    assert y == pytest.approx([0.0, 2 / 3, 1 / 3, 1.0])  # min-max of 0.2..0.8
    assert X[:, 1].tolist() == [0.0, 0.5, 0.0, 0.1]  # missing -> 0 (benchmark)
    assert X[:, 2].tolist() == a.tolist()
    dropped = load_communities(path, missing="drop_columns", include_protected=False)
    X2, names2 = dropped.X, dropped.feature_names
    assert names2 == ["population"] and X2.shape == (4, 1)
    X3 = load_communities(path, missing="mean", include_protected=False).X
    assert X3[0, 1] == pytest.approx(0.3)
    bad = _communities_csv(tmp_path / "bad.csv", drop="racePctWhite")
    with pytest.raises(DataError, match=r"bad\.csv.*racePctWhite"):
        load_communities(bad)


def _lawschool_csv(path, header=None, extra_row=None):
    header = header or "race,cluster,lsat,ugpa,zfygpa,zgpa,bar1,fulltime,fam_inc,age,gender"
    rows = [
        "7,2,30,3.2,-1.79,0.5,P,1,4,-62,female",
        "3,1,44,4.0,1.33,1.88,F,1,5,-62,male",
        "7,1,29,NA,-0.11,-0.57,P,1,4,-62,female",  # dropped: missing ugpa
        "2,3,35,2.0,1.22,0.95,,2,5,-60,male",  # dropped: empty bar1
        "7,2,39,3.6,0.88,0.1,F,2,4,-61,male",
    ]
    if extra_row:
        rows.append(extra_row)
    path.write_text("\n".join([header] + rows) + "\n")
    return path


def test_lawschool_preparation(tmp_path):
    path = _lawschool_csv(tmp_path / "lawschool.csv")
    data = load_lawschool(path)
    X, y, a, names = data.X, data.y, data.groups, data.feature_names
    assert names == ["race", "cluster", "lsat", "zfygpa", "zgpa", "fulltime", "fam_inc", "age",
                     "gender", "bar1"]
    assert X.shape == (3, 10)
    assert y == pytest.approx([0.8, 1.0, 0.9])  # ugpa / 4
    assert a.tolist() == [1, 0, 1]  # race code 7 = White
    assert X[:, names.index("gender")].tolist() == [0.0, 1.0, 1.0]
    assert X[:, names.index("bar1")].tolist() == [1.0, 0.0, 0.0]
    onehot = load_lawschool(path, encoding="onehot", include_protected=False)
    X2, names2 = onehot.X, onehot.feature_names
    assert X2.shape == (3, 11) and "race" not in names2
    assert X2[:, names2.index("gender_female")].tolist() == [1.0, 0.0, 0.0]
    missing = _lawschool_csv(tmp_path / "nougpa.csv",
                             header="race,cluster,lsat,GPA,zfygpa,zgpa,bar1,fulltime,fam_inc,age,gender")
    with pytest.raises(DataError, match=r"nougpa\.csv.*ugpa"):
        load_lawschool(missing)
    badgender = _lawschool_csv(tmp_path / "gender.csv", extra_row="7,2,30,3.0,0,0,P,1,4,-60,x")
    with pytest.raises(DataError, match="gender"):
        load_lawschool(badgender)
    with pytest.raises(DataError, match="not found"):
        load_lawschool(tmp_path / "absent.csv")


# ---------------------------------------------------------------- every loader: empty and non-finite input

def _loader_cases():
    """(name, write a good file into a folder -> its path, load, a numeric column)."""
    from fairopt.data.adult import load_adult
    from fairopt.data.bank import load_bank
    from fairopt.data.compas import load_compas
    from fairopt.data.employee import prepare_employee
    from fairopt.data.german import load_german
    from fairopt.data.sba import prepare_sba
    from tests.data.test_dafh_datasets import ADULT_DATA, BANK_HEADER, BANK_ROWS, GERMAN_ROWS, _compas_csv, _write
    from tests.data.test_layer_datasets import _employee_table, _sba_table

    def frame_file(name, frame):
        return lambda d: (frame.to_csv(d / name, index=False), d / name)[1]

    return [
        ("communities", lambda d: _communities_csv(d / "communities.csv"), load_communities, "population"),
        ("law_school", lambda d: _lawschool_csv(d / "lawschool.csv"), load_lawschool, "lsat"),
        ("adult", lambda d: _write(d / "adult.data", ADULT_DATA), lambda p: load_adult(p, None), "age"),
        ("compas", lambda d: _compas_csv(d / "compas.csv"), lambda p: load_compas(p, "arrest"), "priors_count"),
        ("german", lambda d: _write(d / "german.data", GERMAN_ROWS), load_german, "credit_amount"),
        ("bank", lambda d: _write(d / "bank-full.csv", [BANK_HEADER] + BANK_ROWS), load_bank, "balance"),
        ("sba", frame_file("sba.csv", _sba_table()), prepare_sba, "GrAppv"),
        ("employee", frame_file("employee.csv", _employee_table()), prepare_employee, "DistanceFromHome"),
    ]


def _inf_in(path, column: str) -> None:
    """Put ``inf`` into ``column`` of the first data row, whatever the file's layout (header, separator)."""
    from fairopt.data.adult import ADULT_COLUMNS
    from fairopt.data.german import GERMAN_COLUMNS

    lines = path.read_text().splitlines()
    if path.suffix == ".data":
        names = list(ADULT_COLUMNS if path.name == "adult.data" else GERMAN_COLUMNS)
        sep = ", " if path.name == "adult.data" else " "
        cells = lines[0].split(sep)
        cells[names.index(column)] = "inf"
        lines[0] = sep.join(cells)
    else:
        sep = ";" if path.name == "bank-full.csv" else ","
        header = [c.strip('"') for c in lines[0].split(sep)]
        cells = lines[1].split(sep)
        cells[header.index(column)] = "inf"
        lines[1] = sep.join(cells)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("name, write, load, column", _loader_cases(), ids=[c[0] for c in _loader_cases()])
def test_every_loader_rejects_empty_and_non_finite_files(tmp_path, name, write, load, column):
    path = write(tmp_path)
    load(path)  # the fixture itself loads
    _inf_in(path, column)
    with pytest.raises(DataError) as info:
        load(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)
    assert f"column {column!r} has non-finite values at file lines" in str(info.value)
    text = path.read_text().splitlines()
    headerless = path.suffix == ".data"
    path.write_text("" if headerless else text[0] + "\n")  # header only (the UCI files have none: empty)
    with pytest.raises(DataError, match=r"^\S+: (the .* table has no rows|cannot read the .* table \(EmptyDataError)"):
        load(path)


def test_layer_preparations_reject_an_empty_table_passed_in_memory():
    from fairopt.data.employee import prepare_employee
    from fairopt.data.sba import prepare_sba
    from tests.data.test_layer_datasets import _employee_table, _sba_table

    with pytest.raises(DataError, match=r"^<table>: the SBA loans table has no rows$"):
        prepare_sba(_sba_table().iloc[:0])
    with pytest.raises(DataError, match=r"^<table>: the employee performance table has no rows$"):
        prepare_employee(_employee_table().iloc[:0])
