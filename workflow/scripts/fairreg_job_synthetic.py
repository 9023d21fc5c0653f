"""Rule fairreg_job_synthetic: one method on one synthetic instance and lambda (a JSON row and its timing)."""
import numpy as np

from fairopt.core.io import read_json, write_json
from fairopt.core.runlog import logged
from fairopt.studies.fairreg.job import run_synthetic
from fairopt.studies.fairreg.methods import SolveOptions
from fairopt.studies.fairreg.prepare import read_instance

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    inst = read_instance(smk.input.instance, smk.input.meta)
    lam, method = float(smk.wildcards.lam), smk.wildcards.method
    start = np.asarray(read_json(smk.input.start)["w"], dtype=float) if "start" in smk.input.keys() else None
    row, timing = run_synthetic(inst, lam, method, SolveOptions(**smk.params.options), start)
    keys = {"m": inst.m, "n": inst.n, "l": inst.l, "seed": int(smk.wildcards.seed)}
    row.update(keys)
    write_json(smk.output.record, row)
    write_json(smk.output.timing, {**keys, **timing})
    stopped = f" (stopped by the {row['stopped_by'].replace('_', ' ')})" if row.get("stopped_by") else ""
    log.info("m=%d seed=%s lam=%g %s: objective %s, status %s%s, %.2f s", inst.m, smk.wildcards.seed, lam,
             method, row["objective"], row.get("status", "-"), stopped, timing["seconds"])
