"""Rule fairreg_prepare_synthetic: one seeded synthetic instance (CSV) and its thresholds/parameters (JSON)."""
from fairopt.core.runlog import logged
from fairopt.studies.fairreg.prepare import synthetic_instance, write_instance

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    m, seed = int(smk.wildcards.m), int(smk.wildcards.seed)
    inst, record = synthetic_instance(m, seed, n=smk.params.n, l=smk.params.l, generator=smk.params.generator)
    write_instance(inst, record, smk.output.instance, smk.output.meta)
    log.info("instance m=%d seed=%d: n=%d, l=%d, %d rows with a = 1", m, seed, inst.n, inst.l, int(inst.a.sum()))
