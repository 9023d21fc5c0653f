"""Schema of the Obermeyer et al. (2019) patient file and validation of patient tables.

The schema is read from the file's published data dictionary (``data_dictionary.md``,
labsysmed/dissecting-bias): 160 columns in five categories -- 10 variables at year t, 9
demographic (race included), 34 comorbidity, 13 cost and 94 biomarker/medication variables at
year t-1 -- each with a data type (Integer, Float, String).

The dictionary spells one column ``sodium_min-high`` while the real file (and the authors' 149-input
model) almost certainly has ``sodium_min-high_tm1``; both spellings are accepted everywhere
(:data:`COLUMN_ALIASES`).

:func:`validate_patients` rejects, before any work, a table without rows, with a missing column,
a non-finite number (``inf`` parses as a float, so it would pass a NaN check and later turn every
utility ``r_i g_i`` it touches into ``inf``), NaN in a required column, a race other than
'white'/'black', a negative cost or risk, or a non-binary indicator, naming the file, column and
offending rows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fairopt.core.errors import DataError

__all__ = [
    "Column",
    "PatientSchema",
    "parse_data_dictionary",
    "COLUMN_ALIASES",
    "OUTCOME_COLUMNS",
    "NULLABLE_COLUMNS",
    "feature_columns",
    "validate_patients",
    "risk_percentile",
    "canonical_columns",
]

#: dictionary spelling -> alternative spelling accepted in a patient file
COLUMN_ALIASES = {"sodium_min-high": "sodium_min-high_tm1"}

#: the outcome columns at year t whose joint distribution the stand-in takes from real rows
OUTCOME_COLUMNS = ("risk_score_t", "gagne_sum_t", "cost_t", "cost_avoidable_t", "program_enrolled_t")

#: year-t biomarker means: missing for patients without a test that year, so NaN is allowed
NULLABLE_COLUMNS = ("bps_mean_t", "ghba1c_mean_t", "hct_mean_t", "cre_mean_t", "ldl_mean_t")

_DTYPES = {"Integer": "int64", "Float": "float64", "String": "string"}
_SECTION = re.compile(r"^##\s+(.*)$")
_ROW = re.compile(r"^\|\s*([^|\s]+)\s*\|\s*(Integer|Float|String)\s*\|")


@dataclass(frozen=True)
class Column:
    """A column of the patient file."""

    name: str
    dtype: str  # pandas dtype: int64, float64 or string
    category: str  # dictionary section title
    description: str = ""


@dataclass(frozen=True)
class PatientSchema:
    """Ordered columns of the patient file."""

    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def dtype(self, name: str) -> str:
        return {c.name: c.dtype for c in self.columns}[name]

    def in_category(self, prefix: str) -> list[str]:
        return [c.name for c in self.columns if c.category.lower().startswith(prefix.lower())]


def parse_data_dictionary(path: str | Path) -> PatientSchema:
    """Parse ``data_dictionary.md`` into a :class:`PatientSchema` (160 columns).

    Raises:
        DataError: The file is missing or does not describe 160 columns.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: data dictionary not found (expected data_dictionary.md of labsysmed/dissecting-bias)")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{p}: not a UTF-8 text file (expected data_dictionary.md of labsysmed/dissecting-bias)") from exc
    section = ""
    cols: list[Column] = []
    for line in text.splitlines():
        if m := _SECTION.match(line):
            section = m.group(1).strip()
            continue
        if m := _ROW.match(line):
            desc = line.split("|")[3].strip() if line.count("|") >= 4 else ""
            cols.append(Column(m.group(1), _DTYPES[m.group(2)], section, desc))
    if len(cols) != 160 or len(set(c.name for c in cols)) != 160:
        raise DataError(f"{p}: expected 160 distinct columns in the data dictionary, found {len(cols)}")
    return PatientSchema(tuple(cols))


def canonical_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename alias spellings (``sodium_min-high_tm1``) to the dictionary's names."""
    rename = {alt: name for name, alt in COLUMN_ALIASES.items() if alt in frame.columns and name not in frame.columns}
    return frame.rename(columns=rename) if rename else frame


def feature_columns(columns: list[str]) -> list[str]:
    """Obermeyer's feature rule: the 149 year t-1 predictors, in file order.

    ``dem_*`` except race; ``gagne_sum_tm1`` and columns ending ``_elixhauser_tm1`` or
    ``_romano_tm1``; ``cost_*`` except ``cost_t`` and ``cost_avoidable_t``; columns ending
    ``_tests_tm1``, ``-low_tm1``, ``-high_tm1``, ``-normal_tm1``; columns starting ``lasix_``.
    The dictionary's ``sodium_min-high`` (no ``_tm1``) is included under either spelling.

    Raises:
        DataError: The rule does not select exactly 149 columns.
    """
    def selected(c: str) -> bool:
        if c.startswith("dem_"):
            return c != "dem_race_black"
        if c == "gagne_sum_tm1" or c.endswith(("_elixhauser_tm1", "_romano_tm1")):
            return True
        if c.startswith("cost_"):
            return c not in ("cost_t", "cost_avoidable_t")
        if c.endswith(("_tests_tm1", "-low_tm1", "-high_tm1", "-normal_tm1")):
            return True
        if c.startswith("lasix_"):
            return True
        return c in COLUMN_ALIASES  # sodium_min-high as spelled in the dictionary

    out = [c for c in columns if selected(c)]
    if len(out) != 149:
        raise DataError(f"Obermeyer feature rule selected {len(out)} columns, expected 149")
    return out


def _rows(mask: np.ndarray, index: pd.Index, limit: int = 5) -> str:
    bad = index[np.asarray(mask)]
    shown = ", ".join(str(i) for i in bad[:limit])
    more = f" and {len(bad) - limit} more" if len(bad) > limit else ""
    return f"rows {shown}{more}"


def validate_patients(frame: pd.DataFrame, schema: PatientSchema, source: str = "patient table") -> pd.DataFrame:
    """Check a patient table against the schema; return it with canonical names and dtypes.

    Args:
        frame: The table as read (e.g. ``pd.read_csv(path)``); row labels are used in messages.
        schema: Parsed data dictionary.
        source: File name for messages.

    Returns:
        The table with dictionary column names, in dictionary order, with dictionary dtypes.

    Raises:
        DataError: One line naming the file, the column and the offending rows (or: no rows).
    """
    frame = canonical_columns(frame)
    missing = [c for c in schema.names if c not in frame.columns]
    if missing:
        raise DataError(f"{source}: missing column(s) {missing[:5]}{' ...' if len(missing) > 5 else ''} "
                        f"(expected the 160 columns of data_dictionary.md)")
    if frame.empty:  # a header-only file: every later step (percentile bins, models) would fail obscurely
        raise DataError(f"{source}: no rows (expected one row per patient under the header)")
    frame = frame[schema.names]
    for col in schema.columns:
        s = frame[col.name]
        if col.dtype == "string":
            values = s.astype("string")
            bad = ~values.isin(["white", "black"]).fillna(False).to_numpy(dtype=bool)
            if bad.any():
                examples = sorted(set(map(str, values[bad].head(3))))
                raise DataError(f"{source}: column {col.name!r} has values {examples} in {_rows(bad, frame.index)}; "
                                "expected 'white' or 'black'")
            continue
        numeric = pd.to_numeric(s, errors="coerce")
        non_numeric = numeric.isna() & s.notna()
        if non_numeric.any():
            raise DataError(f"{source}: column {col.name!r} is not numeric in {_rows(non_numeric.to_numpy(), frame.index)}")
        infinite = np.isinf(numeric.to_numpy(dtype=float, na_value=np.nan))
        if infinite.any():
            raise DataError(f"{source}: column {col.name!r} has non-finite values (inf) in "
                            f"{_rows(infinite, frame.index)}; expected finite numbers")
        if col.name not in NULLABLE_COLUMNS and numeric.isna().any():
            raise DataError(f"{source}: column {col.name!r} has NaN in {_rows(numeric.isna().to_numpy(), frame.index)}; "
                            "expected a value in every row")
        if (col.name.startswith("cost") or col.name == "risk_score_t") and (numeric < 0).any():
            raise DataError(f"{source}: column {col.name!r} is negative in {_rows((numeric < 0).to_numpy(), frame.index)}; "
                            "expected a non-negative amount")
        if col.dtype == "int64":
            vals = numeric.to_numpy(dtype=float)
            frac = np.isfinite(vals) & (vals != np.round(vals))
            if frac.any():
                raise DataError(f"{source}: column {col.name!r} should hold integers but has fractions in "
                                f"{_rows(frac, frame.index)}")
    binary = [c.name for c in schema.columns if c.dtype == "int64" and _is_indicator(c.name)]
    for name in binary:
        bad = ~frame[name].isin([0, 1]).to_numpy()
        if bad.any():
            raise DataError(f"{source}: indicator column {name!r} is not 0/1 in {_rows(bad, frame.index)}")
    out = frame.copy()
    for col in schema.columns:
        out[col.name] = out[col.name].astype(col.dtype if col.dtype != "int64" else "int64")
    return out


def _is_indicator(name: str) -> bool:
    return (name.startswith("dem_") or name.endswith(("_elixhauser_tm1", "_romano_tm1", "-low_tm1", "-high_tm1",
                                                      "-normal_tm1")) or name in ("program_enrolled_t",)
            or name in COLUMN_ALIASES)


def risk_percentile(risk: pd.Series) -> np.ndarray:
    """Percentile rank 1..100 in equal-count bins, ties broken by order (Obermeyer's definition)."""
    ranks = risk.rank(method="first")
    return (pd.qcut(ranks, 100, labels=False) + 1).to_numpy(dtype=np.int64)
