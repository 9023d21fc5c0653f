"""Rules layer_prepare_synthetic, layer_prepare_sba, layer_prepare_employee: one dataset's parts -> .npz files."""
from fairopt.core.runlog import logged
from fairopt.data.raw import check_raw_inputs
from fairopt.studies.layer.prepare import PARTS, PREPARE, write_parts

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    check_raw_inputs(smk.input)  # the raw copy is still the verified one (fairopt.data.raw)
    experiment = smk.params.experiment
    # a real dataset's source is its raw file (the rule's input); the synthetic design's is its number
    source = smk.input[0] if len(smk.input) else smk.params.source
    parts = PREPARE.get(experiment)(source, smk.params.seed, smk.params.section)
    write_parts(parts, {part: getattr(smk.output, part) for part in PARTS})
    log.info("%s: %s rows, %d features", experiment, "/".join(str(len(parts[p])) for p in PARTS),
             parts["train"].X.shape[1])
