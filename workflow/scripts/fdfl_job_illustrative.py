"""Rule fdfl_job_illustrative: the 15-person example of section 3.3 (Table 1, data for Figures 1-2)."""
import torch

from fairopt.studies.fdfl.illustrative import IllustrativeConfig, run_example
from fairopt.core.io import write_csv
from fairopt.core.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    out = run_example(IllustrativeConfig.from_config(smk.params.illustrative))
    for key in ("table1", "points", "lines"):
        write_csv(smk.output[key], out[key])
    for row in out["table1"].itertuples(index=False):
        log.info("%s: prediction MSE %.4g, decision MSE %.4g, group 1/2 |error| %.3g/%.3g", row.model,
                 row.prediction_mse, row.decision_mse, row.group1_abs_error, row.group2_abs_error)
