"""Evaluation metrics of DAFH (Cai, Khalili & Zhang, arXiv 2509.24077, Section 6.3 "Evaluation metrics").

Inputs, shared by every function: per-sample 0-1 losses ``pooled_loss`` ``(n,)`` of the pooled
classifier h_0 and ``model_loss`` ``(n, K)`` of the decoupled classifiers h_1..h_K (column k-1 is
h_k), and ``assigned`` ``(n,)``: the index in ``[0, K)`` of each sample's assigned classifier
(DAFH: ``argmax_k p_k(x)``; a partition baseline: the row's group). :func:`zero_one_losses` builds
the losses from predicted labels (e.g. an estimator's ``predict_all``).

Group metrics take any grouping ``groups`` ``(n,)`` of the samples (default: ``assigned``, the
learned groups). For a grouping whose members may use different classifiers (e.g. intersections of
sensitive attributes under DAFH) we define, for group g:

* the group's own error ``R_g(own) = mean_{i in g} l_{i, assigned_i}`` (each member keeps its assigned
  classifier);
* ``R_g(h_k) = mean_{i in g} l_ik``: the error if all members used h_k;
* the rival classifiers of g: every h_k except, when all members of g are assigned to the same
  classifier k, that h_k itself (it *is* the group's classifier). For the learned groups this is the
  usual "j != k".

With this, on the learned groups the definitions reduce to the paper's ``R_k(h_0) - R_k(h_k)`` and
``R_k(h_j) - R_k(h_k)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import binomtest

from fairopt.core.errors import DataError

__all__ = [
    "zero_one_losses", "fairness_without_harm_mask", "prob_fairness_without_harm", "assigned_accuracy",
    "GroupRisks", "group_risks", "violations", "n_violations", "max_gain", "min_envy", "disparity", "n_models",
    "mcnemar_pvalue", "SignificanceResult", "significant_violations", "agreement", "evaluate_predictions",
    "evaluate_estimator",
]


def _check(pooled_loss, model_loss, assigned) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    l0 = np.asarray(pooled_loss, dtype=np.float64)
    lk = np.asarray(model_loss, dtype=np.float64)
    a = np.asarray(assigned)
    if lk.ndim != 2 or l0.shape != (lk.shape[0],) or a.shape != l0.shape:
        raise DataError(f"losses: expected pooled_loss (n,), model_loss (n, K), assigned (n,); got "
                        f"{l0.shape}, {lk.shape}, {a.shape}")
    if a.size and (not np.issubdtype(a.dtype, np.integer) or a.min() < 0 or a.max() >= lk.shape[1]):
        raise DataError(f"assigned: expected integer classifier indices in [0, {lk.shape[1]})")
    return l0, lk, a.astype(np.int64)


def zero_one_losses(y, predictions) -> tuple[np.ndarray, np.ndarray]:
    """0-1 losses from predicted labels.

    Args:
        y: ``(n,)`` true labels.
        predictions: ``(n, K + 1)`` predicted labels, column 0 the pooled classifier, column k the
            classifier h_k (the layout of the estimators' ``predict_all``).

    Returns:
        ``(pooled_loss (n,), model_loss (n, K))`` as float64 0/1 arrays.
    """
    y = np.asarray(y)
    p = np.asarray(predictions)
    if p.ndim != 2 or p.shape[0] != y.shape[0] or p.shape[1] < 2:
        raise DataError(f"predictions: expected shape ({y.shape[0]}, K + 1) with K >= 1, got {p.shape}")
    wrong = (p != y[:, None]).astype(np.float64)
    return wrong[:, 0], wrong[:, 1:]


def fairness_without_harm_mask(pooled_loss, model_loss, assigned) -> np.ndarray:
    """Samples satisfying both rationality and envy-freeness (Section 6.3, metric 1).

    Sample i with assigned classifier k satisfies them if ``l(h_k(x_i), y_i) <= l(h_0(x_i), y_i)`` and
    ``l(h_k(x_i), y_i) <= l(h_j(x_i), y_i)`` for every ``j != k``. With 0-1 losses: the assigned
    classifier is right, or every classifier is wrong.

    Args:
        pooled_loss: ``(n,)`` 0-1 losses of h_0.
        model_loss: ``(n, K)`` 0-1 losses of h_1..h_K.
        assigned: ``(n,)`` assigned classifier indices.

    Returns:
        ``(n,)`` boolean mask.
    """
    l0, lk, a = _check(pooled_loss, model_loss, assigned)
    own = lk[np.arange(a.size), a]
    return (own <= l0) & np.all(own[:, None] <= lk, axis=1)


def prob_fairness_without_harm(pooled_loss, model_loss, assigned) -> float:
    """Probability of fairness without harm: the share of samples in :func:`fairness_without_harm_mask`.

    Always >= :func:`assigned_accuracy` (a correctly classified sample satisfies both properties), and
    1 when every classifier makes the same predictions.

    Args:
        pooled_loss, model_loss, assigned: As in :func:`fairness_without_harm_mask`.

    Returns:
        The probability, in [0, 1].
    """
    return float(np.mean(fairness_without_harm_mask(pooled_loss, model_loss, assigned)))


def assigned_accuracy(model_loss, assigned) -> float:
    """Accuracy of the decoupled classifiers on their assigned samples (Section 6.3, metric 2).

    ``(1/n) sum_i sum_k 1[k(x_i) = k] 1[h_k(x_i) = y_i]``.

    Args:
        model_loss: ``(n, K)`` 0-1 losses of h_1..h_K.
        assigned: ``(n,)`` assigned classifier indices.

    Returns:
        The accuracy, in [0, 1].
    """
    lk = np.asarray(model_loss, dtype=np.float64)
    _, _, a = _check(np.zeros(lk.shape[0]), lk, assigned)
    return float(1.0 - np.mean(lk[np.arange(a.size), a]))


@dataclass
class GroupRisks:
    """Group-specific empirical risks over a grouping (module docstring).

    Attributes:
        labels: The group labels (sorted distinct values of ``groups``).
        sizes: ``(G,)`` group sizes.
        own: ``(G,)`` own errors ``R_g(own)``.
        pooled: ``(G,)`` pooled errors ``R_g(h_0)``.
        models: ``(G, K)`` errors ``R_g(h_k)``.
        rivals: ``(G, K)`` boolean: h_k is a rival classifier of g.
    """

    labels: list
    sizes: np.ndarray
    own: np.ndarray
    pooled: np.ndarray
    models: np.ndarray
    rivals: np.ndarray

    @property
    def gains(self) -> np.ndarray:
        """``(G,)`` rationality gains ``R_g(h_0) - R_g(own)``."""
        return self.pooled - self.own

    @property
    def envy(self) -> np.ndarray:
        """``(G, K)`` envy margins ``R_g(h_k) - R_g(own)`` (NaN where h_k is not a rival)."""
        return np.where(self.rivals, self.models - self.own[:, None], np.nan)


def group_risks(pooled_loss, model_loss, assigned, groups=None) -> GroupRisks:
    """Group risks over ``groups`` (default: the assigned classifiers, i.e. the learned groups).

    Args:
        pooled_loss: ``(n,)`` pooled 0-1 losses.
        model_loss: ``(n, K)`` decoupled 0-1 losses.
        assigned: ``(n,)`` assigned classifier indices.
        groups: ``(n,)`` group labels of any hashable, sortable type, or ``None``.

    Returns:
        A :class:`GroupRisks` (only groups with at least one sample appear).
    """
    l0, lk, a = _check(pooled_loss, model_loss, assigned)
    g = a if groups is None else np.asarray(groups)
    if g.shape != a.shape:
        raise DataError(f"groups: expected shape {a.shape}, got {g.shape}")
    if g.dtype == object:
        labels_obj = sorted(set(g.tolist()), key=repr)
        index = {v: i for i, v in enumerate(labels_obj)}
        inverse = np.array([index[v] for v in g.tolist()], dtype=np.int64)
        labels = labels_obj
    else:
        uniq, inverse = np.unique(g, return_inverse=True)
        inverse = inverse.ravel()
        labels = uniq.tolist()
    n_g, k = len(labels), lk.shape[1]
    own_loss = lk[np.arange(a.size), a]
    sizes = np.bincount(inverse, minlength=n_g).astype(np.float64)
    own = np.bincount(inverse, weights=own_loss, minlength=n_g) / sizes
    pooled = np.bincount(inverse, weights=l0, minlength=n_g) / sizes
    models = np.stack([np.bincount(inverse, weights=lk[:, j], minlength=n_g) for j in range(k)], axis=1) / sizes[:, None]
    rivals = np.ones((n_g, k), dtype=bool)
    counts = np.zeros((n_g, k))
    np.add.at(counts, (inverse, a), 1.0)
    single = counts.max(axis=1) == sizes
    rivals[np.flatnonzero(single), counts.argmax(axis=1)[single]] = False
    return GroupRisks(labels=labels, sizes=sizes.astype(np.int64), own=own, pooled=pooled, models=models,
                      rivals=rivals)


def violations(risks: GroupRisks) -> tuple[int, int]:
    """Raw violation counts ``(rationality, envy)``.

    Rationality is violated by group g if ``R_g(own) > R_g(h_0)``; envy-freeness by the ordered pair
    (g, k) if ``R_g(h_k) < R_g(own)`` for a rival h_k of g.

    Args:
        risks: The group risks (:func:`group_risks`).

    Returns:
        ``(number of groups violating rationality, number of ordered pairs violating envy-freeness)``.
    """
    rational = int(np.sum(risks.own > risks.pooled))
    envy = int(np.sum(risks.rivals & (risks.models < risks.own[:, None])))
    return rational, envy


def n_violations(risks: GroupRisks) -> int:
    """# of violations (Section 6.3, metric 3): groups violating rationality plus ordered pairs of
    groups violating envy-freeness (raw, not significance-based: see :func:`significant_violations`).

    Args:
        risks: The group risks (:func:`group_risks`).

    Returns:
        The count.
    """
    return int(sum(violations(risks)))


def max_gain(risks: GroupRisks) -> float:
    """Max gain (metric 4): ``max_g (R_g(h_0) - R_g(own))``, higher is better.

    Args:
        risks: The group risks (:func:`group_risks`).

    Returns:
        The largest rationality gain over groups.
    """
    return float(np.max(risks.gains))


def min_envy(risks: GroupRisks) -> float:
    """Min envy (metric 5): ``min_g min_{rival k} (R_g(h_k) - R_g(own))``, higher is better.

    The paper's text calls it "the maximal difference between the true risk of decoupled classifiers
    and the assigned classifier"; we follow Ustun et al., whose "min envy" (the Table 7 columns that
    DAFH shares with them) is the smallest envy margin over groups: how much better the worst-off
    group's own classifier is than its best rival. NaN if no group has a rival.

    Args:
        risks: The group risks (:func:`group_risks`).

    Returns:
        The smallest envy margin.
    """
    env = risks.envy
    return float(np.nanmin(env)) if np.isfinite(env).any() else float("nan")


def disparity(risks: GroupRisks) -> float:
    """Disparity (metric 6): accuracy disparity with the decoupled classifiers minus that with h_0.

    ``[max_g (1 - R_g(own)) - min_g (1 - R_g(own))] - [max_g (1 - R_g(h_0)) - min_g (1 - R_g(h_0))]``;
    lower is better.

    Args:
        risks: The group risks (:func:`group_risks`).

    Returns:
        The difference of the two accuracy ranges.
    """
    acc_own, acc_pool = 1.0 - risks.own, 1.0 - risks.pooled
    return float((acc_own.max() - acc_own.min()) - (acc_pool.max() - acc_pool.min()))


def n_models(assigned) -> int:
    """# models (metric 7): the number of distinct decoupled classifiers assigned to at least one sample.

    Args:
        assigned: ``(n,)`` assigned classifier indices.

    Returns:
        The number of classifiers in use.
    """
    return int(np.unique(np.asarray(assigned)).size)


def mcnemar_pvalue(b: int, c: int) -> float:
    """Exact one-sided McNemar p-value that the rival classifier is better than the own one.

    ``b`` = samples where the own classifier is wrong and the rival right, ``c`` = own right and rival
    wrong. Under H0 (equal error rates) ``c ~ Binomial(b + c, 1/2)``; small ``c`` relative to ``b``
    supports H1 (rival better), so ``p = P(C <= c) = BinomCDF(c; b + c, 1/2)`` (Ustun et al.). The exact
    McNemar test is the exact binomial test on the discordant pairs, so this is
    :func:`scipy.stats.binomtest` ``(c, b + c, 1/2, alternative="less")``, whose p-value scipy computes
    as ``binom.cdf(c, b + c, 1/2)`` (bit-identical to that CDF, tested). With ``b + c = 0``
    (no discordant pair; ``binomtest`` needs ``n >= 1``) the p-value is 1.

    Args:
        b: Count of (own wrong, rival right).
        c: Count of (own right, rival wrong).

    Returns:
        The p-value.
    """
    b, c = int(b), int(c)
    if b < 0 or c < 0:
        raise DataError(f"mcnemar_pvalue: counts must be >= 0, got b={b}, c={c}")
    return float(binomtest(c, b + c, 0.5, alternative="less").pvalue) if b + c > 0 else 1.0


@dataclass
class SignificanceResult:
    """Significance-based violation counts (Ustun et al.).

    Attributes:
        n_violations: ``n_rationality + n_envy``.
        n_rationality: Groups whose own classifier is significantly worse than h_0.
        n_envy: Ordered (group, rival) pairs where the rival is significantly better.
        n_tests: Number of tests m (the Bonferroni denominator).
        alpha_test: ``alpha / m``.
        tests: ``(group label, rival, b, c, p)`` per test; rival ``0`` is h_0, ``k`` is h_k.
    """

    n_violations: int
    n_rationality: int
    n_envy: int
    n_tests: int
    alpha_test: float
    tests: list = field(default_factory=list)


def significant_violations(pooled_loss, model_loss, assigned, groups=None, alpha: float = 0.1) -> SignificanceResult:
    """Violations that are significant by exact one-sided McNemar tests with a Bonferroni correction.

    For each group g (of ``groups``, default the learned groups) the per-sample own losses are
    compared with h_0 (rationality) and with every rival h_k (envy-freeness); a violation is "the other
    classifier is significantly better": ``p <= alpha / m`` with m the total number of tests. A
    difference of a single sample (b = 1, c = 0, p = 1/2) is never a violation.

    Args:
        pooled_loss, model_loss, assigned, groups: As in :func:`group_risks`.
        alpha: Family-wise significance level.

    Returns:
        A :class:`SignificanceResult`.
    """
    if not 0 < float(alpha) <= 1:
        raise DataError(f"alpha: expected a number in (0, 1], got {alpha!r}")
    l0, lk, a = _check(pooled_loss, model_loss, assigned)
    risks = group_risks(l0, lk, a, groups)
    g = a if groups is None else np.asarray(groups)
    own = lk[np.arange(a.size), a].astype(bool)
    keys, bs, cs = [], [], []
    for gi, label in enumerate(risks.labels):
        rows = g == label
        o = own[rows]
        rivals = [(0, l0[rows].astype(bool))] + [(k + 1, lk[rows, k].astype(bool))
                                                 for k in range(lk.shape[1]) if risks.rivals[gi, k]]
        for rival, other in rivals:
            keys.append((label, rival))
            bs.append(int(np.sum(o & ~other)))
            cs.append(int(np.sum(~o & other)))
    tests = [(label, rival, b, c, mcnemar_pvalue(b, c)) for (label, rival), b, c in zip(keys, bs, cs)]
    m = len(tests)
    alpha_test = float(alpha) / m if m else float(alpha)
    rational = sum(1 for t in tests if t[1] == 0 and t[4] <= alpha_test)
    envy = sum(1 for t in tests if t[1] != 0 and t[4] <= alpha_test)
    return SignificanceResult(n_violations=rational + envy, n_rationality=rational, n_envy=envy, n_tests=m,
                              alpha_test=alpha_test, tests=tests)


def agreement(predictions) -> float:
    """Share of samples on which every classifier h_0, h_1..h_K predicts the same label.

    A sample on which all classifiers agree satisfies rationality and envy-freeness whatever its
    label, so ``prob_fwh >= agreement``: near-identical classifiers make the probability of fairness
    without harm uninformative (the DAFH scorecard treats a high agreement as a degenerate partition).

    Args:
        predictions: ``(n, K + 1)`` predicted labels (column 0 pooled).
    """
    p = np.asarray(predictions)
    if p.ndim != 2 or p.shape[0] == 0:
        raise DataError(f"predictions: expected a non-empty (n, K + 1) array, got shape {p.shape}")
    return float(np.mean(np.all(p == p[:, :1], axis=1)))


def evaluate_predictions(y, predictions, assigned, groups=None, alpha: float = 0.1) -> dict[str, float]:
    """Every metric of Section 6.3 from predicted labels.

    Args:
        y: ``(n,)`` true labels.
        predictions: ``(n, K + 1)`` labels (column 0 pooled).
        assigned: ``(n,)`` assigned classifier indices.
        groups: Grouping of the group metrics (``None``: the learned groups).
        alpha: Level of the significance-based violation count.

    Returns:
        ``prob_fwh``, ``accuracy``, ``pooled_accuracy``, ``n_violations`` (raw),
        ``n_violations_rationality``, ``n_violations_envy``, ``n_violations_significant``, ``max_gain``,
        ``min_envy``, ``disparity``, ``n_models``, ``n_groups`` (of the grouping), ``agreement``
        (:func:`agreement`).
    """
    l0, lk = zero_one_losses(y, predictions)
    risks = group_risks(l0, lk, assigned, groups)
    rational, envy = violations(risks)
    sig = significant_violations(l0, lk, assigned, groups, alpha)
    return {"prob_fwh": prob_fairness_without_harm(l0, lk, assigned), "accuracy": assigned_accuracy(lk, assigned),
            "pooled_accuracy": float(1.0 - l0.mean()), "n_violations": rational + envy,
            "n_violations_rationality": rational, "n_violations_envy": envy,
            "n_violations_significant": sig.n_violations, "max_gain": max_gain(risks), "min_envy": min_envy(risks),
            "disparity": disparity(risks), "n_models": n_models(assigned), "n_groups": len(risks.labels),
            "agreement": agreement(predictions)}


def evaluate_estimator(estimator, X, y, groups=None, alpha: float = 0.1) -> dict[str, float]:
    """:func:`evaluate_predictions` for a fitted estimator with ``predict_all`` and ``assign``
    (:class:`~fairopt.methods.dafh.estimator.DAFHClassifier` or any partition baseline).

    Args:
        estimator: The fitted estimator.
        X: Its inputs.
        y: True labels.
        groups: Grouping of the group metrics (``None``: the learned groups).
        alpha: Level of the significance-based violation count.

    Returns:
        The dictionary of :func:`evaluate_predictions`.
    """
    return evaluate_predictions(y, estimator.predict_all(X), estimator.assign(X), groups, alpha)
