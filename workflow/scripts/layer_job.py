"""Rules layer_synthetic_job, layer_sba_job, layer_employee_job: one experiment job -> one JSON record."""
import torch

from fairopt.io import write_json
from fairopt.layer.experiment import run_job
from fairopt.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    wc = smk.wildcards
    record = run_job(smk.params.experiment, smk.params.section, method=wc.layer_method, seed=int(wc.layer_seed),
                     path=smk.input[0] if len(smk.input) else None,
                     index=int(wc.syn) if "syn" in wc.keys() else None, setting=smk.params.get("batches"),
                     log=log.info)
    write_json(smk.output[0], record)
