"""Rule layer_scorecard: the study's paper-vs-reproduction scorecard (CSV and Markdown)."""
import pandas as pd
import yaml

from fairopt.errors import DataError
from fairopt.layer.report import layer_scorecard
from fairopt.runlog import logged
from fairopt.scorecard import write_scorecard

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    with open(smk.input.paper, encoding="utf-8") as fh:
        paper = yaml.safe_load(fh)
    for key in ("synthetic", "sba", "employee", "not_run"):
        if key not in (paper or {}):
            raise DataError(f"{smk.input.paper}: missing section {key!r}")
    rows = layer_scorecard(paper=paper, settings=smk.params.settings, paper_settings=smk.params.paper_settings,
                           synthetic_summary=pd.read_csv(smk.input.synthetic), sba_table=pd.read_csv(smk.input.sba),
                           sba_runs=pd.read_csv(smk.input.sba_runs),
                           employee_summary=pd.read_csv(smk.input.employee))
    frame = write_scorecard(rows, smk.output.csv, smk.output.md,
                            title=f"Fairness layer: paper vs reproduction (scale: {smk.params.settings['scale']})")
    log.info("scorecard: %s", frame["verdict"].value_counts().to_dict())
