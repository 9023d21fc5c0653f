# Fairness-layer study (issue 5): the F-Layer, online primal-dual inference and the baselines on
# the 32-dataset synthetic design, SBA loans and the employee wage audit; the exact-vs-cvxpylayers
# benchmark; tables, figures and scorecard. Helpers and settings: the fairness-layer section of
# workflow/rules/common.smk; config: `layer` (workflow/schemas/layer.schema.yaml).
# One job per (dataset, setting, method, seed) writes one JSON, so a killed run resumes per job;
# the Penalty baseline fits its whole lambda grid inside its one job (validation selection).


rule layer_synthetic_job:
    output:
        "results/layer/synthetic/{layer_setting}/{layer_method}/syn{syn}-seed{layer_seed}.json",
    log:
        "logs/layer_synthetic_job/{layer_setting}/{layer_method}/syn{syn}-seed{layer_seed}.log",
    benchmark:
        "benchmarks/layer_synthetic_job/{layer_setting}/{layer_method}/syn{syn}-seed{layer_seed}.tsv"
    params:
        experiment="synthetic",
        section=layer_job_section("synthetic"),
        batches=layer_setting_batches,
    threads: config["threads"]
    resources:
        mem_mb=LAYER["synthetic"]["resources"]["mem_mb"],
        runtime=layer_runtime("synthetic"),
    conda:
        ENV
    script:
        "../scripts/layer_job.py"


rule layer_sba_job:
    input:
        raw_path("sba_loans", "SBAcase.11.13.17.csv"),
    output:
        "results/layer/sba/{layer_method}/seed-{layer_seed}.json",
    log:
        "logs/layer_sba_job/{layer_method}/seed-{layer_seed}.log",
    benchmark:
        "benchmarks/layer_sba_job/{layer_method}/seed-{layer_seed}.tsv"
    params:
        experiment="sba",
        section=layer_job_section("sba"),
    threads: config["threads"]
    resources:
        mem_mb=LAYER["sba"]["resources"]["mem_mb"],
        runtime=layer_runtime("sba"),
    conda:
        ENV
    script:
        "../scripts/layer_job.py"


rule layer_employee_job:
    input:
        raw_path("employee_performance", "Employee_Performance.xls"),
    output:
        "results/layer/employee/{layer_method}/seed-{layer_seed}.json",
    log:
        "logs/layer_employee_job/{layer_method}/seed-{layer_seed}.log",
    benchmark:
        "benchmarks/layer_employee_job/{layer_method}/seed-{layer_seed}.tsv"
    params:
        experiment="employee",
        section=layer_job_section("employee"),
    threads: config["threads"]
    resources:
        mem_mb=LAYER["employee"]["resources"]["mem_mb"],
        runtime=layer_runtime("employee"),
    conda:
        ENV
    script:
        "../scripts/layer_job.py"


rule layer_benchmark:
    output:
        "results/layer/benchmark/timing.csv",
    log:
        "logs/layer_benchmark.log",
    benchmark:
        "benchmarks/layer_benchmark.tsv"
    params:
        bench=layer_benchmark_params(),
    threads: config["threads"]
    resources:
        mem_mb=LAYER["benchmark"]["resources"]["mem_mb"],
        runtime=LAYER["benchmark"]["resources"]["runtime"],
    conda:
        ENV
    script:
        "../scripts/layer_benchmark.py"


rule layer_aggregate_synthetic:
    input:
        layer_synthetic_jobs,
    output:
        runs="results/layer/tables/synthetic_runs.csv",
        summary=report(
            "results/layer/tables/synthetic_summary.csv",
            caption="../report/layer_synthetic.rst",
            category="layer",
        ),
        instances="results/layer/tables/synthetic_instances.csv",
    log:
        "logs/layer_aggregate_synthetic.log",
    params:
        slack=LAYER["synthetic"]["infeasible_slack"],
        methods=LAYER["synthetic"]["methods"],
        settings=LAYER_SETTINGS,
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        ENV
    script:
        "../scripts/layer_aggregate_synthetic.py"


rule layer_aggregate_sba:
    input:
        layer_sba_jobs,
    output:
        runs="results/layer/tables/sba_runs.csv",
        summary=report(
            "results/layer/tables/sba_summary.csv",
            caption="../report/layer_sba.rst",
            category="layer",
        ),
    log:
        "logs/layer_aggregate_sba.log",
    params:
        slack=LAYER["sba"]["infeasible_slack"],
        methods=LAYER["sba"]["methods"],
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        "../scripts/layer_aggregate_sba.py"


rule layer_aggregate_employee:
    input:
        layer_employee_jobs,
    output:
        summary=report(
            "results/layer/tables/employee_summary.csv",
            caption="../report/layer_employee.rst",
            category="layer",
        ),
        groups="results/layer/tables/employee_groups.csv",
    log:
        "logs/layer_aggregate_employee.log",
    params:
        methods=LAYER["employee"]["methods"],
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        "../scripts/layer_aggregate_employee.py"


rule layer_scorecard:
    input:
        paper="workflow/paper/layer.yaml",
        synthetic="results/layer/tables/synthetic_summary.csv",
        sba="results/layer/tables/sba_summary.csv",
        sba_runs="results/layer/tables/sba_runs.csv",
        employee="results/layer/tables/employee_summary.csv",
    output:
        csv=report(
            "results/scorecard/layer.csv",
            caption="../report/scorecard.rst",
            category="Scorecard",
        ),
        md="results/scorecard/layer.md",
    log:
        "logs/layer_scorecard.log",
    params:
        settings=LAYER,
        paper_settings=LAYER_PAPER,
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        "../scripts/layer_scorecard.py"


rule layer_benchmark_table:
    input:
        timing="results/layer/benchmark/timing.csv",
        synthetic="results/layer/tables/synthetic_summary.csv",
    output:
        csv=report(
            "results/benchmarks/layer.csv",
            caption="../report/benchmarks.rst",
            category="Benchmarks",
        ),
        md="results/benchmarks/layer.md",
    log:
        "logs/layer_benchmark_table.log",
    params:
        target_batch_size=LAYER["benchmark"]["target_batch_size"],
        target_speedup=LAYER["benchmark"]["target_speedup"],
        solver=LAYER["benchmark"]["solver_args"],
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        "../scripts/layer_benchmark_table.py"
