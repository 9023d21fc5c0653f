"""The fair-regression study's settings: scale presets, explicit overrides and their checks.

The config section ``fairreg`` (schema ``workflow/schemas/fairreg.schema.yaml``) holds

* scale-independent keys (solvers, ``delta``, the synthetic generator, data preparation, the
  Agarwal et al. parameters, scorecard tolerances) directly, and
* the scale-dependent keys (sizes ``m``, the lambda and epsilon grids, instances per ``m``, time
  limits, subsample sizes, real-data methods, EG iterations) in ``presets.<scale>``, one preset
  per scale: ``paper`` (the slides' study, the default), ``reduced`` and ``smoke``.

The settings a run uses are ``deep_merge(base, presets[scale], override)``: the selected preset
overrides the base and ``override`` (same shape as a preset, any key) overrides both, e.g.
``--config fairreg='{scale: reduced, override: {synthetic: {time_limit: 60}}}'``.
:func:`resolve_settings` performs the merge and checks every value the schema cannot (list
contents, uniqueness after formatting into file names, known datasets and methods), raising
:class:`~fairopt.errors.ConfigError` that names the ``fairreg.<...>`` key before any job runs.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fairopt.errors import ConfigError

__all__ = [
    "SCALES",
    "SYNTHETIC_METHODS",
    "REAL_METHODS",
    "REAL_DATASETS",
    "deep_merge",
    "format_value",
    "resolve_settings",
]

SCALES = ("paper", "reduced", "smoke")
#: per-(instance, lambda) methods of the synthetic study (see :mod:`fairopt.fairreg.experiment`)
SYNTHETIC_METHODS = ("ls", "relax_bigm", "relax_strong", "bigm", "strong", "cd0", "cd_unfair",
                     "cd_relax")
#: real-data methods (see :mod:`fairopt.fairreg.realdata`)
REAL_METHODS = ("ls", "relax", "cd_relax", "mio", "agarwal")
#: real datasets, named as in the raw-data registry
REAL_DATASETS = ("communities_crime", "law_school")

#: scale-dependent keys every resolved run must have (section -> keys)
_SCALED_KEYS = {
    "synthetic": ("m", "lambdas", "instances", "time_limit"),
    "real": ("datasets", "subsample", "lambdas", "eps", "methods", "mio_time_limit",
             "agarwal_iterations"),
}
_BASE_EXCLUDE = ("scale", "presets", "override")


def deep_merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Recursive dict merge: values of ``update`` win; nested mappings are merged (copies)."""
    out = copy.deepcopy(dict(base))
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def format_value(x: float) -> str:
    """A grid value as it appears in file names and wildcards (``0.01`` -> ``"0.01"``)."""
    return f"{float(x):g}"


def _positive_numbers(values: Any, key: str, *, integer: bool = False, minimum: float = 0.0,
                      allow_zero: bool = False) -> list:
    if not isinstance(values, (list, tuple)) or not values:
        raise ConfigError(f"config key {key}: expected a non-empty list, got {values!r}")
    out = []
    for v in values:
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        if ok and integer:
            ok = float(v).is_integer()
        if ok:
            ok = v >= minimum if allow_zero else v > minimum
        if not ok:
            kind = "integers" if integer else "numbers"
            bound = f">= {minimum:g}" if allow_zero else f"> {minimum:g}"
            raise ConfigError(f"config key {key}: expected {kind} {bound}, got {v!r}")
        out.append(int(v) if integer else float(v))
    names = [format_value(v) for v in out]
    if len(set(names)) != len(names):
        raise ConfigError(f"config key {key}: values must be distinct (as file names: {names})")
    return out


def _positive(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"config key {key}: expected a positive number, got {value!r}")
    return float(value)


def _subset(values: Any, allowed: tuple[str, ...], key: str) -> list[str]:
    if not isinstance(values, (list, tuple)) or not values:
        raise ConfigError(f"config key {key}: expected a non-empty list, got {values!r}")
    bad = [v for v in values if v not in allowed]
    if bad or len(set(values)) != len(values):
        raise ConfigError(f"config key {key}: expected distinct values from {list(allowed)}, "
                          f"got {list(values)}")
    return list(values)


def resolve_settings(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """Merge the ``fairreg`` config section into the settings of one run and check them.

    Args:
        cfg: The ``fairreg`` section (after schema validation and defaults).

    Returns:
        The merged settings: the base keys with ``synthetic`` and ``real`` completed from the
        preset and ``override``, plus ``scale``. Grid values are normalised (ints/floats).

    Raises:
        ConfigError: Unknown scale, missing preset or key, or an invalid value; the message
            names the key (``fairreg.presets.<scale>...`` for preset values).
    """
    scale = cfg.get("scale", "paper")
    if scale not in SCALES:
        raise ConfigError(f"config key fairreg.scale: expected one of {list(SCALES)}, got {scale!r}")
    presets = cfg.get("presets") or {}
    if scale not in presets or not isinstance(presets[scale], Mapping):
        raise ConfigError(f"config key fairreg.presets.{scale}: preset missing (fairreg.scale is {scale!r})")
    base = {k: v for k, v in cfg.items() if k not in _BASE_EXCLUDE}
    override = cfg.get("override") or {}
    if not isinstance(override, Mapping):
        raise ConfigError(f"config key fairreg.override: expected a mapping, got {override!r}")
    settings = deep_merge(deep_merge(base, presets[scale]), override)
    settings["scale"] = scale

    def where(section: str, key: str) -> str:
        if key in (override.get(section) or {}):
            return f"fairreg.override.{section}.{key}"
        if key in (presets[scale].get(section) or {}):
            return f"fairreg.presets.{scale}.{section}.{key}"
        return f"fairreg.{section}.{key}"

    for section, keys in _SCALED_KEYS.items():
        part = settings.get(section)
        if not isinstance(part, Mapping):
            raise ConfigError(f"config key fairreg.{section}: missing")
        for key in keys:
            if key not in part or part[key] is None and key != "subsample":
                raise ConfigError(f"config key fairreg.presets.{scale}.{section}.{key}: missing "
                                  f"(each preset sets {list(keys)})")
    syn, real = settings["synthetic"], settings["real"]
    syn["m"] = _positive_numbers(syn["m"], where("synthetic", "m"), integer=True, minimum=4,
                                 allow_zero=True)
    syn["lambdas"] = _positive_numbers(syn["lambdas"], where("synthetic", "lambdas"))
    syn["instances"] = _positive_numbers([syn["instances"]], where("synthetic", "instances"),
                                         integer=True)[0]
    syn["time_limit"] = _positive(syn["time_limit"], where("synthetic", "time_limit"))
    syn["methods"] = _subset(syn.get("methods", SYNTHETIC_METHODS), SYNTHETIC_METHODS,
                             where("synthetic", "methods"))
    if "cd_relax" in syn["methods"] and "relax_strong" not in syn["methods"]:
        raise ConfigError(f"config key {where('synthetic', 'methods')}: cd_relax starts at the "
                          "strong relaxation's model, so relax_strong must be listed too")
    if int(syn.get("l", 1)) < 1 or int(syn.get("n", 1)) < 2:
        raise ConfigError("config key fairreg.synthetic: need l >= 1 and n >= 2")
    real["datasets"] = _subset(real["datasets"], REAL_DATASETS, where("real", "datasets"))
    real["methods"] = _subset(real["methods"], REAL_METHODS, where("real", "methods"))
    if "cd_relax" in real["methods"] and "relax" not in real["methods"]:
        raise ConfigError(f"config key {where('real', 'methods')}: cd_relax needs relax")
    if "ls" not in real["methods"]:
        raise ConfigError(f"config key {where('real', 'methods')}: ls (the reference of the "
                          "relative RMSE increase) must be listed")
    real["lambdas"] = _positive_numbers(real["lambdas"], where("real", "lambdas"))
    real["eps"] = _positive_numbers(real["eps"], where("real", "eps"))
    real["mio_time_limit"] = _positive(real["mio_time_limit"], where("real", "mio_time_limit"))
    real["agarwal_iterations"] = _positive_numbers(
        [real["agarwal_iterations"]], where("real", "agarwal_iterations"), integer=True)[0]
    sub = real["subsample"] or {}
    if not isinstance(sub, Mapping):
        raise ConfigError(f"config key {where('real', 'subsample')}: expected a mapping "
                          f"dataset -> rows (or null), got {sub!r}")
    bad = [k for k in sub if k not in REAL_DATASETS]
    if bad:
        raise ConfigError(f"config key {where('real', 'subsample')}: unknown dataset(s) {bad}; "
                          f"expected {list(REAL_DATASETS)}")
    for name, rows in sub.items():
        if rows is not None:
            _positive_numbers([rows], f"{where('real', 'subsample')}.{name}", integer=True,
                              minimum=20, allow_zero=True)
    real["subsample"] = {name: (None if sub.get(name) is None else int(sub[name]))
                         for name in REAL_DATASETS}
    optfile = (settings.get("solvers") or {}).get("scip_params", {}).get("nlpi/ipopt/optfile")
    if optfile and not Path(optfile).is_file():
        raise ConfigError(f"config key fairreg.solvers.scip_params: Ipopt options file {optfile!r} "
                          "not found (paths are relative to the repository root)")
    if not 0 < float(real.get("test_size", 0.5)) < 1:
        raise ConfigError("config key fairreg.real.test_size: expected a fraction in (0, 1)")
    return settings
