r"""The illustrative example of the FDFL paper's section 3.3 (Table 1, Figures 1-2).

Setting (paper sec. 3.3): ``Q = 50`` units of a resource go to 15 people in two groups, the
majority group 1 (10 people) and the disadvantaged minority group 2 (5 people). Person ``i`` has a
feature :math:`x_i \in [0, 1]` (age), a need level :math:`q_i` and a gain rate
:math:`g_i \in [0, 1]`; the utility is :math:`u_i = q_i g_i d_i` and the decision maximises
:math:`W_2(u) = -\sum_i 1/u_i` s.t. :math:`\sum_i d_i \le Q`, :math:`d \ge 0` (alpha = 2, the
closed form of eq. 9). The need is unknown at decision time and predicted from ``x`` by ONE
regression line :math:`\hat r_i = a + b x_i` for everybody (``r = q``).

Data generator (the paper gives no numbers; this is a documented reconstruction of its story).
Older people have higher needs; the relation is steeper in group 2, so a line fitted mostly to
the majority under-predicts group 2's need at higher ages and over-predicts it at younger ages
("the data tend to under-report the risks of group 2 at higher age and over-report at younger
age"); group 2 also gains less per unit (lower ``g``)::

    x ~ U(0, 1);  group 1: q = 0.15 + 0.60 x + e,  g ~ U(0.5, 1.0);
                  group 2: q = 0.02 + 0.95 x + e,  g ~ U(0.2, 0.6);   e ~ N(0, 0.03^2),

with ``q`` clipped to ``[0.02, 1]`` (all seeded by config ``fdfl.illustrative.seed``).

The four models (paper sec. 3.3), each one line ``(a, b)``:

* M1 (two-stage): least squares, :math:`\min \frac1n \sum_i (\hat r_i - q_i)^2` (exact, ``lstsq``);
* M2 (two-stage + prediction fairness): M1's loss :math:`+\ \lambda_2\, |MSE_1 - MSE_2|`
  (accuracy disparity between the groups);
* M3 (end-to-end): the decision error :math:`L_{error} = \frac1n \|d^*(\hat r) - d^*(q)\|^2`;
* M4 (end-to-end + prediction fairness): M3's loss :math:`+\ \lambda_4\, |MSE_1 - MSE_2|`.

M2-M4 are trained by :func:`fairopt.core.training.fit` (full batch, Adam) from M1's line, in float64,
with autograd through the closed-form decision; predictions are clipped below at ``floor`` so
that the allocation is defined. Table 1 reports each model's prediction MSE, accuracy
disparity, decision MSE, normalised regret and per-group decision errors; Figure 1 the points and
lines, Figure 2 the decision errors by person and group.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from fairopt.methods.alpha_fair.allocation import closed_form, normalized_regret
from fairopt.methods.alpha_fair.layers import alpha_fair_decision
from fairopt.core.errors import ConfigError
from fairopt.core.metrics import mse, mse_gap
from fairopt.core.training import OptimizerConfig, fit

__all__ = ["IllustrativeConfig", "IllustrativeData", "MODELS", "generate", "fit_models", "run_example"]

#: model -> (label, decision-focused?, fairness weight attribute)
MODELS = {
    "M1": ("M1: two-stage, MSE", False, None),
    "M2": ("M2: two-stage, MSE + accuracy disparity", False, "lambda_m2"),
    "M3": ("M3: end-to-end, decision MSE", True, None),
    "M4": ("M4: end-to-end, decision MSE + accuracy disparity", True, "lambda_m4"),
}


@dataclass(frozen=True)
class IllustrativeConfig:
    """Config ``fdfl.illustrative`` (the schema's defaults are the paper's setting where it gives one).

    Attributes:
        seed: Seed of the data draw.
        n_group1, n_group2: Group sizes (paper: 10 and 5).
        budget: ``Q`` (paper: 50).
        alpha: Decision fairness (paper: 2).
        lambda_m2: Weight of the accuracy disparity in M2's loss.
        lambda_m4: Weight of the accuracy disparity in M4's loss.
        epochs: Full-batch Adam steps for M2-M4.
        lr: Adam learning rate.
        floor: Lower clip of the predicted needs.
    """

    seed: int
    n_group1: int
    n_group2: int
    budget: float
    alpha: float
    lambda_m2: float
    lambda_m4: float
    epochs: int
    lr: float
    floor: float

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> IllustrativeConfig:
        """Build from ``config["fdfl"]["illustrative"]``; unknown keys raise :class:`ConfigError`."""
        unknown = set(cfg) - set(cls.__dataclass_fields__)
        missing = set(cls.__dataclass_fields__) - set(cfg)
        if unknown or missing:
            raise ConfigError(f"config key fdfl.illustrative: unknown field(s) {sorted(unknown)}, missing "
                              f"{sorted(missing)}; expected {sorted(cls.__dataclass_fields__)}")
        out = cls(**cfg)
        if out.n_group1 < 2 or out.n_group2 < 2 or not out.budget > 0 or not out.alpha > 0 or out.alpha == 1:
            raise ConfigError("config key fdfl.illustrative: needs n_group1, n_group2 >= 2, budget > 0 and "
                              f"alpha > 0, alpha != 1 (the decision must depend on the needs); got {cfg}")
        return out


@dataclass
class IllustrativeData:
    """The people of the example: feature, need, gain, group (1 or 2)."""

    x: np.ndarray
    q: np.ndarray
    g: np.ndarray
    group: np.ndarray

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"person": np.arange(len(self.x)), "group": self.group, "x": self.x,
                             "q": self.q, "g": self.g})


def generate(cfg: IllustrativeConfig) -> IllustrativeData:
    """Draw the example's people (see the module docstring for the generator)."""
    rng = np.random.default_rng(cfg.seed)
    n1, n2 = cfg.n_group1, cfg.n_group2
    x = rng.uniform(0.0, 1.0, n1 + n2)
    group = np.r_[np.ones(n1, dtype=int), np.full(n2, 2)]
    noise = rng.normal(0.0, 0.03, n1 + n2)
    q = np.where(group == 1, 0.15 + 0.60 * x, 0.02 + 0.95 * x) + noise
    q = np.clip(q, 0.02, 1.0)
    g = np.where(group == 1, rng.uniform(0.5, 1.0, n1 + n2), rng.uniform(0.2, 0.6, n1 + n2))
    return IllustrativeData(x, q, g, group)


def _loss(name: str, cfg: IllustrativeConfig, data: IllustrativeData):
    """Full-batch loss of model ``name`` on the line ``nn.Linear(1, 1)`` (float64)."""
    _, focused, lam_attr = MODELS[name]
    lam = getattr(cfg, lam_attr) if lam_attr else 0.0
    x = torch.as_tensor(data.x).reshape(-1, 1)
    q, g = torch.as_tensor(data.q), torch.as_tensor(data.g)
    code = torch.as_tensor(data.group == 2).to(torch.float64)     # 1 = group 2
    d_true = alpha_fair_decision(q, g, 1.0, cfg.budget, cfg.alpha)

    def loss_fn(model: nn.Module, _batch) -> tuple[torch.Tensor, dict[str, float]]:
        r_hat = model(x).reshape(-1)
        if focused:
            d_hat = alpha_fair_decision(r_hat.clamp_min(cfg.floor), g, 1.0, cfg.budget, cfg.alpha)
            loss = mse(d_true, d_hat)
        else:
            loss = mse(q, r_hat)
        if lam:
            loss = loss + lam * mse_gap(q, r_hat, code)
        return loss, {}

    return loss_fn


def fit_models(cfg: IllustrativeConfig, data: IllustrativeData) -> dict[str, tuple[float, float]]:
    """Fit M1-M4; returns ``{model: (intercept a, slope b)}``.

    M1 is exact least squares; M2-M4 start from M1's line and take ``cfg.epochs`` full-batch Adam
    steps through :func:`fairopt.core.training.fit`.
    """
    design = np.c_[np.ones_like(data.x), data.x]
    a1, b1 = np.linalg.lstsq(design, data.q, rcond=None)[0]
    lines = {"M1": (float(a1), float(b1))}
    for name in ("M2", "M3", "M4"):
        torch.manual_seed(cfg.seed)
        model = nn.Linear(1, 1).to(torch.float64)
        with torch.no_grad():
            model.weight.fill_(b1)
            model.bias.fill_(a1)
        fit(model, _loss(name, cfg, data), lambda epoch: [None], epochs=cfg.epochs,
            optimizer=OptimizerConfig("adam", cfg.lr))
        lines[name] = (float(model.bias.detach()), float(model.weight.detach()))
    return lines


def run_example(cfg: IllustrativeConfig) -> dict[str, pd.DataFrame]:
    """Data, fits and evaluation of the example.

    Returns:
        ``{"table1": ..., "points": ..., "lines": ...}``: Table 1 (one row per model: prediction
        MSE, accuracy disparity, decision MSE, normalised regret at ``alpha``, mean absolute and
        signed decision error per group); the people with every model's prediction and decision
        (long format, Figures 1-2); the fitted lines.
    """
    data = generate(cfg)
    lines = fit_models(cfg, data)
    d_star = closed_form(data.q, data.g, 1.0, cfg.budget, cfg.alpha)
    code = (data.group == 2).astype(int)
    table, points = [], []
    for name, (a, b) in lines.items():
        r_hat = np.maximum(a + b * data.x, cfg.floor)
        d_hat = closed_form(r_hat, data.g, 1.0, cfg.budget, cfg.alpha)
        err = d_hat - d_star
        row = {"model": name, "label": MODELS[name][0], "end_to_end": MODELS[name][1], "intercept": a, "slope": b,
               "prediction_mse": float(mse(data.q, r_hat)),
               "accuracy_disparity": float(mse_gap(data.q, r_hat, code)),
               "decision_mse": float(np.mean(err ** 2)),
               "regret": normalized_regret(d_hat, d_star, data.q, data.g, cfg.alpha)}
        for grp in (1, 2):
            mask = data.group == grp
            row[f"group{grp}_abs_error"] = float(np.mean(np.abs(err[mask])))
            row[f"group{grp}_signed_error"] = float(np.mean(err[mask]))
            row[f"group{grp}_prediction_mse"] = float(mse(data.q[mask], r_hat[mask]))
        table.append(row)
        points.append(data.frame().assign(model=name, r_hat=r_hat, d_star=d_star, d_hat=d_hat, error=err))
    line_frame = pd.DataFrame([{"model": m, "label": MODELS[m][0], "intercept": a, "slope": b}
                               for m, (a, b) in lines.items()])
    return {"table1": pd.DataFrame(table), "points": pd.concat(points, ignore_index=True), "lines": line_frame}
