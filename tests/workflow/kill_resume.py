"""Kill a workflow run with SIGKILL at random points, resume it, and check its results are unchanged.

    python tests/workflow/kill_resume.py --reference results [--kills 2] [--seed 0] [--cores 2]
        [--configfile config/smoke.yaml] [--keep] [-- <more snakemake options, e.g. --config studies=[dafh]>]

The working tree (tracked and untracked-but-not-ignored files) is copied beside the repository (so
that ``../shared`` resolves the same way) and the workflow is run there in its own process group.
At each kill point -- after a random number of finished jobs, drawn with ``--seed``, plus a random
fraction of a second so that jobs are caught mid-write -- the whole group (Snakemake and every job
it started) gets SIGKILL; the script checks that no process of the group survives, then resumes
with the README's documented command::

    snakemake --unlock <same options> && snakemake <same options>

(``profiles/default`` sets ``rerun-incomplete``, so the second command reruns the killed jobs). After
the last kill the run is resumed to completion, a dry run must find nothing left to do, and every
result file must equal the reference run's byte for byte (:mod:`fairopt.report.identity`: timing
files are not compared). Exit status 0 when all of this holds. This is not collected by pytest (it
runs whole workflows): ``.ci/run`` runs it on the smoke configuration.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))

from fairopt.report.identity import compare_trees, copy_work_tree  # noqa: E402

STEPS = re.compile(r"(\d+) of (\d+) steps")


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def run(cmd: list[str], cwd: Path, env: dict[str, str], log, *, kill_after_jobs: int | None = None,
        delay: float = 0.0) -> tuple[int, int]:
    """Run ``cmd`` in a new process group; SIGKILL the group ``delay`` s after ``kill_after_jobs``
    jobs have finished. Returns (exit status or -9, jobs finished when it ended)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    done = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        log.write(line)
        match = STEPS.search(line)
        if match:
            done = int(match.group(1))
            if kill_after_jobs is not None and done >= kill_after_jobs:
                time.sleep(delay)
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                deadline = time.time() + 10
                while group_alive(proc.pid) and time.time() < deadline:
                    time.sleep(0.1)
                if group_alive(proc.pid):
                    raise SystemExit(f"processes of the killed run (group {proc.pid}) survived SIGKILL")
                return -9, done
    return proc.wait(), done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference", required=True, type=Path, help="results/ of an uninterrupted run")
    parser.add_argument("--configfile", default="config/smoke.yaml")
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the copy (default: removed on success)")
    parser.add_argument("extra", nargs=argparse.REMAINDER, help="after --: more snakemake options (as for the reference)")
    args = parser.parse_args(argv)
    reference = args.reference.resolve()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix=f"{REPO.name}-kill-resume-", dir=REPO.parent))
    copy_work_tree(REPO, work)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(work / "src"), os.environ.get("PYTHONPATH", "")])}
    options = ["--cores", str(args.cores), "--configfile", args.configfile, *[a for a in args.extra if a != "--"]]
    snakemake = [sys.executable, "-m", "snakemake"]
    print(f"kill-and-resume in {work}: {args.kills} kill(s), seed {args.seed}", flush=True)
    with open(work / "kill_resume.log", "w", encoding="utf-8") as log:
        plan = subprocess.run([*snakemake, "-n", "--quiet", "rules", *options], cwd=work, env=env,
                              capture_output=True, text=True)
        match = re.search(r"^total\s+(\d+)$", plan.stdout, re.M)
        if plan.returncode != 0 or not match:
            print(plan.stdout[-3000:], plan.stderr[-3000:])
            raise SystemExit("the dry run of the copy failed")
        total = int(match.group(1))
        finished = kills = 0
        for k in range(args.kills + 1):
            if k > 0:
                unlock = subprocess.run([*snakemake, "--unlock", *options], cwd=work, env=env,
                                        capture_output=True, text=True)
                if unlock.returncode != 0:
                    print(unlock.stdout[-3000:], unlock.stderr[-3000:])
                    raise SystemExit("snakemake --unlock failed after the kill")
            kill_at = None
            remaining = total - finished
            if k < args.kills and remaining > 2:
                kill_at = rng.randint(1, max(1, remaining // 2))
            delay = rng.uniform(0.0, 2.0)
            rc, done = run([*snakemake, *options], work, env, log, kill_after_jobs=kill_at, delay=delay)
            if rc == -9:
                print(f"  run {k + 1}: killed after {done} finished job(s) (+{delay:.2f} s)", flush=True)
                finished += done
                kills += 1
                continue
            if rc != 0:
                print(f"  run {k + 1}: failed with status {rc}; log: {work / 'kill_resume.log'}")
                return 1
            print(f"  run {k + 1}: completed ({done} job(s))", flush=True)
            break
        left = subprocess.run([*snakemake, "-n", "--quiet", "rules", *options], cwd=work, env=env,
                              capture_output=True, text=True)
        if re.search(r"^total\s+\d+$", left.stdout, re.M):
            print(left.stdout[-3000:])
            print("the resumed run left jobs to do")
            return 1
    comparison = compare_trees(reference, work / "results")
    print(f"{kills} kill(s) survived (of {args.kills} planned); {comparison.summary()}")
    ok = comparison.ok and kills == args.kills
    if ok and not args.keep:
        shutil.rmtree(work)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
