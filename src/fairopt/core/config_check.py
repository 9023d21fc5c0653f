"""Config checks that run when the workflow is parsed: one line per problem, before any job starts.

* :func:`schema_problem` -- validate a config (section) against a JSON schema and return its first
  problem as **one line**: the key path, the value and what is allowed (for an unknown key, the
  allowed keys nearest to it). Every study section and the top-level config go through it; the
  whole validator message (schema fragment and all) is :attr:`ConfigProblem.detail`, for the log.
* :func:`non_finite_number` -- JSON schema's ``number`` admits YAML's ``.inf`` and ``.nan``; no
  number of fairopt's configs may be non-finite (``alpha: inf`` is the *string* ``inf``).
* :func:`check_top_level` -- the top-level config and its ``obermeyer`` section against
  ``workflow/schemas/`` (the study sections are checked by their own schemas);
* :func:`stop_on_error` -- what the workflow wraps its parse-time checks in: a fairopt error stops
  it before any job with one line on stderr (``fairopt: <message> (details: logs/config_error.log)``),
  the detail and traceback going to the log;
* :func:`check_solvers` -- every key a schema marks ``x-solver: conic | mixed-integer`` names a solver
  that is installed and licensed (:func:`fairopt.core.solvers.resolve_solver`), so that MOSEK asked
  for but absent fails at parse time, naming the key the user set (``fairreg.solvers.mio``), and not
  inside a job.
"""
from __future__ import annotations

import difflib
import math
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fairopt.core.errors import ConfigError, FairoptError

__all__ = ["CONFIG_ERROR_LOG", "ConfigProblem", "resolve_ref", "schema_problem", "non_finite_number", "solver_keys",
           "check_solvers", "check_top_level", "stop_on_error"]

#: where :func:`stop_on_error` writes the detail of a parse-time error (relative to the working directory)
CONFIG_ERROR_LOG = "logs/config_error.log"


@dataclass(frozen=True)
class ConfigProblem:
    """A config problem: the one-line message and the validator's whole story (for the log)."""

    message: str
    detail: str = ""

    def error(self) -> ConfigError:
        """The problem as a ConfigError (its ``detail`` attribute holds :attr:`detail`)."""
        exc = ConfigError(self.message)
        exc.detail = self.detail  # type: ignore[attr-defined]
        return exc


def _path(prefix: str, parts: Sequence[Any]) -> str:
    return ".".join([p for p in (prefix, *(str(x) for x in parts)) if p])


def resolve_ref(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """``node`` with its local ``$ref`` (``#/...`` into ``root``) merged in, recursively.

    Raises:
        ConfigError: A reference that is not local.
    """
    ref = node.get("$ref")
    if not ref:
        return node
    if not ref.startswith("#/"):
        raise ConfigError(f"schema reference {ref!r}: only local references (#/...) are supported")
    target: Any = root
    for part in ref[2:].split("/"):
        target = target[part]
    return resolve_ref({**target, **{k: v for k, v in node.items() if k != "$ref"}}, root)


def _short(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def schema_problem(instance: Mapping[str, Any], schema: Mapping[str, Any], *, prefix: str = "",
                   source: str | None = None) -> ConfigProblem | None:
    """The first problem of ``instance`` under ``schema`` (shallowest key first), or ``None``.

    An unknown key's message names the key path, the allowed keys nearest to it and every allowed key
    of that mapping, and (``source``) the schema file, never the schema itself.

    Args:
        instance: The config (section) as merged.
        schema: Its JSON schema (draft 2020-12; local ``$ref`` only).
        prefix: Key path of ``instance`` in the whole config (e.g. ``"fdfl"``; ``""``: top level).
        source: The schema's file, named in an unknown key's message (``None``: not named).
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(dict(instance)), key=lambda e: (len(e.path), list(map(str, e.path))))
    if not errors:
        return non_finite_number(instance, prefix=prefix)
    err = errors[0]
    where = _path(prefix, list(err.absolute_path)) or "(top level)"
    if err.validator == "additionalProperties" and isinstance(err.instance, Mapping):
        allowed = sorted(resolve_ref(err.schema, schema).get("properties", {}))
        hints = []
        for key in sorted(set(err.instance) - set(allowed)):
            near = difflib.get_close_matches(str(key), allowed, n=3)
            hints.append(f"{key!r}" + (f" (did you mean {', '.join(near)}?)" if near else ""))
        message = f"config key {where}: unknown key(s) {', '.join(hints)}; allowed: {', '.join(allowed)}"
        if source is not None:
            message += f"; schema: {source}, every key: config/README.md"
    else:
        what = err.message.splitlines()[0][:200]
        if err.validator == "enum":
            what = f"expected one of {list(err.validator_value)}"
        elif err.validator == "type" and isinstance(err.instance, str):
            what += " (a quoted number is a string: write it without quotes)"
        message = f"config key {where}: {_short(err.instance)} -- {what}"
    return ConfigProblem(message, str(err))


def non_finite_number(value: Any, *, prefix: str = "") -> ConfigProblem | None:
    """The first non-finite float inside ``value`` (nested mappings and lists), or ``None``."""
    if isinstance(value, float) and not math.isfinite(value):
        return ConfigProblem(f"config key {prefix or '(top level)'}: {value!r} -- expected a finite number")
    children: Iterator[tuple[Any, Any]] = iter(())
    if isinstance(value, Mapping):
        children = iter(value.items())
    elif isinstance(value, (list, tuple)):
        children = iter(enumerate(value))
    for key, item in children:
        problem = non_finite_number(item, prefix=_path(prefix, [key]))
        if problem is not None:
            return problem
    return None


def solver_keys(schema: Mapping[str, Any], *, root: Mapping[str, Any] | None = None,
                path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """``(key path, "conic" | "mixed-integer")`` of every property marked ``x-solver`` in ``schema``."""
    root = schema if root is None else root
    node = resolve_ref(schema, root)
    if "x-solver" in node:
        kind = node["x-solver"]
        if kind not in ("conic", "mixed-integer"):
            raise ConfigError(f"schema key {'.'.join(path)}: x-solver {kind!r}; expected conic or mixed-integer")
        yield path, kind
    for key, sub in (node.get("properties") or {}).items():
        yield from solver_keys(sub, root=root, path=(*path, key))


def check_solvers(section: Mapping[str, Any], schema: Mapping[str, Any], *, prefix: str) -> None:
    """Resolve every ``x-solver`` key of ``section``; raise naming the key when one is unusable.

    Raises:
        ConfigError: Unknown solver name.
        SolverError: Solver not installed or not licensed.
    """
    from fairopt.core.solvers import resolve_solver

    for path, kind in solver_keys(schema):
        value: Any = section
        for part in path:
            if not isinstance(value, Mapping) or part not in value:
                value = None
                break
            value = value[part]
        if value is not None:
            resolve_solver(value, mixed_integer=kind == "mixed-integer", key=_path(prefix, path))


def check_top_level(config: Mapping[str, Any], top_schema: str | Path, obermeyer_schema: str | Path) -> None:
    """Check the top-level keys and the ``obermeyer`` section (``top_schema``, i.e.
    ``workflow/schemas/config.schema.yaml``, with ``obermeyer_schema`` in place of its reference) and
    every number in the config.

    Raises:
        ConfigError: The first problem, in one line naming the schema file.
    """
    import yaml

    top = yaml.safe_load(Path(top_schema).read_text(encoding="utf-8"))
    top["properties"]["obermeyer"] = yaml.safe_load(Path(obermeyer_schema).read_text(encoding="utf-8"))
    problem = schema_problem(config, top, source=f"{top_schema}, {obermeyer_schema}")
    if problem is not None:
        raise problem.error()


def stop_on_error(check: Callable[..., Any], *args: Any, log: str | Path = CONFIG_ERROR_LOG, **kwargs: Any) -> Any:
    """``check(*args, **kwargs)``; a :class:`~fairopt.core.errors.FairoptError` prints one line and
    exits with status 1 (``SystemExit``: Snakemake prints no traceback), the detail going to ``log``."""
    try:
        return check(*args, **kwargs)
    except FairoptError as exc:
        path = Path(log)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{exc}\n\n{getattr(exc, 'detail', '')}\n\n{traceback.format_exc()}", encoding="utf-8")
        print(f"fairopt: {exc} (details: {path})", file=sys.stderr)
        raise SystemExit(1) from None
