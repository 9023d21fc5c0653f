"""Rule fairreg_job_real: one method at one fairness setting on one real dataset (a JSON row)."""
import dataclasses

import numpy as np

from fairopt.core.io import read_json, write_json
from fairopt.core.runlog import logged
from fairopt.studies.fairreg.job import run_real
from fairopt.studies.fairreg.methods import SolveOptions
from fairopt.studies.fairreg.prepare import read_prepared
from fairopt.studies.fairreg.settings import parse_real_setting

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    method, setting = smk.wildcards.method, smk.wildcards.setting
    lam, eps = parse_real_setting(method, setting)
    split = read_prepared(smk.input.prepared, l=smk.params.l, threshold_position=smk.params.threshold_position)
    opts, start = SolveOptions(**smk.params.options), None
    if smk.input.start:
        result = read_json(smk.input.start[0])
        start = np.asarray(result["w"], dtype=float)
        opts = dataclasses.replace(opts, start_seconds=result["seconds"])
    row = run_real(split, method, opts, lam=lam, eps=eps, start=start)
    row["dataset"] = smk.wildcards.dataset
    write_json(smk.output[0], row)
    log.info("%s %s_%s: test RMSE +%.2f%%, exact test unfairness %.3f, %.2f s", smk.wildcards.dataset,
             method, setting, 100 * row.get("test_rel_rmse_increase", float("nan")),
             row.get("test_exact_unfairness", float("nan")), row["seconds"])
