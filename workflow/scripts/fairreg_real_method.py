"""Rule fairreg_real_method: one method at one fairness setting on one real dataset (a JSON row)."""
import numpy as np

from fairopt.fairreg.realdata import read_prepared, run_real_method
from fairopt.io import read_json, write_json
from fairopt.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    p, sol = smk.params, smk.params.solvers
    method, setting = smk.wildcards.method, smk.wildcards.setting
    lam = float(setting[3:]) if setting.startswith("lam") else None
    eps = float(setting[3:]) if setting.startswith("eps") else None
    split = read_prepared(smk.input.prepared, l=p.l, threshold_position=p.threshold_position)
    w_relax = relax_seconds = None
    if method == "cd_relax":
        relax = read_json(smk.input.relax)
        w_relax, relax_seconds = np.asarray(relax["w"], dtype=float), relax["seconds"]
    row = run_real_method(split, method, lam=lam, eps=eps, relax_solver=sol["relaxation"],
                          mio_solver=sol["mio"], mio_time_limit=p.mio_time_limit,
                          mio_options=sol["mio_options"], mio_fallback_options=sol["fallback_options"],
                          isolate=sol["isolate"], wall_limit=p.wall_limit, delta=sol["delta"],
                          w_relax=w_relax, relax_seconds=relax_seconds,
                          cd_max_passes=p.cd["max_passes"], cd_tol=p.cd["tol"], agarwal=p.agarwal,
                          seed=p.seed)
    row["dataset"] = smk.wildcards.dataset
    write_json(smk.output[0], row)
    log.info("%s %s_%s: test RMSE +%.2f%%, exact test unfairness %.3f, %.2f s", smk.wildcards.dataset,
             method, setting, 100 * row.get("test_rel_rmse_increase", float("nan")),
             row.get("test_exact_unfairness", float("nan")), row["seconds"])
