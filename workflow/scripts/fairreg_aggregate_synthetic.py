"""Rule fairreg_aggregate_synthetic: the per-job rows into the slides' two tables (CSV + Markdown)."""
import pandas as pd

from fairopt.studies.fairreg.tables import formulation_table, gaps_table, instance_summaries, markdown_table
from fairopt.core.io import read_json, write_csv, write_text
from fairopt.core.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    rows = [read_json(path) for path in smk.input]
    flat = pd.DataFrame([{k: v for k, v in r.items() if k not in ("w", "attempts")} for r in rows])
    write_csv(smk.output.runs, flat.sort_values(["m", "seed", "lam", "method"], ignore_index=True))
    summary = instance_summaries(rows)
    write_csv(smk.output.summary, summary)
    forms, gaps = formulation_table(summary), gaps_table(summary)
    write_csv(smk.output.formulations_csv, forms)
    write_csv(smk.output.gaps_csv, gaps)
    write_text(smk.output.formulations_md, markdown_table(
        forms, title="Big-M vs strong MIO (gaps %, solver time s, nodes; shares of instances)"))
    write_text(smk.output.gaps_md, markdown_table(gaps, title="Optimality gaps (%) of the methods"))
    log.info("%d rows, %d (instance, lambda); avg strong end gap %.2f%%", len(rows), len(summary),
             forms["strong_end_gap"].iloc[-1])
