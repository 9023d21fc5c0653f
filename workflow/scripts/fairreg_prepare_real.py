"""Rule fairreg_prepare_real: the benchmark preparation, subsample and group-stratified 50/50 split."""
from fairopt.core.runlog import logged
from fairopt.data.raw import check_raw_inputs
from fairopt.studies.fairreg.prepare import prepare_real, write_prepared

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    check_raw_inputs(smk.input)  # the raw copy is still the verified one (fairopt.data.raw)
    p = smk.params
    frame, info = prepare_real(smk.wildcards.dataset, smk.input.raw, options=p.options,
                               subsample=p.subsample, subsample_seed=p.subsample_seed,
                               test_size=p.test_size, split_seed=p.split_seed, intercept=p.intercept)
    write_prepared(frame, info, smk.output.prepared, smk.output.info)
    log.info("%s: %d of %d rows, %d features, %d train / %d test", smk.wildcards.dataset,
             info["rows_used"], info["rows_full"], info["features"], info["m_train"], info["m_test"])
