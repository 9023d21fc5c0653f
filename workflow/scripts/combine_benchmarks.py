"""Rule combine_benchmarks: the studies' benchmark tables in one table (CSV and Markdown)."""
import pandas as pd

from fairopt.report.benchmark_table import write_benchmark_table
from fairopt.core.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    frames = [pd.read_csv(path) for path in smk.input]
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    write_benchmark_table(combined, smk.output.csv, smk.output.md, headline=smk.params.headline, title="fairopt benchmarks")
    log.info("benchmark table: %d rows", len(combined))
