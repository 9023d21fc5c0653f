"""scikit-learn estimator for fair and accurate regression (Deza, Gomez & Atamturk, arXiv 2412.17116).

:class:`FairRegressor` fits a linear model ``t(x) = intercept + x'coef`` by one of the methods of
:mod:`fairopt.methods.fairreg`, minimising the *mean* squared loss plus ``lam`` times the
statistical-parity unfairness at ``l`` thresholds ``b_1 < ... < b_l``::

    (1/m) sum_i (t(x_i) - y_i)^2 + lam * U,
    U = max_j | (1/m) sum_i 1(t(x_i) > b_j) - (1/m_1) sum_{i: a_i = 1} 1(t(x_i) > b_j) |

(``a_i`` the binary sensitive feature, ``m_1`` the rows with ``a_i = 1``;
:func:`fairopt.core.metrics.discretized_unfairness`).

**lambda scale.** The library (:mod:`~fairopt.methods.fairreg.objective`) weighs the *summed* loss,
``f(w) = sum_i (w'x_i - y_i)^2 + lam_sum * U``. Multiplying the estimator's objective by ``m`` gives
``f`` with ``lam_sum = m * lam``, so both have the same minimisers and the estimator calls the
library with ``lam_sum = m * lam`` (``m`` = training rows); its ``objective_`` is ``f / m``. The
mean scale makes one ``lam`` mean the same trade-off on a subsample, a cross-validation fold or the
full data (the study's real-data grid ``fairreg.real.lambdas`` is on this scale too). Worked example:
with ``m = 200`` training rows, ``FairRegressor(lam=0.05, method="cd", fit_intercept=False)`` minimises
``(1/200) sum_i (w'x_i - y_i)^2 + 0.05 U``; that is ``f / 200`` with ``lam_sum = 200 * 0.05 = 10``,
and its ``coef_`` is the ``w`` of ``coordinate_descent(make_instance(X, y, a, b), 10.0,
least_squares(X, y))``, its ``objective_`` that call's ``objective / 200``.

**Intercept.** ``fit_intercept=True`` solves the library problem with a constant column *first*
(the study's ``const`` feature, ``fairreg.real.intercept`` and the synthetic generator's first
column): ``w = (intercept_, coef_)``. The intercept is a coordinate like any other (coordinate
descent visits it first) and is not centred away: the thresholds are in the units of ``y``.

**Thresholds.** ``thresholds=l`` (an int) builds the grid of
:func:`~fairopt.methods.fairreg.objective.threshold_grid` over the training targets' range
``[min y, max y]`` with ``threshold_position`` (``"left"``: ``b_j = min y + j (max y - min y)/l``,
``j = 0..l-1``; the study's grid on [0, 1] when ``y`` spans [0, 1]); an array gives the thresholds
explicitly (strictly increasing). ``thresholds_`` holds those used.

**Sensitive feature.** ``fit(X, y, sensitive_features=s)`` with ``s`` a 1-D array of exactly two
distinct values (numbers, booleans or strings). ``a = 1`` (the group of the ``1/m_1`` term,
:mod:`~fairopt.methods.fairreg.objective`) is ``protected_group`` when given, else the *second of the
two values in sorted order* (``numpy.unique``): 1 for 0/1, ``True`` for booleans, +1 for -1/+1,
``"White"`` for ``{"Black", "White"}``. The choice matters: ``U`` is not symmetric in the groups
(``P(t > b) - P(t > b | a = 1) = P(a = 0) (P(t > b | a = 0) - P(t > b | a = 1))``); the rule is
:func:`fairopt.core.groups.binary_groups`, shared with :mod:`fairopt.metrics`. ``groups_``
records ``[value of a = 0, value of a = 1]``. ``s`` is needed only for fitting (``predict`` never
sees it). In a :class:`~sklearn.pipeline.Pipeline` pass it as ``<step>__sensitive_features=s``, or,
with ``sklearn.set_config(enable_metadata_routing=True)``, as ``sensitive_features=s`` to the
pipeline or search: the estimator requests it by default (``set_fit_request`` changes that).

**Methods** (``method``):

* ``"relaxation"``: the strong (perspective) convex relaxation's ``w`` (Clarabel;
  :func:`~fairopt.methods.fairreg.formulations.solve_relaxation`), ``bound_`` its optimal value;
* ``"cd"``: exact coordinate descent from least squares (the slides' CD-unfair;
  :func:`~fairopt.methods.fairreg.coordinate_descent.coordinate_descent`);
* ``"cd_relax"`` (default): coordinate descent from the relaxation's ``w`` (CD-relax, the slides'
  best fast method), ``bound_`` the relaxation's;
* ``"mio_strong"``, ``"mio_bigm"``: the strong / big-M mixed-integer problem (SCIP by default;
  :func:`~fairopt.methods.fairreg.mio.run_mio`), warm-started (``warm_start``) with the better of
  least squares and CD-relax as the study does (config ``fairreg.solvers.warm_start_mio``);
  ``bound_`` and ``gap_`` are the solver's. A MIO stopped by ``time_limit`` or ``node_limit``
  returns its incumbent with ``status_ = "time_limit"`` / ``"node_limit"`` and a
  :class:`~sklearn.exceptions.ConvergenceWarning`; without an incumbent, after a crash or at the
  watchdog it raises :class:`~fairopt.core.errors.SolverError`;
* ``"agarwal"``: the Agarwal, Dudik & Wu (2019) reduction at SP tolerance ``eps``
  (:func:`~fairopt.methods.fairreg.agarwal.fit_agarwal`; ``y`` must lie in [0, 1], ``thresholds`` an
  int ``N``: its grid ``j/N``, ``j = 0..N``, ``threshold_position`` unused). It fits a *randomised*
  predictor, a mixture of linear models rounded to the grid; ``predict`` returns its expected
  prediction ``sum_h q_h v_h(x)`` (deterministic, the squared-loss-optimal summary),
  :meth:`FairRegressor.sample` one draw. ``lam`` is unused by it, ``eps`` by the others.

A failed or inaccurate solve raises :class:`~fairopt.core.errors.SolverError` (after the library's
Clarabel retries); coordinate descent or the reduction stopped by their iteration limits warn.
Every method is deterministic (a MIO stopped by its clock is not: use ``node_limit``).

**Units of the diagnostics.** ``objective_`` is the mean-scale objective (library objective /
``m``), ``bound_`` a lower bound on the mean-scale optimum of the delta-separated problem (the MIOs'
and relaxation's convention, :mod:`~fairopt.methods.fairreg.objective`: coordinate descent may beat it
by O(``delta``)), ``unfairness_`` / ``exact_unfairness_`` the discretised (at ``thresholds_``) and exact
(all ``b``, :func:`fairopt.core.metrics.exact_unfairness`) unfairness on the training rows, computed
from the same predictions ``[1, X] @ w`` as :meth:`FairRegressor.predict`.
"""
from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from fairopt.core import metrics
from fairopt.core.errors import ConfigError, DataError, SolverError
from fairopt.core.groups import binary_groups
from fairopt.core.isolation import WallLimit
from fairopt.core.solvers import CONIC_SOLVERS, MIXED_INTEGER_SOLVERS
from fairopt.core.validation import validate_inputs
from fairopt.methods.fairreg.agarwal import AgarwalResult, fit_agarwal, grid_thresholds
from fairopt.methods.fairreg.coordinate_descent import cd_start, coordinate_descent
from fairopt.methods.fairreg.formulations import solve_relaxation
from fairopt.methods.fairreg.mio import mio_warm_start, run_mio
from fairopt.methods.fairreg.objective import DEFAULT_DELTA, Instance, make_instance, objective_parts, threshold_grid

__all__ = ["FairRegressor", "METHODS"]

#: the ``method`` values, in the order of the module docstring
METHODS = ("relaxation", "cd", "cd_relax", "mio_strong", "mio_bigm", "agarwal")
#: keys of ``agarwal_options`` (config ``fairreg.real.agarwal`` without ``N``, which is ``thresholds``)
AGARWAL_OPTIONS = ("groups", "nu", "eta_mul", "lp_step")
#: SCIP parameters of the one re-solve after a crash of an isolated MIO (the study's default
#: ``fairreg.solvers.crash_fallback_scip_params``: no NLP heuristics, i.e. no Ipopt)
CRASH_FALLBACK_SCIP_PARAMS: Mapping[str, Any] = {"nlp/disable": True}
#: the watchdog of an isolated MIO: the model built within ``WALL_BUILD_LIMIT`` seconds, then
#: ``factor * time_limit + extra`` seconds plus ``per_build_second`` per build second (the study's defaults,
#: ``fairreg.solvers.wall_build_limit`` / ``wall_limit_*``; methods may not import studies, so a test pins them)
WALL_BUILD_LIMIT = 1800.0
WALL_LIMIT_FACTOR, WALL_LIMIT_EXTRA, WALL_LIMIT_PER_BUILD_SECOND = 2.0, 60.0, 1.0


def _real(value: Any, name: str, *, minimum: float = 0.0, strict: bool = True) -> float:
    """A finite real number ``> minimum`` (``>=`` when not ``strict``), else a one-line ConfigError."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(float(value))
    if ok:
        ok = float(value) > minimum if strict else float(value) >= minimum
    if not ok:
        bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
        raise ConfigError(f"{name}: expected a finite number {bound}, got {value!r}")
    return float(value)


def _integer(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < minimum:
        raise ConfigError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def _choice(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.lower() not in allowed:
        raise ConfigError(f"{name}: expected one of {list(allowed)}, got {value!r}")
    return value.lower()


@dataclass
class _Solved:
    """What a method returned: the model ``w`` over the design (or the mixture) and its diagnostics."""

    w: np.ndarray | None
    status: str
    result: Any
    bound: float | None = None
    gap: float | None = None
    n_iter: int | None = None
    info: dict[str, Any] | None = None


class FairRegressor(RegressorMixin, BaseEstimator):
    """Linear regression with a statistical-parity penalty at ``l`` thresholds (module docstring).

    Minimises ``(1/m) sum_i (t(x_i) - y_i)^2 + lam * U`` (mean loss; the library's summed-loss weight
    is ``lam_sum = m * lam``, see the module docstring's worked example) over
    ``t(x) = intercept_ + x'coef_``.

    Args:
        lam: Fairness weight ``lambda >= 0`` of the *mean* squared loss (``lam_sum = m * lam``).
        method: ``"relaxation"``, ``"cd"``, ``"cd_relax"`` (default), ``"mio_strong"``, ``"mio_bigm"``
            or ``"agarwal"`` (module docstring).
        thresholds: Number ``l`` of thresholds on the training targets' range, or the thresholds
            themselves (strictly increasing). ``"agarwal"``: an int ``N >= 2`` (grid ``j/N``).
        threshold_position: ``"left"``, ``"right"`` or ``"mid"`` for an int ``thresholds``
            (:func:`~fairopt.methods.fairreg.objective.threshold_grid`).
        fit_intercept: Add a constant feature (the first coordinate of the library's ``w``).
        protected_group: The sensitive-feature value of group ``a = 1``; ``None``: the second of the
            two sorted values (1 for 0/1).
        eps: ``"agarwal"``: statistical-parity tolerance per threshold and group (``B = 1/eps``).
        delta: Separation margin of the relaxation and the MIOs (config ``fairreg.delta``).
        relax_solver: Conic solver of the relaxation and polishing QPs: ``"clarabel"`` (default),
            ``"scs"``, ``"mosek"``, ``"gurobi"`` (the last two only if installed and licensed; config
            ``fairreg.solvers.relaxation``).
        mio_solver: Mixed-integer solver: ``"scip"`` (default), ``"mosek"``, ``"gurobi"`` (config
            ``fairreg.solvers.mio``).
        time_limit: MIO time limit in seconds (a clock; ``None``: none).
        node_limit: MIO node limit (SCIP only; deterministic; ``None``: none; config
            ``fairreg.solvers.mio_node_limit``).
        scip_params: Extra SCIP parameters of the MIO (config ``fairreg.solvers.scip_params``).
        warm_start: Start the MIO at the better of least squares and CD-relax.
        isolate: Solve the MIO in a forked child process under a watchdog
            (:func:`~fairopt.methods.fairreg.mio.run_mio`): a solver crash or hang raises
            :class:`~fairopt.core.errors.SolverError` instead of ending Python, after one re-solve
            without NLP heuristics (:data:`CRASH_FALLBACK_SCIP_PARAMS`, SCIP only) following a crash.
        cd_max_passes: Coordinate-descent pass limit.
        cd_tol: Coordinate descent stops when a pass improves by at most ``cd_tol * max(1, |f|)``.
        agarwal_iterations: ``"agarwal"``: maximum exponentiated-gradient iterations ``T``.
        agarwal_options: ``"agarwal"``: further options of
            :func:`~fairopt.methods.fairreg.agarwal.fit_agarwal` (``groups``, ``nu``, ``eta_mul``,
            ``lp_step``).

    Attributes:
        coef_: ``(n_features,)`` coefficients (not set by ``"agarwal"``: see ``result_``).
        intercept_: Intercept (0.0 without ``fit_intercept``; not set by ``"agarwal"``).
        thresholds_: The thresholds used.
        groups_: ``[value of a = 0, value of a = 1]`` of the sensitive feature.
        n_features_in_, feature_names_in_: As scikit-learn sets them.
        status_: ``"optimal"`` (relaxation, MIO), ``"time_limit"`` / ``"node_limit"`` (MIO stopped at a
            limit, incumbent returned), ``"converged"`` / ``"pass_limit"`` (coordinate descent),
            ``"converged"`` / ``"iteration_limit"`` (agarwal: duality gap below ``nu`` or not).
        objective_: Mean-scale objective on the training rows (library objective / ``m``; ``None``
            for ``"agarwal"``).
        unfairness_, exact_unfairness_: Training unfairness at ``thresholds_`` and over all ``b``
            (``"agarwal"``: of the randomised predictor, the mixture of prediction distributions, as
            the study scores it; ``predict`` is its mean).
        bound_: Mean-scale lower bound (relaxation, cd_relax: the relaxation's value; MIO: the solver's
            dual bound; else ``None``).
        gap_: The MIO's relative gap (else ``None``).
        n_iter_: Coordinate-descent passes, EG iterations (agarwal), solver iterations (relaxation) or
            branch-and-bound nodes (MIO).
        lam_sum_: ``m * lam``, the weight handed to the library.
        result_: The library's result (``FormulationResult``, ``CDResult`` or ``AgarwalResult``; its
            models are over ``[1, X]`` with ``fit_intercept``).
        solve_info_: MIO only: :func:`~fairopt.methods.fairreg.mio.run_mio`'s record (status, limit that
            stopped it, fallback used, attempts), else ``None``.
    """

    # sensitive_features is required by fit: routed by default when metadata routing is enabled
    __metadata_request__fit = {"sensitive_features": True}

    def __init__(self, lam: float = 0.1, *, method: str = "cd_relax", thresholds: Any = 40,
                 threshold_position: str = "left", fit_intercept: bool = True, protected_group: Any = None,
                 eps: float = 0.05, delta: float = DEFAULT_DELTA, relax_solver: str = "clarabel",
                 mio_solver: str = "scip", time_limit: float | None = 60.0, node_limit: int | None = None,
                 scip_params: Mapping[str, Any] | None = None, warm_start: bool = True, isolate: bool = True,
                 cd_max_passes: int = 100, cd_tol: float = 1e-6, agarwal_iterations: int = 50,
                 agarwal_options: Mapping[str, Any] | None = None):
        self.lam = lam
        self.method = method
        self.thresholds = thresholds
        self.threshold_position = threshold_position
        self.fit_intercept = fit_intercept
        self.protected_group = protected_group
        self.eps = eps
        self.delta = delta
        self.relax_solver = relax_solver
        self.mio_solver = mio_solver
        self.time_limit = time_limit
        self.node_limit = node_limit
        self.scip_params = scip_params
        self.warm_start = warm_start
        self.isolate = isolate
        self.cd_max_passes = cd_max_passes
        self.cd_tol = cd_tol
        self.agarwal_iterations = agarwal_iterations
        self.agarwal_options = agarwal_options

    # ------------------------------------------------------------------ parameters
    def _check_params(self) -> dict[str, Any]:
        """Every parameter checked (one-line :class:`~fairopt.core.errors.ConfigError` naming it)."""
        method = _choice(self.method, "method", METHODS)
        p: dict[str, Any] = {"method": method, "lam": _real(self.lam, "lam", strict=False)}
        b = self.thresholds
        if isinstance(b, numbers.Integral) and not isinstance(b, bool):
            p["l"] = _integer(b, "thresholds", 2 if method == "agarwal" else 1)
            p["thresholds"] = None
        elif method == "agarwal":
            raise ConfigError(f"thresholds: method 'agarwal' uses its grid j/N of [0, 1]; expected an int N >= 2, "
                              f"got {b!r}")
        else:
            try:
                arr = np.asarray(b, dtype=float)
            except (TypeError, ValueError):
                arr = np.empty(0)
            if isinstance(b, (bool, str)) or arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) \
                    or np.any(np.diff(arr) <= 0):
                raise ConfigError(f"thresholds: expected an int >= 1 or a non-empty, finite, strictly increasing "
                                  f"1-D array, got {b!r}")
            p["l"], p["thresholds"] = None, arr
        p["position"] = _choice(self.threshold_position, "threshold_position", ("left", "right", "mid"))
        p["fit_intercept"] = _flag(self.fit_intercept, "fit_intercept")
        p["eps"] = _real(self.eps, "eps")
        p["delta"] = _real(self.delta, "delta")
        p["relax_solver"] = _choice(self.relax_solver, "relax_solver", tuple(CONIC_SOLVERS))
        p["mio_solver"] = _choice(self.mio_solver, "mio_solver", tuple(MIXED_INTEGER_SOLVERS))
        p["time_limit"] = None if self.time_limit is None else _real(self.time_limit, "time_limit")
        p["node_limit"] = None if self.node_limit is None else _integer(self.node_limit, "node_limit")
        if self.scip_params is not None and not isinstance(self.scip_params, Mapping):
            raise ConfigError(f"scip_params: expected a dict of SCIP parameters or None, got {self.scip_params!r}")
        for name in ("node_limit", "scip_params"):
            if getattr(self, name) is not None and p["mio_solver"] != "scip":
                raise ConfigError(f"{name}: passed to SCIP only, but mio_solver is {self.mio_solver!r}; set it to None")
        p["scip_params"] = dict(self.scip_params or {})
        p["warm_start"] = _flag(self.warm_start, "warm_start")
        p["isolate"] = _flag(self.isolate, "isolate")
        p["cd_max_passes"] = _integer(self.cd_max_passes, "cd_max_passes")
        p["cd_tol"] = _real(self.cd_tol, "cd_tol", strict=False)
        p["agarwal_iterations"] = _integer(self.agarwal_iterations, "agarwal_iterations")
        opts = self.agarwal_options
        if opts is not None and (not isinstance(opts, Mapping) or set(opts) - set(AGARWAL_OPTIONS)):
            raise ConfigError(f"agarwal_options: expected None or a dict with keys among {list(AGARWAL_OPTIONS)}, "
                              f"got {opts!r}")
        p["agarwal_options"] = dict(opts or {})
        return p

    # ------------------------------------------------------------------ fitting
    def _design(self, X: np.ndarray) -> np.ndarray:
        """The library's features: ``[1, X]`` with ``fit_intercept`` (constant column first), else ``X``."""
        return np.column_stack([np.ones(X.shape[0]), X]) if self.fit_intercept else X

    def fit(self, X, y, *, sensitive_features=None):
        """Fit on features ``X``, targets ``y`` and the binary sensitive feature.

        Args:
            X: ``(m, n)`` finite numeric features (without the sensitive feature unless it is meant to
                be a regressor).
            y: ``(m,)`` numeric targets (``"agarwal"``: in [0, 1]).
            sensitive_features: ``(m,)`` two-valued group membership (module docstring); required.

        Returns:
            self.

        Raises:
            ConfigError: A bad parameter (the message names it).
            DataError: Bad ``X``, ``y`` or ``sensitive_features``, fewer than 2 rows, or an int
                ``thresholds`` with constant ``y``.
            SolverError: A failed or inaccurate solve, or a MIO without a model.
        """
        p = self._check_params()
        X, y = validate_inputs(self, X, y)
        try:
            y = np.asarray(y, dtype=float)
        except (TypeError, ValueError):
            raise DataError("y: expected numeric targets") from None
        m = X.shape[0]
        if m < 2:
            raise DataError(f"X: FairRegressor needs at least 2 samples (one per group), got n_samples = {m}")
        if sensitive_features is None:
            raise DataError("sensitive_features: required, a two-valued 1-D array of length n_samples; pass "
                            "fit(X, y, sensitive_features=s) (in a Pipeline: <step>__sensitive_features=s "
                            "or metadata routing)")
        a, groups = binary_groups(sensitive_features, m, protected=self.protected_group,
                                  protected_name="protected_group")
        D = self._design(X)
        lam_sum = float(m) * p["lam"]
        if p["method"] == "agarwal":
            solved, b = self._fit_agarwal(D, y, a, p), grid_thresholds(p["l"])
            inst = None
        else:
            if p["thresholds"] is not None:
                b = p["thresholds"]
            elif not y.max() > y.min():
                raise DataError(f"y: constant (= {y[0]:g}), so thresholds={p['l']} has no range to build the grid "
                                "over; pass explicit thresholds")
            else:
                b = threshold_grid(float(y.min()), float(y.max()), p["l"], p["position"])
            inst = make_instance(D, y, a, b)
            solved = self._solve(inst, lam_sum, p)
        self._set_fitted(inst, D, a, b, groups, lam_sum, p, solved)
        return self

    def _relaxation(self, inst: Instance, lam_sum: float, p: dict[str, Any]):
        return solve_relaxation(inst, lam_sum, "strong", solver=p["relax_solver"], delta=p["delta"])

    def _cd(self, inst: Instance, lam_sum: float, w0: np.ndarray, p: dict[str, Any]):
        # no time limit: coordinate descent stops at its pass limit or tolerance only (deterministic)
        return coordinate_descent(inst, lam_sum, w0, max_passes=p["cd_max_passes"], tol=p["cd_tol"])

    def _solve(self, inst: Instance, lam_sum: float, p: dict[str, Any]) -> _Solved:
        method = p["method"]
        if method == "relaxation":
            rel = self._relaxation(inst, lam_sum, p)
            return _Solved(rel.w, rel.status, rel, bound=rel.best_bound, n_iter=rel.nodes)
        if method in ("cd", "cd_relax"):
            rel = self._relaxation(inst, lam_sum, p) if method == "cd_relax" else None
            start = cd_start(inst, "relax" if rel is not None else "unfair", None if rel is None else rel.w)
            res = self._cd(inst, lam_sum, start, p)
            return _Solved(res.w, "converged" if res.converged else "pass_limit", res,
                           bound=None if rel is None else rel.best_bound, n_iter=res.passes)
        return self._mio(inst, lam_sum, method.removeprefix("mio_"), p)

    def _mio_start(self, inst: Instance, lam_sum: float, p: dict[str, Any]) -> np.ndarray:
        """The better (exact objective; CD-relax on a tie) of least squares and CD-relax (as the study)."""
        cd_relax = self._cd(inst, lam_sum, self._relaxation(inst, lam_sum, p).w, p).w
        return mio_warm_start(inst, lam_sum, cd_relax)[0]

    def _mio(self, inst: Instance, lam_sum: float, formulation: str, p: dict[str, Any]) -> _Solved:
        scip = p["mio_solver"] == "scip"
        options = {"scip_params": p["scip_params"]} if scip and p["scip_params"] else {}
        fallback = ({"scip_params": {**p["scip_params"], **CRASH_FALLBACK_SCIP_PARAMS}}
                    if scip and p["isolate"] else None)
        watchdog = None if p["time_limit"] is None else WallLimit(
            build=WALL_BUILD_LIMIT, solve=WALL_LIMIT_FACTOR * p["time_limit"] + WALL_LIMIT_EXTRA,
            per_build_second=WALL_LIMIT_PER_BUILD_SECOND)
        w0 = self._mio_start(inst, lam_sum, p) if p["warm_start"] else None
        res, info = run_mio(inst, lam_sum, formulation, solver=p["mio_solver"], time_limit=p["time_limit"],
                            node_limit=p["node_limit"], delta=p["delta"], options=options,
                            fallback_options=fallback, isolate=p["isolate"], wall_limit=watchdog, warm_start=w0)
        info = {k: v for k, v in info.items() if k != "attempt_timing"}
        if res is None:
            errors = "; ".join(str(att["error"]) for att in info["attempts"] if att["error"])
            raise SolverError(f"FairRegressor: the {formulation} MIO returned no model (status {info['status']}, "
                              f"stopped by {info['stopped_by']}){': ' + errors if errors else ''}")
        return _Solved(res.w, res.status, res, bound=res.best_bound, gap=res.gap, n_iter=res.nodes, info=info)

    def _fit_agarwal(self, D: np.ndarray, y: np.ndarray, a: np.ndarray, p: dict[str, Any]) -> _Solved:
        if y.min() < 0 or y.max() > 1:
            raise DataError(f"y: method 'agarwal' needs targets in [0, 1], got [{y.min():g}, {y.max():g}] "
                            "(scale them, e.g. TransformedTargetRegressor with MinMaxScaler)")
        res = fit_agarwal(D, y, a, eps=p["eps"], N=p["l"], T=p["agarwal_iterations"], **p["agarwal_options"])
        return _Solved(None, "converged" if res.converged else "iteration_limit", res, n_iter=res.iterations)

    def _set_fitted(self, inst: Instance | None, D: np.ndarray, a: np.ndarray, b: np.ndarray, groups: np.ndarray,
                    lam_sum: float, p: dict[str, Any], solved: _Solved) -> None:
        m = D.shape[0]
        self.thresholds_ = np.asarray(b, dtype=float)
        self.groups_ = groups
        self.lam_sum_ = lam_sum
        self.status_ = solved.status
        self.result_ = solved.result
        self.solve_info_ = solved.info
        self.bound_ = None if solved.bound is None else float(solved.bound) / m
        self.gap_ = None if solved.gap is None else float(solved.gap)
        self.n_iter_ = solved.n_iter
        if inst is None:  # agarwal: a randomised predictor, no single linear model
            res: AgarwalResult = solved.result
            for stale in ("coef_", "intercept_"):  # from an earlier fit with another method
                self.__dict__.pop(stale, None)
            self.objective_ = None
            self.unfairness_ = res.unfairness(D, a, self.thresholds_)
            self.exact_unfairness_ = res.unfairness(D, a)
        else:
            assert solved.w is not None  # every linear method returns a model
            w = np.asarray(solved.w, dtype=float)
            self.coef_ = w[1:].copy() if p["fit_intercept"] else w.copy()
            self.intercept_ = float(w[0]) if p["fit_intercept"] else 0.0
            loss, unf = objective_parts(inst, w)
            self.objective_ = (loss + lam_sum * unf) / m
            self.unfairness_ = unf
            self.exact_unfairness_ = metrics.exact_unfairness(D @ w, a)
        self._warn_if_stopped(p["method"])

    def _warn_if_stopped(self, method: str) -> None:
        if self.solve_info_ is not None and self.solve_info_["fallback_used"]:
            warnings.warn(f"FairRegressor(method={method!r}): the MIO solve crashed and was re-solved with "
                          f"{dict(CRASH_FALLBACK_SCIP_PARAMS)} (solve_info_['attempts'])", UserWarning, stacklevel=4)
        what = {"time_limit": "its time limit", "node_limit": "its node limit",
                "pass_limit": "cd_max_passes before converging",
                "iteration_limit": "agarwal_iterations with its duality gap above nu"}.get(self.status_)
        if what is not None:
            gap = f", gap {100 * self.gap_:.2f}%" if self.gap_ is not None else ""
            warnings.warn(f"FairRegressor(method={method!r}) stopped at {what}{gap}: returning the best model found "
                          f"(status_ = {self.status_!r})", ConvergenceWarning, stacklevel=4)  # the caller of fit

    # -------------------------------------------------------------- prediction
    def _checked_design(self, X) -> np.ndarray:
        check_is_fitted(self, "status_")
        return self._design(validate_inputs(self, X, reset=False))

    def predict(self, X) -> np.ndarray:
        """Predictions ``intercept_ + X @ coef_`` (computed as ``[1, X] @ w``, the training arithmetic).

        ``"agarwal"``: the randomised predictor's expected prediction ``sum_h q_h v_h(x)``.
        """
        D = self._checked_design(X)
        if isinstance(self.result_, AgarwalResult):
            return self.result_.predict_mean(D)
        w = np.concatenate([[self.intercept_], self.coef_]) if self.fit_intercept else self.coef_
        return D @ w

    def sample(self, X, random_state: int = 0) -> np.ndarray:
        """One draw of the randomised ``"agarwal"`` predictor per row (seeded by ``random_state``);
        :meth:`predict` for the other (deterministic) methods."""
        D = self._checked_design(X)
        if isinstance(self.result_, AgarwalResult):
            return self.result_.sample(D, int(random_state))
        return self.predict(X)
