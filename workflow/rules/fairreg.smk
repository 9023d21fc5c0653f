# Fair and accurate regression (Deza, Gomez & Atamturk): the synthetic study (one job per instance,
# lambda and method) and the real-data trade-offs against Agarwal et al. Stages: fairreg_prepare ->
# fairreg_job -> fairreg_aggregate -> fairreg_scorecard -> fairreg_benchmarks -> figures. Settings:
# fairopt.studies.fairreg.settings (schema and presets in src/fairopt/studies/fairreg/). Every job writes
# its result row and, apart, its measured times (results/fairreg/timing/...): results of two runs of one
# configuration are byte-identical, timing files are not (fairopt.report.identity).
from fairopt.studies.fairreg.methods import REAL as FAIRREG_REAL_METHODS
from fairopt.studies.fairreg.methods import SYNTHETIC as FAIRREG_SYNTHETIC_METHODS
from fairopt.studies.fairreg.prepare import LOADERS as FAIRREG_LOADERS
from fairopt.studies.fairreg.settings import format_value as fairreg_value
from fairopt.studies.fairreg.settings import job_options as fairreg_job_options
from fairopt.studies.fairreg.settings import load_settings as fairreg_load_settings
from fairopt.studies.fairreg.settings import mio_runtime as fairreg_mio_runtime
from fairopt.studies.fairreg.settings import real_settings as fairreg_real_settings

FAIRREG = study_settings("fairreg", fairreg_load_settings)
FAIRREG_SYN, FAIRREG_REAL = FAIRREG["synthetic"], FAIRREG["real"]
FAIRREG_SEEDS = [FAIRREG_SYN["seed"] + k for k in range(FAIRREG_SYN["instances"])]
FAIRREG_LAMBDAS = [fairreg_value(x) for x in FAIRREG_SYN["lambdas"]]
FAIRREG_REAL_DATASETS = "|".join(FAIRREG_LOADERS)


rule fairreg_prepare_synthetic:
    output:
        instance="results/fairreg/synthetic/instances/m{m}_seed{seed}.csv",
        meta="results/fairreg/synthetic/instances/m{m}_seed{seed}.json",
    log:
        "logs/fairreg_prepare_synthetic/m{m}_seed{seed}.log",
    benchmark:
        "benchmarks/fairreg_prepare_synthetic/m{m}_seed{seed}.tsv"
    wildcard_constraints:
        m=r"\d+",
        seed=r"\d+",
    retries: JOB_RESOURCES.retries("fairreg_prepare_synthetic")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fairreg_prepare_synthetic")
    resources:
        **JOB_RESOURCES.of("fairreg_prepare_synthetic", FAIRREG),
    params:
        n=FAIRREG_SYN["n"],
        l=FAIRREG_SYN["l"],
        generator=FAIRREG_SYN["generator"],
    script:
        "../scripts/fairreg_prepare_synthetic.py"


rule fairreg_prepare_real:
    input:
        raw=lambda w: raw_path(w.dataset, FAIRREG_LOADERS.info(w.dataset)["raw"]),
    output:
        prepared="results/fairreg/real/{dataset}/prepared.csv",
        info="results/fairreg/real/{dataset}/info.json",
    log:
        "logs/fairreg_prepare_real/{dataset}.log",
    benchmark:
        "benchmarks/fairreg_prepare_real/{dataset}.tsv"
    wildcard_constraints:
        dataset=FAIRREG_REAL_DATASETS,
    retries: JOB_RESOURCES.retries("fairreg_prepare_real")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fairreg_prepare_real")
    resources:
        **JOB_RESOURCES.of("fairreg_prepare_real", FAIRREG),
    params:
        options=lambda w: FAIRREG_REAL[w.dataset],
        subsample=lambda w: FAIRREG_REAL["subsample"][w.dataset],
        subsample_seed=FAIRREG_REAL["subsample_seed"],
        test_size=FAIRREG_REAL["test_size"],
        split_seed=FAIRREG_REAL["split_seed"],
        intercept=FAIRREG_REAL["intercept"],
    script:
        "../scripts/fairreg_prepare_real.py"


include: "fairreg_inputs.smk"


rule fairreg_job_synthetic:
    input:
        unpack(fairreg_synthetic_inputs),
    output:
        record="results/fairreg/synthetic/runs/m{m}/seed{seed}/lam{lam}/{method}.json",
        timing="results/fairreg/timing/synthetic/m{m}/seed{seed}/lam{lam}/{method}.json",
    log:
        "logs/fairreg_job_synthetic/m{m}/seed{seed}/lam{lam}/{method}.log",
    benchmark:
        "benchmarks/fairreg_job_synthetic/m{m}/seed{seed}/lam{lam}/{method}.tsv"
    wildcard_constraints:
        m=r"\d+",
        seed=r"\d+",
        lam=r"[0-9.e+-]+",
        method="|".join(FAIRREG_SYN["methods"]),
    retries: JOB_RESOURCES.retries("fairreg_job_synthetic")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fairreg_job_synthetic")
    resources:
        # an MIO: its time limit and the watchdog's allowance (fairreg_mio_runtime); otherwise 10 minutes
        **JOB_RESOURCES.of(
            "fairreg_job_synthetic",
            FAIRREG,
            runtime=lambda w: (
                fairreg_mio_runtime(FAIRREG, FAIRREG_SYN["time_limit"])
                if FAIRREG_SYNTHETIC_METHODS.info(w.method).get("mio")
                else 10
            ),
        ),
    params:
        options=fairreg_job_options(FAIRREG, "synthetic"),
    script:
        "../scripts/fairreg_job_synthetic.py"


rule fairreg_job_real:
    input:
        prepared=rules.fairreg_prepare_real.output.prepared,
        start=lambda w: [
            rules.fairreg_job_real.output.record.format(dataset=w.dataset, method=needs, setting=w.setting)
            for needs in filter(None, [FAIRREG_REAL_METHODS.info(w.method).get("needs")])
        ],
    output:
        record="results/fairreg/real/{dataset}/runs/{method}_{setting}.json",
        timing="results/fairreg/timing/real/{dataset}/{method}_{setting}.json",
    log:
        "logs/fairreg_job_real/{dataset}/{method}_{setting}.log",
    benchmark:
        "benchmarks/fairreg_job_real/{dataset}/{method}_{setting}.tsv"
    wildcard_constraints:
        dataset=FAIRREG_REAL_DATASETS,
        method="|".join(FAIRREG_REAL_METHODS),
        setting=r"base|lam[0-9.e+-]+|eps[0-9.e+-]+",
    retries: JOB_RESOURCES.retries("fairreg_job_real")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fairreg_job_real")
    resources:
        # an MIO: its time limit and the watchdog's allowance (fairreg_mio_runtime); otherwise 120 minutes
        **JOB_RESOURCES.of(
            "fairreg_job_real",
            FAIRREG,
            runtime=lambda w: (
                fairreg_mio_runtime(FAIRREG, FAIRREG_REAL["mio_time_limit"])
                if FAIRREG_REAL_METHODS.info(w.method).get("mio")
                else 120
            ),
        ),
    params:
        l=FAIRREG_REAL["l"],
        threshold_position=FAIRREG_REAL["threshold_position"],
        options=fairreg_job_options(FAIRREG, "real"),
    script:
        "../scripts/fairreg_job_real.py"


FAIRREG_SYNTHETIC_JOBS = dict(
    m=FAIRREG_SYN["m"], seed=FAIRREG_SEEDS, lam=FAIRREG_LAMBDAS, method=FAIRREG_SYN["methods"]
)
FAIRREG_SYNTHETIC_RUNS = expand(rules.fairreg_job_synthetic.output.record, **FAIRREG_SYNTHETIC_JOBS)
FAIRREG_SYNTHETIC_TIMINGS = expand(rules.fairreg_job_synthetic.output.timing, **FAIRREG_SYNTHETIC_JOBS)
FAIRREG_REAL_JOBS = [
    dict(dataset=d, method=m, setting=s) for d in FAIRREG_REAL["datasets"] for m, s in fairreg_real_settings(FAIRREG)
]
FAIRREG_REAL_RUNS = [rules.fairreg_job_real.output.record.format(**j) for j in FAIRREG_REAL_JOBS]
FAIRREG_REAL_TIMINGS = [rules.fairreg_job_real.output.timing.format(**j) for j in FAIRREG_REAL_JOBS]
FAIRREG_REAL_INFO = expand(rules.fairreg_prepare_real.output.info, dataset=FAIRREG_REAL["datasets"])


rule fairreg_aggregate_synthetic:
    input:
        runs=FAIRREG_SYNTHETIC_RUNS,
        timings=FAIRREG_SYNTHETIC_TIMINGS,
    output:
        runs="results/fairreg/synthetic/runs.csv",
        summary="results/fairreg/synthetic/summary.csv",
        formulations_csv="results/fairreg/synthetic/table_formulations.csv",
        formulations_md="results/fairreg/synthetic/table_formulations.md",
        gaps_csv="results/fairreg/synthetic/table_gaps.csv",
        gaps_md="results/fairreg/synthetic/table_gaps.md",
        runs_timing="results/fairreg/synthetic/runs_timing.csv",
        formulations_timing_csv="results/fairreg/synthetic/table_formulations_timing.csv",
        formulations_timing_md="results/fairreg/synthetic/table_formulations_timing.md",
    log:
        "logs/fairreg_aggregate_synthetic.log",
    benchmark:
        "benchmarks/fairreg_aggregate_synthetic.tsv"
    retries: JOB_RESOURCES.retries("fairreg_aggregate_synthetic")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fairreg_aggregate_synthetic")
    resources:
        **JOB_RESOURCES.of("fairreg_aggregate_synthetic", FAIRREG),
    script:
        "../scripts/fairreg_aggregate_synthetic.py"


rule fairreg_aggregate_real:
    input:
        runs=FAIRREG_REAL_RUNS,
        timings=FAIRREG_REAL_TIMINGS,
        info=FAIRREG_REAL_INFO,
    output:
        runs="results/fairreg/real/runs.csv",
        tradeoff_csv="results/fairreg/real/tradeoff.csv",
        tradeoff_md="results/fairreg/real/tradeoff.md",
        reduction="results/fairreg/real/reduction.csv",
        runs_timing="results/fairreg/real/runs_timing.csv",
        times_csv="results/fairreg/real/training_times.csv",
        times_md="results/fairreg/real/training_times.md",
    log:
        "logs/fairreg_aggregate_real.log",
    benchmark:
        "benchmarks/fairreg_aggregate_real.tsv"
    retries: JOB_RESOURCES.retries("fairreg_aggregate_real")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fairreg_aggregate_real")
    resources:
        **JOB_RESOURCES.of("fairreg_aggregate_real", FAIRREG),
    script:
        "../scripts/fairreg_aggregate_real.py"


rule fairreg_job_mio_build:
    input:
        prepared=expand(rules.fairreg_prepare_real.output.prepared, dataset=FAIRREG["mio_build"]["datasets"]),
    output:
        csv="results/fairreg/benchmark/mio_build.csv",
    log:
        "logs/fairreg_job_mio_build.log",
    benchmark:
        "benchmarks/fairreg_job_mio_build.tsv"
    retries: JOB_RESOURCES.retries("fairreg_job_mio_build")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fairreg_job_mio_build")
    resources:
        **JOB_RESOURCES.of("fairreg_job_mio_build", FAIRREG),
    params:
        settings=FAIRREG,
    script:
        "../scripts/fairreg_job_mio_build.py"


# what the scorecard and the benchmark table read (fairopt.studies.fairreg.tables.TABLES): results, then timings
FAIRREG_TABLES = {
    "summary": rules.fairreg_aggregate_synthetic.output.summary,
    "formulations": rules.fairreg_aggregate_synthetic.output.formulations_csv,
    "gaps": rules.fairreg_aggregate_synthetic.output.gaps_csv,
    "tradeoff": rules.fairreg_aggregate_real.output.tradeoff_csv,
    "reduction": rules.fairreg_aggregate_real.output.reduction,
    "runs_timing": rules.fairreg_aggregate_synthetic.output.runs_timing,
    "formulations_timing": rules.fairreg_aggregate_synthetic.output.formulations_timing_csv,
    "times": rules.fairreg_aggregate_real.output.times_csv,
}


rule fairreg_scorecard:
    input:
        **FAIRREG_TABLES,
        paper=source_file("../paper/fairreg.yaml"),
        info=FAIRREG_REAL_INFO,
    output:
        csv=report(
            "results/scorecard/fairreg.csv",
            caption="../report/scorecard.rst",
            category="Scorecard",
        ),
        md="results/scorecard/fairreg.md",
        timing_csv="results/scorecard/timing/fairreg.csv",
        timing_md="results/scorecard/timing/fairreg.md",
        comparison="results/fairreg/comparison.md",
        comparison_timing="results/fairreg/comparison_timing.md",
    log:
        "logs/fairreg_scorecard.log",
    benchmark:
        "benchmarks/fairreg_scorecard.tsv"
    retries: JOB_RESOURCES.retries("fairreg_scorecard")
    localrule: True
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fairreg_scorecard")
    resources:
        **JOB_RESOURCES.of("fairreg_scorecard", FAIRREG),
    params:
        headline=headline,
        settings=FAIRREG,
    script:
        "../scripts/fairreg_scorecard.py"


rule fairreg_benchmarks:
    input:
        **FAIRREG_TABLES,
        paper=source_file("../paper/fairreg.yaml"),
        info=FAIRREG_REAL_INFO,
        mio_build=rules.fairreg_job_mio_build.output.csv,
    output:
        csv=report(
            "results/benchmarks/fairreg.csv",
            caption="../report/benchmarks.rst",
            category="Benchmarks",
        ),
        md="results/benchmarks/fairreg.md",
    log:
        "logs/fairreg_benchmarks.log",
    benchmark:
        "benchmarks/fairreg_benchmarks.tsv"
    retries: JOB_RESOURCES.retries("fairreg_benchmarks")
    localrule: True
    conda:
        ENV
    threads: JOB_RESOURCES.threads("fairreg_benchmarks")
    resources:
        **JOB_RESOURCES.of("fairreg_benchmarks", FAIRREG),
    params:
        headline=headline,
        settings=FAIRREG,
    script:
        "../scripts/fairreg_benchmarks.py"


register_study(
    "fairreg",
    targets=[
        rules.fairreg_aggregate_synthetic.output.formulations_md,
        rules.fairreg_aggregate_synthetic.output.formulations_timing_md,
        rules.fairreg_aggregate_synthetic.output.gaps_md,
        rules.fairreg_aggregate_real.output.tradeoff_md,
        rules.fairreg_aggregate_real.output.times_md,
        *rules.fairreg_scorecard.output,
        *rules.fairreg_benchmarks.output,
        register_notebook(
            "fairreg",
            "synthetic",
            formulations=FAIRREG_TABLES["formulations"],
            gaps=FAIRREG_TABLES["gaps"],
            summary=FAIRREG_TABLES["summary"],
        ),
        register_notebook(
            "fairreg", "tradeoff", tradeoff=FAIRREG_TABLES["tradeoff"], reduction=FAIRREG_TABLES["reduction"]
        ),
        # measured times only: a timing figure (its name), results/fairreg/figures/timing.html
        register_notebook(
            "fairreg",
            "timing",
            formulations_timing=FAIRREG_TABLES["formulations_timing"],
            times=FAIRREG_TABLES["times"],
        ),
    ],
    scorecard=rules.fairreg_scorecard.output,
    benchmarks=rules.fairreg_benchmarks.output.csv,
)
