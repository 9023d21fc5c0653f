"""Rule layer_job_timing: per-batch layer timings and training-epoch costs (timing files, results/layer/benchmark/).

The authors' package (fairness-training, optional: pip install -e '.[bench]') is measured when installed;
otherwise its columns say "not measured" (fairopt.methods.flayer.benchmark). Its constraint check (no time
measured) is rule layer_job_authors_check. Runs on layer.device (recorded in both tables).
"""
import torch

from fairopt.core.device import resolve_device
from fairopt.core.io import write_csv
from fairopt.core.runlog import logged
from fairopt.methods.flayer.benchmark import benchmark_epochs, benchmark_layer

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    device = resolve_device(smk.params.device, "layer.device")
    b = smk.params.bench
    timing = benchmark_layer(b["batch_sizes"], repeats=b["repeats"], seed=b["seed"], group_share=b["group_share"],
                             solver_args=dict(b["solver_args"]), authors_repeats=b["authors_repeats"],
                             cvxpylayers_max_batch=b["cvxpylayers_max_batch"], device=device)
    write_csv(smk.output.timing, timing)
    for r in timing.itertuples(index=False):
        log.info("batch %d on %s: exact %.3f ms (CPU %.3f), cvxpylayers %.3f ms (%s), authors' package %.3f ms "
                 "(CPU %.3f, %d batches; %s)", r.batch_size, r.device, r.exact_ms, r.exact_cpu_ms, r.cvxpylayers_ms,
                 r.cvxpylayers_status, r.authors_ms, r.authors_cpu_ms, r.authors_repeats, r.authors_status)
    e = smk.params.epoch
    epochs = benchmark_epochs(n_rows=e["n_rows"], n_features=e["n_features"], batch_size=b["target_batch_size"],
                              hidden=e["hidden"], repeats=b["epoch_repeats"], seed=b["seed"], eps=e["eps"],
                              group_share=b["group_share"], device=device)
    epochs.insert(epochs.columns.get_loc("hidden") + 1, "network", e["network"])
    write_csv(smk.output.epochs, epochs)
    for r in epochs.itertuples(index=False):
        log.info("epoch %s (%s network, %s): %.3f s (CPU %.3f s), ratio %.3g (CPU %.3g), %s", r.variant, r.network,
                 r.device, r.epoch_s, r.epoch_cpu_s, r.ratio, r.ratio_cpu, r.status)
