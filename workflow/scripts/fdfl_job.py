"""Rule fdfl_job: one FDFL method on one trial split -> its record (JSON) and its timing (JSON)
(fairopt.studies.fdfl.job: measured times live in the timing file only)."""
from fairopt.core.timing import JobClock

clock = JobClock()

import time  # noqa: E402

import pandas as pd  # noqa: E402
import psutil  # noqa: E402
import torch  # noqa: E402

from fairopt.core.io import write_json  # noqa: E402
from fairopt.core.runlog import logged  # noqa: E402
from fairopt.data.provenance import read_provenance  # noqa: E402
from fairopt.studies.fdfl.data import load_trial  # noqa: E402
from fairopt.studies.fdfl.job import run_trial  # noqa: E402
from fairopt.studies.fdfl.methods import Method  # noqa: E402
from fairopt.studies.fdfl.settings import TrialSettings  # noqa: E402

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
    record, timing = run_trial(method, settings, data, provenance=provenance.to_dict())
    write_json(smk.output.trial, record)
    # wall-clock stamps of this job (process start to end), for the wall time of a whole table
    job = {"started_unix": psutil.Process().create_time(), "finished_unix": time.time(), "threads": smk.threads}
    write_json(smk.output.timing, clock.finish(stage="trial", **timing, job=job))
    test, train = record["metrics"]["test"], record["metrics"]["train"]
    log.info("%s trial %d (%s): test regret %.4f, train MSE %.3f, train F %.4f, %.2f s training",
             name, trial, provenance.label, test["regret"], train["mse"], train["mean_gap"], timing["seconds"])
