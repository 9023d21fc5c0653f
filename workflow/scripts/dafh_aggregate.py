"""Rule dafh_aggregate: every job record -> Tables 4-7, the grid, and the data of Figures 1-3 (CSV)."""
from fairopt.core.io import read_json, write_csv
from fairopt.core.runlog import logged
from fairopt.studies.dafh.tables import aggregate_tables

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    pilot = read_json(smk.input.pilot) if "pilot" in smk.input.keys() else None
    tables = aggregate_tables([read_json(p) for p in smk.input.runs], [read_json(p) for p in smk.input.curve],
                              read_json(smk.input.synthetic), pilot, smk.params.settings)
    for name, frame in tables.items():
        write_csv(smk.output[name], frame)
    for r in tables["table4"].itertuples(index=False):
        log.info("Table 4 %-8s %-18s %-10s P(fwh) %.4f +- %.4f, accuracy %.4f +- %.4f", r.dataset, r.label, r.rule,
                 r.prob_fwh_mean, r.prob_fwh_sd, r.accuracy_mean, r.accuracy_sd)
