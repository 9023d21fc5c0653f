# Input functions of the fair-regression rules (fairreg.smk): Snakemake's style keeps functions out of rule
# files. They read the globals of fairreg.smk when called.


def fairreg_synthetic_inputs(wildcards):
    """The instance; for a method that starts at another's model (cd_relax) that result too."""
    inputs = dict(rules.fairreg_prepare_synthetic.output.items())
    inputs = {k: v.format(m=wildcards.m, seed=wildcards.seed) for k, v in inputs.items()}
    needs = FAIRREG_SYNTHETIC_METHODS.info(wildcards.method).get("needs")
    if needs:
        inputs["start"] = rules.fairreg_job_synthetic.output.record.format(
            **{**dict(wildcards.items()), "method": needs}
        )
    return inputs
