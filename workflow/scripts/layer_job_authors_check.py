"""Rule layer_job_authors_check: the authors' package (fairness-training, optional: pip install -e '.[bench]')
against its own hard mean-residual constraint, beside fairopt's exact layer on the same seeded batches.

Largest violations only, no time measured: a result file (byte-identical across runs), read by the scorecard
and the benchmark table. Without the package its rows say "not measured" (fairopt.methods.flayer.benchmark).
fairopt's layer runs on layer.device, the authors' package on the CPU (column device).
"""
import torch

from fairopt.core.device import resolve_device
from fairopt.core.io import write_csv
from fairopt.core.runlog import logged
from fairopt.methods.flayer.benchmark import authors_constraint_check

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    a = smk.params.check
    check = authors_constraint_check(batch_size=a["batch_size"], repeats=a["repeats"], eps_values=a["eps"],
                                     n_attributes=a["n_attributes"], seed=smk.params.seed,
                                     device=resolve_device(smk.params.device, "layer.device"))
    write_csv(smk.output.authors, check)
    for r in check.itertuples(index=False):
        log.info("constraint check eps %g %s on %s: largest violation %.3g of eps (%s)", r.eps, r.implementation,
                 r.device, r.max_violation_rel, r.status)
