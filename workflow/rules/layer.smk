# Fairness-layer study (Troxell, Montufar & Roemer): the F-Layer, online primal-dual inference and the
# baselines on the 32-dataset synthetic design, SBA loans and the employee wage audit; the timing job
# (fairopt's exact layer vs its cvxpylayers back end and vs the authors' package fairness-training, which is
# optional: pip install -e '.[bench]'). Every torch job runs on layer.device (auto | cpu | cuda, default cpu;
# fairopt.core.device) and records it. Stages: layer_prepare -> layer_job -> layer_aggregate -> layer_scorecard ->
# layer_benchmarks -> figures. Settings: fairopt.studies.layer.settings (schema and presets in
# src/fairopt/studies/layer/). One job per (dataset, setting, method, seed) writes one record JSON, so a
# killed run resumes per job; the Penalty baseline fits its whole lambda grid inside its one job.
# Measured times live only in timing files (fairopt.report.identity): each job's `timing` output under
# results/layer/timing/job/, the aggregated *_timing.csv beside the tables, results/layer/benchmark/ and
# the `timing` figure; every other file of the study is the same byte for byte in two runs of one config.
from fairopt.studies.layer.methods import METHODS as LAYER_METHODS
from fairopt.studies.layer.prepare import PARTS as LAYER_PARTS
from fairopt.studies.layer.settings import epoch_benchmark as layer_epoch_benchmark
from fairopt.studies.layer.settings import job_section as layer_job_section
from fairopt.studies.layer.settings import load_settings as layer_load_settings
from fairopt.studies.layer.settings import parse_setting_name as layer_parse_setting_name
from fairopt.studies.layer.settings import synthetic_settings as layer_synthetic_settings

LAYER = study_settings("layer", layer_load_settings)
LAYER_SETTINGS = layer_synthetic_settings(LAYER)
LAYER_RAW = {
    "sba": raw_path("sba_loans", "SBAcase.11.13.17.csv"),
    "employee": raw_path("employee_performance", "Employee_Performance.xls"),
}


include: "layer_inputs.smk"


rule layer_prepare_synthetic:
    output:
        **{part: f"results/layer/prepared/synthetic/syn{{syn}}-seed{{seed}}/{part}.npz" for part in LAYER_PARTS},
    log:
        "logs/layer_prepare_synthetic/syn{syn}-seed{seed}.log",
    benchmark:
        "benchmarks/layer_prepare_synthetic/syn{syn}-seed{seed}.tsv"
    wildcard_constraints:
        syn=r"\d\d",
        seed=r"\d+",
    retries: JOB_RESOURCES.retries("layer_prepare_synthetic")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("layer_prepare_synthetic")
    resources:
        **JOB_RESOURCES.of("layer_prepare_synthetic", LAYER),
    params:
        experiment="synthetic",
        source=lambda w: int(w.syn),
        seed=lambda w: int(w.seed),
        section={k: LAYER["synthetic"][k] for k in ("n_rows", "n_features", "split")},
    script:
        "../scripts/layer_prepare.py"


rule layer_prepare_sba:
    input:
        LAYER_RAW["sba"],
    output:
        **{part: f"results/layer/prepared/sba/seed-{{seed}}/{part}.npz" for part in LAYER_PARTS},
    log:
        "logs/layer_prepare_sba/seed-{seed}.log",
    benchmark:
        "benchmarks/layer_prepare_sba/seed-{seed}.tsv"
    wildcard_constraints:
        seed=r"\d+",
    retries: JOB_RESOURCES.retries("layer_prepare_sba")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("layer_prepare_sba")
    resources:
        **JOB_RESOURCES.of("layer_prepare_sba", LAYER),
    params:
        experiment="sba",
        seed=lambda w: int(w.seed),
        section={"split": LAYER["sba"]["split"]},
    script:
        "../scripts/layer_prepare.py"


rule layer_prepare_employee:
    input:
        LAYER_RAW["employee"],
    output:
        **{part: f"results/layer/prepared/employee/{part}.npz" for part in LAYER_PARTS},
    log:
        "logs/layer_prepare_employee.log",
    benchmark:
        "benchmarks/layer_prepare_employee.tsv"
    retries: JOB_RESOURCES.retries("layer_prepare_employee")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("layer_prepare_employee")
    resources:
        **JOB_RESOURCES.of("layer_prepare_employee", LAYER),
    params:
        experiment="employee",
        seed=0,
        section={},
    script:
        "../scripts/layer_prepare.py"


rule layer_job_synthetic:
    input:
        **dict(rules.layer_prepare_synthetic.output.items()),
    output:
        record="results/layer/synthetic/{setting}/{method}/syn{syn}-seed{seed}.json",
        timing="results/layer/timing/job/synthetic/{setting}/{method}/syn{syn}-seed{seed}.json",
    log:
        "logs/layer_job_synthetic/{setting}/{method}/syn{syn}-seed{seed}.log",
    benchmark:
        "benchmarks/layer_job_synthetic/{setting}/{method}/syn{syn}-seed{seed}.tsv"
    wildcard_constraints:
        method="|".join(LAYER_METHODS),
        setting=r"b\d+-i\d+",
        syn=r"\d\d",
        seed=r"\d+",
    retries: JOB_RESOURCES.retries("layer_job_synthetic")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("layer_job_synthetic")
    resources:
        **JOB_RESOURCES.of("layer_job_synthetic", LAYER, runtime=layer_runtime("synthetic")),
    params:
        experiment="synthetic",
        section=layer_job_section(LAYER, "synthetic"),
        setting=lambda w: list(layer_parse_setting_name(w.setting)),
    script:
        "../scripts/layer_job.py"


rule layer_job_sba:
    input:
        **dict(rules.layer_prepare_sba.output.items()),
    output:
        record="results/layer/sba/{method}/seed-{seed}.json",
        timing="results/layer/timing/job/sba/{method}/seed-{seed}.json",
    log:
        "logs/layer_job_sba/{method}/seed-{seed}.log",
    benchmark:
        "benchmarks/layer_job_sba/{method}/seed-{seed}.tsv"
    wildcard_constraints:
        method="|".join(LAYER_METHODS),
        seed=r"\d+",
    retries: JOB_RESOURCES.retries("layer_job_sba")
    # on a cluster, profiles/slurm bundles these short jobs into submissions (group-components)
    group:
        "layer_seeds"
    conda:
        ENV
    threads: JOB_RESOURCES.threads("layer_job_sba")
    resources:
        **JOB_RESOURCES.of("layer_job_sba", LAYER, runtime=layer_runtime("sba")),
    params:
        experiment="sba",
        section=layer_job_section(LAYER, "sba"),
        setting=None,
    script:
        "../scripts/layer_job.py"


rule layer_job_employee:
    input:
        **dict(rules.layer_prepare_employee.output.items()),
    output:
        record="results/layer/employee/{method}/seed-{seed}.json",
        timing="results/layer/timing/job/employee/{method}/seed-{seed}.json",
    log:
        "logs/layer_job_employee/{method}/seed-{seed}.log",
    benchmark:
        "benchmarks/layer_job_employee/{method}/seed-{seed}.tsv"
    wildcard_constraints:
        method="|".join(LAYER_METHODS),
        seed=r"\d+",
    retries: JOB_RESOURCES.retries("layer_job_employee")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("layer_job_employee")
    resources:
        **JOB_RESOURCES.of("layer_job_employee", LAYER, runtime=layer_runtime("employee")),
    params:
        experiment="employee",
        section=layer_job_section(LAYER, "employee"),
        setting=None,
    script:
        "../scripts/layer_job.py"


rule layer_job_timing:
    output:
        timing="results/layer/benchmark/timing.csv",
        epochs="results/layer/benchmark/epochs.csv",
    log:
        "logs/layer_job_timing.log",
    benchmark:
        "benchmarks/layer_job_timing.tsv"
    retries: JOB_RESOURCES.retries("layer_job_timing")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("layer_job_timing")
    resources:
        **JOB_RESOURCES.of("layer_job_timing", LAYER),
    params:
        bench=LAYER["benchmark"],
        epoch=layer_epoch_benchmark(LAYER),
        device=LAYER["device"],
    script:
        "../scripts/layer_job_timing.py"


# The authors' package against its own hard constraint: largest violations on seeded batches, no time
# measured -- a result file (compared across runs), read by the scorecard.
rule layer_job_authors_check:
    output:
        authors="results/layer/checks/authors_check.csv",
    log:
        "logs/layer_job_authors_check.log",
    benchmark:
        "benchmarks/layer_job_authors_check.tsv"
    retries: JOB_RESOURCES.retries("layer_job_authors_check")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("layer_job_authors_check")
    resources:
        **JOB_RESOURCES.of("layer_job_authors_check", LAYER),
    params:
        check=LAYER["benchmark"]["authors_check"],
        seed=LAYER["benchmark"]["seed"],
        device=LAYER["device"],
    script:
        "../scripts/layer_job_authors_check.py"


LAYER_SYN, LAYER_SBA, LAYER_EMP = LAYER["synthetic"], LAYER["sba"], LAYER["employee"]


rule layer_aggregate_synthetic:
    input:
        records=expand(
            rules.layer_job_synthetic.output.record,
            setting=LAYER_SETTINGS,
            method=LAYER_SYN["methods"],
            syn=[f"{i:02d}" for i in LAYER_SYN["datasets"]],
            seed=LAYER_SYN["seeds"],
        ),
        timings=expand(
            rules.layer_job_synthetic.output.timing,
            setting=LAYER_SETTINGS,
            method=LAYER_SYN["methods"],
            syn=[f"{i:02d}" for i in LAYER_SYN["datasets"]],
            seed=LAYER_SYN["seeds"],
        ),
    output:
        runs="results/layer/tables/synthetic_runs.csv",
        summary=report(
            "results/layer/tables/synthetic_summary.csv",
            caption="../report/layer_synthetic.rst",
            category="layer",
        ),
        instances="results/layer/tables/synthetic_instances.csv",
        runs_timing="results/layer/tables/synthetic_runs_timing.csv",
        summary_timing="results/layer/tables/synthetic_summary_timing.csv",
    log:
        "logs/layer_aggregate_synthetic.log",
    benchmark:
        "benchmarks/layer_aggregate_synthetic.tsv"
    retries: JOB_RESOURCES.retries("layer_aggregate_synthetic")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("layer_aggregate_synthetic")
    resources:
        **JOB_RESOURCES.of("layer_aggregate_synthetic", LAYER),
    params:
        slack=LAYER_SYN["infeasible_slack"],
        methods=LAYER_SYN["methods"],
        settings=LAYER_SETTINGS,
    script:
        "../scripts/layer_aggregate_synthetic.py"


rule layer_aggregate_sba:
    input:
        records=expand(
            rules.layer_job_sba.output.record, method=LAYER_SBA["methods"], seed=range(LAYER_SBA["split_seeds"])
        ),
        timings=expand(
            rules.layer_job_sba.output.timing, method=LAYER_SBA["methods"], seed=range(LAYER_SBA["split_seeds"])
        ),
    output:
        runs="results/layer/tables/sba_runs.csv",
        summary=report(
            "results/layer/tables/sba_summary.csv",
            caption="../report/layer_sba.rst",
            category="layer",
        ),
        runs_timing="results/layer/tables/sba_runs_timing.csv",
    log:
        "logs/layer_aggregate_sba.log",
    benchmark:
        "benchmarks/layer_aggregate_sba.tsv"
    retries: JOB_RESOURCES.retries("layer_aggregate_sba")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("layer_aggregate_sba")
    resources:
        **JOB_RESOURCES.of("layer_aggregate_sba", LAYER),
    params:
        slack=LAYER_SBA["infeasible_slack"],
        methods=LAYER_SBA["methods"],
    script:
        "../scripts/layer_aggregate_sba.py"


rule layer_aggregate_employee:
    input:
        records=expand(rules.layer_job_employee.output.record, method=LAYER_EMP["methods"], seed=LAYER_EMP["seeds"]),
        timings=expand(rules.layer_job_employee.output.timing, method=LAYER_EMP["methods"], seed=LAYER_EMP["seeds"]),
    output:
        summary=report(
            "results/layer/tables/employee_summary.csv",
            caption="../report/layer_employee.rst",
            category="layer",
        ),
        groups="results/layer/tables/employee_groups.csv",
        runs_timing="results/layer/tables/employee_runs_timing.csv",
    log:
        "logs/layer_aggregate_employee.log",
    benchmark:
        "benchmarks/layer_aggregate_employee.tsv"
    retries: JOB_RESOURCES.retries("layer_aggregate_employee")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("layer_aggregate_employee")
    resources:
        **JOB_RESOURCES.of("layer_aggregate_employee", LAYER),
    params:
        methods=LAYER_EMP["methods"],
    script:
        "../scripts/layer_aggregate_employee.py"


rule layer_scorecard:
    input:
        paper=source_file("../paper/layer.yaml"),
        synthetic=rules.layer_aggregate_synthetic.output.summary,
        sba=rules.layer_aggregate_sba.output.summary,
        sba_runs=rules.layer_aggregate_sba.output.runs,
        employee=rules.layer_aggregate_employee.output.summary,
        authors=rules.layer_job_authors_check.output.authors,
    output:
        csv=report(
            "results/scorecard/layer.csv",
            caption="../report/scorecard.rst",
            category="Scorecard",
        ),
        md="results/scorecard/layer.md",
        timing_csv="results/scorecard/timing/layer.csv",
        timing_md="results/scorecard/timing/layer.md",
    log:
        "logs/layer_scorecard.log",
    benchmark:
        "benchmarks/layer_scorecard.tsv"
    retries: JOB_RESOURCES.retries("layer_scorecard")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("layer_scorecard")
    resources:
        **JOB_RESOURCES.of("layer_scorecard", LAYER),
    params:
        headline=headline,
        settings=LAYER,
    script:
        "../scripts/layer_scorecard.py"


rule layer_benchmarks:
    input:
        timing=rules.layer_job_timing.output.timing,
        epochs=rules.layer_job_timing.output.epochs,
        authors=rules.layer_job_authors_check.output.authors,
        synthetic_timing=rules.layer_aggregate_synthetic.output.summary_timing,
    output:
        csv=report(
            "results/benchmarks/layer.csv",
            caption="../report/benchmarks.rst",
            category="Benchmarks",
        ),
        md="results/benchmarks/layer.md",
    log:
        "logs/layer_benchmarks.log",
    benchmark:
        "benchmarks/layer_benchmarks.tsv"
    retries: JOB_RESOURCES.retries("layer_benchmarks")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("layer_benchmarks")
    resources:
        **JOB_RESOURCES.of("layer_benchmarks", LAYER),
    params:
        headline=headline,
        target_batch_size=LAYER["benchmark"]["target_batch_size"],
        target_speedup=LAYER["benchmark"]["target_speedup"],
        epoch_target_ratio=LAYER["benchmark"]["epoch_target_ratio"],
        scale=LAYER["scale"],
        solver=LAYER["benchmark"]["solver_args"],
    script:
        "../scripts/layer_benchmarks.py"


register_study(
    "layer",
    targets=[
        *rules.layer_aggregate_synthetic.output,
        *rules.layer_aggregate_sba.output,
        *rules.layer_aggregate_employee.output,
        *rules.layer_scorecard.output,
        *rules.layer_benchmarks.output,
        register_notebook(
            "layer",
            "synthetic",
            summary=rules.layer_aggregate_synthetic.output.summary,
            instances=rules.layer_aggregate_synthetic.output.instances,
            runs=rules.layer_aggregate_synthetic.output.runs,
        ),
        register_notebook(
            "layer",
            "applications",
            sba_summary=rules.layer_aggregate_sba.output.summary,
            sba_runs=rules.layer_aggregate_sba.output.runs,
            employee_summary=rules.layer_aggregate_employee.output.summary,
            employee_groups=rules.layer_aggregate_employee.output.groups,
        ),
        # the speed figure: measured times only, so its page is a timing file (name `timing`)
        register_notebook(
            "layer",
            "timing",
            timing=rules.layer_job_timing.output.timing,
            epochs=rules.layer_job_timing.output.epochs,
            synthetic_timing=rules.layer_aggregate_synthetic.output.summary_timing,
        ),
    ],
    scorecard=rules.layer_scorecard.output,
    benchmarks=rules.layer_benchmarks.output.csv,
)
