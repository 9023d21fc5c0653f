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
    return targets + notebook_targets("data")


# ------------------------------------------------------------------ notebooks (figures)
# Figure notebooks: notebooks/<study>_<name>.ipynb, rendered by papermill to
# results/<study>/figures/<name>.html. Each entry maps the notebook to its named inputs; every input
# is passed to the notebook as a papermill parameter of the same name (its path). Each study
# registers its notebooks in its own section below.
NOTEBOOKS = {
    ("data", "overview"): {
        "summary": "results/fdfl/data/derived_summary.csv",
        "checks": "results/data/obermeyer_patient_checks.csv",
    },
}


def notebook_inputs(wildcards):
    """The notebook itself (so an edit re-renders it) and the result files it reads."""
    key = (wildcards.study, wildcards.name)
    if key not in NOTEBOOKS:
        raise ValueError(f"no notebook registered for {key}; known: {sorted(NOTEBOOKS)}")
    return {"notebook": f"notebooks/{wildcards.study}_{wildcards.name}.ipynb", **NOTEBOOKS[key]}


def papermill_parameters(wildcards, input):
    """`-p name path` for every input but the notebook."""
    return " ".join(f"-p {k} {v}" for k, v in input.items() if k != "notebook")


def notebook_targets(study):
    """Rendered HTML of every registered notebook of a study."""
    return [f"results/{s}/figures/{n}.html" for s, n in NOTEBOOKS if s == study]


# ------------------------------------------------------------------ studies
# The studies to build (config `studies`). Each study section below registers its scorecard
# (results/scorecard/<study>.csv) and its benchmark table (results/benchmarks/<study>.csv); the
# report stage combines those of the enabled studies.
STUDIES = list(config["studies"])
SCORECARDS = {}
BENCHMARK_TABLES = {}


def study_enabled(study):
    """Whether `study` is in config `studies`."""
    return study in STUDIES


# ------------------------------------------------------------------ FDFL (issue 3)
def fdfl_targets():
    """Outputs of the FDFL study."""
    return []


# end of FDFL helpers
#
#
# ------------------------------------------------------------------ fair regression (issue 4)
def fairreg_targets():
    """Outputs of the fair-regression study."""
    return []


# end of fair-regression helpers
#
#
# ------------------------------------------------------------------ fairness layer (issue 5)
def layer_targets():
    """Outputs of the fairness-layer study."""
    return []


# end of fairness-layer helpers
#
#


# ------------------------------------------------------------------ report (scorecards, benchmarks)
def report_targets():
    """The combined scorecard and benchmark table (built from the studies' own tables)."""
    targets = []
    if enabled_scorecards():
        targets += ["results/scorecard/scorecard.csv", "results/scorecard/scorecard.md"]
    if enabled_benchmark_tables():
        targets += ["results/benchmarks/summary.csv", "results/benchmarks/summary.md"]
    return targets


def enabled_scorecards(wildcards=None):
    """Scorecards of the enabled studies, by study."""
    return {s: path for s, path in SCORECARDS.items() if study_enabled(s)}


def enabled_benchmark_tables(wildcards=None):
    """Benchmark tables of the enabled studies, by study."""
    return {s: path for s, path in BENCHMARK_TABLES.items() if study_enabled(s)}


# ------------------------------------------------------------------ everything
def all_targets():
    """What `snakemake` builds by default."""
    return (
        data_stage_targets()
        + (fdfl_targets() if study_enabled("fdfl") else [])
        + (fairreg_targets() if study_enabled("fairreg") else [])
        + (layer_targets() if study_enabled("layer") else [])
        + report_targets()
    )
