# Helpers, config validation and wildcard constraints shared by all rule files (no rules here).
import os
import warnings
from pathlib import Path

from snakemake.utils import validate

from fairopt.data.raw import registry, required_files


validate(config, "../schemas/config.schema.yaml")

# Every job and every script runs from the repository root; make the mirror path absolute so
# that it does not depend on the working directory of a cluster job.
DATA_MIRROR = str(Path(config["data_mirror"]).expanduser().resolve())
ENV = "../../envs/fairopt.yaml"

RAW_DATASETS = sorted(registry())


wildcard_constraints:
    dataset="|".join(RAW_DATASETS),
    trial=r"\d+",


# ------------------------------------------------------------------ raw data
def raw_path(dataset, name):
    """Where the verified copy of a registered raw file lives."""
    return f"resources/raw/{dataset}/{name}"


def all_raw_files():
    """Every required raw file of the registry (the optional real patient file excluded)."""
    return [raw_path(f.dataset, f.name) for f in required_files()]


# ------------------------------------------------------------------ Obermeyer patient file
def obermeyer_real_in_mirror():
    """Whether the real data_new.csv sits in the mirror (re-checked on every invocation, so adding
    it later re-runs the patient-file rule through its params)."""
    return (Path(DATA_MIRROR) / "obermeyer" / "data_new.csv").is_file()


def obermeyer_source():
    """The configured source, resolved as far as possible before running any job."""
    source = config["obermeyer"]["source"]
    if source == "auto" and not obermeyer_real_in_mirror() and not config["download"]:
        return "standin"
    return source


def obermeyer_patient_inputs(wildcards):
    """Calibration inputs always; the real file when it is required or already in the mirror."""
    inputs = {
        "dictionary": raw_path("obermeyer", "data_dictionary.md"),
        "holdout": raw_path("obermeyer", "model_lasso_predictors.csv"),
        "table1": raw_path("obermeyer", "table1.csv"),
    }
    source = obermeyer_source()
    if source == "real" or (source == "auto" and obermeyer_real_in_mirror()):
        inputs["real"] = raw_path("obermeyer", "data_new.csv")
    return inputs


def data_stage_targets():
    """Outputs of the data stage."""
    targets = all_raw_files() + [
        "resources/obermeyer/patients.csv",
        "resources/obermeyer/provenance.json",
        "results/data/obermeyer_patient_checks.csv",
        "results/fdfl/data/derived_summary.csv",
        "results/fdfl/data/sample.csv",
        "results/fdfl/data/splits.csv",
    ]
    return targets


# ------------------------------------------------------------------ FDFL
def fdfl_targets():
    """Outputs of the FDFL study."""
    return []


# ------------------------------------------------------------------ everything
def all_targets():
    """What `snakemake` builds by default."""
    return data_stage_targets() + fdfl_targets()
