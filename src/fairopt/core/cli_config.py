"""Typed values for nested ``snakemake --config`` overrides.

Snakemake parses ``--config KEY=VALUE`` with ``int``, ``float``, a boolean parser and, for mappings
and lists, YAML's *BaseLoader* -- which keeps every nested scalar a string: ``--config
layer='{synthetic: {datasets: [0, 31]}}'`` arrives as ``{'synthetic': {'datasets': ['0', '31']}}``
and fails the schema's ``integer`` type. :func:`retype_scalars` gives such strings the type YAML's
safe loader would (numbers, ``true``/``false``, ``null``) and leaves every other string alone
(``yes``/``no``/``on``/``off`` stay strings: YAML 1.1's booleans would surprise).
"""
from __future__ import annotations

import math
from typing import Any

import yaml

__all__ = ["retype_scalar", "retype_scalars"]

_BOOLEANS = {"true": True, "false": False}
_NULLS = {"null", "~"}


def retype_scalar(text: str) -> Any:
    """``'120'`` -> 120, ``'1e-3'`` -> 0.001, ``'.inf'`` -> inf, ``'true'`` -> True, ``'null'`` -> None;
    anything else is returned unchanged."""
    lowered = text.strip().lower()
    if lowered in _BOOLEANS:
        return _BOOLEANS[lowered]
    if lowered in _NULLS:
        return None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value
    try:  # YAML 1.1 needs a dot in a float ('1e-3' is a string to it); Python does not
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) and lowered not in {"nan"} else text


def retype_scalars(value: Any) -> Any:
    """Apply :func:`retype_scalar` to every string inside nested dicts and lists (a new object)."""
    if isinstance(value, dict):
        return {key: retype_scalars(item) for key, item in value.items()}
    if isinstance(value, list):
        return [retype_scalars(item) for item in value]
    if isinstance(value, str):
        return retype_scalar(value)
    return value
