"""Jobs of the DAFH study: one (dataset, method, K, split) -> one record; the pilot, the curve and Figure 1.

**A method's job** (:func:`run_job`): the method of :data:`fairopt.studies.dafh.methods.METHODS` fits its
candidates; each is scored (:func:`score`) on the test part (the model trained on the whole training
part) and, for methods with hyperparameters, on the validation part (the model trained on the fit
part; the learned groups only -- the honest selection rule reads nothing else). Training-part scores
are left out of the grid records (the per-step curve of Figure 2 has them). A test score holds every metric of the paper's Section 6.3
(:func:`fairopt.methods.dafh.evaluate_predictions`) over two groupings -- the learned groups (the
assigned classifiers) and the intersections of the dataset's LR-All attributes (Table 7's small
denominators suggest the authors' group metrics were over such intersections) -- and the group sizes;
on the Figure 3 dataset also the composition of every learned group by race x sex x age.

**The pilot** (:func:`run_pilot`): the lost learning rates (module docstring of the schema's
``pilot``). **The curve** (:func:`run_curve`): Figure 2, the metrics after every gradient step of the
Table 3 configuration, next to the Trivial partition. **Figure 1** (:func:`run_synthetic`): Pooled,
a partition on each sensitive attribute, LR-All and DAFH on the synthetic data, with their decision
lines in the original feature space.

Timings (wall and CPU seconds per job, fitting seconds, seconds per fit) are returned apart from the
record: they go to a file of their own so that records are byte-identical across runs.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from fairopt.core.device import device_record, resolve_device
from fairopt.core.errors import ConfigError
from fairopt.data.container import FairData
from fairopt.studies.dafh.methods import METHODS, Context, dafh_fits, grid_configs, label, sensitive_inputs
from fairopt.studies.dafh.prepare import intersection_codes, intersection_index

__all__ = ["score", "run_job", "run_pilot", "choose_learning_rates", "run_curve", "run_synthetic",
           "COMPOSITION_ATTRIBUTES"]

#: the subgroups of Figure 3 (race x sex x age)
COMPOSITION_ATTRIBUTES = ("race", "sex", "age")


class PartView:
    """One prepared part with what every candidate's score needs, computed once: the inputs of the
    demographic-agnostic model (``X``) and of the partition baselines (``[X, S]``), the intersection
    cells of the LR-All attributes and, for Figure 3, the race x sex x age cells."""

    def __init__(self, data: FairData, *, composition: bool = False):
        self.data = data
        self.features = data.X
        self.features_and_sensitive = sensitive_inputs(data)
        self.intersections, _ = intersection_index(data)
        self.cells = None
        if composition:
            attributes = [a for a in COMPOSITION_ATTRIBUTES if a in data.group_names]
            self.cells = intersection_codes(data, attributes)


def _composition(assigned: np.ndarray, cells: np.ndarray, n_models: int) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for g in range(n_models):
        values, counts = np.unique(cells[assigned == g], return_counts=True)
        out[str(g)] = {str(v): int(c) for v, c in zip(values, counts)}
    return out


def score(model: Any, part: PartView, *, alpha: float, features_only: bool, groupings: bool = True) -> dict[str, Any]:
    """Every metric of one fitted model on one part (module docstring); ``groupings=False`` keeps the
    learned groups only (the validation scores, which only the selection reads)."""
    from fairopt.methods.dafh import evaluate_predictions

    X = part.features if features_only else part.features_and_sensitive
    predictions = model.predict_all(X)
    assigned = model.assign(X)
    n_models = predictions.shape[1] - 1
    y = part.data.y
    out = {"learned": evaluate_predictions(y, predictions, assigned, None, alpha),
           "group_sizes": np.bincount(assigned, minlength=n_models).tolist(), "n": int(len(y))}
    if groupings:
        out["intersections"] = evaluate_predictions(y, predictions, assigned, part.intersections, alpha)
        if part.cells is not None:
            out["composition"] = _composition(assigned, part.cells, n_models)
    return out


def run_job(parts: Mapping[str, FairData], method: str, ctx: Context, *, alpha: float,
            composition: bool = False, log: Callable[[str], None] | None = None
            ) -> tuple[dict[str, Any], dict[str, float]]:
    """One (dataset, method, K, split) job -> its record and its timing (module docstring; the timing
    goes to a file of its own, so that records are byte-identical across runs).

    Raises:
        ConfigError: Unknown method, or a method that does not run on this dataset.
    """
    say = log or (lambda msg: None)
    runner = METHODS.get(method, key="dafh.methods")
    dataset = parts["train"].meta.get("dataset", "")
    allowed = METHODS.info(method).get("datasets")
    if allowed is not None and dataset not in allowed:
        raise ConfigError(f"config key dafh.methods: {method} runs only on {list(allowed)}, not on {dataset!r}")
    start, cpu = time.perf_counter(), time.process_time()
    candidates = runner(parts, ctx)
    fit_seconds = time.perf_counter() - start
    test = PartView(parts["test"], composition=composition)
    validation = PartView(parts["validation"]) if any(c.fit is not None for c in candidates) else None
    rows = []
    for c in candidates:
        row = {"params": c.params, "test": score(c.full, test, alpha=alpha, features_only=c.features_only)}
        if c.fit is not None:
            assert validation is not None  # built when a candidate has a fit
            row["validation"] = score(c.fit, validation, alpha=alpha, features_only=c.features_only, groupings=False)
        rows.append(row)
    n_fits = sum(1 + (c.fit is not None) for c in candidates)
    record = {"study": "dafh", "dataset": dataset, "method": method, "label": label(method),
              "K": ctx.n_groups, "split": int(parts["train"].meta.get("split", 0)), "seed": ctx.seed,
              "n_train": len(parts["train"]), "n_test": len(parts["test"]), "n_features": int(parts["train"].X.shape[1]),
              "sensitive": list(parts["train"].group_names), "candidates": rows}
    if METHODS.info(method).get("torch"):
        record["device"] = device_record(resolve_device(ctx.device, "dafh.device"), ctx.device)
    timing = {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu,
              "fit_seconds": fit_seconds, "n_fits": n_fits, "seconds_per_fit": fit_seconds / max(n_fits, 1)}
    best = max(rows, key=lambda r: r["test"]["learned"]["prob_fwh"])
    say(f"{dataset} {method} K={ctx.n_groups} split {record['split']}: {len(rows)} candidate(s), "
        f"best test P(fwh) {best['test']['learned']['prob_fwh']:.3f}, accuracy {best['test']['learned']['accuracy']:.3f}, "
        f"{fit_seconds:.1f} s fitting, {timing['seconds']:.1f} s in all")
    return record, timing


# ------------------------------------------------------------------ the learning-rate pilot
def run_pilot(parts_by_dataset: Mapping[str, Mapping[str, FairData]], *, candidates: Sequence[float],
              table3: Mapping[str, Mapping[str, Any]], model: Mapping[str, Any], seed: int, alpha: float,
              keep: int, device: str = "cpu") -> dict[str, Any]:
    """Validation scores of every (lr_group, lr_decoupled) pair of ``candidates`` per dataset (split 0,
    K = 2, the Table 3 settings; trained on the fit part, on ``device``) and the chosen learning rates."""
    rows = []
    for dataset, parts in parts_by_dataset.items():
        h = table3[dataset]
        grid = {"batch_size": [h["batch_size"]], "epochs": [h["epochs"]], "lr_group": list(candidates),
                "lr_decoupled": list(candidates), "penalty": [h["penalty"]]}
        configs = grid_configs(grid, model)
        fitted = dafh_fits(parts["fit"], configs, 2, seed, model["dtype"], device)
        validation = PartView(parts["validation"])
        for c, m in zip(configs, fitted):
            s = score(m, validation, alpha=alpha, features_only=True, groupings=False)["learned"]
            rows.append({"dataset": dataset, "lr_group": c["lr_group"], "lr_decoupled": c["lr_decoupled"],
                         "validation_accuracy": s["accuracy"], "validation_prob_fwh": s["prob_fwh"],
                         "validation_pooled_accuracy": s["pooled_accuracy"]})
    chosen = choose_learning_rates(rows, keep)
    return {"rows": rows, **chosen, "device": device_record(resolve_device(device, "dafh.device"), device),
            "rule": "per classifier, the candidates with the best mean validation accuracy "
                                            "(over datasets and the other classifier's learning rate)"}


def choose_learning_rates(rows: Sequence[Mapping[str, Any]], keep: int) -> dict[str, list[float]]:
    """The ``keep`` learning rates of each classifier with the best mean validation accuracy (ties: smaller)."""
    out = {}
    for key in ("lr_group", "lr_decoupled"):
        means: dict[float, list[float]] = {}
        for r in rows:
            means.setdefault(float(r[key]), []).append(float(r["validation_accuracy"]))
        ranked = sorted(means, key=lambda v: (-float(np.mean(means[v])), v))
        out[key] = sorted(ranked[:keep])
    return out


# ------------------------------------------------------------------ Figure 2: metrics per step
def run_curve(parts: Mapping[str, FairData], *, config: Mapping[str, Any], trivial: Any, seed: int,
              alpha: float, dtype: str, device: str = "cpu") -> dict[str, Any]:
    """Train one configuration on ``device``, scoring train and test after every gradient step (Figure 2)."""
    from fairopt.methods.dafh import DAFHConfig, binary_labels, evaluate_predictions, standardisation, train_dafh

    train, test = parts["train"], parts["test"]
    classes, y_pm = binary_labels(train.y)
    mean, scale = standardisation(train.X)
    xs = {"train": (train.X - mean) / scale, "test": (test.X - mean) / scale}
    ys = {"train": train.y, "test": test.y}
    steps = []

    def on_step(step, params):
        row = {"step": step}
        for part in ("train", "test"):
            logits = np.column_stack([params.pooled_logits(xs[part]), params.decoupled_logits(xs[part])])
            m = evaluate_predictions(ys[part], classes[(logits > 0).astype(int)], params.assign(xs[part]), None,
                                     alpha)
            row[f"{part}_prob_fwh"], row[f"{part}_accuracy"] = m["prob_fwh"], m["accuracy"]
        steps.append(row)

    used = resolve_device(device, "dafh.device")
    train_dafh(xs["train"], y_pm, n_groups=2, config=DAFHConfig(**config), seed=seed, dtype=dtype, device=used,
               on_step=on_step)
    baseline = {part: score(trivial, PartView(parts[part]), alpha=alpha, features_only=False, groupings=False)["learned"]
                for part in ("train", "test")}
    return {"config": dict(config), "steps": steps, "device": device_record(used, device),
            "trivial": {f"{part}_{k}": baseline[part][k] for part in baseline for k in ("prob_fwh", "accuracy")}}


# ------------------------------------------------------------------ Figure 1: the synthetic data
def _lines(model: Any, n_features: int) -> list[dict[str, float]]:
    """Decision lines ``w1 x1 + w2 x2 + b = 0`` of a model's decoupled classifiers in the original features."""
    from fairopt.methods.dafh import DAFHClassifier

    out = []
    if isinstance(model, DAFHClassifier):
        p = model.parameters_
        for k in range(p.wd.shape[0]):
            w = p.wd[k] / model.scale_
            out.append({"w": w.tolist(), "b": float(p.bd[k] - np.sum(p.wd[k] * model.mean_ / model.scale_))})
        return out
    for est in model.estimators_:
        if hasattr(est, "coef_"):
            out.append({"w": est.coef_.ravel()[:n_features].tolist(), "b": float(est.intercept_[0])})
        else:
            out.append({"w": [0.0] * n_features, "b": 1.0 if est.positive else -1.0})
    return out


def run_synthetic(parts: Mapping[str, FairData], ctx: Context, *, alpha: float, plot_points: int) -> dict[str, Any]:
    """Figure 1: Pooled, a partition on s1, on s2, on both (LR-All) and DAFH (K groups, selected on validation)."""
    from fairopt.methods.dafh import make_partition_classifier

    train, test = parts["train"], parts["test"]
    d = train.X.shape[1]
    sens = [d, d + 1]
    models = {
        "pooled": make_partition_classifier("pooled", sensitive_columns=sens),
        "split_s1": make_partition_classifier("trivial", sensitive_columns=sens, attribute=sens[0]),
        "split_s2": make_partition_classifier("trivial", sensitive_columns=sens, attribute=sens[1]),
        "split_both": make_partition_classifier("lr_all", sensitive_columns=sens),
    }
    for m in models.values():
        m.fit(sensitive_inputs(train), train.y)
    candidates = METHODS.get("dafh")(parts, ctx)
    validation = PartView(parts["validation"])
    chosen = max(candidates, key=lambda c: score(c.fit, validation, alpha=alpha, features_only=True,
                                                 groupings=False)["learned"]["accuracy"])
    models["dafh"] = chosen.full
    views = {"train": PartView(train), "test": PartView(test)}
    rng = np.random.default_rng(ctx.seed)
    keep = np.sort(rng.choice(len(test), size=min(plot_points, len(test)), replace=False))
    out: dict[str, Any] = {"points": {"x1": test.X[keep, 0].tolist(), "x2": test.X[keep, 1].tolist(),
                                      "y": test.y[keep].tolist(), "s1": test.groups[keep, 0].tolist(),
                                      "s2": test.groups[keep, 1].tolist()},
                           "dafh_params": chosen.params, "methods": {}}
    for name, m in models.items():
        agnostic = name == "dafh"
        scores = {part: score(m, view, alpha=alpha, features_only=agnostic, groupings=False)["learned"]
                  for part, view in views.items()}
        X_test = views["test"].features if agnostic else views["test"].features_and_sensitive
        out["methods"][name] = {**scores, "lines": _lines(m, d), "assigned": m.assign(X_test)[keep].tolist()}
    return out
