# FDFL study (fair decision-focused learning): alpha-fair decisions, two-stage vs decision-focused
# training, Table 2, figures, scorecard. Stages: fdfl_prepare -> fdfl_job (the training jobs
# fdfl_job_trials_<first>_<last>) -> fdfl_aggregate -> fdfl_scorecard -> fdfl_benchmarks -> figures.
# Settings: fairopt.studies.fdfl.settings (schema and presets in src/fairopt/studies/fdfl/); methods
# are configuration (fdfl.methods), tables are
# ordered method lists (fdfl.tables), both checked before any job runs. Each distinct training
# configuration is trained once (FDFL.trainings): a method configured like an earlier one reads that
# method's trial files (FDFL.trained_as), in every table.
from fairopt.studies.fdfl.methods import method_record
from fairopt.studies.fdfl.settings import LAYER_TABLE as FDFL_LAYER_TABLE
from fairopt.studies.fdfl.settings import PAPER_TABLE as FDFL_PAPER_TABLE
from fairopt.studies.fdfl.settings import load_settings as fdfl_load_settings
from fairopt.studies.fdfl.settings import trial_config as fdfl_trial_config

FDFL = study_settings("fdfl", fdfl_load_settings)
FDFL_CFG = FDFL.section


rule fdfl_prepare_table:
    input:
        patients=OBERMEYER_PATIENTS.patients,
        provenance=OBERMEYER_PATIENTS.provenance,
        dictionary=OBERMEYER_CALIBRATION["dictionary"],
    output:
        table="results/fdfl/data/modelling_table.csv",
        summary=report(
            "results/fdfl/data/derived_summary.csv",
            caption="../report/fdfl_derived_summary.rst",
            category="data",
        ),
    log:
        "logs/fdfl_prepare_table.log",
    benchmark:
        "benchmarks/fdfl_prepare_table.tsv"
    retries: JOB_RESOURCES.retries("fdfl_prepare_table")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fdfl_prepare_table")
    resources:
        **JOB_RESOURCES.of("fdfl_prepare_table", FDFL_CFG),
    params:
        gain=FDFL_CFG["data"],
    script:
        "../scripts/fdfl_prepare_table.py"


rule fdfl_prepare_trials:
    input:
        table=rules.fdfl_prepare_table.output.table,
        provenance=OBERMEYER_PATIENTS.provenance,
    output:
        sample="results/fdfl/data/sample.csv",
        splits="results/fdfl/data/splits.csv",
    log:
        "logs/fdfl_prepare_trials.log",
    benchmark:
        "benchmarks/fdfl_prepare_trials.tsv"
    retries: JOB_RESOURCES.retries("fdfl_prepare_trials")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fdfl_prepare_trials")
    resources:
        **JOB_RESOURCES.of("fdfl_prepare_trials", FDFL_CFG),
    params:
        n=FDFL_CFG["sample"]["n"],
        random_state=FDFL_CFG["sample"]["random_state"],
        trials=FDFL_CFG["trials"],
        test_size=FDFL_CFG["test_size"],
    script:
        "../scripts/fdfl_prepare_trials.py"


# Training jobs: one per (method, block of fdfl.trial_block consecutive trials), rule
# fdfl_job_trials_<first>_<last>. A block job writes every trial's record and timing at the per-trial
# paths below (as a job per trial would), so a block of 1 is a job per trial (a cluster) and a block of
# 10 pays the interpreter, torch import and data reading once for a method's 10 trials (one machine).
FDFL_TRIAL = "results/fdfl/trials/{method}/trial-{trial}.json"
# measured seconds (training, per epoch, the job's stages and clock): kept out of the record
FDFL_TRIAL_TIMING = "results/fdfl/timing/trials/{method}/trial-{trial}.json"
# the block's benchmark file (the rule family's folder, as fairopt's benchmark readers expect)
FDFL_JOB_BENCHMARK = "benchmarks/fdfl_job/{method}/trials-{first}-{last}.tsv"

for FDFL_BLOCK in FDFL.trial_blocks:

    rule:
        name:
            f"fdfl_job_trials_{FDFL_BLOCK[0]}_{FDFL_BLOCK[-1]}"
        input:
            sample=rules.fdfl_prepare_trials.output.sample,
            splits=rules.fdfl_prepare_trials.output.splits,
            provenance=OBERMEYER_PATIENTS.provenance,
        output:
            # the trials of the block, in order (the script reads them from these paths)
            trials=expand(FDFL_TRIAL, method="{method}", trial=FDFL_BLOCK),
            timings=expand(FDFL_TRIAL_TIMING, method="{method}", trial=FDFL_BLOCK),
        log:
            f"logs/fdfl_job/{{method}}/trials-{FDFL_BLOCK[0]}-{FDFL_BLOCK[-1]}.log",
        benchmark:
            f"benchmarks/fdfl_job/{{method}}/trials-{FDFL_BLOCK[0]}-{FDFL_BLOCK[-1]}.tsv"
        wildcard_constraints:
            method="|".join(sorted(FDFL.trainings)),
        retries: JOB_RESOURCES.retries("fdfl_job")
        # on a cluster, profiles/slurm bundles block jobs into submissions (group-components)
        group:
            "fdfl_trials"
        conda:
            ENV
        threads: JOB_RESOURCES.threads("fdfl_job")
        resources:
            **JOB_RESOURCES.of("fdfl_job", FDFL_CFG),
        params:
            # the parsed method (editing one method re-runs only its trials) and the shared trial config;
            # not the block (regrouping trials into jobs re-runs nothing)
            method=lambda w: method_record(FDFL.methods[w.method]),
            settings=fdfl_trial_config(FDFL_CFG),
        script:
            "../scripts/fdfl_job.py"


include: "fdfl_inputs.smk"


rule fdfl_job_timing:
    output:
        timing="results/fdfl/benchmarks/decision_timing.csv",
        # a seeded result, not a timing: outside benchmarks/ so that two runs are checked equal on it
        dbb="results/fdfl/gradients/dbb_distance.json",
    log:
        "logs/fdfl_job_timing.log",
    benchmark:
        "benchmarks/fdfl_job_timing.tsv"
    retries: JOB_RESOURCES.retries("fdfl_job_timing")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fdfl_job_timing")
    resources:
        **JOB_RESOURCES.of("fdfl_job_timing", FDFL_CFG),
    params:
        benchmark=FDFL_CFG["benchmark"],
        decision=FDFL_CFG["decision"],
    script:
        "../scripts/fdfl_job_timing.py"


rule fdfl_job_illustrative:
    output:
        table1="results/fdfl/illustrative/table1.csv",
        points="results/fdfl/illustrative/points.csv",
        lines="results/fdfl/illustrative/lines.csv",
    log:
        "logs/fdfl_job_illustrative.log",
    benchmark:
        "benchmarks/fdfl_job_illustrative.tsv"
    retries: JOB_RESOURCES.retries("fdfl_job_illustrative")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fdfl_job_illustrative")
    resources:
        **JOB_RESOURCES.of("fdfl_job_illustrative", FDFL_CFG),
    params:
        illustrative=FDFL_CFG["illustrative"],
    script:
        "../scripts/fdfl_job_illustrative.py"


rule fdfl_aggregate:
    input:
        trials=lambda w: fdfl_table_trials(w.table),
        timings=lambda w: fdfl_table_timings(w.table),
        provenance=OBERMEYER_PATIENTS.provenance,
    output:
        table=report(
            "results/fdfl/tables/{table}.csv",
            caption="../report/fdfl_table.rst",
            category="fdfl",
        ),
        markdown="results/fdfl/tables/{table}.md",
        trials="results/fdfl/tables/{table}_trials.csv",
        groups="results/fdfl/tables/{table}_groups.csv",
        history="results/fdfl/tables/{table}_history.csv",
        # the measured times (Table 2's Time column, per trial, per epoch): timing files
        timing="results/fdfl/tables/{table}_timing.csv",
        timing_md="results/fdfl/tables/{table}_timing.md",
        trials_timing="results/fdfl/tables/{table}_trials_timing.csv",
        history_timing="results/fdfl/tables/{table}_history_timing.csv",
    log:
        "logs/fdfl_aggregate/{table}.log",
    benchmark:
        "benchmarks/fdfl_aggregate/{table}.tsv"
    wildcard_constraints:
        table="|".join(sorted(FDFL.tables)),
    retries: JOB_RESOURCES.retries("fdfl_aggregate")
    localrule: True
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fdfl_aggregate")
    resources:
        **JOB_RESOURCES.of("fdfl_aggregate", FDFL_CFG),
    params:
        rows=lambda w: fdfl_table_rows(w.table),
    script:
        "../scripts/fdfl_aggregate.py"


rule fdfl_aggregate_index:
    input:
        [fdfl_table(t) for t in FDFL.run_tables],
    output:
        "results/fdfl/tables/index.csv",
    log:
        "logs/fdfl_aggregate_index.log",
    benchmark:
        "benchmarks/fdfl_aggregate_index.tsv"
    retries: JOB_RESOURCES.retries("fdfl_aggregate_index")
    localrule: True
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fdfl_aggregate_index")
    resources:
        **JOB_RESOURCES.of("fdfl_aggregate_index", FDFL_CFG),
    params:
        tables=FDFL.run_tables,
    script:
        "../scripts/fdfl_aggregate_index.py"


rule fdfl_scorecard:
    input:
        unpack(fdfl_scorecard_inputs),
    output:
        csv="results/scorecard/fdfl.csv",
        md="results/scorecard/fdfl.md",
        timing_csv="results/scorecard/timing/fdfl.csv",
        timing_md="results/scorecard/timing/fdfl.md",
    log:
        "logs/fdfl_scorecard.log",
    benchmark:
        "benchmarks/fdfl_scorecard.tsv"
    retries: JOB_RESOURCES.retries("fdfl_scorecard")
    localrule: True
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fdfl_scorecard")
    resources:
        **JOB_RESOURCES.of("fdfl_scorecard", FDFL_CFG),
    params:
        headline=headline,
        scorecard=FDFL_CFG["scorecard"],
        methods=FDFL_CFG["methods"],
    script:
        "../scripts/fdfl_scorecard.py"


rule fdfl_benchmarks:
    input:
        paper=source_file("../paper/fdfl.yaml"),
        trials=fdfl_table(FDFL_PAPER_TABLE, "trials_timing"),
        jobs=fdfl_table_benchmarks(FDFL_PAPER_TABLE),
        decision=rules.fdfl_job_timing.output.timing,
        # measured alone by `python -m fairopt.studies.fdfl.wall_time` (the table says "not measured" without it)
        wall=fdfl_wall_timing,
    output:
        csv="results/benchmarks/fdfl.csv",
        md="results/benchmarks/fdfl.md",
    log:
        "logs/fdfl_benchmarks.log",
    benchmark:
        "benchmarks/fdfl_benchmarks.tsv"
    retries: JOB_RESOURCES.retries("fdfl_benchmarks")
    localrule: True
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fdfl_benchmarks")
    resources:
        **JOB_RESOURCES.of("fdfl_benchmarks", FDFL_CFG),
    params:
        headline=headline,
        targets=FDFL_CFG["benchmark"]["targets"],
        methods=FDFL_CFG["methods"],
        solver=FDFL_CFG["decision"]["solver"],
    script:
        "../scripts/fdfl_benchmarks.py"


# ------------------------------------------------------------------ figures and registration
FDFL_TARGETS = list(rules.fdfl_prepare_table.output) + list(rules.fdfl_prepare_trials.output)
FDFL_TARGETS += expand(list(rules.fdfl_aggregate.output), table=FDFL.run_tables)
FDFL_TARGETS += [rules.fdfl_job_illustrative.output.table1, *rules.fdfl_job_timing.output]
FDFL_TARGETS.append(
    register_notebook(
        "data",
        "overview",
        summary=rules.fdfl_prepare_table.output.summary,
        checks=rules.check_obermeyer_patients.output[0],
    )
)
if FDFL_PAPER_TABLE in FDFL.run_tables:
    FDFL_TARGETS += list(rules.fdfl_scorecard.output) + list(rules.fdfl_benchmarks.output)
    FDFL_TARGETS += [
        register_notebook(
            "fdfl",
            "table2",
            table=fdfl_table(FDFL_PAPER_TABLE),
            scorecard=rules.fdfl_scorecard.output.csv,
            tables_index=rules.fdfl_aggregate_index.output[0],
        ),
        register_notebook(
            "fdfl",
            "learning_curves",
            history=fdfl_table(FDFL_PAPER_TABLE, "history"),
            table=fdfl_table(FDFL_PAPER_TABLE),
        ),
        register_notebook(
            "fdfl", "group_errors", groups=fdfl_table(FDFL_PAPER_TABLE, "groups"), table=fdfl_table(FDFL_PAPER_TABLE)
        ),
        register_notebook("fdfl", "illustrative", **dict(rules.fdfl_job_illustrative.output.items())),
        # the timing figure (a timing file by its name) shows every measured time: Table 2 with its
        # Time column, seconds per epoch, the time cells and speed claims of the scorecard
        register_notebook(
            "fdfl",
            "timing",
            decision_timing=rules.fdfl_job_timing.output.timing,
            benchmarks=rules.fdfl_benchmarks.output.csv,
            dbb=rules.fdfl_job_timing.output.dbb,
            table=fdfl_table(FDFL_PAPER_TABLE),
            table_timing=fdfl_table(FDFL_PAPER_TABLE, "timing"),
            history_timing=fdfl_table(FDFL_PAPER_TABLE, "history_timing"),
            scorecard_timing=rules.fdfl_scorecard.output.timing_csv,
        ),
    ]

register_study(
    "fdfl",
    targets=FDFL_TARGETS,
    scorecard=rules.fdfl_scorecard.output if FDFL_PAPER_TABLE in FDFL.run_tables else None,
    benchmarks=rules.fdfl_benchmarks.output.csv if FDFL_PAPER_TABLE in FDFL.run_tables else None,
)
