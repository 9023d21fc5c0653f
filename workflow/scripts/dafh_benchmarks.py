"""Rule dafh_benchmarks: job timings and the batched-fit comparison -> the study's benchmark table."""
from fairopt.core.io import read_json
from fairopt.core.runlog import logged
from fairopt.report.benchmark_table import write_benchmark_table
from fairopt.studies.dafh.benchmarks import benchmark_rows, timing_frame
from fairopt.studies.dafh.settings import is_paper_run

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    settings = smk.params.settings
    rows = benchmark_rows(timing_frame(read_json(p) for p in smk.input.timings), read_json(smk.input.fits),
                          paper_settings=is_paper_run(settings), workflow_cores=smk.params.cores,
                          scale=settings["scale"])
    frame = write_benchmark_table(rows, smk.output.csv, smk.output.md, headline=smk.params.headline, title="DAFH: benchmarks")
    span = frame[frame["metric"] == "span_seconds"].iloc[0]
    log.info("%d benchmark rows; study span %.0f s (target met: %s)", len(frame), span["value"], span["target_met"])
