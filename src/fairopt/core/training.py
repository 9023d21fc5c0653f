"""The one training loop of fairopt.

Every study (FDFL two-stage and decision-focused, fairness-layer networks, their penalty
baselines) trains through :func:`fit`: a loss callback per batch, an optimizer and an optional
learning-rate scheduler from config, optional validation with early stopping, and a per-epoch
history with timings. Study modules only define their loss and their batches.
"""
from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from fairopt.core.errors import ConfigError

__all__ = ["OptimizerConfig", "SchedulerConfig", "TrainingResult", "PlainSGD", "PlainAdam", "make_optimizer",
           "make_scheduler",
           "fit", "progress_line"]

LOG = logging.getLogger(__name__)


@dataclass
class OptimizerConfig:
    """Optimizer settings (config section ``optimizer``)."""

    name: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    momentum: float = 0.0

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "OptimizerConfig":
        return cls(**(d or {}))


@dataclass
class SchedulerConfig:
    """Learning-rate scheduler (config section ``scheduler``): ``none`` or ``plateau``."""

    name: str = "none"
    factor: float = 0.5
    patience: int = 10
    min_lr: float = 0.0

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "SchedulerConfig":
        return cls(**(d or {}))


@dataclass
class TrainingResult:
    """History and timings of one training run."""

    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    epochs_run: int = 0
    best_epoch: int | None = None
    stopped_early: bool = False

    @property
    def seconds_per_epoch(self) -> float:
        return self.seconds / max(self.epochs_run, 1)


#: what an optimizer steps: parameters, or param groups (dicts with ``params`` and optional own settings)
OptimizerParams = Iterable[nn.Parameter] | Iterable[dict[str, Any]]


class _PlainOptimizer:
    """Parameter groups and ``zero_grad`` of the optimizers below (the part of ``torch.optim.Optimizer``
    they need): ``params`` is an iterable of parameters or of param groups (dicts with ``params`` and
    optional per-group settings); ``defaults`` fill what a group does not set."""

    def __init__(self, params: OptimizerParams, **defaults):
        items: list[Any] = list(params)
        groups = items if items and isinstance(items[0], dict) else [{"params": items}]
        self.param_groups = []
        for g in groups:
            group = {**defaults, **g}
            group["params"] = list(group["params"])
            self.param_groups.append(group)
        self.state: dict[int, Any] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.detach_().zero_()

    def step(self) -> None:
        """One update of every parameter (each subclass's rule)."""
        raise NotImplementedError


class PlainSGD(_PlainOptimizer):
    """``torch.optim.SGD``'s update (momentum, no dampening, no Nesterov, optional weight decay) without
    ``torch.optim``: building any ``torch.optim`` optimizer imports ``torch._dynamo`` (about a second per
    process), which dominates short jobs that each train for a few seconds (the DAFH grid).

    Per parameter ``p`` with gradient ``g`` (after ``g += weight_decay * p``): the first step sets the
    buffer ``v = g``, later steps ``v = momentum * v + g``; then ``p -= lr * v`` (``v = g`` without
    momentum) -- the same operations in the same order as ``torch.optim.SGD`` on CPU (its single-tensor
    path), so trajectories are identical bit for bit (tested). No learning-rate scheduler (they need a
    ``torch.optim.Optimizer``).

    Args:
        params: Parameters or param groups (dicts with ``params`` and optional ``lr``/``momentum``/
            ``weight_decay``).
        lr, momentum, weight_decay: Defaults of the groups.
    """

    def __init__(self, params, *, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr=lr, momentum=momentum, weight_decay=weight_decay)

    @torch.no_grad()
    def step(self) -> None:
        for group in self.param_groups:
            lr, mu, wd = group["lr"], group["momentum"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad if wd == 0 else p.grad.add(p, alpha=wd)
                if mu != 0:
                    buf = self.state.get(id(p))
                    if buf is None:
                        buf = torch.clone(grad).detach()
                        self.state[id(p)] = buf
                    else:
                        buf.mul_(mu).add_(grad, alpha=1)
                    grad = buf
                p.add_(grad, alpha=-lr)


class PlainAdam(_PlainOptimizer):
    """``torch.optim.Adam``'s update (betas 0.9 and 0.999, eps 1e-8, L2 weight decay, no amsgrad) without
    ``torch.optim``, for the same reason as :class:`PlainSGD` (building a ``torch.optim`` optimizer costs
    about 1.2 s of CPU per process; FDFL's block jobs train for a few seconds each).

    Per parameter ``p`` with gradient ``g`` (after ``g = g + weight_decay * p``) at its ``t``-th step:
    ``m = lerp(m, g, 1 - beta1)``, ``v = beta2 v + (1 - beta2) g^2`` and
    ``p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)`` -- the operations of torch's
    single-tensor Adam (its path for CPU tensors) in its order, so that trajectories on the CPU are
    identical bit for bit (tested).

    Args:
        params: Parameters or param groups (dicts with ``params`` and optional ``lr``/``weight_decay``).
        lr, weight_decay: Defaults of the groups.
    """

    betas = (0.9, 0.999)
    eps = 1e-8

    def __init__(self, params, *, lr: float, weight_decay: float = 0.0):
        super().__init__(params, lr=lr, weight_decay=weight_decay)

    @torch.no_grad()
    def step(self) -> None:
        beta1, beta2 = self.betas
        for group in self.param_groups:
            lr, wd = group["lr"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad if wd == 0 else p.grad.add(p, alpha=wd)
                state = self.state.setdefault(id(p), {
                    "step": 0, "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                    "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)})
                state["step"] += 1
                exp_avg, exp_avg_sq, t = state["exp_avg"], state["exp_avg_sq"], state["step"]
                exp_avg.lerp_(grad, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = (exp_avg_sq.sqrt() / (1 - beta2 ** t) ** 0.5).add_(self.eps)
                p.addcdiv_(exp_avg, denom, value=-(lr / (1 - beta1 ** t)))


def make_optimizer(params: OptimizerParams, cfg: OptimizerConfig, *,
                   torch_optim: bool = False) -> torch.optim.Optimizer | _PlainOptimizer:
    """Build the optimizer named in ``cfg`` (``adam``, ``adamw``, ``sgd`` or ``plain_sgd`` -- :class:`PlainSGD`).

    ``adam`` is :class:`PlainAdam` (the same steps, without ``torch.optim``'s start-up) unless
    ``torch_optim`` asks for a ``torch.optim.Optimizer`` (a learning-rate scheduler needs one).
    """
    name = cfg.name.lower()
    if name == "adam":
        if not torch_optim:
            return PlainAdam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if name == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, weight_decay=cfg.weight_decay, momentum=cfg.momentum)
    if name == "plain_sgd":
        return PlainSGD(params, lr=cfg.lr, weight_decay=cfg.weight_decay, momentum=cfg.momentum)
    raise ConfigError(f"config key optimizer.name: unknown optimizer {cfg.name!r}; expected adam, adamw, sgd or "
                      "plain_sgd")


def make_scheduler(optimizer: torch.optim.Optimizer | _PlainOptimizer, cfg: SchedulerConfig):
    """Build the scheduler named in ``cfg`` (``none`` -> ``None``; ``plateau`` -> ReduceLROnPlateau)."""
    name = cfg.name.lower()
    if name == "none":
        return None
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise ConfigError(f"config key scheduler.name: {cfg.name!r} needs a torch.optim optimizer, not "
                          f"{type(optimizer).__name__} (use optimizer sgd instead of plain_sgd)")
    if name == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="min", factor=cfg.factor, patience=cfg.patience, min_lr=cfg.min_lr)
    raise ConfigError(f"config key scheduler.name: unknown scheduler {cfg.name!r}; expected none or plateau")


def fit(model: nn.Module,
        loss_fn: Callable[[nn.Module, Any], tuple[torch.Tensor, dict[str, float]]],
        batches: Callable[[int], Iterable[Any]],
        *,
        epochs: int,
        optimizer: OptimizerConfig,
        scheduler: SchedulerConfig | None = None,
        evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
        monitor: str = "loss",
        early_stopping_patience: int | None = None,
        restore_best: bool = False,
        parameters: OptimizerParams | None = None,
        on_step: Callable[[nn.Module, int, int], None] | None = None,
        progress_every: int | None = None) -> TrainingResult:
    """Train ``model`` by gradient steps on ``loss_fn`` over ``batches(epoch)``.

    Args:
        model: The network (put in train mode for steps, eval mode for ``evaluate``).
        loss_fn: ``loss_fn(model, batch) -> (loss, logged)``; ``logged`` floats are averaged over
            the epoch's batches into the history.
        batches: ``batches(epoch)`` yields the epoch's batches (full batch: one item).
        epochs: Maximum number of epochs.
        optimizer: Optimizer settings.
        scheduler: LR scheduler; ReduceLROnPlateau steps on ``monitor``.
        evaluate: Optional ``evaluate(model) -> metrics`` after each epoch (no grad, eval mode);
            its keys are added to the history (e.g. ``val_loss``).
        monitor: History key used by the scheduler and early stopping (``loss`` = epoch mean
            training loss).
        early_stopping_patience: Stop after this many epochs without improvement of ``monitor``.
        restore_best: Load the weights of the best ``monitor`` epoch at the end.
        parameters: Parameters to optimise (default: ``model.parameters()``), or torch param groups
            (dicts with their own ``lr``/``momentum``).
        on_step: Optional ``on_step(model, epoch, batch)`` after every optimizer step (learning curves
            per gradient step); it must not change the model.
        progress_every: Log one progress line (:func:`progress_line`) every this many epochs and at the
            last epoch to the logger ``fairopt.core.training`` (a job's log, :mod:`fairopt.core.runlog`);
            default: about ten lines per training; 0 logs nothing.

    Returns:
        A :class:`TrainingResult` whose ``history`` has one dict per epoch with ``epoch``,
        ``loss``, the logged values, ``lr``, ``seconds`` and the ``evaluate`` metrics.

    Raises:
        FloatingPointError: A non-finite loss (the epoch and batch are named).
    """
    scheduler = scheduler or SchedulerConfig()
    opt = make_optimizer(model.parameters() if parameters is None else parameters, optimizer,
                         torch_optim=scheduler.name.lower() != "none")
    sched = make_scheduler(opt, scheduler)
    result = TrainingResult()
    best = math.inf
    best_state = None
    since_best = 0
    start = time.perf_counter()
    every = max(1, math.ceil(epochs / 10)) if progress_every is None else progress_every
    for epoch in range(epochs):
        t0 = time.perf_counter()
        model.train()
        sums: dict[str, float] = {}
        n_batches = 0
        for b, batch in enumerate(batches(epoch)):
            opt.zero_grad(set_to_none=True)
            loss, logged = loss_fn(model, batch)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"non-finite training loss at epoch {epoch}, batch {b}")
            loss.backward()
            opt.step()
            if on_step is not None:
                on_step(model, epoch, b)
            sums["loss"] = sums.get("loss", 0.0) + float(loss.detach())
            for k, v in logged.items():
                sums[k] = sums.get(k, 0.0) + float(v)
            n_batches += 1
        record = {k: v / max(n_batches, 1) for k, v in sums.items()}
        if evaluate is not None:
            model.eval()
            with torch.no_grad():
                record.update({k: float(v) for k, v in evaluate(model).items()})
        record["epoch"] = epoch
        record["lr"] = float(opt.param_groups[0]["lr"])
        record["seconds"] = time.perf_counter() - t0
        if monitor not in record:
            raise KeyError(f"monitor {monitor!r} not in history keys {sorted(record)}")
        value = record[monitor]
        if sched is not None:
            sched.step(value)
        result.history.append(record)
        result.epochs_run = epoch + 1
        if value < best - 1e-12:
            best, since_best, result.best_epoch = value, 0, epoch
            if restore_best:
                best_state = copy.deepcopy(model.state_dict())
        else:
            since_best += 1
            if early_stopping_patience is not None and since_best >= early_stopping_patience:
                result.stopped_early = True
        last = result.stopped_early or epoch + 1 == epochs
        if every and ((epoch + 1) % every == 0 or last):
            LOG.info("%s", progress_line(record, epochs, time.perf_counter() - start, monitor))
        if result.stopped_early:
            break
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    result.seconds = time.perf_counter() - start
    return result


def progress_line(record: dict[str, float], epochs: int, elapsed: float, monitor: str = "loss") -> str:
    """One progress line of a training: ``epoch e/E loss=... <monitor>=... val_*=... elapsed 12.3 s ETA 45.6 s``
    (the ETA assumes the remaining epochs take as long as the mean epoch so far; early stopping may end
    sooner)."""
    done = int(record["epoch"]) + 1
    shown = ["loss", monitor] + sorted(k for k in record if k.startswith("val") and k != monitor)
    values = " ".join(f"{k}={record[k]:.6g}" for k in dict.fromkeys(shown) if k in record)
    eta = elapsed / done * (epochs - done)
    return f"epoch {done}/{epochs} {values} elapsed {elapsed:.1f} s ETA {eta:.1f} s"
