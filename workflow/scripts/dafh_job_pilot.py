"""Rule dafh_job_pilot: the documented pilot that chooses the lost learning rates (split 0 of every dataset)."""
from fairopt.core.timing import JobClock

clock = JobClock()

import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from fairopt.core.io import write_json  # noqa: E402
from fairopt.core.runlog import logged  # noqa: E402
from fairopt.studies.dafh.job import run_pilot  # noqa: E402
from fairopt.studies.dafh.prepare import PARTS, read_parts  # noqa: E402

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log, threadpool_limits(smk.threads):
    torch.set_num_threads(smk.threads)
    settings = smk.params.settings
    parts = {d: read_parts({p: smk.input[f"{d}_{p}"] for p in PARTS}) for d in settings["datasets"]}
    pilot = run_pilot(parts, candidates=settings["pilot"]["candidates"], table3=settings["table3"],
                      model=settings["model"], seed=int(settings["splits"]["seed"]),
                      alpha=float(settings["metrics"]["mcnemar_alpha"]), keep=int(settings["pilot"]["keep"]),
                      device=settings["device"])
    log.info("pilot: lr_group %s, lr_decoupled %s (%d scored pairs)", pilot["lr_group"], pilot["lr_decoupled"],
             len(pilot["rows"]))
    write_json(smk.output.record, pilot)
    write_json(smk.output.timing, clock.finish(stage="pilot", threads=smk.threads))
