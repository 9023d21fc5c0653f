"""Timing of the fairness layer: fairopt's exact layer, its cvxpylayers back end, the authors' package.

Three measurements, each with wall *and* CPU time (``time.perf_counter`` / ``time.process_time``;
CPU time counts every thread of the process, so it can exceed wall time with several torch
threads) and the machine's usable cores and 1-minute load average at start and end (a
measurement taken with load above the cores is slowed by other processes):

:func:`benchmark_layer` -- forward + backward time per batch of two-group mean-prediction parity
    with a box (the synthetic-regression setting: eps = 0.05, box [-3.5, 3.5]) at several batch
    sizes, for

    * fairopt's exact back end;
    * fairopt's cvxpylayers back end (:mod:`fairopt.methods.flayer.cvx`: cvxpy problem built once
      per group pattern -- the build time is reported separately -- and solved by SCS at
      ``eps = 1e-9``). This is *not* the authors' implementation;
    * the authors' package ``fairness-training`` 0.1.0 (PyPI; ``pip install -e '.[bench]'``):
      ``FairModel`` in training mode, which builds a new cvxpylayers problem for every batch and
      solves it at SCS's default tolerance -- what the authors' code does. Its network is replaced
      by a stand-in that returns the batch's raw outputs, so only the layer is timed.

    Raw outputs are drawn so that the parity constraint is active and some outputs leave the box.
    Caps, reported in the table and never filled in by an estimate: the authors' package is timed
    on at most ``authors_repeats`` batches per size (each batch builds and solves a new problem:
    seconds at 10,000 rows); fairopt's cvxpylayers back end is not run above
    ``cvxpylayers_max_batch`` rows, and a failed or inaccurate SCS solve is reported as its status.
:func:`benchmark_epochs` -- one training epoch (forward, MSE, backward, SGD step over every batch)
    of the same seeded MLP unconstrained, with fairopt's exact layer, and as the authors' package's
    ``FairModel``; the fair/unconstrained ratio is the cost of fairness in training. The variants
    are interleaved batch by batch, so a change of the machine's load affects them alike.
:func:`authors_constraint_check` -- how far the authors' package's outputs leave its own hard
    constraint (mean-residual parity, both sides of each binary attribute) at SCS's default
    tolerance, beside fairopt's exact layer on the same batches.

**Device.** Every function takes ``device`` (a ``torch.device`` or its name, e.g. from
:func:`fairopt.core.device.resolve_device`): fairopt's layer and the networks run there (a GPU's
queue is synchronised before a clock is read) and each table records it (column ``device``). The
authors' package is timed on the CPU only (its cvxpylayers solve is CPU-bound, and an epoch
against a GPU network would compare two machines): on another device its timings are ``not
measured``; in the constraint check (no clock) it runs on the CPU beside fairopt on ``device``.

When the authors' package is not installed its columns are NaN and ``authors_status`` / ``status``
says ``not measured: fairness-training not installed``: nothing is estimated. Performance is
measured here, not asserted in tests; :func:`fairopt.studies.layer.benchmarks.benchmark_rows` turns
the tables into benchmark-table rows.
"""
from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from fairopt.core.errors import SolverError
from fairopt.core.models import mlp, seed_everything
from fairopt.core.timing import usable_cores
from fairopt.methods.flayer.layer import FairnessLayer

__all__ = ["NOT_INSTALLED", "CPU_ONLY", "authors_package", "benchmark_layer", "benchmark_epochs",
           "authors_constraint_check"]

#: status of a measurement of the authors' package when it is absent
NOT_INSTALLED = "not measured: fairness-training not installed (pip install -e '.[bench]')"
#: status of a timing of the authors' package on a device other than the CPU
CPU_ONLY = "not measured: the authors' package is timed on the CPU only (device {device})"


def _sync(device: torch.device) -> None:
    """Wait for a GPU's queued work before a clock is read (nothing on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def authors_package():
    """The authors' ``fairness_training.FairModel`` class, or ``None`` when the package is absent."""
    try:
        from fairness_training import FairModel
    except ImportError:
        return None
    return FairModel


def _load() -> float:
    try:
        return float(os.getloadavg()[0])
    except (AttributeError, OSError):  # pragma: no cover - platform without load average
        return float("nan")


class _RawOutputs(nn.Module):
    """Stand-in network of the authors' ``FairModel``: returns the raw outputs set in ``z``."""

    def __init__(self) -> None:
        super().__init__()
        self.z: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        assert self.z is not None  # set before each call
        return self.z.reshape(-1, 1)


def _authors_model(eps: float, lb: float, ub: float, n_attributes: int, metric: str, network: nn.Module):
    """The authors' ``FairModel`` in training mode (hard layer on every batch), or ``None``."""
    FairModel = authors_package()
    if FairModel is None:
        return None
    model = FairModel(input_dim=n_attributes, custom_network=network, protected_attr_idx=list(range(n_attributes)),
                      prediction_bounds=(float(lb), float(ub)), fairness_tolerance=float(eps), b_tau=1,
                      fairness_metric=metric)
    model.train()
    return model


def _batches(n: int, repeats: int, rng: np.random.Generator, share: float):
    n1 = max(1, int(round(share * n)))
    out = []
    for _ in range(repeats):
        g = np.zeros(n, dtype=np.int64)
        g[rng.permutation(n)[:n1]] = 1
        z = rng.normal(0.0, 1.5, n) + 1.0 * g
        v = rng.normal(size=n)
        out.append((torch.as_tensor(g), torch.tensor(z), torch.tensor(v)))
    return out


def _time(project: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], batches,
          dtype: torch.dtype = torch.float64, device: torch.device = torch.device("cpu")
          ) -> tuple[float, float, list[np.ndarray], list[np.ndarray]]:
    """Median wall and CPU seconds of forward + backward per batch (on ``device``), outputs and gradients."""
    ys, grads, wall, cpu = [], [], [], []
    for g, z, v in batches:
        zz = z.to(device=device, dtype=dtype).clone().requires_grad_(True)
        vv = v.to(device)
        _sync(device)
        t0, c0 = time.perf_counter(), time.process_time()
        y = project(zz, g).reshape(-1)
        (y @ vv.to(y.dtype)).backward()
        _sync(device)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        ys.append(y.detach().double().cpu().numpy())
        grads.append(zz.grad.double().cpu().numpy().copy())
    return float(np.median(wall)), float(np.median(cpu)), ys, grads


def _authors_projector(model, raw: _RawOutputs) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    def project(z: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        raw.z = z
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model(g.to(torch.float32).reshape(len(g), -1))

    return project


def _gap(y: np.ndarray, g: np.ndarray) -> float:
    return float(abs(y[g == 0].mean() - y[g == 1].mean()))


def benchmark_layer(batch_sizes: Sequence[int] = (16, 256, 2000), repeats: int = 5, seed: int = 0, *,
                    eps: float = 0.05, lb: float = -3.5, ub: float = 3.5, group_share: float = 0.3,
                    solver_args: dict[str, Any] | None = None, authors: bool = True,
                    authors_repeats: int | None = None, cvxpylayers_max_batch: int | None = None,
                    device: torch.device | str = "cpu") -> pd.DataFrame:
    """Forward+backward time per batch: exact, cached cvxpylayers, the authors' package (two groups, box).

    Args:
        batch_sizes: Batch sizes to time.
        repeats: Timed batches per size (after one untimed warm-up batch per implementation).
        seed: Seed of the random batches.
        eps, lb, ub: Parity tolerance and box.
        group_share: Share of group 1 in each batch.
        solver_args: diffcp options for fairopt's cvxpylayers back end (default: SCS at eps 1e-9, see
            :data:`fairopt.methods.flayer.cvx.DEFAULT_SOLVER_ARGS`); the authors' package always runs
            with its own (SCS defaults).
        authors: Also time the authors' package (when installed).
        authors_repeats: Timed batches of the authors' package per size, at most (``None``:
            ``repeats``); the first ones of the same batches the other implementations see.
        cvxpylayers_max_batch: Largest batch run through fairopt's cvxpylayers back end (``None``:
            no cap); above it its columns are NaN with the cap as ``cvxpylayers_status``.
        device: Where fairopt's layer runs (module docstring).

    Times are medians over the repeats (robust to the other processes of a shared machine).

    Returns:
        One row per batch size: ``exact_ms`` / ``exact_cpu_ms``, ``cvxpylayers_status``
        (``measured``, the cap, or the solver's failure), ``cvxpylayers_ms`` /
        ``cvxpylayers_cpu_ms`` (cached problem), ``cvxpylayers_build_ms`` (first call: build +
        solve), ``speedup`` (cvxpylayers / exact, wall) and ``speedup_cpu``, the largest output /
        gradient differences between the two back ends, ``authors_status`` (``measured``,
        :data:`NOT_INSTALLED` or :data:`CPU_ONLY`), ``authors_repeats`` (batches timed),
        ``authors_ms`` / ``authors_cpu_ms``, ``authors_speedup_cpu`` (authors' CPU time / exact
        CPU time), ``authors_speedup`` (the same, wall time), ``authors_max_violation`` (largest
        ``|m_0 - m_1| - eps`` of the authors' outputs, 0 if none above eps),
        ``authors_max_abs_diff_output`` (vs exact), the ``device`` and the machine state
        (``cores``, ``loadavg_start``, ``loadavg_end``).
    """
    device = torch.device(device)
    a_reps = int(repeats) if authors_repeats is None else max(1, min(int(authors_repeats), int(repeats)))
    rng = np.random.default_rng(seed)
    rows = []
    for n in batch_sizes:
        load0 = _load()
        batches = _batches(int(n), int(repeats) + 1, rng, group_share)
        exact = FairnessLayer("mean_parity", eps, lb, ub, backend="exact")
        _time(exact, batches[:1], device=device)
        t_exact, c_exact, y_e, g_e = _time(exact, batches[1:], device=device)
        nan = float("nan")
        row = {
            "batch_size": int(n), "repeats": int(repeats),
            "exact_ms": 1e3 * t_exact, "exact_cpu_ms": 1e3 * c_exact,
            **_cvx_columns(int(n), batches, solver_args, cvxpylayers_max_batch, device, eps, lb, ub,
                           t_exact, c_exact, y_e, g_e),
            "authors_status": NOT_INSTALLED, "authors_repeats": 0, "authors_ms": nan, "authors_cpu_ms": nan,
            "authors_speedup": nan, "authors_speedup_cpu": nan, "authors_max_violation": nan,
            "authors_max_abs_diff_output": nan,
        }
        raw = _RawOutputs()
        model = _authors_model(eps, lb, ub, 1, "mean_pred", raw) if authors and device.type == "cpu" else None
        if model is not None:
            project = _authors_projector(model, raw)
            timed = batches[1:1 + a_reps]
            _time(project, batches[:1], torch.float32)
            t_a, c_a, y_a, _ = _time(project, timed, torch.float32)
            gs = [b[0].numpy() for b in timed]
            row.update({
                "authors_status": "measured", "authors_repeats": len(timed),
                "authors_ms": 1e3 * t_a, "authors_cpu_ms": 1e3 * c_a,
                "authors_speedup": t_a / t_exact if t_exact > 0 else nan,
                "authors_speedup_cpu": c_a / c_exact if c_exact > 0 else nan,
                "authors_max_violation": max(0.0, max(_gap(y, g) - eps for y, g in zip(y_a, gs))),
                "authors_max_abs_diff_output": float(max(np.abs(a - b).max() for a, b in zip(y_e, y_a))),
            })
        elif not authors:
            row["authors_status"] = "not measured: authors=False"
        elif device.type != "cpu":
            row["authors_status"] = CPU_ONLY.format(device=device.type)
        row.update({"device": device.type, "cores": usable_cores(), "loadavg_start": load0, "loadavg_end": _load()})
        rows.append(row)
    return pd.DataFrame(rows)


def _cvx_columns(n: int, batches, solver_args, max_batch: int | None, device: torch.device, eps: float, lb: float,
                 ub: float, t_exact: float, c_exact: float, y_e, g_e) -> dict[str, Any]:
    """fairopt's cvxpylayers back end on the batches of :func:`benchmark_layer` (columns of its row)."""
    nan = float("nan")
    cvx = FairnessLayer("mean_parity", eps, lb, ub, backend="cvxpylayers", solver_args=solver_args)
    assert cvx._cvx is not None  # the cvxpylayers back end's projector
    out = {"cvxpylayers_status": "measured", "cvxpylayers_ms": nan, "cvxpylayers_cpu_ms": nan,
           "cvxpylayers_build_ms": nan, "speedup": nan, "speedup_cpu": nan, "max_abs_diff_output": nan,
           "max_abs_diff_grad": nan, "solver": cvx._cvx.solver_args.get("solve_method")}
    if max_batch is not None and n > int(max_batch):
        out["cvxpylayers_status"] = (f"not measured: batch {n} above the cap layer.benchmark.cvxpylayers_max_batch "
                                     f"= {int(max_batch)}")
        return out
    try:
        t0 = time.perf_counter()
        _time(cvx, batches[:1], device=device)
        build = time.perf_counter() - t0
        t_cvx, c_cvx, y_c, g_c = _time(cvx, batches[1:], device=device)
    except SolverError as exc:  # e.g. SCS inaccurate at its tolerance: reported, never estimated
        out["cvxpylayers_status"] = f"not measured: {exc}"
        return out
    out.update({"cvxpylayers_ms": 1e3 * t_cvx, "cvxpylayers_cpu_ms": 1e3 * c_cvx, "cvxpylayers_build_ms": 1e3 * build,
                "speedup": t_cvx / t_exact, "speedup_cpu": c_cvx / c_exact if c_exact > 0 else nan,
                "max_abs_diff_output": float(max(np.abs(a - b).max() for a, b in zip(y_e, y_c))),
                "max_abs_diff_grad": float(max(np.abs(a - b).max() for a, b in zip(g_e, g_c)))})
    return out


def _epoch_data(n_rows: int, n_features: int, group_share: float, seed: int):
    """Regression data with the protected attribute in column 0 (fed to the network)."""
    rng = np.random.default_rng(seed)
    g = (rng.random(n_rows) < group_share).astype(np.float32)
    X = rng.normal(size=(n_rows, n_features + 1)).astype(np.float32)
    X[:, 0] = g
    beta = rng.normal(size=n_features) / np.sqrt(n_features)
    y = (X[:, 1:] @ beta + 1.0 * g + 0.3 * rng.normal(size=n_rows)).astype(np.float32)
    return torch.from_numpy(X), torch.from_numpy(y), torch.from_numpy(g.astype(np.int64))


def benchmark_epochs(*, n_rows: int = 24000, n_features: int = 150, batch_size: int = 2000,
                     hidden: Sequence[int] = (64, 64, 64, 64), repeats: int = 3, seed: int = 0, eps: float = 0.05,
                     lb: float = -3.5, ub: float = 3.5, group_share: float = 0.3, lr: float = 5e-4,
                     authors: bool = True, device: torch.device | str = "cpu") -> pd.DataFrame:
    """Seconds per training epoch: unconstrained, with fairopt's exact layer, with the authors' package.

    Every variant trains the same LayerNorm MLP (``n_features + 1`` inputs, ``hidden``, 1 output;
    weights seeded identically) by SGD on MSE over the same ``n_rows // batch_size`` batches of
    two-group regression data (the mean-parity constraint with ``eps`` and the box ``[lb, ub]``)
    on ``device``. One untimed warm-up epoch, then ``repeats`` timed epochs (median). The variants
    are interleaved *batch by batch* (variant A's step on batch 1, B's on batch 1, ..., then batch
    2), and the variant that goes first rotates from batch to batch (whoever runs first after
    another network's step meets cold caches): an epoch's time is the sum of its steps' times, and
    a change of the machine's load within an epoch affects every variant alike.

    Returns:
        One row per variant (``unconstrained``, ``fairopt_exact``, ``fairness_training``): ``status``,
        ``epoch_s`` / ``epoch_cpu_s``, ``ratio`` / ``ratio_cpu`` (over the unconstrained epoch), the
        configuration, the ``device`` and the machine state (``cores``, ``loadavg_start``,
        ``loadavg_end``).
    """
    device = torch.device(device)
    X, y, g = _epoch_data(int(n_rows), int(n_features), group_share, seed)
    X, y = X.to(device), y.to(device)
    n_batches = max(1, int(n_rows) // int(batch_size))
    perm = np.random.default_rng([seed, 1]).permutation(len(y))
    idx = [torch.from_numpy(perm[b * batch_size:(b + 1) * batch_size]) for b in range(n_batches)]
    batches = [(X[it.to(device)], y[it.to(device)].to(torch.float64), g[it]) for it in idx]

    def build() -> nn.Module:
        seed_everything(int(seed))
        return mlp(int(n_features) + 1, list(hidden), 1, activation="relu", layer_norm=True).to(device)

    def variants():
        net = build()
        yield "unconstrained", net, lambda xb, gb: net(xb).reshape(-1)
        net = build()
        layer = FairnessLayer("mean_parity", eps, lb, ub)
        yield "fairopt_exact", net, lambda xb, gb: layer(net(xb).reshape(-1), gb)
        if not authors:
            yield "fairness_training", None, "not measured: authors=False"
            return
        if device.type != "cpu":
            yield "fairness_training", None, CPU_ONLY.format(device=device.type)
            return
        net = build()
        model = _authors_model(eps, lb, ub, 1, "mean_pred", net)
        if model is None:
            yield "fairness_training", None, NOT_INSTALLED
            return

        def authors_forward(xb, gb):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return model(xb).reshape(-1)

        yield "fairness_training", net, authors_forward

    config = {"n_rows": int(n_rows), "n_features": int(n_features), "batch_size": int(batch_size),
              "n_batches": n_batches, "hidden": "x".join(str(h) for h in hidden), "repeats": int(repeats)}
    runs = []
    for name, net, forward in variants():
        opt = None if net is None else torch.optim.SGD(net.parameters(), lr=lr)
        runs.append({"name": name, "net": net, "forward": forward, "opt": opt, "wall": [], "cpu": []})
    active = [run for run in runs if run["net"] is not None]
    load0 = _load()
    for epoch in range(int(repeats) + 1):  # epoch 0 warms up
        wall = {id(run): 0.0 for run in active}
        cpu = dict(wall)
        for b, (xb, yb, gb) in enumerate(batches):
            first = (epoch + b) % len(active)  # interleaved batch by batch, the first variant rotating (docstring)
            for run in active[first:] + active[:first]:
                forward, opt = run["forward"], run["opt"]
                _sync(device)
                t0, c0 = time.perf_counter(), time.process_time()
                opt.zero_grad()
                pred = forward(xb, gb)
                loss = ((pred.to(torch.float64) - yb) ** 2).mean()
                loss.backward()
                opt.step()
                _sync(device)
                wall[id(run)] += time.perf_counter() - t0
                cpu[id(run)] += time.process_time() - c0
        if epoch:
            for run in active:
                run["wall"].append(wall[id(run)])
                run["cpu"].append(cpu[id(run)])
    load1 = _load()
    rows = []
    for run in runs:
        measured = run["net"] is not None
        rows.append({"variant": run["name"], "status": "measured" if measured else run["forward"],
                     "epoch_s": float(np.median(run["wall"])) if measured else float("nan"),
                     "epoch_cpu_s": float(np.median(run["cpu"])) if measured else float("nan"),
                     **config, "device": device.type, "cores": usable_cores(), "loadavg_start": load0,
                     "loadavg_end": load1})
    frame = pd.DataFrame(rows)
    base = frame.set_index("variant").loc["unconstrained"]
    frame["ratio"] = frame["epoch_s"] / float(base["epoch_s"])
    frame["ratio_cpu"] = frame["epoch_cpu_s"] / float(base["epoch_cpu_s"])
    return frame


def _residual_batches(n: int, n_attributes: int, repeats: int, rng: np.random.Generator):
    shares = np.linspace(0.3, 0.5, n_attributes)
    out = []
    for _ in range(repeats):
        G = (rng.random((n, n_attributes)) < shares).astype(np.int64)
        t = (rng.normal(0.0, 1.5, n) + G[:, 0]).astype(np.float32).astype(np.float64)  # float32-exact targets
        z = t + rng.normal(0.0, 1.0, n) + 1.0 * G[:, 0] - 0.5 * G[:, -1]
        out.append((G, t, z))
    return out


def _residual_violation(y: np.ndarray, G: np.ndarray, t: np.ndarray, eps: float) -> float:
    worst = 0.0
    for k in range(G.shape[1]):
        for side in (0, 1):
            mask = G[:, k] == side
            if mask.any():
                worst = max(worst, abs(float(y[mask].mean() - t[mask].mean())) - eps)
    return max(worst, 0.0)


def authors_constraint_check(*, batch_size: int = 2000, repeats: int = 10, eps_values: Sequence[float] = (1e-4, 0.05),
                             n_attributes: int = 2, lb: float = -3.5, ub: float = 3.5, seed: int = 0,
                             rel_tol: float = 1e-3, device: torch.device | str = "cpu") -> pd.DataFrame:
    """Largest violation of the hard mean-residual constraint by the authors' package and by fairopt.

    Batches: ``n_attributes`` binary attributes (group-1 shares 0.3 ... 0.5), targets
    ``t ~ N(0, 1.5^2) + A_0`` (rounded to float32, the package's input precision), raw outputs
    ``z = t + N(0, 1) + A_0 - 0.5 A_last``; constraint ``|m_g(y) - m_g(t)| <= eps`` for both sides
    ``g`` of every attribute, box ``[lb, ub]``. The same batches go through the authors'
    ``FairModel`` (metric ``mean_residual``, training mode: SCS at its default tolerance) and
    fairopt's exact layer (on ``device``; the authors' package on the CPU, module docstring).

    Returns:
        One row per (eps, implementation) (``fairness_training``, ``fairopt_exact``): ``status``,
        ``max_violation`` (largest ``|m_g(y) - m_g(t)| - eps`` over batches and groups, 0 if none
        is above eps), ``max_violation_rel`` (over eps), ``n_violating`` (batches above
        ``eps (1 + rel_tol)``), ``n_batches``, ``batch_size``, a ``setting`` text and the ``device``
        the implementation ran on.
    """
    device = torch.device(device)
    rng = np.random.default_rng(seed)
    batches = _residual_batches(int(batch_size), int(n_attributes), int(repeats), rng)
    setting = (f"batch {int(batch_size)}, {int(n_attributes)} binary attributes (both sides constrained), box "
               f"[{lb:g}, {ub:g}], {int(repeats)} seeded batches (seed {seed})")
    rows = []
    for eps in eps_values:
        eps = float(eps)
        impls: list[tuple[str, Any]] = [("fairopt_exact", FairnessLayer("residual_parity", eps, lb, ub))]
        raw = _RawOutputs()
        model = _authors_model(eps, lb, ub, int(n_attributes), "mean_residual", raw)
        impls.append(("fairness_training", (model, raw)))
        for name, impl in impls:
            base = {"eps": eps, "implementation": name, "batch_size": int(batch_size), "n_batches": len(batches),
                    "setting": setting}
            ran_on = {"device": device.type if name == "fairopt_exact" else "cpu"}
            if name == "fairness_training" and impl[0] is None:
                rows.append({**base, "status": NOT_INSTALLED, "max_violation": float("nan"),
                             "max_violation_rel": float("nan"), "n_violating": float("nan"), **ran_on})
                continue
            viol = []
            for G, t, z in batches:
                if name == "fairopt_exact":
                    y = impl(torch.tensor(z, device=device), G, targets=torch.tensor(t, device=device)).cpu().numpy()
                else:
                    model, raw = impl
                    raw.z = torch.tensor(z, dtype=torch.float32)
                    with warnings.catch_warnings(), torch.no_grad():
                        warnings.simplefilter("ignore")
                        y = model(torch.tensor(G, dtype=torch.float32),
                                  y=torch.tensor(t, dtype=torch.float32)).double().numpy().reshape(-1)
                viol.append(_residual_violation(y, G, t, eps))
            worst = float(max(viol))
            rows.append({**base, "status": "measured", "max_violation": worst, "max_violation_rel": worst / eps,
                         "n_violating": int(sum(v > rel_tol * eps for v in viol)), **ran_on})
    return pd.DataFrame(rows)
