"""Rule render_notebook: run a figure notebook with its inputs (papermill) and render its page."""
from fairopt.core.runlog import logged
from fairopt.report.notebooks import render_notebook

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    parameters = {name: path for name, path in smk.input.items() if name != "notebook"}
    render_notebook(smk.input.notebook, parameters, smk.output.notebook, smk.output.html)
    log.info("%s rendered with %s", smk.input.notebook, sorted(parameters))
