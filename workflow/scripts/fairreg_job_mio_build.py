"""Rule fairreg_job_mio_build: the MIO build benchmark, cvxpy's SCIP interface vs the native PySCIPOpt build
(fairopt.studies.fairreg.mio_build; a timing table)."""
from fairopt.core.io import write_csv
from fairopt.core.runlog import logged
from fairopt.studies.fairreg.mio_build import run_benchmark
from fairopt.studies.fairreg.prepare import read_prepared, synthetic_instance

smk = snakemake  # noqa: F821 (injected by Snakemake)

with logged(smk.log[0]) as log:
    settings = smk.params.settings
    syn = settings["synthetic"]
    synthetic = {m: synthetic_instance(m, syn["seed"], n=syn["n"], l=syn["l"], generator=syn["generator"])[0]
                 for m in settings["mio_build"]["m"]}
    real = {name: read_prepared(path, l=settings["real"]["l"],
                                threshold_position=settings["real"]["threshold_position"]).train
            for name, path in zip(settings["mio_build"]["datasets"], smk.input.prepared)}
    write_csv(smk.output.csv, run_benchmark(settings, synthetic, real, log))
