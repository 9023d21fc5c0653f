"""Rule fairreg_prepare_real: the benchmark preparation, subsample and group-stratified 50/50 split."""
from fairopt.studies.fairreg.prepare import prepare_real
from fairopt.core.io import write_csv, write_json
from fairopt.core.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    p = smk.params
    frame, info = prepare_real(smk.wildcards.dataset, smk.input.raw, options=p.options,
                               subsample=p.subsample, subsample_seed=p.subsample_seed,
                               test_size=p.test_size, split_seed=p.split_seed, intercept=p.intercept)
    write_csv(smk.output.prepared, frame, float_format="%.17g")
    write_json(smk.output.info, info)
    log.info("%s: %d of %d rows, %d features, %d train / %d test", smk.wildcards.dataset,
             info["rows_used"], info["rows_full"], info["features"], info["m_train"], info["m_test"])
