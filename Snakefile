# fairopt: reproduce FDFL, the fairness layer, fair and accurate regression and DAFH from raw
# public data to figures and a paper-vs-reproduction scorecard.
#   snakemake --cores 2                                # everything (paper settings)
#   snakemake --cores 2 --configfile config/smoke.yaml # CI-sized run
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/fdfl.smk"
include: "workflow/rules/fairreg.smk"
include: "workflow/rules/layer.smk"
include: "workflow/rules/dafh.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        all_targets(),
    default_target: True
    # nothing to compute: never submitted to a cluster
    localrule: True
