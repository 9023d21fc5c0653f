"""Rules fdfl_job_trials_<first>_<last>: one FDFL method on a block of trial splits -> each trial's record
(JSON) and timing (JSON) at the per-trial paths, written as each trial finishes
(fairopt.studies.fdfl.job: measured times live in the timing files only). The block's inputs are read once.

A timing file's ``job`` holds the block job's stamps and stages: ``started_unix`` (process start),
``finished_unix`` (this trial written), ``startup_seconds`` (process start to this script: interpreter
and Snakemake's preamble), ``import_seconds``, ``read_seconds`` (provenance, sample, splits), the
block's ``first_trial`` / ``trials``; the trial's own ``load_seconds`` (its split standardised),
``write_seconds`` (of its record) and ``wall_seconds`` / ``cpu_seconds`` (load, training, evaluation,
writing) sit beside ``seconds`` (training) and ``seconds_total`` (training + evaluation)."""
from fairopt.core.timing import JobClock

clock = JobClock()

import re  # noqa: E402
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
imported = time.time()

with logged(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    name = smk.wildcards.method
    trials = [int(re.search(r"trial-(\d+)\.json$", path)[1]) for path in smk.output.trials]
    method = Method(**smk.params.method)
    settings = TrialSettings.from_config(smk.params.settings)
    provenance = read_provenance(smk.input.provenance)
    sample = pd.read_csv(smk.input.sample, index_col="row_id")
    splits = pd.read_csv(smk.input.splits)
    job = {"started_unix": psutil.Process().create_time(), "threads": smk.threads, "first_trial": trials[0],
           "trials": len(trials), "import_seconds": imported - clock.start,
           "read_seconds": time.time() - imported}
    job["startup_seconds"] = clock.start - job["started_unix"]
    for trial, trial_path, timing_path in zip(trials, smk.output.trials, smk.output.timings):
        trial_clock = JobClock()
        data = load_trial(sample, splits, trial, risk_floor=settings.risk_floor, source=smk.input.sample)
        loaded = time.time()
        record, timing = run_trial(method, settings, data, provenance=provenance.to_dict())
        written = time.time()
        write_json(trial_path, record)
        stages = {"load_seconds": loaded - trial_clock.start, "write_seconds": time.time() - written}
        write_json(timing_path, trial_clock.finish(stage="trial", **timing, **stages,
                                                   job={**job, "finished_unix": time.time()}))
        test, train = record["metrics"]["test"], record["metrics"]["train"]
        log.info("%s trial %d (%s, %s): test regret %.4f, train MSE %.3f, train F %.4f, %.2f s training", name,
                 trial, provenance.label, record["device"]["device"], test["regret"], train["mse"],
                 train["mean_gap"], timing["seconds"])
