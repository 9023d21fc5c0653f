# What every study shares (no study's helpers live here): config validation, the raw-data layer,
# register_study(...) feeding `rule all`, the notebook list, the combined scorecard/benchmark inputs.
import copy
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import update_config, validate

from fairopt.core.cli_config import retype_scalars
from fairopt.core.config_check import check_solvers, check_top_level, stop_on_error
from fairopt.core.job_resources import JobResources
from fairopt.data.raw import check_obtainable, raw_file, registry, required_files
from fairopt.report.plan_summary import announce_plan
from fairopt.studies.common import schema as study_schema

# Nested `--config` values arrive as strings (Snakemake parses them with YAML's BaseLoader): give
# them their YAML types, so that --config layer='{synthetic: {datasets: [0]}}' works. Values from
# config files keep the types YAML gave them (a quoted "3" stays a string and fails its schema).
if workflow.config_settings.config:
    update_config(config, retype_scalars(dict(workflow.config_settings.config)))
# What the user set (config files and --config) before the schema fills in defaults: a study's
# settings are its schema defaults < its preset < these keys (fairopt.studies.common).
EXPLICIT = copy.deepcopy(config)
stop_on_error(
    check_top_level,
    config,
    source_file("../schemas/config.schema.yaml"),
    source_file("../schemas/obermeyer.schema.yaml"),
)
validate(config, "../schemas/config.schema.yaml")  # fills the defaults (the checks above passed)
validate(config["obermeyer"], "../schemas/obermeyer.schema.yaml")
STUDIES = list(config["studies"])
# jobs per study and declared core-hours, printed once the DAG is built (runs and dry runs alike)
announce_plan(workflow, preset=config["scale"])

# Every job runs from the repository root; the mirror path is made absolute so that it does not
# depend on the working directory of a cluster job.
DATA_MIRROR = str(Path(config["data_mirror"]).expanduser().resolve())
# a raw file that can be neither copied nor downloaded stops the workflow now, not when its job runs
stop_on_error(
    check_obtainable, required_files(), copies="resources/raw", mirror=DATA_MIRROR, download=config["download"]
)
ENV = "../../envs/fairopt.yaml"
# What every rule asks a scheduler for (threads, mem_mb, runtime, cpus_per_task, a GPU on device cuda,
# retries), measured: workflow/resources.yaml (fairopt.core.job_resources; `fairopt resources` compares it
# with a run's benchmark files).
JOB_RESOURCES = stop_on_error(
    JobResources.load, source_file("../resources.yaml"), threads=config["threads"], scale=config["scale"]
)


def study_settings(study, load):
    """Resolve a study's section with its settings loader; the resolved section replaces
    config[study], so that the report and every job see what ran."""
    settings = stop_on_error(load, EXPLICIT.get(study) or {}, default_scale=config["scale"])
    config[study] = getattr(settings, "section", settings)
    # a solver asked for but not installed or not licensed fails here, naming the key
    stop_on_error(check_solvers, config[study], study_schema(study), prefix=study)
    return settings


def total_cores(wildcards=None):
    """Cores given to Snakemake (`--cores`), 0 where none were given (e.g. `snakemake --report`)."""
    try:
        return workflow.cores
    except WorkflowError:
        return 0


# ------------------------------------------------------------------ raw data
def raw_path(dataset, name):
    """Where the verified copy of a registered raw file lives (rule fetch_raw_file)."""
    return f"resources/raw/{dataset}/{name}"


def all_raw_files():
    """Every required raw file of the registry (the optional real patient file excluded)."""
    return [raw_path(f.dataset, f.name) for f in required_files()]


# ------------------------------------------------------------------ notebooks (figures)
# notebooks/<study>_<name>.ipynb is rendered by papermill to results/<study>/figures/<name>.html;
# every named input is passed to the notebook as a papermill parameter of the same name (its path;
# workflow/scripts/render_notebook.py, fairopt.report.notebooks).
NOTEBOOKS = {}


def register_notebook(study, name, **inputs):
    """Register a figure notebook and its inputs; returns the rendered HTML path."""
    NOTEBOOKS[(study, name)] = {k: str(v) for k, v in inputs.items()}
    return f"results/{study}/figures/{name}.html"


def notebook_inputs(wildcards):
    """The notebook itself (so an edit re-renders it) and the result files it reads."""
    key = (wildcards.study, wildcards.name)
    if key not in NOTEBOOKS:
        raise ValueError(f"no notebook registered for {key}; known: {sorted(NOTEBOOKS)}")
    return {"notebook": source_file(f"../../notebooks/{wildcards.study}_{wildcards.name}.ipynb"), **NOTEBOOKS[key]}


# ------------------------------------------------------------------ studies
# Each <study>.smk ends with register_study(...): its default targets, its scorecard and its
# benchmark table. Only the studies in config `studies` reach `rule all` and the combined tables.
STUDY_TARGETS, SCORECARDS, BENCHMARK_TABLES = {}, {}, {}


def register_study(study, *, targets, scorecard=None, benchmarks=None):
    """Register a study's default targets, its scorecard rule's outputs (``csv`` and ``timing_csv``:
    the speed claims, fairopt.report.scorecard) and its benchmark-table CSV."""
    STUDY_TARGETS[study] = [str(t) for t in targets]
    if scorecard is not None:
        SCORECARDS[study] = {f"scorecard_{study}": str(scorecard.csv), f"timing_{study}": str(scorecard.timing_csv)}
    if benchmarks is not None:
        BENCHMARK_TABLES[study] = str(benchmarks)


def enabled(table):
    """The entries of a per-study table whose study is in config `studies`."""
    return {s: v for s, v in table.items() if s in STUDIES}


def enabled_scorecards(wildcards=None):
    """``{scorecard_<study>: csv, timing_<study>: timing csv}`` of the enabled studies."""
    return {k: v for paths in enabled(SCORECARDS).values() for k, v in paths.items()}


def enabled_benchmark_tables(wildcards=None):
    return enabled(BENCHMARK_TABLES)


def all_targets():
    """What `snakemake` builds by default: the data stage, every enabled study, the combined tables."""
    targets = list(DATA_TARGETS)
    for study_targets in enabled(STUDY_TARGETS).values():
        targets += study_targets
    if enabled_scorecards():
        targets += list(rules.combine_scorecards.output)
    if enabled_benchmark_tables():
        targets += list(rules.combine_benchmarks.output)
    return targets
