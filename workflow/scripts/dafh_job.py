"""Rule dafh_job: one (dataset, method, K, split) -> its record (JSON) and its timing (JSON)."""
from fairopt.core.timing import JobClock

clock = JobClock()

from threadpoolctl import threadpool_limits  # noqa: E402

from fairopt.core.io import read_json, write_json  # noqa: E402
from fairopt.core.runlog import logged  # noqa: E402
from fairopt.studies.dafh.job import run_job  # noqa: E402
from fairopt.studies.dafh.methods import Context  # noqa: E402
from fairopt.studies.dafh.prepare import PARTS, read_parts  # noqa: E402
from fairopt.studies.dafh.settings import grid_with_learning_rates, parse_run_name  # noqa: E402

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log, threadpool_limits(smk.threads):
    settings = smk.params.settings
    method, k = parse_run_name(smk.wildcards.run)
    split = int(smk.wildcards.split)
    pilot = read_json(smk.input.pilot) if "pilot" in smk.input.keys() else None
    grid = grid_with_learning_rates(settings, pilot) if method == "dafh" else {}
    if method == "dafh":
        import torch

        torch.set_num_threads(smk.threads)
    parts = read_parts({part: getattr(smk.input, part) for part in PARTS})
    ctx = Context(n_groups=k, seed=int(settings["splits"]["seed"]) + split, grid=grid, model=settings["model"],
                  baselines=settings["baselines"], device=settings["device"])
    composition = (smk.wildcards.dataset == settings["figures"]["composition_dataset"] and method == "dafh")
    record, timing = run_job(parts, method, ctx, alpha=float(settings["metrics"]["mcnemar_alpha"]),
                             composition=composition, log=log.info)
    write_json(smk.output.record, record)
    write_json(smk.output.timing, clock.finish(stage="job", dataset=smk.wildcards.dataset, method=method, K=k,
                                               split=split, threads=smk.threads, **timing))
