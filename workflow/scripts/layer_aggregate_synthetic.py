"""Rule layer_aggregate_synthetic: the synthetic job records -> runs, summary and per-dataset tables; the
jobs' timing records -> the timing tables beside them (synthetic_runs_timing.csv, synthetic_summary_timing.csv)."""
from fairopt.core.io import write_csv
from fairopt.core.runlog import logged
from fairopt.studies.layer.tables import (load_records, synthetic_runs, synthetic_tables, synthetic_timing_summary,
                                          timing_runs)

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    runs = synthetic_runs(load_records(smk.input.records, "synthetic"))
    summary, instances = synthetic_tables(runs, slack=smk.params.slack, methods=smk.params.methods,
                                          settings=smk.params.settings)
    write_csv(smk.output.runs, runs)
    write_csv(smk.output.summary, summary)
    write_csv(smk.output.instances, instances)
    for r in summary.itertuples(index=False):
        log.info("%s %-14s mean test MSE %.4f, infeasible %d/%d, best feasible %d", r.setting, r.method,
                 r.mean_test_mse, r.n_infeasible, r.n_runs, r.n_best_feasible)
    timing = timing_runs(load_records(smk.input.timings, "synthetic"), "synthetic")
    write_csv(smk.output.runs_timing, timing)
    write_csv(smk.output.summary_timing, synthetic_timing_summary(timing, methods=smk.params.methods,
                                                                  settings=smk.params.settings))
