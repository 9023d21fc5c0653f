"""Rule combine_scorecards: the studies' scorecards in one table and one Markdown report, and their
timing rows (speed claims, judged on this run's measured times) in another."""
import pandas as pd

from fairopt.core.runlog import logged
from fairopt.report.scorecard import combine_scorecards

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    def read(prefix):
        return {name[len(prefix):]: pd.read_csv(path, keep_default_na=False)
                for name, path in smk.input.items() if name.startswith(prefix)}

    combined = combine_scorecards(read("scorecard_"), smk.output.csv, smk.output.md, headline=smk.params.headline)
    timing = combine_scorecards(read("timing_"), smk.output.timing_csv, smk.output.timing_md,
                                title="fairopt: the papers' speed claims, judged on this run's measured times",
                                headline=smk.params.headline, timing=True)
    log.info("scorecard: %d rows, %d timing rows, from %s", len(combined), len(timing), sorted(read("scorecard_")))
