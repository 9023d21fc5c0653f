"""Rule layer_aggregate_sba: the SBA job records -> runs and AUC/AP summary tables; the jobs' timing records
-> sba_runs_timing.csv."""
from fairopt.core.io import write_csv
from fairopt.core.runlog import logged
from fairopt.studies.layer.tables import load_records, sba_runs, sba_table, timing_runs

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    runs = sba_runs(load_records(smk.input.records, "sba"))
    summary = sba_table(runs, slack=smk.params.slack, methods=smk.params.methods)
    write_csv(smk.output.runs, runs)
    write_csv(smk.output.summary, summary)
    for r in summary.itertuples(index=False):
        log.info("%-30s AUC %.3f +- %.3f, AP %.3f +- %.3f (%d seeds)", r.label, r.auc_mean, r.auc_sd, r.ap_mean,
                 r.ap_sd, r.n_seeds)
    write_csv(smk.output.runs_timing, timing_runs(load_records(smk.input.timings, "sba"), "sba"))
