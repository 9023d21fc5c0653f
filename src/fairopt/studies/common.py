"""What every study shares: settings from schema + preset + explicit keys, method registries, paper numbers.

**Settings (one preset mechanism for every study).** Each study package ships two files:

* ``schema.yaml`` -- the JSON schema of its config section; its ``default`` values are the
  paper's settings and the *only* place a default is written;
* ``presets.yaml`` -- scaled-down partial copies of the section, one per scale
  (``smoke``: CI-sized; ``reduced``: a workstation run). ``paper`` is the schema defaults.

The settings a run uses are ::

    settings = deep_merge(deep_merge(schema defaults, presets[scale]), explicit)

where ``explicit`` is what the user wrote for the section (config files and ``--config``), and
``scale`` is the section's ``scale`` key, else the top-level ``scale``, else ``paper``. Mappings
merge key by key (recursively); every other value (lists included) replaces. So a preset
overrides the paper's value of every key it names, and a key the user sets explicitly always
wins over the preset -- e.g. ``--config fdfl='{scale: smoke, trials: 3}'`` runs the smoke preset
with three trials. The merged section is validated against the schema; a violation raises a
one-line :class:`~fairopt.core.errors.ConfigError` naming the key path, the value and what is
allowed.

**Registries.** A study's methods are looked up by name in one :class:`Registry` (no ``if/elif``
dispatch); the schema's list of allowed method names is pinned to the registry by a test.

**Paper numbers** live in ``workflow/paper/<study>.yaml`` only; :func:`load_paper` reads one and
checks the sections a scorecard needs; :func:`setting_differences` lists where a run's settings
depart from the paper's (the schema defaults), which makes a scorecard row ``not comparable``.
"""
from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from fairopt.core.config_check import resolve_ref, schema_problem
from fairopt.core.errors import ConfigError, DataError

__all__ = ["SCALES", "deep_merge", "schema", "schema_defaults", "entry_defaults", "presets", "resolve_settings",
           "validate_section", "Registry", "load_paper", "setting_differences"]

#: the scales every study offers (``paper`` = the schema defaults)
SCALES = ("paper", "reduced", "smoke")

T = TypeVar("T")


def deep_merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Recursive merge of mappings (copies): values of ``update`` win; nested mappings merge."""
    out = copy.deepcopy(dict(base))
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _package_file(study: str, name: str) -> str:
    try:
        return resources.files(f"fairopt.studies.{study}").joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        raise ConfigError(f"unknown study {study!r}: no fairopt.studies.{study}/{name}") from None


@functools.lru_cache(maxsize=None)
def _schema(study: str) -> dict[str, Any]:
    return yaml.safe_load(_package_file(study, "schema.yaml"))


def schema(study: str) -> dict[str, Any]:
    """The JSON schema of a study's config section (``fairopt/studies/<study>/schema.yaml``)."""
    return copy.deepcopy(_schema(study))


def _defaults(node: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    node = resolve_ref(node, root)
    props = node.get("properties")
    if props is None:
        return copy.deepcopy(node.get("default"))
    out = copy.deepcopy(node.get("default", {})) if isinstance(node.get("default", {}), Mapping) else {}
    for key, sub in props.items():
        sub_resolved = resolve_ref(sub, root)
        if "default" in sub_resolved or "properties" in sub_resolved:
            value = _defaults(sub_resolved, root)
            if value is None and "default" not in sub_resolved:
                continue
            if key in out:  # an enclosing default wins (as in JSON-schema default filling)
                if isinstance(value, Mapping) and isinstance(out[key], Mapping):
                    out[key] = deep_merge(value, out[key])
                continue
            out[key] = value
    return out


def schema_defaults(study: str) -> dict[str, Any]:
    """The section the schema's defaults describe: the paper's settings of ``study``.

    A property's ``default`` is taken as given; an object with ``properties`` contributes the
    defaults of its properties (recursively), the same values Snakemake's ``validate`` fills in.
    """
    return _defaults(_schema(study), _schema(study))


def entry_defaults(study: str, *path: str) -> dict[str, Any]:
    """Defaults of the entries of a name -> entry mapping of the schema (its ``additionalProperties``).

    E.g. ``entry_defaults("fdfl", "methods")``: the default fields of every FDFL method entry.
    JSON-schema validation fills no defaults inside such mappings; this is where they are read.
    """
    node: Mapping[str, Any] = _schema(study)
    for part in path:
        node = resolve_ref(node, _schema(study))["properties"][part]
    entry = resolve_ref(node, _schema(study)).get("additionalProperties")
    if not isinstance(entry, Mapping):
        raise ConfigError(f"schema of {study}: {'.'.join(path)} is not a mapping of entries")
    return _defaults({**entry, "default": {}}, _schema(study))


@functools.lru_cache(maxsize=None)
def _presets(study: str) -> dict[str, Any]:
    raw = yaml.safe_load(_package_file(study, "presets.yaml")) or {}
    bad = sorted(set(raw) - set(SCALES))
    if bad:
        raise ConfigError(f"fairopt/studies/{study}/presets.yaml: unknown scale(s) {bad}; expected {list(SCALES)}")
    if "paper" in raw:
        raise ConfigError(f"fairopt/studies/{study}/presets.yaml: 'paper' is the schema defaults, not a preset")
    return raw


def presets(study: str) -> dict[str, Any]:
    """``{scale: partial section}`` of ``study`` (``paper`` maps to ``{}``)."""
    return {"paper": {}, **copy.deepcopy(_presets(study))}


def validate_section(section: Mapping[str, Any], study: str, *, prefix: str | None = None) -> None:
    """Validate a resolved section against the study's schema; the first problem is raised.

    Raises:
        ConfigError: ``config key <study>.<path>: <value> -- <what is allowed>``, one line
            (:func:`fairopt.core.config_check.schema_problem`; for an unknown key the allowed keys
            nearest to it are named; a non-finite number is a problem too).
    """
    problem = schema_problem(section, _schema(study), prefix=prefix or study,
                             source=f"src/fairopt/studies/{study}/schema.yaml")
    if problem is not None:
        raise problem.error()


def resolve_settings(study: str, explicit: Mapping[str, Any] | None = None, *,
                     default_scale: str | None = None) -> dict[str, Any]:
    """The settings of one run of ``study`` (module docstring: defaults, preset, explicit keys).

    Args:
        study: Study name (a package under :mod:`fairopt.studies`).
        explicit: The keys the user set for the section (``None``: none).
        default_scale: Scale when the section sets none (the top-level ``scale``); ``paper`` if ``None``.

    Returns:
        The merged, validated section (a new dict), with ``scale`` set.

    Raises:
        ConfigError: Unknown scale, or a value the schema rejects (names the key).
    """
    explicit = dict(explicit or {})
    scale = explicit.get("scale", default_scale or "paper")
    if scale not in SCALES:
        raise ConfigError(f"config key {study}.scale: {scale!r} -- expected one of {list(SCALES)}")
    table = presets(study)
    if scale not in table:
        raise ConfigError(f"config key {study}.scale: no preset {scale!r} for this study "
                          f"(fairopt/studies/{study}/presets.yaml has {sorted(table)})")
    settings = deep_merge(deep_merge(schema_defaults(study), table[scale]), explicit)
    settings["scale"] = scale
    validate_section(settings, study)
    return settings


class _Lazy:
    """A registry entry given as ``"module:attribute"``."""

    def __init__(self, target: str) -> None:
        self.target = target

    def load(self) -> Any:
        import importlib

        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)


class Registry(Generic[T]):
    """Entries looked up by name: a study's methods (or any other named alternatives).

    Entries are added with :meth:`register` (a decorator) or :meth:`register_path` (a
    ``"module:attribute"`` imported on first use, so that listing names and labels never imports
    torch or a solver) and looked up with :meth:`get`, which fails with a one-line
    :class:`~fairopt.core.errors.ConfigError` naming the config key and the registered names.
    Iteration follows registration order.

    Args:
        what: What the entries are (for messages), e.g. ``"fairness-layer method"``.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, T] = {}
        self._info: dict[str, dict[str, Any]] = {}

    def register(self, name: str, **info: Any) -> Callable[[T], T]:
        """Decorator adding ``name`` -> the decorated object (``info``: e.g. a display label)."""
        def add(entry: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.what} {name!r} registered twice")
            self._entries[name] = entry
            self._info[name] = dict(info)
            return entry

        return add

    def register_path(self, name: str, target: str, **info: Any) -> None:
        """Add ``name`` -> the object at ``target`` (``"package.module:attribute"``), imported on first :meth:`get`."""
        self.register(name, **info)(_Lazy(target))  # type: ignore[arg-type]

    def get(self, name: str, *, key: str | None = None) -> T:
        """The entry of ``name``.

        Raises:
            ConfigError: ``name`` is not registered (the message names ``key`` when given).
        """
        if name not in self._entries:
            where = f"config key {key}: " if key else ""
            raise ConfigError(f"{where}unknown {self.what} {name!r}; expected one of {list(self._entries)}")
        entry = self._entries[name]
        if isinstance(entry, _Lazy):
            entry = self._entries[name] = entry.load()
        return entry

    def info(self, name: str) -> dict[str, Any]:
        """The ``info`` given at registration (no import of a lazy entry)."""
        if name not in self._info:
            raise ConfigError(f"unknown {self.what} {name!r}; expected one of {list(self._entries)}")
        return dict(self._info[name])

    def names(self) -> tuple[str, ...]:
        """Registered names in registration order."""
        return tuple(self._entries)

    def check(self, names: Sequence[str], *, key: str) -> list[str]:
        """``names`` as a list if all are registered and distinct, else a one-line ConfigError."""
        bad = [n for n in names if n not in self._entries]
        if bad:
            raise ConfigError(f"config key {key}: unknown {self.what}(s) {bad}; expected {list(self._entries)}")
        if len(set(names)) != len(names):
            raise ConfigError(f"config key {key}: duplicate {self.what}s in {list(names)}")
        return list(names)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def load_paper(path: str | Path, sections: Sequence[str] = ()) -> dict[str, Any]:
    """Read ``workflow/paper/<study>.yaml`` (the papers' numbers) and check its sections.

    Raises:
        DataError: Missing file, malformed YAML, or a missing section (names the file and section).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: paper-number file not found")
    try:
        paper = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: malformed YAML ({exc})") from None
    missing = [s for s in sections if s not in paper]
    if missing:
        raise DataError(f"{path}: missing section(s) {missing}")
    return paper


# ------------------------------------------------------------------ scorecard basis
def _flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _short(v: Any) -> str:
    text = str(v)
    return text if len(text) <= 40 else text[:37] + "..."


def setting_differences(section: Mapping[str, Any], paper: Mapping[str, Any], keys: Sequence[str], *,
                        ignore: Sequence[str] = ()) -> list[str]:
    """``"key: value (paper: value)"`` for every leaf under ``keys`` that differs from the paper's
    settings (a study's schema defaults): what makes a scorecard row ``not comparable``."""
    ours = _flatten({k: section[k] for k in keys})
    theirs = _flatten({k: paper[k] for k in keys})
    return [f"{k}: {_short(ours[k])} (paper: {_short(theirs.get(k))})" for k in sorted(ours)
            if k not in ignore and ours[k] != theirs.get(k)]
