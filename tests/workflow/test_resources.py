"""Every rule asks a scheduler for what it needs (issue 13): threads, mem_mb, runtime and cpus_per_task from
the measured table workflow/resources.yaml, a GPU for torch training rules on ``device: cuda``, retries, a
benchmark file; the SLURM profile plans the paper-scale workflow with every job carrying them and the
trial jobs grouped."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import textwrap

import pytest
import yaml

from fairopt.core.errors import ConfigError
from fairopt.core.job_resources import HEADROOM, JobResources
from fairopt.report.jobs import read_benchmarks, study_of, suggested_mem_mb, suggested_runtime
from tests.conftest import REPO

TABLE = REPO / "workflow" / "resources.yaml"
RULES = REPO / "workflow" / "rules"


def _rule_blocks() -> dict[str, str]:
    """``{rule name: its text}`` of every rule in workflow/rules; a rule defined in a loop (``rule:`` with a
    ``name:`` f-string, e.g. FDFL's trial blocks) is keyed by its table family: the name its
    ``JOB_RESOURCES`` calls use, which must begin its generated names."""
    blocks = {}
    for path in sorted(RULES.glob("*.smk")):
        text = path.read_text(encoding="utf-8")
        starts = list(re.finditer(r"^( *)rule( \w+)?:\n", text, re.M))
        for i, m in enumerate(starts):
            end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
            block = text[m.start():end]
            if m[2]:
                blocks[m[2].strip()] = block
                continue
            prefix = re.search(r'name:\n\s+f?"(\w*)', block)[1]
            family = re.search(r'JOB_RESOURCES\.threads\("(\w+)"\)', block)
            assert family and prefix.startswith(family[1]), f"{path}: loop rule {prefix}...: no table family"
            blocks[family[1]] = textwrap.dedent(block)
    return blocks


def _table() -> JobResources:
    return JobResources.load(TABLE, threads=1, scale="paper")


def test_every_rule_takes_threads_resources_and_retries_from_the_table_and_has_a_benchmark_file():
    problems = []
    for name, block in _rule_blocks().items():
        if name == "all":
            continue
        block = re.sub(r"\(\s+", "(", block)  # snakefmt may break a call after its parenthesis
        for needed in (f'threads: JOB_RESOURCES.threads("{name}")', f'**JOB_RESOURCES.of("{name}"',
                       f'retries: JOB_RESOURCES.retries("{name}")', "    benchmark:\n"):
            if needed not in block:
                problems.append(f"rule {name}: no `{needed.strip()}`")
    assert not problems, "\n".join(problems)


def test_the_table_has_exactly_the_rules_and_memory_headroom_over_the_measured_peaks():
    table = _table()
    rules = set(_rule_blocks()) - {"all"}
    assert set(table.entries) == rules, (sorted(rules - set(table.entries)), sorted(set(table.entries) - rules))
    assert table.check_headroom() == []
    unmeasured = [r for r, e in table.entries.items() if not {"smoke", "reduced"} & set(e["peak_mb"])]
    assert not unmeasured, f"no peak measured on a smoke or reduced run for {unmeasured}"


def test_torch_training_rules_ask_for_a_gpu_only_on_cuda():
    table = _table()
    gpu_rules = [r for r, e in table.entries.items() if e["gpu"]]
    assert {"fdfl", "layer", "dafh"} <= {study_of(r) for r in gpu_rules}
    rule = gpu_rules[0]
    assert "gpu" not in table.of(rule, {"scale": "paper", "device": "cpu"})
    assert "gpu" not in table.of(rule, {"scale": "paper", "device": "auto"})  # auto also runs on CPU-only nodes
    assert table.of(rule, {"scale": "paper", "device": "cuda"})["gpu"] == 1
    plain = next(r for r, e in table.entries.items() if not e["gpu"])
    assert "gpu" not in table.of(plain, {"scale": "paper", "device": "cuda"})


def test_resources_follow_the_scale_of_the_study_section_and_overrides_win():
    table = JobResources({"r": {"threads": "config", "mem_mb": {"smoke": 500, "reduced": 700, "paper": 900},
                                "runtime": 3, "retries": 2}}, threads=4, scale="smoke")
    assert table.of("r") == {"mem_mb": 500, "runtime": 3, "cpus_per_task": 4}
    assert table.of("r", {"scale": "paper"})["mem_mb"] == 900
    assert table.of("r", runtime=77)["runtime"] == 77
    assert table.threads("r") == 4 and table.retries("r") == 2


@pytest.mark.parametrize("entry,message", [
    ({"mem_mb": 1, "runtime": 1}, "key threads missing"),
    ({"threads": 0, "mem_mb": 1, "runtime": 1}, "key threads: expected 'config' or a positive integer"),
    ({"threads": 1, "mem_mb": {"smoke": 1}, "runtime": 1}, r"scales \['reduced', 'paper'\] missing"),
    ({"threads": 1, "mem_mb": 1, "runtime": {"smoke": 1, "reduced": 1, "paper": 1, "huge": 2}},
     r"scales \['huge'\] unknown"),
    ({"threads": 1, "mem_mb": 1.5, "runtime": 1}, "key mem_mb: expected a positive integer"),
    ({"threads": 1, "mem_mb": 1, "runtime": 1, "gpus": 1}, r"unknown key\(s\) \['gpus'\]"),
    ({"threads": 1, "mem_mb": 1, "runtime": 1, "retries": -1}, "key retries: expected an integer >= 0"),
])
def test_a_bad_table_entry_is_a_one_line_error_naming_the_rule_and_key(entry, message):
    with pytest.raises(ConfigError, match=message) as err:
        JobResources({"some_rule": entry}, threads=1, scale="smoke", path="t.yaml")
    assert "\n" not in str(err.value) and "some_rule" in str(err.value)


def test_a_rule_without_an_entry_and_an_unreadable_table_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="rule nowhere has no entry"):
        _table().of("nowhere")
    bad = tmp_path / "resources.yaml"
    bad.write_text("a: [1,\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read the resource table") as err:
        JobResources.load(bad, threads=1, scale="smoke")
    assert "\n" not in str(err.value)


def test_headroom_check_flags_a_peak_too_close_to_the_declared_memory():
    table = JobResources({"r": {"threads": 1, "mem_mb": 1000, "runtime": 1, "peak_mb": {"smoke": 900}}},
                         threads=1, scale="smoke")
    assert table.check_headroom() == [f"r: mem_mb 1000 at smoke < {HEADROOM} x measured peak 900 MB"]


def test_benchmark_files_are_read_per_rule_and_suggestions_round_up(tmp_path):
    for rel, (s, rss) in {"fdfl_job/two_stage/trial-0.tsv": (1.5, 300.0), "combine_scorecards.tsv": (0.2, 90.0)}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"s\th:m:s\tmax_rss\tcpu_time\n{s}\t0:00:01\t{rss}\t{s}\n", encoding="utf-8")
    frame = read_benchmarks(tmp_path).set_index("rule")
    assert frame.loc["fdfl_job", "job"] == "fdfl_job/two_stage/trial-0" and frame.loc["fdfl_job", "study"] == "fdfl"
    assert frame.loc["combine_scorecards", "study"] == "shared" and frame.loc["combine_scorecards", "max_rss_mb"] == 90
    assert suggested_mem_mb(90) == 500 and suggested_mem_mb(1000) == 1500 and suggested_mem_mb(1001) == 1600
    assert suggested_runtime(1) == 2 and suggested_runtime(61) == 3 and suggested_runtime(100) == 4


def _dry_run(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--forceall", *args], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    return out.stdout + out.stderr


@pytest.mark.skipif(importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
                    reason="snakemake-executor-plugin-slurm not installed (extra `cluster`)")
def test_the_slurm_profile_plans_the_paper_workflow_with_resources_and_grouped_trials():
    text = _dry_run("--profile", "profiles/slurm", "--executor", "slurm")
    jobs = re.findall(r"^\s*rule (\w+):\n(.*?)(?=^\s*\[|\Z)", text, re.M | re.S)
    assert len(jobs) > 1000, f"only {len(jobs)} jobs planned: not the paper-scale workflow"
    missing = []
    for rule, body in jobs:
        if rule == "all":
            continue
        line = re.search(r"resources: (.*)", body)
        have = dict(kv.split("=", 1) for kv in line[1].split(", ")) if line else {}
        if not {"mem_mb", "runtime", "cpus_per_task"} <= set(have) or not re.search(r"threads: \d+", body + "threads: 1"):
            missing.append(rule)
    assert not missing, f"jobs without mem_mb/runtime/cpus_per_task: {sorted(set(missing))}"
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text(encoding="utf-8"))
    for group in {g.split("=")[0] for g in profile["group-components"]}:
        assert f"Group job {group} " in text, f"no job group {group} in the plan"


def test_a_cuda_device_asks_for_a_gpu_in_the_plan_and_cpu_does_not():
    cpu = _dry_run("--cores", "2", "--configfile", "config/smoke.yaml", "--config", "studies=[dafh]")
    cuda = _dry_run("--cores", "2", "--configfile", "config/smoke.yaml", "--config", "studies=[dafh]",
                    "dafh={device: cuda}")
    assert "gpu=1" not in cpu
    gpu_rules = {r for r, body in re.findall(r"^\s*rule (\w+):\n(.*?)(?=^\s*\[|\Z)", cuda, re.M | re.S)
                 if "gpu=1" in body}
    assert "dafh_job_grid" in gpu_rules  # the DAFH grid trains with torch; baselines and preparation do not
    assert not any(r.startswith(("dafh_prepare", "dafh_aggregate")) or r == "dafh_job" for r in gpu_rules)


def test_status_counts_every_planned_job_once_per_study(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    bench = tmp_path / "benchmarks" / "fdfl_job" / "two_stage"
    bench.mkdir(parents=True)
    (bench / "trial-0.tsv").write_text("s\th:m:s\tmax_rss\tcpu_time\n2.5\t0:00:02\t300\t2.0\n", encoding="utf-8")
    from fairopt.report.jobs import planned_jobs, status

    args = ["--configfile", "config/smoke.yaml", "--cores", "1"]
    per_study, slowest = status(args, benchmarks=tmp_path / "benchmarks", slowest=3)
    total = planned_jobs(args, everything=True)
    assert per_study["total"].sum() == sum(total.values())  # rule all counts as a shared job
    assert set(per_study["study"]) == {"fdfl", "fairreg", "layer", "dafh", "shared"}
    assert (per_study["done"] + per_study["to_run"] == per_study["total"]).all()
    assert list(slowest["job"]) == ["fdfl_job/two_stage/trial-0"] and slowest.loc[0, "s"] == 2.5
    fdfl = per_study.set_index("study").loc["fdfl"]
    assert fdfl["job_hours"] == pytest.approx(2.5 / 3600) and fdfl["cpu_hours"] == pytest.approx(2.0 / 3600)
