"""Algorithm 1 of DAFH: the pooled classifier, then stochastic gradient ascent on the surrogate (5).

Cai, Khalili & Zhang (arXiv 2509.24077), Section 4 ("Approximation using differentiable functions",
Algorithm 1, lost in the extraction) and Section 6.3 ("Implementation details", "Hyperparameter
selection"). Reconstructed procedure (inputs already standardised, labels in {-1, +1}):

1. Fit the pooled logistic classifier h_0 on all training rows: mini-batch SGD on the mean logistic
   loss ``(1/B) sum_i log(1 + exp(-y_i t_0(x_i)))`` with the decoupled classifiers' learning rate and
   momentum ("the same learning rate to update parameters of the pooled classifier and decoupled
   classifiers"), zero initialisation, ``pooled_epochs`` passes (default: ``epochs``); then freeze it.
2. Initialise g (MLP, one hidden layer) and h_1..h_K (one ``nn.Linear``) with PyTorch's default
   initialisation under the seed.
3. For each epoch ("training iteration" = one pass over the shuffled training rows, reference note),
   for each mini-batch B: ascend (5), i.e. take an SGD step on ``-J_B`` with
   ``J_B = (1/|B|) sum_{i in B} sum_k p_ik [sum_j s_ij - (K+1) s_ik] - lambda KL(pbar_B || u)``
   (the pooled term of (5) is a constant without gradient and is dropped), learning rate ``lr_group``
   and momentum ``group_momentum`` (default 0: plain SGD, as "stochastic gradient ascent" reads) for g,
   ``lr_decoupled`` and momentum 0.9 for h_1..h_K.
4. Predict with ``argmax_k p_k(x)`` and that group's classifier (:mod:`~fairopt.methods.dafh.estimator`).

Every step goes through :func:`fairopt.core.training.fit` (SGD with two parameter groups).
:func:`train_dafh_batched` trains many configurations that share the batch size, seed and K as one
batched computation (:class:`~fairopt.methods.dafh.network.BatchedDAFHNetwork`, gradient hooks for the
per-configuration learning rates, optimizer lr 1), and shares the epochs axis too: configurations that
differ only in their number of epochs follow the same trajectory (same initialisation, same
shuffles, no schedule), so one run to the largest epoch count is snapshotted at every requested count.
The pooled classifier does not enter the DAFH trajectory, so it is trained separately (batched over the
distinct learning rates, snapshotted at every requested pooled epoch count).

Randomness: ``np.random.SeedSequence(seed)`` yields three independent streams (initialisation, DAFH
shuffles, pooled shuffles); the initialisation runs under ``torch.random.fork_rng`` so the global RNG
is left untouched. Same seed, same dtype, same data (and the same machine and torch thread count,
which fix the floating-point reduction order) -> bit-identical parameters.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from fairopt.core.errors import ConfigError, DataError
from fairopt.core.models import seed_everything
from fairopt.core.training import OptimizerConfig, fit
from fairopt.methods.dafh.network import BatchedDAFHNetwork, BatchedPooled, DAFHNetwork
from fairopt.methods.dafh.objective import surrogate_objective

__all__ = ["DAFHConfig", "DAFHParameters", "seed_streams", "init_network", "train_pooled",
           "train_pooled_batched", "train_dafh", "train_dafh_batched", "resolve_dtype"]

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def resolve_dtype(dtype: str | torch.dtype) -> torch.dtype:
    """Map ``"float32"``/``"float64"`` (or a torch dtype) to a torch dtype.

    Args:
        dtype: The name or dtype.

    Returns:
        ``torch.float32`` or ``torch.float64``.

    Raises:
        ConfigError: Any other value.
    """
    if isinstance(dtype, torch.dtype) and dtype in _DTYPES.values():
        return dtype
    if isinstance(dtype, str) and dtype in _DTYPES:
        return _DTYPES[dtype]
    raise ConfigError(f"dtype: expected 'float32' or 'float64', got {dtype!r}")


def _positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def _nonneg_float(name: str, value: Any, *, positive: bool = False, below_one: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: expected a number, got {value!r}") from None
    if isinstance(value, bool) or not np.isfinite(v) or v < 0 or (positive and v == 0) or (below_one and v >= 1):
        bound = "> 0" if positive else ">= 0"
        raise ConfigError(f"{name}: expected a finite number {bound}{' and < 1' if below_one else ''}, got {value!r}")
    return v


@dataclass(frozen=True)
class DAFHConfig:
    """One DAFH training configuration (Table 2's grid axes plus the fixed settings).

    Attributes:
        batch_size: Mini-batch size (Table 2: 256 or 1,024).
        epochs: Passes over the training rows ("training iterations", Table 2: 2, 3, 4).
        lr_group: Learning rate of the group classifier g (values lost in the extraction).
        lr_decoupled: Learning rate of the decoupled classifiers and of the pooled classifier.
        penalty: lambda, weight of ``KL(pbar || u)`` (Table 2: 0, 1, 10, 100).
        momentum: SGD momentum of the decoupled (and pooled) classifiers (0.9).
        group_momentum: SGD momentum of g (not stated in the paper; default 0).
        pooled_epochs: Passes for the pooled classifier (``None``: ``epochs``).
        hidden_units: Hidden width of g (100).
    """

    batch_size: int = 1024
    epochs: int = 3
    lr_group: float = 0.1
    lr_decoupled: float = 0.1
    penalty: float = 10.0
    momentum: float = 0.9
    group_momentum: float = 0.0
    pooled_epochs: int | None = None
    hidden_units: int = 100

    def checked(self) -> "DAFHConfig":
        """Validate every field (one-line :class:`ConfigError` naming the field) and return self."""
        _positive_int("batch_size", self.batch_size)
        _positive_int("epochs", self.epochs)
        _positive_int("hidden_units", self.hidden_units)
        if self.pooled_epochs is not None:
            _positive_int("pooled_epochs", self.pooled_epochs)
        _nonneg_float("lr_group", self.lr_group, positive=True)
        _nonneg_float("lr_decoupled", self.lr_decoupled, positive=True)
        _nonneg_float("penalty", self.penalty)
        _nonneg_float("momentum", self.momentum, below_one=True)
        _nonneg_float("group_momentum", self.group_momentum, below_one=True)
        return self

    @property
    def pooled_passes(self) -> int:
        """Number of passes of the pooled classifier."""
        return int(self.epochs if self.pooled_epochs is None else self.pooled_epochs)


@dataclass
class DAFHParameters:
    """Trained DAFH parameters (NumPy float64), in the standardised feature space of training.

    Attributes:
        w1, b1, w2, b2: Group classifier, ``p(x) = softmax(w2 relu(w1 x + b1) + b2)``; shapes
            ``(H, d)``, ``(H,)``, ``(K, H)``, ``(K,)``.
        wd, bd: Decoupled classifiers, logits ``wd x + bd``; ``(K, d)``, ``(K,)``.
        pooled_w, pooled_b: Pooled classifier, logit ``pooled_w' x + pooled_b``; ``(d,)``, float.
        config: The configuration trained.
        history: Per-epoch records (``epoch``, ``objective`` = mean mini-batch value of (5) without the
            pooled term, and for single fits ``loss``/``seconds``/``lr``).
        seconds: Wall time of the training (for batched fits: the whole batched run).
    """

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    wd: np.ndarray
    bd: np.ndarray
    pooled_w: np.ndarray
    pooled_b: float
    config: DAFHConfig
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def n_groups(self) -> int:
        """Number of groups K."""
        return int(self.b2.shape[0])

    def group_logits(self, xs: np.ndarray) -> np.ndarray:
        """``(n, K)`` pre-softmax outputs of g on standardised rows ``xs``."""
        hidden = np.maximum(xs @ self.w1.T + self.b1, 0.0)
        return hidden @ self.w2.T + self.b2

    def group_probabilities(self, xs: np.ndarray) -> np.ndarray:
        """``(n, K)`` softmax assignment probabilities ``p_ik``."""
        a = self.group_logits(xs)
        a = a - a.max(axis=1, keepdims=True)
        e = np.exp(a)
        return e / e.sum(axis=1, keepdims=True)

    def assign(self, xs: np.ndarray) -> np.ndarray:
        """Hard group ``argmax_k p_k(x)`` (ties: the lowest index)."""
        return np.argmax(self.group_logits(xs), axis=1)

    def decoupled_logits(self, xs: np.ndarray) -> np.ndarray:
        """``(n, K)`` logits of h_1..h_K."""
        return xs @ self.wd.T + self.bd

    def pooled_logits(self, xs: np.ndarray) -> np.ndarray:
        """``(n,)`` logits of h_0."""
        return xs @ self.pooled_w + self.pooled_b


def seed_streams(seed: int) -> tuple[int, int, int]:
    """Three independent 32-bit seeds (initialisation, DAFH shuffles, pooled shuffles) from ``seed``.

    Args:
        seed: A non-negative integer.

    Returns:
        ``(init_seed, shuffle_seed, pooled_seed)`` from ``np.random.SeedSequence(seed)``.
    """
    _positive_int("seed", seed, minimum=0)
    a, b, c = np.random.SeedSequence(int(seed)).generate_state(3, dtype=np.uint32)
    return int(a), int(b), int(c)


def init_network(n_features: int, n_groups: int, hidden_units: int, seed: int,
                 dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu") -> DAFHNetwork:
    """A freshly initialised :class:`DAFHNetwork` (PyTorch default init under ``seed``).

    The global torch RNG is forked, so it is unchanged afterwards.

    Args:
        n_features: Input width d.
        n_groups: K.
        hidden_units: Hidden width of g.
        seed: Initialisation seed.
        dtype: Parameter dtype.
        device: Where the parameters live (drawn on the CPU, then moved: the same values on every device).

    Returns:
        The network.
    """
    with torch.random.fork_rng(devices=[]):
        seed_everything(int(seed))
        net = DAFHNetwork(n_features, n_groups, hidden_units)
    return net.to(dtype=dtype, device=device)


def _check_xy(x, y_pm, dtype: torch.dtype, device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64), dtype=dtype, device=device)
    yt = torch.as_tensor(np.asarray(y_pm, dtype=np.float64), dtype=dtype, device=device)
    if xt.ndim != 2 or xt.shape[0] == 0:
        raise DataError(f"X: expected a non-empty 2-d array, got shape {tuple(xt.shape)}")
    if yt.shape != (xt.shape[0],):
        raise DataError(f"y: expected shape ({xt.shape[0]},), got {tuple(yt.shape)}")
    if not torch.isfinite(xt).all():
        raise DataError("X: contains NaN or infinite values")
    if not bool(((yt == 1) | (yt == -1)).all()):
        raise DataError("y: training labels must be -1 or +1")
    return xt, yt


def _batches(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int):
    """``batches(epoch)`` for :func:`fit`: a fresh seeded permutation per epoch (drawn on the CPU, so the
    same on every device), last batch kept."""
    gen = torch.Generator().manual_seed(int(seed))
    n = x.shape[0]

    def batches(epoch: int):
        perm = torch.randperm(n, generator=gen).to(x.device)
        xp, yp = x[perm], y[perm]
        for start in range(0, n, batch_size):
            yield xp[start:start + batch_size], yp[start:start + batch_size]
    return batches


def _logistic_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean logistic loss ``log(1 + exp(-y t))`` over the sample axis (axis 0)."""
    return F.softplus(-y.reshape(-1, *([1] * (logits.ndim - 1))) * logits).mean(dim=0)


def train_pooled(x, y_pm, *, lr: float, momentum: float = 0.9, batch_size: int = 1024, epochs: int = 3,
                 seed: int = 0, dtype: str | torch.dtype = torch.float32,
                 device: str | torch.device = "cpu") -> tuple[np.ndarray, float]:
    """Fit the pooled logistic classifier h_0 by mini-batch SGD (step 1 of Algorithm 1).

    Args:
        x: ``(n, d)`` standardised features.
        y_pm: ``(n,)`` labels in {-1, +1}.
        lr: Learning rate (the decoupled classifiers' rate).
        momentum: SGD momentum.
        batch_size: Mini-batch size.
        epochs: Passes over the data.
        seed: Seed of the shuffles (the pooled stream of :func:`seed_streams`).
        dtype: Training dtype.
        device: Training device (a ``torch.device`` or its name; :func:`fairopt.core.device.resolve_device`).

    Returns:
        ``(w, b)``: float64 weights ``(d,)`` and intercept.
    """
    dt = resolve_dtype(dtype)
    xt, yt = _check_xy(x, y_pm, dt, device)
    model = torch.nn.utils.skip_init(torch.nn.Linear, xt.shape[1], 1, dtype=dt, device=xt.device)  # no RNG draw
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()

    def loss_fn(m, batch):
        xb, yb = batch
        return _logistic_loss(m(xb).squeeze(1), yb), {}

    fit(model, loss_fn, _batches(xt, yt, batch_size, seed), epochs=epochs,
        optimizer=OptimizerConfig(name="plain_sgd", lr=lr, momentum=momentum))
    return _to_numpy(model.weight)[0], float(model.bias.detach().to(torch.float64)[0])


def train_pooled_batched(x, y_pm, *, lrs: Sequence[float], momentum: float = 0.9, batch_size: int = 1024,
                         epochs: Sequence[int] = (3,), seed: int = 0,
                         dtype: str | torch.dtype = torch.float32,
                         device: str | torch.device = "cpu") -> dict[tuple[int, int], tuple[np.ndarray, float]]:
    """:func:`train_pooled` for several learning rates at once, snapshotted at several epoch counts.

    Args:
        x, y_pm, momentum, batch_size, seed, dtype, device: As in :func:`train_pooled`.
        lrs: The learning rates (one copy of the classifier each).
        epochs: The epoch counts to snapshot (the run lasts the largest).

    Returns:
        ``{(lr_index, epochs): (w, b)}`` for every learning rate and every requested epoch count;
        equal (up to rounding) to separate :func:`train_pooled` calls with the same seed.
    """
    dt = resolve_dtype(dtype)
    xt, yt = _check_xy(x, y_pm, dt, device)
    wanted = sorted({_positive_int("pooled_epochs", e) for e in epochs})
    model = BatchedPooled(xt.shape[1], len(lrs), dt).to(xt.device)
    model.set_learning_rates(lrs)
    out: dict[tuple[int, int], tuple[np.ndarray, float]] = {}
    done = [0]

    def loss_fn(m, batch):
        xb, yb = batch
        return _logistic_loss(m(xb), yb).sum(), {}

    def snapshot(m):
        done[0] += 1
        if done[0] in wanted:
            w, b = _to_numpy(m.weight), _to_numpy(m.bias)
            for p in range(len(lrs)):
                out[(p, done[0])] = (w[:, p].copy(), float(b[p]))
        return {}

    fit(model, loss_fn, _batches(xt, yt, batch_size, seed), epochs=wanted[-1],
        optimizer=OptimizerConfig(name="plain_sgd", lr=1.0, momentum=momentum), evaluate=snapshot)
    return out


def _to_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().to(torch.float64).cpu().numpy().copy()


def train_dafh(x, y_pm, *, n_groups: int, config: DAFHConfig = DAFHConfig(), seed: int = 0,
               dtype: str | torch.dtype = torch.float32, device: str | torch.device = "cpu",
               on_step: Callable[[int, DAFHParameters], None] | None = None) -> DAFHParameters:
    """Train one DAFH configuration (Algorithm 1) on standardised features.

    Args:
        x: ``(n, d)`` standardised features (never the sensitive attributes).
        y_pm: ``(n,)`` labels in {-1, +1}.
        n_groups: Number of groups K (>= 2).
        config: Hyperparameters.
        seed: Seed of every random draw.
        dtype: Training dtype (``float32`` for speed, ``float64`` for checks).
        device: Training device (as in :func:`train_pooled`); the weights returned are numpy arrays.
        on_step: Optional ``on_step(step, params)`` after every gradient step (``step`` counts from 1;
            ``params`` the current weights with the frozen pooled classifier): learning curves per
            mini-batch step (the paper's Fig. 2).

    Returns:
        The trained :class:`DAFHParameters`.
    """
    _positive_int("n_groups", n_groups, minimum=2)
    config = config.checked()
    dt = resolve_dtype(dtype)
    xt, yt = _check_xy(x, y_pm, dt, device)
    init_seed, shuffle_seed, pooled_seed = seed_streams(seed)
    start = time.perf_counter()
    pooled_w, pooled_b = train_pooled(x, y_pm, lr=config.lr_decoupled, momentum=config.momentum,
                                      batch_size=config.batch_size, epochs=config.pooled_passes,
                                      seed=pooled_seed, dtype=dt, device=xt.device)
    net = init_network(xt.shape[1], n_groups, config.hidden_units, init_seed, dt, xt.device)

    def loss_fn(m, batch):
        xb, yb = batch
        group, dec = m(xb)
        j = surrogate_objective(group, dec, yb, config.penalty)
        return -j, {"objective": float(j.detach())}

    groups: list[dict[str, Any]] = [
        {"params": net.group_parameters(), "lr": config.lr_group, "momentum": config.group_momentum},
        {"params": net.decoupled_parameters(), "lr": config.lr_decoupled, "momentum": config.momentum}]
    def params(history: list, seconds: float) -> DAFHParameters:
        g0, g1 = net.group[0], net.group[-1]
        assert isinstance(g0, torch.nn.Linear) and isinstance(g1, torch.nn.Linear)  # mlp's first and output layers
        return DAFHParameters(w1=_to_numpy(g0.weight), b1=_to_numpy(g0.bias), w2=_to_numpy(g1.weight),
                              b2=_to_numpy(g1.bias), wd=_to_numpy(net.decoupled.weight),
                              bd=_to_numpy(net.decoupled.bias), pooled_w=pooled_w, pooled_b=pooled_b,
                              config=config, history=history, seconds=seconds)

    steps = [0]

    def step_hook(_model, _epoch, _batch):
        steps[0] += 1
        assert on_step is not None  # the hook is passed to fit only with an on_step
        with torch.no_grad():
            on_step(steps[0], params([], time.perf_counter() - start))

    result = fit(net, loss_fn, _batches(xt, yt, config.batch_size, shuffle_seed), epochs=config.epochs,
                 optimizer=OptimizerConfig(name="plain_sgd", lr=config.lr_decoupled, momentum=config.momentum),
                 parameters=groups, on_step=None if on_step is None else step_hook)
    return params(result.history, time.perf_counter() - start)


def train_dafh_batched(x, y_pm, *, n_groups: int, configs: Sequence[DAFHConfig], seed: int = 0,
                       dtype: str | torch.dtype = torch.float32,
                       device: str | torch.device = "cpu") -> list[DAFHParameters]:
    """Train many DAFH configurations as one batched computation; same result as separate fits.

    The configurations must share ``batch_size``, ``momentum``, ``group_momentum`` and
    ``hidden_units`` (and the data, seed and K); ``lr_group``, ``lr_decoupled``, ``penalty``,
    ``epochs`` and ``pooled_epochs`` may differ. Distinct ``(lr_group, lr_decoupled, penalty)``
    triples form the configuration axis; the run lasts ``max(epochs)`` passes and is snapshotted at
    every requested epoch count (module docstring).

    Args:
        x: ``(n, d)`` standardised features.
        y_pm: ``(n,)`` labels in {-1, +1}.
        n_groups: Number of groups K (>= 2).
        configs: The configurations.
        seed: Seed (the same for every configuration, as in a grid search over one split).
        dtype: Training dtype.
        device: Training device.

    Returns:
        One :class:`DAFHParameters` per configuration, in the order given; each equals
        ``train_dafh(x, y_pm, n_groups=n_groups, config=c, seed=seed, dtype=dtype)`` up to rounding.
    """
    _positive_int("n_groups", n_groups, minimum=2)
    if len(configs) == 0:
        raise ConfigError("configs: expected at least one DAFHConfig")
    configs = [c.checked() for c in configs]
    for key in ("batch_size", "momentum", "group_momentum", "hidden_units"):
        values = {getattr(c, key) for c in configs}
        if len(values) > 1:
            raise ConfigError(f"configs: every configuration of a batched fit must share {key}, got {sorted(values)}")
    dt = resolve_dtype(dtype)
    xt, yt = _check_xy(x, y_pm, dt, device)
    base = configs[0]
    init_seed, shuffle_seed, pooled_seed = seed_streams(seed)
    start = time.perf_counter()

    lrs = sorted({c.lr_decoupled for c in configs})
    pooled = train_pooled_batched(x, y_pm, lrs=lrs, momentum=base.momentum, batch_size=base.batch_size,
                                  epochs=[c.pooled_passes for c in configs], seed=pooled_seed, dtype=dt,
                                  device=xt.device)

    triples = sorted({(c.lr_group, c.lr_decoupled, c.penalty) for c in configs})
    wanted = sorted({c.epochs for c in configs})
    single = init_network(xt.shape[1], n_groups, base.hidden_units, init_seed, dt, xt.device)
    net = BatchedDAFHNetwork(single, len(triples))
    net.set_learning_rates([t[0] for t in triples], [t[1] for t in triples])
    penalty = torch.as_tensor([t[2] for t in triples], dtype=dt, device=xt.device)
    states: dict[int, list[dict[str, torch.Tensor]]] = {}
    done = [0]

    def loss_fn(m, batch):
        xb, yb = batch
        group, dec = m(xb)
        j = surrogate_objective(group, dec, yb, penalty)
        values = j.detach().tolist()
        return -j.sum(), {f"objective_{c}": v for c, v in enumerate(values)}

    def snapshot(m):
        done[0] += 1
        if done[0] in wanted:
            states[done[0]] = [m.config_state(c) for c in range(len(triples))]
        return {}

    groups: list[dict[str, Any]] = [
        {"params": net.group_parameters(), "lr": 1.0, "momentum": base.group_momentum},
        {"params": net.decoupled_parameters(), "lr": 1.0, "momentum": base.momentum}]
    result = fit(net, loss_fn, _batches(xt, yt, base.batch_size, shuffle_seed), epochs=wanted[-1],
                 optimizer=OptimizerConfig(name="plain_sgd", lr=1.0, momentum=base.momentum),
                 parameters=groups, evaluate=snapshot)
    seconds = time.perf_counter() - start

    out = []
    for c in configs:
        t = triples.index((c.lr_group, c.lr_decoupled, c.penalty))
        s = states[c.epochs][t]
        w, b = pooled[(lrs.index(c.lr_decoupled), c.pooled_passes)]
        history = [{"epoch": r["epoch"], "objective": r[f"objective_{t}"]} for r in result.history[:c.epochs]]
        out.append(DAFHParameters(w1=_to_numpy(s["w1"]), b1=_to_numpy(s["b1"]), w2=_to_numpy(s["w2"]),
                                  b2=_to_numpy(s["b2"]), wd=_to_numpy(s["wd"]), bd=_to_numpy(s["bd"]),
                                  pooled_w=w, pooled_b=b, config=replace(c), history=history, seconds=seconds))
    return out
