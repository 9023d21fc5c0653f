# Resource functions of the fairness-layer rules (layer.smk): Snakemake's style keeps functions out of rule
# files. They read the globals of layer.smk when called.


def layer_runtime(experiment):
    """`runtime` resource (minutes) of an experiment's jobs: one fit, x grid size for Penalty."""
    section = LAYER[experiment]
    return lambda w: section["resources"]["runtime"] * (len(section["penalty_lambdas"]) if w.method == "penalty" else 1)
