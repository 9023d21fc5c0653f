"""Rule fdfl_job_timing: closed form vs conic solver (time, agreement) and DBB vs exact gradient."""
import pandas as pd
import torch

from fairopt.methods.alpha_fair.benchmark import dbb_gradient_distance, time_closed_form_vs_solver
from fairopt.studies.fdfl.methods import parse_alpha
from fairopt.core.io import write_csv, write_json
from fairopt.core.runlog import logged

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    bench, decision = smk.params.benchmark, smk.params.decision
    alpha = parse_alpha(decision["alpha"], "fdfl.decision.alpha")
    rows = []
    for n in bench["sizes"]:
        row = time_closed_form_vs_solver(n, alpha, bench["repeats"], bench["seed"], decision["solver"],
                                         Q=decision["Q"], kind=bench["kind"], unit_cost=True)
        rows.append(row)
        log.info("n=%d: closed form %.3g s, %s %.3g s (speedup %.0fx), max rel. diff %.2e", n,
                 row["closed_form_seconds"], decision["solver"], row["solver_seconds"], row["speedup"],
                 row["max_rel_diff"])
    write_csv(smk.output.timing, pd.DataFrame(rows))
    dbb = bench["dbb"]
    distances = {kind: dbb_gradient_distance(dbb["n"], alpha, bench["seed"], lams=tuple(dbb["lams"]),
                                             Q=decision["Q"], kind=kind, unit_cost=kind == "realistic")
                 for kind in dbb["kinds"]}
    write_json(smk.output.dbb, distances)
    for kind, out in distances.items():
        log.info("DBB vs J^T v (%s, n=%d): limit rel. distance %.3f, cosine %.3f", kind, dbb["n"],
                 out["limit_rel_distance"], out["limit_cosine"])
