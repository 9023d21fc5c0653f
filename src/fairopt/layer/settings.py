"""Settings of the fairness-layer study: scale presets, explicit overrides and consistency checks.

The study's config section (``layer`` in ``config/config.yaml``, schema
``workflow/schemas/layer.schema.yaml``) holds the paper's settings (Troxell, Montufar & Roemer,
ICML 2026; reference note ``shared/reference/fairness_layer.md``). ``layer.scale`` picks a
preset that scales the experiments down:

``paper``
    the settings as written (the default);
``reduced`` / ``smoke``
    the preset ``layer.presets.<scale>`` (a partial copy of the section) replaces the paper's
    values key by key.

A key set explicitly to a value *different from the paper's* always wins over the preset (that
is how ``--config layer='{scale: reduced, synthetic: {datasets: [0, 1]}}'`` narrows a preset).
A key left at the paper's value takes the preset's value; to run one key at its paper value
under a smaller scale, set it in the preset instead.

:func:`resolve_settings` returns the resolved section; :func:`check_settings` checks what the
JSON schema cannot (consistency between keys) and raises :class:`~fairopt.errors.ConfigError`
naming the key, before any job runs.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from fairopt.errors import ConfigError

__all__ = ["SCALES", "METHOD_NAMES", "resolve_settings", "check_settings", "setting_name",
           "parse_setting_name", "synthetic_settings"]

#: scale presets of ``layer.scale``
SCALES = ("paper", "reduced", "smoke")
#: methods of the study (same names as :data:`fairopt.layer.baselines.METHODS`)
METHOD_NAMES = ("flayer", "projection", "penalty", "strict_penalty")


def _merge_preset(current: Mapping[str, Any], paper: Mapping[str, Any], preset: Mapping[str, Any],
                  key: str) -> dict[str, Any]:
    """Apply ``preset`` to ``current`` where ``current`` still holds the ``paper`` value."""
    out = copy.deepcopy(dict(current))
    for name, value in preset.items():
        where = f"{key}.{name}"
        if name not in current:
            raise ConfigError(f"config key {where}: unknown key (expected one of {sorted(current)})")
        cur, pap = current[name], paper.get(name)
        if isinstance(value, Mapping) and isinstance(cur, Mapping) and isinstance(pap, Mapping):
            out[name] = _merge_preset(cur, pap, value, where)
        elif cur == pap:
            out[name] = copy.deepcopy(value)
    return out


def resolve_settings(layer: Mapping[str, Any], paper: Mapping[str, Any]) -> dict[str, Any]:
    """The study's settings with the ``scale`` preset applied (module docstring).

    Args:
        layer: The validated ``layer`` config section (schema defaults filled in).
        paper: The schema defaults of the section (the paper's settings).

    Returns:
        A new dict: the section with the preset's values in place of paper values.

    Raises:
        ConfigError: Unknown scale, missing preset, or a preset key that does not exist.
    """
    scale = layer.get("scale", "paper")
    if scale not in SCALES:
        raise ConfigError(f"config key layer.scale: {scale!r} is not one of {list(SCALES)}")
    resolved = copy.deepcopy(dict(layer))
    if scale == "paper":
        return resolved
    presets = layer.get("presets") or {}
    if scale not in presets:
        raise ConfigError(f"config key layer.presets.{scale}: missing (layer.scale is {scale!r})")
    body = {k: v for k, v in layer.items() if k not in ("scale", "presets")}
    paper_body = {k: v for k, v in paper.items() if k not in ("scale", "presets")}
    merged = _merge_preset(body, paper_body, presets[scale] or {}, f"layer.presets.{scale}")
    resolved.update(merged)
    return resolved


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
    bad = [m for m in methods if m not in METHOD_NAMES]
    if bad:
        raise ConfigError(f"config key {key}.methods: unknown method(s) {bad}; expected {list(METHOD_NAMES)}")
    if len(set(methods)) != len(methods):
        raise ConfigError(f"config key {key}.methods: duplicate methods in {methods}")
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
