"""Rules layer_job_synthetic, layer_job_sba, layer_job_employee: one experiment job -> one JSON record."""
import torch

from fairopt.core.io import write_json
from fairopt.core.runlog import logged
from fairopt.studies.layer.job import run_job
from fairopt.studies.layer.prepare import PARTS, read_parts

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    parts = read_parts({part: getattr(smk.input, part) for part in PARTS})
    record = run_job(smk.params.experiment, parts, smk.params.section, method=smk.wildcards.method,
                     seed=int(smk.wildcards.seed), setting=smk.params.setting, log=log.info)
    write_json(smk.output[0], record)
