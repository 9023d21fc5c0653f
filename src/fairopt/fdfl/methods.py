"""FDFL methods as configuration, not code.

A method is one combination of

* ``framework``: ``two_stage`` (fit risks by MSE, then decide) or ``dfl`` (fit risks by the regret
  of the decisions they induce, paper eq. 6);
* ``prediction_fairness``: ``none``, ``mean_gap`` (F = |mean r_hat(white) - mean r_hat(black)|,
  the paper's statistical disparity), ``mse_gap`` (accuracy parity |MSE_white - MSE_black|, the
  paper's section 3.3), or ``layer`` (guaranteed parity of predicted risk per batch by the
  fairness layer, tolerance ``layer_eps``); ``lambda`` weighs the penalty (ignored by ``layer``);
* ``alpha``: decision fairness of the allocation (``0`` utilitarian, ``1`` proportional,
  ``2`` the paper's setting, ``inf`` maximin);
* ``gradient`` (DFL only): ``closed_form`` (autograd through Prop. 4.1), ``analytic`` (the
  Jacobian of Prop. 4.2), ``dbb`` (perturbation of eqs. 7-8 with step ``dbb_lambda``) or
  ``finite_difference`` (central differences with step ``fd_step``).

Methods live in config (``fdfl.methods``); tables (``fdfl.tables``) are ordered lists of method
names (:func:`resolve_tables` checks them). Adding a method is adding a config entry.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from fairopt.errors import ConfigError

__all__ = ["Method", "parse_methods", "parse_alpha", "resolve_tables", "FRAMEWORKS", "FAIRNESS", "GRADIENTS",
           "METHOD_FIELDS"]

FRAMEWORKS = ("two_stage", "dfl")
FAIRNESS = ("none", "mean_gap", "mse_gap", "layer")
GRADIENTS = ("closed_form", "analytic", "dbb", "finite_difference")
#: fields a method entry of ``fdfl.methods`` may have
METHOD_FIELDS = ("framework", "prediction_fairness", "lambda", "alpha", "gradient", "dbb_lambda", "fd_step",
                 "layer_eps", "label", "paper_row")


def parse_alpha(value: Any, key: str) -> float:
    """A config alpha: a number ``>= 0`` or ``"inf"`` (maximin).

    Raises:
        ConfigError: anything else (the message names ``key``).
    """
    if isinstance(value, str):
        if value.lower() in ("inf", "infinity", "maximin"):
            return math.inf
        raise ConfigError(f"config key {key}: alpha {value!r}; expected a number >= 0 or 'inf'")
    try:
        alpha = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"config key {key}: alpha {value!r}; expected a number >= 0 or 'inf'") from None
    if not alpha >= 0:
        raise ConfigError(f"config key {key}: alpha {value!r}; expected a number >= 0 or 'inf'")
    return alpha


@dataclass(frozen=True)
class Method:
    """One FDFL method (see the module docstring for the fields)."""

    name: str
    framework: str
    prediction_fairness: str = "none"
    lam: float = 0.0
    alpha: float = 2.0
    gradient: str = "closed_form"
    dbb_lambda: float = 1.0
    fd_step: float = 1e-4
    layer_eps: float = 0.0
    label: str = ""
    paper_row: str = ""

    def __post_init__(self) -> None:
        key = f"fdfl.methods.{self.name}"
        if self.framework not in FRAMEWORKS:
            raise ConfigError(f"config key {key}.framework: {self.framework!r}; expected one of {FRAMEWORKS}")
        if self.prediction_fairness not in FAIRNESS:
            raise ConfigError(f"config key {key}.prediction_fairness: {self.prediction_fairness!r}; "
                              f"expected one of {FAIRNESS}")
        if self.gradient not in GRADIENTS:
            raise ConfigError(f"config key {key}.gradient: {self.gradient!r}; expected one of {GRADIENTS}")
        if self.lam < 0 or not math.isfinite(self.lam):
            raise ConfigError(f"config key {key}.lambda: expected a finite number >= 0, got {self.lam}")
        if not self.alpha >= 0:
            raise ConfigError(f"config key {key}.alpha: expected a number >= 0 or 'inf', got {self.alpha}")
        if self.dbb_lambda <= 0 or self.fd_step <= 0 or self.layer_eps < 0:
            raise ConfigError(f"config key {key}: dbb_lambda and fd_step must be > 0, layer_eps >= 0")
        if self.prediction_fairness in ("mean_gap", "mse_gap") and self.lam == 0:
            raise ConfigError(f"config key {key}: prediction_fairness {self.prediction_fairness!r} needs lambda > 0 "
                              "(use prediction_fairness: none for lambda 0)")
        if self.prediction_fairness in ("none", "layer") and self.lam != 0:
            raise ConfigError(f"config key {key}.lambda: {self.lam} has no effect with prediction_fairness "
                              f"{self.prediction_fairness!r} (a penalty weight needs mean_gap or mse_gap)")
        if self.framework == "dfl" and self.alpha == 1:
            raise ConfigError(f"config key {key}.alpha: with alpha = 1 the decision d_i = Q / (n c_i) does not "
                              "depend on the predictions, so decision-focused training has no signal")
        if self.framework == "dfl" and self.alpha == 0 and self.gradient != "dbb":
            raise ConfigError(f"config key {key}.gradient: with alpha = 0 the decision is piecewise constant in "
                              f"the predictions, so {self.gradient!r} is zero almost everywhere; use gradient: dbb")

    @property
    def display(self) -> str:
        return self.label or self.name

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "framework": self.framework, "prediction_fairness": self.prediction_fairness,
                "lambda": self.lam, "alpha": "inf" if math.isinf(self.alpha) else self.alpha,
                "gradient": self.gradient if self.framework == "dfl" else None,
                "dbb_lambda": self.dbb_lambda, "fd_step": self.fd_step, "layer_eps": self.layer_eps,
                "label": self.display, "paper_row": self.paper_row}


def parse_methods(methods: dict[str, dict[str, Any]], default_alpha: float | str) -> dict[str, Method]:
    """Build :class:`Method` objects from the ``fdfl.methods`` config mapping.

    Args:
        methods: ``{name: {framework, prediction_fairness, lambda, alpha, gradient, ...}}``.
        default_alpha: ``fdfl.decision.alpha``, used where a method gives no alpha.
    """
    out = {}
    for name, spec in methods.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"config key fdfl.methods.{name}: expected a mapping of method fields, got {spec!r}")
        spec = dict(spec)
        unknown = set(spec) - set(METHOD_FIELDS)
        if unknown:
            raise ConfigError(f"config key fdfl.methods.{name}: unknown field(s) {sorted(unknown)}; "
                              f"expected {sorted(METHOD_FIELDS)}")
        if "framework" not in spec:
            raise ConfigError(f"config key fdfl.methods.{name}.framework is required (two_stage or dfl)")
        out[name] = Method(
            name=name,
            framework=spec["framework"],
            prediction_fairness=spec.get("prediction_fairness", "none"),
            lam=float(spec.get("lambda", 0.0)),
            alpha=parse_alpha(spec.get("alpha", default_alpha), f"fdfl.methods.{name}.alpha"),
            gradient=spec.get("gradient", "closed_form"),
            dbb_lambda=float(spec.get("dbb_lambda", 1.0)),
            fd_step=float(spec.get("fd_step", 1e-4)),
            layer_eps=float(spec.get("layer_eps", 0.0)),
            label=spec.get("label", ""),
            paper_row=spec.get("paper_row", ""),
        )
    return out


def resolve_tables(tables: dict[str, list[str]], methods: dict[str, Any],
                   run_tables: list[str] | None = None) -> dict[str, list[str]]:
    """Check the ``fdfl.tables`` lists against the methods and return the tables to build.

    Args:
        tables: ``{table: [method, ...]}`` (``fdfl.tables``).
        methods: The configured methods by name (``fdfl.methods``).
        run_tables: Tables built by default (``fdfl.run_tables``); ``None`` = all.

    Returns:
        ``{table: [method, ...]}`` for the tables to build, in ``run_tables`` order.

    Raises:
        ConfigError: a table naming an unknown method, an empty or repeated method list, or a
            ``run_tables`` entry naming an unknown table.
    """
    for table, names in tables.items():
        if not names:
            raise ConfigError(f"config key fdfl.tables.{table}: empty method list")
        unknown = [m for m in names if m not in methods]
        if unknown:
            raise ConfigError(f"config key fdfl.tables.{table}: unknown method(s) {unknown}; "
                              f"configured methods: {sorted(methods)}")
        if len(set(names)) != len(names):
            raise ConfigError(f"config key fdfl.tables.{table}: method listed twice in {names}")
    chosen = list(tables) if run_tables is None else list(run_tables)
    missing = [t for t in chosen if t not in tables]
    if missing:
        raise ConfigError(f"config key fdfl.run_tables: unknown table(s) {missing}; configured tables: {sorted(tables)}")
    return {t: list(tables[t]) for t in chosen}
