"""Settings of the fair-regression study: the resolved ``fairreg`` section, checked, and its job names.

:func:`load_settings` resolves the section (schema defaults = the slides' study, the ``scale``
preset, explicit keys: :func:`fairopt.studies.common.resolve_settings`) and checks what the schema
cannot (list contents, uniqueness after formatting into file names, the methods' dependencies),
normalising grid values (ints/floats), and raises :class:`~fairopt.core.errors.ConfigError` naming the
``fairreg.<...>`` key before any job runs. :func:`real_setting` / :func:`parse_real_setting` own the
names of the real-data jobs (``<method>_<setting>``: ``base``, ``lam<x>``, ``eps<x>``).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fairopt.core.errors import ConfigError
from fairopt.studies.common import resolve_settings
from fairopt.studies.fairreg.methods import REAL, SYNTHETIC

__all__ = ["STUDY", "REAL_DATASETS", "format_value", "load_settings", "real_setting", "parse_real_setting",
           "real_settings", "wall_limit", "job_options", "mio_runtime"]

STUDY = "fairreg"
#: real datasets, named as in the raw-data registry
REAL_DATASETS = ("communities_crime", "law_school")


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


def load_settings(explicit: Mapping[str, Any] | None = None, *, default_scale: str | None = None) -> dict[str, Any]:
    """The settings of one run of the study, checked (module docstring).

    Args:
        explicit: The keys the user set for ``fairreg`` (config files and ``--config``).
        default_scale: The top-level ``scale`` (used when ``fairreg.scale`` is not set).

    Returns:
        The resolved section with grid values normalised (``m`` and counts int, grids and limits
        float) and ``real.subsample`` completed for every dataset.

    Raises:
        ConfigError: A value the schema or the checks reject; the message names the key.
    """
    settings = resolve_settings(STUDY, explicit, default_scale=default_scale)
    syn, real = settings["synthetic"], settings["real"]

    def key(section: str, name: str) -> str:
        return f"fairreg.{section}.{name}"

    syn["m"] = _positive_numbers(syn["m"], key("synthetic", "m"), integer=True, minimum=4, allow_zero=True)
    syn["lambdas"] = _positive_numbers(syn["lambdas"], key("synthetic", "lambdas"))
    syn["instances"] = _positive_numbers([syn["instances"]], key("synthetic", "instances"), integer=True)[0]
    syn["time_limit"] = _positive(syn["time_limit"], key("synthetic", "time_limit"))
    syn["methods"] = SYNTHETIC.check(syn["methods"], key=key("synthetic", "methods"))
    for registry, part, section in ((SYNTHETIC, syn, "synthetic"), (REAL, real, "real")):
        for method in part["methods"]:
            needs = registry.info(method).get("needs")
            if needs and needs not in part["methods"]:
                raise ConfigError(f"config key {key(section, 'methods')}: {method} starts at the model of "
                                  f"{needs}, so {needs} must be listed too")
    real["datasets"] = _subset(real["datasets"], REAL_DATASETS, key("real", "datasets"))
    real["methods"] = REAL.check(real["methods"], key=key("real", "methods"))
    if "ls" not in real["methods"]:
        raise ConfigError(f"config key {key('real', 'methods')}: ls (the reference of the relative RMSE "
                          "increase) must be listed")
    real["lambdas"] = _positive_numbers(real["lambdas"], key("real", "lambdas"))
    real["eps"] = _positive_numbers(real["eps"], key("real", "eps"))
    real["mio_time_limit"] = _positive(real["mio_time_limit"], key("real", "mio_time_limit"))
    real["agarwal_iterations"] = _positive_numbers([real["agarwal_iterations"]], key("real", "agarwal_iterations"),
                                                   integer=True)[0]
    build = settings["mio_build"]
    build["m"] = _positive_numbers(build["m"], "fairreg.mio_build.m", integer=True, minimum=4, allow_zero=True)
    build["datasets"] = (_subset(build["datasets"], REAL_DATASETS, "fairreg.mio_build.datasets")
                         if build["datasets"] else [])
    sub = real["subsample"]
    real["subsample"] = {name: (None if sub.get(name) is None else int(sub[name])) for name in REAL_DATASETS}
    sol = settings["solvers"]
    if sol["mio_node_limit"] is not None and sol["mio"] != "scip":
        raise ConfigError(f"config key fairreg.solvers.mio_node_limit: a node limit is passed to SCIP only "
                          f"(solvers.mio is {sol['mio']!r}); set it to null")
    optfile = settings["solvers"]["scip_params"].get("nlpi/ipopt/optfile")
    if optfile and not Path(optfile).is_file():
        raise ConfigError(f"config key fairreg.solvers.scip_params: Ipopt options file {optfile!r} "
                          "not found (paths are relative to the repository root)")
    return settings


def real_setting(method: str, value: float | None = None) -> str:
    """The job name's setting part of a real-data method: ``base``, ``lam<x>`` or ``eps<x>``."""
    grid = REAL.info(method)["setting"]
    if grid is None:
        return "base"
    if value is None:
        raise ConfigError(f"real-data method {method} runs on the {grid} grid: a value is needed")
    return f"{grid}{format_value(value)}"


def parse_real_setting(method: str, setting: str) -> tuple[float | None, float | None]:
    """Inverse of :func:`real_setting`: ``(lam, eps)`` of a job name.

    Raises:
        ConfigError: A setting that does not fit the method's grid.
    """
    grid = REAL.info(method)["setting"]
    if grid is None and setting == "base":
        return None, None
    if grid is not None and setting.startswith(grid):
        try:
            value = float(setting[len(grid):])
        except ValueError:
            value = None
        if value is not None:
            return (value, None) if grid == "lam" else (None, value)
    raise ConfigError(f"real-data job {method}_{setting}: expected {real_setting(method, 1.0).rstrip('1')}<value>"
                      if grid else f"real-data job {method}_{setting}: expected {method}_base")


def real_settings(settings: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(method, setting)`` of every real-data job of a run, in method order."""
    real = settings["real"]
    grids = {None: [None], "lam": real["lambdas"], "eps": real["eps"]}
    return [(m, real_setting(m, v)) for m in real["methods"] for v in grids[REAL.info(m)["setting"]]]


def wall_limit(settings: Mapping[str, Any], time_limit: float) -> dict[str, float]:
    """The watchdog of a MIO child process (:class:`fairopt.core.isolation.WallLimit`'s fields).

    ``build``: ``solvers.wall_build_limit`` seconds until the child reports its model built (SCIP
    starts to optimize); then ``solve = wall_limit_factor * time_limit + wall_limit_extra`` seconds
    plus ``per_build_second = wall_limit_per_build_second`` per measured build second. A plain
    dict, so that it travels in Snakemake's params.
    """
    sol = settings["solvers"]
    return {"build": float(sol["wall_build_limit"]),
            "solve": float(time_limit) * sol["wall_limit_factor"] + float(sol["wall_limit_extra"]),
            "per_build_second": float(sol["wall_limit_per_build_second"])}


def job_options(settings: Mapping[str, Any], experiment: str) -> dict[str, Any]:
    """Keyword arguments of :class:`~fairopt.studies.fairreg.methods.SolveOptions` for the jobs of
    ``experiment`` (``synthetic`` or ``real``): solvers, MIO guard, coordinate descent (and, for real
    data, the Agarwal et al. options and seed)."""
    sol = settings["solvers"]
    part = settings[experiment]
    time_limit = part["time_limit"] if experiment == "synthetic" else part["mio_time_limit"]
    scip = sol["mio"] == "scip"
    options: dict[str, Any] = {
        "relax_solver": sol["relaxation"],
        "mio_solver": sol["mio"],
        "time_limit": time_limit,
        "delta": settings["delta"],
        "mio_options": {"scip_params": sol["scip_params"]} if scip and sol["scip_params"] else {},
        "fallback_options": ({"scip_params": {**sol["scip_params"], **sol["crash_fallback_scip_params"]}}
                             if scip and sol["crash_fallback_scip_params"] is not None else None),
        "node_limit": sol["mio_node_limit"],
        "isolate": sol["isolate_mio"],
        "wall_limit": wall_limit(settings, time_limit),
        "cd_max_passes": part["cd"]["max_passes"],
        "cd_tol": part["cd"]["tol"],
        "warm_start": sol["warm_start_mio"],
    }
    if experiment == "real":
        options["agarwal"] = {**part["agarwal"], "T": part["agarwal_iterations"]}
        options["seed"] = part["seed"]
    return options


def mio_runtime(settings: Mapping[str, Any], time_limit: float) -> int:
    """Job runtime (minutes) of a MIO: the most its watchdog allows (the build limit, then the solve
    deadline after a build of that length), twice when a crash re-solve is configured."""
    tries = 2 if settings["solvers"]["crash_fallback_scip_params"] is not None else 1
    limit = wall_limit(settings, time_limit)
    most = limit["build"] * (1 + limit["per_build_second"]) + limit["solve"]
    return int(tries * most / 60) + 5
