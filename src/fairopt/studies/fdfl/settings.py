"""Settings of the FDFL study: the resolved ``fdfl`` section, its methods and tables, the trial settings.

:func:`load_settings` resolves the section (schema defaults = the authors' run, preset, explicit
keys; :func:`fairopt.studies.common.resolve_settings`), parses every method once
(:func:`fairopt.studies.fdfl.methods.parse_methods`), finds the methods that share a training
(:func:`fairopt.studies.fdfl.methods.shared_trainings`) and checks the tables. :class:`TrialSettings` is
the typed view of what one trial needs besides its method and data; it has no defaults of its own
(the schema's are the only ones): build it with :meth:`TrialSettings.from_config` from a resolved
section.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fairopt.core.device import DEVICES
from fairopt.core.errors import ConfigError
from fairopt.core.training import OptimizerConfig, SchedulerConfig
from fairopt.studies.common import resolve_settings
from fairopt.studies.fdfl.methods import Method, parse_alpha, parse_methods, resolve_tables, shared_trainings

__all__ = ["STUDY", "PAPER_TABLE", "LAYER_TABLE", "Settings", "load_settings", "TrialSettings", "trial_config"]

STUDY = "fdfl"
#: the table compared with the paper's Table 2, and the guaranteed-parity table (by name)
PAPER_TABLE = "table2"
LAYER_TABLE = "layer"


@dataclass(frozen=True)
class Settings:
    """The resolved study: the section, every method parsed, every table and the tables run.

    Attributes:
        section: The resolved ``fdfl`` config section.
        methods: Every configured method by name.
        tables: Every table (buildable by file target) -> ordered method names.
        run_tables: The tables of the default target, in order.
        trained_as: Method name -> the method whose trial files it reads (itself, or the first
            method configured identically for training; each distinct configuration is trained once).
    """

    section: dict[str, Any]
    methods: dict[str, Method]
    tables: dict[str, list[str]]
    run_tables: list[str]
    trained_as: dict[str, str]

    @property
    def trials(self) -> list[int]:
        return list(range(int(self.section["trials"])))

    @property
    def trial_blocks(self) -> list[tuple[int, ...]]:
        """The trials in blocks of ``trial_block`` consecutive trials (the last may be shorter): one
        training job per (method, block)."""
        size, trials = int(self.section["trial_block"]), self.trials
        return [tuple(trials[i:i + size]) for i in range(0, len(trials), size)]

    @property
    def trainings(self) -> list[str]:
        """The methods that are trained (one per distinct training configuration), in config order."""
        return [name for name, source in self.trained_as.items() if name == source]

    def table_rows(self, table: str) -> list[dict[str, Any]]:
        """The rows of ``table``: ``name``, ``label`` and ``source`` (the method whose trials it reads)."""
        return [{"name": m, "label": self.methods[m].display, "source": self.trained_as[m]}
                for m in self.tables[table]]


def load_settings(explicit: Mapping[str, Any] | None = None, *, default_scale: str | None = None) -> Settings:
    """Resolve and check the FDFL settings (module docstring).

    Raises:
        ConfigError: A schema violation, an inconsistent method or a bad table (names the key).
    """
    section = resolve_settings(STUDY, explicit, default_scale=default_scale)
    methods = parse_methods(section["methods"], section["decision"]["alpha"])
    tables = resolve_tables(section["tables"], methods)
    run = list(resolve_tables(section["tables"], methods, section.get("run_tables")))
    TrialSettings.from_config(section)  # every trial setting checked before any job
    return Settings(section, methods, tables, run, shared_trainings(methods))


def trial_config(section: Mapping[str, Any]) -> dict[str, Any]:
    """The config every trial shares (model, training, decision, evaluation alphas, layer, device); the
    conic solver is left out (trials use the closed form), so changing it re-runs no training, and so is
    ``trial_block`` (how trials are grouped into jobs changes no result)."""
    out = {key: section[key] for key in ("model", "training", "eval_alphas", "layer", "device")}
    out["decision"] = {k: v for k, v in section["decision"].items() if k != "solver"}
    return out


@dataclass(frozen=True)
class TrialSettings:
    """Everything a trial needs besides its method and data (config keys in brackets).

    Attributes:
        hidden: Hidden layer widths of the risk MLP (``model.hidden``).
        dropout: Dropout after each hidden layer (``model.dropout``).
        init_seed: Seed of the initial weights, the same for every trial and method.
        epochs: Training epochs.
        batch_size: Rows per step; ``None`` = full batch (one step per epoch). With mini-batches the
            training budget is ``Q * batch / n_train`` (the allocation problem scales with the batch).
        optimizer: Optimizer settings for :func:`fairopt.core.training.fit`.
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
        device: Where torch computes (``device``: ``cpu``, ``cuda`` or ``auto``;
            :func:`fairopt.core.device.resolve_device`); recorded in each result's ``device``, not in
            its ``settings`` (a CPU result is the same whatever the setting said).
    """

    hidden: tuple[int, ...]
    dropout: float
    init_seed: int
    epochs: int
    batch_size: int | None
    optimizer: OptimizerConfig
    scheduler: SchedulerConfig
    risk_floor: float
    seed: int
    Q: float
    cost: float
    alpha: float
    eval_alphas: tuple[float, ...]
    layer_upper: float
    layer_backend: str
    history_eval: bool
    device: str

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ConfigError(f"config key fdfl.training.epochs: expected >= 1, got {self.epochs}")
        if self.batch_size is not None and self.batch_size < 2:
            raise ConfigError(f"config key fdfl.training.batch_size: expected >= 2 or null, got {self.batch_size}")
        if not (self.Q > 0 and self.cost > 0 and self.risk_floor > 0):
            raise ConfigError("config keys fdfl.decision.Q, fdfl.decision.cost and fdfl.training.risk_floor "
                              f"must be > 0, got {self.Q}, {self.cost}, {self.risk_floor}")
        if self.device not in DEVICES:
            raise ConfigError(f"config key fdfl.device: {self.device!r}; expected one of {', '.join(DEVICES)}")
        if not self.layer_upper > self.risk_floor:
            raise ConfigError(f"config key fdfl.layer.upper: expected > risk_floor ({self.risk_floor}), "
                              f"got {self.layer_upper}")

    @classmethod
    def from_config(cls, fdfl: Mapping[str, Any]) -> TrialSettings:
        """Build from a resolved ``fdfl`` section (or :func:`trial_config` of one).

        Raises:
            ConfigError: A missing key or an invalid value, naming the config key.
        """
        try:
            model, training, decision, layer = (fdfl[k] for k in ("model", "training", "decision", "layer"))
            opt, sched = training["optimizer"], training["scheduler"]
            return cls(
                hidden=tuple(int(h) for h in model["hidden"]),
                dropout=float(model["dropout"]),
                init_seed=int(model["init_seed"]),
                epochs=int(training["epochs"]),
                batch_size=None if training["batch_size"] is None else int(training["batch_size"]),
                optimizer=OptimizerConfig(opt["name"], float(opt["lr"]), float(opt["weight_decay"]),
                                          float(opt["momentum"])),
                scheduler=SchedulerConfig(sched["name"], float(sched["factor"]), int(sched["patience"]),
                                          float(sched["min_lr"])),
                risk_floor=float(training["risk_floor"]),
                seed=int(training["seed"]),
                Q=float(decision["Q"]),
                cost=float(decision["cost"]),
                alpha=parse_alpha(decision["alpha"], "fdfl.decision.alpha"),
                eval_alphas=tuple(parse_alpha(a, "fdfl.eval_alphas") for a in fdfl["eval_alphas"]),
                layer_upper=float(layer["upper"]),
                layer_backend=str(layer["backend"]),
                history_eval=bool(training["history_eval"]),
                device=str(fdfl["device"]),
            )
        except KeyError as exc:
            raise ConfigError(f"config key fdfl: missing {exc.args[0]!r} (pass a resolved section: "
                              "fairopt.studies.fdfl.settings.load_settings)") from None

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
