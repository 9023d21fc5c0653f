"""Rule dafh_scorecard: the study's paper-vs-reproduction scorecard (CSV and Markdown)."""
import pandas as pd

from fairopt.core.runlog import logged
from fairopt.report.scorecard import write_scorecard
from fairopt.studies.common import load_paper, schema_defaults
from fairopt.studies.dafh.scorecard import dafh_scorecard

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    paper = load_paper(smk.input.paper, ("n_splits", "table7", "claims"))
    tables = {t: pd.read_csv(smk.input[t]) for t in ("table4", "table5", "table6", "table7", "curve", "synthetic")}
    rows = dafh_scorecard(paper=paper, settings=smk.params.settings, paper_settings=schema_defaults("dafh"),
                          tables=tables)
    frame = write_scorecard(rows, smk.output.csv, smk.output.md, headline=smk.params.headline,
                            title=f"DAFH: paper vs reproduction (scale: {smk.params.settings['scale']})",
                            timing_csv=smk.output.timing_csv, timing_md=smk.output.timing_md)
    log.info("scorecard: %s", frame["verdict"].value_counts().to_dict())
