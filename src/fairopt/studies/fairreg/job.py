"""One job of the fair-regression study: one method at one fairness setting -> one result row.

**Synthetic** (:func:`run_synthetic`): one method of :data:`fairopt.studies.fairreg.methods.SYNTHETIC`
on one instance and lambda. The row holds the method's own fields (bounds, status, passes...) and the
exact re-evaluation of the returned ``w`` (:func:`fairopt.methods.fairreg.objective.objective_parts`:
``objective, loss, unfairness``; and the exact unfairness over all thresholds), or ``None`` scores
for a MIO without a model. The bounds are bounds for the delta-separated problem; coordinate descent
may find (by ``O(delta)``) lower values than a "proven" optimum.
:func:`fairopt.studies.fairreg.tables.summarize` combines the rows of one (instance, lambda) into the
tables' gaps.

**Timing.** Every job returns ``(row, timing)``: the row holds only what two runs of one
configuration reproduce byte for byte; what was measured is the timing record (written to
``results/fairreg/timing/...``): ``seconds`` (wall time of the method's work), ``solver_seconds``
(the solver's own time: what the slides' "Time" column and the MIO time limit refer to),
``build_seconds`` (model construction), a MIO's ``attempts`` (seconds, progress reports, deadline
of each try), ``relax_seconds`` (synthetic CD-relax without a given start) and the job clock of
:class:`fairopt.core.timing.JobClock` (``wall_seconds, cpu_seconds`` -- children included --,
``cores``, load averages, start and end), with the row's keys (``method, lam`` / ``eps``).

**Real data** (:func:`run_real`): one method of :data:`~fairopt.studies.fairreg.methods.REAL`
trained on the train part and scored on both parts. *Fairness weight*: the objective sums the
squared loss over rows; a real-data grid value ``lambda`` weighs the *mean* loss, i.e. the
formulations get ``lambda_sum = m_train * lambda``, so one grid serves the full data and
subsamples. *Evaluation* on the test part: RMSE and its relative increase over least squares
(:func:`fairopt.core.metrics.relative_increase`), exact unfairness
(:func:`fairopt.core.metrics.exact_unfairness`, KS over all ``b``) and discretized unfairness at the
``l`` thresholds; the same on train. Agarwal et al.'s randomised predictor is scored as a
randomised predictor: RMSE of its expected squared loss and unfairness of the mixture of
prediction distributions.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from fairopt.core import metrics
from fairopt.core.timing import JobClock
from fairopt.methods.fairreg.objective import Instance, least_squares, objective_parts
from fairopt.studies.fairreg.methods import REAL, SYNTHETIC, SolveOptions
from fairopt.studies.fairreg.prepare import RealSplit

__all__ = ["run_synthetic", "run_real"]


def _scores(inst: Instance, lam: float, w: np.ndarray) -> dict[str, Any]:
    loss, unf = objective_parts(inst, w)
    return {"objective": loss + lam * unf, "loss": loss, "unfairness": unf,
            "exact_unfairness": metrics.exact_unfairness(inst.X @ w, inst.a)}


def run_synthetic(inst: Instance, lam: float, method: str, opts: SolveOptions,
                  start: np.ndarray | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """One synthetic method on one instance and lambda (module docstring).

    Args:
        inst: The instance.
        lam: Fairness weight (of the summed loss).
        method: A name of :data:`~fairopt.studies.fairreg.methods.SYNTHETIC`.
        opts: Solver settings.
        start: The strong relaxation's ``w`` for ``cd_relax`` (solved here when omitted).

    Returns:
        ``(row, timing)``: a flat row -- ``method, lam``, the method's fields, the scores and ``w``
        (``None`` for a MIO without a model) -- and its timing record (module docstring).
    """
    runner = SYNTHETIC.get(method, key="fairreg.synthetic.methods")
    row: dict[str, Any] = {"method": method, "lam": float(lam)}
    clock = JobClock()
    w, fields, measured = runner(inst, lam, opts, start)
    row.update(fields)
    timing = {"method": method, "lam": float(lam), **measured, **clock.finish()}
    if w is None:
        row.update(objective=None, loss=None, unfairness=None, exact_unfairness=None, w=None)
    else:
        row.update(_scores(inst, lam, w))
        row["w"] = np.asarray(w, dtype=float).tolist()
    return row, timing


def _evaluate(split: RealSplit, pred_train: np.ndarray, pred_test: np.ndarray,
              rmse_ls: float) -> dict[str, float]:
    inst = split.train
    test_rmse = metrics.rmse(split.y_test, pred_test)
    return {
        "train_rmse": metrics.rmse(inst.y, pred_train),
        "train_exact_unfairness": metrics.exact_unfairness(pred_train, inst.a),
        "train_discretized_unfairness": metrics.discretized_unfairness(pred_train, inst.a, inst.thresholds),
        "test_rmse": test_rmse,
        "test_rel_rmse_increase": metrics.relative_increase(test_rmse, rmse_ls),
        "test_exact_unfairness": metrics.exact_unfairness(pred_test, split.a_test),
        "test_discretized_unfairness": metrics.discretized_unfairness(pred_test, split.a_test,
                                                                      inst.thresholds),
    }


def _evaluate_mixture(split: RealSplit, res: Any, rmse_ls: float) -> dict[str, float]:
    inst = split.train
    test_rmse = res.rmse(split.X_test, split.y_test)
    return {
        "train_rmse": res.rmse(inst.X, inst.y),
        "train_exact_unfairness": res.unfairness(inst.X, inst.a),
        "train_discretized_unfairness": res.unfairness(inst.X, inst.a, inst.thresholds),
        "test_rmse": test_rmse,
        "test_rel_rmse_increase": metrics.relative_increase(test_rmse, rmse_ls),
        "test_exact_unfairness": res.unfairness(split.X_test, split.a_test),
        "test_discretized_unfairness": res.unfairness(split.X_test, split.a_test, inst.thresholds),
        "test_rmse_of_mean": res.rmse_of_mean(split.X_test, split.y_test),
    }


def run_real(split: RealSplit, method: str, opts: SolveOptions, *, lam: float | None = None,
             eps: float | None = None, start: np.ndarray | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train one real-data method on the train part and score it on both parts (module docstring).

    Args:
        split: From :func:`fairopt.studies.fairreg.prepare.read_prepared`.
        method: A name of :data:`~fairopt.studies.fairreg.methods.REAL`.
        opts: Solver settings.
        lam: Fairness weight of the mean loss (methods on the ``lam`` grid).
        eps: SP tolerance (``agarwal``).
        start: The relaxation's model (``cd_relax``).

    Returns:
        ``(row, timing)``: a flat row -- ``method, lam, lam_sum, eps``, sizes, ``test_rmse_ls``, the
        method's fields, the evaluation and ``w`` (or the mixture's ``coefs, weights``) -- and its
        timing record (module docstring).

    Raises:
        ValueError: A missing or non-positive ``lam``/``eps`` for a method on that grid.
    """
    runner = REAL.get(method, key="fairreg.real.methods")
    grid = REAL.info(method)["setting"]
    inst = split.train
    w_ls = least_squares(inst.X, inst.y)
    rmse_ls = metrics.rmse(split.y_test, split.X_test @ w_ls)
    row: dict[str, Any] = {"method": method, "lam": lam, "eps": eps, "m_train": inst.m,
                           "m_test": int(split.y_test.size), "n": inst.n, "l": inst.l, "test_rmse_ls": rmse_ls}
    value = {"lam": lam, "eps": eps, None: None}[grid]
    if grid is not None and (value is None or value <= 0):
        raise ValueError(f"method {method} needs a positive {grid}, got {value!r}")
    lam_sum = None if lam is None else float(lam) * inst.m
    row["lam_sum"] = lam_sum
    clock = JobClock()
    model, fields, measured = runner(inst, lam_sum if grid == "lam" else value, opts, start)
    row.update(fields)
    timing = {"method": method, "lam": lam, "eps": eps, **measured, **clock.finish()}
    if grid == "eps":  # a randomised predictor (a mixture of linear models)
        row.update(_evaluate_mixture(split, model, rmse_ls))
        return row, timing
    if model is None:  # a MIO without a model
        return row, timing
    row.update(_evaluate(split, inst.X @ model, split.X_test @ model, rmse_ls))
    if lam_sum is not None:
        loss, unf = objective_parts(inst, model)
        row.update(train_objective=loss + lam_sum * unf)
    row["w"] = np.asarray(model, dtype=float).tolist()
    return row, timing
