"""Rule fdfl_aggregate: one table of FDFL methods (mean ± std over trials), group errors, curves, and
their timings in files of their own (Time column, seconds per epoch: fairopt.studies.fdfl.tables).

Each row reads the trial files of the method it is trained as (shared trainings, fairopt.studies.fdfl.tables)."""
from fairopt.core.io import write_csv, write_text
from fairopt.core.runlog import logged
from fairopt.data.provenance import read_provenance
from fairopt.studies.fdfl.tables import (group_errors, history_frame, history_timing_frame, load_trials, results_frame,
                                         table2, table2_markdown, table2_timing, timing_frame)

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    provenance = read_provenance(smk.input.provenance)
    rows = smk.params.rows
    order = [row["name"] for row in rows]
    trials = load_trials(smk.input.trials, rows)
    frame = results_frame(trials)
    table = table2(frame, order)
    write_csv(smk.output.trials, frame)
    write_csv(smk.output.table, table)
    title = f"FDFL table `{smk.wildcards.table}` ({int(table['trials'].max())} trials per method)"
    write_text(smk.output.markdown, f"# {title}\n\n" + table2_markdown(table, banner=provenance.banner)
               + f"\nTime column (seconds per trial, measured): `{smk.output.timing_md}`.\n")
    groups = group_errors(trials)
    groups.insert(len(groups.columns), "data_source", provenance.label)
    write_csv(smk.output.groups, groups)
    history = history_frame(trials)
    history["data_source"] = provenance.label
    write_csv(smk.output.history, history)
    # the measured times: Table 2's Time column, per trial, per epoch
    timings = timing_frame(smk.input.timings, frame)
    timing = table2_timing(timings, order)
    write_csv(smk.output.trials_timing, timings)
    write_csv(smk.output.timing, timing)
    write_text(smk.output.timing_md, f"# {title}: with the Time column\n\n"
               + table2_markdown(table, banner=provenance.banner, timing=timing)
               + "\nTime: training wall seconds per trial (all epochs), measured on this run's machine.\n")
    write_csv(smk.output.history_timing, history_timing_frame(smk.input.timings, frame))
    log.info("table %s: %d methods x %d trials (%s)", smk.wildcards.table, len(table),
             int(table["trials"].max()), provenance.label)
