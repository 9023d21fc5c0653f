"""Rule fairreg_scorecard: the study's scorecard (paper vs run; speed claims apart, in the timing scorecard)
and the slides-vs-run comparison pages (results, and times in comparison_timing.md)."""
from fairopt.core.io import write_text
from fairopt.core.runlog import logged
from fairopt.report.scorecard import write_scorecard
from fairopt.studies.fairreg.scorecard import comparison_markdown, comparison_timing_markdown, scorecard_rows
from fairopt.studies.fairreg.tables import read_tables

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    paper, tables = read_tables(smk.input)
    settings = smk.params.settings
    rows = scorecard_rows(paper, settings, tables["formulations"], tables["gaps"], tables["summary"],
                          tables["relax_seconds"], tables["real"], formulations_timing=tables["formulations_timing"])
    frame = write_scorecard(rows, smk.output.csv, smk.output.md, headline=smk.params.headline,
                            title="Fair and accurate regression: paper vs reproduction",
                            timing_csv=smk.output.timing_csv, timing_md=smk.output.timing_md)
    write_text(smk.output.comparison, comparison_markdown(paper, settings, tables["formulations"], tables["gaps"]))
    write_text(smk.output.comparison_timing, comparison_timing_markdown(
        paper, settings, tables["formulations_timing"], tables["relax_seconds"]))
    log.info("scorecard: %s", frame.groupby("kind")["verdict"].value_counts().to_dict())
