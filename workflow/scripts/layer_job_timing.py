"""Rule layer_job_timing: forward+backward time per batch, exact fast path vs cvxpylayers."""
import torch

from fairopt.core.io import write_csv
from fairopt.methods.flayer.benchmark import benchmark_layer
from fairopt.core.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    b = smk.params.bench
    timing = benchmark_layer(b["batch_sizes"], repeats=b["repeats"], seed=b["seed"], group_share=b["group_share"],
                             solver_args=dict(b["solver_args"]))
    write_csv(smk.output[0], timing)
    for r in timing.itertuples(index=False):
        log.info("batch %d: exact %.3f ms, cvxpylayers %.3f ms, speedup %.1fx", r.batch_size, r.exact_ms,
                 r.cvxpylayers_ms, r.speedup)
