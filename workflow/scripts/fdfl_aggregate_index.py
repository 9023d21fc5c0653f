"""Rule fdfl_aggregate_index: which FDFL tables this run built and where they are (read by the notebooks)."""
import pandas as pd

from fairopt.core.io import write_csv
from fairopt.core.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    index = pd.DataFrame({"table": smk.params.tables, "path": list(smk.input)})
    write_csv(smk.output[0], index)
    log.info("FDFL tables: %s", ", ".join(smk.params.tables))
