"""Rule fairreg_synthetic_method: one method on one synthetic instance and lambda (a JSON row)."""
import numpy as np

from fairopt.fairreg.experiment import run_method
from fairopt.fairreg.synthetic import read_instance
from fairopt.io import read_json, write_json
from fairopt.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    inst = read_instance(smk.input.instance, smk.input.meta)
    lam, method, sol = float(smk.wildcards.lam), smk.wildcards.method, smk.params.solvers
    w_relax = None
    if method == "cd_relax":
        w_relax = np.asarray(read_json(smk.input.relax)["w"], dtype=float)
    row = run_method(inst, lam, method, time_limit=smk.params.time_limit, mio_solver=sol["mio"],
                     relax_solver=sol["relaxation"], delta=sol["delta"], w_relax=w_relax,
                     cd_max_passes=smk.params.cd["max_passes"], cd_tol=smk.params.cd["tol"],
                     mio_options=sol["mio_options"], mio_fallback_options=sol["fallback_options"],
                     isolate=sol["isolate"], wall_limit=smk.params.wall_limit)
    row.update(m=inst.m, n=inst.n, l=inst.l, seed=int(smk.wildcards.seed))
    write_json(smk.output[0], row)
    log.info("m=%d seed=%s lam=%g %s: objective %s, status %s, %.2f s", inst.m, smk.wildcards.seed, lam,
             method, row["objective"], row.get("status", "-"), row["seconds"])
