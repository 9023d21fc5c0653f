"""Every configuration shipped in config/ is valid and plans the whole workflow (Snakemake dry runs)."""
from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import REPO
CONFIGS = sorted(p.name for p in (REPO / "config").glob("*.yaml"))
# one rule of each study's experiments and of the report: a plan without them would silently drop a study
EXPERIMENT_RULES = ("fdfl_job", "fairreg_job_synthetic", "fairreg_job_real", "layer_job_synthetic",
                    "layer_job_sba", "layer_job_employee", "combine_scorecards", "combine_benchmarks")


def planned_jobs(*args: str) -> dict[str, int]:
    """Jobs per rule of the full plan (`--forceall`, so existing results do not shorten it)."""
    out = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--forceall", "--cores", "1", "--quiet", "rules",
                          *args], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    jobs = {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", out.stdout, re.M)}
    # FDFL's training jobs are one rule per block of trials (fdfl_job_trials_<first>_<last>): count them as one
    jobs["fdfl_job"] = sum(n for rule, n in jobs.items() if rule.startswith("fdfl_job_trials_"))
    return jobs


def test_the_shipped_configurations_are_there():
    assert {"config.yaml", "smoke.yaml", "reduced.yaml"} <= set(CONFIGS)


def test_smoke_and_reduced_plan_every_study_and_reduced_is_smaller_than_the_paper():
    paper = planned_jobs()
    plans = {name: planned_jobs("--configfile", f"config/{name}") for name in ("smoke.yaml", "reduced.yaml")}
    for name, plan in [("config.yaml", paper), *plans.items()]:
        missing = [r for r in EXPERIMENT_RULES if plan.get(r, 0) < 1]
        assert not missing, f"{name}: no jobs of {missing}"
    reduced, smoke = plans["reduced.yaml"], plans["smoke.yaml"]
    assert reduced["fdfl_job"] == paper["fdfl_job"]  # FDFL stays at paper scale
    for rule in ("fairreg_job_synthetic", "layer_job_synthetic"):
        assert smoke[rule] < reduced[rule] < paper[rule], (rule, smoke[rule], reduced[rule], paper[rule])


def test_nested_command_line_overrides_keep_their_types():
    """`--config section='{...}'` (the README's way to narrow a run) reaches the schemas typed."""
    smoke = planned_jobs("--configfile", "config/smoke.yaml")
    narrowed = planned_jobs("--configfile", "config/smoke.yaml", "--config",
                            "layer={synthetic: {datasets: [0, 31]}}", "fdfl={trials: 3, trial_block: 1}")
    assert narrowed["layer_job_synthetic"] == 2 * smoke["layer_job_synthetic"]
    # a job per trial: 3 trials per method against the smoke preset's 2 in one block
    assert narrowed["fdfl_job"] == 3 * smoke["fdfl_job"]
