"""Rule layer_scorecard: the study's paper-vs-reproduction scorecard (CSV and Markdown)."""
import pandas as pd

from fairopt.core.runlog import logged
from fairopt.report.scorecard import write_scorecard
from fairopt.studies.common import load_paper, schema_defaults
from fairopt.studies.layer.scorecard import layer_scorecard

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    paper = load_paper(smk.input.paper, ("synthetic", "sba", "employee", "not_run"))
    rows = layer_scorecard(paper=paper, settings=smk.params.settings, paper_settings=schema_defaults("layer"),
                           synthetic_summary=pd.read_csv(smk.input.synthetic), sba_table=pd.read_csv(smk.input.sba),
                           sba_runs=pd.read_csv(smk.input.sba_runs),
                           employee_summary=pd.read_csv(smk.input.employee),
                           authors_check=pd.read_csv(smk.input.authors))
    frame = write_scorecard(rows, smk.output.csv, smk.output.md, headline=smk.params.headline,
                            title=f"Fairness layer: paper vs reproduction (scale: {smk.params.settings['scale']})",
                            timing_csv=smk.output.timing_csv, timing_md=smk.output.timing_md)
    log.info("scorecard: %s", frame["verdict"].value_counts().to_dict())
