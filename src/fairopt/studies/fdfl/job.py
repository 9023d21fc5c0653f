r"""One FDFL trial: train a risk model by one method on one split, evaluate it, return a JSON record.

Training (paper sec. 3-4, Algorithm 1; settings of the authors' run in ``fdfl.md``) goes through
:func:`fairopt.core.training.fit` with the loss of the method on each batch ``B`` (full batch by default):

* two-stage: :math:`\mathcal L = \frac1{|B|}\sum_{i\in B}(\hat r_i - r_i)^2 + \lambda F`;
* DFL (eq. 6): :math:`\mathcal L = \frac{W(d^*(r); r) - W(d^*(\hat r); r)}{|W(d^*(r); r)|} + \lambda F`,
  the normalised regret of the batch's alpha-fair allocation (eq. 9, budget :math:`Q |B| / n_{train}`),
  differentiated through the decision layer named by the method's ``gradient``
  (:func:`fairopt.methods.alpha_fair.decision_function`: autograd through the closed form, the analytic
  Jacobian of Prop. 4.2, the DBB perturbation of eqs. 7-8, or central finite differences);

with :math:`F = |\bar{\hat r}_{white} - \bar{\hat r}_{black}|` (``mean_gap``) or
:math:`|MSE_{white} - MSE_{black}|` (``mse_gap``) on the batch, or no penalty and the fairness layer
in the predictor (``layer``, :mod:`fairopt.studies.fdfl.predict`). The network runs in float32; the
decision layer, the losses and all metrics run in float64, on the device of ``settings.device``
(``fdfl.device``, :func:`fairopt.core.device.resolve_device`; the record's ``device`` says which).

Evaluation (:func:`fairopt.studies.fdfl.evaluate.evaluate_split`) on the train part (the paper's basis for
MSE and F) and the test part (the paper's basis for regret; all test patients are one allocation
with the same ``Q``), in eval mode (no dropout).

**Record and timing.** A trial returns two dicts: the record (everything a seeded CPU training
determines: metrics, history, settings) and its timing (training wall seconds -- the paper's Time
column --, seconds per epoch, training + evaluation seconds, each epoch's seconds). The workflow
writes them to two files (``results/fdfl/trials/...`` and ``results/fdfl/timing/trials/...``), so the
records of two runs of one configuration are byte-identical (:mod:`fairopt.report.identity`) and
every measured time lives in a timing file.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from fairopt.core.device import device_record, resolve_device
from fairopt.methods.alpha_fair.layers import alpha_fair_decision, regret_loss
from fairopt.studies.fdfl.data import Split, TrialData
from fairopt.studies.fdfl.evaluate import evaluate_split
from fairopt.studies.fdfl.methods import Method
from fairopt.studies.fdfl.predict import RiskPredictor, build_model, parity_layer
from fairopt.studies.fdfl.settings import TrialSettings
from fairopt.core.metrics import mean_gap, mse
from fairopt.core.training import fit

__all__ = ["run_trial", "trial_loss", "TIMING_FIELDS"]

#: the timing of one trial (:func:`run_trial`), kept out of its record
TIMING_FIELDS = ("seconds", "seconds_per_epoch", "seconds_total", "per_epoch")


def trial_loss(method: Method, settings: TrialSettings, predictor: RiskPredictor, n_train: int):
    """The per-batch loss callback of :func:`fairopt.core.training.fit` for ``method``.

    The framework's loss (:data:`fairopt.studies.fdfl.methods.FRAMEWORKS`) plus ``lambda`` times the
    method's prediction-fairness penalty (:data:`~fairopt.studies.fdfl.methods.PREDICTION_FAIRNESS`).

    Args:
        method: The method.
        settings: Trial settings (budget, cost, risk floor).
        predictor: Maps a batch to float64 risk predictions.
        n_train: Rows of the training part (the budget of a batch is ``Q |B| / n_train``).

    Returns:
        ``loss_fn(model, batch) -> (loss, logged)`` where ``batch`` is a :class:`~fairopt.studies.fdfl.data.Split`
        (with float32 features) and ``logged`` holds the batch's ``mse``, ``regret`` and ``fairness``.
    """

    def loss_fn(model, batch: Split) -> tuple[torch.Tensor, dict[str, float]]:
        r_hat = predictor(batch.x, batch.race)
        Q = settings.Q * len(batch) / n_train
        base, regret_value = method.base_loss(batch, r_hat, Q=Q, cost=settings.cost, risk_floor=settings.risk_floor)
        penalty = method.penalty(batch.r, r_hat, batch.race)
        loss = base if penalty is None else base + method.lam * penalty
        logged = {"mse": float(mse(batch.r, r_hat.detach())), "regret": float(regret_value),
                  "fairness": float(mean_gap(r_hat.detach(), batch.race))}
        return loss, logged

    return loss_fn


def _on(split: Split, device: torch.device) -> Split:
    """The part with float32 features, every tensor on ``device`` (the same tensors on the CPU)."""
    return Split(split.x.to(device=device, dtype=torch.float32), split.r.to(device), split.g.to(device),
                 split.race.to(device), split.row_id)


def _batches(train: Split, settings: TrialSettings, seed: int):
    """``batches(epoch)``: the whole part (full batch) or a seeded shuffle into mini-batches."""
    n = len(train)

    def batches(epoch: int) -> list[Split]:
        if settings.batch_size is None or settings.batch_size >= n:
            return [train]
        order = np.random.default_rng([seed, epoch]).permutation(n)
        out = []
        for start in range(0, n, settings.batch_size):
            rows = order[start:start + settings.batch_size]
            idx = torch.as_tensor(rows, device=train.r.device)
            if len(idx) >= 2:
                out.append(Split(train.x[idx], train.r[idx], train.g[idx], train.race[idx], train.row_id[rows]))
        return out

    return batches


def run_trial(method: Method, settings: TrialSettings, data: TrialData, *,
              provenance: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train ``method`` on trial ``data`` and evaluate it -> ``(record, timing)`` (module docstring).

    Args:
        method: The method (config entry).
        settings: Shared trial settings.
        data: The trial's standardized train/test parts (:func:`fairopt.studies.fdfl.data.load_trial`).
        provenance: The data provenance record (copied into the result).

    Returns:
        ``record``, a JSON-able dict: ``study, method, trial, settings, provenance, device``
        (:func:`fairopt.core.device.device_record`), ``data``; ``metrics``
        with ``train`` and ``test`` (:func:`~fairopt.studies.fdfl.evaluate.evaluate_split`);
        ``epochs_run``; ``history`` (per epoch: training loss, batch mse / regret / fairness, learning
        rate and, when ``settings.history_eval``, the test ``test_regret``, ``test_mse``,
        ``test_fairness``); for layer methods ``parity`` (the gap of the projected train and test
        batches and the tolerance). No measured time.

        ``timing`` (:data:`TIMING_FIELDS`, with ``method`` and ``trial``): ``seconds`` (training wall
        time, all epochs -- the paper's Time column), ``seconds_per_epoch``, ``seconds_total``
        (training + evaluation) and ``per_epoch`` (``{"epoch", "seconds"}`` of every epoch of the history).
    """
    start = time.perf_counter()
    device = resolve_device(settings.device, "fdfl.device")
    train, test = _on(data.train, device), _on(data.test, device)
    model = build_model(train.x.shape[1], settings).to(device)
    torch.manual_seed(settings.seed + data.trial)          # dropout masks of this trial
    predictor = RiskPredictor(model, parity_layer(method, settings), settings.risk_floor)

    def evaluate(_model) -> dict[str, float]:
        r_hat = predictor(test.x, test.race)
        Q = settings.Q
        d_hat = alpha_fair_decision(r_hat, test.g, settings.cost, Q, method.alpha)
        d_star = alpha_fair_decision(test.r, test.g, settings.cost, Q, method.alpha)
        return {"test_regret": float(regret_loss(d_hat, test.r, test.g, method.alpha, d_star=d_star)),
                "test_mse": float(mse(test.r, r_hat)), "test_fairness": float(mean_gap(r_hat, test.race))}

    result = fit(model, trial_loss(method, settings, predictor, len(train)),
                 _batches(train, settings, settings.seed + data.trial),
                 epochs=settings.epochs, optimizer=settings.optimizer, scheduler=settings.scheduler,
                 evaluate=evaluate if settings.history_eval else None)
    metrics = {}
    predictions = {}
    for name, part in (("train", train), ("test", test)):
        r_hat = predictor.predict(part.x, part.race)
        predictions[name] = r_hat
        metrics[name] = evaluate_split(*(t.cpu().numpy() for t in (part.r, r_hat, part.g, part.race)),
                                       Q=settings.Q, cost=settings.cost, alpha=method.alpha,
                                       eval_alphas=settings.eval_alphas)
    # the training loop's history carries each epoch's seconds: they go to the timing
    history = [{k: v for k, v in epoch.items() if k != "seconds"} for epoch in result.history]
    out: dict[str, Any] = {
        "study": "fdfl",
        "method": method.to_dict(),
        "trial": data.trial,
        "settings": settings.to_dict(),
        "provenance": provenance or {},
        "device": device_record(device, settings.device),
        "data": {"n_train": len(train), "n_test": len(test), "n_features": int(train.x.shape[1]),
                 "black_train": int(train.race.sum()), "black_test": int(test.race.sum())},
        "metrics": metrics,
        "epochs_run": result.epochs_run,
        "history": history,
    }
    if predictor.layer is not None:
        out["parity"] = {"eps": method.layer_eps,
                         **{f"{name}_gap": float(mean_gap(r_hat, part.race)) for (name, part), r_hat in
                            zip((("train", train), ("test", test)), predictions.values())}}
    timing = {"method": method.name, "trial": data.trial, "seconds": result.seconds,
              "seconds_per_epoch": result.seconds_per_epoch, "seconds_total": time.perf_counter() - start,
              "per_epoch": [{"epoch": epoch["epoch"], "seconds": epoch["seconds"]} for epoch in result.history]}
    return out, timing
