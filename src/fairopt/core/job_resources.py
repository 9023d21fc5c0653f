"""What every workflow rule asks of a scheduler, from one measured table (``workflow/resources.yaml``).

Each rule declares ``threads``, ``resources`` (``mem_mb``, ``runtime``, ``cpus_per_task`` and, for torch
training rules whose study runs on ``device: cuda``, ``gpu: 1``) and ``retries`` through a
:class:`JobResources` built from the table, e.g. in a ``.smk`` file::

    rule fdfl_job:
        ...
        threads: JOB_RESOURCES.threads("fdfl_job")
        resources: **JOB_RESOURCES.of("fdfl_job", FDFL_CFG)
        retries: JOB_RESOURCES.retries("fdfl_job")

A table entry::

    fdfl_job:
      threads: config          # the top-level config key `threads` (or an integer)
      mem_mb: {smoke: 1000, reduced: 1000, paper: 2000}   # or one integer for every scale
      runtime: {smoke: 2, reduced: 5, paper: 30}          # minutes, per scale (or `rule`, below)
      peak_mb: {smoke: 412, reduced: 450}                 # measured peak RSS (benchmark files)
      gpu: true                # a torch training rule: asks for a GPU when the study's device is cuda
      retries: 1               # reruns of a failed job (solver jobs)

``runtime: rule`` marks a rule that computes its runtime from its settings (a solver's time limit, the
epochs of a training) and passes it: ``JOB_RESOURCES.of("rule", SECTION, runtime=...)``.
``peak_mb`` records the measurement ``mem_mb`` was set from (``fairopt resources`` summarises the
``benchmark:`` files of a run); :meth:`JobResources.check_headroom` holds ``mem_mb`` at least
:data:`HEADROOM` times every recorded peak. The scale of a job is its study section's ``scale`` (else
the top-level one), so a study run at ``paper`` scale inside a smoke run asks for the paper's resources.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from fairopt.core.device import wants_gpu
from fairopt.core.errors import ConfigError

__all__ = ["JobResources", "HEADROOM", "ENTRY_KEYS"]

#: the keys of a table entry
ENTRY_KEYS = ("threads", "mem_mb", "runtime", "peak_mb", "gpu", "retries")
#: mem_mb must be at least this multiple of every measured peak
HEADROOM = 1.25
_SCALES = ("smoke", "reduced", "paper")


def _per_scale(path: Path, rule: str, key: str, value: Any, *, required: bool = True) -> dict[str, int]:
    """``{scale: positive int}`` from an integer or a per-scale mapping."""
    where = f"{path}: rule {rule}, key {key}"
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a positive integer or {{scale: integer}}, got {value!r}")
    if isinstance(value, int):
        value = dict.fromkeys(_SCALES, value)
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a positive integer or {{scale: integer}}, got {value!r}")
    bad = sorted(set(value) - set(_SCALES))
    missing = [s for s in _SCALES if s not in value] if required else []
    if bad or missing:
        raise ConfigError(f"{where}: scales {bad or missing} {'unknown' if bad else 'missing'}; expected {list(_SCALES)}")
    for scale, v in value.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ConfigError(f"{where}.{scale}: expected a positive integer, got {v!r}")
    return dict(value)


class JobResources:
    """The resource table of the workflow's rules.

    Args:
        table: ``{rule: entry}`` (module docstring).
        threads: The top-level config ``threads`` (what ``threads: config`` means).
        scale: The top-level ``scale`` (used where a rule has no study section).
        path: Where the table came from (named in errors).
    """

    def __init__(self, table: Mapping[str, Mapping[str, Any]], *, threads: int, scale: str,
                 path: str | Path = "workflow/resources.yaml"):
        self.path = Path(path)
        self.scale = scale
        self.config_threads = int(threads)
        self.entries: dict[str, dict[str, Any]] = {}
        for rule, entry in table.items():
            if not isinstance(entry, Mapping):
                raise ConfigError(f"{self.path}: rule {rule}: expected a mapping, got {entry!r}")
            unknown = sorted(set(entry) - set(ENTRY_KEYS))
            if unknown:
                raise ConfigError(f"{self.path}: rule {rule}: unknown key(s) {unknown}; allowed: {list(ENTRY_KEYS)}")
            for key in ("threads", "mem_mb", "runtime"):
                if key not in entry:
                    raise ConfigError(f"{self.path}: rule {rule}: key {key} missing")
            threads_value = entry["threads"]
            if threads_value != "config" and (isinstance(threads_value, bool) or not isinstance(threads_value, int)
                                              or threads_value < 1):
                raise ConfigError(f"{self.path}: rule {rule}, key threads: expected 'config' or a positive integer, "
                                  f"got {threads_value!r}")
            retries = entry.get("retries", 0)
            if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
                raise ConfigError(f"{self.path}: rule {rule}, key retries: expected an integer >= 0, got {retries!r}")
            if not isinstance(entry.get("gpu", False), bool):
                raise ConfigError(f"{self.path}: rule {rule}, key gpu: expected true or false, got {entry['gpu']!r}")
            self.entries[rule] = {
                "threads": threads_value, "retries": retries, "gpu": entry.get("gpu", False),
                "mem_mb": _per_scale(self.path, rule, "mem_mb", entry["mem_mb"]),
                "runtime": ("rule" if entry["runtime"] == "rule"
                            else _per_scale(self.path, rule, "runtime", entry["runtime"])),
                "peak_mb": _per_scale(self.path, rule, "peak_mb", entry.get("peak_mb", {}), required=False)}

    @classmethod
    def load(cls, path: str | Path, *, threads: int, scale: str) -> "JobResources":
        """Read the table; a missing or malformed file raises a one-line ConfigError."""
        path = Path(path)
        try:
            table = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot read the resource table ({type(exc).__name__}: "
                              f"{str(exc).splitlines()[0] if str(exc) else ''})") from exc
        if not isinstance(table, Mapping) or not table:
            raise ConfigError(f"{path}: expected a mapping of rule names to resources")
        return cls(table, threads=threads, scale=scale, path=path)

    def _entry(self, rule: str) -> dict[str, Any]:
        if rule not in self.entries:
            raise ConfigError(f"{self.path}: rule {rule} has no entry (measure it: `fairopt resources`, CONTRIBUTING.md)")
        return self.entries[rule]

    def threads(self, rule: str) -> int:
        """The rule's threads (``config`` -> the top-level ``threads``)."""
        value = self._entry(rule)["threads"]
        return self.config_threads if value == "config" else int(value)

    def retries(self, rule: str) -> int:
        """How many times a failed job of the rule is rerun."""
        return int(self._entry(rule)["retries"])

    def of(self, rule: str, section: Mapping[str, Any] | None = None, **override: Any) -> dict[str, Any]:
        """The ``resources`` of a rule: ``mem_mb``, ``runtime`` (minutes) and ``cpus_per_task`` at the job's
        scale, plus ``gpu: 1`` for a GPU rule of a study whose ``device`` is ``cuda``; ``override`` wins
        (e.g. a runtime computed from a solver's time limit).

        Args:
            rule: The rule name.
            section: The study's resolved config section (its ``scale`` and ``device``).
        """
        entry = self._entry(rule)
        section = section or {}
        scale = section.get("scale", self.scale)
        if entry["runtime"] == "rule" and "runtime" not in override:
            raise ConfigError(f"{self.path}: rule {rule} has `runtime: rule` but the rule passes no runtime")
        out: dict[str, Any] = {"mem_mb": entry["mem_mb"][scale], "cpus_per_task": self.threads(rule)}
        if entry["runtime"] != "rule":
            out["runtime"] = entry["runtime"][scale]
        if entry["gpu"] and wants_gpu(section.get("device", "cpu")):
            out["gpu"] = 1
        out.update(override)
        return out

    def check_headroom(self) -> list[str]:
        """Rules whose ``mem_mb`` is below :data:`HEADROOM` x a recorded peak, one line each."""
        bad = []
        for rule, entry in self.entries.items():
            for scale, peak in entry["peak_mb"].items():
                if entry["mem_mb"][scale] < HEADROOM * peak:
                    bad.append(f"{rule}: mem_mb {entry['mem_mb'][scale]} at {scale} < {HEADROOM} x measured peak "
                               f"{peak} MB")
        return bad
