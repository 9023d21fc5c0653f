"""Rules dafh_prepare, dafh_prepare_synthetic: one dataset split (or the Figure 1 data) -> its parts (.npz)."""
from fairopt.core.timing import JobClock

clock = JobClock()

from fairopt.core.io import write_json  # noqa: E402
from fairopt.core.runlog import logged  # noqa: E402
from fairopt.studies.dafh.prepare import PARTS, load_dataset, split_parts, synthetic_dataset, write_parts  # noqa: E402

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    if "dataset" in smk.wildcards.keys():
        dataset, split = smk.wildcards.dataset, int(smk.wildcards.split)
        data = load_dataset(dataset, list(smk.input), smk.params.data)
    else:
        dataset, split = "synthetic", 0
        data = synthetic_dataset(int(smk.params.synthetic["n"]), int(smk.params.synthetic["seed"]))
    splits = dict(smk.params.splits)
    if dataset == "synthetic":
        splits["seed"] = int(smk.params.synthetic["seed"])
    parts = split_parts(data, split, splits)
    write_parts(parts, {part: getattr(smk.output, part) for part in PARTS})
    log.info("%s split %d: %s rows (train/test/fit/validation), %d features, sensitive %s", dataset, split,
             "/".join(str(len(parts[p])) for p in PARTS), parts["train"].X.shape[1], list(data.group_names))
    write_json(smk.output.timing, clock.finish(stage="prepare", dataset=dataset, split=split))
