"""One job of the fairness-layer experiments: (dataset, setting, method, seed) -> record and timing.

Reference note ``shared/reference/fairness_layer.md``, experiments 1-3. Each runner of
:data:`EXPERIMENTS` takes the prepared parts of one dataset (:mod:`fairopt.studies.layer.prepare`),
trains one method of :data:`fairopt.studies.layer.methods.METHODS` (hence
:func:`fairopt.core.training.fit`) and evaluates the deployed predictions; it returns two JSON-ready
dicts, the *record* and the *timing* (the workflow writes one file of each per job, so a killed run
resumes at job level). Every random
draw is seeded from the ``seed`` argument: data generation and split (synthetic, in the prepare
stage), the batches and the network's initial weights (re-seeded before every network is built,
so all methods and every lambda of the Penalty grid start from the same weights).

Job granularity of the Penalty baseline: its validation-selected lambda needs one fit per
lambda of the grid; all fits run inside the one (dataset, setting, ``penalty``, seed) job and
the selection table is part of its record (the fits are cheap compared with the job start-up,
and the rule's ``runtime`` resource scales with the grid size). The record keeps every lambda's fit in
counts (epochs run, validation loss and gap); the timing times only the selected fit.

Every record has ``absent_group_batches``: the number of training batches (over every epoch
run), validation batches (one pass) and test batches in which a constrained group was absent, so
that the batch's constraint was dropped (a stratified batch normally has every group); a job with
any such batch also issues one :class:`~fairopt.methods.flayer.constraints.AbsentGroupWarning`
with the counts.

**Records and timings.** The record holds what the job computed: it is a function of the config
alone (every draw seeded, every loop bounded by a count: the epoch cap and early stopping on the
validation loss, the Penalty grid, the exact layer's iteration limit -- nothing stops on a clock),
so two runs write byte-identical records. Measured times go to the timing dict only
(:func:`_timing_record`: ``fit_seconds`` of the deployed fit -- Penalty: of the selected lambda's
fit --, ``seconds_per_epoch`` = ``fit_seconds / epochs_run``, ``job_seconds`` from the runner's start
to the end of the evaluation), which the workflow writes to ``results/layer/timing/job/...``, a
timing file (:mod:`fairopt.report.identity`). The timing carries the job's keys (experiment,
dataset, method, seed and the synthetic setting) so that it can be aggregated on its own.

Sections of the study config (``fairopt/studies/layer/schema.yaml``) are passed as plain
dicts: ``training`` (epochs, early stopping, optimizer, scheduler), ``model`` (hidden widths,
LayerNorm, activation), ``b_tau``, ``eta0_train``, ``eta0_eval``, ``penalty_lambdas``,
``strict_lambda`` and the experiment's own keys.
"""
from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn

from fairopt.core import metrics
from fairopt.core.device import device_record, resolve_device
from fairopt.core.errors import ConfigError
from fairopt.core.models import mlp, seed_everything
from fairopt.core.training import OptimizerConfig, SchedulerConfig
from fairopt.data.container import FairData
from fairopt.methods.flayer.constraints import AbsentGroupWarning
from fairopt.methods.flayer.training import TrainConfig, TrainedModel, predict
from fairopt.studies.common import Registry
from fairopt.studies.layer.evaluation import wage_audit
from fairopt.studies.layer.methods import METHODS
from fairopt.studies.layer.settings import setting_name

__all__ = ["EXPERIMENTS", "TIMING_KEYS", "train_config", "model_factory", "train", "run_synthetic", "run_sba",
           "run_employee", "run_job"]

#: experiment -> ``runner(parts, method, seed, section, *, backend, setting, log, device, device_setting)
#: -> (record, timing)``
EXPERIMENTS: Registry = Registry("fairness-layer experiment")


def train_config(section: Mapping[str, Any], *, family: str, eps: float, lb: float | None, ub: float | None,
                 batch_size: int, eval_batch_size: int, loss: str, seed: int, backend: str,
                 pos_weight: float | None = None, device: Any = "cpu", device_setting: str | None = None) -> TrainConfig:
    """:class:`TrainConfig` from an experiment's config section and the job's values."""
    tr = section["training"]
    return TrainConfig(
        family=family, eps=float(eps), lb=lb, ub=ub, batch_size=int(batch_size),
        eval_batch_size=int(eval_batch_size), b_tau=int(section["b_tau"]),
        eta0_train=float(section["eta0_train"]), eta0_eval=float(section["eta0_eval"]),
        epochs=int(tr["epochs"]), optimizer=OptimizerConfig.from_dict(tr["optimizer"]),
        scheduler=SchedulerConfig.from_dict(tr["scheduler"]),
        early_stopping_patience=tr["early_stopping_patience"], loss=loss, pos_weight=pos_weight,
        penalty_lambdas=tuple(float(v) for v in section.get("penalty_lambdas", ())),
        strict_lambda=float(section["strict_lambda"]),
        penalty_box_sigmoid=bool(section.get("penalty_box_sigmoid", True)),
        equal_batches=bool(section.get("equal_batches", False)), backend=backend, seed=int(seed),
        device=device, device_setting=device_setting)


def model_factory(in_features: int, model: Mapping[str, Any], seed: int) -> Callable[[], nn.Module]:
    """Fresh networks ``in -> hidden (LayerNorm) -> 1`` with the same initial weights each call."""

    def build() -> nn.Module:
        seed_everything(int(seed))
        return mlp(in_features, list(model["hidden"]), 1, activation=model["activation"],
                   layer_norm=bool(model["layer_norm"]))

    return build


def train(method: str, section: Mapping[str, Any], train_part: FairData, val_part: FairData | None,
          cfg: TrainConfig, seed: int) -> TrainedModel:
    """Train ``method`` (registry :data:`~fairopt.studies.layer.methods.METHODS`) with the section's network."""
    fit = METHODS.get(method, key="layer.<experiment>.methods")
    return fit(model_factory(train_part.X.shape[1], section["model"], seed), train_part, val_part, cfg)


def _training_record(trained: TrainedModel) -> dict[str, Any]:
    """What the training did, in counts (deterministic: no measured time, module docstring)."""
    res = trained.result
    return {"epochs_run": res.epochs_run, "best_epoch": res.best_epoch, "stopped_early": res.stopped_early,
            "n_params": int(sum(p.numel() for p in trained.model.parameters()))}


#: the keys of a job that its timing repeats (with ``setting`` for the synthetic experiment)
TIMING_KEYS = ("experiment", "dataset", "method", "seed")


def _timing_record(record: Mapping[str, Any], trained: TrainedModel, job_seconds: float) -> dict[str, Any]:
    """The job's measured times (module docstring), with its keys from ``record``."""
    res = trained.result
    keys = {k: record[k] for k in TIMING_KEYS}
    if "setting" in record:
        keys["setting"] = record["setting"]
    return {**keys, "epochs_run": res.epochs_run, "fit_seconds": res.seconds,
            "seconds_per_epoch": res.seconds_per_epoch, "job_seconds": job_seconds}


def _penalty_record(trained: TrainedModel) -> dict[str, Any] | None:
    if trained.selection is None:
        return {"lambda": trained.lam} if trained.lam is not None else None
    return {"lambda": trained.lam, "feasible_on_validation": trained.lam_feasible,
            "selection": trained.selection.to_dict(orient="records")}


def _record(experiment: str, dataset: str, method: str, seed: int, backend: str, eps: float, trained: TrainedModel,
            out: Mapping[str, Any], start: float, cfg: TrainConfig, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(record, timing)``: the record has the fields every job record has (``device``: where it trained,
    :func:`fairopt.core.device.device_record` of ``cfg.device``), then the experiment's
    own ``fields``, then the guarantee check, the absent-group counts, the Penalty selection and the
    training counts; the timing has the job's measured times (:func:`_timing_record`)."""
    absent = _absent_record(trained, out)
    if any(absent.values()):
        warnings.warn(AbsentGroupWarning(
            f"{experiment} {dataset} {method} seed {seed}: batches with a constrained group absent (constraint "
            f"dropped): training {absent['training']}, validation {absent['validation']}, test {absent['test']}"),
            stacklevel=2)
    record = {"experiment": experiment, "dataset": dataset, "method": method, "seed": int(seed), "backend": backend,
              "device": device_record(cfg.device, cfg.device_setting), "eps": float(eps), **fields,
              "guarantee": _guarantee_record(out), "absent_group_batches": absent,
              "penalty": _penalty_record(trained), "training": _training_record(trained)}
    return record, {**_timing_record(record, trained, time.perf_counter() - start), **record["device"]}


def _absent_record(trained: TrainedModel, out: Mapping[str, Any]) -> dict[str, int]:
    """Batches with a constrained group absent: training (every epoch run), validation (one pass), test."""
    return {"training": int(trained.absent_train_batches), "validation": int(trained.absent_val_batches),
            "test": int(out["n_absent_batches"])}


def _guarantee_record(out: Mapping[str, Any]) -> dict[str, Any]:
    """Largest per-batch violation over hard-layer batches and over primal-dual batches."""
    gaps, via_pd = out["batch_gap"], out["batch_primal_dual"]
    hard, soft = gaps[~via_pd], gaps[via_pd]
    return {"n_batches": int(out["n_batches"]), "n_hard_batches": int(hard.size),
            "max_hard_batch_gap": float(hard.max()) if hard.size else None,
            "max_primal_dual_batch_gap": float(soft.max()) if soft.size else None}


@EXPERIMENTS.register("synthetic")
def run_synthetic(parts: Mapping[str, FairData], method: str, seed: int, section: Mapping[str, Any], *,
                  backend: str, setting: tuple[int, int] | None = None,
                  log: Callable[[str], None] | None = None, device: Any = "cpu",
                  device_setting: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """One (synthetic dataset, batch setting, method, seed) job (reference note, experiment 1).

    Data: the prepared parts (:func:`fairopt.studies.layer.prepare.prepare_synthetic`: the 2^5
    design's dataset, protected attribute in column 0 and fed to the network, split
    train/val/test stratified by group). ``setting``: (train batch, inference batch). Training batches of ``train_batch`` rows,
    inference (validation and test) batches of ``inference_batch`` rows, both stratified to the
    group ratio (``equal_batches``: identical group counts in every batch, left-over rows not
    used -- the authors' loaders); two-group mean-prediction parity with ``eps`` and the
    dataset's box. Early
    stopping and the plateau scheduler monitor the validation MSE of the deployed predictions
    (Projection: of the unprojected ones).

    Returns:
        ``(record, timing)``. The record: test MSE and pooled gap of the deployed predictions
        (``test_mse``, ``test_gap``), of the raw network outputs (``raw_test_mse``,
        ``raw_test_gap``), the per-batch guarantee check, the primal-dual summary (pooled gap,
        weighted-average gap, ``lambda_max``, bound) where the head used it, the Penalty
        selection, the training counts; the timing: module docstring.
    """
    say = log or (lambda msg: None)
    if setting is None:
        raise ConfigError("synthetic job needs the (train, inference) batch setting")
    train_batch, inference_batch = (int(v) for v in setting)
    start = time.perf_counter()
    train_part, val, test = (parts[k] for k in ("train", "val", "test"))
    data = train_part
    index = int(data.meta["index"])
    lb, ub = data.meta["lb"], data.meta["ub"]
    cfg = train_config(section, family="mean_parity", eps=section["eps"], lb=lb, ub=ub,
                       batch_size=train_batch, eval_batch_size=inference_batch, loss="mse", seed=seed,
                       backend=backend, device=device, device_setting=device_setting)
    say(f"syn{index:02d} {setting_name(train_batch, inference_batch)} {method} seed {seed}: "
        f"{len(train_part)}/{len(val)}/{len(test)} rows, box [{lb}, {ub}]")
    trained = train(method, section, train_part, val, cfg, seed)
    out = predict(trained, test, cfg, batch_gaps=True)
    rows = out["rows"]  # with equal-composition batches the left-over test rows are not predicted
    raw = torch.as_tensor(out["raw"][rows])
    y_test = torch.as_tensor(test.y[rows], dtype=torch.float64)
    g_test = test.groups[rows]
    record, timing = _record(
        "synthetic", f"syn{index:02d}", method, seed, backend, section["eps"], trained, out, start, cfg,
        index=int(index),
        design={k: data.meta[k] for k in ("group_share", "strength", "correlation", "group_bias",
                                          "noise_sd", "box", "lb", "ub", "target", "outside_box")},
        setting=setting_name(train_batch, inference_batch), train_batch=train_batch,
        inference_batch=inference_batch, b_tau=int(section["b_tau"]),
        n_train=len(train_part), n_val=len(val), n_test=len(test), n_test_predicted=int(len(rows)),
        test_mse=out["loss"], test_gap=out["pooled_gap"], raw_test_mse=float(metrics.mse(y_test, raw)),
        raw_test_gap=abs(metrics.attribute_gaps(raw, g_test)[0]),
        primal_dual=out.get("summary"))
    say(f"test MSE {record['test_mse']:.4f}, pooled gap {record['test_gap']:.4f}, "
        f"{record['training']['epochs_run']} epochs, {timing['job_seconds']:.1f} s")
    return record, timing


@EXPERIMENTS.register("sba")
def run_sba(parts: Mapping[str, FairData], method: str, seed: int, section: Mapping[str, Any], *, backend: str,
            setting: tuple[int, int] | None = None, log: Callable[[str], None] | None = None, device: Any = "cpu",
            device_setting: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """One (method, split seed) job of the SBA loans experiment (reference note, experiment 2).

    Split ``split`` (train/val/test counts, stratified by the default label, ``random_state =
    seed``); features fitted on the training rows; network ``d -> hidden -> 1`` trained full
    batch on BCE with ``pos_weight = neg/pos`` (training rows); per-attribute mean-logit parity
    (new business, urban) with ``eps``; validation and test are each projected as one batch.

    Returns:
        ``(record, timing)``. The record: test AUC/AP/BCE of the deployed logits and of the raw
        ones (Projection's "before projection"), the mean-logit gap per attribute, the selection
        and the training counts; the timing: module docstring.
    """
    say = log or (lambda msg: None)
    start = time.perf_counter()
    train_part, val, test = (parts[k] for k in ("train", "val", "test"))
    data = train_part
    pos = float(train_part.y.sum())
    pos_weight = (len(train_part) - pos) / pos
    cfg = train_config(section, family="attribute_parity", eps=section["eps"], lb=None, ub=None,
                       batch_size=len(train_part), eval_batch_size=max(len(val), len(test)), loss="bce",
                       pos_weight=pos_weight, seed=seed, backend=backend, device=device,
                       device_setting=device_setting)
    say(f"SBA {method} seed {seed}: {len(train_part)}/{len(val)}/{len(test)} rows, {data.X.shape[1]} features, "
        f"pos_weight {pos_weight:.3f}")
    trained = train(method, section, train_part, val, cfg, seed)
    out = predict(trained, test, cfg, batch_gaps=True)  # one batch: every test row
    deployed = metrics.classification_metrics(out["pred"], test.y)
    raw = metrics.classification_metrics(out["raw"], test.y)
    record, timing = _record(
        "sba", "sba_loans", method, seed, backend, section["eps"], trained, out, start, cfg,
        n_train=len(train_part), n_val=len(val), n_test=len(test), n_features=int(data.X.shape[1]),
        pos_weight=pos_weight,
        test_auc=deployed["auc"], test_ap=deployed["ap"], test_error_rate=deployed["error_rate"],
        test_bce=out["loss"], raw_test_auc=raw["auc"], raw_test_ap=raw["ap"], test_gap=out["pooled_gap"],
        test_attribute_gaps=dict(zip(data.group_names, metrics.attribute_gaps(out["pred"], test.groups))),
        raw_test_attribute_gaps=dict(zip(data.group_names, metrics.attribute_gaps(out["raw"], test.groups))))
    say(f"test AUC {record['test_auc']:.4f} (raw {record['raw_test_auc']:.4f}), AP {record['test_ap']:.4f}, "
        f"gap {record['test_gap']:.4f}, {timing['job_seconds']:.1f} s")
    return record, timing


@EXPERIMENTS.register("employee")
def run_employee(parts: Mapping[str, FairData], method: str, seed: int, section: Mapping[str, Any], *, backend: str,
                 setting: tuple[int, int] | None = None, log: Callable[[str], None] | None = None, device: Any = "cpu",
            device_setting: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """One method of the employee wage audit (reference note, experiment 3).

    Target: ``EmpHourlyRate`` min-max scaled to [0, 1]; five protected attributes, both sides of
    each -> 10 mean-residual parity constraints with ``eps`` and the box ``box``; network
    ``63 -> hidden (LayerNorm) -> 1`` trained full batch on MSE and evaluated on the training
    data (an audit of the data at hand, as the authors did; Penalty's lambda is therefore also
    selected on the training data).

    Returns:
        ``(record, timing)``. The record: :func:`~fairopt.studies.layer.evaluation.wage_audit` of the
        deployed predictions and of the raw network outputs (for Projection: the unconstrained
        network), the selection and the training counts; the timing: module docstring.
    """
    say = log or (lambda msg: None)
    start = time.perf_counter()
    data = parts["train"]
    lb, ub = (float(v) for v in section["box"])
    cfg = train_config(section, family="residual_parity", eps=section["eps"], lb=lb, ub=ub,
                       batch_size=len(data), eval_batch_size=len(data), loss="mse", seed=seed, backend=backend,
                       device=device, device_setting=device_setting)
    say(f"employee {method} seed {seed}: {len(data)} rows, {data.X.shape[1]} features")
    trained = train(method, section, data, parts["val"], cfg, seed)
    out = predict(trained, parts["test"], cfg, batch_gaps=True)
    audit = {k: wage_audit(out[k], data.y, data.groups, data.group_names, eps=float(section["eps"]),
                           tol=float(section["violation_tol"]), flag_percentile=float(section["flag_percentile"]))
             for k in ("pred", "raw")}
    record, timing = _record("employee", "employee_performance", method, seed, backend, section["eps"], trained, out,
                             start, cfg, n_rows=len(data), n_features=int(data.X.shape[1]), deployed=audit["pred"],
                             raw=audit["raw"])
    say(f"MSE {audit['pred']['mse']:.5f}, violated {audit['pred']['violated']}/{audit['pred']['n_constraints']}, "
        f"max residual {audit['pred']['max_residual']:.2e}, {timing['job_seconds']:.1f} s")
    return record, timing


def run_job(experiment: str, parts: Mapping[str, FairData], section: Mapping[str, Any], *, method: str, seed: int,
            setting: tuple[int, int] | None = None, log: Callable[[str], None] | None = None
            ) -> tuple[dict[str, Any], dict[str, Any]]:
    """One workflow job: the runner of ``experiment`` in :data:`EXPERIMENTS` -> ``(record, timing)``
    (module docstring: the record is deterministic, the timing holds the measured times).

    Args:
        experiment: ``synthetic``, ``sba`` or ``employee``.
        parts: The prepared parts (``train``, ``val``, ``test``).
        section: The experiment's settings, with the layer back end under ``backend`` and the torch
            device setting (``auto | cpu | cuda``, config key ``layer.device``; default ``cpu``) under
            ``device``: the job resolves it (:func:`fairopt.core.device.resolve_device`) and records it.
        method: Method name.
        seed: Seed (the split seed for SBA).
        setting: (train batch, inference batch) (synthetic).
        log: Progress callback.

    Raises:
        ConfigError: Unknown experiment or method, a missing argument it needs, or ``device: cuda``
            where torch sees no GPU (names ``layer.device``).
    """
    body = dict(section)
    backend = body.pop("backend")
    device_setting = body.pop("device", "cpu")
    device = resolve_device(device_setting, "layer.device")
    runner = EXPERIMENTS.get(experiment)
    return runner(parts, method, seed, body, backend=backend, setting=None if setting is None else tuple(setting),
                  log=log, device=device, device_setting=device_setting)
