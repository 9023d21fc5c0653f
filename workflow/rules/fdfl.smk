# FDFL study: alpha-fair decisions, two-stage vs decision-focused training, Table 2, figures, scorecard.
# Helpers (method/table parsing, target lists, notebook registrations): the FDFL section of common.smk.


rule train_fdfl:
    input:
        sample="results/fdfl/data/sample.csv",
        splits="results/fdfl/data/splits.csv",
        provenance="resources/obermeyer/provenance.json",
    output:
        "results/fdfl/trials/{fdfl_method}/trial-{trial}.json",
    log:
        "logs/train_fdfl/{fdfl_method}/trial-{trial}.log",
    benchmark:
        "benchmarks/train_fdfl/{fdfl_method}/trial-{trial}.tsv"
    params:
        method=fdfl_method_spec,
        settings=fdfl_trial_settings(),
    threads: config["threads"]
    resources:
        mem_mb=1500,
        runtime=30,
    conda:
        ENV
    script:
        "../scripts/train_fdfl.py"


rule aggregate_fdfl_table:
    input:
        trials=fdfl_table_trials,
        provenance="resources/obermeyer/provenance.json",
    output:
        table=report(
            "results/fdfl/tables/{fdfl_table}.csv",
            caption="../report/fdfl_table.rst",
            category="fdfl",
        ),
        markdown="results/fdfl/tables/{fdfl_table}.md",
        trials="results/fdfl/tables/{fdfl_table}_trials.csv",
        groups="results/fdfl/tables/{fdfl_table}_groups.csv",
        history="results/fdfl/tables/{fdfl_table}_history.csv",
    log:
        "logs/aggregate_fdfl_table/{fdfl_table}.log",
    params:
        methods=fdfl_table_methods,
    localrule: True
    conda:
        ENV
    script:
        "../scripts/aggregate_fdfl_table.py"


rule index_fdfl_tables:
    input:
        expand("results/fdfl/tables/{fdfl_table}.csv", fdfl_table=FDFL_RUN_TABLES),
    output:
        "results/fdfl/tables/index.csv",
    log:
        "logs/index_fdfl_tables.log",
    params:
        tables=FDFL_RUN_TABLES,
    localrule: True
    conda:
        ENV
    script:
        "../scripts/index_fdfl_tables.py"


rule benchmark_fdfl_decision:
    output:
        timing="results/fdfl/benchmarks/decision_timing.csv",
        dbb="results/fdfl/benchmarks/dbb_distance.json",
    log:
        "logs/benchmark_fdfl_decision.log",
    benchmark:
        "benchmarks/benchmark_fdfl_decision.tsv"
    params:
        benchmark=config["fdfl"]["benchmark"],
        decision=config["fdfl"]["decision"],
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        ENV
    script:
        "../scripts/benchmark_fdfl_decision.py"


rule fdfl_illustrative:
    output:
        table1="results/fdfl/illustrative/table1.csv",
        points="results/fdfl/illustrative/points.csv",
        lines="results/fdfl/illustrative/lines.csv",
    log:
        "logs/fdfl_illustrative.log",
    params:
        illustrative=config["fdfl"]["illustrative"],
    threads: config["threads"]
    conda:
        ENV
    script:
        "../scripts/fdfl_illustrative.py"


rule fdfl_scorecard:
    input:
        unpack(fdfl_scorecard_inputs),
    output:
        csv="results/scorecard/fdfl.csv",
        md="results/scorecard/fdfl.md",
    log:
        "logs/fdfl_scorecard.log",
    params:
        scorecard=config["fdfl"]["scorecard"],
        methods=config["fdfl"]["methods"],
    localrule: True
    conda:
        ENV
    script:
        "../scripts/fdfl_scorecard.py"


rule fdfl_benchmark_table:
    input:
        paper="workflow/paper/fdfl.yaml",
        trials=f"results/fdfl/tables/{FDFL_PAPER_TABLE}_trials.csv",
        jobs=fdfl_paper_table_benchmarks(),
        decision="results/fdfl/benchmarks/decision_timing.csv",
    output:
        csv="results/benchmarks/fdfl.csv",
        md="results/benchmarks/fdfl.md",
    log:
        "logs/fdfl_benchmark_table.log",
    params:
        targets=config["fdfl"]["benchmark"]["targets"],
        methods=config["fdfl"]["methods"],
        solver=config["fdfl"]["decision"]["solver"],
        cores=total_cores,
    localrule: True
    conda:
        ENV
    script:
        "../scripts/fdfl_benchmark_table.py"
