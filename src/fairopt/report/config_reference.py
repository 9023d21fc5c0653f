"""``config/README.md``: every configuration key with its default and meaning, generated from the schemas.

The schemas are the only place a default is written (``workflow/schemas/config.schema.yaml`` for the
top-level keys and the data stage, ``src/fairopt/studies/<study>/schema.yaml`` for each study); this
module renders them as one Markdown reference, so the documentation cannot drift from the defaults
(a test compares ``config/README.md`` with :func:`config_reference`). Regenerate with::

    python -m fairopt.report.config_reference > config/README.md
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from fairopt.report.markdown import markdown_table
from fairopt.core.config_check import resolve_ref
from fairopt.studies.common import presets, schema

__all__ = ["schema_rows", "config_reference", "STUDIES"]

#: the study sections documented, in order
STUDIES = ("fdfl", "fairreg", "layer", "dafh")
_LONG = 120  # defaults longer than this (as JSON) are summarised


def _default_text(value: Any) -> str:
    text = json.dumps(value, sort_keys=False)
    if len(text) <= _LONG:
        return f"`{text}`"
    if isinstance(value, Mapping):
        return f"{len(value)} entries: " + ", ".join(f"`{k}`" for k in list(value)[:12]) + (", ..." if len(value) > 12 else "")
    return f"`{text[:_LONG]}...`"


def _type_text(node: Mapping[str, Any]) -> str:
    if "enum" in node:
        return " | ".join(f"`{v}`" for v in node["enum"])
    if "anyOf" in node:
        return " or ".join(_type_text(n) for n in node["anyOf"])
    kind = node.get("type", "")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array" and isinstance(node.get("items"), Mapping):
        inner = _type_text(node["items"])
        return f"list of {inner}" if inner else "list"
    return kind


def schema_rows(node: Mapping[str, Any], root: Mapping[str, Any], prefix: str) -> Iterator[dict[str, str]]:
    """One row per key of ``node`` (recursively, object keys as ``a.b.c``): key, type, default, description."""
    for key, sub in (node.get("properties") or {}).items():
        if not str(sub.get("$ref", "#")).startswith("#"):  # another file: documented in its own section
            continue
        sub = resolve_ref(sub, root)
        path = f"{prefix}.{key}" if prefix else key
        has_children = bool(sub.get("properties")) and sub.get("type") == "object"
        default = sub.get("default")
        yield {"key": f"`{path}`", "type": "object" if has_children else _type_text(sub),
               "default": "" if has_children or "default" not in sub else _default_text(default),
               "description": " ".join(str(sub.get("description", "")).split())}
        if has_children:
            yield from schema_rows(sub, root, path)


def config_reference(repo: str | Path = ".") -> str:
    """The Markdown reference of every configuration key (module docstring)."""
    repo = Path(repo)
    top = yaml.safe_load((repo / "workflow" / "schemas" / "config.schema.yaml").read_text(encoding="utf-8"))
    ober = yaml.safe_load((repo / "workflow" / "schemas" / "obermeyer.schema.yaml").read_text(encoding="utf-8"))
    lines = [
        "# Configuration reference",
        "",
        "Generated from the schemas by `python -m fairopt.report.config_reference > config/README.md`; do not",
        "edit by hand. Every default below is the paper's setting; `config/config.yaml` sets only what",
        "differs. A study's settings are its schema defaults, then its preset (`scale`:",
        "`src/fairopt/studies/<study>/presets.yaml`), then the keys you set in a config file or with",
        "`--config` (README, Configuration).",
        "",
        "## Top level (`workflow/schemas/config.schema.yaml`)",
        "",
    ]
    top_rows = [r for r in schema_rows(top, top, "") if r["key"] not in tuple(f"`{s}`" for s in STUDIES)]
    lines += [markdown_table(_frame(top_rows)), "## Data stage: `obermeyer` (`workflow/schemas/obermeyer.schema.yaml`)", ""]
    lines += [markdown_table(_frame(list(schema_rows(ober, ober, "obermeyer"))))]
    for study in STUDIES:
        sch = schema(study)
        lines += [f"## Study `{study}` (`src/fairopt/studies/{study}/schema.yaml`)", "",
                  " ".join(str(sch.get("description", "")).split()), ""]
        lines += [markdown_table(_frame(list(schema_rows(sch, sch, study))))]
        table = presets(study)
        lines += [f"Presets of `{study}` (`src/fairopt/studies/{study}/presets.yaml`): "
                  + "; ".join(f"`{scale}` sets " + (", ".join(f"`{k}`" for k in _leaves(body)) or "nothing (= paper)")
                              for scale, body in table.items() if scale != "paper") + ".", ""]
    return "\n".join(lines)


def _leaves(body: Mapping[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key, value in body.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping) and value:
            out += _leaves(value, path)
        else:
            out.append(path)
    return out


def _frame(rows: list[dict[str, str]]):
    import pandas as pd

    return pd.DataFrame(rows, columns=["key", "type", "default", "description"])


if __name__ == "__main__":  # pragma: no cover - the documented command
    sys.stdout.write(config_reference())
