"""Settings of the DAFH study: the resolved ``dafh`` section, its checks and the names of its jobs.

:func:`load_settings` resolves the section (schema defaults = the paper's settings, the ``scale``
preset, explicit keys: :func:`fairopt.studies.common.resolve_settings`) and checks what the schema
cannot (the methods against the registry, the figure datasets among the datasets run -- null picks
the paper's when it is run, else the first dataset --, a Table 3 entry for every dataset). :func:`jobs` lists every (dataset, method, K, split) job; :func:`run_name` /
:func:`parse_run_name` own the job's file name (``<method>`` or ``<method>_K<k>``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fairopt.core.errors import ConfigError
from fairopt.studies.common import resolve_settings
from fairopt.studies.dafh.methods import METHODS

__all__ = ["STUDY", "DATASETS", "load_settings", "method_datasets", "method_ks", "run_name", "parse_run_name",
           "jobs", "pilot_needed", "grid_with_learning_rates", "curve_config", "is_paper_run", "EXPERIMENT_KEYS"]

STUDY = "dafh"
#: the real datasets of the paper (the loaders of :mod:`fairopt.studies.dafh.prepare`)
DATASETS = ("adult", "arrest", "violent", "german", "bank")
#: the keys that define the experiments (device, figure choices and scorecard tolerances excluded):
#: a run differing from the paper's settings in one of them is not the paper's run
EXPERIMENT_KEYS = ("datasets", "methods", "splits", "n_groups", "grid", "model", "table3", "pilot", "data",
                   "baselines", "metrics")
#: the datasets of the paper's Figures 2 and 3 (``dafh.figures`` null: these when run)
FIGURE_DATASETS = {"curve_dataset": "violent", "composition_dataset": "arrest"}


def load_settings(explicit: Mapping[str, Any] | None = None, *, default_scale: str | None = None) -> dict[str, Any]:
    """The settings of one run of the study, resolved and checked (module docstring).

    Raises:
        ConfigError: A schema violation or an inconsistency (names the key).
    """
    settings = resolve_settings(STUDY, explicit, default_scale=default_scale)
    METHODS.check(settings["methods"], key="dafh.methods")
    for name, paper_dataset in FIGURE_DATASETS.items():
        dataset = settings["figures"][name]
        if dataset is None:  # the paper's dataset when it is run, else the first one run
            dataset = paper_dataset if paper_dataset in settings["datasets"] else settings["datasets"][0]
            settings["figures"][name] = dataset
        if dataset not in settings["datasets"]:
            raise ConfigError(f"config key dafh.figures.{name}: {dataset!r} is not one of dafh.datasets "
                              f"{settings['datasets']}")
    missing = [d for d in [*settings["datasets"], "synthetic"] if d not in settings["table3"]]
    if missing:
        raise ConfigError(f"config key dafh.table3: no hyperparameters for {missing} (batch_size, epochs, penalty)")
    grid = settings["grid"]
    for key in ("batch_size", "epochs", "penalty", "lr_group", "lr_decoupled"):
        values = grid[key]
        if values is not None and len(set(values)) != len(values):
            raise ConfigError(f"config key dafh.grid.{key}: duplicate values in {values}")
    if ("dafh" in settings["methods"] and "trivial" not in settings["methods"]):
        raise ConfigError("config key dafh.methods: dafh is compared with trivial (Tables 4, 7, Figure 2): list both")
    return settings


def pilot_needed(settings: Mapping[str, Any]) -> bool:
    """Whether a learning-rate grid is left to the pilot (``dafh.grid.lr_group`` or ``lr_decoupled`` null)."""
    return settings["grid"]["lr_group"] is None or settings["grid"]["lr_decoupled"] is None


def method_datasets(settings: Mapping[str, Any], method: str) -> list[str]:
    """The datasets a method runs on (``manual``: Arrest only)."""
    allowed = METHODS.info(method).get("datasets")
    return [d for d in settings["datasets"] if allowed is None or d in allowed]


def method_ks(settings: Mapping[str, Any], method: str) -> list[int] | list[None]:
    """The numbers of groups of a method's jobs: every K for DAFH, K > 2 for Clustering (Table 6), none otherwise."""
    if not METHODS.info(method)["uses_k"]:
        return [None]
    ks = [int(k) for k in settings["n_groups"]]
    return [k for k in ks if k > 2] if method == "clustering" else ks


def run_name(method: str, k: int | None) -> str:
    """The file name of a job's record (without ``.json``): ``<method>`` or ``<method>_K<k>``."""
    METHODS.get(method)
    if METHODS.info(method)["uses_k"]:
        if k is None:
            raise ConfigError(f"method {method} runs per number of groups K: a K is needed")
        return f"{method}_K{int(k)}"
    return method


def parse_run_name(name: str) -> tuple[str, int | None]:
    """Inverse of :func:`run_name`.

    Raises:
        ConfigError: A name that is no method's.
    """
    method, sep, k = name.rpartition("_K")
    if sep and method in METHODS and METHODS.info(method)["uses_k"] and k.isdigit():
        return method, int(k)
    if name in METHODS and not METHODS.info(name)["uses_k"]:
        return name, None
    raise ConfigError(f"DAFH job {name!r}: expected <method> or <method>_K<k> with a method of {list(METHODS)}")


def jobs(settings: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    """``(dataset, run name, split)`` of every job of a run."""
    out = []
    for method in settings["methods"]:
        for dataset in method_datasets(settings, method):
            for k in method_ks(settings, method):
                for split in range(int(settings["splits"]["count"])):
                    out.append((dataset, run_name(method, k), split))
    return out


def grid_with_learning_rates(settings: Mapping[str, Any], pilot: Mapping[str, Any] | None) -> dict[str, list]:
    """The grid of a run: ``dafh.grid`` with the learning rates the pilot chose where they are null.

    Raises:
        ConfigError: A pilot is needed but none was given.
    """
    grid = dict(settings["grid"])
    for key in ("lr_group", "lr_decoupled"):
        if grid[key] is None:
            if pilot is None:
                raise ConfigError(f"config key dafh.grid.{key} is null (left to the pilot) but no pilot result was given")
            grid[key] = [float(v) for v in pilot[key]]
    return grid


def curve_config(settings: Mapping[str, Any], pilot: Mapping[str, Any] | None, dataset: str) -> dict[str, Any]:
    """Figure 2's configuration: the dataset's Table 3 settings with the learning-rate pair of the grid
    that the pilot scored best on it (validation accuracy; without a pilot the grid's first pair)."""
    grid = grid_with_learning_rates(settings, pilot)
    pairs = [(g, d) for g in grid["lr_group"] for d in grid["lr_decoupled"]]
    if pilot is not None:
        score = {(float(r["lr_group"]), float(r["lr_decoupled"])): float(r["validation_accuracy"])
                 for r in pilot["rows"] if r["dataset"] == dataset}
        scored = [p for p in pairs if p in score]
        if scored:
            pairs = sorted(scored, key=lambda p: (-score[p], p))
    lr_group, lr_decoupled = pairs[0]
    h, model = settings["table3"][dataset], settings["model"]
    return {"batch_size": int(h["batch_size"]), "epochs": int(h["epochs"]), "penalty": float(h["penalty"]),
            "lr_group": float(lr_group), "lr_decoupled": float(lr_decoupled), "momentum": model["momentum"],
            "group_momentum": model["group_momentum"], "hidden_units": model["hidden_units"]}


def is_paper_run(settings: Mapping[str, Any]) -> bool:
    """Whether the run's experiment settings are the paper's (the schema defaults)."""
    from fairopt.studies.common import schema_defaults, setting_differences

    return not setting_differences(settings, schema_defaults(STUDY), EXPERIMENT_KEYS)
