"""Rule layer_aggregate_employee: the employee audit records -> summary and per-group tables; the jobs'
timing records -> employee_runs_timing.csv."""
from fairopt.core.io import write_csv
from fairopt.core.runlog import logged
from fairopt.studies.layer.tables import employee_tables, load_records, timing_runs

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    summary, groups = employee_tables(load_records(smk.input.records, "employee"), smk.params.methods)
    write_csv(smk.output.summary, summary)
    write_csv(smk.output.groups, groups)
    for r in summary.itertuples(index=False):
        log.info("%-14s MSE %.5f, violated %g/%d, max residual %.2e, flagging parity %.3f", r.label, r.mse,
                 r.violated, r.n_constraints, r.max_residual, r.flag_parity)
    write_csv(smk.output.runs_timing, timing_runs(load_records(smk.input.timings, "employee"), "employee"))
