"""What produced a scorecard or benchmark table heads it; the date and machine only in timing files;
a "not run" row always says why."""
from __future__ import annotations

import re

import pytest

from fairopt import __version__
from fairopt.report.benchmark_table import bench_row, write_benchmark_table
from fairopt.report.headline import machine_headline, run_headline
from fairopt.report.identity import is_timing_file
from fairopt.report.scorecard import compare_claim, combine_scorecards, not_run, scorecard_frame, write_scorecard

CONFIG = {"scale": "smoke", "data_mirror": "../shared/data", "download": False, "obermeyer": {"source": "auto"},
          "fdfl": {"scale": "smoke"}, "dafh": {"scale": "paper"}}


def test_the_run_headline_names_presets_config_and_data_and_no_date():
    line = run_headline(CONFIG, ["fdfl", "dafh"], config_files=["config/config.yaml", "config/smoke.yaml"],
                        command_line={"fdfl": "{trials: 3}"})
    assert f"fairopt {__version__}" in line
    assert "preset fdfl smoke, dafh paper" in line
    assert "`config/config.yaml`, `config/smoke.yaml`" in line and "`fdfl={trials: 3}`" in line
    assert "mirror `../shared/data`" in line and "Obermeyer patients: `auto`" in line
    assert "not on the papers' settings" in line  # a scaled-down preset says so
    assert not re.search(r"\d{4}-\d{2}-\d{2}", line), "no date: the scorecards are byte-identical across runs"
    paper = run_headline({**CONFIG, "scale": "paper", "fdfl": {"scale": "paper"}}, ["fdfl", "dafh"])
    assert "paper (every study)" in paper and "not on the papers' settings" not in paper
    assert "config files none; command-line keys none" in paper


def test_the_machine_headline_has_date_cores_and_load():
    line = machine_headline()
    assert re.search(r"\*\*Written\*\* \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC on \d+ cores, ", line)
    assert re.search(r"load average \(1, 5, 15 min\): (\d+\.\d\d, ){2}\d+\.\d\d", line)


def test_scorecards_carry_the_headline_and_only_their_timing_part_the_date(tmp_path):
    headline = run_headline(CONFIG, ["fdfl"])
    rows = [compare_claim("fdfl", "c", "x < y", True, "x=1, y=2"),
            compare_claim("fdfl", "t", "fast", True, "1 s", kind="timing")]
    write_scorecard(rows, tmp_path / "s.csv", tmp_path / "s.md", title="S", timing_csv=tmp_path / "timing" / "s.csv",
                    timing_md=tmp_path / "timing" / "s.md", headline=headline)
    proper, timing = (tmp_path / "s.md").read_text(), (tmp_path / "timing" / "s.md").read_text()
    assert proper.startswith("# S\n\n" + headline) and "**Written**" not in proper
    assert headline in timing and "**Written**" in timing and is_timing_file("timing/s.md")
    combine_scorecards({"fdfl": scorecard_frame(rows[:1])}, tmp_path / "c.csv", tmp_path / "c.md", headline=headline)
    assert headline in (tmp_path / "c.md").read_text() and "**Written**" not in (tmp_path / "c.md").read_text()
    # the scorecard proper is byte-identical when written again
    first = (tmp_path / "s.md").read_bytes()
    write_scorecard(rows, tmp_path / "s.csv", tmp_path / "s.md", title="S", timing_csv=tmp_path / "timing" / "s.csv",
                    timing_md=tmp_path / "timing" / "s.md", headline=headline)
    assert (tmp_path / "s.md").read_bytes() == first


def test_benchmark_tables_carry_headline_date_and_machine(tmp_path):
    row = bench_row("fdfl", "b", "s", "seconds", 1.0, "s", reference=2.0, comparison="<=")
    write_benchmark_table([row], tmp_path / "b.csv", tmp_path / "b.md", title="B", headline="**Produced by** x")
    text = (tmp_path / "b.md").read_text()
    assert text.startswith("# B\n\n**Produced by** x\n\n**Written** ") and "1 of 1 targets met" in text


def test_a_not_run_row_must_say_why():
    with pytest.raises(ValueError, match="'not run' row\\(s\\) without a reason: \\['s: e'\\]"):
        scorecard_frame([not_run("s", "e", "3.2", "  ")])
