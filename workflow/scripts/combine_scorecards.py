"""Rule combine_scorecards: the studies' scorecards in one table and one Markdown report."""
import pandas as pd

from fairopt.core.runlog import logged
from fairopt.report.scorecard import combine_scorecards

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    frames = {study: pd.read_csv(path, keep_default_na=False) for study, path in smk.input.items()}
    combined = combine_scorecards(frames, smk.output.csv, smk.output.md)
    log.info("scorecard: %d rows from %s", len(combined), sorted(frames))
