"""Rule fairreg_aggregate_real: trade-off points and the RMSE-increase reduction vs Agarwal (results); the
jobs' timing records into every job's times and the training-time table (timing files)."""
import pandas as pd

from fairopt.core.io import read_json, write_csv, write_text
from fairopt.core.runlog import logged
from fairopt.studies.fairreg.tables import (markdown_table, rmse_reduction, timing_frame, tradeoff_table,
                                            training_time_table)

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    rows = [read_json(path) for path in smk.input.runs]
    drop = ("w", "attempts", "coefs", "weights")
    write_csv(smk.output.runs, pd.DataFrame([{k: v for k, v in r.items() if k not in drop} for r in rows]))
    tradeoff = tradeoff_table(rows)
    reduction = rmse_reduction(tradeoff)
    timings = [read_json(path) for path in smk.input.timings]
    times = training_time_table(timings)
    write_csv(smk.output.tradeoff_csv, tradeoff)
    write_csv(smk.output.reduction, reduction)
    write_csv(smk.output.runs_timing, timing_frame(timings))
    write_csv(smk.output.times_csv, times)
    write_text(smk.output.tradeoff_md, markdown_table(
        tradeoff, title="Fairness vs relative test RMSE increase over least squares")
        + "\n## Reduction of the relative RMSE increase vs Agarwal et al.\n\n" + markdown_table(reduction)
        + "\nTraining times: training_times.md.\n")
    write_text(smk.output.times_md, markdown_table(times, title="Training time (s)")
               + "\nMeasured on this machine (a timing file: it differs between runs).\n")
    log.info("%d real-data rows; reduction per dataset: %s", len(rows),
             dict(zip(reduction["dataset"], reduction["mean_reduction"])))
