"""Shared pytest fixtures: the data mirror (for published reference files) and small fixtures."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]


def mirror_dir() -> Path:
    """The raw-data mirror: $FAIROPT_DATA_MIRROR or ../shared/data beside the repository."""
    return Path(os.environ.get("FAIROPT_DATA_MIRROR", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def data_mirror() -> Path:
    path = mirror_dir()
    if not (path / "obermeyer" / "data_dictionary.md").is_file():
        pytest.skip(f"data mirror not found at {path} (set FAIROPT_DATA_MIRROR)")
    return path


@pytest.fixture(scope="session")
def patient_schema(data_mirror):
    from fairopt.data.obermeyer_schema import parse_data_dictionary

    return parse_data_dictionary(data_mirror / "obermeyer" / "data_dictionary.md")


def make_patients(schema, n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A small random patient table that satisfies the schema (values are not realistic)."""
    rng = np.random.default_rng(seed)
    data = {}
    for col in schema.columns:
        name = col.name
        if name == "race":
            data[name] = np.where(rng.random(n) < 0.2, "black", "white")
        elif col.dtype == "float64":
            data[name] = np.round(rng.gamma(1.5, 3.0, n), 3)
        elif name == "program_enrolled_t":
            data[name] = (rng.random(n) < 0.1).astype(np.int64)
        else:
            data[name] = rng.integers(0, 2, n).astype(np.int64)
    frame = pd.DataFrame(data)
    frame["race"] = frame["race"].astype("string")
    return frame


@pytest.fixture
def patients(patient_schema) -> pd.DataFrame:
    return make_patients(patient_schema)
