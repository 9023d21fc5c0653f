"""TreeLR: Ustun, Liu & Parkes' (ICML 2019) recursive partition tree over the sensitive attributes.

A baseline of DAFH (Cai, Khalili & Zhang, arXiv 2509.24077, Section 6.2 and Table 7). Reconstructed
from Ustun et al.'s paper and the reference note on their code (no code copied):

**Data.** The training rows are split, stratified by label and seeded, into a growth part and a
held-out pruning part (``prune_fraction`` of each class, default 1/3: their trees train on folds 3-4
and prune on fold 2 of the 75 % training share).

**Growth** (on the growth part). The root holds the pooled logistic regression h_0. A split of a leaf
on attribute a (not yet used on the leaf's path) creates one child per value of a seen in training;
it is admissible if every child has at least ``min_samples`` (default 2d) rows, ``min_positives``
(default d) positive and ``min_negatives`` (default d) negative rows, d = number of non-sensitive
features. Each child gets its own logistic regression. Every admissible (leaf, attribute) candidate
is scored on the partition P it would produce (its children plus the other current leaves)::

    score(P) = sum_{g in P} 4 exp(-n_g (e_gg - e_g0)^2 / 2) + sum_{g != j in P} 4 exp(-n_g (e_gg - e_gj)^2 / 2),

with ``e_gj`` the error of part j's classifier on part g's growth rows, ``e_g0`` that of the root
classifier and ``n_g`` the size of part g. Each term is a Hoeffding-style bound on the probability
that the observed gap is due to chance, so lower is better; the lowest-scoring candidate is applied
(ties: the first), and growth repeats until no leaf has an admissible split or ``max_depth``
(default: the number of attributes) is reached.

**Pruning** (on the pruning part). Every pruning of the grown tree with at least two leaves is a
candidate (with ``include_root=True`` the unsplit root too). For each atomic group a (an observed intersection of all sensitive attributes) with own
leaf classifier h_a, exact one-sided McNemar tests compare h_a with the root classifier and with every
other leaf classifier h (``b`` = rows where h_a is wrong and h right, ``c`` = h_a right and h wrong,
``p = BinomCDF(c; b + c, 1/2)``, H1: h has the lower error); a candidate survives if no p-value is
<= ``alpha / m`` (Bonferroni over its m tests). Among survivors the tree maximising, in this order,
the minimum, the maximum and the median over atomic groups of the gain ``e_a(h_0) - e_a(h_a)`` is
chosen; if none survives (or the tree never split) the root alone (pooled classifier) is returned.
Leaf classifiers stay those fitted on the growth part (the ones the tests were run on).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fairopt.core.errors import ConfigError, DataError
from fairopt.methods.dafh.metrics import mcnemar_pvalue
from fairopt.methods.dafh.partitions import PartitionClassifier, fit_logistic, row_groups

__all__ = ["TreeLRClassifier", "preference_score", "stratified_holdout"]


def preference_score(mistakes: list[np.ndarray], parts: list[np.ndarray], root_mistakes: np.ndarray) -> float:
    """Ustun et al.'s preference score of a partition (lower is better).

    Args:
        mistakes: Per part j, a boolean vector over all rows: classifier j is wrong.
        parts: Per part g, a boolean row mask.
        root_mistakes: Boolean vector: the root (pooled) classifier is wrong.

    Returns:
        ``sum_g 4 exp(-n_g (e_gg - e_g0)^2 / 2) + sum_{g != j} 4 exp(-n_g (e_gg - e_gj)^2 / 2)``.
    """
    score = 0.0
    for g, rows in enumerate(parts):
        n = int(rows.sum())
        if n == 0:
            continue
        own = mistakes[g][rows].mean()
        score += 4.0 * np.exp(-0.5 * n * (own - root_mistakes[rows].mean()) ** 2)
        for j, m in enumerate(mistakes):
            if j != g:
                score += 4.0 * np.exp(-0.5 * n * (own - m[rows].mean()) ** 2)
    return float(score)


def stratified_holdout(y: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of a seeded, label-stratified held-out part (``round(fraction * n_c)`` rows per class)."""
    rng = np.random.default_rng(seed)
    held = np.zeros(y.shape[0], dtype=bool)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        held[rng.permutation(idx)[:int(round(fraction * idx.size))]] = True
    return held


@dataclass
class _Node:
    path: tuple[tuple[int, float], ...]
    rows: np.ndarray
    model: Any  # a fitted scikit-learn classifier
    mistakes: np.ndarray
    attribute: int | None = None
    children: list["_Node"] = field(default_factory=list)
    candidates: dict | None = None


class TreeLRClassifier(PartitionClassifier):
    """TreeLR (Ustun, Liu & Parkes 2019): a pruned partition tree over the sensitive attributes.

    Args:
        sensitive_columns: The sensitive attributes (split candidates; removed from the inputs).
        alpha: Family-wise significance level of the pruning tests (0.1 in their training script).
        prune_fraction: Share of each class held out for pruning (in (0, 1)).
        min_samples, min_positives, min_negatives: Admissibility thresholds per child
            (``None``: 2d, d, d with d the number of non-sensitive features).
        max_depth: Maximum depth (``None``: the number of sensitive attributes).
        include_root: Also offer the unsplit tree (the pooled classifier alone, gains 0) to the
            pruning selection. ``False`` follows Ustun et al.'s code (candidates have >= 2 leaves; the
            root is only the fallback when no candidate survives); ``True`` keeps a split only if its
            (min, max, median) gains beat (0, 0, 0), which removes most pure-noise splits.
        seed: Seed of the growth/pruning split.

    Attributes:
        pooled_: The root classifier (fitted on the growth part), the pooled model of the tests.
        estimators_: The chosen leaves' classifiers (fitted on the growth part).
        leaf_paths_: Per chosen leaf, its path ``((attribute position, value), ...)``; attribute
            positions index ``sensitive_columns``.
        grown_paths_: Leaf paths of the fully grown tree.
        pruning_: One record per candidate subtree (leaves, tests, minimum p-value, gains, survived).
    """

    def __init__(self, sensitive_columns=None, *, alpha: float = 0.1, prune_fraction: float = 1 / 3,
                 min_samples: int | None = None, min_positives: int | None = None,
                 min_negatives: int | None = None, max_depth: int | None = None, include_root: bool = False,
                 seed: int = 0):
        self.sensitive_columns = sensitive_columns
        self.alpha = alpha
        self.prune_fraction = prune_fraction
        self.min_samples = min_samples
        self.min_positives = min_positives
        self.min_negatives = min_negatives
        self.max_depth = max_depth
        self.include_root = include_root
        self.seed = seed

    def _check_params(self) -> None:
        if not (isinstance(self.alpha, (int, float)) and 0 < self.alpha <= 1):
            raise ConfigError(f"alpha: expected a number in (0, 1], got {self.alpha!r}")
        if not (isinstance(self.prune_fraction, (int, float)) and 0 < self.prune_fraction < 1):
            raise ConfigError(f"prune_fraction: expected a number in (0, 1), got {self.prune_fraction!r}")
        for name in ("min_samples", "min_positives", "min_negatives", "max_depth"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0):
                raise ConfigError(f"{name}: expected None or an integer >= 0, got {v!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ConfigError(f"seed: expected an integer >= 0, got {self.seed!r}")

    # ------------------------------------------------------------------ growth
    def _node(self, path, rows, F, y) -> _Node:
        model = fit_logistic(F[rows], y[rows], self.classes_)
        return _Node(path=path, rows=rows, model=model, mistakes=model.predict(F) != y)

    def _candidates(self, leaf: _Node, F, S, y, values, used, thresholds) -> dict:
        min_n, min_pos, min_neg = max(thresholds[0], 1), thresholds[1], thresholds[2]
        out = {}
        positive = y == self.classes_[1]
        for a in range(S.shape[1]):
            if a in used:
                continue
            masks = [leaf.rows & (S[:, a] == v) for v in values[a]]
            if len(masks) < 2:
                continue
            if all(m.sum() >= min_n and (m & positive).sum() >= min_pos and (m & ~positive).sum() >= min_neg
                   for m in masks):
                out[a] = [self._node(leaf.path + ((a, float(v)),), m, F, y) for v, m in zip(values[a], masks)]
        return out

    def _grow(self, F, S, y, values) -> _Node:
        d = F.shape[1]
        thresholds = (2 * d if self.min_samples is None else int(self.min_samples),
                      d if self.min_positives is None else int(self.min_positives),
                      d if self.min_negatives is None else int(self.min_negatives))
        depth = S.shape[1] if self.max_depth is None else min(int(self.max_depth), S.shape[1])
        root = self._node((), np.ones(F.shape[0], dtype=bool), F, y)
        leaves = [root]
        while True:
            best = None
            for i, leaf in enumerate(leaves):
                if len(leaf.path) >= depth:
                    continue
                if leaf.candidates is None:
                    used = {a for a, _ in leaf.path}
                    leaf.candidates = self._candidates(leaf, F, S, y, values, used, thresholds)
                others = [l for l in leaves if l is not leaf]
                for a, children in leaf.candidates.items():
                    parts = children + others
                    score = preference_score([p.mistakes for p in parts], [p.rows for p in parts], root.mistakes)
                    if best is None or score < best[0]:
                        best = (score, i, a)
            if best is None:
                return root
            _, i, a = best
            leaf = leaves[i]
            assert leaf.candidates is not None  # the best split is one of its candidates
            leaf.attribute = a
            leaf.children = leaf.candidates[a]
            leaves = leaves[:i] + leaf.children + leaves[i + 1:]

    # ----------------------------------------------------------------- pruning
    @staticmethod
    def _prunings(node: _Node) -> list[list[_Node]]:
        options = [[node]]
        if node.children:
            for combo in itertools.product(*(TreeLRClassifier._prunings(c) for c in node.children)):
                options.append([leaf for part in combo for leaf in part])
        return options

    @staticmethod
    def _leaf_of(leaves: list[_Node], S: np.ndarray) -> np.ndarray:
        ids = np.full(S.shape[0], -1, dtype=np.int64)
        for g, leaf in enumerate(leaves):
            rows = np.ones(S.shape[0], dtype=bool)
            for a, v in leaf.path:
                rows &= S[:, a] == v
            ids[rows & (ids < 0)] = g
        return ids

    def _prune(self, root: _Node, F, S, y) -> list[_Node]:
        keys, atomic = row_groups(S)
        root_wrong = root.model.predict(F) != y
        records, best, best_key = [], None, None
        cache: dict[int, np.ndarray] = {}

        def wrong_of(leaf: _Node) -> np.ndarray:
            if id(leaf) not in cache:
                cache[id(leaf)] = leaf.model.predict(F) != y
            return cache[id(leaf)]

        start = 0 if self.include_root else 1
        for leaves in self._prunings(root)[start:]:
            wrong = [wrong_of(leaf) for leaf in leaves]
            leaf_of = self._leaf_of(leaves, S)
            pvalues, gains = [], []
            for a in range(len(keys)):
                rows = atomic == a
                own = wrong[leaf_of[rows][0]][rows]
                rivals = [root_wrong[rows]] + [w[rows] for j, w in enumerate(wrong) if j != leaf_of[rows][0]]
                for other in rivals:
                    pvalues.append(mcnemar_pvalue(int(np.sum(own & ~other)), int(np.sum(~own & other))))
                gains.append(root_wrong[rows].mean() - own.mean())
            m = len(pvalues)
            p_min = min(pvalues)
            survived = p_min > self.alpha / m
            key = (min(gains), max(gains), float(np.median(gains)))
            records.append({"leaves": [leaf.path for leaf in leaves], "n_tests": m, "p_min": p_min,
                            "alpha_test": self.alpha / m, "gain_min": key[0], "gain_max": key[1],
                            "gain_median": key[2], "survived": bool(survived)})
            if survived and (best_key is None or key > best_key):
                best, best_key = leaves, key
        self.pruning_ = records
        return best if best is not None else [root]

    # ------------------------------------------------------------------ fitting
    def _fit_impl(self, F, S, y) -> None:
        held = stratified_holdout(y, float(self.prune_fraction), int(self.seed))
        values = [np.unique(S[:, a]) for a in range(S.shape[1])]
        self.values_ = values
        grow = ~held
        root = self._grow(F[grow], S[grow], y[grow], values)
        self.grown_paths_ = [leaf.path for leaf in self._prunings(root)[-1]]
        leaves = self._prune(root, F[held], S[held], y[held]) if held.any() else [root]
        self.leaf_paths_ = [leaf.path for leaf in leaves]
        self.pooled_ = root.model
        self.estimators_ = [leaf.model for leaf in leaves]
        self.group_labels_ = list(self.leaf_paths_)
        self.group_sizes_ = np.array([int(leaf.rows.sum()) for leaf in leaves])

    def _assign(self, F, S):
        ids = np.full(S.shape[0], -1, dtype=np.int64)
        for g, path in enumerate(self.leaf_paths_):
            rows = np.ones(S.shape[0], dtype=bool)
            for a, v in path:
                rows &= S[:, a] == v
            ids[rows & (ids < 0)] = g
        if (ids < 0).any():
            i = int(np.flatnonzero(ids < 0)[0])
            unseen = [f"{self._describe(a)} = {S[i, a]!r}" for a in range(S.shape[1])
                      if S[i, a] not in set(self.values_[a].tolist())]
            raise DataError(f"group ({', '.join(unseen) or 'row ' + str(i)}) has no rows in the training data")
        return ids
