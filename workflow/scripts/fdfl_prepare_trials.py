"""Rule fdfl_prepare_trials: the experiment sample and the trial splits, written once for all methods."""
from fairopt.core.io import write_csv
from fairopt.core.runlog import logged
from fairopt.core.splits import sample_rows, trial_splits_table
from fairopt.studies.fdfl.prepare import read_modelling_table

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    table = read_modelling_table(smk.input.table)  # a damaged table fails here, naming the file
    sample = sample_rows(table, smk.params.n, smk.params.random_state)
    splits = trial_splits_table(sample.index, range(smk.params.trials), smk.params.test_size)
    write_csv(smk.output.sample, sample, index=True)
    write_csv(smk.output.splits, splits)
    counts = sample["race"].value_counts().to_dict()
    log.info("sample of %d rows (white %d / black %d); %d trials", len(sample), counts.get(0, 0),
             counts.get(1, 0), smk.params.trials)
