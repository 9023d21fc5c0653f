# Figures: papermill executes each registered notebook with its inputs as parameters, then
# nbconvert renders it to HTML (code hidden). Notebooks only read results and plot.


rule render_notebook:
    input:
        unpack(notebook_inputs),
    output:
        notebook="results/{study}/notebooks/{name}.ipynb",
        html=report(
            "results/{study}/figures/{name}.html",
            caption="../report/notebook.rst",
            category="{study}",
        ),
    log:
        "logs/render_notebook/{study}/{name}.log",
    benchmark:
        "benchmarks/render_notebook/{study}/{name}.tsv"
    retries: JOB_RESOURCES.retries("render_notebook")
    conda:
        ENV
    threads: JOB_RESOURCES.threads("render_notebook")
    resources:
        **JOB_RESOURCES.of("render_notebook"),
    script:
        "../scripts/render_notebook.py"


rule combine_scorecards:
    input:
        unpack(enabled_scorecards),
    output:
        csv=report(
            "results/scorecard/scorecard.csv",
            caption="../report/scorecard.rst",
            category="Scorecard",
        ),
        md="results/scorecard/scorecard.md",
        timing_csv="results/scorecard/timing/scorecard.csv",
        timing_md="results/scorecard/timing/scorecard.md",
    log:
        "logs/combine_scorecards.log",
    benchmark:
        "benchmarks/combine_scorecards.tsv"
    retries: JOB_RESOURCES.retries("combine_scorecards")
    localrule: True
    conda:
        ENV
    threads: JOB_RESOURCES.threads("combine_scorecards")
    resources:
        **JOB_RESOURCES.of("combine_scorecards"),
    params:
        headline=headline,
    script:
        "../scripts/combine_scorecards.py"


rule combine_benchmarks:
    input:
        unpack(enabled_benchmark_tables),
    output:
        csv=report(
            "results/benchmarks/summary.csv",
            caption="../report/benchmarks.rst",
            category="Benchmarks",
        ),
        md="results/benchmarks/summary.md",
    log:
        "logs/combine_benchmarks.log",
    benchmark:
        "benchmarks/combine_benchmarks.tsv"
    retries: JOB_RESOURCES.retries("combine_benchmarks")
    localrule: True
    conda:
        ENV
    threads: JOB_RESOURCES.threads("combine_benchmarks")
    resources:
        **JOB_RESOURCES.of("combine_benchmarks"),
    params:
        headline=headline,
    script:
        "../scripts/combine_benchmarks.py"
