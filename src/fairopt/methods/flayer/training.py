"""F-Layer training and its baselines (Projection, Penalty, Strict Penalty) on fairopt.core.training.fit.

Reference note ``shared/reference/fairness_layer.md``, "Baselines":

``flayer``
    network + :class:`~fairopt.methods.flayer.primal_dual.FairnessHead` trained end to end (hard layer for
    batches of at least ``b_tau`` rows, online primal-dual below; the training dual is reset at
    the start of every epoch, the evaluation dual before every evaluation pass).
``projection``
    network trained unconstrained; at inference each batch is projected post hoc. By default
    (``projection_inference="layer"``) every test batch gets the hard per-batch projection,
    whatever its size (the authors' Projection baseline); ``"head"`` uses the b_tau switch.
``penalty``
    loss ``+ lambda * violation`` with ``violation = sum_k |w_k^T y - r_k|`` over the batch's
    constraint rows (two-group mean parity: ``|m_0 - m_1|``; mean-residual parity:
    ``sum_g |m_g(y) - m_g(t)|``, the authors' employee penalty); ``lambda`` chosen from a grid by
    :func:`select_penalty_lambda`: the lowest validation loss among lambdas whose validation gap
    is at most ``eps`` (if none qualifies, the smallest validation gap, flagged infeasible).
``strict_penalty``
    the same loss with one large fixed ``lambda`` (5000 synthetic / 1000 loans in the paper).

Each method is one function -- :func:`fit_flayer`, :func:`fit_projection`, :func:`fit_penalty`,
:func:`fit_strict_penalty` -- returning a :class:`TrainedModel` whose ``inference`` says how
:func:`predict` deploys it. For bounded regression the penalty models map the network output into
the box with ``lb + (ub - lb) sigmoid(.)`` (as the authors do; option ``penalty_box_sigmoid``).
Everything trains through :func:`fairopt.core.training.fit` with stratified batches
(:func:`fairopt.core.splits.stratified_batches`) of the intersectional group codes, on
``TrainConfig.device`` (network, features and targets there; groups and labels, which only build
the constraints, on the CPU; predictions come back to the CPU as numpy).

**b_tau in training.** ``flayer`` trains through the head's ``b_tau`` switch: training batches
smaller than ``b_tau`` go through the online primal-dual layer (training dual, ``eta0_train``,
reset every epoch), larger ones through the hard layer -- as the authors' experiment code for the
paper does (:mod:`fairopt.methods.flayer.primal_dual`); e.g. the synthetic b256-i16 setting trains
and infers with the primal-dual layer.

**Absent groups are counted.** Stratified batches normally contain every group, but a small
batch or a rare group can lack one; the batch's constraint on that group is then dropped (by the
layer, the primal-dual head and the penalty alike). :func:`count_absent_batches` counts such
batches; :func:`_fit` counts them over every training epoch (``TrainedModel.absent_train_batches``)
and one validation pass (``absent_val_batches``), :func:`predict` over the inference batches
(``n_absent_batches``), so a result records how often its constraint was not imposed.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from fairopt.core import metrics
from fairopt.core.errors import ConfigError
from fairopt.methods.flayer.constraints import build_slabs, group_keys
from fairopt.data.container import FairData
from fairopt.methods.flayer.layer import FairnessLayer, slab_bounds
from fairopt.methods.flayer.primal_dual import FairnessHead
from fairopt.core.splits import stratified_batches
from fairopt.core.training import OptimizerConfig, SchedulerConfig, TrainingResult, fit

__all__ = [
    "Batch",
    "TrainConfig",
    "TrainedModel",
    "BoxSigmoid",
    "make_batches",
    "count_absent_batches",
    "parity_violation",
    "pooled_gap",
    "base_loss_fn",
    "flayer_loss",
    "penalty_loss",
    "plain_loss",
    "select_penalty_lambda",
    "predict",
    "fit_flayer",
    "fit_projection",
    "fit_penalty",
    "fit_strict_penalty",
]

@dataclass
class Batch:
    """One mini-batch as tensors (``groups`` ``(n,)`` or ``(n, K)``)."""

    x: torch.Tensor
    y: torch.Tensor
    groups: torch.Tensor
    labels: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.x.shape[0])


def make_batches(data: FairData, batch_size: int, seed: int, *, shuffle: bool = True,
                 equal_counts: bool = False, device: torch.device | str = "cpu") -> Callable[[int], list[Batch]]:
    """Batches for :func:`fairopt.core.training.fit`: ``batches(epoch)`` -> list of :class:`Batch`.

    Features and targets live on ``device`` (the network's); the groups and labels stay on the CPU
    (the layer builds its constraints from them in numpy).

    Rows are dealt by :func:`fairopt.core.splits.stratified_batches` on the intersectional group
    codes so every batch keeps the overall group ratio (``equal_counts``: exactly the same group
    counts in every batch, left-over rows dropped -- a different subset each epoch);
    ``shuffle=False`` gives the same batches every epoch (evaluation), otherwise epoch ``e``
    uses ``default_rng([seed, e])``.
    """
    device = torch.device(device)
    X = torch.as_tensor(data.X, dtype=torch.float32).to(device)
    y = torch.as_tensor(data.y, dtype=torch.float32).to(device)
    g = torch.as_tensor(np.asarray(data.groups))
    lab = None if data.labels is None else torch.as_tensor(np.asarray(data.labels))
    codes = data.group_codes()

    def batches(epoch: int) -> list[Batch]:
        rng = np.random.default_rng([int(seed), int(epoch) if shuffle else 0])
        out = []
        for idx in stratified_batches(codes, batch_size, rng, equal_counts=equal_counts):
            it = torch.from_numpy(np.asarray(idx))
            on = it.to(device)
            out.append(Batch(X[on], y[on], g[it], None if lab is None else lab[it]))
        return out

    return batches


def count_absent_batches(batches: Iterable[Batch], family: str, expected_groups: Iterable | None = None) -> int:
    """Number of ``batches`` in which a constraint of ``family`` is dropped because a group is absent.

    Args:
        batches: The batches (their ``groups`` and ``labels``).
        family: Constraint family (:data:`fairopt.methods.flayer.constraints.FAMILIES`).
        expected_groups: For the integer-code families, the group keys the batches should contain
            (e.g. :func:`~fairopt.methods.flayer.constraints.group_keys` of the whole data set).
    """
    count = 0
    for b in batches:
        slabs = build_slabs(family, b.groups, len(b), 0.0, labels=b.labels, has_targets=True,
                            expected_groups=expected_groups)
        count += bool(slabs.dropped)
    return count


class BoxSigmoid(nn.Module):
    """``lb + (ub - lb) * sigmoid(net(x))``: box-valued outputs for the penalty baselines."""

    def __init__(self, net: nn.Module, lb: float, ub: float) -> None:
        super().__init__()
        self.net, self.lb, self.ub = net, float(lb), float(ub)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lb + (self.ub - self.lb) * torch.sigmoid(self.net(x))


def parity_violation(y: torch.Tensor, groups: Any, family: str, *, targets: Any = None,
                     labels: Any = None) -> torch.Tensor:
    """Differentiable ``sum_k |w_k^T y - r_k|`` over the batch's constraint rows (0 if none)."""
    yf = y.reshape(-1)
    slabs = build_slabs(family, groups, yf.shape[0], 0.0, labels=labels, has_targets=targets is not None)
    if slabs.m == 0:
        return yf.sum() * 0.0
    r, _, _ = slab_bounds(slabs, targets, 0.0, yf.device)
    W = torch.from_numpy(slabs.W).to(device=yf.device, dtype=yf.dtype)
    return (W @ yf - r.to(yf.dtype)).abs().sum()


@torch.no_grad()
def pooled_gap(pred: Any, groups: Any, family: str, *, targets: Any = None, labels: Any = None) -> float:
    """Largest ``|w_k^T y - r_k|`` over all rows pooled (two groups: ``|m_0 - m_1|``)."""
    y = torch.as_tensor(np.asarray(pred, dtype=np.float64)).reshape(-1)
    slabs = build_slabs(family, groups, y.shape[0], 0.0, labels=labels, has_targets=targets is not None)
    if slabs.m == 0:
        return float("nan")
    r, _, _ = slab_bounds(slabs, None if targets is None else np.asarray(targets, dtype=np.float64), 0.0)
    return float((torch.from_numpy(slabs.W) @ y - r).abs().max())


def base_loss_fn(name: str, pos_weight: float | None = None) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """``mse`` or ``bce`` (BCE with logits, optional ``pos_weight`` = neg/pos)."""
    if name == "mse":
        return lambda pred, y: metrics.mse(y.reshape(-1), pred.reshape(-1))
    if name == "bce":
        pw = None if pos_weight is None else torch.tensor(float(pos_weight))
        return lambda pred, y: nn.functional.binary_cross_entropy_with_logits(
            pred.reshape(-1), y.reshape(-1).to(pred.dtype), pos_weight=None if pw is None else pw.to(pred.device))
    raise ConfigError(f"config key loss: unknown base loss {name!r}; expected mse or bce")


def _targets_for(family: str, batch: Batch):
    return batch.y if family == "residual_parity" else None


def flayer_loss(head: FairnessHead, base_loss) -> Callable[[nn.Module, Batch], tuple[torch.Tensor, dict]]:
    """``loss_fn`` for fit: base loss of the F-Layer output."""

    def loss_fn(model: nn.Module, batch: Batch):
        z = model(batch.x).reshape(-1)
        pred = head(z, batch.groups, targets=_targets_for(head.layer.family, batch), labels=batch.labels)
        return base_loss(pred, batch.y), {}

    return loss_fn


def penalty_loss(lam: float, family: str, base_loss) -> Callable[[nn.Module, Batch], tuple[torch.Tensor, dict]]:
    """``loss_fn`` for fit: ``base + lam * parity_violation`` (Penalty / Strict Penalty)."""

    def loss_fn(model: nn.Module, batch: Batch):
        pred = model(batch.x).reshape(-1)
        base = base_loss(pred, batch.y)
        viol = parity_violation(pred, batch.groups, family, targets=_targets_for(family, batch),
                                labels=batch.labels)
        return base + lam * viol, {"base_loss": float(base.detach()), "violation": float(viol.detach())}

    return loss_fn


def plain_loss(base_loss) -> Callable[[nn.Module, Batch], tuple[torch.Tensor, dict]]:
    """``loss_fn`` for fit: unconstrained training (Projection baseline)."""

    def loss_fn(model: nn.Module, batch: Batch):
        return base_loss(model(batch.x).reshape(-1), batch.y), {}

    return loss_fn


def select_penalty_lambda(table: pd.DataFrame | Sequence[dict], eps: float) -> tuple[float, bool]:
    """Penalty lambda rule: lowest validation loss among lambdas with validation gap <= eps.

    Args:
        table: Rows with ``lam``, ``val_loss``, ``val_gap``.
        eps: Parity tolerance.

    Returns:
        ``(lambda, feasible)``; when no lambda meets ``eps`` the one with the smallest gap is
        returned with ``feasible = False``. Ties in loss go to the smaller lambda.
    """
    df = pd.DataFrame(table)
    missing = {"lam", "val_loss", "val_gap"} - set(df.columns)
    if missing or df.empty:
        raise ConfigError(f"penalty selection table needs rows with lam, val_loss, val_gap; missing {sorted(missing)}")
    ok = df[df["val_gap"] <= eps]
    if len(ok):
        best = ok.sort_values(["val_loss", "lam"], kind="stable").iloc[0]
        return float(best["lam"]), True
    best = df.sort_values(["val_gap", "lam"], kind="stable").iloc[0]
    return float(best["lam"]), False


@dataclass
class TrainConfig:
    """Training settings of one fairness-layer experiment (config section of the study)."""

    family: str = "mean_parity"
    eps: float = 0.05
    lb: float | None = None
    ub: float | None = None
    batch_size: int = 2000
    eval_batch_size: int = 2000
    b_tau: int = 1000
    eta0_train: float = 0.1
    eta0_eval: float = 0.5
    epochs: int = 100
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    early_stopping_patience: int | None = 25
    loss: str = "mse"
    pos_weight: float | None = None
    penalty_lambdas: tuple[float, ...] = (1e-4, 1e-3, 1e-2, 0.1, 0.5, 1, 5, 10, 100, 1000)
    strict_lambda: float = 5000.0
    penalty_box_sigmoid: bool = True
    equal_batches: bool = False
    projection_inference: str = "layer"
    backend: str = "exact"
    seed: int = 0
    #: where the network trains and predicts (a ``torch.device`` or its name; the study resolves its
    #: ``layer.device`` setting with :func:`fairopt.core.device.resolve_device`)
    device: Any = "cpu"
    #: the setting ``device`` was resolved from (recorded with it), ``None`` when set directly
    device_setting: str | None = None


@dataclass
class TrainedModel:
    """Result of :func:`train_model`."""

    method: str
    model: nn.Module
    head: FairnessHead
    result: TrainingResult
    inference: str = "head"
    lam: float | None = None
    lam_feasible: bool | None = None
    selection: pd.DataFrame | None = None
    #: training batches (over every epoch run) in which a constrained group was absent
    absent_train_batches: int = 0
    #: validation batches (one pass; the same batches every epoch) with a constrained group absent
    absent_val_batches: int = 0


def _make_head(cfg: TrainConfig) -> FairnessHead:
    layer = FairnessLayer(cfg.family, cfg.eps, cfg.lb, cfg.ub, backend=cfg.backend)
    return FairnessHead(layer, cfg.b_tau, cfg.eta0_train, cfg.eta0_eval)


@torch.no_grad()
def predict(trained: TrainedModel, data: FairData, cfg: TrainConfig, *,
            batch_size: int | None = None, batch_gaps: bool = False, deploy: bool = True) -> dict[str, Any]:
    """Deployed predictions of a trained model on ``data`` (fixed stratified batches).

    Args:
        trained: The trained model and its head.
        data: Rows to predict.
        cfg: Settings (family, eps, box, ``eval_batch_size``, ``projection_inference``).
        batch_size: Inference batch size (default ``cfg.eval_batch_size``).
        batch_gaps: Also return, per inference batch with at least one constraint, the largest
            ``|w_k^T y - r_k|`` of the deployed predictions (checks the per-batch guarantee of
            the hard layer; the primal-dual head only bounds the aggregate).
        deploy: ``False`` skips the fairness head/projection (raw network outputs only; used
            for the Projection baseline's model selection).

    With ``cfg.equal_batches`` every inference batch has the same group counts and the rows
    left over are not predicted (NaN in ``pred`` / ``raw``); every metric is computed on the
    predicted rows ``rows`` only.

    Returns:
        ``pred`` and ``raw`` (numpy, data order), ``rows`` (sorted positions predicted),
        ``loss`` (base loss of ``pred`` on ``rows``), ``pooled_gap`` (on ``rows``),
        ``n_batches``, ``n_absent_batches`` (inference batches in which a constrained group is
        absent, so its constraint was not imposed), where the primal-dual head was used its ``summary``,
        and with ``batch_gaps`` the arrays ``batch_gap``, ``batch_size`` and ``batch_primal_dual``
        (whether the batch went through the primal-dual head).
    """
    bs = int(batch_size or cfg.eval_batch_size)
    model, head = trained.model, trained.head
    model.eval()
    head.eval()
    head.pd_eval.reset()
    n = len(data)
    raw = np.full(n, np.nan)
    pred = np.full(n, np.nan)
    rng = np.random.default_rng([cfg.seed, 0])
    device = torch.device(cfg.device)
    X = torch.as_tensor(data.X, dtype=torch.float32).to(device)
    used_pd = False
    gaps: list[float] = []
    sizes: list[int] = []
    via_pd: list[bool] = []
    batches = stratified_batches(data.group_codes(), bs, rng, equal_counts=cfg.equal_batches)
    expected = group_keys(cfg.family, data.groups) or None
    n_absent = 0
    for idx in batches:
        it = torch.from_numpy(np.asarray(idx)).to(device)
        # float64 from here on: the deployed outputs meet the constraints to rounding, not to
        # float32 precision (the network itself runs in float32)
        z = model(X[it]).reshape(-1).double()
        raw[idx] = z.cpu().numpy()
        g = torch.as_tensor(np.asarray(data.groups)[idx])
        t = torch.as_tensor(data.y[idx]) if cfg.family == "residual_parity" else None
        lab = None if data.labels is None else torch.as_tensor(data.labels[idx])
        n_absent += bool(build_slabs(cfg.family, g, len(idx), 0.0, labels=lab, has_targets=True,
                                     expected_groups=expected).dropped)
        batch_pd = False
        mode = trained.inference if deploy else "raw"
        if mode == "head":
            out = head(z, g, targets=t, labels=lab)
            batch_pd = head.uses_primal_dual(len(idx))
            used_pd = used_pd or batch_pd
        elif mode == "layer":
            out = head.layer(z, g, targets=t, labels=lab)
        else:
            out = z
        pred[idx] = out.double().cpu().numpy()
        if batch_gaps:
            gap = pooled_gap(pred[idx], g, cfg.family, targets=None if t is None else data.y[idx], labels=lab)
            if np.isfinite(gap):
                gaps.append(gap)
                sizes.append(len(idx))
                via_pd.append(batch_pd)
    rows = np.sort(np.concatenate(batches))
    y_rows = np.asarray(data.y)[rows]
    loss = float(base_loss_fn(cfg.loss, cfg.pos_weight)(torch.from_numpy(pred[rows]),
                                                       torch.as_tensor(y_rows, dtype=torch.float64)))
    out = {"pred": pred, "raw": raw, "rows": rows, "loss": loss,
           "pooled_gap": pooled_gap(pred[rows], np.asarray(data.groups)[rows], cfg.family,
                                    targets=y_rows if cfg.family == "residual_parity" else None,
                                    labels=None if data.labels is None else np.asarray(data.labels)[rows]),
           "n_batches": len(batches), "n_absent_batches": n_absent}
    if used_pd:
        out["summary"] = head.pd_eval.summary()
    if batch_gaps:
        out["batch_gap"] = np.asarray(gaps)
        out["batch_size"] = np.asarray(sizes, dtype=np.int64)
        out["batch_primal_dual"] = np.asarray(via_pd, dtype=bool)
    return out


def _fit(method: str, model: nn.Module, train: FairData, val: FairData | None, cfg: TrainConfig, *,
         loss: Callable[[FairnessHead, Callable], Callable], inference: str, lam: float | None = None,
         select_on_raw: bool = False) -> TrainedModel:
    """One fit through :func:`fairopt.core.training.fit` (early stopping on the validation loss).

    Args:
        method: The method's name (recorded).
        model: A fresh network (moved to ``cfg.device``).
        loss: ``loss(head, base_loss) -> loss_fn`` of :func:`fairopt.core.training.fit`.
        inference: How predictions are deployed: ``head`` (the b_tau switch), ``layer`` (the hard
            projection on every batch) or ``raw`` (the network's outputs).
        lam: The penalty weight (recorded).
        select_on_raw: Model selection on the raw network outputs (Projection: the unconstrained fit).
    """
    head = _make_head(cfg)
    loss_fn = loss(head, base_loss_fn(cfg.loss, cfg.pos_weight))
    model = model.to(cfg.device)
    trained = TrainedModel(method, model, head, TrainingResult(), inference, lam)
    train_batches = make_batches(train, cfg.batch_size, cfg.seed, equal_counts=cfg.equal_batches,
                                 device=cfg.device)
    expected = group_keys(cfg.family, train.groups) or None

    def batches(epoch: int):
        head.train()
        head.pd_train.reset()  # authors: training dual reset at every epoch
        out = train_batches(epoch)
        trained.absent_train_batches += count_absent_batches(out, cfg.family, expected)
        return out

    evaluate = None
    if val is not None:
        def evaluate(_model):
            res = predict(trained, val, cfg, deploy=not select_on_raw)
            trained.absent_val_batches = int(res["n_absent_batches"])
            return {"val_loss": res["loss"], "val_gap": res["pooled_gap"]}

    trained.result = fit(model, loss_fn, batches, epochs=cfg.epochs, optimizer=cfg.optimizer,
                         scheduler=cfg.scheduler, evaluate=evaluate,
                         monitor="val_loss" if val is not None else "loss",
                         early_stopping_patience=cfg.early_stopping_patience, restore_best=True,
                         parameters=model.parameters())
    return trained


def _penalty_net(model_factory: Callable[[], nn.Module], cfg: TrainConfig) -> nn.Module:
    """A fresh network for the penalty baselines, mapped into the box when one is set (``penalty_box_sigmoid``)."""
    net = model_factory()
    if cfg.penalty_box_sigmoid and cfg.lb is not None:
        assert cfg.ub is not None  # a box has both bounds
        net = BoxSigmoid(net, cfg.lb, cfg.ub)
    return net


def fit_flayer(model_factory: Callable[[], nn.Module], train: FairData, val: FairData | None,
               cfg: TrainConfig) -> TrainedModel:
    """F-Layer: the network and the :class:`FairnessHead` trained end to end; deployed through the head."""
    return _fit("flayer", model_factory(), train, val, cfg, loss=flayer_loss, inference="head")


def fit_projection(model_factory: Callable[[], nn.Module], train: FairData, val: FairData | None,
                   cfg: TrainConfig) -> TrainedModel:
    """Projection: trained unconstrained (selected on raw outputs), projected post hoc at inference
    (every batch by the hard layer; ``cfg.projection_inference = "head"``: the b_tau switch)."""
    return _fit("projection", model_factory(), train, val, cfg, loss=lambda head, base: plain_loss(base),
                inference="layer" if cfg.projection_inference == "layer" else "head", select_on_raw=True)


def fit_strict_penalty(model_factory: Callable[[], nn.Module], train: FairData, val: FairData | None,
                       cfg: TrainConfig) -> TrainedModel:
    """Strict Penalty: the penalised loss with one large fixed ``cfg.strict_lambda``; raw outputs deployed."""
    lam = cfg.strict_lambda
    return _fit("strict_penalty", _penalty_net(model_factory, cfg), train, val, cfg,
                loss=lambda head, base: penalty_loss(float(lam), cfg.family, base), inference="raw", lam=lam)


def fit_penalty(model_factory: Callable[[], nn.Module], train: FairData, val: FairData | None,
                cfg: TrainConfig) -> TrainedModel:
    """Penalty: one fit per lambda of ``cfg.penalty_lambdas``, selected by :func:`select_penalty_lambda`.

    Returns:
        The selected fit with the selection table (one row per lambda: ``lam, val_loss, val_gap,
        epochs, diverged, error``; a fit whose loss became non-finite is recorded as diverged with
        infinite loss and gap, so it is never selected) and whether the chosen lambda met ``eps`` on
        validation.

    Raises:
        ConfigError: No validation data.
        FloatingPointError: Every lambda's fit diverged.
    """
    if val is None:
        raise ConfigError("method 'penalty' needs validation data to select lambda")
    rows, fits = [], {}
    for lam in cfg.penalty_lambdas:
        def penalised(head: FairnessHead, base: Callable, lam: float = lam) -> Callable:
            return penalty_loss(float(lam), cfg.family, base)

        try:
            tm = _fit("penalty", _penalty_net(model_factory, cfg), train, val, cfg, loss=penalised, inference="raw",
                      lam=float(lam))
        except FloatingPointError as exc:  # a diverged fit is recorded and cannot be selected
            rows.append({"lam": float(lam), "val_loss": float("inf"), "val_gap": float("inf"),
                         "epochs": 0, "diverged": True, "error": str(exc)})
            continue
        res = predict(tm, val, cfg)
        rows.append({"lam": float(lam), "val_loss": res["loss"], "val_gap": res["pooled_gap"],
                     "epochs": tm.result.epochs_run, "diverged": False, "error": ""})
        fits[float(lam)] = tm
    if not fits:
        raise FloatingPointError(f"every penalty fit diverged (lambdas {list(cfg.penalty_lambdas)}): "
                                 f"{rows[-1]['error']}")
    table = pd.DataFrame(rows)
    lam, feasible = select_penalty_lambda(table, cfg.eps)
    chosen = fits[lam]
    chosen.lam, chosen.lam_feasible, chosen.selection = lam, feasible, table
    return chosen
