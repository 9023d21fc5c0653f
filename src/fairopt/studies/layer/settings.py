"""Settings of the fairness-layer study: the resolved ``layer`` section, its consistency checks, job names.

:func:`load_settings` resolves the section (schema defaults = the paper's settings, Troxell,
Montufar & Roemer, ICML 2026, reference note ``shared/reference/fairness_layer.md``; the ``scale``
preset; explicit keys: :func:`fairopt.studies.common.resolve_settings`) and checks what the JSON
schema cannot (:func:`check_settings`: consistency between keys), raising
:class:`~fairopt.core.errors.ConfigError` naming the key before any job runs.
:func:`setting_name` / :func:`parse_setting_name` own the names of the synthetic batch settings.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fairopt.core.errors import ConfigError
from fairopt.studies.common import resolve_settings, schema_defaults
from fairopt.studies.layer.methods import METHODS

__all__ = ["STUDY", "EXPERIMENTS", "load_settings", "check_settings", "setting_name", "parse_setting_name",
           "synthetic_settings", "job_section", "epoch_benchmark", "JOB_SELECTION_KEYS"]

STUDY = "layer"
#: the experiments of the study (config sections with jobs)
EXPERIMENTS = ("synthetic", "sba", "employee")
#: keys that only choose which jobs run (or how they are scheduled/aggregated): left out of the jobs'
#: params, so that changing them does not re-run finished jobs
JOB_SELECTION_KEYS = ("datasets", "seeds", "split_seeds", "methods", "settings", "resources", "infeasible_slack")


def load_settings(explicit: Mapping[str, Any] | None = None, *, default_scale: str | None = None) -> dict[str, Any]:
    """The settings of one run of the study: resolved (module docstring) and checked.

    Raises:
        ConfigError: A schema violation or an inconsistency (names the key).
    """
    settings = resolve_settings(STUDY, explicit, default_scale=default_scale)
    check_settings(settings)
    return settings


def job_section(settings: Mapping[str, Any], experiment: str) -> dict[str, Any]:
    """An experiment's settings as a job needs them (job-selection keys left out) plus the back end and
    the torch device setting (``layer.device``)."""
    section = {k: v for k, v in settings[experiment].items() if k not in JOB_SELECTION_KEYS}
    return {**section, "backend": settings["backend"], "device": settings["device"]}


def epoch_benchmark(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Network and data of the timing job's epoch benchmark (``layer.benchmark.epoch_network``).

    ``paper``: the paper's synthetic network and data size -- the schema defaults of
    ``layer.synthetic`` (``model``, ``n_features``, the training rows of ``split``), whatever the
    preset; ``experiment``: those of this run's ``layer.synthetic``. The parity tolerance is the
    run's ``layer.synthetic.eps``.

    Returns:
        ``network``, ``n_rows``, ``n_features``, ``hidden``, ``eps``.
    """
    network = settings["benchmark"]["epoch_network"]
    syn = schema_defaults(STUDY)["synthetic"] if network == "paper" else settings["synthetic"]
    return {"network": network, "n_rows": int(syn["split"][0]), "n_features": int(syn["n_features"]),
            "hidden": list(syn["model"]["hidden"]), "eps": float(settings["synthetic"]["eps"])}


def setting_name(train_batch: int, inference_batch: int) -> str:
    """Name of a (train batch, inference batch) setting, e.g. ``b2000-i16`` (used in paths)."""
    return f"b{int(train_batch)}-i{int(inference_batch)}"


def parse_setting_name(name: str) -> tuple[int, int]:
    """Inverse of :func:`setting_name`.

    Raises:
        ConfigError: A name that is not ``b<train>-i<inference>``.
    """
    try:
        train, infer = name.split("-")
        if not (train.startswith("b") and infer.startswith("i")):
            raise ValueError
        return int(train[1:]), int(infer[1:])
    except ValueError:
        raise ConfigError(f"fairness-layer setting {name!r}: expected 'b<train batch>-i<inference batch>'") from None


def synthetic_settings(settings: Mapping[str, Any]) -> list[str]:
    """Setting names of the synthetic experiment, in config order."""
    return [setting_name(*pair) for pair in settings["synthetic"]["settings"]]


def _check_methods(methods: list[str], key: str, section: Mapping[str, Any]) -> None:
    METHODS.check(methods, key=f"{key}.methods")
    if "penalty" in methods and not section.get("penalty_lambdas"):
        raise ConfigError(f"config key {key}.penalty_lambdas: method 'penalty' needs a non-empty lambda grid")


def _check_split(split: list[int], n_rows: int | None, key: str) -> None:
    if n_rows is not None and sum(split) > n_rows:
        raise ConfigError(f"config key {key}.split: sizes {split} (sum {sum(split)}) exceed the "
                          f"{n_rows} rows of {key}.n_rows")


def check_settings(settings: Mapping[str, Any]) -> None:
    """Consistency checks the JSON schema cannot express (names the key on failure).

    Raises:
        ConfigError: Duplicate datasets/settings/methods, a split larger than the data, a box
            with ``lb >= ub``, a penalty method without lambdas, or a synthetic setting whose
            batches are larger than the split they come from.
    """
    syn = settings["synthetic"]
    _check_methods(syn["methods"], "layer.synthetic", syn)
    if len(set(syn["datasets"])) != len(syn["datasets"]):
        raise ConfigError(f"config key layer.synthetic.datasets: duplicate indices in {syn['datasets']}")
    if len(set(syn["seeds"])) != len(syn["seeds"]):
        raise ConfigError(f"config key layer.synthetic.seeds: duplicate seeds in {syn['seeds']}")
    _check_split(syn["split"], syn["n_rows"], "layer.synthetic")
    names = synthetic_settings(settings)
    if len(set(names)) != len(names):
        raise ConfigError(f"config key layer.synthetic.settings: duplicate (train, inference) pairs {names}")
    train_rows = syn["split"][0]
    for train_batch, _ in syn["settings"]:
        if train_batch > train_rows:
            raise ConfigError(f"config key layer.synthetic.settings: train batch {train_batch} exceeds the "
                              f"{train_rows} training rows of layer.synthetic.split")
    sba = settings["sba"]
    _check_methods(sba["methods"], "layer.sba", sba)
    emp = settings["employee"]
    _check_methods(emp["methods"], "layer.employee", emp)
    lb, ub = emp["box"]
    if not lb < ub:
        raise ConfigError(f"config key layer.employee.box: needs lb < ub, got {emp['box']}")
    bench = settings["benchmark"]
    if len(set(bench["batch_sizes"])) != len(bench["batch_sizes"]):
        raise ConfigError(f"config key layer.benchmark.batch_sizes: duplicates in {bench['batch_sizes']}")
    if bench["target_batch_size"] not in bench["batch_sizes"]:
        raise ConfigError(f"config key layer.benchmark.target_batch_size: {bench['target_batch_size']} is not "
                          f"one of layer.benchmark.batch_sizes {bench['batch_sizes']}")
