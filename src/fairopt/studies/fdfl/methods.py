r"""FDFL methods: a method is a configuration; its training loss is looked up in registries.

A method (config ``fdfl.methods.<name>``; the paper's methods are the schema's defaults) is one
combination of

* ``framework`` (registry :data:`FRAMEWORKS`): ``two_stage`` (fit risks by MSE, then decide) or
  ``dfl`` (fit risks by the normalised regret of the decisions they induce, paper eq. 6);
* ``prediction_fairness`` (registry :data:`PREDICTION_FAIRNESS`): ``none``, ``mean_gap``
  (F = |mean r_hat(white) - mean r_hat(black)|, the paper's statistical disparity), ``mse_gap``
  (accuracy parity |MSE_white - MSE_black|, the paper's section 3.3) -- both a penalty
  ``lambda * F`` from :func:`fairopt.core.metrics.group_gap` -- or ``layer`` (guaranteed parity of
  the predicted risk per batch by the fairness layer, tolerance ``layer_eps``; no penalty);
* ``alpha``: decision fairness of the allocation (``0`` utilitarian, ``1`` proportional, ``2`` the
  paper's setting, ``inf`` maximin);
* ``gradient`` (DFL only): a decision layer of :func:`fairopt.methods.alpha_fair.decision_function`
  -- ``closed_form`` (autograd through Prop. 4.1), ``analytic`` (the Jacobian of Prop. 4.2),
  ``dbb`` (perturbation of eqs. 7-8 with step ``dbb_lambda``) or ``finite_difference`` (central
  differences with relative step ``fd_step``).

Tables (``fdfl.tables``) are ordered lists of method names (:func:`resolve_tables` checks them).
Adding a method is adding a config entry; adding a *kind* of method (a new framework or fairness
notion) is one registered function here.

Shared trainings: a trial's result depends only on the fields that enter training
(:func:`training_key`: framework, prediction fairness and its weight, alpha, and the gradient
estimator with its own step -- ``label`` and ``paper_row`` do not, nor do fields a method ignores,
e.g. ``gradient`` of a two-stage method or ``fd_step`` of a closed-form one; every trial starts from
the same weights and seeds). Methods with equal keys are trained once: :func:`shared_trainings` maps
each method to the first configured method with its key, whose trial files every table reads
(e.g. the default ``grid`` table's ``grid_dfl_decision`` is ``dfl``'s configuration).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import torch

from fairopt.core import metrics
from fairopt.core.errors import ConfigError, DataError
from fairopt.methods.alpha_fair.layers import DECISION_FUNCTIONS, alpha_fair_decision, decision_function, regret_loss
from fairopt.studies.common import Registry, entry_defaults

__all__ = ["Method", "FRAMEWORKS", "PREDICTION_FAIRNESS", "parse_methods", "parse_alpha", "resolve_tables",
           "method_record", "training_key", "shared_trainings", "alpha_text"]

#: framework -> ``base_loss(method, batch, r_hat, *, Q, cost, risk_floor) -> (loss, regret value)``
FRAMEWORKS: Registry[Callable[..., tuple[torch.Tensor, torch.Tensor]]] = Registry("FDFL framework")
#: prediction fairness -> ``penalty(r, r_hat, race)`` (``None``: no penalty term)
PREDICTION_FAIRNESS: Registry[Callable[..., Any] | None] = Registry("FDFL prediction-fairness notion")


@FRAMEWORKS.register("two_stage")
def two_stage_loss(method: Method, batch: Any, r_hat: torch.Tensor, *, Q: float, cost: float,
                   risk_floor: float) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Two-stage: :math:`\frac1{|B|}\sum_{i\in B}(\hat r_i - r_i)^2`; the regret of the batch is logged only."""
    d_star = alpha_fair_decision(batch.r, batch.g, cost, Q, method.alpha)
    with torch.no_grad():
        d_hat = alpha_fair_decision(r_hat.detach(), batch.g, cost, Q, method.alpha)
        regret_value = regret_loss(d_hat, batch.r, batch.g, method.alpha, d_star=d_star)
    return metrics.mse(batch.r, r_hat), regret_value


@FRAMEWORKS.register("dfl")
def dfl_loss(method: Method, batch: Any, r_hat: torch.Tensor, *, Q: float, cost: float,
             risk_floor: float) -> tuple[torch.Tensor, torch.Tensor]:
    r"""DFL (eq. 6): :math:`\frac{W(d^*(r); r) - W(d^*(\hat r); r)}{|W(d^*(r); r)|}` through the method's decision layer."""
    d_star = alpha_fair_decision(batch.r, batch.g, cost, Q, method.alpha)
    decide = decision_function(method.gradient, g=batch.g, c=cost, Q=Q, alpha=method.alpha,
                               lam=method.dbb_lambda, h=method.fd_step, relative=True, clamp_min=risk_floor,
                               key=f"fdfl.methods.{method.name}.gradient")
    base = regret_loss(decide(r_hat), batch.r, batch.g, method.alpha, d_star=d_star)
    return base, base.detach()


PREDICTION_FAIRNESS.register("none")(None)
PREDICTION_FAIRNESS.register("mean_gap")(lambda r, r_hat, race: metrics.group_gap("mean_gap", r, r_hat, race))
PREDICTION_FAIRNESS.register("mse_gap")(lambda r, r_hat, race: metrics.group_gap("mse_gap", r, r_hat, race))
PREDICTION_FAIRNESS.register("layer", layer=True)(None)


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
    """One FDFL method (module docstring). Built by :func:`parse_methods` (defaults: the schema's)."""

    name: str
    framework: str
    prediction_fairness: str
    lam: float
    alpha: float
    gradient: str
    dbb_lambda: float
    fd_step: float
    layer_eps: float
    label: str
    paper_row: str

    def __post_init__(self) -> None:
        key = f"fdfl.methods.{self.name}"
        FRAMEWORKS.get(self.framework, key=f"{key}.framework")
        PREDICTION_FAIRNESS.get(self.prediction_fairness, key=f"{key}.prediction_fairness")
        if self.gradient not in DECISION_FUNCTIONS:
            raise ConfigError(f"config key {key}.gradient: {self.gradient!r}; expected one of {list(DECISION_FUNCTIONS)}")
        if self.lam < 0 or not math.isfinite(self.lam):
            raise ConfigError(f"config key {key}.lambda: expected a finite number >= 0, got {self.lam}")
        if not self.alpha >= 0:
            raise ConfigError(f"config key {key}.alpha: expected a number >= 0 or 'inf', got {self.alpha}")
        if self.dbb_lambda <= 0 or self.fd_step <= 0 or self.layer_eps < 0:
            raise ConfigError(f"config key {key}: dbb_lambda and fd_step must be > 0, layer_eps >= 0")
        penalised = PREDICTION_FAIRNESS.get(self.prediction_fairness) is not None
        if penalised and self.lam == 0:
            raise ConfigError(f"config key {key}: prediction_fairness {self.prediction_fairness!r} needs lambda > 0 "
                              "(use prediction_fairness: none for lambda 0)")
        if not penalised and self.lam != 0:
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

    @property
    def uses_layer(self) -> bool:
        """Whether the fairness layer projects the predictions (``prediction_fairness: layer``)."""
        return bool(PREDICTION_FAIRNESS.info(self.prediction_fairness).get("layer"))

    def base_loss(self, batch: Any, r_hat: torch.Tensor, *, Q: float, cost: float,
                  risk_floor: float) -> tuple[torch.Tensor, torch.Tensor]:
        """The framework's loss of one batch and the batch's regret (registry :data:`FRAMEWORKS`)."""
        return FRAMEWORKS.get(self.framework)(self, batch, r_hat, Q=Q, cost=cost, risk_floor=risk_floor)

    def penalty(self, r: torch.Tensor, r_hat: torch.Tensor, race: torch.Tensor) -> torch.Tensor | None:
        """The prediction-fairness term ``F`` of the loss (``None`` without a penalty)."""
        fn = PREDICTION_FAIRNESS.get(self.prediction_fairness)
        return None if fn is None else fn(r, r_hat, race)

    def to_dict(self) -> dict[str, Any]:
        """The method as written into every trial result."""
        return {"name": self.name, "framework": self.framework, "prediction_fairness": self.prediction_fairness,
                "lambda": self.lam, "alpha": "inf" if math.isinf(self.alpha) else self.alpha,
                "gradient": self.gradient if self.framework == "dfl" else None,
                "dbb_lambda": self.dbb_lambda, "fd_step": self.fd_step, "layer_eps": self.layer_eps,
                "label": self.display, "paper_row": self.paper_row}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Method:
        """The method of a trial file's ``method`` record (:meth:`to_dict`); a two-stage record's
        ``gradient`` (``None``) becomes ``closed_form``, which its training ignores.

        Raises:
            DataError: the record lacks a field.
        """
        try:
            return cls(name=record["name"], framework=record["framework"],
                       prediction_fairness=record["prediction_fairness"], lam=float(record["lambda"]),
                       alpha=parse_alpha(record["alpha"], f"method record {record['name']}.alpha"),
                       gradient=record["gradient"] or "closed_form", dbb_lambda=float(record["dbb_lambda"]),
                       fd_step=float(record["fd_step"]), layer_eps=float(record["layer_eps"]),
                       label=record["label"], paper_row=record["paper_row"])
        except KeyError as exc:
            raise DataError(f"trial method record lacks field {exc.args[0]!r}") from None


def method_record(method: Method) -> dict[str, Any]:
    """The canonical fields of a parsed method (``Method(**method_record(m)) == m``): what a job receives."""
    return {f.name: getattr(method, f.name) for f in fields(Method)}


def training_key(method: Method) -> tuple[tuple[str, Any], ...]:
    """The fields of ``method`` that enter its training (module docstring, "Shared trainings").

    Fields the method ignores are left out: ``gradient``, ``dbb_lambda`` and ``fd_step`` of a
    two-stage method; ``dbb_lambda`` unless the gradient is ``dbb``; ``fd_step`` unless it is
    ``finite_difference``; ``layer_eps`` unless ``prediction_fairness`` is ``layer``.
    """
    key: dict[str, Any] = {"framework": method.framework, "prediction_fairness": method.prediction_fairness,
                           "lambda": method.lam, "alpha": method.alpha}
    if method.framework == "dfl":
        key["gradient"] = method.gradient
        if method.gradient == "dbb":
            key["dbb_lambda"] = method.dbb_lambda
        if method.gradient == "finite_difference":
            key["fd_step"] = method.fd_step
    if method.uses_layer:
        key["layer_eps"] = method.layer_eps
    return tuple(key.items())


def shared_trainings(methods: Mapping[str, Method]) -> dict[str, str]:
    """Method name -> the name whose trial files it reads: the first method (in ``methods``' order)
    with the same :func:`training_key` (itself when none comes before it)."""
    first: dict[tuple[tuple[str, Any], ...], str] = {}
    return {name: first.setdefault(training_key(m), name) for name, m in methods.items()}


def alpha_text(alpha: float) -> str:
    """A decision-fairness alpha for tables: ``0 (utilitarian)``, ``1 (proportional)``, ``inf (maximin)``,
    else the number (``2``)."""
    alpha = float(alpha)
    if math.isinf(alpha):
        return "inf (maximin)"
    return {0.0: "0 (utilitarian)", 1.0: "1 (proportional)"}.get(alpha, f"{alpha:g}")


def parse_methods(methods: Mapping[str, Mapping[str, Any]], default_alpha: float | str) -> dict[str, Method]:
    """Build :class:`Method` objects from the ``fdfl.methods`` config mapping.

    Fields a method entry leaves out take the schema's entry defaults (``alpha``: ``default_alpha``).

    Args:
        methods: ``{name: {framework, prediction_fairness, lambda, alpha, gradient, ...}}``.
        default_alpha: ``fdfl.decision.alpha``, used where a method gives no alpha.

    Raises:
        ConfigError: A malformed entry or an inconsistent method (names the key).
    """
    defaults = entry_defaults("fdfl", "methods")
    known = set(defaults) | {"framework", "alpha"}
    out = {}
    for name, spec in methods.items():
        if not isinstance(spec, Mapping):
            raise ConfigError(f"config key fdfl.methods.{name}: expected a mapping of method fields, got {spec!r}")
        unknown = set(spec) - known
        if unknown:
            raise ConfigError(f"config key fdfl.methods.{name}: unknown field(s) {sorted(unknown)}; "
                              f"expected {sorted(known)}")
        if "framework" not in spec:
            raise ConfigError(f"config key fdfl.methods.{name}.framework is required ({' or '.join(FRAMEWORKS)})")
        entry = {**defaults, **spec}
        out[name] = Method(
            name=name,
            framework=entry["framework"],
            prediction_fairness=entry["prediction_fairness"],
            lam=float(entry["lambda"]),
            alpha=parse_alpha(entry.get("alpha", default_alpha), f"fdfl.methods.{name}.alpha"),
            gradient=entry["gradient"],
            dbb_lambda=float(entry["dbb_lambda"]),
            fd_step=float(entry["fd_step"]),
            layer_eps=float(entry["layer_eps"]),
            label=entry["label"],
            paper_row=entry["paper_row"],
        )
    return out


def resolve_tables(tables: Mapping[str, list[str]], methods: Mapping[str, Any],
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
