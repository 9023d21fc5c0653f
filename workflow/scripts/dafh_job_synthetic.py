"""Rule dafh_job_synthetic: Figure 1 -- Pooled, a split on each attribute, on both, and DAFH on the synthetic data."""
from fairopt.core.timing import JobClock

clock = JobClock()

import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from fairopt.core.io import read_json, write_json  # noqa: E402
from fairopt.core.runlog import logged  # noqa: E402
from fairopt.studies.dafh.job import run_synthetic  # noqa: E402
from fairopt.studies.dafh.methods import Context  # noqa: E402
from fairopt.studies.dafh.prepare import PARTS, read_parts  # noqa: E402
from fairopt.studies.dafh.settings import grid_with_learning_rates  # noqa: E402

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log, threadpool_limits(smk.threads):
    torch.set_num_threads(smk.threads)
    settings = smk.params.settings
    pilot = read_json(smk.input.pilot) if "pilot" in smk.input.keys() else None
    parts = read_parts({part: getattr(smk.input, part) for part in PARTS})
    synthetic = settings["synthetic"]
    ctx = Context(n_groups=int(synthetic["n_groups"]), seed=int(synthetic["seed"]),
                  grid=grid_with_learning_rates(settings, pilot), model=settings["model"])
    record = run_synthetic(parts, ctx, alpha=float(settings["metrics"]["mcnemar_alpha"]),
                           plot_points=int(synthetic["plot_points"]))
    for name, m in record["methods"].items():
        log.info("%s: test P(fwh) %.4f, accuracy %.4f", name, m["test"]["prob_fwh"], m["test"]["accuracy"])
    write_json(smk.output.record, record)
    write_json(smk.output.timing, clock.finish(stage="synthetic", threads=smk.threads))
