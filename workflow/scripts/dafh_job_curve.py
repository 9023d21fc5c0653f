"""Rule dafh_job_curve: Figure 2 -- train and test metrics after every gradient step, one split."""
from fairopt.core.timing import JobClock

clock = JobClock()

import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from fairopt.core.io import read_json, write_json  # noqa: E402
from fairopt.core.runlog import logged  # noqa: E402
from fairopt.studies.dafh.job import run_curve  # noqa: E402
from fairopt.studies.dafh.methods import METHODS, Context  # noqa: E402
from fairopt.studies.dafh.prepare import PARTS, read_parts  # noqa: E402
from fairopt.studies.dafh.settings import curve_config  # noqa: E402

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log, threadpool_limits(smk.threads):
    torch.set_num_threads(smk.threads)
    settings = smk.params.settings
    split = int(smk.wildcards.split)
    seed = int(settings["splits"]["seed"]) + split
    dataset = settings["figures"]["curve_dataset"]
    pilot = read_json(smk.input.pilot) if "pilot" in smk.input.keys() else None
    parts = read_parts({part: getattr(smk.input, part) for part in PARTS})
    trivial = METHODS.get("trivial")(parts, Context(n_groups=None, seed=seed))[0].full
    config = curve_config(settings, pilot, dataset)
    record = run_curve(parts, config=config, trivial=trivial, seed=seed,
                       alpha=float(settings["metrics"]["mcnemar_alpha"]), dtype=settings["model"]["dtype"],
                       device=settings["device"])
    record.update(dataset=dataset, split=split)
    log.info("%s split %d: %d steps of %s", dataset, split, len(record["steps"]), config)
    write_json(smk.output.record, record)
    write_json(smk.output.timing, clock.finish(stage="curve", dataset=dataset, split=split, threads=smk.threads))
