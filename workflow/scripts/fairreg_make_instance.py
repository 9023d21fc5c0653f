"""Rule fairreg_make_instance: one seeded synthetic instance (CSV) and its thresholds/parameters (JSON)."""
from fairopt.fairreg.synthetic import make_synthetic, write_instance
from fairopt.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    m, seed = int(smk.wildcards.m), int(smk.wildcards.seed)
    syn = make_synthetic(m, n=smk.params.n, l=smk.params.l, seed=seed, **smk.params.generator)
    write_instance(syn, smk.output.instance, smk.output.meta)
    log.info("instance m=%d seed=%d: n=%d, l=%d, %d rows with a = 1", m, seed, syn.instance.n,
             syn.instance.l, int(syn.a.sum()))
