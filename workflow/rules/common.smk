# Helpers, config validation and wildcard constraints shared by all rule files (no rules here).
import os
import warnings
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import update_config, validate

from fairopt.cli_config import retype_scalars
from fairopt.data.raw import registry, required_files


# Nested `--config` values arrive as strings (Snakemake parses them with YAML's BaseLoader): give
# them their YAML types before validation, so that --config layer='{synthetic: {datasets: [0]}}' works.
if workflow.config_settings.overwrite_config:
    update_config(config, retype_scalars(workflow.config_settings.overwrite_config))
validate(config, "../schemas/config.schema.yaml")
# Defaults inside a $ref'd schema are not filled by the top-level validation: validate every
# section against its own schema too, so that a key left out of a config file takes its default.
for _section in ("obermeyer", "fdfl", "fairreg", "layer"):
    validate(config[_section], f"../schemas/{_section}.schema.yaml")

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


def total_cores(wildcards=None):
    """Cores given to Snakemake (`--cores`), 0 where none were given (e.g. `snakemake --report`)."""
    try:
        return workflow.cores
    except WorkflowError:
        return 0


def study_enabled(study):
    """Whether `study` is in config `studies`."""
    return study in STUDIES


# ------------------------------------------------------------------ FDFL (issue 3)
# Methods are configuration (config fdfl.methods); tables are ordered method lists (fdfl.tables).
# Both are checked here, before any job runs: an unknown method in a table or a bad method field
# fails with a one-line ConfigError naming the config key.
from fairopt.fdfl.methods import parse_methods, resolve_tables

FDFL = config["fdfl"]
FDFL_METHODS = parse_methods(FDFL["methods"], FDFL["decision"]["alpha"])
FDFL_TABLES = resolve_tables(FDFL["tables"], FDFL_METHODS)  # every table (buildable by file target)
FDFL_RUN_TABLES = list(resolve_tables(FDFL["tables"], FDFL_METHODS, FDFL.get("run_tables")))
FDFL_TRIALS = list(range(FDFL["trials"]))
# the table compared with the paper's Table 2 and the fairness-layer table (by name)
FDFL_PAPER_TABLE = "table2"
FDFL_LAYER_TABLE = "layer"


wildcard_constraints:
    fdfl_method="|".join(sorted(FDFL["methods"])),
    fdfl_table="|".join(sorted(FDFL["tables"])),


def fdfl_trial_path(method, trial):
    """The result JSON of one (method, trial) training."""
    return f"results/fdfl/trials/{method}/trial-{trial}.json"


def fdfl_table_trials(wildcards):
    """Trial JSONs of every method of a table, every trial."""
    return [fdfl_trial_path(m, t) for m in FDFL_TABLES[wildcards.fdfl_table] for t in FDFL_TRIALS]


def fdfl_table_methods(wildcards):
    """The ordered method list of a table."""
    return FDFL_TABLES[wildcards.fdfl_table]


def fdfl_method_spec(wildcards):
    """The config entry of one method (a params value: editing it re-runs only that method)."""
    return dict(FDFL["methods"][wildcards.fdfl_method])


def fdfl_trial_settings():
    """The config shared by every trial (model, training, decision, evaluation alphas, layer); the
    conic solver is left out (trials use the closed form), so changing it re-runs no training."""
    settings = {key: FDFL[key] for key in ("model", "training", "eval_alphas", "layer")}
    settings["decision"] = {k: v for k, v in FDFL["decision"].items() if k != "solver"}
    return settings


def fdfl_paper_table_benchmarks(wildcards=None):
    """Snakemake benchmark files of the Table 2 trainings."""
    return [f"benchmarks/train_fdfl/{m}/trial-{t}.tsv" for m in FDFL_TABLES[FDFL_PAPER_TABLE] for t in FDFL_TRIALS]


def fdfl_table_files(table):
    """Everything the aggregation of one table writes."""
    return [f"results/fdfl/tables/{table}{suffix}" for suffix in
            (".csv", ".md", "_trials.csv", "_groups.csv", "_history.csv")]


def fdfl_scorecard_inputs(wildcards):
    """The tables and measurements the scorecard judges (the layer table only when it is built)."""
    inputs = {
        "paper": "workflow/paper/fdfl.yaml",
        "provenance": "resources/obermeyer/provenance.json",
        "table": f"results/fdfl/tables/{FDFL_PAPER_TABLE}.csv",
        "trials": f"results/fdfl/tables/{FDFL_PAPER_TABLE}_trials.csv",
        "illustrative": "results/fdfl/illustrative/table1.csv",
        "dbb": "results/fdfl/benchmarks/dbb_distance.json",
    }
    if FDFL_LAYER_TABLE in FDFL_RUN_TABLES:
        inputs["layer"] = f"results/fdfl/tables/{FDFL_LAYER_TABLE}_trials.csv"
    return inputs


def fdfl_targets():
    """Outputs of the FDFL study: the run tables, the illustrative example, timing, scorecard,
    benchmark table and rendered figure notebooks."""
    targets = [path for table in FDFL_RUN_TABLES for path in fdfl_table_files(table)]
    targets += [
        "results/fdfl/illustrative/table1.csv",
        "results/fdfl/benchmarks/decision_timing.csv",
        "results/fdfl/benchmarks/dbb_distance.json",
    ]
    if FDFL_PAPER_TABLE in FDFL_RUN_TABLES:
        targets += ["results/scorecard/fdfl.csv", "results/scorecard/fdfl.md",
                    "results/benchmarks/fdfl.csv", "results/benchmarks/fdfl.md"]
        targets += notebook_targets("fdfl")
    return targets


if FDFL_PAPER_TABLE in FDFL_RUN_TABLES:
    SCORECARDS["fdfl"] = "results/scorecard/fdfl.csv"
    BENCHMARK_TABLES["fdfl"] = "results/benchmarks/fdfl.csv"
    NOTEBOOKS[("fdfl", "table2")] = {
        "table": f"results/fdfl/tables/{FDFL_PAPER_TABLE}.csv",
        "scorecard": "results/scorecard/fdfl.csv",
        "tables_index": "results/fdfl/tables/index.csv",
    }
    NOTEBOOKS[("fdfl", "learning_curves")] = {
        "history": f"results/fdfl/tables/{FDFL_PAPER_TABLE}_history.csv",
        "table": f"results/fdfl/tables/{FDFL_PAPER_TABLE}.csv",
    }
    NOTEBOOKS[("fdfl", "group_errors")] = {
        "groups": f"results/fdfl/tables/{FDFL_PAPER_TABLE}_groups.csv",
        "table": f"results/fdfl/tables/{FDFL_PAPER_TABLE}.csv",
    }
    NOTEBOOKS[("fdfl", "illustrative")] = {
        "table1": "results/fdfl/illustrative/table1.csv",
        "points": "results/fdfl/illustrative/points.csv",
        "lines": "results/fdfl/illustrative/lines.csv",
    }
    NOTEBOOKS[("fdfl", "timing")] = {
        "decision_timing": "results/fdfl/benchmarks/decision_timing.csv",
        "benchmarks": "results/benchmarks/fdfl.csv",
        "dbb": "results/fdfl/benchmarks/dbb_distance.json",
        "table": f"results/fdfl/tables/{FDFL_PAPER_TABLE}.csv",
    }


# end of FDFL helpers
#
#
# ------------------------------------------------------------------ fair regression (issue 4)
# The run's settings: deep_merge(config fairreg, presets[scale], override), checked before any job
# (fairopt.fairreg.settings raises a one-line ConfigError naming the key).
from fairopt.fairreg.settings import format_value as fairreg_value
from fairopt.fairreg.settings import resolve_settings as fairreg_resolve_settings

FAIRREG = fairreg_resolve_settings(config["fairreg"])
FAIRREG_SYN = FAIRREG["synthetic"]
FAIRREG_REAL = FAIRREG["real"]
FAIRREG_MIO = ("bigm", "strong")
FAIRREG_RAW = {"communities_crime": "communities.csv", "law_school": "lawschool.csv"}
SCORECARDS["fairreg"] = "results/scorecard/fairreg.csv"
BENCHMARK_TABLES["fairreg"] = "results/benchmarks/fairreg.csv"
NOTEBOOKS[("fairreg", "synthetic")] = {
    "formulations": "results/fairreg/synthetic/table_formulations.csv",
    "gaps": "results/fairreg/synthetic/table_gaps.csv",
    "summary": "results/fairreg/synthetic/summary.csv",
}
NOTEBOOKS[("fairreg", "tradeoff")] = {
    "tradeoff": "results/fairreg/real/tradeoff.csv",
    "times": "results/fairreg/real/training_times.csv",
    "reduction": "results/fairreg/real/reduction.csv",
}


def fairreg_seeds():
    """Seeds of the synthetic instances of every size m."""
    return [FAIRREG_SYN["seed"] + k for k in range(FAIRREG_SYN["instances"])]


def fairreg_synthetic_runs():
    """One result file per (m, seed, lambda, method) of the synthetic study."""
    return expand(
        "results/fairreg/synthetic/runs/m{m}/seed{seed}/lam{lam}/{method}.json",
        m=FAIRREG_SYN["m"],
        seed=fairreg_seeds(),
        lam=[fairreg_value(x) for x in FAIRREG_SYN["lambdas"]],
        method=FAIRREG_SYN["methods"],
    )


def fairreg_synthetic_method_inputs(wildcards):
    """The instance; for cd_relax also the strong relaxation's result (its start)."""
    w = wildcards
    inputs = {
        "instance": f"results/fairreg/synthetic/instances/m{w.m}_seed{w.seed}.csv",
        "meta": f"results/fairreg/synthetic/instances/m{w.m}_seed{w.seed}.json",
    }
    if w.method == "cd_relax":
        inputs["relax"] = f"results/fairreg/synthetic/runs/m{w.m}/seed{w.seed}/lam{w.lam}/relax_strong.json"
    return inputs


def fairreg_real_settings():
    """`<method>_<setting>` of every real-data job: lam<x> (relax, cd_relax, mio), eps<x>, base."""
    out = []
    for method in FAIRREG_REAL["methods"]:
        if method == "ls":
            out.append("ls_base")
        elif method == "agarwal":
            out += [f"agarwal_eps{fairreg_value(x)}" for x in FAIRREG_REAL["eps"]]
        else:
            out += [f"{method}_lam{fairreg_value(x)}" for x in FAIRREG_REAL["lambdas"]]
    return out


def fairreg_real_runs():
    """One result file per (dataset, method, setting) of the real-data study."""
    return expand(
        "results/fairreg/real/{dataset}/runs/{run}.json",
        dataset=FAIRREG_REAL["datasets"],
        run=fairreg_real_settings(),
    )


def fairreg_real_method_inputs(wildcards):
    """The prepared table; for cd_relax also the relaxation's result at the same lambda."""
    inputs = {"prepared": f"results/fairreg/real/{wildcards.dataset}/prepared.csv"}
    if wildcards.method == "cd_relax":
        inputs["relax"] = f"results/fairreg/real/{wildcards.dataset}/runs/relax_{wildcards.setting}.json"
    return inputs


def fairreg_raw_input(wildcards):
    """The raw CSV of a real dataset (placed by fetch_raw_file)."""
    return raw_path(wildcards.dataset, FAIRREG_RAW[wildcards.dataset])


def fairreg_prepare_options(wildcards):
    """Loader options of a real dataset (config fairreg.real.<dataset>)."""
    return FAIRREG_REAL[wildcards.dataset]


def fairreg_subsample(wildcards):
    """Rows kept of a real dataset (None: all)."""
    return FAIRREG_REAL["subsample"][wildcards.dataset]


def fairreg_wall_limit(time_limit):
    """Seconds after which a MIO child process is killed (solver time limit + model build)."""
    sol = FAIRREG["solvers"]
    return float(time_limit) * sol["wall_limit_factor"] + sol["wall_limit_extra"]


def fairreg_mio_runtime(time_limit):
    """Job runtime (minutes) of a MIO: its wall limit, twice when a crash re-solve is configured."""
    tries = 2 if FAIRREG["solvers"]["crash_fallback_scip_params"] is not None else 1
    return int(tries * fairreg_wall_limit(time_limit) / 60) + 5


def fairreg_synthetic_runtime(wildcards):
    """Runtime (minutes) of a synthetic job: MIOs from the time limit, the rest 10."""
    if wildcards.method in FAIRREG_MIO:
        return fairreg_mio_runtime(FAIRREG_SYN["time_limit"])
    return 10


def fairreg_real_runtime(wildcards):
    """Runtime (minutes) of a real-data job: the MIO from its time limit, the rest 120."""
    if wildcards.method == "mio":
        return fairreg_mio_runtime(FAIRREG_REAL["mio_time_limit"])
    return 120


def fairreg_solver_params():
    """Solver settings shared by the solve rules."""
    sol = FAIRREG["solvers"]
    return {
        "relaxation": sol["relaxation"],
        "mio": sol["mio"],
        "mio_options": {"scip_params": sol["scip_params"]} if sol["mio"] == "scip" and sol["scip_params"] else {},
        "fallback_options": (
            {"scip_params": {**sol["scip_params"], **sol["crash_fallback_scip_params"]}}
            if sol["mio"] == "scip" and sol["crash_fallback_scip_params"] is not None
            else None
        ),
        "isolate": sol["isolate_mio"],
        "delta": FAIRREG["delta"],
    }


def fairreg_targets():
    """Outputs of the fair-regression study: tables, scorecard, benchmarks, figures."""
    return [
        "results/fairreg/synthetic/table_formulations.md",
        "results/fairreg/synthetic/table_gaps.md",
        "results/fairreg/real/tradeoff.md",
        "results/fairreg/real/training_times.md",
        "results/fairreg/comparison.md",
        "results/scorecard/fairreg.md",
        "results/benchmarks/fairreg.md",
    ] + notebook_targets("fairreg")


# end of fair-regression helpers
#
#
# ------------------------------------------------------------------ fairness layer (issue 5)
# Settings: the schema defaults are the paper's; `layer.scale` applies a preset of
# `layer.presets` to the keys still at the paper's values (fairopt.layer.settings). The
# top-level validation does not fill defaults inside the referenced study schema, so each section
# is validated against its own schema (top of this file), then resolved, re-validated and checked
# for consistency (a ConfigError names the key before any job runs).
from fairopt.layer.settings import METHOD_NAMES as LAYER_METHOD_NAMES
from fairopt.layer.settings import check_settings as layer_check_settings
from fairopt.layer.settings import parse_setting_name as layer_parse_setting_name
from fairopt.layer.settings import resolve_settings as layer_resolve_settings
from fairopt.layer.settings import synthetic_settings as layer_synthetic_settings

LAYER_PAPER = {}
validate(LAYER_PAPER, "../schemas/layer.schema.yaml")
LAYER = layer_resolve_settings(config["layer"], LAYER_PAPER)
validate(LAYER, "../schemas/layer.schema.yaml")
layer_check_settings(LAYER)
LAYER_SETTINGS = layer_synthetic_settings(LAYER)
# keys that only choose which jobs run (or how they are scheduled/aggregated): left out of the
# jobs' params so that changing them does not re-run finished jobs
LAYER_JOB_SELECTION_KEYS = ("datasets", "seeds", "split_seeds", "methods", "settings", "resources",
                            "infeasible_slack")


wildcard_constraints:
    layer_method="|".join(LAYER_METHOD_NAMES),
    layer_setting=r"b\d+-i\d+",
    syn=r"\d\d",
    layer_seed=r"\d+",


def layer_synthetic_path(setting, method, index, seed):
    """Result JSON of one synthetic job."""
    return f"results/layer/synthetic/{setting}/{method}/syn{int(index):02d}-seed{seed}.json"


def layer_synthetic_jobs(wildcards=None):
    """Every synthetic job of the configuration."""
    syn = LAYER["synthetic"]
    return [layer_synthetic_path(s, m, i, seed) for s in LAYER_SETTINGS for m in syn["methods"]
            for i in syn["datasets"] for seed in syn["seeds"]]


def layer_sba_jobs(wildcards=None):
    """Every SBA job (method x split seed)."""
    sba = LAYER["sba"]
    return [f"results/layer/sba/{m}/seed-{seed}.json" for m in sba["methods"] for seed in range(sba["split_seeds"])]


def layer_employee_jobs(wildcards=None):
    """Every employee-audit job (method x seed)."""
    emp = LAYER["employee"]
    return [f"results/layer/employee/{m}/seed-{seed}.json" for m in emp["methods"] for seed in emp["seeds"]]


def layer_job_section(experiment):
    """An experiment's settings as a job needs them (job-selection keys left out) + the back end."""
    section = {k: v for k, v in LAYER[experiment].items() if k not in LAYER_JOB_SELECTION_KEYS}
    return {**section, "backend": LAYER["backend"]}


def layer_benchmark_params():
    """Settings of the exact-vs-cvxpylayers timing (resources left out)."""
    return {k: v for k, v in LAYER["benchmark"].items() if k != "resources"}


def layer_setting_batches(wildcards):
    """(train batch, inference batch) of a synthetic setting wildcard."""
    return list(layer_parse_setting_name(wildcards.layer_setting))


def layer_runtime(experiment):
    """`runtime` resource (minutes) of an experiment's jobs: one fit, x grid size for Penalty."""

    def runtime(wildcards):
        section = LAYER[experiment]
        fits = len(section["penalty_lambdas"]) if wildcards.layer_method == "penalty" else 1
        return section["resources"]["runtime"] * fits

    return runtime


def layer_targets():
    """Outputs of the fairness-layer study."""
    return [
        "results/layer/tables/synthetic_summary.csv",
        "results/layer/tables/sba_summary.csv",
        "results/layer/tables/employee_summary.csv",
        "results/scorecard/layer.csv",
        "results/scorecard/layer.md",
        "results/benchmarks/layer.csv",
    ] + notebook_targets("layer")


SCORECARDS["layer"] = "results/scorecard/layer.csv"
BENCHMARK_TABLES["layer"] = "results/benchmarks/layer.csv"
NOTEBOOKS[("layer", "synthetic")] = {
    "summary": "results/layer/tables/synthetic_summary.csv",
    "instances": "results/layer/tables/synthetic_instances.csv",
    "runs": "results/layer/tables/synthetic_runs.csv",
}
NOTEBOOKS[("layer", "applications")] = {
    "sba_summary": "results/layer/tables/sba_summary.csv",
    "sba_runs": "results/layer/tables/sba_runs.csv",
    "employee_summary": "results/layer/tables/employee_summary.csv",
    "employee_groups": "results/layer/tables/employee_groups.csv",
    "timing": "results/layer/benchmark/timing.csv",
}


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
