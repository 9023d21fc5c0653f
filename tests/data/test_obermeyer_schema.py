"""Schema of the Obermeyer patient file and rejection of malformed tables."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairopt.data.obermeyer_schema import (COLUMN_ALIASES, canonical_columns, feature_columns,
                                           parse_data_dictionary, validate_patients)
from fairopt.core.errors import DataError


def test_dictionary_has_160_columns_in_five_groups(patient_schema):
    assert len(patient_schema.names) == 160
    sizes = {prefix: len(patient_schema.in_category(prefix))
             for prefix in ("Variables at time t", "Demographic", "Comorbidity", "Cost", "Biomarker")}
    assert sizes == {"Variables at time t": 10, "Demographic": 9, "Comorbidity": 34, "Cost": 13, "Biomarker": 94}
    assert patient_schema.dtype("race") == "string"
    assert patient_schema.dtype("risk_score_t") == "float64"
    assert patient_schema.dtype("gagne_sum_t") == "int64"


def test_feature_rule_gives_149_under_either_sodium_spelling(patient_schema):
    names = patient_schema.names
    feats = feature_columns(names)
    assert len(feats) == 149
    assert "race" not in feats and "risk_score_t" not in feats and "cost_t" not in feats
    assert "cost_avoidable_t" not in feats and "dem_female" in feats and "lasix_dose_count_tm1" in feats
    renamed = [COLUMN_ALIASES.get(c, c) for c in names]
    assert len(feature_columns(renamed)) == 149


def test_valid_table_passes_and_keeps_dtypes(patients, patient_schema):
    out = validate_patients(patients, patient_schema)
    assert list(out.columns) == patient_schema.names
    assert str(out["gagne_sum_t"].dtype) == "int64"


def test_alias_spelling_is_accepted(patients, patient_schema):
    alt = patients.rename(columns=COLUMN_ALIASES)
    assert "sodium_min-high_tm1" in alt.columns
    out = validate_patients(alt, patient_schema)
    assert "sodium_min-high" in out.columns
    assert list(canonical_columns(alt).columns).count("sodium_min-high") == 1


def test_missing_column_is_named(patients, patient_schema):
    with pytest.raises(DataError, match=r"patients.csv: missing column\(s\) \['cost_t'\]"):
        validate_patients(patients.drop(columns="cost_t"), patient_schema, source="patients.csv")


def test_nan_in_risk_score_names_column_and_rows(patients, patient_schema):
    bad = patients.copy()
    bad.loc[[3, 17], "risk_score_t"] = np.nan
    with pytest.raises(DataError, match=r"'risk_score_t' has NaN in rows 3, 17"):
        validate_patients(bad, patient_schema)


def test_unknown_race_value_is_rejected(patients, patient_schema):
    bad = patients.copy()
    bad["race"] = bad["race"].astype(object)
    bad.loc[5, "race"] = "green"
    with pytest.raises(DataError, match=r"'race' has values \['green'\] in rows 5; expected 'white' or 'black'"):
        validate_patients(bad, patient_schema)


def test_negative_cost_is_rejected(patients, patient_schema):
    bad = patients.copy()
    bad.loc[[0, 9], "cost_t"] = -100.0
    with pytest.raises(DataError, match=r"'cost_t' is negative in rows 0, 9"):
        validate_patients(bad, patient_schema)


def test_non_binary_indicator_is_rejected(patients, patient_schema):
    bad = patients.copy()
    bad.loc[2, "dem_female"] = 2
    with pytest.raises(DataError, match=r"indicator column 'dem_female' is not 0/1 in rows 2"):
        validate_patients(bad, patient_schema)


def test_fractional_integer_is_rejected(patients, patient_schema):
    bad = patients.copy()
    bad["gagne_sum_t"] = bad["gagne_sum_t"].astype(float)
    bad.loc[4, "gagne_sum_t"] = 1.5
    with pytest.raises(DataError, match=r"'gagne_sum_t' should hold integers"):
        validate_patients(bad, patient_schema)


def test_nullable_biomarker_means_may_be_missing(patients, patient_schema):
    ok = patients.copy()
    ok.loc[1, "ldl_mean_t"] = np.nan
    validate_patients(ok, patient_schema)


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_non_finite_risk_score_names_column_and_rows(patients, patient_schema, value):
    """inf parses as a float and is not NaN: without this check it became utility_rate = inf downstream."""
    bad = patients.copy()
    bad.loc[[2, 40], "risk_score_t"] = value
    with pytest.raises(DataError) as info:
        validate_patients(bad, patient_schema, source="patients.csv")
    assert str(info.value) == ("patients.csv: column 'risk_score_t' has non-finite values (inf) in rows 2, 40; "
                               "expected finite numbers")


def test_inf_read_from_text_is_rejected(patients, patient_schema, tmp_path):
    path = tmp_path / "patients.csv"
    patients.to_csv(path, index=False)
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[3].split(",")
    cells[header.index("cost_t")] = "inf"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"patients\.csv: column 'cost_t' has non-finite values \(inf\) in rows 2;"):
        validate_patients(pd.read_csv(path), patient_schema, source=str(path))


def test_empty_table_is_rejected(patients, patient_schema):
    """A header-only file used to pass and fail later inside pandas ("Bin edges must be unique")."""
    with pytest.raises(DataError, match=r"^patients\.csv: no rows \(expected one row per patient under the header\)$"):
        validate_patients(patients.iloc[:0], patient_schema, source="patients.csv")


def test_dictionary_that_is_not_text_or_incomplete_is_named(tmp_path, data_mirror):
    binary = tmp_path / "data_dictionary.md"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match=r"data_dictionary\.md: not a UTF-8 text file"):
        parse_data_dictionary(binary)
    text = (data_mirror / "obermeyer" / "data_dictionary.md").read_text(encoding="utf-8").splitlines()
    binary.write_text("\n".join(text[: len(text) // 2]) + "\n", encoding="utf-8")  # cut at a line end
    with pytest.raises(DataError, match=r"data_dictionary\.md: expected 160 distinct columns in the data dictionary, "
                                        r"found \d+"):
        parse_data_dictionary(binary)
