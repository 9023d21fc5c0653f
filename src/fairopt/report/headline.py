"""What produced a scorecard or a benchmark table, said at its top.

A smoke scorecard must not be read as a verdict on the papers, and a benchmark row is only as
meaningful as the machine it ran on. Two headlines:

* :func:`run_headline` -- the preset of every study, the config files and command-line keys, where
  the raw data came from, the fairopt version. The same config gives the same line, so it goes into
  the scorecards proper, which two runs of one config must write byte for byte;
* :func:`machine_headline` -- the date (UTC), the machine (usable cores, CPU) and the load average
  when the file was written. It changes from run to run, so it goes only into timing files
  (:func:`fairopt.report.identity.is_timing_file`: the scorecard's timing part, the benchmark tables).
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["run_headline", "machine_headline"]

#: the papers' settings; any other preset is scaled down
PAPER = "paper"


def _presets(config: Mapping[str, Any], studies: Sequence[str]) -> str:
    scales = {study: str((config.get(study) or {}).get("scale") or config.get("scale", PAPER)) for study in studies}
    if len(set(scales.values())) == 1:
        (scale,) = set(scales.values())
        return f"{scale} (every study)"
    return ", ".join(f"{study} {scale}" for study, scale in scales.items())


def _shown(path: str) -> str:
    """A config file as the headline names it: relative to the working directory when inside it (Snakemake
    makes ``--configfile`` paths absolute; a rerun in a copy of the checkout must write the same line)."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return relative if not relative.startswith("..") else str(path)


def run_headline(config: Mapping[str, Any], studies: Sequence[str], *, config_files: Sequence[str] = (),
                 command_line: Mapping[str, Any] | None = None) -> str:
    """One Markdown paragraph: preset per study, config, data, version (no date: see the module docstring).

    Args:
        config: The workflow's config after the studies' settings were resolved (``config[study]["scale"]``).
        studies: The studies of this run.
        config_files: The config files Snakemake read, in order of precedence (later ones win).
        command_line: The ``--config`` keys (``None`` or empty: none).
    """
    from fairopt import __version__

    preset = _presets(config, studies)
    scaled = any(str((config.get(s) or {}).get("scale") or config.get("scale", PAPER)) != PAPER for s in studies)
    files = ", ".join(f"`{_shown(f)}`" for f in config_files) or "none"
    keys = ", ".join(f"`{k}={v}`" for k, v in (command_line or {}).items()) or "none"
    download = ", else the canonical URLs" if config.get("download") else ""
    patients = (config.get("obermeyer") or {}).get("source", "auto")
    source = f"mirror `{config.get('data_mirror', '')}`{download}; Obermeyer patients: `{patients}`"
    lines = [f"**Produced by** fairopt {__version__} with preset {preset}; config files {files}; "
             f"command-line keys {keys}; raw data: {source} (each study's data source: its `data_source` "
             "column)."]
    if scaled:
        lines.append("**Scaled-down settings:** a verdict here is on this preset, not on the papers' settings; "
                     "the `note` column names every setting that differs from the paper's.")
    return "\n\n".join(lines)


def machine_headline() -> str:
    """``Written <UTC date and time> on <cores> cores, <cpu>; load average <1-min> (1 min) ...``."""
    from fairopt.report.benchmark_table import machine_label

    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unavailable"
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"**Written** {now} on {machine_label()}; load average (1, 5, 15 min): {load}."
