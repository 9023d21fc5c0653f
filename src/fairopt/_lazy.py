"""The one way a fairopt package re-exports its public names: lazily (PEP 562).

Every package ``__init__`` is a docstring (what its modules hold) followed by::

    __getattr__, __dir__, __all__ = lazy_exports(__name__, {"fairopt.pkg.module": ["name", ...]})

A name is imported from its module on first use, so importing a light module of a package (a
study's settings, an aggregation) never pulls in torch, cvxpy or SCIP through its ``__init__``.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, Sequence[str]]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``(__getattr__, __dir__, __all__)`` of ``package`` re-exporting ``exports``.

    Args:
        package: The package's ``__name__``.
        exports: ``{module: [public names defined there]}``.

    Raises:
        ValueError: A name exported by two modules, or a name that is also a submodule of the package
            (``import package.name`` would replace the exported object with the module).
    """
    import pkgutil

    namespace = importlib.import_module(package).__dict__
    submodules = {m.name for m in pkgutil.iter_modules(namespace.get("__path__", []))}
    where: dict[str, str] = {}
    for module, names in exports.items():
        for name in names:
            if name in where:
                raise ValueError(f"{package}: {name!r} exported by both {where[name]} and {module}")
            if name in submodules:
                raise ValueError(f"{package}: {name!r} is also a submodule; import it from {module}")
            where[name] = module

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__, sorted(where)
