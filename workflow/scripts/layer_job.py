"""Rules layer_job_synthetic, layer_job_sba, layer_job_employee: one experiment job -> its record (JSON) and
its timing (JSON, under results/layer/timing/job/: measured times never enter the record)."""
from fairopt.core.timing import JobClock

clock = JobClock()

import torch  # noqa: E402

from fairopt.core.io import write_json  # noqa: E402
from fairopt.core.runlog import logged  # noqa: E402
from fairopt.studies.layer.job import run_job  # noqa: E402
from fairopt.studies.layer.prepare import PARTS, read_parts  # noqa: E402

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    parts = read_parts({part: getattr(smk.input, part) for part in PARTS})
    record, timing = run_job(smk.params.experiment, parts, smk.params.section, method=smk.wildcards.method,
                             seed=int(smk.wildcards.seed), setting=smk.params.setting, log=log.info)
    write_json(smk.output.record, record)
    write_json(smk.output.timing, clock.finish(stage="job", threads=smk.threads, **timing))
