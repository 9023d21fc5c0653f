# DAFH study (Cai, Khalili & Zhang): demographic-agnostic fairness without harm against Pooled, Trivial,
# Clustering, LR-All, TreeLR and the Manual partition on Adult, COMPAS Arrest/Violent, German and Bank;
# Tables 4-7, Figures 1-3. Stages: dafh_prepare -> dafh_job (+ the learning-rate pilot, the Figure 2
# curve, the Figure 1 synthetic run, the batched-fit timing) -> dafh_aggregate -> dafh_scorecard ->
# dafh_benchmarks -> figures. Settings: fairopt.studies.dafh.settings (schema and presets in
# src/fairopt/studies/dafh/). One job per (dataset, method, K, split) writes one record, so a killed run
# resumes per job; DAFH fits its whole grid inside its one job as batched computations.
from fairopt.studies.dafh.prepare import LOADERS as DAFH_LOADERS
from fairopt.studies.dafh.prepare import PARTS as DAFH_PARTS
from fairopt.studies.dafh.settings import jobs as dafh_jobs
from fairopt.studies.dafh.settings import load_settings as dafh_load_settings
from fairopt.studies.dafh.settings import parse_run_name as dafh_parse_run_name
from fairopt.studies.dafh.settings import pilot_needed as dafh_pilot_needed

DAFH = study_settings("dafh", dafh_load_settings)
DAFH_PILOT = "results/dafh/pilot.json" if dafh_pilot_needed(DAFH) else None
DAFH_RAW = {
    d: [raw_path(DAFH_LOADERS.info(d)["raw"][0], n) for n in DAFH_LOADERS.info(d)["raw"][1]] for d in DAFH["datasets"]
}
DAFH_RUNS = dafh_jobs(DAFH)
DAFH_SPLITS = range(DAFH["splits"]["count"])


include: "dafh_inputs.smk"


DAFH_SYNTHETIC_PARTS = {part: f"results/dafh/prepared/synthetic/{part}.npz" for part in DAFH_PARTS}


# DAFH's own jobs (its whole grid, after the pilot) run first; the baselines' short jobs fill the cores.
DAFH_GRID_RUN = r"dafh_K\d+"
DAFH_BASELINE_RUN = "|".join(sorted({r for _, r, _ in DAFH_RUNS if not r.startswith("dafh_")})) or "none"


rule dafh_prepare:
    input:
        lambda w: DAFH_RAW[w.dataset],
    output:
        **{f"split{s}_{part}": path for s in DAFH_SPLITS for part, path in dafh_parts("{dataset}", s).items()},
        timing="results/dafh/timing/prepare/{dataset}.json",
    log:
        "logs/dafh_prepare/{dataset}.log",
    benchmark:
        "benchmarks/dafh_prepare/{dataset}.tsv"
    wildcard_constraints:
        dataset="|".join(DAFH_RAW) or "none",
    priority: 2
    retries: JOB_RESOURCES.retries("dafh_prepare")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("dafh_prepare")
    resources:
        **JOB_RESOURCES.of("dafh_prepare", DAFH),
    params:
        splits=DAFH["splits"],
        data=DAFH["data"],
    script:
        "../scripts/dafh_prepare.py"


rule dafh_prepare_synthetic:
    output:
        **DAFH_SYNTHETIC_PARTS,
        timing="results/dafh/timing/prepare/synthetic.json",
    log:
        "logs/dafh_prepare_synthetic.log",
    benchmark:
        "benchmarks/dafh_prepare_synthetic.tsv"
    retries: JOB_RESOURCES.retries("dafh_prepare_synthetic")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("dafh_prepare_synthetic")
    resources:
        **JOB_RESOURCES.of("dafh_prepare_synthetic", DAFH),
    params:
        splits=DAFH["splits"],
        synthetic=DAFH["synthetic"],
    script:
        "../scripts/dafh_prepare.py"


rule dafh_job_pilot:
    input:
        **{f"{d}_{part}": path for d in DAFH["datasets"] for part, path in dafh_parts(d, 0).items()},
    output:
        record="results/dafh/pilot.json",
        timing="results/dafh/timing/pilot.json",
    log:
        "logs/dafh_job_pilot.log",
    benchmark:
        "benchmarks/dafh_job_pilot.tsv"
    priority: 2
    retries: JOB_RESOURCES.retries("dafh_job_pilot")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("dafh_job_pilot")
    resources:
        **JOB_RESOURCES.of("dafh_job_pilot", DAFH),
    params:
        settings=DAFH,
    script:
        "../scripts/dafh_job_pilot.py"


rule dafh_job:
    input:
        unpack(dafh_job_inputs),
    output:
        record="results/dafh/runs/{dataset}/{run}/split{split}.json",
        timing="results/dafh/timing/job/{dataset}/{run}/split{split}.json",
    log:
        "logs/dafh_job/{dataset}/{run}/split{split}.log",
    benchmark:
        "benchmarks/dafh_job/{dataset}/{run}/split{split}.tsv"
    wildcard_constraints:
        dataset="|".join(DAFH_RAW) or "none",
        run=DAFH_BASELINE_RUN,
        split=r"\d+",
    retries: JOB_RESOURCES.retries("dafh_job")
    # on a cluster, profiles/slurm bundles these short jobs into submissions (group-components)
    group:
        "dafh_splits"
    conda:
        ENV
    threads: JOB_RESOURCES.threads("dafh_job")
    resources:
        **JOB_RESOURCES.of("dafh_job", DAFH),
    params:
        settings=DAFH,
    script:
        "../scripts/dafh_job.py"


rule dafh_job_grid:
    input:
        unpack(dafh_job_inputs),
    output:
        record="results/dafh/runs/{dataset}/{run}/split{split}.json",
        timing="results/dafh/timing/job/{dataset}/{run}/split{split}.json",
    log:
        "logs/dafh_job_grid/{dataset}/{run}/split{split}.log",
    benchmark:
        "benchmarks/dafh_job_grid/{dataset}/{run}/split{split}.tsv"
    wildcard_constraints:
        dataset="|".join(DAFH_RAW) or "none",
        run=DAFH_GRID_RUN,
        split=r"\d+",
    priority: 1
    retries: JOB_RESOURCES.retries("dafh_job_grid")
    # on a cluster, profiles/slurm bundles these short jobs into submissions (group-components)
    group:
        "dafh_splits"
    conda:
        ENV
    threads: JOB_RESOURCES.threads("dafh_job_grid")
    resources:
        **JOB_RESOURCES.of("dafh_job_grid", DAFH),
    params:
        settings=DAFH,
    script:
        "../scripts/dafh_job.py"


rule dafh_job_curve:
    input:
        unpack(lambda w: {**dafh_parts(DAFH["figures"]["curve_dataset"], w.split), **dafh_pilot_input()}),
    output:
        record="results/dafh/curve/split{split}.json",
        timing="results/dafh/timing/curve/split{split}.json",
    log:
        "logs/dafh_job_curve/split{split}.log",
    benchmark:
        "benchmarks/dafh_job_curve/split{split}.tsv"
    wildcard_constraints:
        split=r"\d+",
    retries: JOB_RESOURCES.retries("dafh_job_curve")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("dafh_job_curve")
    resources:
        **JOB_RESOURCES.of("dafh_job_curve", DAFH),
    params:
        settings=DAFH,
    script:
        "../scripts/dafh_job_curve.py"


rule dafh_job_synthetic:
    input:
        **DAFH_SYNTHETIC_PARTS,
        **dafh_pilot_input(),
    output:
        record="results/dafh/synthetic.json",
        timing="results/dafh/timing/synthetic.json",
    log:
        "logs/dafh_job_synthetic.log",
    benchmark:
        "benchmarks/dafh_job_synthetic.tsv"
    retries: JOB_RESOURCES.retries("dafh_job_synthetic")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("dafh_job_synthetic")
    resources:
        **JOB_RESOURCES.of("dafh_job_synthetic", DAFH),
    params:
        settings=DAFH,
    script:
        "../scripts/dafh_job_synthetic.py"


rule dafh_job_timing:
    output:
        "results/dafh/benchmark/batched_fits.json",
    log:
        "logs/dafh_job_timing.log",
    benchmark:
        "benchmarks/dafh_job_timing.tsv"
    retries: JOB_RESOURCES.retries("dafh_job_timing")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("dafh_job_timing")
    resources:
        **JOB_RESOURCES.of("dafh_job_timing", DAFH),
    params:
        bench=DAFH["benchmark"],
        dtype=DAFH["model"]["dtype"],
    script:
        "../scripts/dafh_job_timing.py"


DAFH_TABLES = ("runs", "table4", "table5", "table6", "table7", "grid", "curve", "composition", "synthetic", "pilot")


rule dafh_aggregate:
    input:
        **dafh_pilot_input(),
        runs=[f"results/dafh/runs/{d}/{r}/split{s}.json" for d, r, s in DAFH_RUNS],
        curve=expand(rules.dafh_job_curve.output.record, split=range(DAFH["splits"]["count"])),
        synthetic=rules.dafh_job_synthetic.output.record,
    output:
        **{t: f"results/dafh/tables/{t}.csv" for t in DAFH_TABLES if t not in ("table4", "table7")},
        table4=report("results/dafh/tables/table4.csv", caption="../report/dafh_tables.rst", category="dafh"),
        table7=report("results/dafh/tables/table7.csv", caption="../report/dafh_tables.rst", category="dafh"),
    log:
        "logs/dafh_aggregate.log",
    benchmark:
        "benchmarks/dafh_aggregate.tsv"
    retries: JOB_RESOURCES.retries("dafh_aggregate")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("dafh_aggregate")
    resources:
        **JOB_RESOURCES.of("dafh_aggregate", DAFH),
    params:
        settings=DAFH,
    script:
        "../scripts/dafh_aggregate.py"


rule dafh_scorecard:
    input:
        **{t: rules.dafh_aggregate.output[t] for t in ("table4", "table5", "table6", "table7", "curve", "synthetic")},
        paper=source_file("../paper/dafh.yaml"),
    output:
        csv=report("results/scorecard/dafh.csv", caption="../report/scorecard.rst", category="Scorecard"),
        md="results/scorecard/dafh.md",
        timing_csv="results/scorecard/timing/dafh.csv",
        timing_md="results/scorecard/timing/dafh.md",
    log:
        "logs/dafh_scorecard.log",
    benchmark:
        "benchmarks/dafh_scorecard.tsv"
    retries: JOB_RESOURCES.retries("dafh_scorecard")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("dafh_scorecard")
    resources:
        **JOB_RESOURCES.of("dafh_scorecard", DAFH),
    params:
        headline=headline,
        settings=DAFH,
    script:
        "../scripts/dafh_scorecard.py"


rule dafh_benchmarks:
    input:
        fits=rules.dafh_job_timing.output[0],
        timings=[f"results/dafh/timing/job/{d}/{r}/split{s}.json" for d, r, s in DAFH_RUNS]
        + expand(rules.dafh_prepare.output.timing, dataset=DAFH["datasets"])
        + expand(rules.dafh_job_curve.output.timing, split=range(DAFH["splits"]["count"]))
        + [rules.dafh_job_synthetic.output.timing, rules.dafh_prepare_synthetic.output.timing]
        + ([rules.dafh_job_pilot.output.timing] if DAFH_PILOT else []),
    output:
        csv=report("results/benchmarks/dafh.csv", caption="../report/benchmarks.rst", category="Benchmarks"),
        md="results/benchmarks/dafh.md",
    log:
        "logs/dafh_benchmarks.log",
    benchmark:
        "benchmarks/dafh_benchmarks.tsv"
    retries: JOB_RESOURCES.retries("dafh_benchmarks")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("dafh_benchmarks")
    resources:
        **JOB_RESOURCES.of("dafh_benchmarks", DAFH),
    params:
        headline=headline,
        settings=DAFH,
        cores=total_cores,
    script:
        "../scripts/dafh_benchmarks.py"


DAFH_OUT = rules.dafh_aggregate.output

register_study(
    "dafh",
    targets=[
        *DAFH_OUT,
        *rules.dafh_scorecard.output,
        *rules.dafh_benchmarks.output,
        register_notebook(
            "dafh", "synthetic", synthetic=rules.dafh_job_synthetic.output.record, synthetic_table=DAFH_OUT.synthetic
        ),
        register_notebook(
            "dafh",
            "tables",
            table4=DAFH_OUT.table4,
            table5=DAFH_OUT.table5,
            table6=DAFH_OUT.table6,
            table7=DAFH_OUT.table7,
            grid=DAFH_OUT.grid,
            pilot=DAFH_OUT.pilot,
        ),
        register_notebook("dafh", "curve", curve=DAFH_OUT.curve),
        register_notebook("dafh", "composition", composition=DAFH_OUT.composition),
    ],
    scorecard=rules.dafh_scorecard.output,
    benchmarks=rules.dafh_benchmarks.output.csv,
)
