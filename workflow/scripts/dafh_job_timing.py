"""Rule dafh_job_timing: one DAFH configuration against the grid as one batched computation."""
import torch
from threadpoolctl import threadpool_limits

from fairopt.core.io import write_json
from fairopt.core.runlog import logged
from fairopt.core.timing import usable_cores
from fairopt.methods.dafh.benchmark import time_fits

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log, threadpool_limits(smk.threads):
    torch.set_num_threads(smk.threads)
    bench = smk.params.bench
    out = time_fits(n=int(bench["n"]), d=int(bench["d"]), batch_size=int(bench["batch_size"]), dtype=smk.params.dtype)
    out["threads"], out["cores"] = smk.threads, usable_cores()
    log.info("single %.2f s, batched %.2f s, batched with snapshots %.2f s", out["single"]["wall_s"],
             out["batched"]["wall_s"], out["batched_snapshots"]["wall_s"])
    write_json(smk.output[0], out)
