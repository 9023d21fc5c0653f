"""Rule fairreg_aggregate_synthetic: the per-job rows into the slides' two tables (CSV + Markdown); the
jobs' timing records into the timing tables (the formulation table's time column, every job's times)."""
import pandas as pd

from fairopt.core.io import read_json, write_csv, write_text
from fairopt.core.runlog import logged
from fairopt.studies.fairreg.tables import (NO_MODEL_NOTE, formulation_table, formulation_timing_table, gaps_table,
                                            instance_summaries, markdown_table, timing_frame)

smk = snakemake  # noqa: F821 (injected by Snakemake)
KEY = ["m", "seed", "lam", "method"]

with logged(smk.log[0]) as log:
    rows = [read_json(path) for path in smk.input.runs]
    flat = pd.DataFrame([{k: v for k, v in r.items() if k not in ("w", "attempts")} for r in rows])
    write_csv(smk.output.runs, flat.sort_values(KEY, ignore_index=True))
    timings = timing_frame(read_json(path) for path in smk.input.timings).sort_values(KEY, ignore_index=True)
    write_csv(smk.output.runs_timing, timings)
    summary = instance_summaries(rows)
    write_csv(smk.output.summary, summary)
    forms, gaps = formulation_table(summary), gaps_table(summary)
    times = formulation_timing_table(summary, timings)
    write_csv(smk.output.formulations_csv, forms)
    write_csv(smk.output.gaps_csv, gaps)
    write_csv(smk.output.formulations_timing_csv, times)
    write_text(smk.output.formulations_md, markdown_table(
        forms, title="Big-M vs strong MIO (gaps %, nodes; shares of instances)")
        + f"\n{NO_MODEL_NOTE} `*_node_limit` / `*_time_limit`: share stopped by that limit. Solver time: "
          "table_formulations_timing.md.\n")
    write_text(smk.output.formulations_timing_md, markdown_table(
        times, title="Big-M vs strong MIO: mean solver time (s)")
        + "\nMeasured on this machine (a timing file: it differs between runs). A MIO without a model at its "
          "time limit counts the limit; one without a model otherwise is left out.\n")
    write_text(smk.output.gaps_md, markdown_table(gaps, title="Optimality gaps (%) of the methods")
               + f"\n{NO_MODEL_NOTE}\n")
    stops = flat["stopped_by"].value_counts().to_dict() if "stopped_by" in flat else {}
    log.info("%d rows, %d (instance, lambda); avg strong end gap %.2f%%; MIOs stopped by: %s", len(rows),
             len(summary), forms["strong_end_gap"].iloc[-1], stops or "none")
