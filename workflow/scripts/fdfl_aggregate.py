"""Rule fdfl_aggregate: one table of FDFL methods (mean ± std over trials), group errors, curves.

Each row reads the trial files of the method it is trained as (shared trainings, fairopt.studies.fdfl.tables)."""
from fairopt.studies.fdfl.tables import group_errors, history_frame, load_trials, results_frame, table2, table2_markdown
from fairopt.core.io import write_csv, write_text
from fairopt.data.provenance import read_provenance
from fairopt.core.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    provenance = read_provenance(smk.input.provenance)
    rows = smk.params.rows
    trials = load_trials(smk.input.trials, rows)
    frame = results_frame(trials)
    table = table2(frame, [row["name"] for row in rows])
    write_csv(smk.output.trials, frame)
    write_csv(smk.output.table, table)
    title = f"FDFL table `{smk.wildcards.table}` ({int(table['trials'].max())} trials per method)"
    write_text(smk.output.markdown, f"# {title}\n\n" + table2_markdown(table, banner=provenance.banner))
    groups = group_errors(trials)
    groups.insert(len(groups.columns), "data_source", provenance.label)
    write_csv(smk.output.groups, groups)
    history = history_frame(trials)
    history["data_source"] = provenance.label
    write_csv(smk.output.history, history)
    log.info("table %s: %d methods x %d trials (%s)", smk.wildcards.table, len(table),
             int(table["trials"].max()), provenance.label)
