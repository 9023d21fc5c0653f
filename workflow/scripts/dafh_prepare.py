"""Rules dafh_prepare, dafh_prepare_synthetic: one dataset, read once, -> the parts of every split (.npz);
or the Figure 1 data -> its parts."""
from fairopt.core.timing import JobClock

clock = JobClock()

from fairopt.core.io import write_json  # noqa: E402
from fairopt.core.runlog import logged  # noqa: E402
from fairopt.data.raw import check_raw_inputs  # noqa: E402
from fairopt.studies.dafh.prepare import PARTS, load_dataset, split_parts, synthetic_dataset, write_parts  # noqa: E402

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    check_raw_inputs(smk.input)  # the raw copies are still the verified ones (fairopt.data.raw)
    if "dataset" in smk.wildcards.keys():
        dataset = smk.wildcards.dataset
        data = load_dataset(dataset, list(smk.input), smk.params.data)
        splits = {s: {part: smk.output[f"split{s}_{part}"] for part in PARTS}
                  for s in range(int(smk.params.splits["count"]))}
        options = dict(smk.params.splits)
    else:
        dataset = "synthetic"
        data = synthetic_dataset(int(smk.params.synthetic["n"]), int(smk.params.synthetic["seed"]))
        splits = {0: {part: getattr(smk.output, part) for part in PARTS}}
        options = {**smk.params.splits, "seed": int(smk.params.synthetic["seed"])}
    for split, paths in splits.items():
        parts = split_parts(data, split, options)  # every split is checked before any is written
        splits[split] = (parts, paths)
    for split, (parts, paths) in splits.items():
        write_parts(parts, paths)
        log.info("%s split %d: %s rows (train/test/fit/validation), %d features, sensitive %s", dataset, split,
                 "/".join(str(len(parts[p])) for p in PARTS), parts["train"].X.shape[1], list(data.group_names))
    write_json(smk.output.timing, clock.finish(stage="prepare", dataset=dataset, splits=len(splits)))
