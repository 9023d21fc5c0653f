# fairreg study rules (see the section of workflow/rules/common.smk for its helpers).
# Fair and accurate regression (Deza, Gomez & Atamturk): synthetic study (one job per instance,
# lambda and method), real-data trade-offs against Agarwal et al., tables, scorecard, benchmarks.


rule fairreg_make_instance:
    output:
        instance="results/fairreg/synthetic/instances/m{m}_seed{seed}.csv",
        meta="results/fairreg/synthetic/instances/m{m}_seed{seed}.json",
    log:
        "logs/fairreg_make_instance/m{m}_seed{seed}.log",
    params:
        n=FAIRREG_SYN["n"],
        l=FAIRREG_SYN["l"],
        generator=FAIRREG_SYN["generator"],
    wildcard_constraints:
        m=r"\d+",
        seed=r"\d+",
    conda:
        ENV
    script:
        "../scripts/fairreg_make_instance.py"


rule fairreg_synthetic_method:
    input:
        unpack(fairreg_synthetic_method_inputs),
    output:
        "results/fairreg/synthetic/runs/m{m}/seed{seed}/lam{lam}/{method}.json",
    log:
        "logs/fairreg_synthetic_method/m{m}/seed{seed}/lam{lam}/{method}.log",
    benchmark:
        "benchmarks/fairreg_synthetic_method/m{m}/seed{seed}/lam{lam}/{method}.tsv"
    params:
        time_limit=FAIRREG_SYN["time_limit"],
        wall_limit=fairreg_wall_limit(FAIRREG_SYN["time_limit"]),
        solvers=fairreg_solver_params(),
        cd=FAIRREG_SYN["cd"],
    threads: config["threads"]
    resources:
        mem_mb=FAIRREG["resources"]["mem_mb_synthetic"],
        runtime=fairreg_synthetic_runtime,
    wildcard_constraints:
        m=r"\d+",
        seed=r"\d+",
        lam=r"[0-9.e+-]+",
        method="|".join(FAIRREG_SYN["methods"]),
    conda:
        ENV
    script:
        "../scripts/fairreg_synthetic_method.py"


rule fairreg_aggregate_synthetic:
    input:
        fairreg_synthetic_runs(),
    output:
        runs="results/fairreg/synthetic/runs.csv",
        summary="results/fairreg/synthetic/summary.csv",
        formulations_csv="results/fairreg/synthetic/table_formulations.csv",
        formulations_md="results/fairreg/synthetic/table_formulations.md",
        gaps_csv="results/fairreg/synthetic/table_gaps.csv",
        gaps_md="results/fairreg/synthetic/table_gaps.md",
    log:
        "logs/fairreg_aggregate_synthetic.log",
    conda:
        ENV
    script:
        "../scripts/fairreg_aggregate_synthetic.py"


rule fairreg_prepare_real:
    input:
        raw=fairreg_raw_input,
    output:
        prepared="results/fairreg/real/{dataset}/prepared.csv",
        info="results/fairreg/real/{dataset}/info.json",
    log:
        "logs/fairreg_prepare_real/{dataset}.log",
    params:
        options=fairreg_prepare_options,
        subsample=fairreg_subsample,
        subsample_seed=FAIRREG_REAL["subsample_seed"],
        test_size=FAIRREG_REAL["test_size"],
        split_seed=FAIRREG_REAL["split_seed"],
        intercept=FAIRREG_REAL["intercept"],
    resources:
        mem_mb=FAIRREG["resources"]["mem_mb_real"],
    wildcard_constraints:
        dataset="communities_crime|law_school",
    conda:
        ENV
    script:
        "../scripts/fairreg_prepare_real.py"


rule fairreg_real_method:
    input:
        unpack(fairreg_real_method_inputs),
    output:
        "results/fairreg/real/{dataset}/runs/{method}_{setting}.json",
    log:
        "logs/fairreg_real_method/{dataset}/{method}_{setting}.log",
    benchmark:
        "benchmarks/fairreg_real_method/{dataset}/{method}_{setting}.tsv"
    params:
        l=FAIRREG_REAL["l"],
        threshold_position=FAIRREG_REAL["threshold_position"],
        mio_time_limit=FAIRREG_REAL["mio_time_limit"],
        wall_limit=fairreg_wall_limit(FAIRREG_REAL["mio_time_limit"]),
        solvers=fairreg_solver_params(),
        cd=FAIRREG_REAL["cd"],
        agarwal={**FAIRREG_REAL["agarwal"], "T": FAIRREG_REAL["agarwal_iterations"]},
        seed=FAIRREG_REAL["seed"],
    threads: config["threads"]
    resources:
        mem_mb=FAIRREG["resources"]["mem_mb_real"],
        runtime=fairreg_real_runtime,
    wildcard_constraints:
        dataset="communities_crime|law_school",
        method="ls|relax|cd_relax|mio|agarwal",
        setting=r"base|lam[0-9.e+-]+|eps[0-9.e+-]+",
    conda:
        ENV
    script:
        "../scripts/fairreg_real_method.py"


rule fairreg_aggregate_real:
    input:
        runs=fairreg_real_runs(),
        info=expand("results/fairreg/real/{dataset}/info.json", dataset=FAIRREG_REAL["datasets"]),
    output:
        runs="results/fairreg/real/runs.csv",
        tradeoff_csv="results/fairreg/real/tradeoff.csv",
        tradeoff_md="results/fairreg/real/tradeoff.md",
        reduction="results/fairreg/real/reduction.csv",
        times_csv="results/fairreg/real/training_times.csv",
        times_md="results/fairreg/real/training_times.md",
    log:
        "logs/fairreg_aggregate_real.log",
    conda:
        ENV
    script:
        "../scripts/fairreg_aggregate_real.py"


rule fairreg_report:
    input:
        paper="workflow/paper/fairreg.yaml",
        runs="results/fairreg/synthetic/runs.csv",
        summary="results/fairreg/synthetic/summary.csv",
        formulations="results/fairreg/synthetic/table_formulations.csv",
        gaps="results/fairreg/synthetic/table_gaps.csv",
        tradeoff="results/fairreg/real/tradeoff.csv",
        reduction="results/fairreg/real/reduction.csv",
        times="results/fairreg/real/training_times.csv",
        info=expand("results/fairreg/real/{dataset}/info.json", dataset=FAIRREG_REAL["datasets"]),
    output:
        scorecard=report(
            "results/scorecard/fairreg.csv",
            caption="../report/scorecard.rst",
            category="Scorecard",
        ),
        scorecard_md="results/scorecard/fairreg.md",
        benchmarks=report(
            "results/benchmarks/fairreg.csv",
            caption="../report/benchmarks.rst",
            category="Benchmarks",
        ),
        benchmarks_md="results/benchmarks/fairreg.md",
        comparison="results/fairreg/comparison.md",
    log:
        "logs/fairreg_report.log",
    params:
        settings=FAIRREG,
    localrule: True
    conda:
        ENV
    script:
        "../scripts/fairreg_report.py"
