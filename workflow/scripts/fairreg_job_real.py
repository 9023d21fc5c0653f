"""Rule fairreg_job_real: one method at one fairness setting on one real dataset (a JSON row and its timing)."""
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
    start = np.asarray(read_json(smk.input.start[0])["w"], dtype=float) if smk.input.start else None
    row, timing = run_real(split, method, SolveOptions(**smk.params.options), lam=lam, eps=eps, start=start)
    row["dataset"] = smk.wildcards.dataset
    write_json(smk.output.record, row)
    write_json(smk.output.timing, {"dataset": smk.wildcards.dataset, **timing})
    stopped = f", stopped by the {row['stopped_by'].replace('_', ' ')}" if row.get("stopped_by") else ""
    log.info("%s %s_%s: test RMSE +%.2f%%, exact test unfairness %.3f%s, %.2f s", smk.wildcards.dataset,
             method, setting, 100 * row.get("test_rel_rmse_increase", float("nan")),
             row.get("test_exact_unfairness", float("nan")), stopped, timing["seconds"])
