"""Rule fdfl_aggregate: one table of FDFL methods (mean ± std over trials), group errors, curves."""
from fairopt.studies.fdfl.tables import group_errors, history_frame, results_frame, table2, table2_markdown
from fairopt.core.io import write_csv, write_text
from fairopt.data.provenance import read_provenance
from fairopt.core.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    provenance = read_provenance(smk.input.provenance)
    frame = results_frame(smk.input.trials)
    table = table2(frame, smk.params.methods)
    write_csv(smk.output.trials, frame)
    write_csv(smk.output.table, table)
    title = f"FDFL table `{smk.wildcards.table}` ({int(table['trials'].max())} trials per method)"
    write_text(smk.output.markdown, f"# {title}\n\n" + table2_markdown(table, banner=provenance.banner))
    groups = group_errors(smk.input.trials)
    groups.insert(len(groups.columns), "data_source", provenance.label)
    write_csv(smk.output.groups, groups)
    history = history_frame(smk.input.trials)
    history["data_source"] = provenance.label
    write_csv(smk.output.history, history)
    log.info("table %s: %d methods x %d trials (%s)", smk.wildcards.table, len(table),
             int(table["trials"].max()), provenance.label)
