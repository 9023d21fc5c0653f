"""Rule fairreg_benchmarks: the study's benchmark table (measured times, read from the timing tables,
next to the slides')."""
import pandas as pd

from fairopt.core.runlog import logged
from fairopt.report.benchmark_table import write_benchmark_table
from fairopt.studies.fairreg.benchmarks import benchmark_rows
from fairopt.studies.fairreg.tables import read_tables

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    paper, tables = read_tables(smk.input)
    frame = write_benchmark_table(
        benchmark_rows(paper, smk.params.settings, tables["formulations"], tables["relax_seconds"], tables["real"],
                       formulations_timing=tables["formulations_timing"],
                       mio_build=pd.read_csv(smk.input.mio_build)),
        smk.output.csv, smk.output.md, headline=smk.params.headline, title="Fair regression benchmarks")
    log.info("%d benchmark rows", len(frame))
