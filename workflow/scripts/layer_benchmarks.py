"""Rule layer_benchmarks: timings, training-epoch costs, the authors' constraint check -> the study's benchmark table."""
import pandas as pd

from fairopt.report.benchmark_table import write_benchmark_table
from fairopt.studies.layer.benchmarks import benchmark_rows
from fairopt.core.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    solver = ", ".join(f"{k}={v}" for k, v in smk.params.solver.items())
    rows = benchmark_rows(pd.read_csv(smk.input.timing), target_batch_size=smk.params.target_batch_size,
                          target_speedup=smk.params.target_speedup, epochs=pd.read_csv(smk.input.epochs),
                          authors_check=pd.read_csv(smk.input.authors),
                          synthetic_timing=pd.read_csv(smk.input.synthetic_timing), note=f"cvxpylayers {solver}",
                          epoch_target_ratio=smk.params.epoch_target_ratio, scale=smk.params.scale)
    frame = write_benchmark_table(rows, smk.output.csv, smk.output.md, headline=smk.params.headline, title="Fairness layer: benchmarks")
    log.info("%d benchmark rows (%d not measured), targets met: %s", len(frame), int(frame["value"].isna().sum()),
             frame["target_met"].dropna().tolist())
