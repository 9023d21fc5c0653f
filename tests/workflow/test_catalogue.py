"""The Snakemake workflow catalogue's rules, deployment as a module (what snakedeploy sets up), and the
start-up summary of a run.

The catalogue (snakemake-workflow-catalog, "Adding workflows" and scripts/generate-catalog.py) lists a
repository whose README names "snakemake" and "workflow", whose workflow is ``workflow/Snakefile`` with
``.smk`` rule modules under ``workflow/rules``; its "standardized usage" area further needs
``config/README.md`` and a parseable ``.snakemake-workflow-catalog.yml``. It runs ``snakemake --lint``
(CI: .ci/run) and ``snakefmt --check`` on the Snakefile and the rule modules (CI too).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fairopt.report.plan_summary import PlannedJob, format_summary, summarise
from tests.conftest import REPO, mirror_dir

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

#: the keys the catalogue reads from .snakemake-workflow-catalog.yml (generate-catalog.py)
CATALOGUE_KEYS = {"usage": {"mandatory-flags", "software-stack-deployment", "report"}}


def test_the_layout_the_catalogue_expects():
    assert (REPO / "workflow" / "Snakefile").is_file()
    assert not (REPO / "Snakefile").exists(), "one entry point: workflow/Snakefile"
    assert list((REPO / "workflow" / "rules").glob("*.smk"))
    assert not [p for p in (REPO / "workflow" / "rules").iterdir() if p.suffix not in (".smk",)]
    readme = (REPO / "README.md").read_text(encoding="utf-8").lower()
    assert "snakemake" in readme and "workflow" in readme
    assert (REPO / "config" / "README.md").is_file()  # kept current by tests/workflow/test_floor_plan.py


def test_the_catalogue_settings_file():
    settings = yaml.safe_load((REPO / ".snakemake-workflow-catalog.yml").read_text(encoding="utf-8"))
    assert set(settings) == set(CATALOGUE_KEYS)
    usage = settings["usage"]
    assert set(usage) <= CATALOGUE_KEYS["usage"]
    assert usage["software-stack-deployment"]["conda"] is True
    assert usage["report"] is True
    flags = usage["mandatory-flags"]
    assert isinstance(flags["flags"], (str, list)) and flags["desc"]


def test_the_licence_is_the_one_pyproject_names():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]


def _deployment(tmp_path: Path) -> Path:
    """What ``snakedeploy deploy-workflow <repo> <dest>`` writes: config/ and profiles/ copied, a
    workflow/Snakefile that uses this workflow as a module (here from the local checkout)."""
    dest = tmp_path / "deployment"
    (dest / "workflow").mkdir(parents=True)
    for folder in ("config", "profiles"):
        shutil.copytree(REPO / folder, dest / folder)
    (dest / "workflow" / "Snakefile").write_text(
        'configfile: "config/config.yaml"\n\n\n'
        f'module fairopt:\n    snakefile:\n        "{REPO / "workflow" / "Snakefile"}"\n'
        "    config:\n        config\n\n\nuse rule * from fairopt\n", encoding="utf-8")
    return dest


def test_the_workflow_runs_as_a_module_of_another_workflow(tmp_path):
    """Paper tables, schemas, the resource table and the notebooks are found from the module's source;
    results land in the deploying directory."""
    dest = _deployment(tmp_path)
    args = [sys.executable, "-m", "snakemake", "--cores", "1", "--configfile", "config/smoke.yaml",
            "--config", f"data_mirror={mirror_dir()}"]
    plan = subprocess.run([*args, "-n", "--quiet", "rules"], cwd=dest, capture_output=True, text=True, timeout=600)
    assert plan.returncode == 0, plan.stdout[-2000:] + plan.stderr[-2000:]
    assert re.search(r"^combine_scorecards\s+1$", plan.stdout, re.M)
    target = "results/fdfl/figures/illustrative.html"
    run = subprocess.run([*args[:3], target, *args[3:]], cwd=dest, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert "<img" in (dest / target).read_text(encoding="utf-8")
    assert (dest / "results" / "fdfl" / "illustrative" / "table1.csv").is_file()
    assert not (REPO / "workflow" / "results").exists()


def test_a_dry_run_of_the_default_config_prints_the_plan_summary():
    """The papers' settings: jobs per study and core-hours, then where to start smaller (nothing refused)."""
    out = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--forceall", "--cores", "2"], cwd=REPO,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout + out.stderr
    match = re.search(r"^fairopt plan: preset paper, (\d+) jobs to run \(fdfl (\d+), fairreg (\d+), layer (\d+), "
                      r"dafh (\d+), shared (\d+)\)$", text, re.M)
    assert match, text[-3000:]
    total, *per_study = map(int, match.groups())
    assert total == sum(per_study) > 1000
    assert total == int(re.search(r"^total\s+(\d+)$", text, re.M).group(1))  # Snakemake's own count
    hours = float(re.search(r"declared \(upper bounds: workflow/resources\.yaml\): ([\d.]+) core-hours", text).group(1))
    assert hours > 1000
    assert "--configfile config/smoke.yaml" in text.split("fairopt plan:", 1)[1]


def test_the_summary_adds_runtime_times_threads_and_reads_earlier_benchmark_files(tmp_path):
    bench = tmp_path / "b.tsv"
    bench.write_text("s\th:m:s\tmax_rss\tcpu_time\n90.0\t0:01:30\t100\t180.0\n", encoding="utf-8")
    jobs = [PlannedJob("fdfl_job_trials_0_9", 2, 30.0, str(bench)), PlannedJob("fairreg_job_real", 1, 120.0),
            PlannedJob("render_notebook", 1, float("nan"), str(tmp_path / "absent.tsv"))]
    summary = summarise(jobs, preset="reduced")
    assert dict(summary.jobs) == {"fdfl": 1, "fairreg": 1, "shared": 1}
    assert summary.declared_core_hours == pytest.approx((30 * 2 + 120) / 60)
    assert summary.declared_hours == pytest.approx(150 / 60)
    assert summary.undeclared == 1
    assert summary.measured_jobs == 1 and summary.measured_cpu_hours == pytest.approx(180 / 3600)
    text = format_summary(summary)
    assert text.splitlines()[0] == "fairopt plan: preset reduced, 3 jobs to run (fdfl 1, fairreg 1, shared 1)"
    assert "3.0 core-hours" in text and "1 job(s) without a declared runtime" in text and "1 of 3 jobs" in text
    assert "a first look" not in format_summary(summarise([], preset="smoke"))
