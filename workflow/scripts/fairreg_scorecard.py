"""Rule fairreg_scorecard: the study's scorecard (paper vs run) and the slides-vs-run comparison page."""
from fairopt.core.io import write_text
from fairopt.core.runlog import logged
from fairopt.report.scorecard import write_scorecard
from fairopt.studies.fairreg.scorecard import comparison_markdown, scorecard_rows
from fairopt.studies.fairreg.tables import read_tables

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    paper, tables = read_tables(smk.input)
    rows = scorecard_rows(paper, smk.params.settings, tables["formulations"], tables["gaps"], tables["summary"],
                          tables["relax_seconds"], tables["real"])
    frame = write_scorecard(rows, smk.output.csv, smk.output.md,
                            title="Fair and accurate regression: paper vs reproduction")
    write_text(smk.output.comparison, comparison_markdown(paper, smk.params.settings, tables["formulations"],
                                                          tables["gaps"], tables["relax_seconds"]))
    log.info("scorecard: %s", frame["verdict"].value_counts().to_dict())
