"""Settings shared by every FDFL trial (model, training, decision problem), read from config.

The ``fdfl`` config section (``config/config.yaml``, schema ``workflow/schemas/fdfl.schema.yaml``)
holds one set of settings for all methods; a method (:mod:`fairopt.fdfl.methods`) only says what
is trained (framework, fairness, alpha, gradient). :class:`TrialSettings` is the typed view of
the parts a trial needs, with defaults equal to the authors' run (reference note ``fdfl.md``):
one hidden layer of 64 units, dropout 0.1, Softplus output, Adam (lr 2e-3, weight decay 1e-4),
ReduceLROnPlateau (factor 0.5, patience 10, min lr 1e-4), 40 full-batch epochs, budget
``Q = 1000`` with unit costs and ``alpha = 2``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fairopt.errors import ConfigError
from fairopt.fdfl.methods import parse_alpha
from fairopt.training import OptimizerConfig, SchedulerConfig

__all__ = ["TrialSettings"]


def _section(cfg: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = cfg.get(name, {}) or {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"config key fdfl.{name}: expected a mapping, got {type(value).__name__}")
    return value


def _known(section: Mapping[str, Any], known: set[str], key: str) -> None:
    unknown = set(section) - known
    if unknown:
        raise ConfigError(f"config key {key}: unknown field(s) {sorted(unknown)}; expected {sorted(known)}")


@dataclass(frozen=True)
class TrialSettings:
    """Everything a trial needs besides its method and data.

    Attributes:
        hidden: Hidden layer widths of the risk MLP (``fdfl.model.hidden``).
        dropout: Dropout after each hidden layer.
        init_seed: Seed of the initial weights, the same for every trial and method.
        epochs: Training epochs.
        batch_size: Rows per step; ``None`` = full batch (one step per epoch). With mini-batches the
            training budget is ``Q * batch / n_train`` (the allocation problem scales with the batch).
        optimizer: Optimizer settings for :func:`fairopt.training.fit`.
        scheduler: Scheduler settings (ReduceLROnPlateau on the epoch training loss).
        risk_floor: Added to every risk when some risk is 0; predictions are clipped below at it.
        seed: Seed of dropout masks and mini-batch order; trial ``t`` uses ``seed + t``.
        Q: Budget of the allocation ``sum_i c_i d_i <= Q`` (train and test alike, as the authors).
        cost: Unit cost ``c_i`` (constant).
        alpha: Default decision fairness (a method may override it).
        eval_alphas: Extra alphas at which the test allocation's regret is also reported.
        layer_upper: Upper bound of the box ``[risk_floor, layer_upper]`` of the fairness layer
            (``prediction_fairness: layer``); the lower bound keeps projected risks positive.
        layer_backend: Fairness-layer back end (``exact`` or ``cvxpylayers``).
        history_eval: Evaluate test regret/MSE after every epoch (learning curves).
    """

    hidden: tuple[int, ...] = (64,)
    dropout: float = 0.1
    init_seed: int = 0
    epochs: int = 40
    batch_size: int | None = None
    optimizer: OptimizerConfig = field(default_factory=lambda: OptimizerConfig("adam", 2e-3, 1e-4))
    scheduler: SchedulerConfig = field(default_factory=lambda: SchedulerConfig("plateau", 0.5, 10, 1e-4))
    risk_floor: float = 1e-3
    seed: int = 0
    Q: float = 1000.0
    cost: float = 1.0
    alpha: float = 2.0
    eval_alphas: tuple[float, ...] = (2.0,)
    layer_upper: float = 1000.0
    layer_backend: str = "exact"
    history_eval: bool = True

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ConfigError(f"config key fdfl.training.epochs: expected >= 1, got {self.epochs}")
        if self.batch_size is not None and self.batch_size < 2:
            raise ConfigError(f"config key fdfl.training.batch_size: expected >= 2 or null, got {self.batch_size}")
        if not (self.Q > 0 and self.cost > 0 and self.risk_floor > 0):
            raise ConfigError("config keys fdfl.decision.Q, fdfl.decision.cost and fdfl.training.risk_floor "
                              f"must be > 0, got {self.Q}, {self.cost}, {self.risk_floor}")
        if not self.layer_upper > self.risk_floor:
            raise ConfigError(f"config key fdfl.layer.upper: expected > risk_floor ({self.risk_floor}), "
                              f"got {self.layer_upper}")

    @classmethod
    def from_config(cls, fdfl: Mapping[str, Any]) -> TrialSettings:
        """Build from the ``fdfl`` config section (missing keys take the authors' values).

        Args:
            fdfl: ``config["fdfl"]`` (or the subset with ``model``, ``training``, ``decision``,
                ``eval_alphas``, ``layer``).

        Raises:
            ConfigError: unknown fields or invalid values, naming the config key.
        """
        model, training = _section(fdfl, "model"), _section(fdfl, "training")
        decision, layer = _section(fdfl, "decision"), _section(fdfl, "layer")
        _known(model, {"hidden", "dropout", "init_seed"}, "fdfl.model")
        _known(training, {"epochs", "batch_size", "optimizer", "scheduler", "risk_floor", "seed",
                          "history_eval"}, "fdfl.training")
        _known(decision, {"Q", "alpha", "cost", "solver"}, "fdfl.decision")
        _known(layer, {"upper", "backend"}, "fdfl.layer")
        default = cls()
        try:
            optimizer = OptimizerConfig.from_dict({**vars(default.optimizer), **dict(training.get("optimizer", {}))})
            scheduler = SchedulerConfig.from_dict({**vars(default.scheduler), **dict(training.get("scheduler", {}))})
        except TypeError as exc:
            raise ConfigError(f"config key fdfl.training.optimizer/scheduler: {exc}") from None
        batch = training.get("batch_size", None)
        return cls(
            hidden=tuple(int(h) for h in model.get("hidden", default.hidden)),
            dropout=float(model.get("dropout", default.dropout)),
            init_seed=int(model.get("init_seed", default.init_seed)),
            epochs=int(training.get("epochs", default.epochs)),
            batch_size=None if batch is None else int(batch),
            optimizer=optimizer,
            scheduler=scheduler,
            risk_floor=float(training.get("risk_floor", default.risk_floor)),
            seed=int(training.get("seed", default.seed)),
            Q=float(decision.get("Q", default.Q)),
            cost=float(decision.get("cost", default.cost)),
            alpha=parse_alpha(decision.get("alpha", default.alpha), "fdfl.decision.alpha"),
            eval_alphas=tuple(parse_alpha(a, "fdfl.eval_alphas") for a in fdfl.get("eval_alphas", default.eval_alphas)),
            layer_upper=float(layer.get("upper", default.layer_upper)),
            layer_backend=str(layer.get("backend", default.layer_backend)),
            history_eval=bool(training.get("history_eval", default.history_eval)),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record of the settings (written into every trial result)."""
        return {"hidden": list(self.hidden), "dropout": self.dropout, "init_seed": self.init_seed,
                "epochs": self.epochs, "batch_size": self.batch_size, "optimizer": vars(self.optimizer),
                "scheduler": vars(self.scheduler), "risk_floor": self.risk_floor, "seed": self.seed,
                "Q": self.Q, "cost": self.cost, "alpha": _alpha_json(self.alpha),
                "eval_alphas": [_alpha_json(a) for a in self.eval_alphas], "layer_upper": self.layer_upper,
                "layer_backend": self.layer_backend, "history_eval": self.history_eval}


def _alpha_json(alpha: float) -> float | str:
    return "inf" if math.isinf(alpha) else alpha
