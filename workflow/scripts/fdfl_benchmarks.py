"""Rule fdfl_benchmarks: seconds per trial vs the paper, Table 2 wall time (measured alone, when measured), the
full-population trial, closed form vs solver."""
import pandas as pd

from fairopt.report.benchmark_table import write_benchmark_table
from fairopt.studies.fdfl.benchmarks import benchmark_rows, job_seconds
from fairopt.core.runlog import logged
from fairopt.studies.common import load_paper

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    paper = load_paper(smk.input.paper, ("table2",))
    rows = benchmark_rows(paper=paper, trials=pd.read_csv(smk.input.trials), jobs=job_seconds(smk.input.jobs),
                          decision=pd.read_csv(smk.input.decision), methods=smk.params.methods,
                          targets=smk.params.targets, solver=smk.params.solver,
                          wall=pd.read_csv(smk.input.wall[0]) if smk.input.wall else None)
    frame = write_benchmark_table(rows, smk.output.csv, smk.output.md, headline=smk.params.headline, title="FDFL benchmarks")
    met = frame["target_met"].dropna()
    log.info("FDFL benchmarks: %d rows, %d of %d targets met", len(frame), int(met.astype(bool).sum()), len(met))
