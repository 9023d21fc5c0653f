"""Rule fdfl_job: one FDFL method on one trial split -> one trial JSON (fairopt.studies.fdfl.job)."""
import time

import pandas as pd
import psutil
import torch

from fairopt.studies.fdfl.data import load_trial
from fairopt.studies.fdfl.methods import Method
from fairopt.studies.fdfl.settings import TrialSettings
from fairopt.studies.fdfl.job import run_trial
from fairopt.core.io import write_json
from fairopt.data.provenance import read_provenance
from fairopt.core.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    name, trial = smk.wildcards.method, int(smk.wildcards.trial)
    method = Method(**smk.params.method)
    settings = TrialSettings.from_config(smk.params.settings)
    provenance = read_provenance(smk.input.provenance)
    sample = pd.read_csv(smk.input.sample, index_col="row_id")
    splits = pd.read_csv(smk.input.splits)
    data = load_trial(sample, splits, trial, risk_floor=settings.risk_floor, source=smk.input.sample)
    result = run_trial(method, settings, data, provenance=provenance.to_dict())
    # wall-clock stamps of this job (process start to end), for the wall time of a whole table
    result["job"] = {"started_unix": psutil.Process().create_time(), "finished_unix": time.time(),
                     "threads": smk.threads}
    write_json(smk.output[0], result)
    test, train = result["metrics"]["test"], result["metrics"]["train"]
    log.info("%s trial %d (%s): test regret %.4f, train MSE %.3f, train F %.4f, %.2f s training",
             name, trial, provenance.label, test["regret"], train["mse"], train["mean_gap"], result["seconds"])
