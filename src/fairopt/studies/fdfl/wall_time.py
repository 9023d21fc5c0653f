"""Wall time of FDFL runs measured alone: ``python -m fairopt.studies.fdfl.wall_time``.

A wall-time target is judged on the measured wall of a run that does only that work, never on CPU
seconds divided by cores. In one scratch copy of the work tree (code and config only: results,
resources, logs, benchmarks and Snakemake state left out), each measurement

1. builds the data stage untimed (``results/fdfl/data/sample.csv`` and ``splits.csv``),
2. removes every FDFL trial, timing, table and training-job benchmark file,
3. times one ``snakemake --cores <cores>`` call for its targets: wall (``time.perf_counter``), CPU of
   Snakemake and all its jobs (:func:`fairopt.core.timing.cpu_seconds`, finished children included),
   the load average at start and end (:class:`fairopt.core.timing.JobClock`),

and writes one row to ``results/fdfl/benchmarks/wall_time.csv`` (a timing file), which the FDFL
benchmark table reads (:func:`fairopt.studies.fdfl.benchmarks.benchmark_rows`; "not measured" where a
row is absent). Measurements:

* ``table2``: ``results/fdfl/tables/table2.csv`` at the configuration given (default: the paper's FDFL
  settings, ``--config studies=[fdfl]``): every Table 2 training plus the aggregation;
* ``full_population``: one DFL trial (method ``dfl``, trial 0, ``fdfl.trial_block`` 1, ``threads`` =
  cores) on a sample of ``--population`` patients (``fdfl.sample.n``; default 48,784, the Obermeyer file:
  a 50/50 split trains on 24,392); adds the job's wall, CPU and peak memory (its ``benchmark:`` file)
  and the training seconds (its timing file);
* ``full_population_gpu``: the same trial with ``fdfl.device: cuda`` (skipped, with a message, where torch
  sees no GPU: the table then says "not measured: no GPU").

Snakemake runs with the interpreter running this module (``python -m snakemake``). The machine is
shared: repeat a measurement whose load average exceeded the cores.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fairopt.core.timing import JobClock

__all__ = ["MEASUREMENTS", "scratch_copy", "measure", "main"]

#: the measurements (module docstring)
MEASUREMENTS = ("table2", "full_population", "full_population_gpu")
OUTPUT = "results/fdfl/benchmarks/wall_time.csv"
_DATA = ("results/fdfl/data/sample.csv", "results/fdfl/data/splits.csv")
_REMOVED = ("results/fdfl/trials", "results/fdfl/timing/trials", "results/fdfl/tables", "benchmarks/fdfl_job")


def scratch_copy(repo: Path, dest: Path) -> Path:
    """Copy the work tree ``repo`` to ``dest/wt`` (:func:`fairopt.report.identity.copy_work_tree`: code and
    config); the folder beside ``repo`` named ``shared`` (the data mirror, ``../shared/data``) is linked
    beside the copy."""
    from fairopt.report.identity import copy_work_tree

    work = copy_work_tree(repo, dest / "wt")
    shared = repo.resolve().parent / "shared"
    if shared.exists():
        (dest / "shared").symlink_to(shared.resolve())
    return work


def _snakemake(work: Path, cores: int, config: Sequence[str], configfiles: Sequence[str],
               targets: Sequence[str]) -> list[str]:
    cmd = [sys.executable, "-m", "snakemake", "--cores", str(cores)]
    for path in configfiles:
        cmd += ["--configfile", path]
    return cmd + ["--config", *config, "--", *targets]


def _run(cmd: list[str], work: Path, log) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(work / "src"), os.environ.get("PYTHONPATH", "")])}
    with open(log, "a", encoding="utf-8") as out:
        done = subprocess.run(cmd, cwd=work, stdout=out, stderr=subprocess.STDOUT, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {done.returncode}); see {log}")


def measure(work: Path, name: str, *, cores: int = 2, configfiles: Sequence[str] = (),
            config: Sequence[str] = ("studies=[fdfl]",), population: int = 48784) -> dict[str, Any]:
    """One measurement (module docstring) in the scratch copy ``work``: the row of ``wall_time.csv``."""
    if name not in MEASUREMENTS:
        raise ValueError(f"unknown measurement {name!r}; expected one of {MEASUREMENTS}")
    config = list(config)
    if name == "table2":
        targets = ["results/fdfl/tables/table2.csv"]
    else:
        device = "cuda" if name == "full_population_gpu" else "cpu"
        config += [f"threads={cores}",
                   "fdfl={sample: {n: %d}, trials: 1, trial_block: 1, device: %s}" % (population, device)]
        targets = ["results/fdfl/trials/dfl/trial-0.json"]
    log = work.parent / "snakemake.log"
    _run(_snakemake(work, cores, config, configfiles, list(_DATA)), work, log)
    for path in _REMOVED:
        shutil.rmtree(work / path, ignore_errors=True)
    cmd = _snakemake(work, cores, config, configfiles, targets)
    clock = JobClock()
    _run(cmd, work, log)
    row = {"measurement": name, **clock.finish(), "command": " ".join(["snakemake", *cmd[3:]])}
    if name != "table2":
        from fairopt.core.io import read_json
        from fairopt.report.jobs import read_benchmark_file

        bench = read_benchmark_file(work / "benchmarks/fdfl_job/dfl/trials-0-0.tsv")
        timing = read_json(work / "results/fdfl/timing/trials/dfl/trial-0.json")
        record = read_json(work / "results/fdfl/trials/dfl/trial-0.json")
        row.update(population=population, job_seconds=bench["s"], job_cpu_seconds=bench["cpu_time"],
                   max_rss_mb=bench["max_rss_mb"], training_seconds=timing["seconds"],
                   n_train=record["data"]["n_train"], **record.get("device", {}))
    return row


def _has_gpu() -> bool:
    import torch

    return torch.cuda.is_available()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m fairopt.studies.fdfl.wall_time", description=__doc__.split("\n")[0])
    parser.add_argument("measurements", nargs="*", default=list(MEASUREMENTS), choices=MEASUREMENTS)
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="the work tree (default: here)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--configfile", action="append", default=[], help="as snakemake's (repeatable)")
    parser.add_argument("--config", nargs="*", default=["studies=[fdfl]"], help="as snakemake's")
    parser.add_argument("--population", type=int, default=48784, help="patients of the full-population trial")
    parser.add_argument("--keep", type=Path, default=None, help="make and keep the scratch copy under this folder")
    parser.add_argument("--out", type=Path, default=None, help=f"default: <repo>/{OUTPUT}")
    args = parser.parse_args(argv)
    import pandas as pd

    from fairopt.core.io import write_csv

    out = args.out or args.repo / OUTPUT
    old = pd.read_csv(out) if out.is_file() else pd.DataFrame({"measurement": []})
    rows = []
    dest = Path(tempfile.mkdtemp(prefix="fdfl-wall-time-", dir=args.keep))
    work = scratch_copy(args.repo, dest)
    for name in args.measurements:
        if name == "full_population_gpu" and not _has_gpu():
            print("full_population_gpu: skipped, torch sees no GPU (the table says: not measured: no GPU)")
            continue
        rows.append(measure(work, name, cores=args.cores, configfiles=args.configfile, config=args.config,
                            population=args.population))
        print(f"{name}: {rows[-1]['wall_seconds']:.1f} s wall, {rows[-1]['cpu_seconds']:.1f} s CPU, load "
              f"{rows[-1]['loadavg_start']:.2f} -> {rows[-1]['loadavg_end']:.2f}", flush=True)
    kept = old[~old["measurement"].isin(args.measurements)]
    write_csv(out, pd.concat([kept, pd.DataFrame(rows)], ignore_index=True))
    if args.keep is None:
        shutil.rmtree(dest, ignore_errors=True)


if __name__ == "__main__":
    main()
